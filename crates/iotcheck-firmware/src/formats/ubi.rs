//! UBI, the volume layer of raw NAND flash: an image as `ubinize` writes it
//! or a raw dump of a UBI partition, read from a byte slice.
//!
//! Our own parser: no usable crate reads UBI (the `ubi` tools and Python's
//! `ubi_reader` are not Rust libraries). Written from Linux
//! `drivers/mtd/ubi/ubi-media.h` (EC and VID headers, the volume table
//! record, the layout volume) and `include/uapi/mtd/ubi-user.h` (volume
//! types), with `drivers/mtd/ubi/attach.c` for which copy of a logical
//! erase block wins.
//!
//! How it reads: the image is a run of physical erase blocks (PEBs) of one
//! size, each starting with an erase-counter (EC) header (`UBI#`) that says
//! where the volume-identifier (VID) header (`UBI!`) and the data start.
//! The PEB size is not stored: it is the first power of two from 16 KiB to
//! 2 MiB at which another valid EC header follows (the whole image when
//! there is a single PEB). Every header's CRC is checked; a PEB without a
//! VID header is free. The layout volume (`0x7FFFEFFF`) holds the volume
//! table (names, reserved PEBs, types); each volume is rebuilt from its
//! logical erase blocks (LEBs) in order, the copy with the highest sequence
//! number winning, missing LEBs read as erased (`0xFF`), then unpacked as
//! whatever it holds (usually UBIFS or squashfs) under a layer named
//! `/volumes/<name>`; a volume no reader recognises is kept as a file of
//! that name. An LEB number past the PEBs the image holds (or past the
//! volume's reserved PEBs) is a note, so a volume is never larger than the
//! image; volumes also count against the unpack and expansion limits.
//!
//! CRCs are the kernel's `crc32(UBI_CRC32_INIT = 0xFFFFFFFF, …)` without a
//! final inversion, i.e. `!crc32fast::hash`.

use std::collections::BTreeMap;

use crate::image::EntryKind;
use crate::unpack::Unpacker;

pub(crate) const EC_MAGIC: [u8; 4] = *b"UBI#";
const VID_MAGIC: [u8; 4] = *b"UBI!";
const HDR_LEN: usize = 64;
/// The volume holding the volume table.
const LAYOUT_VOLUME_ID: u32 = 0x7FFF_EFFF;
/// User volumes have ids below this (`UBI_MAX_VOLUMES`).
const MAX_VOLUMES: u32 = 128;
const VTBL_RECORD_LEN: usize = 172;
const VOL_NAME_MAX: usize = 127;
const VOLUME_STATIC: u8 = 2;
const MIN_PEB: usize = 16 << 10;
const MAX_PEB: usize = 2 << 20;
/// Bytes all volumes together may take, as a multiple of the image: a
/// volume only copies the image's own erase blocks (the reserved PEBs of
/// all volumes fit in the partition), so more means forged LEB numbers
/// asking for erased filler.
const MAX_VOLUME_RATIO: u64 = 2;

