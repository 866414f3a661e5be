//! What a live device answers the probe: banners, FTP replies, Telnet
//! negotiation, HTTP/RTSP heads and challenges, MQTT CONNACK, SNMP
//! responses, UDP replies, login pages (HTML forms, chunked bodies,
//! same-origin links), and a user's credential list. None may panic, and
//! each stays within its stated bounds.
#![no_main]

use iotcheck_probe::identify::{Probe, identify, identify_udp};
use iotcheck_probe::parse::{
    MAX_HTTP_HEADERS, TelnetFilter, challenges, ftp_reply, http_head, mqtt_connack, printable,
};
use iotcheck_probe::form;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = printable(data, 200);
    assert!(p.chars().count() <= 201 * 4);
    if let Some((_, used)) = ftp_reply(data) {
        assert!(used <= data.len());
    }
    // Negotiation answered once per option, data never longer than input,
    // and the same bytes split anywhere give the same result.
    let (mut d1, mut r1) = (Vec::new(), Vec::new());
    TelnetFilter::default().feed(data, &mut d1, &mut r1);
    assert!(d1.len() <= data.len() && r1.len() <= 3 * 256);
    let mid = data.len() / 2;
    let (mut d2, mut r2) = (Vec::new(), Vec::new());
    let mut f = TelnetFilter::default();
    f.feed(&data[..mid], &mut d2, &mut r2);
    f.feed(&data[mid..], &mut d2, &mut r2);
    assert_eq!((d1, r1), (d2, r2));
    if let Some(h) = http_head(data) {
        assert!(h.headers.len() <= MAX_HTTP_HEADERS && h.body_offset <= data.len() + 5);
    }
    let _ = challenges(&String::from_utf8_lossy(data));
    let _ = mqtt_connack(data);
    for probe in [Probe::Banner, Probe::TlsHello, Probe::Http, Probe::Mqtt, Probe::Rtsp] {
        let _ = identify(probe, data);
    }
    let _ = identify_udp(data);
    let _ = iotcheck_probe::snmp::parse_response(data);
    let _ = iotcheck_probe::parse_credentials(&String::from_utf8_lossy(data));
    // Login pages: bounded text; a chunked body never longer than its cap.
    let page = form::read_page(data);
    assert!(page.text.len() <= form::MAX_TEXT);
    let (body, _) = form::dechunk(data, 4096);
    assert!(body.len() <= 4096);
    // A reference resolved on the same origin is a path, and resolving the
    // result again changes nothing.
    let s = iotcheck_probe::Service {
        host: "127.0.0.1".into(),
        addr: std::net::IpAddr::from([127, 0, 0, 1]),
        port: 80,
        transport: iotcheck_probe::Transport::Tcp,
        protocol: iotcheck_probe::Protocol::Http,
        banner: None,
    };
    let text = String::from_utf8_lossy(data);
    if let Ok(p) = form::resolve("/cgi-bin/login.cgi", &text, &s) {
        assert!(p.starts_with('/') && !p.bytes().any(|b| b < 0x21));
        assert_eq!(form::resolve(&p, "", &s).as_deref(), Ok(p.as_str()));
    }
    assert!(form::urlencode(&text).is_ascii());
});
