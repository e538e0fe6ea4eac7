"""Compares deckhand's verdicts and --check runs with ansible-playbook's and prints the tally (tools/role-corpus/run).

    python3 tally.py [--label TEXT] [--floor FILE] ANSIBLE.jsonl DECKHAND.jsonl CHECK_DIR
    python3 tally.py --debian-cases ANSIBLE.jsonl DECKHAND.jsonl ROLES_DIR   (cases to run in --check)
"""
import collections
import glob
import json
import os
import re
import sys


def verdicts(path):
    with open(path) as lines:
        return {entry["playbook"]: entry for entry in map(json.loads, lines)}


def case_name(playbook):
    """A role's case by the role's name; a repository's playbook as repository/playbook.yml."""
    folder = os.path.dirname(playbook)
    if os.path.basename(folder) != "cases":
        return os.path.join(os.path.basename(folder), os.path.basename(playbook))
    return os.path.basename(playbook)[: -len(".yml")] if playbook.endswith(".yml") else os.path.basename(playbook)


# deckhand's refusals, by what is missing: modules, module arguments, lookups, filters and tests; else the message.
REASONS = [
    (re.compile(r"unknown module or task keyword '([^']+)'"), "module"),
    (re.compile(r"'([^']+)' is an Ansible module deckhand does not have"), "module"),
    (re.compile(r"'([^']+)' has no argument '([^']+)'"), "argument"),
    (re.compile(r"the '([^']+)' lookup is not supported"), "lookup"),
    (re.compile(r"lookup plugin '([^']+)' was not found"), "lookup"),
    (re.compile(r"(?i)no filter named '([\w.]+)'"), "filter"),
    (re.compile(r"(?i)no test named '([\w.]+)'"), "test"),
    (re.compile(r"'(\w+)' \(background tasks\) is not supported"), "keyword"),
]


def reasons(message):
    """(kind, name) for each error line of a deckhand refusal."""
    found = []
    for line in message.splitlines():
        match = re.match(r"\s*(?:deckhand run: )?(\S+:\d+:\d+): (.*)", line)
        if not match:
            continue
        text = match.group(2)
        for pattern, kind in REASONS:
            hit = pattern.search(text)
            if hit:
                found.append((kind, ".".join(hit.groups())))
                break
        else:
            found.append(("other", re.sub(r"/\S+/", "", text)[:140]))
    return found or [("other", message.strip().splitlines()[-1][:140] if message.strip() else "(no message)")]


def debian_cases(ansible, deckhand, roles_dir):
    """Cases both tools accept whose role manages a Debian host: it says it runs on Debian or Ubuntu
    (meta/main.yml platforms) and its tasks use apt."""
    for playbook in sorted(ansible):
        if not (ansible[playbook]["ok"] and deckhand.get(playbook, {}).get("ok")):
            continue
        role = os.path.join(roles_dir, case_name(playbook))
        meta = os.path.join(role, "meta", "main.yml")
        platforms = open(meta).read() if os.path.exists(meta) else ""
        tasks = "".join(open(path).read() for path in glob.glob(os.path.join(role, "tasks", "**", "*.y*ml"),
                                                                    recursive=True))
        if re.search(r"name:\s*['\"]?(Debian|Ubuntu)", platforms) and re.search(r"\b(ansible\.builtin\.)?apt:", tasks):
            print(playbook)


def ansible_rows(path):
    """(task, status) per task of an ansible-playbook json-callback run on testhost."""
    try:
        document = json.load(open(path))
    except (ValueError, OSError):
        return None
    rows = []
    for play in document.get("plays", []):
        for task in play.get("tasks", []):
            result = task.get("hosts", {}).get("testhost")
            if result is None:
                continue
            if result.get("unreachable"):
                status = "unreachable"
            elif result.get("failed"):
                status = "failed"
            elif result.get("skipped"):
                status = "skipped"
            elif result.get("changed"):
                status = "changed"
            else:
                status = "ok"
            action = result.get("action", "").split(".")[-1]
            if action in ("include_tasks", "include_role", "include") and status == "ok":
                continue  # a host that includes: deckhand prints an 'included:' line (and counts it), no result row
            rows.append((normal(task["task"]["name"]), status))
    return rows


failures = []  # deckhand's failure messages in --check runs, shown where the statuses differ


def deckhand_rows(path):
    del failures[:]
    rows = []
    try:
        for line in open(path):
            event = json.loads(line)
            if event.get("event") == "host_result" and event.get("host") == "testhost":
                rows.append((normal(event["task"]), event["status"]))
                if event["status"] == "failed":
                    failures.append(str(event.get("result", {}).get("msg", ""))[:200])
    except (ValueError, OSError):
        return None
    return rows


def normal(name):
    return re.sub(r"\bansible\.(builtin|legacy)\.", "", name).strip()


