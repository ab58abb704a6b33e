#!/usr/bin/env bash
# Side-by-side benchmark of `kubake template` and the reference `helm template` (v3.17.2)
# with hyperfine, whole processes, on two workloads:
#   kps     kube-prometheus-stack with its default values (the heaviest common chart)
#   corpus  every case of ../shared/conformance/helm (121 renders, one process each)
# plus the peak memory (max RSS) of each tool on kube-prometheus-stack.
#
#   benches/helm-bench.sh [kps|corpus|all]     (default: all)
#
# Needs hyperfine (`cargo install hyperfine --version 1.20.0 --locked`) and the reference
# tools (../shared/tools/install-reference-tools.sh into $REFERENCE_TOOLS, default
# ~/.cache/reference-tools/bin). Results go to target/bench/ as markdown and JSON.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${KUBAKE_SHARED:-$root/../shared}
tools=$(bash "$shared/tools/install-reference-tools.sh" "${REFERENCE_TOOLS:-$HOME/.cache/reference-tools/bin}")
out="$root/target/bench"
mkdir -p "$out"
# The executable as shipped (statically linked on Linux/glibc: scripts/build-release.sh).
kubake=$("$root/scripts/build-release.sh")
corpus_dir="$shared/conformance/helm"
what=${1:-all}
export HELM_CONFIG_HOME="$out/helm-home" HELM_CACHE_HOME="$out/helm-home/cache" HELM_DATA_HOME="$out/helm-home/data"

kps() {
  local chart="$corpus_dir/charts/kube-prometheus-stack"
  echo "kps: kubake $("$kubake" template kps "$chart" | grep -c '^kind:') objects, helm $("$tools/helm" template kps "$chart" | grep -c '^kind:') objects"
  # -N: each command is one process, started directly; through a shell, hyperfine's
  # correction for the shell's own start left about a millisecond on every run.
  hyperfine -N --warmup 2 --runs "${KPS_RUNS:-10}" \
    --export-markdown "$out/helm-kps.md" --export-json "$out/helm-kps.json" \
    -n kubake "$kubake template kps $chart" \
    -n "helm template" "$tools/helm template kps $chart"
  : >"$out/helm-kps-memory.txt"
  for tool in "$kubake" "$tools/helm"; do
    peak=0
    for _ in 1 2 3; do
      /usr/bin/time -f '%M' -o "$out/maxrss.txt" "$tool" template kps "$chart" >/dev/null 2>&1
      kb=$(tail -1 "$out/maxrss.txt")
      [ "$kb" -gt "$peak" ] && peak=$kb
    done
    echo "peak memory $(basename "$tool") on kube-prometheus-stack: ${peak} KB (max of 3 runs)" | tee -a "$out/helm-kps-memory.txt"
  done
}

# Writes a script running every corpus case with the tool given as $1 ($TOOL template ...).
corpus_script() {
  python3 - "$corpus_dir" <<'PY'
import json, os, shlex, sys
corpus = sys.argv[1]
print("#!/usr/bin/env bash")
for name in sorted(os.listdir(os.path.join(corpus, "cases"))):
    case = os.path.join(corpus, "cases", name)
    meta = json.load(open(os.path.join(case, "case.json")))
    args = [meta["release"], os.path.join(corpus, "charts", meta["chart"]),
            "--namespace", meta["namespace"]]
    for v in meta.get("values", []):
        args += ["-f", os.path.join(case, v)]
    for s in meta.get("set", []):
        args += ["--set", s]
    for s in meta.get("set_string", []):
        args += ["--set-string", s]
    if meta.get("kube_version"):
        args += ["--kube-version", meta["kube_version"]]
    if meta.get("include_crds"):
        args.append("--include-crds")
    for a in meta.get("api_versions", []):
        args += ["--api-versions", a]
    if meta.get("skip_schema_validation"):
        args.append("--skip-schema-validation")
    print('"$1" template ' + " ".join(shlex.quote(a) for a in args) + " >/dev/null 2>&1 || true")
PY
}

corpus() {
  corpus_script >"$out/run-helm-corpus.sh"
  echo "corpus: $(grep -c template "$out/run-helm-corpus.sh") cases (successful and failing renders)"
  hyperfine --warmup 1 --runs "${CORPUS_RUNS:-5}" \
    --export-markdown "$out/helm-corpus.md" --export-json "$out/helm-corpus.json" \
    -n kubake "bash $out/run-helm-corpus.sh $kubake" \
    -n "helm template" "bash $out/run-helm-corpus.sh $tools/helm"
}

case "$what" in
  kps) kps ;;
  corpus) corpus ;;
  all) kps; corpus ;;
  *) echo "usage: $0 [kps|corpus|all]" >&2; exit 2 ;;
esac
