#!/usr/bin/env bash
# The pre-commit loop, measured on every repository of ../shared/conformance/gitops:
# a warm no-op `kubake check` (the cache holds this exact build) against a cold one
# (`--no-cache`), with hyperfine; then one HelmRelease's values edited in a copy of the
# repository, and the `--json` counts of the check that follows (charts rendered vs
# reused).
#
#   benches/check-bench.sh            (RUNS=30 by default)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${KUBAKE_SHARED:-$root/../shared}
out="$root/target/bench/check"
rm -rf "$out" && mkdir -p "$out"
# The executable as shipped (statically linked on Linux/glibc: scripts/build-release.sh).
kubake=$("$root/scripts/build-release.sh")
export KUBAKE_CACHE_DIR="$out/cache"

for dir in "$shared"/conformance/gitops/*/; do
  name=$(basename "$dir")
  cp -r "$dir" "$out/$name"
  repo="$out/$name/repo"
  flavor=$(sed -n 's/^flavor: *//p' "$dir/fixture.yaml")
  entry=$(sed -n 's/^entrypoint: *//p' "$dir/fixture.yaml")
  args=("$repo/$entry" --root "$repo" --flavor "$flavor" --charts "$out/$name/charts" --out "$out/$name/bundle" --quiet)
  while read -r url; do args+=(--repo-url "$url"); done < <(sed -n 's/^  - \(http.*\|ssh.*\)$/\1/p' "$dir/fixture.yaml")
  "$kubake" build "${args[@]}" 2>/dev/null
  echo "== $name"
  hyperfine -N --warmup 3 --runs "${RUNS:-30}" --export-json "$out/$name.json" \
    -n "warm check" "$kubake check ${args[*]}" \
    -n "cold check" "$kubake check ${args[*]} --no-cache" 2>/dev/null |
    grep -E "Time|±|faster" || true
  python3 - "$out/$name.json" <<'PY'
import json, statistics, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
warm, cold = statistics.median(r["warm check"]["times"]), statistics.median(r["cold check"]["times"])
print(f"median warm {warm*1000:.1f} ms, cold {cold*1000:.1f} ms: warm is {100*warm/cold:.1f}% of cold")
PY
  # One values edit in one HelmRelease (the first one found): fullnameOverride, which
  # most charts honour, renames its objects; then check.
  release=$(grep -rl --include='*.yaml' '^kind: HelmRelease' "$repo" | sort | head -1 || true)
  if [ -n "$release" ] && grep -q '^  values:' "$release"; then
    sed -i "s/^  values:/  values:\\n    fullnameOverride: kubake-bench/" "$release"
    "$kubake" check "${args[@]}" --json 2>/dev/null >"$out/$name-edit.json" || true
    python3 - "$out/$name-edit.json" "${release#"$repo/"}" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
c = j["cache"]
print("after editing %s: current=%s, stale files=%d, charts rendered=%d, reused=%d"
      % (sys.argv[2], j["current"], len(j["stale"]), c["chartsRendered"], c["chartsReused"]))
PY
  fi
done
