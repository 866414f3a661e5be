#!/usr/bin/env bash
# Benchmark of the vulnerability database: import of an NVD-sized synthetic
# corpus (bench/gen_nvd.py: 300,000 records in NVD API 2.0 pages + a KEV
# catalog), the database size, and matching 1,000 components (a CycloneDX
# SBOM) through `iotcheck vulns match --sbom`. The physical limits beside
# it: reading the corpus (cat) and parsing it with Python's json module
# (a floor for "parse everything once", a different language's parser).
#
# Usage: bench/vulns.sh [RECORDS]   (default 300000; needs python3, hyperfine optional)
# Writes under ${BENCH_DIR:-/tmp/iotcheck-bench-vulns}; nothing leaves the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-300000}
dir=${BENCH_DIR:-/tmp/iotcheck-bench-vulns}
corpus=$dir/corpus-$records
db=$dir/vulns.sqlite

cargo build --release -q -p iotcheck
bin=target/release/iotcheck

if [ ! -f "$corpus/bom-1000.cdx.json" ]; then
  echo "== generating $records synthetic NVD records into $corpus"
  python3 bench/gen_nvd.py "$corpus" --records "$records"
fi
echo "corpus: $(du -shL "$corpus" | cut -f1) in $(ls "$corpus" | wc -l) files"

echo "== physical limit: read every byte (cat, warm cache)"
cat "$corpus"/*.json > /dev/null
/usr/bin/time -f "   %e s, %M KB max RSS" cat "$corpus"/*.json > /dev/null

echo "== reference: parse every page with Python's json module"
/usr/bin/time -f "   %e s, %M KB max RSS" python3 -c '
import json, sys, glob
n = 0
for f in sorted(glob.glob(sys.argv[1] + "/nvd-*.json")):
    n += len(json.load(open(f))["vulnerabilities"])
print("   parsed", n, "records")' "$corpus"

echo "== iotcheck vulns db import (fresh database)"
rm -f "$db"
/usr/bin/time -f "   %e s, %M KB max RSS" "$bin" vulns db import -q --db "$db" "$corpus"/nvd-*.json "$corpus"/known_exploited_vulnerabilities.json
echo "   database: $(du -h "$db" | cut -f1) ($(stat -c %s "$db") bytes)"

[ -f "$corpus/bom-1000-uniform.cdx.json" ] || python3 bench/gen_nvd.py "$corpus" --boms-only
for bom in bom-1000 bom-1000-uniform; do
  echo "== matching alone, in process (open + match of 1,000 components, no output): $bom"
  IOTCHECK_BENCH_DB=$db IOTCHECK_BENCH_SBOM=$corpus/$bom.cdx.json cargo bench -q -p iotcheck-vulns --bench matching
done
for bom in bom-1000 bom-1000-uniform; do
  for fmt in json text; do
    echo "== iotcheck vulns match --sbom $bom (1,000 components) --format $fmt, whole process"
    if command -v hyperfine >/dev/null; then
      hyperfine -N --warmup 2 --runs 10 -i --output=null "$bin vulns match --sbom $corpus/$bom.cdx.json --db $db --format $fmt"
    else
      for i in 1 2 3; do /usr/bin/time -f "   %e s" "$bin" vulns match --sbom "$corpus/$bom.cdx.json" --db "$db" --format $fmt > /dev/null || true; done
    fi
  done
  "$bin" vulns match --sbom "$corpus/$bom.cdx.json" --db "$db" --format json | python3 -c '
import json, sys
v = json.load(sys.stdin)
n = sum(len(c["vulnerabilities"]) for c in v["components"])
print("   components:", len(v["components"]), "matches:", n, "not compared:", len(v["not_compared"]))' || true
done
