#!/usr/bin/env bash
# Benchmark of the firmware analyzer against the tool a user would otherwise
# reach for, on the same image:
#
#   bench/firmware.sh [SIZE_MIB]        (default 32)
#
# 1. Builds a real image of at least SIZE_MIB: a root filesystem of this
#    machine's own binaries and libraries (/usr/bin, /usr/lib/x86_64-linux-gnu,
#    /etc) packed with mksquashfs (xz) and wrapped in a U-Boot uImage with
#    mkimage, as embedded Linux firmware is.
# 2. Times, with peak memory (GNU time):
#      unsquashfs -d DIR (bare decompression of the same filesystem: the physical limit)
#      iotcheck firmware IMAGE --format json     (unpack in memory + all checks)
#      binwalk -Me IMAGE                          (Debian binwalk 2: carve + extract)
# Needs: squashfs-tools, u-boot-tools, binwalk, time. Writes only under a temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-32}
for t in mksquashfs unsquashfs mkimage binwalk /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "bench: $t is needed (apt-get install squashfs-tools u-boot-tools binwalk time)" >&2; exit 1; }
done
cargo build --release -p iotcheck --locked >/dev/null 2>&1
bin=$PWD/target/release/iotcheck
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A root filesystem of real binaries, grown until the packed image is big enough.
mkdir -p "$work/root/etc" "$work/root/usr/bin" "$work/root/usr/lib"
cp -a /etc/passwd /etc/group "$work/root/etc/"
printf 'root:*:19000:0:99999:7:::\n' > "$work/root/etc/shadow"
for f in /usr/bin/* /usr/lib/x86_64-linux-gnu/*.so*; do
  [ -f "$f" ] && [ ! -L "$f" ] || continue
  case "$f" in /usr/bin/*) cp "$f" "$work/root/usr/bin/" ;; *) cp "$f" "$work/root/usr/lib/" ;; esac
  if [ $(( $(du -sm "$work/root" | cut -f1) )) -ge $(( size_mib * 3 )) ]; then break; fi
done
mksquashfs "$work/root" "$work/rootfs.sqfs" -comp xz -all-root -noappend -quiet >/dev/null
mkimage -A x86 -O linux -T filesystem -C none -n "bench rootfs" -d "$work/rootfs.sqfs" "$work/fw.bin" >/dev/null
image="$work/fw.bin"
bytes=$(stat -c %s "$image")
files=$(find "$work/root" -type f | wc -l)
echo "image: $bytes bytes (uImage ▸ xz squashfs), $files files, $(du -sm "$work/root" | cut -f1) MiB unpacked; $(nproc) cores"
rm -rf "$work/root"

measure() { # name, command...
  local name=$1; shift
  cat "$image" > /dev/null
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" > /dev/null 2> "$work/err" || true
  read -r secs kb < <(tail -n 1 "$work/t")
  printf '| %s | %.2f s | %.0f MiB |\n' "$name" "$secs" "$(echo "$kb / 1024" | bc -l)"
}

echo
echo "| command | wall | peak memory |"
echo "|---|---|---|"
measure "unsquashfs -d (bare decompression)" unsquashfs -no-progress -d "$work/unsq" "$work/rootfs.sqfs"
rm -rf "$work/unsq"
measure "iotcheck firmware" "$bin" firmware "$image" --format json -o "$work/r.json" -q
# binwalk 2 refuses to run its extractors as root unless told which user to run them as.
run_as=(); [ "$(id -u)" -eq 0 ] && run_as=(--run-as=root)
measure "binwalk -Me" binwalk -Me -q "${run_as[@]}" -C "$work/binwalk" "$image"
find "$work/binwalk" -name shadow -path "*etc*" | grep -q . || echo "note: binwalk did not extract etc/shadow (its result above is not a full extraction)"
