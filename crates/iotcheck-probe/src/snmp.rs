//! SNMP v2c community strings (RFC 3416): a GetRequest for sysDescr.0 with
//! each community; an agent answers only communities it accepts, so any
//! matching response is access. BER is written and read by hand for this
//! one message shape (a general ASN.1 crate would be more code to drive).

use std::sync::Arc;

use crate::audit::{self, Attempt};
use crate::scope::{Net, Target};
use crate::transcript::Transcript;
use crate::{Credential, ProbeOptions, Service, Shared};

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = body.len();
    if n < 128 {
        v.push(n as u8);
    } else {
        v.push(0x82);
        v.extend_from_slice(&u16::try_from(n).unwrap_or(0).to_be_bytes());
    }
    v.extend_from_slice(body);
    v
}

/// GetRequest sysDescr.0 (1.3.6.1.2.1.1.1.0), version 2c.
pub(crate) fn get_request(community: &str, id: u16) -> Vec<u8> {
    let oid = tlv(0x06, &[0x2b, 6, 1, 2, 1, 1, 1, 0]);
    let varbind = tlv(0x30, &[oid, vec![0x05, 0x00]].concat());
    let list = tlv(0x30, &varbind);
    let pdu = tlv(
        0xa0,
        &[
            tlv(0x02, &id.to_be_bytes()),
            tlv(0x02, &[0]),
            tlv(0x02, &[0]),
            list,
        ]
        .concat(),
    );
    let c = community.as_bytes();
    tlv(
        0x30,
        &[tlv(0x02, &[1]), tlv(0x04, &c[..c.len().min(255)]), pdu].concat(),
    )
}

/// One BER element: (tag, body, rest). Lengths are checked against the input.
fn element(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, hdr) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 2 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = len << 8 | usize::from(*b.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let body = b.get(hdr..hdr.checked_add(len)?)?;
    Some((tag, body, &b[hdr + len..]))
}

/// A GetResponse: (community, request id, first value as text).
pub fn parse_response(b: &[u8]) -> Option<(String, u32, String)> {
    let (tag, msg, _) = element(b)?;
    if tag != 0x30 {
        return None;
    }
    let (_, _version, rest) = element(msg)?;
    let (ctag, community, rest) = element(rest)?;
    if ctag != 0x04 {
        return None;
    }
    let (ptag, pdu, _) = element(rest)?;
    if ptag != 0xa2 {
        return None;
    }
    let (_, id, rest) = element(pdu)?;
    let id = id.iter().take(4).fold(0u32, |a, &x| a << 8 | u32::from(x));
    let (_, _status, rest) = element(rest)?;
    let (_, _index, rest) = element(rest)?;
    let value = element(rest)
        .and_then(|(_, list, _)| element(list))
        .and_then(|(_, vb, _)| element(vb))
        .and_then(|(_, _, after_oid)| element(after_oid))
        .map(|(_, v, _)| crate::parse::printable(v, 120))
        .unwrap_or_default();
    Some((String::from_utf8_lossy(community).into_owned(), id, value))
}

async fn try_community(net: Arc<Net>, s: Service, c: Credential, show: bool) -> Attempt {
    let t = Target {
        name: s.host.clone(),
        addr: s.addr,
    };
    let mut tr = Transcript::new(show);
    tr.sent_secret("GetRequest sysDescr.0 community=", &c.password, "");
    match net
        .udp_exchange(
            &t,
            s.port,
            &[&get_request(c.password.expose(), 0x4242)],
            net.limits()
                .io_timeout
                .min(std::time::Duration::from_secs(2)),
            4096,
        )
        .await
    {
        Ok(Some(r)) => match parse_response(&r) {
            Some((_, 0x4242, value)) => {
                tr.received_note(&format!("GetResponse sysDescr.0 = {value}"));
                Attempt::Accepted("community", tr.into_lines(), None)
            }
            _ => Attempt::Rejected,
        },
        Ok(None) => Attempt::Rejected,
        Err(e) => Attempt::Failed(e.to_string()),
    }
}

pub(crate) async fn audit(net: &Arc<Net>, opts: &ProbeOptions, shared: &Shared, s: &Service) {
    let show = opts.show_secrets;
    let creds = opts
        .audit
        .communities
        .iter()
        .map(|c| Credential::new("community", c.clone()))
        .collect();
    let s2 = s.clone();
    audit::run(net, opts, shared, s, creds, false, 1, move |net, c| {
        try_community(net, s2.clone(), c, show)
    })
    .await;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn request_shape_and_response() {
        let q = get_request("public", 7);
        assert_eq!(&q[..2], &[0x30, u8::try_from(q.len() - 2).unwrap()]);
        // Turn our request into a response carrying an OCTET STRING value.
        let oid = tlv(0x06, &[0x2b, 6, 1, 2, 1, 1, 1, 0]);
        let vb = tlv(0x30, &[oid, tlv(0x04, b"Linux cam")].concat());
        let pdu = tlv(
            0xa2,
            &[
                tlv(0x02, &[0, 7]),
                tlv(0x02, &[0]),
                tlv(0x02, &[0]),
                tlv(0x30, &vb),
            ]
            .concat(),
        );
        let r = tlv(0x30, &[tlv(0x02, &[1]), tlv(0x04, b"public"), pdu].concat());
        assert_eq!(
            parse_response(&r),
            Some(("public".into(), 7, "Linux cam".into()))
        );
        assert_eq!(parse_response(&r[..r.len() - 1]), None);
    }
}
