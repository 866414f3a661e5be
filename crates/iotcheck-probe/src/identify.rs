//! Service identification by what a port answers, not by its number.
//!
//! A port is first given a moment to speak (SSH, Telnet, FTP, SMTP greet
//! first); a silent one is sent probes (a TLS ClientHello, an HTTP request,
//! an MQTT CONNECT, an RTSP OPTIONS), ordered by what the port usually
//! carries, and the reply decides.

pub use crate::discover::identify_udp;

use crate::Protocol;
use crate::parse::{IAC, ftp_reply, looks_like_http, mqtt_connack};

/// What was sent before the response (none: the server spoke first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    Banner,
    TlsHello,
    Http,
    Mqtt,
    Rtsp,
}

/// The protocol `response` shows, if any.
pub fn identify(probe: Probe, response: &[u8]) -> Option<Protocol> {
    if response.is_empty() {
        return None;
    }
    match probe {
        Probe::Banner => banner(response),
        Probe::TlsHello => {
            // A handshake record or an alert in a TLS record layer (RFC 8446 §5.1).
            let is_tls = response.len() >= 3
                && (response[0] == 0x16 || response[0] == 0x15)
                && response[1] == 0x03
                && response[2] <= 0x04;
            is_tls.then_some(Protocol::Tls)
        }
        Probe::Http | Probe::Rtsp => {
            if response.starts_with(b"RTSP/1.0") {
                Some(Protocol::Rtsp)
            } else if looks_like_http(response) {
                Some(Protocol::Http)
            } else {
                banner(response)
            }
        }
        Probe::Mqtt => mqtt_connack(response).map(|_| Protocol::Mqtt),
    }
}

fn banner(b: &[u8]) -> Option<Protocol> {
    if b.starts_with(b"SSH-") {
        return Some(Protocol::Ssh);
    }
    if b[0] == IAC && b.len() >= 2 && (0xfb..=0xfe).contains(&b[1]) {
        return Some(Protocol::Telnet);
    }
    if let Some((code, _)) = ftp_reply(b) {
        let smtp = contains_ci(b, b"smtp");
        return match code {
            220 if smtp => Some(Protocol::Smtp),
            220 | 120 | 421 => Some(Protocol::Ftp),
            _ => Some(Protocol::Unknown),
        };
    }
    if looks_like_http(b) {
        return Some(Protocol::Http);
    }
    if contains_ci(b, b"login:") || contains_ci(b, b"password:") || contains_ci(b, b"username:") {
        return Some(Protocol::Telnet);
    }
    Some(Protocol::Unknown)
}

pub(crate) fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_response() {
        assert_eq!(
            identify(Probe::Banner, b"SSH-2.0-dropbear_2022.83\r\n"),
            Some(Protocol::Ssh)
        );
        assert_eq!(
            identify(Probe::Banner, &[255, 253, 24]),
            Some(Protocol::Telnet)
        );
        assert_eq!(
            identify(Probe::Banner, b"220 (vsFTPd 3.0.3)\r\n"),
            Some(Protocol::Ftp)
        );
        assert_eq!(
            identify(Probe::Banner, b"220 mail ESMTP Postfix\r\n"),
            Some(Protocol::Smtp)
        );
        assert_eq!(
            identify(Probe::Banner, b"\r\nrouter login: "),
            Some(Protocol::Telnet)
        );
        assert_eq!(
            identify(Probe::TlsHello, &[0x16, 3, 3, 0, 10]),
            Some(Protocol::Tls)
        );
        assert_eq!(identify(Probe::TlsHello, b"HTTP/1.1 400"), None);
        assert_eq!(
            identify(Probe::Http, b"HTTP/1.1 401 Unauthorized\r\n"),
            Some(Protocol::Http)
        );
        assert_eq!(
            identify(Probe::Rtsp, b"RTSP/1.0 200 OK\r\n"),
            Some(Protocol::Rtsp)
        );
        assert_eq!(
            identify(Probe::Mqtt, &[0x20, 2, 0, 5]),
            Some(Protocol::Mqtt)
        );
        assert_eq!(identify(Probe::Mqtt, b""), None);
    }
}
