#!/usr/bin/env python3
"""Generate k8s-merge-schema.json: Kubernetes strategic-merge-patch metadata.

kustomize v5.6.0 embeds the Kubernetes v1.21.2 OpenAPI document and reads from
it, for every field, the patch merge key and patch strategy that strategic
merge patch (SMP) needs.  This script extracts exactly that information from
the per-Kubernetes-version JSON schemas shipped by the PyPI package
`kubernetes-validate`, and writes it as a compact JSON file.

How to run (from the repository root):

    pip install kubernetes-validate==1.24.1
    python3 stdlib/openapi/generate.py

Options:

    --k8s-version 1.21   Kubernetes minor version wanted (default 1.21).  The
                         schema directory vX.Y.Z-local with the same minor is
                         used; if absent, the closest minor is used and a
                         warning is printed.
    --output PATH        where to write (default: k8s-merge-schema.json next
                         to this script).
    --check              do not write; exit 1 if the file on disk differs
                         from what would be generated.

It reads `<site-packages>/kubernetes_validate/kubernetes-json-schema/
v1.21.0-local/_definitions.json` (the non-strict variant: the "-strict" one
adds `additionalProperties: false` everywhere, which would be mistaken for
maps) and produces `k8s-merge-schema.json`:

    {
    "definitions":{
    "<definition name>":{"<property>":<field>,...},
    ...
    },
    "kinds":{
    "<group>/<version>/<Kind>":"<definition name>",   # group "" for core
    ...
    },
    "source":"kubernetes-validate <pkg version>, schema v1.21.0"
    }

<field> holds only the keys that apply:
    "ref": name        property is an object given by $ref (through allOf
                       wrappers) to an object definition
    "list": true       property is an array
    "items": name      array items are $ref to an object definition
    "mergeKey": key    x-kubernetes-patch-merge-key (arrays)
    "strategy": s      x-kubernetes-patch-strategy ("merge", "retainKeys",
                       "merge,retainKeys", "replace"), on arrays and objects
    "map": name        object whose additionalProperties is $ref to an object
                       definition (map of objects)
Properties with none of ref/list/map are left out (plain scalars, maps of
scalars, $refs to scalar-like definitions such as Quantity, IntOrString, Time).
Arrays of scalars are kept only when they carry a strategy or merge key
(e.g. ObjectMeta.finalizers).  Only definitions reachable from a definition
carrying x-kubernetes-group-version-kind are written; every name used in
ref/items/map is itself a key of "definitions" (possibly with {}).

The output is deterministic: keys sorted, fixed separators, one definition /
kind per line, LF line endings, trailing newline.  Running twice gives
byte-identical files.  Uses only the Python standard library plus the data
files of kubernetes-validate (the package's Python code is not imported).
"""

import argparse
import importlib.metadata
import importlib.util
import json
import os
import re
import sys

DEFAULT_K8S_VERSION = "1.21"
PACKAGE = "kubernetes-validate"
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUTPUT = os.path.join(HERE, "k8s-merge-schema.json")

STRATEGY = "x-kubernetes-patch-strategy"
MERGE_KEY = "x-kubernetes-patch-merge-key"
GVK = "x-kubernetes-group-version-kind"


def schema_root():
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.origin:
        sys.exit("error: python package kubernetes_validate not found; "
                 "run: pip install %s==1.24.1" % PACKAGE)
    root = os.path.join(os.path.dirname(spec.origin), "kubernetes-json-schema")
    if not os.path.isdir(root):
        sys.exit("error: %s has no kubernetes-json-schema directory" % root)
    return root


def pick_version_dir(root, wanted):
    """Return (dirname, "X.Y.Z") of the vX.Y.Z-local dir closest to wanted."""
    wmaj, wmin = (int(x) for x in wanted.split(".")[:2])
    candidates = []
    for name in sorted(os.listdir(root)):
        m = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)-local", name)
        if m and os.path.isfile(os.path.join(root, name, "_definitions.json")):
            maj, mnr, pat = (int(x) for x in m.groups())
            candidates.append(((abs(maj - wmaj) * 1000 + abs(mnr - wmin),
                                mnr > wmin, -pat), name, "%d.%d.%d" % (maj, mnr, pat)))
    if not candidates:
        sys.exit("error: no vX.Y.Z-local schema directories under %s" % root)
    candidates.sort()
    _, name, ver = candidates[0]
    if not ver.startswith("%d.%d." % (wmaj, wmin)):
        print("warning: Kubernetes %s schema not shipped by this %s; using v%s"
              % (wanted, PACKAGE, ver), file=sys.stderr)
    return name, ver


def ref_name(ref):
    # "#/definitions/X" or "_definitions.json#/definitions/X"
    marker = "#/definitions/"
    if marker not in ref:
        raise ValueError("unsupported $ref %r" % ref)
    return ref.split(marker, 1)[1]


