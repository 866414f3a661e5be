//! Bidirectional flows and just enough TCP reassembly to read handshakes
//! and the first application bytes each way.
//!
//! No crate does bounded, evidence-keeping TCP reassembly for offline
//! analysis (CRATES.md), so this is our own: per direction an in-order
//! prefix up to [`crate::Limits::max_stream_bytes`], out-of-order segments
//! held (bounded) until the gap fills, first-wins on overlap (the bytes a
//! receiver most likely accepted first are the ones judged), and a map from
//! stream offsets back to frame numbers for evidence.

use std::collections::HashMap;

/// Flow keys come from the capture, so the hasher is seeded per run
/// (foldhash's random state): fast, and no crafted capture can aim
/// collisions at it.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::net::IpAddr;

use crate::Limits;

/// An endpoint: address and port.
pub(crate) type Endpoint = (IpAddr, u16);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Transport {
    Tcp,
    Udp,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        }
    }
}

/// Canonical key: the two endpoints in sorted order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key(Transport, Endpoint, Endpoint);

impl Key {
    fn new(t: Transport, a: Endpoint, b: Endpoint) -> Key {
        if a <= b { Key(t, a, b) } else { Key(t, b, a) }
    }
}

/// One direction of a flow.
#[derive(Debug, Default)]
pub(crate) struct Stream {
    /// Sequence number of the first payload byte (TCP).
    base: Option<u32>,
    /// The contiguous prefix of the payload (TCP), or the first datagrams
    /// concatenated (UDP; see `datagrams`).
    pub data: Vec<u8>,
    /// Out-of-order TCP segments waiting for the gap before them.
    pending: Vec<(u32, Vec<u8>, u64)>,
    /// (offset in `data`, frame) for each piece appended.
    marks: Vec<(usize, u64)>,
    /// UDP: (offset in `data`, length) of each datagram kept.
    pub datagrams: Vec<(usize, usize)>,
    pub packets: u64,
    pub payload_bytes: u64,
    pub frame_bytes: u64,
    pub first_payload_frame: Option<u64>,
}

impl Stream {
    /// The frame that carried the byte at `offset` of `data`.
    pub fn frame_at(&self, offset: usize) -> Option<u64> {
        self.marks
            .iter()
            .rev()
            .find(|(o, _)| *o <= offset)
            .map(|(_, f)| *f)
    }

    /// Bytes this stream holds.
    fn held(&self) -> usize {
        self.data.len() + self.pending.iter().map(|(_, p, _)| p.len()).sum::<usize>()
    }

    /// The first `n` datagrams as slices (UDP).
    pub fn datagram(&self, i: usize) -> Option<&[u8]> {
        self.datagrams
            .get(i)
            .and_then(|&(o, l)| self.data.get(o..o + l))
    }

    fn push_tcp(&mut self, seq: u32, syn: bool, payload: &[u8], frame: u64, limits: &Limits) {
        if syn {
            self.base.get_or_insert(seq.wrapping_add(1));
        }
        if payload.is_empty() {
            return;
        }
        let base = *self.base.get_or_insert(seq);
        let rel = seq.wrapping_sub(base);
        if rel > u32::MAX / 2 {
            // Before the start we track (a retransmission of earlier bytes).
            return;
        }
        self.place(rel as usize, payload, frame, limits);
        // Segments that now touch the prefix can be appended.
        loop {
            let len = self.data.len();
            let Some(i) = self
                .pending
                .iter()
                .position(|(r, p, _)| (*r as usize) <= len && (*r as usize) + p.len() > len)
            else {
                self.pending
                    .retain(|(r, p, _)| (*r as usize) + p.len() > len);
                break;
            };
            let (r, p, f) = self.pending.swap_remove(i);
            self.place(r as usize, &p, f, limits);
        }
    }

    fn place(&mut self, rel: usize, payload: &[u8], frame: u64, limits: &Limits) {
        let len = self.data.len();
        if len >= limits.max_stream_bytes {
            return;
        }
        if rel <= len {
            // First wins: only the part beyond what we have is new.
            let skip = len - rel;
            if skip < payload.len() {
                let room = limits.max_stream_bytes - len;
                let new = &payload[skip..payload.len().min(skip + room)];
                self.marks.push((len, frame));
                self.data.extend_from_slice(new);
            }
        } else if rel < limits.max_stream_bytes && self.pending.len() < limits.max_pending_segments
        {
            let keep = payload.len().min(limits.max_stream_bytes - rel);
            self.pending
                .push((rel as u32, payload[..keep].to_vec(), frame));
        }
    }

    fn push_udp(&mut self, payload: &[u8], frame: u64, limits: &Limits) {
        if payload.is_empty()
            || self.datagrams.len() >= limits.max_datagrams
            || self.data.len() >= limits.max_stream_bytes
        {
            return;
        }
        let keep = payload.len().min(limits.max_stream_bytes - self.data.len());
        self.marks.push((self.data.len(), frame));
        self.datagrams.push((self.data.len(), keep));
        self.data.extend_from_slice(&payload[..keep]);
    }
}

/// A bidirectional flow, written from its initiator's side: direction 0 is
/// initiator → responder.
#[derive(Debug)]
pub(crate) struct Flow {
    pub transport: Transport,
    pub initiator: Endpoint,
    pub responder: Endpoint,
    /// MAC of each side as seen in the frames (Ethernet captures).
    pub macs: [Option<[u8; 6]>; 2],
    pub first_frame: u64,
    pub last_frame: u64,
    /// Capture time of the first frame, Unix seconds (0 if unknown).
    pub first_ts: u32,
    pub streams: [Stream; 2],
}

