extension StageConfig {
    /// What `deckhand init` writes: every setting, commented, ready to edit.
    public static let example = """
        # deckhand.yml: the stages of this web app. deckhand finds this file in the current folder or a folder
        # above it (or take another with --config FILE). Every verb takes a stage: deckhand status production
        #
        # A stage is one host. Its settings become variables of the built-in playbooks (see their README for
        # every variable and its default); anything else goes under `vars:`. Ansible inventories work too:
        # deckhand status web1 -i hosts.ini

        # Settings every stage shares; a stage's own settings win.
        defaults:
          user: deploy                   # the ssh login user (needs passwordless sudo)
          # port: 22
          repo: git@github.com:example/app.git   # where the host clones the app from
          ref: main                      # branch, tag or commit to deploy
          workers: 3                     # gunicorn workers
          backup_keep_count: 14          # database dumps kept in DB_backups/ ...
          backup_keep_days: 30           # ... and for how many days
          certbot_email: ops@example.com
          # certbot_server: https://acme-v02.api.letsencrypt.org/directory

        stages:
          test:
            host: test.example.com       # a name, an address or a Host alias of ~/.ssh/config
            domain: test.example.com     # the app lives in /webapps/<domain>
            ref: main
            vars:
              # The app's environment (written to repo/.venv/bin/postactivate). Keep secrets out of git:
              # pass them with -e @secrets.yml instead.
              database_url: postgres://app:CHANGE-ME@test-db.example.com:5432/app
              secret_key: CHANGE-ME
          production:
            host: www.example.com
            domain: www.example.com
            ref: v1.0.0
            workers: 5
            # notify:                    # told after deploys, rollbacks and maintenance changes, from this machine
            #   webhooks: [https://hooks.example.com/deploys]   # one POST of JSON each
            #   command: ./announce.sh   # DECKHAND_STAGE, DECKHAND_ACTION, DECKHAND_OUTCOME... in its environment
            vars:
              database_url: postgres://app:CHANGE-ME@prod-db.example.com:5432/app
              secret_key: CHANGE-ME

        """
}
