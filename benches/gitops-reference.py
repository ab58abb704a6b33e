#!/usr/bin/env python3
"""Writes the reference pipeline for a GitOps repository as a shell script: one
`kustomize build` per Kustomization unit and one `helm template` per Helm unit (a Flux
HelmRelease or an Argo CD Helm source), the way the shared corpus was made. The units come
from the index.json of a kubake bundle of the same repository, so both sides do the same
work. Set-up (values files, generated kustomizations for plain directories) happens here,
outside the timing.

    benches/gitops-reference.py BUNDLE REPO_ROOT CHARTS WORKDIR > run.sh
    bash run.sh KUSTOMIZE HELM

Simplifications, all in the reference's favour: no post-build substitution, no
post-renderers, no valuesFrom, and charts picked by the highest stored version.
"""
import json
import os
import re
import shlex
import sys

import yaml


def docs(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if isinstance(d, dict)]


def find_object(root, source, kind, name):
    of_kind = [d for d in docs(os.path.join(root, source)) if d.get("kind") == kind]
    for d in of_kind:
        if d.get("metadata", {}).get("name") == name:
            return d
    # A parent Kustomization's namePrefix/nameSuffix renamed it: the unit's name holds
    # the source name.
    renamed = [d for d in of_kind if d.get("metadata", {}).get("name", "\0") in name]
    return renamed[0] if len(renamed) == 1 else None


def version_key(v):
    return [int(p) if p.isdigit() else 0 for p in re.split(r"[.-]", v)]


def chart_archive(charts, name):
    found = []
    for f in os.listdir(charts):
        m = re.fullmatch(re.escape(name) + r"-(\d[\w.+-]*)\.tgz", f)
        if m:
            found.append((version_key(m.group(1)), f))
    if not found:
        return None
    return os.path.join(charts, max(found)[1])


def kustomize_dir(root, rel, workdir, n):
    path = os.path.normpath(os.path.join(root, rel or "."))
    for f in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        if os.path.exists(os.path.join(path, f)):
            return path
    # Flux generates a kustomization listing the directory's manifests.
    files = []
    for d, _, names in os.walk(path):
        files += [os.path.join(d, f) for f in sorted(names) if f.endswith((".yaml", ".yml"))]
    gen = os.path.join(workdir, f"gen-{n}")
    os.makedirs(gen, exist_ok=True)
    with open(os.path.join(gen, "kustomization.yaml"), "w") as f:
        yaml.safe_dump({"resources": [os.path.relpath(p, gen) for p in files]}, f)
    return gen


def main():
    bundle, root, charts, workdir = sys.argv[1:5]
    os.makedirs(workdir, exist_ok=True)
    index = json.load(open(os.path.join(bundle, "index.json")))
    print("#!/usr/bin/env bash")
    print('K="$1"; H="$2"')
    for n, unit in enumerate(index["units"]):
        obj = find_object(root, unit["source"], unit["kind"], unit["name"])
        if obj is None:
            continue
        spec = obj.get("spec", {})
        if unit["kind"] == "Kustomization":
            d = kustomize_dir(root, spec.get("path"), workdir, n)
            print(f'"$K" build {shlex.quote(d)} --load-restrictor LoadRestrictionsNone >/dev/null 2>&1')
        elif unit["kind"] == "HelmRelease":
            chart = chart_archive(charts, spec.get("chart", {}).get("spec", {}).get("chart", ""))
            if chart is None:
                continue
            values = os.path.join(workdir, f"values-{n}.yaml")
            with open(values, "w") as f:
                yaml.safe_dump(spec.get("values") or {}, f)
            target = spec.get("targetNamespace")
            release = spec.get("releaseName") or (f"{target}-{unit['name']}" if target else unit["name"])
            ns = target or unit["namespace"]
            print(f'"$H" template {shlex.quote(release)} {shlex.quote(chart)} -n {shlex.quote(ns)} '
                  f'-f {shlex.quote(values)} --skip-tests --include-crds >/dev/null 2>&1')
        elif unit["kind"] == "Application":
            sources = spec.get("sources") or [spec.get("source") or {}]
            for s in sources:
                if s.get("chart"):
                    chart = chart_archive(charts, s["chart"])
                    if chart is None:
                        continue
                    helm = s.get("helm", {})
                    values = os.path.join(workdir, f"values-{n}.yaml")
                    with open(values, "w") as f:
                        f.write(helm.get("values") or yaml.safe_dump(helm.get("valuesObject") or {}))
                    ns = spec.get("destination", {}).get("namespace") or "default"
                    name = helm.get("releaseName") or unit["name"]
                    print(f'"$H" template {shlex.quote(name)} {shlex.quote(chart)} -n {shlex.quote(ns)} '
                          f'-f {shlex.quote(values)} --include-crds >/dev/null 2>&1')
                elif s.get("path") is not None:
                    path = os.path.join(root, s["path"])
                    if any(os.path.exists(os.path.join(path, f)) for f in ("kustomization.yaml", "kustomization.yml", "Kustomization")):
                        print(f'"$K" build {shlex.quote(path)} --load-restrictor LoadRestrictionsNone >/dev/null 2>&1')
    print("true")


if __name__ == "__main__":
    main()
