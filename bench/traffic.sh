#!/usr/bin/env bash
# Benchmark of the traffic analyzer against the tools a user would otherwise
# reach for, on the same capture:
#
#   bench/traffic.sh [SIZE_MB]          (default 1024)
#
# 1. Builds a capture of at least SIZE_MB by concatenating the real public
#    captures of ../shared/data/pcaps with Ethernet link type (mergecap -a),
#    repeated. Repetition keeps per-packet work real but reuses 5-tuples, so
#    the flow table stays small; say so when quoting the numbers.
# 2. Times, with peak memory (GNU time):
#      cat FILE > /dev/null                               (physical limit: a plain read)
#      iotcheck traffic FILE --format json -o /dev/null
#      tshark -r FILE -q -z conv,tcp -z conv,udp          (Debian tshark)
#      ndpiReader -i FILE -q                              (Debian libndpi-bin)
# Needs: tshark (mergecap, capinfos), libndpi-bin, time. Writes only under a temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1024}
data=../shared/data/pcaps
[ -d "$data" ] || { echo "bench: $data is absent (shared public captures); nothing to measure" >&2; exit 1; }
for t in mergecap capinfos tshark ndpiReader /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "bench: $t is needed (apt-get install tshark libndpi-bin time)" >&2; exit 1; }
done

cargo build --release -p iotcheck --locked >/dev/null 2>&1
bin=$PWD/target/release/iotcheck
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Ethernet captures only: libpcap (tshark, nDPI) cannot read a pcapng whose
# interfaces differ in link type.
mapfile -t eth < <(for f in "$data"/*/*.pcap "$data"/*/*.pcapng; do
  [ -f "$f" ] || continue
  [ "$(capinfos -E -T -r "$f" 2>/dev/null | cut -f2)" = ether ] && echo "$f"
done)
[ ${#eth[@]} -gt 0 ] || { echo "bench: no Ethernet captures found" >&2; exit 1; }
mergecap -F pcap -a -w "$work/base.pcap" "${eth[@]}"
base_bytes=$(stat -c %s "$work/base.pcap")
reps=$(( size_mb * 1000 * 1000 / base_bytes + 1 ))
parts=()
for _ in $(seq "$reps"); do parts+=("$work/base.pcap"); done
mergecap -F pcap -a -w "$work/big.pcap" "${parts[@]}"
rm -f "$work/base.pcap"
big="$work/big.pcap"
bytes=$(stat -c %s "$big")
packets=$(capinfos -c -M -T -r "$big" | awk -F'\t' 'NR==1{print $2}')
echo "capture: ${#eth[@]} public Ethernet captures x $reps = $bytes bytes, $packets packets; $(nproc) cores"

measure() { # name, command...
  local name=$1; shift
  cat "$big" > /dev/null # warm the page cache
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" > /dev/null 2> "$work/err" || true
  read -r secs kb < <(tail -n 1 "$work/t")
  awk -v n="$name" -v s="$secs" -v kb="$kb" -v b="$bytes" -v p="$packets" \
    'BEGIN { printf "| %s | %.2f s | %.0f MB/s | %.2f M packets/s | %.0f MiB |\n", n, s, b/1e6/s, p/1e6/s, kb/1024 }'
}

echo
echo "| command | wall | throughput | packets | peak memory |"
echo "|---|---|---|---|---|"
measure "cat (plain read)" cat "$big"
measure "iotcheck traffic" "$bin" traffic "$big" --format json -o "$work/r.json" -q
measure "ndpiReader -i" ndpiReader -i "$big" -q
measure "tshark -z conv,tcp -z conv,udp" tshark -r "$big" -q -z conv,tcp -z conv,udp