def unwrap(schema):
    """Follow allOf/$ref wrappers.

    Returns (referenced definition name or None, merged extension dict) where
    the extension dict collects patch strategy / merge key found on the
    wrappers themselves.
    """
    ext = {k: schema[k] for k in (STRATEGY, MERGE_KEY) if k in schema}
    if "$ref" in schema:
        return ref_name(schema["$ref"]), ext
    all_of = schema.get("allOf")
    if isinstance(all_of, list):
        names = []
        for sub in all_of:
            if isinstance(sub, dict):
                n, sub_ext = unwrap(sub)
                for k, v in sub_ext.items():
                    ext.setdefault(k, v)
                if n is not None:
                    names.append(n)
        if len(names) == 1:
            return names[0], ext
    return None, ext


def is_object_def(defs, name):
    d = defs.get(name)
    if d is None:
        return False
    return d.get("type") == "object" or "properties" in d


def field_for(defs, prop):
    """Build the <field> object for one property schema (or None to omit)."""
    name, ext = unwrap(prop)
    strategy = ext.get(STRATEGY)
    merge_key = ext.get(MERGE_KEY)
    field = {}
    if name is not None:
        if is_object_def(defs, name):
            field["ref"] = name
        elif strategy is None:
            return None  # $ref to a scalar-like definition (Quantity, Time...)
    elif prop.get("type") == "array" or "items" in prop:
        field["list"] = True
        items = prop.get("items")
        if isinstance(items, dict):
            iname, _ = unwrap(items)
            if iname is not None and is_object_def(defs, iname):
                field["items"] = iname
        if merge_key is not None:
            field["mergeKey"] = merge_key
        if "items" not in field and strategy is None and merge_key is None:
            return None  # array of scalars without strategy
    elif isinstance(prop.get("additionalProperties"), dict):
        aname, _ = unwrap(prop["additionalProperties"])
        if aname is not None and is_object_def(defs, aname):
            field["map"] = aname
    if not field:
        # plain scalar (a few upstream scalars carry a stray strategy, e.g.
        # LabelSelectorRequirement.key; SMP ignores it on scalars)
        return None
    if strategy is not None:
        field["strategy"] = strategy
    return field


def build(defs):
    kinds = {}
    for name in sorted(defs):
        for gvk in defs[name].get(GVK, []) or []:
            key = "%s/%s/%s" % (gvk.get("group", ""), gvk["version"], gvk["kind"])
            if key in kinds and kinds[key] != name:
                print("warning: %s claimed by %s and %s; keeping the first"
                      % (key, kinds[key], name), file=sys.stderr)
                continue
            kinds[key] = name

    out_defs = {}
    pending = sorted(set(kinds.values()))
    while pending:
        name = pending.pop()
        if name in out_defs:
            continue
        fields = {}
        for pname, prop in sorted(defs[name].get("properties", {}).items()):
            if not isinstance(prop, dict):
                continue
            f = field_for(defs, prop)
            if f is None:
                continue
            fields[pname] = f
            for k in ("ref", "items", "map"):
                if k in f and f[k] not in out_defs:
                    if f[k] not in defs:
                        raise ValueError("%s.%s refers to unknown %s" % (name, pname, f[k]))
                    pending.append(f[k])
        out_defs[name] = fields
    return kinds, out_defs


def dumps(obj):
    return json.dumps(obj, sort_keys=True, indent=None, separators=(",", ":"),
                      ensure_ascii=True)


def render(source, kinds, out_defs):
    lines = ["{", '"definitions":{']
    names = sorted(out_defs)
    for i, n in enumerate(names):
        lines.append("%s:%s%s" % (dumps(n), dumps(out_defs[n]), "," if i + 1 < len(names) else ""))
    lines.append("},")
    lines.append('"kinds":{')
    keys = sorted(kinds)
    for i, k in enumerate(keys):
        lines.append("%s:%s%s" % (dumps(k), dumps(kinds[k]), "," if i + 1 < len(keys) else ""))
    lines.append("},")
    lines.append('"source":%s' % dumps(source))
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--k8s-version", default=DEFAULT_K8S_VERSION)
    ap.add_argument("--output", default=DEFAULT_OUTPUT)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)

    root = schema_root()
    dirname, k8s_ver = pick_version_dir(root, args.k8s_version)
    with open(os.path.join(root, dirname, "_definitions.json"), encoding="utf-8") as fh:
        defs = json.load(fh)["definitions"]
    pkg_ver = importlib.metadata.version(PACKAGE)
    source = "%s %s, schema v%s" % (PACKAGE, pkg_ver, k8s_ver)

    kinds, out_defs = build(defs)
    text = render(source, kinds, out_defs)
    json.loads(text)  # sanity: valid JSON

    if args.check:
        try:
            with open(args.output, encoding="utf-8", newline="") as fh:
                current = fh.read()
        except FileNotFoundError:
            current = None
        if current != text:
            print("%s is out of date; rerun generate.py" % args.output, file=sys.stderr)
            return 1
        return 0

    with open(args.output, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    print("wrote %s: %s, %d kinds, %d definitions, %d bytes"
          % (args.output, source, len(kinds), len(out_defs), len(text.encode())),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
