#!/usr/bin/env python3
"""Generates a large kustomize tree for benchmarks: N apps, each a base of a Deployment,
a Service and a ConfigMap, composed through 3 overlay levels (team -> env -> cluster) with
strategic-merge patches on most Deployments, JSON patches, generators, labels, prefixes and
images.

    python3 benches/gen-large-kustomize.py OUT_DIR [--apps 1000]

With the default 1000 apps the top overlay builds >= 3000 resources. The output is
deterministic for a given --apps.
"""
import argparse
import os


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def app_base(root, i):
    name = f"app{i:04d}"
    d = f"{root}/bases/{name}"
    write(f"{d}/deployment.yaml", f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    app: {name}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: main
        image: registry.example.com/{name}:1.0.{i % 10}
        ports:
        - containerPort: 8080
        env:
        - name: APP
          value: {name}
        envFrom:
        - configMapRef:
            name: {name}-config
        volumeMounts:
        - name: data
          mountPath: /data
      volumes:
      - name: data
        emptyDir: {{}}
""")
    write(f"{d}/service.yaml", f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {name}
  ports:
  - port: 80
    targetPort: 8080
""")
    write(f"{d}/kustomization.yaml", f"""resources:
- deployment.yaml
- service.yaml
configMapGenerator:
- name: {name}-config
  literals:
  - LOG_LEVEL=info
  - APP_INDEX={i}
""")
    return name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--apps", type=int, default=1000)
    args = ap.parse_args()
    root = args.out
    names = [app_base(root, i) for i in range(args.apps)]
    teams = 10
    per_team = (len(names) + teams - 1) // teams
    team_dirs = []
    for t in range(teams):
        members = names[t * per_team:(t + 1) * per_team]
        if not members:
            continue
        d = f"{root}/teams/team{t}"
        patches = []
        for n in members[::1]:
            if int(n[3:]) % 5 == 4:
                continue  # most, not all, get a patch
            patches.append(f"- path: patches/{n}.yaml")
            write(f"{d}/patches/{n}.yaml", f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {n}
spec:
  template:
    spec:
      containers:
      - name: main
        resources:
          limits:
            memory: 256Mi
          requests:
            cpu: 100m
""")
        res = "\n".join(f"- ../../bases/{n}" for n in members)
        write(f"{d}/kustomization.yaml", f"""resources:
{res}
commonLabels:
  team: team{t}
patches:
{chr(10).join(patches)}
- target:
    kind: Service
  patch: |
    - op: add
      path: /metadata/annotations
      value:
        team: team{t}
""")
        team_dirs.append(f"team{t}")
    env = f"{root}/envs/prod"
    write(f"{env}/kustomization.yaml", "namespace: prod\nnamePrefix: prod-\nresources:\n"
          + "".join(f"- ../../teams/{t}\n" for t in team_dirs)
          + """labels:
- pairs:
    env: prod
  includeSelectors: false
  includeTemplates: true
configMapGenerator:
- name: shared
  literals:
  - REGION=eu-west-1
images:
- name: registry.example.com/app0001
  newTag: "2.0.0"
replicas:
- name: app0002
  count: 3
""")
    write(f"{root}/clusters/eu1/kustomization.yaml", """resources:
- ../../envs/prod
commonAnnotations:
  cluster: eu1
nameSuffix: -eu1
patches:
- target:
    kind: Deployment
  patch: |
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: ignored
    spec:
      revisionHistoryLimit: 3
""")
    print(f"{root}/clusters/eu1")


if __name__ == "__main__":
    main()
