#!/usr/bin/env bash
# Regenerates golden/ from fixtures/ with the reference tools (never used at run time).
#   scripts/gen-golden.sh            # installs the tools into ~/.cache/reference-tools/bin if needed
# kustomize goldens: one `kustomize build` per line of fixtures/kustomize/cases.txt and
# fixtures/kustomize-helm/cases.txt (kustomizations with helmCharts).
# A failing reference build writes <name>.error holding its message instead of <name>.yaml.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools=$(bash "$root/../shared/tools/install-reference-tools.sh" "${REFERENCE_TOOLS:-$HOME/.cache/reference-tools/bin}")
export HELM_CONFIG_HOME="$(mktemp -d)" HELM_CACHE_HOME="$(mktemp -d)" HELM_DATA_HOME="$(mktemp -d)"

# build_goldens SET: one `kustomize build` per line of fixtures/SET/cases.txt into
# golden/SET/. helm (v3.17, from the same tools) serves the cases built with --enable-helm.
build_goldens() {
  local set=$1 out="$root/golden/$1"
  mkdir -p "$out"
  rm -f "$out"/*.yaml "$out"/*.error
  grep -v '^#' "$root/fixtures/$set/cases.txt" | while read -r name entry flags; do
    [ -n "$name" ] || continue
    if "$tools/kustomize" build "$root/fixtures/$set/$entry" $flags --helm-command "$tools/helm" >"$out/$name.yaml" 2>"$out/$name.stderr"; then
      rm -f "$out/$name.stderr"
    else
      grep -v '^# Warning' "$out/$name.stderr" | sed "s#$root/##g" >"$out/$name.error" || true
      rm -f "$out/$name.yaml" "$out/$name.stderr"
    fi
  done
  echo "golden/$set: $(ls "$out" | wc -l) files"
}

build_goldens kustomize
# kustomizations with helmCharts
build_goldens kustomize-helm
