#!/bin/bash
# make-firmware.sh - build the example firmware image for the fictional
# "Acme Devices Cam 2" (firmware/acme-cam2-1.4.2.bin).
#
# The image is a real, if tiny, embedded-Linux root filesystem:
#   * the genuine Debian busybox-static binary for armhf (ARM EABI5), with the
#     usual applet symlinks,
#   * configuration files written below,
#   * packed with mksquashfs (xz) and wrapped in a U-Boot legacy uImage header
#     with mkimage (-A arm -O linux -T filesystem -C none).
#
# It is DELIBERATELY INSECURE so that iotcheck's firmware analyzers have
# something real to find:
#   - root / admin passwords from the Mirai default-credential list
#     (md5-crypt and DES crypt hashes in etc/shadow),
#   - a root shell on telnet port 2323 started from etc/init.d/rcS,
#   - an updater (usr/sbin/acme-update, run from etc/crontabs/root) that
#     downloads over plain HTTP and flashes without any signature check,
#   - a hard-coded private key (etc/ssl/private/device.key),
#   - a hard-coded MQTT password (etc/acme/cloud.conf).
# None of these are real credentials of anything; the key is a fresh throwaway.
#
# Usage:  ./make-firmware.sh [--version 1.4.2] [--date 2026-09-14] [--output PATH]
# Needs:  mksquashfs (squashfs-tools), mkimage (u-boot-tools), openssl,
#         busybox (host copy, only for its mkpasswd applet), apt-get, dpkg-deb, file.
# Env:    BUSYBOX=/path/to/armhf/busybox  use this binary instead of fetching
#         the busybox-static:armhf .deb with apt-get download.
#
# Reproducibility: file contents, mtimes (-all-time/-mkfs-time), ownership
# (-all-root), hashes (fixed salts) and the uImage timestamp (SOURCE_DATE_EPOCH)
# are fixed (SOURCE_DATE_EPOCH is given to mkimage only: mksquashfs refuses it
# together with -all-time/-mkfs-time), and so are the certificate dates and
# serial.  The one thing that changes on every run is the RSA key pair in
# etc/ssl/ (generated fresh by openssl), so the image bytes differ per run.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
VERSION="1.4.2"
BUILD_DATE="2026-09-14"
OUTPUT=""
BUSYBOX_DEB_VERSION="1:1.35.0-4+deb12u1+b1"

while [ $# -gt 0 ]; do
    case "$1" in
        --version) VERSION="$2"; shift 2 ;;
        --date)    BUILD_DATE="$2"; shift 2 ;;
        --output)  OUTPUT="$2"; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ -n "$OUTPUT" ] || OUTPUT="$HERE/firmware/acme-cam2-$VERSION.bin"
