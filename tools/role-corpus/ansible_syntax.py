"""ansible-playbook --syntax-check on many playbooks in one Python process (the oracle of tools/role-corpus).

    python ansible_syntax.py PLAYBOOK...   (run with the oracle's Python: tools/ansible-oracle/.venv)

One line of JSON per playbook: {"playbook": path, "ok": bool, "message": "..."}. Starting ansible-playbook once
per role would take minutes; the command line's own code (PlaybookCLI) runs here once per playbook instead.
"""
import contextlib
import io
import json
import sys

from ansible.cli.playbook import PlaybookCLI
from ansible.utils.context_objects import GlobalCLIArgs


def syntax_check(playbook):
    # The parsed command line is a singleton: forget the previous playbook's, or every check checks the first.
    GlobalCLIArgs._Singleton__instance = None
    cli = PlaybookCLI(["ansible-playbook", "--syntax-check", "-i", "localhost,", playbook])
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            cli.parse()
            status = cli.run()
    except Exception as error:  # AnsibleError and anything the loader raises: a refusal, with its reason
        return False, " ".join(str(error).split())[:400]
    return status == 0, "" if status == 0 else sink.getvalue().strip()[-400:]


def main():
    for playbook in sys.argv[1:]:
        ok, message = syntax_check(playbook)
        print(json.dumps({"playbook": playbook, "ok": ok, "message": message}), flush=True)


if __name__ == "__main__":
    main()
