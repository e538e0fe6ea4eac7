#!/usr/bin/env python3
"""Records the expected outputs of the Jinja differential corpus with Python's jinja2.

Every Tests/JinjaTests/Corpus/*.json file holds an array of cases:

    {"name": "...",                      unique across the corpus
     "template": "..."  | "file": "x.j2"  the main template (inline, or in Corpus/templates/)
     "expression": "..."                 instead of a template: a bare expression, as `when:` holds it
     "vars": {...},                      optional
     "templates": {"other.j2": "..."},   optional, for include/import
     "contains": "..."}                  optional, for cases that must error: a word our message must hold

This script renders each case the way Ansible does (trim_blocks on, lstrip_blocks off,
keep_trailing_newline off, strict undefined that is falsy in tests, None finalized to '',
Ansible's filters and tests) and writes back either "expected" (text), "expected_value"
(the expression's value) or "error": {"kind", "template", "line", "contains"}.

The recorded files are committed; CI never runs Python. Re-run after editing cases:
    python3 tools/record_jinja_corpus.py
"""

import base64
import json
import ntpath
import os
import re
import time
import shlex
import sys
import traceback
from collections.abc import Hashable, Mapping, Sequence

import jinja2
import yaml

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "JinjaTests", "Corpus")
MAIN = "main.j2"
EXPRESSION = "<expression>"  # what errors in bare expressions name


class AnsibleFilterError(Exception):
    pass


class AnsibleUndefined(jinja2.StrictUndefined):
    """Errors on any use, except that it is falsy (so `if`, `and`, `or`, `not` pass), as Ansible's is."""

    def __bool__(self):
        return False


# --- Ansible's filters, re-implemented after ansible-core's plugins/filter/core.py and mathstuff.py ---

def to_bool(a):
    if a is None or isinstance(a, bool):
        return a
    if isinstance(a, str):
        a = a.lower()
    if a in ("yes", "on", "1", "true", 1):
        return True
    return False


def ternary(value, true_val, false_val, none_val=None):
    if value is None and none_val is not None:
        return none_val
    if bool(value):
        return true_val
    return false_val


def to_json(a, *args, **kw):
    return json.dumps(a, *args, **kw)


def to_nice_json(a, indent=4, sort_keys=True, *args, **kw):
    return to_json(a, indent=indent, sort_keys=sort_keys, separators=(",", ": "), *args, **kw)


def to_yaml(a, *args, **kw):
    default_flow_style = kw.pop("default_flow_style", None)
    return yaml.dump(a, Dumper=yaml.SafeDumper, allow_unicode=True, default_flow_style=default_flow_style, **kw)


def to_nice_yaml(a, indent=4, *args, **kw):
    return yaml.dump(a, Dumper=yaml.SafeDumper, indent=indent, allow_unicode=True, default_flow_style=False, **kw)


def from_json(a, *args, **kw):
    return json.loads(a, *args, **kw)


def from_yaml(data):
    if isinstance(data, str):
        return yaml.safe_load(data)
    return data


def b64encode(string, encoding="utf-8"):
    return base64.b64encode(str(string).encode(encoding)).decode(encoding)


def b64decode(string, encoding="utf-8"):
    return base64.b64decode(str(string).encode(encoding)).decode(encoding)


def regex_replace(value="", pattern="", replacement="", ignorecase=False, multiline=False, count=0, mandatory_count=0):
    flags = 0
    if ignorecase:
        flags |= re.I
    if multiline:
        flags |= re.M
    compiled = re.compile(pattern, flags=flags)
    output, n = compiled.subn(replacement, str(value), count=count)
    if mandatory_count and mandatory_count != n:
        raise AnsibleFilterError("'%s' should match %d times, but matches %d times in '%s'" % (pattern, mandatory_count, n, value))
    return output


def regex_search(value, regex, *args, **kwargs):
    groups = []
    for arg in args:
        if arg.startswith("\\g"):
            match = re.match(r"\\g<(\S+)>", arg).group(1)
            groups.append(match)
        elif arg.startswith("\\"):
            match = int(re.match(r"\\(\d+)", arg).group(1))
            groups.append(match)
        else:
            raise AnsibleFilterError("Unknown argument")
    flags = 0
    if kwargs.get("ignorecase"):
        flags |= re.I
    if kwargs.get("multiline"):
        flags |= re.M
    match = re.search(regex, str(value), flags)
    if match:
        if not groups:
            return match.group()
        return [match.group(item) for item in groups]
    return None


def quote(a):
    if a is None:
        a = ""
    return shlex.quote(str(a))


def combine(*terms, **kwargs):
    recursive = kwargs.pop("recursive", False)
    list_merge = kwargs.pop("list_merge", "replace")
    if kwargs:
        raise AnsibleFilterError("'recursive' and 'list_merge' are the only valid keyword arguments")
    dicts = []
    for term in terms:
        if isinstance(term, list):
            dicts.extend(term)
        else:
            dicts.append(term)
    result = {}
    for d in dicts:
        if not isinstance(d, Mapping):
            raise AnsibleFilterError("combine expects dictionaries, got %r" % (d,))
        result = merge_hash(result, d, recursive, list_merge)
    return result