/// The kernel's `crc32(UBI_CRC32_INIT, data, len)`.
pub(crate) fn crc(data: &[u8]) -> u32 {
    !crc32fast::hash(data)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// An erase-counter header that passed its CRC.
#[derive(Debug, Clone, Copy)]
struct EcHeader {
    vid_hdr_offset: usize,
    data_offset: usize,
}

fn ec_header(data: &[u8], at: usize) -> Result<EcHeader, String> {
    let h = at
        .checked_add(HDR_LEN)
        .and_then(|end| data.get(at..end))
        .ok_or("EC header truncated")?;
    if h.get(..4) != Some(&EC_MAGIC[..]) {
        return Err("no UBI# magic".into());
    }
    let stored = be32(h, 60).ok_or("EC header truncated")?;
    if crc(h.get(..60).ok_or("EC header truncated")?) != stored {
        return Err(format!("EC header at {at:#x} fails its CRC"));
    }
    let vid = be32(h, 16).ok_or("EC header truncated")? as usize;
    let dat = be32(h, 20).ok_or("EC header truncated")? as usize;
    if vid < HDR_LEN || dat < vid.saturating_add(HDR_LEN) || dat >= MAX_PEB {
        return Err(format!(
            "EC header at {at:#x} gives VID header offset {vid} and data offset {dat}, which do \
             not fit a PEB"
        ));
    }
    Ok(EcHeader {
        vid_hdr_offset: vid,
        data_offset: dat,
    })
}

/// A volume-identifier header that passed its CRC.
#[derive(Debug, Clone, Copy)]
struct VidHeader {
    vol_type: u8,
    vol_id: u32,
    lnum: u32,
    data_size: u32,
    sqnum: u64,
}

enum Vid {
    /// Erased: a free PEB.
    Empty,
    Header(VidHeader),
}

fn vid_header(data: &[u8], at: usize) -> Result<Vid, String> {
    let h = at
        .checked_add(HDR_LEN)
        .and_then(|end| data.get(at..end))
        .ok_or("VID header truncated")?;
    if h.iter().all(|&b| b == 0xff) {
        return Ok(Vid::Empty);
    }
    if h.get(..4) != Some(&VID_MAGIC[..]) {
        return Err(format!("no VID header (UBI!) at {at:#x}"));
    }
    let stored = be32(h, 60).ok_or("VID header truncated")?;
    if crc(h.get(..60).ok_or("VID header truncated")?) != stored {
        return Err(format!("VID header at {at:#x} fails its CRC"));
    }
    let short = || "VID header truncated".to_string();
    Ok(Vid::Header(VidHeader {
        vol_type: *h.get(5).ok_or_else(short)?,
        vol_id: be32(h, 8).ok_or_else(short)?,
        lnum: be32(h, 12).ok_or_else(short)?,
        data_size: be32(h, 20).ok_or_else(short)?,
        sqnum: be64(h, 40).ok_or_else(short)?,
    }))
}

/// The dry-run check: an EC header whose CRC holds, then a VID header whose
/// CRC holds or an erased VID area.
pub(crate) fn validate(data: &[u8]) -> Result<(), String> {
    let ec = ec_header(data, 0)?;
    vid_header(data, ec.vid_hdr_offset).map(|_| ())
}

/// The PEB size: the first power of two at which another EC header holds.
fn peb_size(data: &[u8]) -> usize {
    let mut p = MIN_PEB;
    while p <= MAX_PEB {
        if ec_header(data, p).is_ok() {
            return p;
        }
        p <<= 1;
    }
    data.len().min(MAX_PEB)
}

/// One logical erase block found in a PEB.
#[derive(Debug, Clone, Copy)]
struct Leb {
    sqnum: u64,
    /// Where its data starts in the image, and how many bytes it holds.
    start: usize,
    len: usize,
}

/// One volume-table record.
#[derive(Debug, Clone)]
struct VolumeRecord {
    reserved_pebs: u32,
    vol_type: u8,
    name: String,
}

fn volume_table(table: &[u8]) -> (BTreeMap<u32, VolumeRecord>, usize) {
    let mut out = BTreeMap::new();
    let mut bad = 0;
    for (id, rec) in table
        .chunks_exact(VTBL_RECORD_LEN)
        .take(MAX_VOLUMES as usize)
        .enumerate()
    {
        let (Some(body), Some(stored)) = (rec.get(..168), be32(rec, 168)) else {
            continue;
        };
        if crc(body) != stored {
            bad += 1;
            continue;
        }
        let reserved_pebs = be32(rec, 0).unwrap_or(0);
        if reserved_pebs == 0 {
            continue;
        }
        let name_len = usize::from(u16::from_be_bytes([
            rec.get(14).copied().unwrap_or(0),
            rec.get(15).copied().unwrap_or(0),
        ]))
        .min(VOL_NAME_MAX);
        let name = rec.get(16..16 + name_len).unwrap_or(&[]);
        out.insert(
            id as u32,
            VolumeRecord {
                reserved_pebs,
                vol_type: rec.get(12).copied().unwrap_or(0),
                name: String::from_utf8_lossy(name).into_owned(),
            },
        );
    }
    (out, bad)
}

/// A volume name safe as one path component.
fn component(name: &str, id: u32) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c == '/' || c.is_control() { '_' } else { c })
        .collect();
    if clean.is_empty() || clean == "." || clean == ".." {
        format!("volume{id}")
    } else {
        clean
    }
}

