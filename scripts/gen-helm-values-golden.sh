#!/usr/bin/env bash
# Regenerates golden/helm/values/*.txt from the reference helm (v3.17) for the cases in
# fixtures/helm/values/cases.tsv. Each golden file lists, for every rendered
# `templates/values.yaml` (whose template is `{{ toJson .Values }}`), the chart path and
# the JSON helm printed, sorted by path; or `ERROR:` and helm's message when it failed
# (schema violations sorted within each chart).
# compiler/chart/tests/values_golden.rs compares kubake-chart's values with these files.
#
# usage: scripts/gen-helm-values-golden.sh [path/to/helm]   (default: /work/tools/helm)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
helm="${1:-/work/tools/helm}"
"$helm" version --short | grep -q '^v3\.17\.' || { echo "need helm v3.17, got: $("$helm" version --short)" >&2; exit 1; }
cases="$root/fixtures/helm/values/cases.tsv"
out="$root/golden/helm/values"
mkdir -p "$out"
export HELM_CONFIG_HOME="$(mktemp -d)" HELM_CACHE_HOME="$(mktemp -d)" HELM_DATA_HOME="$(mktemp -d)"
tail -n +2 "$cases" | while IFS=$'\t' read -r -a cols; do
  name="${cols[0]}"; chart="${cols[1]}"; flags=("${cols[@]:2}")
  cd "$root/fixtures/helm/values"
  if stdout="$("$helm" template release "../charts/$chart" "${flags[@]}" 2>/tmp/helm-stderr)"; then
    printf '%s\n' "$stdout" | awk '
      /^# Source: / { src = $3; next }
      src ~ /\/templates\/values\.yaml$/ && NF { print src "\t" $0; src = "" }
    ' | sort > "$out/$name.txt"
  else
    # Schema violations come in Go's map order, which changes between runs: sort each
    # chart's list so the file is stable.
    { printf 'ERROR: '; sed -e 's/^Error: //' /tmp/helm-stderr | awk '
        /^- / { if (!open) { fflush(); open = 1 } print | "sort"; next }
        { if (open) { close("sort"); open = 0 } print }
        END { if (open) close("sort") }
      '; } > "$out/$name.txt"
  fi
  echo "$name"
done
