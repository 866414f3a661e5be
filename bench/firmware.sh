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
#      unsquashfs -p 1 / -p 2 -d /dev/shm/… (the files iotcheck reads, on one and on
#                                            two cores, written to memory)
#      iotcheck firmware IMAGE --format json     (unpack in memory + all checks,
#                                                  the component inventory included)
#      iotcheck firmware IMAGE --sbom FILE        (the same, plus the CycloneDX SBOM)
#      binwalk -Me IMAGE                          (Debian binwalk 2: carve + extract)
#      unblob -e DIR IMAGE                        (PyPI, when installed: UNBLOB=path)
#    then the same on a raw flash dump (boot loader, LZMA uImage kernel,
#    squashfs, JFFS2 overlay at erase-block boundaries).
# 3. Component inventory side by side (the same root filesystem as a tar, so
#    both tools read the same files): iotcheck firmware ROOTFS.tar against
#    cve-bin-tool (PyPI) when it is installed and can scan offline
#    (CVE_BIN_TOOL=/path/to/cve-bin-tool to pick one); otherwise it says why.
# BASELINE=DIR (optional) names a directory holding an earlier build's
# `iotcheck` and `firmware_timing`; they are timed on the same image, rows
# marked "(baseline)", for a before/after in one run.
# Needs: squashfs-tools, u-boot-tools, mtd-utils, binwalk, time. Writes only under
# a temp dir and /dev/shm (removed on exit).
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-32}
for t in mksquashfs unsquashfs mkimage binwalk /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "bench: $t is needed (apt-get install squashfs-tools u-boot-tools binwalk time)" >&2; exit 1; }
done
cargo build --release -p iotcheck --locked >/dev/null 2>&1
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/iotcheck
base=${BASELINE:-}
if [ -n "$base" ]; then
  for t in iotcheck firmware_timing; do
    [ -x "$base/$t" ] || { echo "bench: BASELINE=$base has no executable $t" >&2; exit 1; }
  done