def merge_hash(x, y, recursive=True, list_merge="replace"):
    if x == {} or x == y:
        return dict(y)
    x = dict(x)
    if not recursive and list_merge == "replace":
        x.update(y)
        return x
    for key, y_value in y.items():
        if key not in x:
            x[key] = y_value
            continue
        x_value = x[key]
        if isinstance(x_value, Mapping) and isinstance(y_value, Mapping):
            x[key] = merge_hash(x_value, y_value, recursive, list_merge) if recursive else y_value
            continue
        if isinstance(x_value, list) and isinstance(y_value, list):
            if list_merge == "replace":
                x[key] = y_value
            elif list_merge == "append":
                x[key] = x_value + y_value
            elif list_merge == "prepend":
                x[key] = y_value + x_value
            elif list_merge == "append_rp":
                x[key] = [z for z in x_value if z not in y_value] + y_value
            elif list_merge == "prepend_rp":
                x[key] = y_value + [z for z in x_value if z not in y_value]
            continue
        x[key] = y_value
    return x


def dict2items(mydict, key_name="key", value_name="value"):
    if not isinstance(mydict, Mapping):
        raise AnsibleFilterError("dict2items requires a dictionary, got %s instead." % type(mydict))
    return [{key_name: k, value_name: v} for k, v in mydict.items()]


def items2dict(mylist, key_name="key", value_name="value"):
    if not isinstance(mylist, list):
        raise AnsibleFilterError("items2dict requires a list, got %s instead." % type(mylist))
    return dict((item[key_name], item[value_name]) for item in mylist)


def is_sequence(x):
    return isinstance(x, Sequence) and not isinstance(x, str)


def flatten(mylist, levels=None, skip_nulls=True):
    ret = []
    for element in mylist:
        if skip_nulls and element in (None, "None", "null"):
            continue
        elif is_sequence(element):
            if levels is None:
                ret.extend(flatten(element, skip_nulls=skip_nulls))
            elif levels >= 1:
                ret.extend(flatten(element, levels=(int(levels) - 1), skip_nulls=skip_nulls))
            else:
                ret.append(element)
        else:
            ret.append(element)
    return ret


def _unique(items):
    out = []
    for x in items:
        if x not in out:
            out.append(x)
    return out


def _hashable(a, b):
    return isinstance(a, Hashable) and isinstance(b, Hashable)


def intersect(a, b):
    if _hashable(a, b):
        return set(a) & set(b)
    return _unique([x for x in a if x in b])


def difference(a, b):
    if _hashable(a, b):
        return set(a) - set(b)
    return _unique([x for x in a if x not in b])


def union(a, b):
    if _hashable(a, b):
        return set(a) | set(b)
    return _unique(a + b)


def symmetric_difference(a, b):
    if _hashable(a, b):
        return set(a) ^ set(b)
    isect = intersect(a, b)
    return [x for x in union(a, b) if x not in isect]


def mandatory(a, msg=None):
    if isinstance(a, jinja2.Undefined):
        if msg is not None:
            raise AnsibleFilterError(str(msg))
        raise AnsibleFilterError("Mandatory variable %s not defined." % (("'%s' " % a._undefined_name) if a._undefined_name else ""))
    return a


def split(a, separator=None, maxsplit=-1):
    return str(a).split(separator, maxsplit)


def strftime(string_format, second=None, utc=False):
    timefn = time.gmtime if utc else time.localtime
    if second is not None:
        try:
            second = float(second)
        except (TypeError, ValueError):
            raise AnsibleFilterError("Invalid value for epoch value (%s)" % second)
    return time.strftime(string_format, timefn(second))


ANSIBLE_FILTERS = {
    "bool": to_bool,
    "ternary": ternary,
    "to_json": to_json,
    "to_nice_json": to_nice_json,
    "to_yaml": to_yaml,
    "to_nice_yaml": to_nice_yaml,
    "from_json": from_json,
    "from_yaml": from_yaml,
    "b64encode": b64encode,
    "b64decode": b64decode,
    "basename": os.path.basename,
    "dirname": os.path.dirname,
    "regex_replace": regex_replace,
    "regex_search": regex_search,
    "quote": quote,
    "combine": combine,
    "dict2items": dict2items,
    "items2dict": items2dict,
    "flatten": flatten,
    "difference": difference,
    "union": union,
    "intersect": intersect,
    "symmetric_difference": symmetric_difference,
    "mandatory": mandatory,
    "split": split,
    "strftime": strftime,
}


# --- Ansible's tests (plugins/test/core.py) ---

def _regex(value="", pattern="", ignorecase=False, multiline=False, match_type="search"):
    flags = 0
    if ignorecase:
        flags |= re.I
    if multiline:
        flags |= re.M
    _re = re.compile(pattern, flags=flags)
    return bool(getattr(_re, match_type, "search")(value))


