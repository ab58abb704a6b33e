#!/usr/bin/env bash
# Regenerates golden/ from fixtures/ with the reference tools (never used at run time).
#   scripts/gen-golden.sh            # installs the tools into ~/.cache/reference-tools/bin if needed
# kustomize goldens: one `kustomize build` per line of fixtures/kustomize/cases.txt.
# A failing reference build writes <name>.error holding its message instead of <name>.yaml.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools=$(bash "$root/../shared/tools/install-reference-tools.sh" "${REFERENCE_TOOLS:-$HOME/.cache/reference-tools/bin}")
out="$root/golden/kustomize"
mkdir -p "$out"
rm -f "$out"/*.yaml "$out"/*.error
grep -v '^#' "$root/fixtures/kustomize/cases.txt" | while read -r name entry flags; do
  [ -n "$name" ] || continue
  if "$tools/kustomize" build "$root/fixtures/kustomize/$entry" $flags >"$out/$name.yaml" 2>"$out/$name.stderr"; then
    rm -f "$out/$name.stderr"
  else
    grep -v '^# Warning' "$out/$name.stderr" | sed "s#$root/##g" >"$out/$name.error" || true
    rm -f "$out/$name.yaml" "$out/$name.stderr"
  fi
done
echo "golden/kustomize: $(ls "$out" | wc -l) files"

# kustomize goldens with helmCharts: one `kustomize build` per line of
# fixtures/kustomize-helm/cases.txt, helm v3.17 from the same tools as the chart renderer.
out="$root/golden/kustomize-helm"
mkdir -p "$out"
rm -f "$out"/*.yaml "$out"/*.error
export HELM_CONFIG_HOME="$(mktemp -d)" HELM_CACHE_HOME="$(mktemp -d)" HELM_DATA_HOME="$(mktemp -d)"
grep -v '^#' "$root/fixtures/kustomize-helm/cases.txt" | while read -r name entry flags; do
  [ -n "$name" ] || continue
  if "$tools/kustomize" build "$root/fixtures/kustomize-helm/$entry" $flags --helm-command "$tools/helm" >"$out/$name.yaml" 2>"$out/$name.stderr"; then
    rm -f "$out/$name.stderr"
  else
    grep -v '^# Warning' "$out/$name.stderr" | sed "s#$root/##g" >"$out/$name.error" || true
    rm -f "$out/$name.yaml" "$out/$name.stderr"
  fi
done
echo "golden/kustomize-helm: $(ls "$out" | wc -l) files"
