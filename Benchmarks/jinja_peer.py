#!/usr/bin/env python3
"""Peer for the `jinja` benchmark section: Python's jinja2 renders the same nginx vhost, compiled once,
10,000 times, with Ansible's settings. Prints `seconds=...` for Benchmarks/run."""

import json
import os
import sys
import time

import jinja2

RENDERS = 10_000
CASE = "real_nginx_vhost_tls_maintenance"
CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "JinjaTests", "Corpus")


class AnsibleUndefined(jinja2.StrictUndefined):
    def __bool__(self):
        return False


def main():
    with open(os.path.join(CORPUS, "real_templates.json"), encoding="utf-8") as f:
        case = next(c for c in json.load(f) if c["name"] == CASE)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(CORPUS, "templates")),
        trim_blocks=True,
        undefined=AnsibleUndefined,
        finalize=lambda thing: "" if thing is None else thing,
    )
    template = env.get_template(case["file"])
    variables = case["vars"]
    if template.render(**variables) != case["expected"]:
        sys.exit("jinja_peer: jinja2 no longer renders %s as recorded" % case["file"])
    start = time.perf_counter()
    for _ in range(RENDERS):
        template.render(**variables)
    seconds = time.perf_counter() - start
    print("jinja: jinja2 %s rendered %s %d times in %.3f s (%.1f µs each) seconds=%.6f"
          % (jinja2.__version__, case["file"], RENDERS, seconds, seconds / RENDERS * 1e6, seconds))


if __name__ == "__main__":
    main()