def main(argv):
    if argv[0] == "--debian-cases":
        debian_cases(verdicts(argv[1]), verdicts(argv[2]), argv[3])
        return 0
    label, floor = "cases", None
    while argv[0].startswith("--"):
        if argv[0] == "--label":
            label = argv[1]
        elif argv[0] == "--floor":
            floor = argv[1]
        argv = argv[2:]
    ansible, deckhand, check_dir = verdicts(argv[0]), verdicts(argv[1]), argv[2]
    both_ok, both_refuse, we_refuse, we_accept = [], [], [], []
    for playbook in sorted(ansible):
        theirs, ours = ansible[playbook]["ok"], deckhand.get(playbook, {"ok": False, "message": "not run"})
        (both_ok if theirs and ours["ok"] else both_refuse if not theirs and not ours["ok"]
         else we_refuse if theirs else we_accept).append(playbook)
    gaps = collections.defaultdict(set)
    for playbook in we_refuse:
        for kind, name in reasons(deckhand[playbook]["message"]):
            gaps[(kind, name)].add(case_name(playbook))
    total = len(ansible)
    print(f"\n=== role corpus tally: {total} {label}")
    print(f"  agree:   {len(both_ok) + len(both_refuse)} of {total}"
          f" ({len(both_ok)} both accept, {len(both_refuse)} both refuse)")
    print(f"  deckhand refuses what ansible-playbook accepts: {len(we_refuse)}")
    print(f"  deckhand accepts what ansible-playbook refuses: {len(we_accept)}")
    only_features = [p for p in we_refuse
                     if all(kind in ("module", "argument") for kind, _ in reasons(deckhand[p]["message"]))]
    print(f"    of which refused only for missing modules or module arguments: {len(only_features)}")
    for kind in ["module", "argument", "lookup", "filter", "test", "keyword", "other"]:
        entries = sorted(((name, cases) for (k, name), cases in gaps.items() if k == kind),
                         key=lambda entry: (-len(entry[1]), entry[0]))
        if entries:
            print(f"  missing {kind}s ({len(entries)}), by roles refused:" if kind != "other"
                  else f"  other reasons ({len(entries)}):")
            for name, cases in entries:
                print(f"    {len(cases):3d}  {name}" + (f"   e.g. {sorted(cases)[0]}" if kind == "other" else ""))
    for playbook in we_accept:
        print(f"  ACCEPTED BUT ANSIBLE REFUSES {case_name(playbook)}: {ansible[playbook]['message'][:200]}")
    for playbook in both_refuse:
        print(f"  both refuse {case_name(playbook)}: ansible: {ansible[playbook]['message'][:160]}")

    same, differ = 0, 0
    runs = sorted(glob.glob(os.path.join(check_dir, "*.ansible.json")))
    if runs:
        print(f"  --check on the loopback host beside ansible-playbook ({len(runs)} roles):")
    for path in runs:
        name = os.path.basename(path)[: -len(".ansible.json")]
        theirs = ansible_rows(path)
        ours = deckhand_rows(os.path.join(check_dir, name + ".deckhand.jsonl"))
        if theirs is None or ours is None:
            differ += 1
            print(f"    {name}: no result ({'ansible' if theirs is None else 'deckhand'} output unreadable)")
            continue
        statuses = lambda rows: collections.Counter(status for _, status in rows)
        first = next((i for i, (a, b) in enumerate(zip(theirs, ours)) if a != b), None)
        if first is None and len(theirs) == len(ours):
            same += 1
            print(f"    {name}: same {len(ours)} task statuses {dict(statuses(ours))}")
        else:
            differ += 1
            index = first if first is not None else min(len(theirs), len(ours))
            show = lambda rows: f"{rows[index][0]} -> {rows[index][1]}" if index < len(rows) else "(ended)"
            print(f"    {name}: differs at task {index + 1}: ansible {show(theirs)}; deckhand {show(ours)}"
                  f" (ansible {dict(statuses(theirs))}, deckhand {dict(statuses(ours))})")
            if failures:
                print(f"      deckhand failed with: {failures[0]}")
    agree = len(both_ok) + len(both_refuse)
    print(f"=== tally: {agree}/{total} verdicts agree; {len(we_refuse)} refused by deckhand "
          f"({sum(1 for k, _ in gaps if k != 'other')} missing features named above); "
          f"--check same statuses {same}/{same + differ}")
    failed = bool(we_accept)
    if floor and os.path.exists(floor):
        minimum = int(open(floor).read().split()[0])
        if agree < minimum:
            print(f"FAILED: {agree} verdicts agree, fewer than the {minimum} recorded in {floor}")
            failed = True
    if we_accept:
        print("FAILED: deckhand accepts what ansible-playbook refuses (listed above)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
