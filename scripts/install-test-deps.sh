#!/usr/bin/env bash
# Installs what iotcheck's tests need beyond a Rust toolchain: Debian packages
# for the browser test (Chromium renders the HTML report), for building
# firmware images in the firmware tests (mksquashfs), and the daemons of the
# probe's simulated devices (crates/iotcheck-probe/tests/lab/device.sh:
# busybox telnetd, dropbear, OpenSSH sshd, vsftpd, mosquitto, lighttpd, openssl s_server,
# ip/ss/unshare), the filesystem tools listed below, lighttpd and openssl again for the security.txt fetch tests
# on loopback, and GnuPG for the tests that sign a security.txt at run time.
# Idempotent: skips
# what is already installed. Needs root (or sudo) for apt-get.
set -euo pipefail

# The official CycloneDX JSON schemas, for the tests that validate the SBOMs
# iotcheck writes: as the PyPI package cyclonedx-python-lib (Apache-2.0)
# ships them, installed outside the repository (no dependencies needed: only
# its schema files are read).
cdx_dir="${HOME}/.cache/iotcheck-test-deps/cyclonedx-python-lib"
if [ ! -f "$cdx_dir/cyclonedx/schema/_res/bom-1.5.SNAPSHOT.schema.json" ]; then
  echo "install-test-deps: installing the CycloneDX schemas (cyclonedx-python-lib) into $cdx_dir"
  python3 -m pip install -q --no-deps --disable-pip-version-check --target "$cdx_dir" cyclonedx-python-lib==11.12.0
fi

packages=(chromium squashfs-tools dropbear-bin openssh-server vsftpd mosquitto mosquitto-clients lighttpd openssl iproute2 util-linux gnupg)
# The filesystem and container tools the firmware tests build images with:
# mkfs.cramfs (util-linux-extra), genromfs, mkfs.jffs2 (mtd-utils),
# mke2fs -d (e2fsprogs), mkimage for uImage/FIT (u-boot-tools) and dtc,
# zip, the zstd, lz4, bzip2 and xz compressors, and cpio (a FIT's ramdisk).
packages+=(util-linux-extra genromfs mtd-utils e2fsprogs u-boot-tools device-tree-compiler zip zstd lz4 bzip2 xz-utils cpio)
# unyaffs: the reference the YAFFS2 tests compare iotcheck's tree with
# (tests/it/yaffs2.rs; no Debian package writes YAFFS2 images).
packages+=(unyaffs)
# mkpasswd: yescrypt and bcrypt shadow hashes made the way Debian makes them.
packages+=(whois)

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
