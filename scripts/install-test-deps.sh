#!/usr/bin/env bash
# Installs what iotcheck's tests need beyond a Rust toolchain: Debian packages
# for the browser test (Chromium renders the HTML report), for building
# firmware images in the firmware tests (mksquashfs), and the daemons of the
# probe's simulated devices (crates/iotcheck-probe/tests/lab/device.sh:
# busybox telnetd, dropbear, vsftpd, mosquitto, lighttpd, openssl s_server,
# ip/ss/unshare). Idempotent: skips
# what is already installed. Needs root (or sudo) for apt-get.
set -euo pipefail

packages=(chromium squashfs-tools dropbear-bin vsftpd mosquitto mosquitto-clients lighttpd openssl iproute2 util-linux)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# busybox (telnetd) comes as `busybox` or `busybox-static`: either will do,
# and installing one removes the other.
command -v busybox >/dev/null 2>&1 || missing+=(busybox)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: all present (${packages[*]})"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-test-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
