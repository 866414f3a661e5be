#!/usr/bin/env bash
# Benchmark of the assessment pipeline itself (no analyzer yet): reading,
# recognising and hashing inputs, deciding and writing the report.
#
#   bench/foundation.sh [SIZE_MIB]      (default 1024)
#
# 1. Input loading on one large file, side by side with what a user would
#    otherwise run to fingerprint an input (sha256sum) and with the physical
#    limit (a plain read, cat > /dev/null), page cache warm.
# 2. The whole `assess` of the example bundle, every report format.
# Needs hyperfine (Debian package). Writes only under a temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
command -v hyperfine >/dev/null || { echo "bench: hyperfine is needed (apt-get install hyperfine)" >&2; exit 1; }

cargo build --release -p iotcheck --locked >/dev/null 2>&1
bin=target/release/iotcheck
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A large input made of the example's real firmware image, repeated.
src=examples/acme-cam/firmware/acme-cam2-1.4.2.bin
big="$work/big.bin"
src_bytes=$(stat -c %s "$src")
reps=$(( size_mib * 1024 * 1024 / src_bytes + 1 ))
for _ in $(seq "$reps"); do cat "$src"; done > "$big"
truncate -s $((size_mib * 1024 * 1024)) "$big"
echo "input: $big, $(stat -c %s "$big") bytes; $(nproc) cores"

hyperfine --warmup 2 --runs 10 -i -N --export-markdown "$work/load.md" \
  -n 'plain read (cat)' "cat $big" \
  -n 'sha256sum' "sha256sum $big" \
  -n 'iotcheck assess --firmware' "$bin assess --firmware $big --format json -o $work/r.json"
cat "$work/load.md"

hyperfine --warmup 3 --runs 20 -i -N --export-markdown "$work/assess.md" \
  -n 'assess example (text)' "$bin assess examples/acme-cam -o $work/r.txt" \
  -n 'assess example (json)' "$bin assess examples/acme-cam --format json -o $work/r.json" \
  -n 'assess example (html)' "$bin assess examples/acme-cam --format html -o $work/r.html" \
  -n 'assess example (sarif)' "$bin assess examples/acme-cam --format sarif -o $work/r.sarif"
cat "$work/assess.md"
