/// The engine: inventory, playbooks, modules and the runner, over the SSH layer and the Jinja engine.
public enum DeckhandEngine {}
