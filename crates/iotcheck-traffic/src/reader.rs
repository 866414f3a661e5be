//! Reading pcap and pcapng (optionally gzip-compressed) as a stream of
//! frames, with pcap-parser's block parsers over a fixed, reused buffer.
//!
//! pcap-parser's own streaming reader shifts its buffer on every refill;
//! here the buffer is large (4 MiB plus one maximal frame) and only the
//! partial block at its end moves, so parsing costs little beyond the read
//! itself. Memory stays bounded whatever the file size: a block that claims
//! more than [`crate::Limits::max_frame_bytes`] is an error naming its
//! frame, not a reason to grow.

use std::io::Read;

use pcap_parser::pcap::{parse_pcap_frame, parse_pcap_frame_be, parse_pcap_header};
use pcap_parser::pcapng::{parse_block_be, parse_block_le};
use pcap_parser::{Block, Linktype, PcapError};

/// One captured frame.
#[derive(Debug)]
pub(crate) struct Frame<'a> {
    /// 1-based, as Wireshark numbers frames.
    pub number: u64,
    pub linktype: Linktype,
    /// Capture time, Unix seconds (0 when the format gives none).
    pub ts: u32,
    pub data: &'a [u8],
}

/// How reading stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The whole capture was read.
    End,
    /// Reading stopped early; the frames before were processed.
    Error(String),
}

#[derive(Clone, Copy)]
enum Format {
    Legacy {
        big_endian: bool,
        linktype: Linktype,
    },
    Ng {
        big_endian: bool,
    },
}

/// What parsing one block at the buffer's position gave.
enum Step {
    /// A block of this many bytes was handled.
    Advance(usize),
    /// More bytes are needed (at least this many in all, if known).
    Need(Option<usize>),
    Corrupt(String),
}

const CHUNK: usize = 256 << 10;

struct Buffer<R> {
    reader: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
}

impl<R: Read> Buffer<R> {
    /// Moves the unparsed tail to the front and reads until full or EOF.
    fn refill(&mut self) -> std::io::Result<()> {
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        while self.end < self.buf.len() && !self.eof {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }
}

fn needed<E>(e: &nom::Err<PcapError<E>>) -> Option<Option<usize>> {
    match e {
        nom::Err::Incomplete(nom::Needed::Size(n)) => Some(Some(n.get())),
        nom::Err::Incomplete(nom::Needed::Unknown) => Some(None),
        nom::Err::Error(PcapError::Incomplete(n)) | nom::Err::Failure(PcapError::Incomplete(n)) => {
            Some(Some(*n))
        }
        _ => None,
    }
}

/// Reads every frame and hands it to `each`. Returns how reading ended.
pub(crate) fn read_frames<R: Read>(
    reader: R,
    max_frame_bytes: usize,
    mut each: impl FnMut(Frame<'_>),
) -> Stop {
    let mut b = Buffer {
        reader,
        buf: vec![0; CHUNK + max_frame_bytes + 4096],
        start: 0,
        end: 0,
        eof: false,
    };
    if let Err(e) = b.refill() {
        return Stop::Error(format!("cannot read: {e}"));
    }
    let head = b.data();
    if head.is_empty() {
        return Stop::Error("empty file".into());
    }
    let mut format = if head.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) {
        Format::Ng {
            big_endian: head.get(8..12) == Some(&[0x1a, 0x2b, 0x3c, 0x4d]),
        }
    } else {
        match parse_pcap_header(head) {
            Ok((_, h)) => {
                b.start += 24;
                Format::Legacy {
                    big_endian: h.is_bigendian(),
                    linktype: h.network,
                }
            }
            Err(_) => return Stop::Error("not a pcap or pcapng capture".into()),
        }
    };
    let mut number: u64 = 0;
    // pcapng: link type per interface, per section.
    // (link type, timestamp resolution in units per second, offset in seconds)
    let mut interfaces: Vec<(Linktype, u64, u64)> = Vec::new();
    loop {
        if b.data().is_empty() {
            if b.eof {
                return Stop::End;
            }
            if let Err(e) = b.refill() {
                return Stop::Error(format!("read error after frame {number}: {e}"));
            }
            continue;
        }
        let data = b.data();
        let step = match format {
            Format::Legacy {
                big_endian,
                linktype,
            } => {
                let r = if big_endian {
                    parse_pcap_frame_be(data)
                } else {
                    parse_pcap_frame(data)
                };
                match r {
                    Ok((rest, block)) => {
                        number += 1;
                        let len = (block.caplen as usize).min(block.data.len());
                        each(Frame {
                            number,
                            linktype,
                            ts: block.ts_sec,
                            data: &block.data[..len],
                        });
                        Step::Advance(data.len() - rest.len())
                    }
                    Err(e) => match needed(&e) {
                        Some(n) => Step::Need(n),
                        None => Step::Corrupt(format!("corrupt record after frame {number}")),
                    },
                }
            }
            Format::Ng { big_endian } => {
                let r = if big_endian {
                    parse_block_be(data)
                } else {
                    parse_block_le(data)
                };
                match r {
                    Ok((rest, block)) => {
                        match block {
                            Block::SectionHeader(shb) => {
                                interfaces.clear();
                                format = Format::Ng {
                                    big_endian: shb.big_endian(),
                                };
                            }
                            Block::InterfaceDescription(idb) => interfaces.push((
                                idb.linktype,
                                idb.ts_resolution().unwrap_or(1_000_000),
                                idb.if_tsoffset.max(0) as u64,
                            )),
                            Block::EnhancedPacket(epb) => {
                                number += 1;
                                let len = (epb.caplen as usize).min(epb.data.len());
                                let (linktype, resolution, offset) = interfaces
                                    .get(epb.if_id as usize)
                                    .copied()
                                    .unwrap_or((Linktype::ETHERNET, 1_000_000, 0));
                                let ts = if resolution == 0 {
                                    0
                                } else {
                                    epb.decode_ts(offset, resolution).0
                                };
                                each(Frame {
                                    number,
                                    linktype,
                                    ts,
                                    data: &epb.data[..len],
                                });
                            }
                            Block::SimplePacket(spb) => {
                                number += 1;
                                let len = (spb.origlen as usize).min(spb.data.len());
                                let linktype =
                                    interfaces.first().map_or(Linktype::ETHERNET, |i| i.0);
                                each(Frame {
                                    number,
                                    linktype,
                                    ts: 0,
                                    data: &spb.data[..len],
                                });
                            }
                            _ => {}
                        }
                        Step::Advance(data.len() - rest.len())
                    }
                    Err(e) => match needed(&e) {
                        Some(n) => Step::Need(n),
                        None => Step::Corrupt(format!("corrupt block after frame {number}")),
                    },
                }
            }
        };
        match step {
            Step::Advance(n) => b.start += n,
            Step::Corrupt(why) => return Stop::Error(why),
            Step::Need(n) => {
                let have = b.data().len();
                let too_big = n.is_some_and(|n| n > max_frame_bytes + 4096)
                    || (b.start == 0 && b.end == b.buf.len());
                if too_big {
                    return Stop::Error(format!(
                        "frame {} claims more than {max_frame_bytes} bytes; reading stopped there",
                        number + 1
                    ));
                }
                if b.eof {
                    return Stop::Error(format!(
                        "truncated after frame {number}: the last block is incomplete ({have} bytes left)"
                    ));
                }
                if let Err(e) = b.refill() {
                    return Stop::Error(format!("read error after frame {number}: {e}"));
                }
            }
        }
    }
}