case "$OUTPUT" in /*) ;; *) OUTPUT="$PWD/$OUTPUT" ;; esac   # the build cds around

for tool in mksquashfs mkimage openssl busybox file; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done

EPOCH="$(date -u -d "$BUILD_DATE 12:00:00" +%s)"

WORK="$(mktemp -d /tmp/acme-fw.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/rootfs"

# ---------------------------------------------------------------------------
# 1. The real busybox binary (ARM).
# ---------------------------------------------------------------------------
if [ -z "${BUSYBOX:-}" ]; then
    # Fetch busybox-static for armhf through apt, using a private state dir so
    # the host's dpkg architecture list and apt lists are left untouched.
    A="$WORK/apt"
    mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/dl"
    echo "deb [arch=armhf signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" > "$A/sources.list"
    APTOPTS=(-o APT::Architecture=armhf -o APT::Architectures::=armhf
             -o Dir::Etc::SourceList="$A/sources.list" -o Dir::Etc::SourceParts=/dev/null
             -o Dir::State::Lists="$A/lists" -o Dir::Cache="$A/cache"
             -o Dir::State::status=/dev/null -o APT::Sandbox::User=root)
    apt-get -q "${APTOPTS[@]}" update >/dev/null
    ( cd "$A/dl" && { apt-get -q "${APTOPTS[@]}" download "busybox-static:armhf=$BUSYBOX_DEB_VERSION" \
        || { echo "WARNING: busybox-static $BUSYBOX_DEB_VERSION not available, using current version" >&2;
             apt-get -q "${APTOPTS[@]}" download busybox-static:armhf; }; } >/dev/null )
    dpkg-deb -x "$A"/dl/busybox-static_*_armhf.deb "$A/x"
    BUSYBOX="$A/x/bin/busybox"
fi
file -b "$BUSYBOX" | grep -q 'ARM' || { echo "$BUSYBOX is not an ARM binary" >&2; exit 1; }
BB_VERSION="$(strings "$BUSYBOX" 2>/dev/null | grep -m1 -o 'BusyBox v[0-9.]* ([^)]*)' || echo 'BusyBox')"

# ---------------------------------------------------------------------------
# 2. Root filesystem tree.
# ---------------------------------------------------------------------------
mkdir -p "$ROOT"
cd "$ROOT"
mkdir -p bin sbin usr/bin usr/sbin lib etc/init.d etc/crontabs etc/acme \
         etc/ssl/private etc/ssl/certs etc/opkg usr/lib/opkg www/cgi-bin \
         dev proc sys tmp var/run var/log mnt/sd root home
ln -s /tmp var/tmp

install -m 0755 "$BUSYBOX" bin/busybox

# Applet symlinks, as "busybox --install -s" would lay them out for this set.
for a in sh ash cat chmod chown cp date dd df dmesg echo egrep false fgrep grep \
         gunzip gzip hostname kill ln ls mkdir mknod mount mv netstat ping ps pwd \
         rm rmdir sed sleep stty sync tar touch true umount uname vi zcat; do
    ln -s busybox "bin/$a"
done
for a in getty halt ifconfig init insmod klogd logread lsmod mdev modprobe poweroff \
         reboot rmmod route start-stop-daemon sulogin swapoff swapon switch_root \
         syslogd udhcpc watchdog; do
    ln -s ../bin/busybox "sbin/$a"
done
for a in '[' '[[' awk basename crontab cut dirname du env expr find free head hexdump \
         id killall less logger md5sum mkfifo nc nslookup passwd printf reset \
         seq sha256sum sort tail tee telnet test tftp time top tr traceroute uniq \
         uptime wc wget which xargs yes; do
    ln -s ../../bin/busybox "usr/bin/$a"
done
for a in crond httpd telnetd; do
    ln -s ../../bin/busybox "usr/sbin/$a"
done
# --- identity / version -----------------------------------------------------
cat > etc/os-release <<EOF
NAME="Acme Cam OS"
VERSION="$VERSION"
ID=acmecam
VERSION_ID="$VERSION"
PRETTY_NAME="Acme Cam OS $VERSION (Cam 2)"
HOME_URL="https://acme.example/"
SUPPORT_URL="https://acme.example/support"
BUG_REPORT_URL="https://acme.example/security"
BUILD_ID="$(date -u -d "@$EPOCH" +%Y%m%d)"
EOF
cat > etc/version <<EOF
ACME_PRODUCT=Cam 2
ACME_HWREV=B
ACME_FW_VERSION=$VERSION
ACME_BUILD_DATE=$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)
EOF
echo "acme-cam2" > etc/hostname
cat > etc/banner <<EOF

   Acme Devices Cam 2  -  firmware $VERSION
   $BB_VERSION

EOF
cat > etc/hosts <<'EOF'
127.0.0.1	localhost
127.0.1.1	acme-cam2
EOF
ln -s /tmp/resolv.conf etc/resolv.conf

# --- accounts: Mirai-list passwords -------------------------------------------
# root:xc3511 (md5-crypt), admin:1234 (traditional DES crypt).
ROOT_HASH="$(openssl passwd -1 -salt Xm3r9Q2t xc3511)"
ADMIN_HASH="$(busybox mkpasswd -m des 1234 Ac)"
cat > etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/var:/bin/false
admin:x:1000:1000:Acme service account:/home:/bin/sh
ftp:x:55:55:ftp:/home/ftp:/bin/false
www-data:x:33:33:www-data:/www:/bin/false
nobody:x:65534:65534:nobody:/var:/bin/false
EOF
cat > etc/shadow <<EOF
root:$ROOT_HASH:20345:0:99999:7:::
daemon:*:20345:0:99999:7:::
admin:$ADMIN_HASH:20345:0:99999:7:::
ftp:*:20345:0:99999:7:::
www-data:!:20345:0:99999:7:::
nobody:*:20345:0:99999:7:::
EOF
chmod 0600 etc/shadow
cat > etc/group <<'EOF'
root:x:0:
daemon:x:1:
www-data:x:33:
ftp:x:55:
admin:x:1000:
nogroup:x:65534:
EOF
cat > etc/shells <<'EOF'
/bin/sh
/bin/ash
EOF
cat > etc/profile <<'EOF'
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PS1='\u@\h:\w\$ '
[ -f /etc/banner ] && cat /etc/banner
EOF

# --- boot ---------------------------------------------------------------------
cat > etc/inittab <<'EOF'
# /etc/inittab - busybox init
::sysinit:/etc/init.d/rcS
ttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
EOF
cat > etc/fstab <<'EOF'
proc     /proc     proc     defaults  0 0
sysfs    /sys      sysfs    defaults  0 0
tmpfs    /tmp      tmpfs    size=8m   0 0
devpts   /dev/pts  devpts   defaults  0 0
EOF
cat > etc/init.d/rcS <<'EOF'
#!/bin/sh
# Acme Cam 2 startup
mount -a
mkdir -p /dev/pts /tmp/log /var/run
mdev -s
hostname -F /etc/hostname
syslogd -O /tmp/log/messages
klogd

# network: DHCP on the wired / Wi-Fi interface
ifconfig lo 127.0.0.1 up
udhcpc -b -i eth0 -s /etc/udhcpc.script -p /var/run/udhcpc.pid

# factory debug shell (left enabled in production builds)
telnetd -l /bin/sh -p 2323

# local web UI (admin / see /etc/httpd.conf)
httpd -h /www -c /etc/httpd.conf -p 80

# scheduled jobs (firmware update check)
crond -c /etc/crontabs

# camera + cloud agent
[ -x /usr/bin/acme-camd ] && /usr/bin/acme-camd -c /etc/acme/cloud.conf &
EOF
chmod 0755 etc/init.d/rcS
cat > etc/udhcpc.script <<'EOF'
#!/bin/sh
# minimal udhcpc hook
case "$1" in
    deconfig) ifconfig "$interface" 0.0.0.0 ;;
    bound|renew)
        ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}"
        [ -n "$router" ] && route add default gw "${router%% *}" dev "$interface"
        : > /tmp/resolv.conf
        for d in $dns; do echo "nameserver $d" >> /tmp/resolv.conf; done ;;
esac
exit 0
EOF
chmod 0755 etc/udhcpc.script
cat > etc/httpd.conf <<'EOF'
# busybox httpd: protect the web UI with the factory credentials
/cgi-bin:admin:admin
/:admin:admin
.cgi:application/x-httpd-cgi
EOF

# --- firmware updater: plain HTTP, no signature check -------------------------
cat > etc/crontabs/root <<'EOF'
# m h dom mon dow command
17 3 * * * /usr/sbin/acme-update >/dev/null 2>&1
EOF
cat > usr/sbin/acme-update <<'EOF'
#!/bin/sh
# acme-update - fetch and install the newest Cam 2 firmware
URL="http://update.acme.example/cam2/latest.bin"
IMG=/tmp/fw-update.bin
. /etc/version

logger -t acme-update "checking $URL (current $ACME_FW_VERSION)"
wget -q -U "AcmeCam2/$ACME_FW_VERSION" -O "$IMG" "$URL" || exit 1

# TODO(fw-team): verify signature before flashing (ticket CAM-1187)
# openssl dgst -sha256 -verify /etc/ssl/certs/update-pub.pem -signature $IMG.sig $IMG

NEW=$(dd if="$IMG" bs=1 skip=32 count=32 2>/dev/null | tr -d '\000')
logger -t acme-update "flashing '$NEW'"
dd if="$IMG" of=/dev/mtdblock3 bs=64k skip=1 && reboot
EOF
chmod 0755 usr/sbin/acme-update

# --- cloud agent config with hard-coded credentials ---------------------------
cat > etc/acme/cloud.conf <<'EOF'
# Acme cloud agent configuration
[mqtt]
host = cloud.acme.example
port = 1883
tls = 0
username = cam2
password = acme1234
client_id_prefix = cam2-
topic = acme/cam2/%SERIAL%/telemetry

[api]
base_url = https://cloud.acme.example/api/v1
verify_tls = 0
status_url = http://cloud.acme.example/api/v1/status.json
status_user = admin
status_password = admin

[update]
url = http://update.acme.example/cam2/latest.bin
check_interval = 86400
EOF

# --- hard-coded device key + certificate (fresh throwaway, NOT reproducible) --
# Same key on every unit. Self-signed with "openssl ca -selfsign" so that the
# validity period can start at the build date instead of "now".
CA="$WORK/ca"
mkdir -p "$CA/newcerts"
: > "$CA/index.txt"
echo 1000 > "$CA/serial"
cat > "$CA/ca.cnf" <<EOF
[ ca ]
default_ca       = devcert
[ devcert ]
database         = $CA/index.txt
new_certs_dir    = $CA/newcerts
serial           = $CA/serial
default_md       = sha256
policy           = anything
unique_subject   = no
x509_extensions  = ext
[ anything ]
organizationName = supplied
commonName       = supplied
[ ext ]
basicConstraints     = critical,CA:FALSE
keyUsage             = critical,digitalSignature,keyEncipherment
extendedKeyUsage     = serverAuth
subjectAltName       = DNS:cam2.acme.example
subjectKeyIdentifier = hash
EOF
openssl req -new -newkey rsa:2048 -nodes -subj "/O=Acme Devices/CN=cam2.acme.example" \
    -keyout etc/ssl/private/device.key -out "$CA/device.csr" 2>/dev/null
openssl ca -batch -config "$CA/ca.cnf" -selfsign -notext \
    -keyfile etc/ssl/private/device.key -in "$CA/device.csr" -out etc/ssl/certs/device.crt \
    -startdate "$(date -u -d "@$EPOCH" +%Y%m%d%H%M%SZ)" \
    -enddate "$(date -u -d "@$((EPOCH + 3650 * 86400))" +%Y%m%d%H%M%SZ)" 2>/dev/null
chmod 0600 etc/ssl/private/device.key

# --- package database (opkg-style) ---------------------------------------------
cat > usr/lib/opkg/status <<EOF
Package: busybox
Version: 1.35.0-4+deb12u1
Status: install user installed
Architecture: arm_cortex-a7_neon-vfpv4

Package: acme-base-files
Version: $VERSION
Status: install user installed
Architecture: all

Package: acme-update
Version: $VERSION
Status: install user installed
Architecture: all

Package: acme-webui
Version: $VERSION
Status: install user installed
Architecture: all
EOF
cat > etc/opkg/distfeeds.conf <<'EOF'
src/gz acme_base http://update.acme.example/cam2/packages/base
EOF

# --- web UI ------------------------------------------------------------------
cat > www/index.html <<EOF
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Acme Cam 2</title></head>
<body><h1>Acme Cam 2</h1>
<p>Firmware $VERSION</p>
<form action="/cgi-bin/login.cgi" method="get">
User <input name="user" value="admin"> Password <input name="pass" type="password">
<input type="submit" value="Log in"></form>
</body></html>
EOF
cat > www/cgi-bin/status.cgi <<'EOF'
#!/bin/sh
. /etc/version
echo "Content-Type: application/json"
echo
printf '{"model":"%s","fw":"%s","uptime":"%s"}\n' "$ACME_PRODUCT" "$ACME_FW_VERSION" "$(cut -d' ' -f1 /proc/uptime)"
EOF
chmod 0755 www/cgi-bin/status.cgi

# ---------------------------------------------------------------------------
# 3. squashfs (xz) + legacy uImage.
# ---------------------------------------------------------------------------
cd "$WORK"
mksquashfs "$ROOT" rootfs.sqfs -comp xz -all-root -noappend -no-xattrs -no-progress -quiet \
    -processors 1 -mkfs-time "$EPOCH" -all-time "$EPOCH" \
    -p "dev/console c 600 0 0 5 1" -p "dev/null c 666 0 0 1 3" \
    -p "dev/ttyS0 c 660 0 0 4 64" -p "dev/mtdblock3 b 660 0 0 31 3"

mkdir -p "$(dirname "$OUTPUT")"
SOURCE_DATE_EPOCH="$EPOCH" mkimage -A arm -O linux -T filesystem -C none -a 0 -e 0 \
    -n "Acme Cam2 $VERSION" -d rootfs.sqfs "$OUTPUT" >/dev/null
mkimage -l "$OUTPUT"
ls -l "$OUTPUT"
