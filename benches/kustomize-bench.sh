#!/usr/bin/env bash
# Side-by-side benchmark of `kubake kustomize` and `kubectl kustomize` (kustomize v5.6.0)
# with hyperfine, on two workloads:
#   corpus  every case of ../shared/conformance/kustomize, one process per case
#   large   a generated tree (benches/gen-large-kustomize.py: 3001 resources, 3 overlay
#           levels, patches on most resources, generators), plus peak memory of each tool
#
#   benches/kustomize-bench.sh [corpus|large|all]     (default: all)
#
# Needs hyperfine (`cargo install hyperfine --version 1.20.0 --locked`) and the reference
# tools (installed with ../shared/tools/install-reference-tools.sh into
# $REFERENCE_TOOLS, default ~/.cache/reference-tools/bin). Results are printed and written
# as markdown and JSON under target/bench/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${KUBAKE_SHARED:-$root/../shared}
tools=$(bash "$shared/tools/install-reference-tools.sh" "${REFERENCE_TOOLS:-$HOME/.cache/reference-tools/bin}")
out="$root/target/bench"
mkdir -p "$out"
# The executable as shipped (statically linked on Linux/glibc: scripts/build-release.sh).
kubake=$("$root/scripts/build-release.sh")
what=${1:-all}

corpus() {
  local list="$out/corpus-cases.txt"
  : >"$list"
  for case in "$shared"/conformance/kustomize/cases/*/; do
    python3 - "$case" >>"$list" <<'PY'
import json, sys
case = sys.argv[1]
meta = json.load(open(case + "case.json"))
if not meta.get("empty_dirs"):
    print(case + meta["entry"], " ".join(meta["build_flags"]))
PY
  done
  echo "corpus: $(wc -l <"$list") cases (successful and failing builds)"
  cat >"$out/run-corpus.sh" <<'SH'
#!/usr/bin/env bash
# Builds every case of $2 with "$1 kustomize", discarding output.
while read -r dir flags; do "$1" kustomize "$dir" $flags >/dev/null 2>&1 || true; done <"$2"
SH
  hyperfine --warmup 1 --runs "${CORPUS_RUNS:-5}" \
    --export-markdown "$out/corpus.md" --export-json "$out/corpus.json" \
    -n kubake "bash $out/run-corpus.sh $kubake $list" \
    -n "kubectl kustomize" "bash $out/run-corpus.sh $tools/kubectl $list"
}

large() {
  local tree="$out/large-tree"
  rm -rf "$tree"
  local entry
  entry=$(python3 "$root/benches/gen-large-kustomize.py" "$tree")
  echo "large: $("$kubake" kustomize "$entry" | grep -c '^kind:') resources"
  hyperfine --warmup 1 --runs "${LARGE_RUNS:-5}" \
    --export-markdown "$out/large.md" --export-json "$out/large.json" \
    -n kubake "$kubake kustomize $entry" \
    -n "kubectl kustomize" "$tools/kubectl kustomize $entry"
  : >"$out/large-memory.txt"
  for tool in "$kubake" "$tools/kubectl"; do
    peak=0
    for _ in 1 2 3; do
      /usr/bin/time -f '%M' -o "$out/maxrss.txt" "$tool" kustomize "$entry" >/dev/null 2>&1
      kb=$(tail -1 "$out/maxrss.txt")
      [ "$kb" -gt "$peak" ] && peak=$kb
    done
    echo "peak memory $(basename "$tool"): ${peak} KB (max of 3 runs)" | tee -a "$out/large-memory.txt"
  done
}

case "$what" in
  corpus) corpus ;;
  large) large ;;
  all) corpus; large ;;
  *) echo "usage: $0 [corpus|large|all]" >&2; exit 2 ;;
esac
