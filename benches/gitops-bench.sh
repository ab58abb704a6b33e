#!/usr/bin/env bash
# Side-by-side benchmark of `kubake build` and the reference pipeline (one `kustomize
# build` per Kustomization unit and one `helm template` per Helm unit, written by
# benches/gitops-reference.py from kubake's own unit list) with hyperfine, on every
# repository of ../shared/conformance/gitops and on a generated fleet
# (benches/gen-gitops-fleet.py: 240 Flux Kustomizations, 60 HelmReleases), plus kubake's
# peak memory on each. kubake runs with --no-cache: these are cold builds (the cache's
# effect is measured by benches/check-bench.sh).
#
#   benches/gitops-bench.sh [shared|fleet|all]     (default: all)
#
# Needs hyperfine and the reference tools (see benches/kustomize-bench.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${KUBAKE_SHARED:-$root/../shared}
tools=$(bash "$shared/tools/install-reference-tools.sh" "${REFERENCE_TOOLS:-$HOME/.cache/reference-tools/bin}")
out="$root/target/bench/gitops"
mkdir -p "$out"
# The executable as shipped (statically linked on Linux/glibc: scripts/build-release.sh).
kubake=$("$root/scripts/build-release.sh")
what=${1:-all}
export HELM_CONFIG_HOME="$out/helm-home" HELM_CACHE_HOME="$out/helm-home/cache" HELM_DATA_HOME="$out/helm-home/data"

# bench NAME REPO_ROOT CHARTS KUBAKE_ARGS...
bench() {
  local name=$1 repo=$2 charts=$3; shift 3
  local bundle="$out/$name-bundle" work="$out/$name-ref"
  # kubake writes kubake.lock at the repository root; leave a shared repository as found.
  local had_lock=0
  [ -e "$repo/kubake.lock" ] && had_lock=1
  rm -rf "$bundle" "$work"
  "$kubake" build "$@" --charts "$charts" --out "$bundle" 2>/dev/null
  python3 "$root/benches/gitops-reference.py" "$bundle" "$repo" "$charts" "$work" >"$out/$name-ref.sh"
  echo "$name: $(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['units']))" "$bundle/index.json") units; reference: $(grep -c ' build ' "$out/$name-ref.sh") kustomize, $(grep -c ' template ' "$out/$name-ref.sh") helm processes"
  # -N: each command is one process started directly (through a shell, the `rm` of the
  # last run's bundle and the shell's own start were timed with kubake); the bundle is
  # removed before each run, outside the timing, so every build writes a fresh folder.
  hyperfine -N --warmup 1 --runs "${RUNS:-5}" \
    --export-markdown "$out/$name.md" --export-json "$out/$name.json" \
    --prepare "rm -rf $bundle" --prepare "true" \
    -n "kubake build" "$kubake build $* --charts $charts --out $bundle --no-cache" \
    -n "reference pipeline" "bash $out/$name-ref.sh $tools/kustomize $tools/helm"
  rm -rf "$bundle"
  /usr/bin/time -f '%M' -o "$out/maxrss.txt" "$kubake" build "$@" --charts "$charts" --out "$bundle" --no-cache 2>/dev/null
  echo "peak memory kubake build $name: $(tail -1 "$out/maxrss.txt") KB" | tee -a "$out/memory.txt"
  [ "$had_lock" = 1 ] || rm -f "$repo/kubake.lock"
}

shared_repos() {
  for dir in "$shared"/conformance/gitops/*/; do
    local name flavor entry urls=()
    name=$(basename "$dir")
    flavor=$(sed -n 's/^flavor: *//p' "$dir/fixture.yaml")
    entry=$(sed -n 's/^entrypoint: *//p' "$dir/fixture.yaml")
    while read -r url; do urls+=(--repo-url "$url"); done < <(sed -n 's/^  - \(http.*\|ssh.*\)$/\1/p' "$dir/fixture.yaml")
    bench "$name" "$dir/repo" "$dir/charts" "$dir/repo/$entry" --root "$dir/repo" --flavor "$flavor" "${urls[@]}"
  done
}

fleet() {
  rm -rf "$out/fleet-src"
  python3 "$root/benches/gen-gitops-fleet.py" "$out/fleet-src" >/dev/null
  bench fleet "$out/fleet-src/repo" "$out/fleet-src/charts" "$out/fleet-src/repo/clusters/fleet"
}

: >"$out/memory.txt"
case "$what" in
  shared) shared_repos ;;
  fleet) fleet ;;
  all) shared_repos; fleet ;;
  *) echo "usage: $0 [shared|fleet|all]" >&2; exit 2 ;;
esac
