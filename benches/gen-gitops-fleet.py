#!/usr/bin/env python3
"""Generates a Flux "fleet" repository for timing `kubake build`.

    benches/gen-gitops-fleet.py OUT [--kustomizations N] [--helmreleases M]

OUT/repo is a Flux repository (entrypoint clusters/fleet): a bootstrap root, N Flux
Kustomizations (default 240) in tiers of 20 chained by dependsOn, each building an app
overlay (namePrefix, a configMapGenerator, a JSON 6902 patch, post-build substitution from
a cluster ConfigMap), and M HelmReleases (default 60) over the charts of the shared GitOps
corpus, some with valuesFrom a generated ConfigMap and a post-renderer. OUT/charts is the
chart store, copied from ../shared/conformance/gitops/*/charts (KUBAKE_SHARED overrides).

    kubake build OUT/repo/clusters/fleet --charts OUT/charts --out /tmp/fleet-bundle
"""
import argparse
import os
import shutil
import sys

CHARTS = [
    # (chart, version constraint, values)
    ("podinfo", ">=6.5.0 <7.0.0", "replicaCount: 2\nui:\n  message: fleet ${CLUSTER}\n"),
    ("metrics-server", "3.13.1", "args: [--kubelet-insecure-tls]\n"),
    ("homelab-app", "1.x", "image:\n  repository: ghcr.io/example/app\n  tag: '1.0'\n"),
    ("ingress-nginx", "4.15.x", "controller:\n  admissionWebhooks:\n    enabled: false\n"),
    ("metallb", "0.16.1", "speaker:\n  frr:\n    enabled: false\n"),
]


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--kustomizations", type=int, default=240)
    ap.add_argument("--helmreleases", type=int, default=60)
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    shared = os.environ.get("KUBAKE_SHARED", os.path.join(here, "..", "..", "shared"))
    corpus = os.path.join(shared, "conformance", "gitops")
    out = os.path.abspath(args.out)
    repo = os.path.join(out, "repo")
    store = os.path.join(out, "charts")
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(store)
    if os.path.isdir(corpus):
        for case in sorted(os.listdir(corpus)):
            cdir = os.path.join(corpus, case, "charts")
            if os.path.isdir(cdir):
                for f in sorted(os.listdir(cdir)):
                    if f.endswith(".tgz") and not os.path.exists(os.path.join(store, f)):
                        shutil.copy(os.path.join(cdir, f), store)
    else:
        print(f"warning: no corpus at {corpus}; the chart store is empty", file=sys.stderr)

    cluster = os.path.join(repo, "clusters", "fleet")
    write(os.path.join(repo, ".git", "HEAD"), "ref: refs/heads/main\n")
    write(os.path.join(cluster, "flux-system", "gotk-sync.yaml"), """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec:
  interval: 1m
  url: https://git.example/fleet.git
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: flux-system, namespace: flux-system}
spec:
  interval: 10m
  path: ./clusters/fleet
  sourceRef: {kind: GitRepository, name: flux-system}
""")
    write(os.path.join(cluster, "flux-system", "kustomization.yaml"),
          "resources: [gotk-sync.yaml]\n")
    write(os.path.join(cluster, "vars.yaml"), """\
apiVersion: v1
kind: ConfigMap
metadata: {name: cluster-vars, namespace: flux-system}
data: {CLUSTER: fleet, DOMAIN: fleet.example, REPLICAS: "2"}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: flux-system}
spec: {type: oci, url: oci://registry.example/charts}
""")
    base = os.path.join(repo, "base", "web")
    write(os.path.join(base, "kustomization.yaml"),
          "resources: [deployment.yaml, service.yaml]\n"
          "configMapGenerator:\n- name: web-env\n  literals:\n  - DOMAIN=${DOMAIN}\n  - CLUSTER=${CLUSTER}\n")
    write(os.path.join(base, "deployment.yaml"), """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${REPLICAS:=1}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        envFrom: [{configMapRef: {name: web-env}}]
        ports: [{name: http, containerPort: 8080}]
""")
    write(os.path.join(base, "service.yaml"), """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
""")

    releases_left = args.helmreleases
    ks_docs = []
    for i in range(args.kustomizations):
        name = f"app-{i:03d}"
        tier = i // 20
        depends = f"\n  dependsOn: [{{name: app-{(tier - 1) * 20:03d}}}]" if tier > 0 and i % 20 == 0 else ""
        ks_docs.append(f"""\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: {name}, namespace: flux-system}}
spec:
  interval: 10m
  path: ./apps/{name}
  prune: true
  targetNamespace: {name}
  sourceRef: {{kind: GitRepository, name: flux-system}}{depends}
  postBuild:
    substituteFrom: [{{kind: ConfigMap, name: cluster-vars}}]
""")
        app = os.path.join(repo, "apps", name)
        resources = ["namespace.yaml", "../../base/web"]
        write(os.path.join(app, "namespace.yaml"),
              f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}}}\n")
        extra = ""
        if releases_left > 0 and i % 4 == 0:
            releases_left -= 1
            chart, version, values = CHARTS[(i // 4) % len(CHARTS)]
            resources.append("release.yaml")
            indented = "".join("    " + line + "\n" for line in values.splitlines())
            post = ""
            if i % 8 == 0:
                post = """\
  postRenderers:
  - kustomize:
      patches:
      - target: {kind: Deployment}
        patch: |
          - op: add
            path: /metadata/labels/fleet.example~1post-rendered
            value: "true"
"""
            write(os.path.join(app, "release.yaml"), f"""\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: {chart}}}
spec:
  interval: 30m
  chart:
    spec:
      chart: {chart}
      version: "{version}"
      sourceRef: {{kind: HelmRepository, name: charts, namespace: flux-system}}
  valuesFrom:
  - {{kind: ConfigMap, name: {chart}-values}}
  values:
{indented}{post}""")
            write(os.path.join(app, "values.yaml"), "commonLabels:\n  fleet.example/app: " + name + "\n")
            extra = (f"configMapGenerator:\n- name: {chart}-values\n  files: [values.yaml]\n"
                     "configurations: [kustomizeconfig.yaml]\n")
            write(os.path.join(app, "kustomizeconfig.yaml"),
                  "nameReference:\n- kind: ConfigMap\n  version: v1\n  fieldSpecs:\n"
                  "  - {path: spec/valuesFrom/name, kind: HelmRelease}\n")
        write(os.path.join(app, "kustomization.yaml"),
              f"namePrefix: {name}-\nresources: [{', '.join(resources)}]\n{extra}"
              "patches:\n- target: {kind: Deployment}\n  patch: |\n"
              "    - op: add\n      path: /spec/template/metadata/annotations\n"
              f"      value: {{fleet.example/app: {name}}}\n")
    write(os.path.join(cluster, "apps.yaml"), "---\n".join(ks_docs))
    print(f"{out}: {args.kustomizations} Kustomizations, "
          f"{args.helmreleases - releases_left} HelmReleases, store {store}")


if __name__ == "__main__":
    main()
