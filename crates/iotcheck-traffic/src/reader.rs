//! Reading pcap and pcapng (optionally gzip-compressed) as a stream of
//! frames with a fixed buffer, through pcap-parser's streaming readers.
//!
//! Memory stays bounded whatever the file size: the reader holds one
//! buffer; a block that claims more than [`crate::Limits::max_frame_bytes`]
//! is an error naming its frame, not a reason to grow.

use std::io::Read;

use pcap_parser::{Linktype, PcapBlockOwned, PcapError};

/// One captured frame.
#[derive(Debug)]
pub(crate) struct Frame<'a> {
    /// 1-based, as Wireshark numbers frames.
    pub number: u64,
    pub linktype: Linktype,
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

/// Reads every frame and hands it to `each`. Returns how reading ended.
pub(crate) fn read_frames<R: Read + Send>(
    reader: R,
    max_frame_bytes: usize,
    mut each: impl FnMut(Frame<'_>),
) -> Stop {
    // The buffer must hold the largest block we accept, plus headers.
    let capacity = (max_frame_bytes + 4096).max(65_536);
    let mut rdr = match pcap_parser::create_reader(capacity, reader) {
        Ok(r) => r,
        Err(PcapError::Eof) => return Stop::Error("empty file".into()),
        Err(PcapError::HeaderNotRecognized) => {
            return Stop::Error("not a pcap or pcapng capture".into());
        }
        Err(e) => return Stop::Error(format!("cannot read the capture header: {e:?}")),
    };
    let mut number: u64 = 0;
    // pcapng: link type per interface, per section.
    let mut interfaces: Vec<Linktype> = Vec::new();
    let mut legacy_linktype = Linktype::ETHERNET;
    // Bytes buffered at the last refill: a refill that adds nothing while
    // a block is still incomplete means the block is larger than the buffer.
    let mut last_available = usize::MAX;
    loop {
        match rdr.next() {
            Ok((offset, block)) => {
                match block {
                    PcapBlockOwned::LegacyHeader(h) => legacy_linktype = h.network,
                    PcapBlockOwned::Legacy(b) => {
                        number += 1;
                        let len = (b.caplen as usize).min(b.data.len());
                        each(Frame {
                            number,
                            linktype: legacy_linktype,
                            data: &b.data[..len],
                        });
                    }
                    PcapBlockOwned::NG(pcap_parser::Block::SectionHeader(_)) => interfaces.clear(),
                    PcapBlockOwned::NG(pcap_parser::Block::InterfaceDescription(idb)) => {
                        interfaces.push(idb.linktype)
                    }
                    PcapBlockOwned::NG(pcap_parser::Block::EnhancedPacket(epb)) => {
                        number += 1;
                        let len = (epb.caplen as usize).min(epb.data.len());
                        let linktype = interfaces
                            .get(epb.if_id as usize)
                            .copied()
                            .unwrap_or(Linktype::ETHERNET);
                        each(Frame {
                            number,
                            linktype,
                            data: &epb.data[..len],
                        });
                    }
                    PcapBlockOwned::NG(pcap_parser::Block::SimplePacket(spb)) => {
                        number += 1;
                        let len = (spb.origlen as usize).min(spb.data.len());
                        let linktype = interfaces.first().copied().unwrap_or(Linktype::ETHERNET);
                        each(Frame {
                            number,
                            linktype,
                            data: &spb.data[..len],
                        });
                    }
                    PcapBlockOwned::NG(_) => {}
                }
                rdr.consume(offset);
                last_available = usize::MAX;
            }
            Err(PcapError::Eof) => return Stop::End,
            Err(PcapError::Incomplete(_)) => {
                if rdr.reader_exhausted() {
                    // Bytes left that do not make a block: a truncated capture.
                    return if rdr.data().is_empty() {
                        Stop::End
                    } else {
                        Stop::Error(format!(
                            "truncated after frame {number}: the last block is incomplete"
                        ))
                    };
                }
                let available = rdr.data().len();
                if available == last_available {
                    return Stop::Error(format!(
                        "frame {} claims more than {max_frame_bytes} bytes; reading stopped there",
                        number + 1
                    ));
                }
                last_available = available;
                if rdr.refill().is_err() {
                    return Stop::Error(format!("read error after frame {number}"));
                }
            }
            Err(PcapError::BufferTooSmall) => {
                return Stop::Error(format!(
                    "frame {} claims more than {max_frame_bytes} bytes; reading stopped there",
                    number + 1
                ));
            }
            Err(PcapError::UnexpectedEof) => {
                return Stop::Error(format!("truncated after frame {number}"));
            }
            Err(e) => return Stop::Error(format!("corrupt block after frame {number}: {e:?}")),
        }
    }
}