def truthy(value, convert_bool=False):
    if convert_bool:
        value = to_bool(value)
    return bool(value)


def _result_flag(key, default, through_loop_results=False):
    """A test on a registered result: reads one boolean key, as ansible-core's plugins/test/core.py does."""
    def test(result, name=key):
        if not isinstance(result, dict):
            raise AnsibleFilterError("The '%s' test expects a dictionary" % name)
        if key in result:
            return bool(result[key])
        results = result.get("results")
        if through_loop_results and isinstance(results, list) and results and isinstance(results[0], dict):
            return any(r.get(key, False) for r in results)
        return default
    return test


ANSIBLE_TESTS = {
    "changed": _result_flag("changed", False, True),
    "failed": _result_flag("failed", False),
    "succeeded": lambda r: not _result_flag("failed", False)(r, "succeeded"),
    "success": lambda r: not _result_flag("failed", False)(r, "success"),
    "skipped": _result_flag("skipped", False),
    "unreachable": _result_flag("unreachable", False),
    "reachable": lambda r: not _result_flag("unreachable", False)(r, "reachable"),

    "match": lambda v, p="", ignorecase=False, multiline=False: _regex(v, p, ignorecase, multiline, "match"),
    "search": lambda v, p="", ignorecase=False, multiline=False: _regex(v, p, ignorecase, multiline, "search"),
    "regex": _regex,
    "truthy": truthy,
    "falsy": lambda value, convert_bool=False: not truthy(value, convert_bool),
}


class CaseLoader(jinja2.BaseLoader):
    """Finds a case's extra templates, then the shared ones in Corpus/templates/."""

    def __init__(self, templates):
        self.templates = templates

    def get_source(self, environment, name):
        if name in self.templates:
            return self.templates[name], name, lambda: True
        path = os.path.join(CORPUS, "templates", name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                return f.read(), name, lambda: True
        raise jinja2.TemplateNotFound(name)


def ansible_environment(templates):
    env = jinja2.Environment(
        trim_blocks=True,
        lstrip_blocks=False,
        keep_trailing_newline=False,
        undefined=AnsibleUndefined,
        loader=CaseLoader(templates),
        finalize=lambda thing: "" if thing is None else thing,
    )
    env.filters.update(ANSIBLE_FILTERS)
    env.tests.update(ANSIBLE_TESTS)
    return env


ERROR_KINDS = [
    (jinja2.TemplateSyntaxError, "syntax"),
    (jinja2.UndefinedError, "undefined"),
    (jinja2.TemplateNotFound, "loader"),
    (jinja2.exceptions.FilterArgumentError, "filter"),
    (AnsibleFilterError, "filter"),
    (TypeError, "type"),
]


def error_record(exc, case):
    kind = next((k for cls, k in ERROR_KINDS if isinstance(exc, cls)), "runtime")
    main = EXPRESSION if "expression" in case else case.get("file", MAIN)
    names = set(case.get("templates", {})) | {main}
    if isinstance(exc, jinja2.TemplateSyntaxError):
        template, line = exc.name or main, exc.lineno
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename in names
                  or (not os.path.isabs(f.filename) and os.path.isfile(os.path.join(CORPUS, "templates", f.filename)))]
        template, line = (frames[-1].filename, frames[-1].lineno) if frames else (main, 1)
    record = {"kind": kind, "template": template, "line": line, "python": "%s: %s" % (type(exc).__name__, exc)}
    if "contains" in case:
        record["contains"] = case["contains"]
    return record


def record(case):
    for key in ("expected", "expected_value", "error"):
        case.pop(key, None)
    env = ansible_environment(dict(case.get("templates", {})))
    variables = case.get("vars", {})
    try:
        if "expression" in case:
            value = env.compile_expression(case["expression"], undefined_to_none=False)(**variables)
            if isinstance(value, jinja2.Undefined):
                str(value)  # raises the undefined error, as using it would
            case["expected_value"] = json.loads(json.dumps(value))
        else:
            if "file" not in case:
                # Named through the loader so errors name it as the engine will.
                env.loader.templates[MAIN] = case["template"]
            template = env.get_template(case.get("file", MAIN))
            case["expected"] = template.render(**variables)
    except Exception as exc:  # every failure is a recorded outcome
        case["error"] = error_record(exc, case)
    return case


def main():
    total = errors = 0
    names = set()
    for filename in sorted(os.listdir(CORPUS)):
        if not filename.endswith(".json"):
            continue
        path = os.path.join(CORPUS, filename)
        with open(path, encoding="utf-8") as f:
            cases = json.load(f)
        for case in cases:
            if case["name"] in names:
                sys.exit("duplicate case name %s in %s" % (case["name"], filename))
            names.add(case["name"])
            record(case)
            total += 1
            errors += "error" in case
        with open(path, "w", encoding="utf-8") as f:
            json.dump(cases, f, indent=1, ensure_ascii=False)
            f.write("\n")
    print("recorded %d cases (%d errors) with jinja2 %s" % (total, errors, jinja2.__version__))


if __name__ == "__main__":
    main()
