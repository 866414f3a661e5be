#!/usr/bin/env bash
# Benchmark of document text extraction (iotcheck-docs `text`), side by side
# with what a user would otherwise run: pandoc (Markdown, HTML), w3m -dump
# (HTML) and pdftotext (PDF).
#
#   bench/doc_text.sh
#
# 1. In-process throughput (documents/s, MB/s) of `text::extract` on the
#    real Open Terms Archive policies (../shared/data, Markdown), on the
#    hand-made HTML privacy page and on the two-page policy PDF (in process
#    and through the helper process).
# 2. Wall time of one process over the same inputs: iotcheck's
#    `dump_text` example vs pandoc / w3m / pdftotext, with hyperfine.
# Needs hyperfine, pandoc, w3m, poppler-utils (Debian packages). Prints
# every command it times. Writes only under a temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
for t in hyperfine pandoc w3m pdftotext; do
  command -v "$t" >/dev/null || { echo "bench: $t is needed (apt-get install hyperfine pandoc w3m poppler-utils)" >&2; exit 1; }
done
ota=../shared/data/policies/opentermsarchive
[ -d "$ota" ] || { echo "bench: shared data missing: $ota" >&2; exit 1; }
fx=crates/iotcheck-docs/tests/fixtures/text
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build --release -q -p iotcheck-docs --examples --bins
bin=$CARGO_TARGET_DIR/release
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mds=("$ota"/*.md)
echo "inputs: ${#mds[@]} OTA policies ($(cat "${mds[@]}" | wc -c) bytes), $fx/acme-privacy.html ($(stat -c %s $fx/acme-privacy.html) bytes), $fx/acme-privacy.pdf ($(stat -c %s $fx/acme-privacy.pdf) bytes); $(nproc) cores"

run() { echo "\$ $*"; "$@"; }
echo "== in-process throughput =="
run "$bin/examples/text_throughput" 20 "${mds[@]}"
run "$bin/examples/text_throughput" 500 "$fx/acme-privacy.html"
run "$bin/examples/text_throughput" 200 "$fx/acme-privacy.pdf"
run "$bin/examples/text_throughput" --helper "$bin/iotcheck-pdf-text" 100 "$fx/acme-privacy.pdf"

echo "== one process over the inputs (hyperfine) =="
# dump_text takes one file; loop in one shell for the OTA set, as for the peers.
hyperfine --warmup 2 --runs 10 -N --export-markdown "$work/md.md" \
  -n 'iotcheck text (11 OTA .md, one process each)' "bash -c 'for f in $ota/*.md; do $bin/examples/dump_text \"\$f\" >/dev/null; done'" \
  -n 'pandoc -f markdown -t plain (one process each)' "bash -c 'for f in $ota/*.md; do pandoc -f markdown -t plain \"\$f\" >/dev/null; done'"
cat "$work/md.md"
hyperfine --warmup 3 --runs 30 -N --export-markdown "$work/html.md" \
  -n 'iotcheck text (html)' "$bin/examples/dump_text $fx/acme-privacy.html" \
  -n 'pandoc -f html -t plain' "pandoc -f html -t plain $fx/acme-privacy.html" \
  -n 'w3m -dump' "w3m -dump -T text/html $fx/acme-privacy.html"
cat "$work/html.md"
hyperfine --warmup 3 --runs 30 -N --export-markdown "$work/pdf.md" \
  -n 'iotcheck text (pdf, in process)' "$bin/examples/dump_text $fx/acme-privacy.pdf" \
  -n 'pdftotext' "pdftotext $fx/acme-privacy.pdf $work/out.txt"
cat "$work/pdf.md"