fi
work=$(mktemp -d)
shm=$(mktemp -d -p /dev/shm)
trap 'rm -rf "$work" "$shm"' EXIT

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
tar -c -C "$work/root" -f "$work/rootfs.tar" .
image="$work/fw.bin"
bytes=$(stat -c %s "$image")
files=$(find "$work/root" -type f | wc -l)
echo "image: $bytes bytes (uImage ▸ xz squashfs), $files files, $(du -sm "$work/root" | cut -f1) MiB unpacked; $(nproc) cores"
# Files over iotcheck's 64 MiB single-file limit are listed, not read: the
# per-core decompression rows below leave them out too, so they decode what
# iotcheck decodes.
mapfile -t big < <(cd "$work/root" && find . -type f -size +65536k | sed 's|^\./||')
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
excl=(); [ ${#big[@]} -eq 0 ] || excl=(-excludes)
for p in 1 2; do
  measure "unsquashfs -p $p -d /dev/shm (the files iotcheck reads${big[*]:+, not ${big[*]}}; $p core(s), to memory)" \
    unsquashfs -no-progress -p "$p" -d "$shm/unsq" "${excl[@]}" "$work/rootfs.sqfs" "${big[@]}"
  rm -rf "$shm/unsq"
done
measure "iotcheck firmware" "$bin" firmware "$image" --format json -o "$work/r.json" -q
[ -z "$base" ] || measure "iotcheck firmware (baseline)" "$base/iotcheck" firmware "$image" --format json -o "$work/r.json" -q
measure "iotcheck firmware --sbom" "$bin" firmware "$image" --format json -o "$work/r.json" -q --sbom "$work/sbom.json"
# binwalk 2 refuses to run its extractors as root unless told which user to run them as.
run_as=(); [ "$(id -u)" -eq 0 ] && run_as=(--run-as=root)
measure "binwalk -Me" binwalk -Me -q "${run_as[@]}" -C "$work/binwalk" "$image"
find "$work/binwalk" -name shadow -path "*etc*" | grep -q . || echo "note: binwalk did not extract etc/shadow (its result above is not a full extraction)"
rm -rf "$work/binwalk"

# unblob (PyPI), when UNBLOB names it or it is on PATH. Its squashfs handler
# runs `sasquatch`, which is not packaged for Debian; for squashfs 4
# little-endian, Debian's unsquashfs (of which sasquatch is a patched copy)
# stands in for it through a shim directory, and the table says so.
unblob=${UNBLOB:-$(command -v unblob || true)}
if [ -n "$unblob" ] && [ -x "$unblob" ]; then
  mkdir -p "$work/shim"
  command -v sasquatch >/dev/null || ln -s "$(command -v unsquashfs)" "$work/shim/sasquatch"
  printf '#!/bin/sh\nPATH="%s:%s:$PATH" exec "%s" -e "$1" -d 8 -p 1 "$2"\n' \
    "$work/shim" "$(dirname "$unblob")" "$unblob" > "$work/run_unblob"
  chmod +x "$work/run_unblob"
  run_unblob="$work/run_unblob"
  measure "unblob -e (sasquatch = Debian unsquashfs)" "$run_unblob" "$work/unblob" "$image"
  find "$work/unblob" -name shadow -path "*etc*" 2>/dev/null | grep -q . || echo "note: unblob did not extract etc/shadow"
  rm -rf "$work/unblob"
else
  echo "unblob: not found (python3 -m venv u && u/bin/pip install unblob jefferson ubi_reader; UNBLOB=u/bin/unblob)"
fi

# A raw flash dump as read off a router's SPI chip: 256 KiB of boot loader
# (erased flash and a banner), a uImage kernel compressed with legacy LZMA,
# the squashfs root filesystem, and a JFFS2 overlay (mkfs.jffs2 of /etc),
# each padded to a 64 KiB erase block; no header describes the whole.
command -v mkfs.jffs2 >/dev/null || { echo "bench: mkfs.jffs2 is needed (apt-get install mtd-utils)" >&2; exit 1; }
pad64k() { local n; n=$(stat -c %s "$1"); truncate -s $(( (n + 65535) / 65536 * 65536 )) "$1"; }
head -c 262144 /dev/zero | tr '\0' '\377' > "$work/flash.bin"
printf 'U-Boot 2018.03 (bench)' | dd of="$work/flash.bin" conv=notrunc status=none
(cat /usr/bin/bash /usr/bin/perl 2>/dev/null || true) | head -c 4000000 > "$work/vmlinux"
xz --format=lzma -c "$work/vmlinux" > "$work/vmlinux.lzma"
mkimage -A mips -O linux -T kernel -C lzma -a 0x80000000 -e 0x80000000 -n "MIPS OpenWrt Linux-4.14.95" \
  -d "$work/vmlinux.lzma" "$work/kernel.uimage" >/dev/null
pad64k "$work/kernel.uimage"
cp "$work/rootfs.sqfs" "$work/rootfs.pad" && pad64k "$work/rootfs.pad"
mkfs.jffs2 -q -e 0x10000 -p -r /etc -o "$work/overlay.jffs2" 2>/dev/null || true
cat "$work/kernel.uimage" "$work/rootfs.pad" "$work/overlay.jffs2" >> "$work/flash.bin"
image="$work/flash.bin"
echo
echo "raw flash dump: $(stat -c %s "$image") bytes (boot loader ▸ uImage lzma kernel ▸ xz squashfs ▸ JFFS2 overlay)"
echo
echo "| command | wall | peak memory |"
echo "|---|---|---|"
measure "iotcheck firmware" "$bin" firmware "$image" --format json -o "$work/r.json" -q
[ -z "$base" ] || measure "iotcheck firmware (baseline)" "$base/iotcheck" firmware "$image" --format json -o "$work/r.json" -q
measure "binwalk -Me" binwalk -Me -q "${run_as[@]}" -C "$work/binwalk" "$image"
rm -rf "$work/binwalk"
if [ -n "$unblob" ] && [ -x "$unblob" ]; then
  measure "unblob -e (sasquatch = Debian unsquashfs)" "$run_unblob" "$work/unblob" "$image"
  rm -rf "$work/unblob"
fi
image="$work/fw.bin"

echo
echo "where iotcheck's time goes (in-process, best of 3; examples/firmware_timing.rs):"
echo
echo "| image | unpacked | unpack | component inventory | other checks | found |"
echo "|---|---|---|---|---|---|"
cargo build --release -p iotcheck-firmware --example firmware_timing --locked >/dev/null 2>&1
timing=${CARGO_TARGET_DIR:-$PWD/target}/release/examples/firmware_timing
"$timing" "$image"
[ -z "$base" ] || "$base/firmware_timing" "$image" | sed 's/^| \([^|]*\) |/| \1 (baseline) |/'
"$timing" "$work/rootfs.tar"

echo
echo "component inventory of the same files as a tar ($(stat -c %s "$work/rootfs.tar") bytes):"
echo
echo "| command | wall | peak memory | components |"
echo "|---|---|---|---|"
measure_inv() { # name, count-command, command...
  local name=$1 count=$2; shift 2
  cat "$work/rootfs.tar" > /dev/null
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" > /dev/null 2> "$work/err" || true
  read -r secs kb < <(tail -n 1 "$work/t")
  printf '| %s | %.2f s | %.0f MiB | %s |\n' "$name" "$secs" "$(echo "$kb / 1024" | bc -l)" "$(eval "$count")"
}
measure_inv "iotcheck firmware ROOTFS.tar" \
  "python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))[\"components\"]))' $work/inv.json" \
  "$bin" firmware "$work/rootfs.tar" --format json -o "$work/inv.json" -q
# cve-bin-tool (PyPI) cannot scan offline without an NVD database
# ("Database does not exist"), and fetching one is network use. Its detection
# is run instead as it runs inside cve-bin-tool: every checker's
# get_version() over its own strings parser, on ELF files of the extracted
# tree (the tar is extracted first, as cve-bin-tool would). Its sqlite
# checker fetches https://www.sqlite.org/changes.html when imported, so it is
# left out. CVE_BIN_TOOL_PYTHON names a python with cve-bin-tool installed.
py=${CVE_BIN_TOOL_PYTHON:-python3}
if ! "$py" -c 'import cve_bin_tool' 2>/dev/null; then
  echo "cve-bin-tool: not importable by $py (python3 -m venv v && v/bin/pip install cve-bin-tool; CVE_BIN_TOOL_PYTHON=v/bin/python)"
else
  cat > "$work/cbt_detect.py" <<'PY'
import json, os, sys
from cve_bin_tool.checkers import BUILTIN_CHECKERS
from cve_bin_tool.strings import parse_strings
checkers = {n: e.load()() for n, e in BUILTIN_CHECKERS.items() if n != "sqlite"}
found = set()
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        p = os.path.join(root, f)
        if os.path.islink(p) or not os.path.isfile(p):
            continue
        with open(p, "rb") as fh:
            if fh.read(4) != b"\x7fELF":
                continue
        lines = parse_strings(p)
        for name, ch in checkers.items():
            r = ch.get_version(lines, p)
            for x in ([r] if "is_or_contains" in r else r):
                if isinstance(x, dict) and "is_or_contains" in x and x.get("version", "UNKNOWN") != "UNKNOWN":
                    found.add((name, x["version"]))
json.dump(sorted(found), open(sys.argv[2], "w"))
PY
  mkdir -p "$work/x" && tar -xf "$work/rootfs.tar" -C "$work/x"
  mkdir -p "${XDG_CACHE_HOME:-$HOME/.cache}/cve-bin-tool"
  measure_inv "cve-bin-tool checkers (strings + get_version, no DB)" \
    "python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' $work/cbt.json 2>/dev/null || echo 'no result: '\$(tail -n 1 $work/err)" \
    "$py" "$work/cbt_detect.py" "$work/x" "$work/cbt.json"
fi
