#!/usr/bin/env bash
# Benchmark of the live probe against the tools a lab would otherwise use,
# on the same simulated insecure device and the same credential list:
#
#   bench/probe.sh
#
# 1. Starts the simulated insecure device (crates/iotcheck-probe/tests/lab/device.sh)
#    in a network namespace of its own; every tool runs inside that namespace
#    against 127.0.0.1, so no traffic leaves it.
# 2. Times, wall clock:
#      iotcheck probe 127.0.0.1 --ports <device ports>      (discovery + identification +
#                                                          credentials + TLS, one run; again
#                                                          with --per-service 16, hydra's width)
#      nmap -sV -p <device ports> 127.0.0.1                 (discovery + identification)
#      hydra -C <list> -f per service: telnet, ssh, ftp, http-get :80, https-get :443
#                                                          (hydra has no MQTT: not covered)
#      testssl -p -E -S 127.0.0.1:443  vs  iotcheck probe --ports 443 --no-credentials
#                                                          (TLS configuration of one port)
#    The credential list is iotcheck's built-in list (crates/iotcheck-probe/data),
#    its generic entries (no lab service names a product of the vendor sections),
#    given to hydra with -C. Each hydra run stops at its first hit (-f), as iotcheck does.
#    The web console's form login (:8080) is iotcheck's alone: its per-request CSRF
#    token is beyond hydra's http-post-form, so it is not timed for hydra.
# Needs: nmap, hydra, testssl.sh (Debian), and the test daemons
# (scripts/install-test-deps.sh). Root (network namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
for t in nmap hydra testssl ip; do
  command -v "$t" >/dev/null || { echo "bench: $t is needed (apt-get install nmap hydra testssl.sh iproute2)" >&2; exit 1; }
done
target=${CARGO_TARGET_DIR:-target}
cargo build --release -p iotcheck --locked >/dev/null 2>&1
bin=$(realpath "$target/release/iotcheck")
work=$(mktemp -d)
ns=ioc-bench-$$
lab=crates/iotcheck-probe/tests/lab/device.sh
trap 'bash $lab down $ns "$work/dev" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
out=$(bash $lab up insecure "$ns" "$work/dev")
ports=$(echo "$out" | sed -n 2p | cut -d' ' -f1)
on() { ip netns exec "$ns" "$@"; }
sed '/^\[/,$d' crates/iotcheck-probe/data/default-credentials.txt | grep -v '^#' | grep . > "$work/creds.txt"
ncreds=$(wc -l < "$work/creds.txt")
echo "device: insecure simulated device, ports $ports; $ncreds default credentials; $(nproc) cores"

secs() { # command... -> wall seconds
  local s e
  s=$(date +%s.%N)
  "$@" > "$work/last.out" 2>&1 || true
  e=$(date +%s.%N)
  awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", e - s }'
}

echo
echo "| step | iotcheck | peer | peer command |"
echo "|---|---|---|---|"
t_io=$(secs on "$bin" probe 127.0.0.1 --ports "$ports" --udp-ports none --format json -o "$work/iotcheck.json")
# The same run with hydra's default width (16 logins in flight per service).
t_io16=$(secs on "$bin" probe 127.0.0.1 --ports "$ports" --udp-ports none --per-service 16 --format json -o "$work/iotcheck16.json")
found=$(grep -o '"summary": "127.0.0.1: [^"]*accepts[^"]*"' "$work/iotcheck.json" | head -1 | grep -o 'accepts' | wc -l || true)
t_nmap=$(secs on nmap -sV -Pn -p "$ports" 127.0.0.1)
cp "$work/last.out" "$work/nmap.out"
total_hydra=0
hydra_found=()
for svc in "telnet://127.0.0.1:23" "ssh://127.0.0.1:22" "ftp://127.0.0.1:21" "http-get://127.0.0.1:80/" "https-get://127.0.0.1:443/"; do
  t=$(secs on hydra -C "$work/creds.txt" -f -I "$svc")
  hits=$(grep -c "login:" "$work/last.out" || true)
  hydra_found+=("${svc%%://*}:$hits")
  echo "| hydra ${svc%%:*} | | $t s | hydra -C list -f $svc |"
  total_hydra=$(awk -v a="$total_hydra" -v b="$t" 'BEGIN { print a + b }')
done
peer=$(awk -v a="$t_nmap" -v b="$total_hydra" 'BEGIN { printf "%.2f", a + b }')
echo "| nmap -sV | | $t_nmap s | nmap -sV -Pn -p $ports |"
echo "| **discovery + identification + credentials** | **$t_io s** | **$peer s** | nmap + hydra (no MQTT) |"
echo "| same, \`--per-service 16\` (hydra's width) | $t_io16 s | | |"
awk -v a="$t_io" -v b="$peer" 'BEGIN { printf "ratio: iotcheck is %.1fx faster than nmap -sV + hydra\n", b / a }'
awk -v a="$t_io16" -v b="$peer" 'BEGIN { printf "ratio at the same width: %.1fx\n", b / a }'
echo "hydra hits: ${hydra_found[*]}"
t_io_tls=$(secs on "$bin" probe 127.0.0.1 --ports 443 --udp-ports none --no-credentials --format json -o "$work/tls.json")
t_ssl=$(secs on testssl --quiet --color 0 -p -E -S 127.0.0.1:443)
echo "| TLS configuration of one port (443) | $t_io_tls s | $t_ssl s | testssl -p -E -S |"
awk -v a="$t_io_tls" -v b="$t_ssl" 'BEGIN { printf "ratio: iotcheck is %.1fx faster than testssl.sh on one port\n", b / a }'