impl Flow {
    pub fn total_frame_bytes(&self) -> u64 {
        self.streams[0].frame_bytes + self.streams[1].frame_bytes
    }
}

/// All flows of a capture, bounded in number.
#[derive(Debug, Default)]
pub(crate) struct FlowTable {
    index: Map<Key, usize>,
    pub flows: Vec<Flow>,
    /// Packets of flows beyond the limit, not followed.
    pub untracked_packets: u64,
    /// Payload bytes held in all streams, against `Limits::max_buffered_bytes`.
    buffered: usize,
    /// Payload bytes not kept because that budget was spent.
    pub unbuffered_bytes: u64,
}

/// One TCP or UDP packet, as the flow table takes it.
pub(crate) struct Segment<'a> {
    pub transport: Transport,
    pub src: Endpoint,
    pub dst: Endpoint,
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
    pub seq: u32,
    pub syn: bool,
    pub ack: bool,
    pub payload: &'a [u8],
    pub frame: u64,
    pub frame_len: usize,
    pub ts: u32,
}

impl FlowTable {
    pub fn add(&mut self, s: Segment<'_>, limits: &Limits) {
        let key = Key::new(s.transport, s.src, s.dst);
        let idx = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                if self.flows.len() >= limits.max_flows {
                    self.untracked_packets += 1;
                    return;
                }
                let (initiator, responder) = orient(s.transport, s.src, s.dst, s.syn, s.ack);
                let i = self.flows.len();
                self.flows.push(Flow {
                    transport: s.transport,
                    initiator,
                    responder,
                    macs: [None, None],
                    first_frame: s.frame,
                    last_frame: s.frame,
                    first_ts: s.ts,
                    streams: [Stream::default(), Stream::default()],
                });
                self.index.insert(key, i);
                i
            }
        };
        let flow = &mut self.flows[idx];
        let dir = usize::from(s.src != flow.initiator);
        flow.last_frame = s.frame;
        if flow.macs[dir].is_none() {
            flow.macs[dir] = s.src_mac;
        }
        if flow.macs[1 - dir].is_none() {
            flow.macs[1 - dir] = s.dst_mac;
        }
        let stream = &mut flow.streams[dir];
        stream.packets += 1;
        stream.frame_bytes += s.frame_len as u64;
        stream.payload_bytes += s.payload.len() as u64;
        if !s.payload.is_empty() && stream.first_payload_frame.is_none() {
            stream.first_payload_frame = Some(s.frame);
        }
        if !s.payload.is_empty() && self.buffered >= limits.max_buffered_bytes {
            self.unbuffered_bytes += s.payload.len() as u64;
            return;
        }
        let before = stream.held();
        match s.transport {
            Transport::Tcp => stream.push_tcp(s.seq, s.syn, s.payload, s.frame, limits),
            Transport::Udp => stream.push_udp(s.payload, s.frame, limits),
        }
        self.buffered = (self.buffered + stream.held()).saturating_sub(before);
    }
}

/// Who started the flow: the SYN sender for TCP; otherwise the first sender,
/// unless it speaks from a well-known port to an ephemeral one (then it is
/// the reply of a conversation that began before the capture).
fn orient(
    t: Transport,
    src: Endpoint,
    dst: Endpoint,
    syn: bool,
    ack: bool,
) -> (Endpoint, Endpoint) {
    if t == Transport::Tcp && syn {
        return if ack { (dst, src) } else { (src, dst) };
    }
    if src.1 < 1024 && dst.1 >= 1024 {
        (dst, src)
    } else {
        (src, dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_stream_bytes: 16,
            ..Limits::default()
        }
    }

    #[test]
    fn reassembles_out_of_order_first_wins() {
        let l = limits();
        let mut s = Stream::default();
        s.push_tcp(100, true, b"", 1, &l);
        s.push_tcp(105, false, b"world", 3, &l);
        s.push_tcp(101, false, b"hell", 2, &l);
        assert_eq!(s.data, b"hellworld");
        // An overlapping retransmission with other bytes does not rewrite.
        s.push_tcp(101, false, b"HELLO", 4, &l);
        assert_eq!(s.data, b"hellworld");
        assert_eq!(s.frame_at(0), Some(2));
        assert_eq!(s.frame_at(5), Some(3));
    }

    #[test]
    fn prefix_is_bounded() {
        let l = limits();
        let mut s = Stream::default();
        for i in 0..100u32 {
            s.push_tcp(1000 + i * 10, false, b"0123456789", u64::from(i), &l);
        }
        assert_eq!(s.data.len(), 16);
        assert!(s.pending.len() <= l.max_pending_segments);
    }

    #[test]
    fn far_future_segments_are_not_kept() {
        let l = limits();
        let mut s = Stream::default();
        s.push_tcp(0, true, b"", 1, &l);
        s.push_tcp(1_000_000, false, b"x", 2, &l);
        assert!(s.pending.is_empty());
        // Sequence wrap-around is just arithmetic.
        let mut w = Stream::default();
        w.push_tcp(u32::MAX - 1, false, b"ab", 1, &l);
        w.push_tcp(0, false, b"cd", 2, &l);
        assert_eq!(w.data, b"abcd");
    }
}
