#!/usr/bin/env bash
# Regenerates golden/helm/render/ from the reference helm (v3.17) for the cases in
# fixtures/helm/render/cases.tsv: <case>.yaml holds what `helm template` printed, or
# <case>.error its message (without "Error: ") when it failed.
# compiler/cli/tests/template_golden.rs runs `kubake template` on the same cases.
# fixtures/helm/render/shop-1.4.2.tgz is made by `helm package` when it is missing.
#
# usage: scripts/gen-helm-render-golden.sh [path/to/helm]   (default: /work/tools/helm)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
helm="${1:-/work/tools/helm}"
"$helm" version --short | grep -q '^v3\.17\.' || { echo "need helm v3.17, got: $("$helm" version --short)" >&2; exit 1; }
fixtures="$root/fixtures/helm/render"
out="$root/golden/helm/render"
mkdir -p "$out"
rm -f "$out"/*.yaml "$out"/*.error
export HELM_CONFIG_HOME="$(mktemp -d)" HELM_CACHE_HOME="$(mktemp -d)" HELM_DATA_HOME="$(mktemp -d)"
cd "$fixtures"
[ -f shop-1.4.2.tgz ] || "$helm" package shop -d . >/dev/null
tail -n +2 cases.tsv | while IFS=$'\t' read -r -a cols; do
  name="${cols[0]}"; chart="${cols[1]}"; flags=("${cols[@]:2}")
  # A release name, when given, comes before the chart as in `helm template NAME CHART`.
  args=()
  if [ "${#flags[@]}" -gt 0 ] && [[ "${flags[0]}" != -* ]]; then
    args+=("${flags[0]}"); flags=("${flags[@]:1}")
  fi
  if "$helm" template "${args[@]}" "$chart" "${flags[@]}" >"$out/$name.yaml" 2>/tmp/helm-render-stderr; then
    :
  else
    sed -e 's/^Error: //' /tmp/helm-render-stderr >"$out/$name.error"
    rm -f "$out/$name.yaml"
  fi
  echo "$name"
done
