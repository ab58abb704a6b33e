#!/usr/bin/env bash
# Regenerates golden/helm/corpus-values.tsv: for every case of the shared Helm corpus
# (../shared/conformance/helm), the `.Values` helm v3.17 gives each rendered chart and
# subchart, as the sha256 of `{{ toJson .Values }}` (the full JSON is megabytes; a
# mismatch is inspected by running helm on the case). Charts are copied with every
# template replaced by that one template, so only values processing is exercised.
# compiler/chart/tests/corpus.rs compares kubake-chart's values with this file.
#
# usage: scripts/gen-helm-corpus-values-golden.sh [path/to/helm]   (default: /work/tools/helm)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$root/../shared/conformance/helm"
helm="${1:-/work/tools/helm}"
"$helm" version --short | grep -q '^v3\.17\.' || { echo "need helm v3.17" >&2; exit 1; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
export HELM_CONFIG_HOME="$work/config" HELM_CACHE_HOME="$work/cache" HELM_DATA_HOME="$work/data"
cp -r "$corpus/charts" "$work/charts"
find "$work/charts" -name Chart.yaml | while read -r chart_yaml; do
  dir="$(dirname "$chart_yaml")"
  grep -qE '^type: *library' "$chart_yaml" && continue
  rm -rf "$dir/templates" && mkdir "$dir/templates"
  echo '{{ toJson .Values }}' > "$dir/templates/values.yaml"
done
out="$root/golden/helm/corpus-values.tsv"
printf 'case\tchart path (or ERROR)\tsha256 of helm toJson .Values\n' > "$out"
for case_dir in "$corpus"/cases/*/; do
  case="$(basename "$case_dir")"
  args=()
  while IFS=$'\t' read -r flag value; do args+=("$flag" "$value"); done < <(python3 - "$case_dir/case.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
for v in c.get("values", []): print(f"-f\t{v}")
for v in c.get("set", []): print(f"--set\t{v}")
for v in c.get("set_string", []): print(f"--set-string\t{v}")
print(f"--namespace\t{c['namespace']}")
print(f"--kube-version\t{c.get('kube_version', '1.32.0')}")
PY
)
  release="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["release"])' "$case_dir/case.json")"
  chart="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["chart"])' "$case_dir/case.json")"
  skip="$(python3 -c 'import json,sys; print("--skip-schema-validation" if json.load(open(sys.argv[1])).get("skip_schema_validation") else "")' "$case_dir/case.json")"
  if stdout="$(cd "$case_dir" && "$helm" template "$release" "$work/charts/$chart" "${args[@]}" $skip 2>/dev/null)"; then
    printf '%s\n' "$stdout" | awk '
      /^# Source: / { src = $3; next }
      src ~ /\/templates\/values\.yaml$/ && NF { print src "\t" $0; src = "" }
    ' | sort | while IFS=$'\t' read -r path json; do
      printf '%s\t%s\t%s\n' "$case" "$path" "$(printf '%s' "$json" | sha256sum | cut -d' ' -f1)"
    done >> "$out"
  else
    printf '%s\tERROR\t-\n' "$case" >> "$out"
  fi
done
echo "wrote $out"
