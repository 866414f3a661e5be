#!/usr/bin/env bash
# Privacy-policy analysis throughput (issue target: >= 100 policies/s on one
# core), pinned to one core:
#   1. the bench target: extraction alone (the floor) and extraction + every
#      practice check, per real vendor policy in ../shared/data/policies;
#   2. `iotcheck docs classify` over the OPP-115 segments (segments/s,
#      process start included);
#   3. what a reader would otherwise do first: convert the same policies to
#      plain text with pandoc (if installed), per document, one core.
# Reads ../shared/data (never copied into the repository); says so and stops
# when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/data
if [ ! -d "$shared/policies/opentermsarchive" ]; then
  echo "bench/docs.sh: $shared/policies is absent (see shared/data/MANIFEST.md); nothing measured" >&2
  exit 2
fi
pin=(taskset -c 0)
command -v taskset >/dev/null || pin=()

echo "== bench target (one thread)"
cargo build -q --release -p iotcheck
"${pin[@]}" cargo bench -q -p iotcheck-docs --bench policies

tsv=$shared/policy-clauses/opp115/segments_labels_t075.tsv
if [ -f "$tsv" ]; then
  echo "== iotcheck docs classify on OPP-115 segments"
  tmp=$(mktemp)
  python3 - "$tsv" > "$tmp" <<'PY'
import csv, sys
csv.field_size_limit(1 << 30)
for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8"), delimiter="\t"):
    print(f'{r["policy_id"]}:{r["segment_id"]}\t{" ".join(r["text"].split())}')
PY
  n=$(wc -l < "$tmp")
  start=$(date +%s.%N)
  "${pin[@]}" target/release/iotcheck docs classify < "$tmp" > /dev/null
  end=$(date +%s.%N)
  python3 -c "import sys; n,s,e=int(sys.argv[1]),float(sys.argv[2]),float(sys.argv[3]); print(f'{n} segments in {e-s:.3f} s: {n/(e-s):.0f} segments/s')" "$n" "$start" "$end"
  rm -f "$tmp"
fi

echo "== whole CLI per policy (process start, catalog, report included)"
start=$(date +%s.%N)
count=0
for f in "$shared"/policies/opentermsarchive/*.md; do
  "${pin[@]}" target/release/iotcheck docs privacy-policy "$f" --format json > /dev/null || true
  count=$((count + 1))
done
end=$(date +%s.%N)
python3 -c "import sys; n,s,e=int(sys.argv[1]),float(sys.argv[2]),float(sys.argv[3]); print(f'{n} policies in {e-s:.3f} s: {n/(e-s):.0f} policies/s (iotcheck docs privacy-policy, one process each)')" "$count" "$start" "$end"

if command -v pandoc >/dev/null; then
  echo "== pandoc -t plain, one process per policy"
  start=$(date +%s.%N)
  for f in "$shared"/policies/opentermsarchive/*.md; do
    "${pin[@]}" pandoc -f markdown -t plain "$f" > /dev/null
  done
  end=$(date +%s.%N)
  python3 -c "import sys; n,s,e=int(sys.argv[1]),float(sys.argv[2]),float(sys.argv[3]); print(f'{n} policies in {e-s:.3f} s: {n/(e-s):.0f} policies/s (pandoc -t plain)')" "$count" "$start" "$end"
else
  echo "(pandoc not installed: apt-get install pandoc for the side-by-side)"
fi
