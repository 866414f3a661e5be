#!/bin/bash
# make-capture.sh - record captures/setup.pcapng, the "camera setup" session of
# the fictional Acme Devices Cam 2, from real programs talking to each other.
#
# Two network namespaces joined by a veth pair (nothing leaves the machine):
#
#   iotc-dev   "the camera"       eth0 02:00:5e:10:00:0a  192.0.2.10/24
#   iotc-cloud "the vendor cloud" eth0 02:00:5e:10:00:01  192.0.2.1/24
#
# 192.0.2.0/24 is TEST-NET-1 (RFC 5737) and exists only inside these namespaces.
# The cloud namespace runs:
#   dnsmasq   53/udp  cloud.acme.example, update.acme.example -> 192.0.2.1
#   lighttpd  80/tcp  plain HTTP: /api/v1/status.json (HTTP Basic auth),
#                     /fw/cam2-1.4.3.bin (a firmware image built by make-firmware.sh)
#   lighttpd 443/tcp  HTTPS, self-signed certificate CN=cloud.acme.example
#   mosquitto 1883/tcp plaintext MQTT, password file (cam2 / acme1234)
# The device namespace then performs, in this order:
#   1. curl -k  https://cloud.acme.example/api/v1/provision.json   (TLS, cert not verified)
#   2. curl -u admin:admin http://cloud.acme.example/api/v1/status.json (Basic auth in clear)
#   3. busybox wget http://update.acme.example/fw/cam2-1.4.3.bin     (firmware in clear)
#   4. mosquitto_pub -u cam2 -P acme1234 ... (MQTT CONNECT with password in clear)
# while tcpdump records eth0 of the device namespace (converted to pcapng by editcap).
#
# Usage (as root):  ./make-capture.sh [OUTPUT.pcapng]     default: captures/setup.pcapng
# Needs: iproute2, ethtool, tcpdump, editcap (wireshark-common; tshark optional), lighttpd (+mod_openssl), mosquitto,
#        mosquitto-clients, dnsmasq-base, curl, busybox, openssl, and everything
#        make-firmware.sh needs.
# Env:   KEEP_WORK=1 keeps the temporary work dir (server logs, downloads).
# Side effects outside the work dir while running: the two namespaces and
# /etc/netns/iotc-dev/resolv.conf (used by "ip netns exec"); all removed on exit.
set -euo pipefail

case "${1:-}" in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;; esac

HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$HERE/captures/setup.pcapng}"

NS_DEV=iotc-dev
NS_CLOUD=iotc-cloud
DEV_MAC=02:00:5e:10:00:0a
CLOUD_MAC=02:00:5e:10:00:01
DEV_IP=192.0.2.10
CLOUD_IP=192.0.2.1
UA="AcmeCam2/1.4.2 (Linux; armv7l)"
SERIAL=AC2B0010000A

[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces)" >&2; exit 1; }
for tool in ip ethtool tcpdump editcap lighttpd mosquitto mosquitto_pub mosquitto_passwd dnsmasq curl busybox openssl; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
for ns in $NS_DEV $NS_CLOUD; do
    if ip netns list | grep -qw "$ns"; then
        echo "namespace $ns already exists; remove it first (ip netns del $ns)" >&2; exit 1
    fi
done

WORK="$(mktemp -d /tmp/acme-cap.XXXXXX)"
chmod 0755 "$WORK"
PIDS=()
CREATED_NETNS_ETC=0