/// Reads the UBI image at the start of `data` under `layer`; returns the
/// bytes it covers (the run of PEBs with EC headers).
pub(crate) fn read(u: &mut Unpacker<'_>, data: &[u8], layer: &[String], depth: usize) -> u64 {
    if let Err(why) = ec_header(data, 0) {
        u.note(layer, format!("not a UBI image: {why}"));
        return 0;
    }
    let peb = peb_size(data);
    let mut lebs: BTreeMap<u32, BTreeMap<u32, Leb>> = BTreeMap::new();
    let mut covered = 0usize;
    let mut pebs = 0usize;
    let mut bad: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut count_bad = |what: &str, at: usize| {
        bad.entry(what.to_string()).or_insert((0, at)).0 += 1;
    };
    let mut vids: Vec<(usize, EcHeader, VidHeader)> = Vec::new();
    let mut at = 0usize;
    while at < data.len() {
        let Some(block) = at.checked_add(peb).and_then(|end| data.get(at..end)) else {
            if data.get(at..at + 4) != Some(&EC_MAGIC[..]) {
                // What follows the image is not a PEB of it.
                break;
            }
            u.note(
                layer,
                format!(
                    "image ends {} bytes into the PEB at {at:#x} (PEB size {peb:#x}); it is \
                     truncated and that PEB was not read",
                    data.len() - at
                ),
            );
            // The cut PEB is this image's: nothing after it to scan.
            covered = data.len();
            break;
        };
        let ec = match ec_header(block, 0) {
            Ok(ec) => ec,
            Err(why) => {
                if block.iter().all(|&b| b == 0xff) {
                    // Erased, not even formatted: still part of the partition.
                    pebs += 1;
                    covered = at + peb;
                } else if block.get(..4) == Some(&EC_MAGIC[..]) {
                    count_bad("EC header CRC", at);
                    pebs += 1;
                    covered = at + peb;
                } else {
                    u.note(
                        layer,
                        format!("{why} in the PEB at {at:#x}; the UBI image is taken to end there"),
                    );
                    break;
                }
                at += peb;
                continue;
            }
        };
        pebs += 1;
        covered = at + peb;
        match vid_header(block, ec.vid_hdr_offset) {
            Ok(Vid::Empty) => {}
            Ok(Vid::Header(v)) => vids.push((at, ec, v)),
            Err(_) => count_bad("VID header", at),
        }
        at += peb;
    }
    // LEB numbers past the PEBs present cannot be real: at most one PEB per LEB.
    for (at, ec, v) in vids {
        if v.vol_id >= MAX_VOLUMES && v.vol_id != LAYOUT_VOLUME_ID {
            u.note(
                layer,
                format!(
                    "PEB at {at:#x} belongs to volume id {:#x}, not a user or layout volume; \
                     skipped",
                    v.vol_id
                ),
            );
            continue;
        }
        if v.lnum as usize >= pebs {
            u.note(
                layer,
                format!(
                    "PEB at {at:#x} claims LEB {} of volume {}, past the {pebs} PEBs of the \
                     image; skipped",
                    v.lnum, v.vol_id
                ),
            );
            continue;
        }
        let room = peb.saturating_sub(ec.data_offset);
        let len = if v.vol_type == VOLUME_STATIC {
            (v.data_size as usize).min(room)
        } else {
            room
        };
        let leb = Leb {
            sqnum: v.sqnum,
            start: at + ec.data_offset,
            len,
        };
        let vol = lebs.entry(v.vol_id).or_default();
        match vol.get(&v.lnum) {
            Some(old) if old.sqnum > leb.sqnum => {}
            _ => {
                vol.insert(v.lnum, leb);
            }
        }
    }
    for (what, (n, first)) in bad {
        u.note(
            layer,
            format!("{n} PEB(s) fail their {what} check (first at {first:#x}); skipped"),
        );
    }
    let leb_size = peb.saturating_sub(ec_header(data, 0).map(|e| e.data_offset).unwrap_or(peb));
    let table = lebs.remove(&LAYOUT_VOLUME_ID).and_then(|l| {
        l.values()
            .find_map(|leb| {
                let t = data.get(leb.start..leb.start + leb.len)?;
                let (vols, bad) = volume_table(t);
                (bad == 0).then_some(vols)
            })
            .or_else(|| {
                l.values().next().and_then(|leb| {
                    data.get(leb.start..leb.start + leb.len)
                        .map(|t| volume_table(t).0)
                })
            })
    });
    let table = match table {
        Some(t) => t,
        None => {
            u.note(
                layer,
                "no readable volume table (layout volume); volumes are named by their id",
            );
            BTreeMap::new()
        }
    };
    let budget =
        (covered as u64).saturating_mul(u.limits().max_expansion_ratio.min(MAX_VOLUME_RATIO));
    let mut read_so_far = 0u64;
    for (id, vol) in &lebs {
        let record = table.get(id);
        let name = record.map_or_else(|| format!("volume{id}"), |r| component(&r.name, *id));
        let mut vlayer = layer.to_vec();
        vlayer.push(format!("/volumes/{name}"));
        if u.out_of_time(&vlayer) {
            break;
        }
        let static_vol = record.map_or_else(
            || vol.values().any(|l| l.len < leb_size),
            |r| r.vol_type == VOLUME_STATIC,
        );
        let mut last = vol.keys().next_back().copied().unwrap_or(0);
        if let Some(r) = record
            && last >= r.reserved_pebs
        {
            u.note(
                &vlayer,
                format!(
                    "LEB {last} is past the volume's {} reserved PEBs; later LEBs dropped",
                    r.reserved_pebs
                ),
            );
            last = r.reserved_pebs.saturating_sub(1);
        }
        let size: u64 = if static_vol {
            vol.range(..=last).map(|(_, l)| l.len as u64).sum()
        } else {
            (u64::from(last) + 1).saturating_mul(leb_size as u64)
        };
        if size > u.remaining() || read_so_far.saturating_add(size) > budget {
            u.note(
                &vlayer,
                format!(
                    "volume of {size} bytes is over the unpack limit or would take the \
                     volumes past {}x the UBI image's size; not read",
                    u.limits().max_expansion_ratio.min(MAX_VOLUME_RATIO)
                ),
            );
            continue;
        }
        read_so_far = read_so_far.saturating_add(size);
        let mut bytes = Vec::with_capacity(size as usize);
        if static_vol {
            for l in vol.range(..=last).map(|(_, l)| l) {
                bytes.extend_from_slice(data.get(l.start..l.start + l.len).unwrap_or(&[]));
            }
        } else {
            bytes.resize(size as usize, 0xff);
            for (lnum, l) in vol.range(..=last) {
                let dst = *lnum as usize * leb_size;
                let n = l.len.min(leb_size);
                if let (Some(d), Some(s)) =
                    (bytes.get_mut(dst..dst + n), data.get(l.start..l.start + n))
                {
                    d.copy_from_slice(s);
                }
            }
        }
        if crate::unpack::at(u, &bytes, 0, &vlayer, depth + 1).is_none() {
            let inner = format!("/volumes/{name}");
            if let Some(why) = u.refuse_file(&inner, size, None) {
                u.note(layer, why);
                let mut p = layer.to_vec();
                p.push(inner);
                if !u.push_entry(p, EntryKind::FileSkipped { size }) {
                    break;
                }
                continue;
            }
            u.spend(size);
            let mut p = layer.to_vec();
            p.push(inner);
            if !u.push_entry(p, EntryKind::File(bytes)) {
                break;
            }
        }
    }
    covered as u64
}