cleanup() {
    set +e
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    # Anything else still running inside our namespaces was started by us.
    for ns in $NS_DEV $NS_CLOUD; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
    done
    ip netns del $NS_DEV 2>/dev/null
    ip netns del $NS_CLOUD 2>/dev/null
    if [ "$CREATED_NETNS_ETC" = 1 ]; then
        rm -rf "/etc/netns/$NS_DEV"
        rmdir /etc/netns 2>/dev/null
    fi
    if [ -n "${KEEP_WORK:-}" ]; then echo "work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dev()   { ip netns exec $NS_DEV "$@"; }
cloud() { ip netns exec $NS_CLOUD "$@"; }

# ---------------------------------------------------------------------------
# Network: two namespaces, one veth pair, IPv4 only.
# ---------------------------------------------------------------------------
ip netns add $NS_DEV
ip netns add $NS_CLOUD
for ns in $NS_DEV $NS_CLOUD; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
done
ip link add name eth0 netns $NS_DEV address $DEV_MAC type veth \
    peer name eth0 netns $NS_CLOUD address $CLOUD_MAC
ip -n $NS_DEV   addr add $DEV_IP/24 dev eth0
ip -n $NS_CLOUD addr add $CLOUD_IP/24 dev eth0
# No segmentation/receive offloads, so frames look like on a real 1500-byte
# Ethernet link instead of 64 KiB veth super-packets.
for ns in $NS_DEV $NS_CLOUD; do
    ip netns exec "$ns" ethtool -K eth0 tso off gso off gro off tx-checksumming off >/dev/null 2>&1 || true
    ip -n "$ns" link set eth0 up
done
ip -n $NS_DEV   route add default via $CLOUD_IP

# The device resolves names through the cloud-side dnsmasq.
if [ ! -e /etc/netns/$NS_DEV ]; then
    mkdir -p /etc/netns/$NS_DEV
    CREATED_NETNS_ETC=1
fi
echo "nameserver $CLOUD_IP" > /etc/netns/$NS_DEV/resolv.conf

# ---------------------------------------------------------------------------
# Cloud content.
# ---------------------------------------------------------------------------
mkdir -p "$WORK/www/api/v1" "$WORK/www/fw" "$WORK/log"
chown www-data:www-data "$WORK/log"   # lighttpd drops to www-data before opening its logs
echo "== building firmware 1.4.3 to serve"
"$HERE/make-firmware.sh" --version 1.4.3 --date 2026-11-02 \
    --output "$WORK/www/fw/cam2-1.4.3.bin" >/dev/null
cat > "$WORK/www/api/v1/provision.json" <<EOF
{"device":"cam2","serial":"$SERIAL","mqtt":{"host":"cloud.acme.example","port":1883},"ntp":"ntp.acme.example","region":"eu"}
EOF
cat > "$WORK/www/api/v1/status.json" <<'EOF'
{"status":"ok","model":"cam2","latest_firmware":"1.4.3","firmware_url":"http://update.acme.example/fw/cam2-1.4.3.bin","mandatory":false}
EOF
echo "admin:admin" > "$WORK/lighttpd.users"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 365 \
    -subj "/O=Acme Devices/CN=cloud.acme.example" \
    -addext "subjectAltName=DNS:cloud.acme.example,DNS:update.acme.example" \
    -keyout "$WORK/cloud.key" -out "$WORK/cloud.crt" 2>/dev/null

cat > "$WORK/lighttpd.conf" <<EOF
server.modules       = ( "mod_auth", "mod_authn_file", "mod_openssl", "mod_accesslog" )
server.username      = "www-data"
server.groupname     = "www-data"
server.document-root = "$WORK/www"
server.bind          = "$CLOUD_IP"
server.port          = 80
server.errorlog      = "$WORK/log/lighttpd-error.log"
accesslog.filename   = "$WORK/log/lighttpd-access.log"
mimetype.assign      = ( ".json" => "application/json", ".bin" => "application/octet-stream" )
auth.backend                = "plain"
auth.backend.plain.userfile = "$WORK/lighttpd.users"
\$HTTP["url"] =~ "^/api/v1/status" {
    auth.require = ( "" => ( "method" => "basic", "realm" => "Acme Cam Cloud", "require" => "valid-user" ) )
}
\$SERVER["socket"] == "$CLOUD_IP:443" {
    ssl.engine  = "enable"
    ssl.pemfile = "$WORK/cloud.crt"
    ssl.privkey = "$WORK/cloud.key"
}
EOF

mosquitto_passwd -c -b "$WORK/mosquitto.passwd" cam2 acme1234
chmod 0644 "$WORK/mosquitto.passwd"
cat > "$WORK/mosquitto.conf" <<EOF
listener 1883 $CLOUD_IP
allow_anonymous false
password_file $WORK/mosquitto.passwd
persistence false
log_dest stderr
EOF

# ---------------------------------------------------------------------------
# Start the cloud daemons (foreground processes, tracked for cleanup).
# "ip netns exec" execs the program, so $! is the daemon itself. (Going
# through the dev/cloud shell functions would make $! a subshell instead.)
# ---------------------------------------------------------------------------
ip netns exec $NS_CLOUD dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --bind-interfaces --listen-address=$CLOUD_IP --pid-file= \
    --local=/acme.example/ \
    --host-record=cloud.acme.example,$CLOUD_IP \
    --host-record=update.acme.example,$CLOUD_IP \
    --log-queries --log-facility="$WORK/dnsmasq.log" &
PIDS+=($!)
ip netns exec $NS_CLOUD lighttpd -D -f "$WORK/lighttpd.conf" &
PIDS+=($!)
ip netns exec $NS_CLOUD mosquitto -c "$WORK/mosquitto.conf" 2>"$WORK/mosquitto.log" &
PIDS+=($!)

wait_port() {  # proto port
    for _ in $(seq 50); do
        if cloud ss -Hln"$1" "sport = :$2" | grep -q .; then return 0; fi
        sleep 0.1
    done
    echo "service on $1/$2 did not come up" >&2; exit 1
}
wait_port u 53; wait_port t 80; wait_port t 443; wait_port t 1883

# ---------------------------------------------------------------------------
# Record.
# ---------------------------------------------------------------------------
RAW="$WORK/capture.pcap"
# tcpdump writes a nanosecond pcap; editcap turns it into pcapng afterwards.
# (dumpcap would write pcapng directly, but it also embeds the recording
# host's CPU model and kernel version in the file, which we do not want.)
ip netns exec $NS_DEV tcpdump -i eth0 -n -U -s 0 -Z root --time-stamp-precision=nano -w "$RAW" 2>"$WORK/tcpdump.log" &
CAPTURER=$!
PIDS+=($CAPTURER)
for _ in $(seq 50); do grep -q 'listening on' "$WORK/tcpdump.log" 2>/dev/null && break; sleep 0.1; done
sleep 1

echo "== 1. HTTPS provisioning request (certificate not verified)"
dev curl -sS -k -A "$UA" -o "$WORK/provision.out" https://cloud.acme.example/api/v1/provision.json
sleep 1
echo "== 2. HTTP status request with Basic auth admin:admin"
dev curl -sS -u admin:admin -A "$UA" -o "$WORK/status.out" http://cloud.acme.example/api/v1/status.json
sleep 1
echo "== 3. firmware download over plain HTTP"
dev busybox wget -q -U "$UA" -O "$WORK/download.bin" http://update.acme.example/fw/cam2-1.4.3.bin
cmp "$WORK/download.bin" "$WORK/www/fw/cam2-1.4.3.bin"
sleep 1
echo "== 4. MQTT CONNECT with username/password, publish telemetry"
dev mosquitto_pub -h cloud.acme.example -p 1883 -V mqttv311 -i "cam2-$SERIAL" \
    -u cam2 -P acme1234 -q 1 -t "acme/cam2/$SERIAL/telemetry" \
    -m "{\"serial\":\"$SERIAL\",\"fw\":\"1.4.2\",\"uptime\":742,\"rssi\":-61,\"motion_events\":0,\"sd_free_mb\":28810}"
sleep 2

kill -TERM $CAPTURER   # tcpdump flushes and exits on SIGTERM (SIGINT is ignored by background jobs)
wait $CAPTURER || true
cat "$WORK/tcpdump.log"

grep -q '"latest_firmware":"1.4.3"' "$WORK/status.out" || { echo "status request failed" >&2; exit 1; }
grep -q '"serial"' "$WORK/provision.out" || { echo "provision request failed" >&2; exit 1; }

mkdir -p "$(dirname "$OUT")"
editcap -F pcapng \
    --capture-comment "iotcheck example: Acme Devices Cam 2 (fictional) setup session, recorded in network namespaces by make-capture.sh" \
    "$RAW" "$OUT"
chmod 0644 "$OUT"
echo "== wrote $OUT"
ls -l "$OUT"
if command -v tshark >/dev/null; then tshark -r "$OUT" 2>/dev/null; fi
