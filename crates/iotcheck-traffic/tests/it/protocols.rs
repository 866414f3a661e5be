//! Public protocol traces (zeek and suricata-verify test suites): each
//! dissector on real traffic of its protocol.

use iotcheck_model::Outcome;

use crate::{outcome, result, run};

fn protocols(a: &iotcheck_traffic::Analysis) -> Vec<String> {
    a.flows.iter().map(|f| f.protocol.clone()).collect()
}

#[test]
fn mqtt_connect_credentials_all_versions() {
    for f in [
        "pcaps/suricata-verify/mqtt31-pub-userpass__input.pcap",
        "pcaps/suricata-verify/mqtt311-pub-userpass__input.pcap",
        "pcaps/suricata-verify/mqtt5-pub-userpass__input.pcap",
    ] {
        let (a, r) = run(f);
        assert!(
            protocols(&a).contains(&"mqtt".to_string()),
            "{f}: {:?}",
            protocols(&a)
        );
        assert_eq!(
            outcome(&r, "comms.credentials-in-clear"),
            Some(Outcome::Fail),
            "{f}"
        );
        assert_eq!(
            outcome(&r, "comms.cleartext-app-data"),
            Some(Outcome::Fail),
            "{f}"
        );
    }
}

#[test]
fn telnet_and_ftp_logins() {
    for f in [
        "pcaps/suricata-verify/telnet__telnet-01__telnet.pcap",
        "pcaps/zeek/ftp__ftp-password-pass-command.pcap",
        "pcaps/zeek/ftp__bruteforce.pcap",
    ] {
        let (a, r) = run(f);
        assert_eq!(
            outcome(&r, "comms.credentials-in-clear"),
            Some(Outcome::Fail),
            "{f}: {:?}",
            protocols(&a)
        );
    }
}

#[test]
fn http_basic_auth() {
    for f in [
        "pcaps/zeek/http__basic-auth-with-colon.pcap",
        "pcaps/zeek/http__basic-auth-with-extra-space.pcap",
    ] {
        let (_, r) = run(f);
        let c = result(&r, "comms.credentials-in-clear").unwrap();
        assert_eq!(c.outcome, Outcome::Fail, "{f}");
        assert!(c.summary.contains("HTTP Basic"), "{f}: {}", c.summary);
    }
}

#[test]
fn snmp_communities_v1_v2c_not_v3() {
    for f in [
        "pcaps/zeek/snmp__snmpv1_get.pcap",
        "pcaps/suricata-verify/snmp-v2c-get__SNMPv2c_get_requests.pcap",
    ] {
        let (_, r) = run(f);
        assert_eq!(
            outcome(&r, "comms.credentials-in-clear"),
            Some(Outcome::Fail),
            "{f}"
        );
    }
    let (a, r) = run("pcaps/suricata-verify/snmp-v3-encrypted__SNMPv3.pcap");
    assert_ne!(
        outcome(&r, "comms.credentials-in-clear"),
        Some(Outcome::Fail),
        "{:?}",
        protocols(&a)
    );
}

#[test]
fn tls_versions_old_and_new() {
    let (_, r) = run("pcaps/zeek/tls__tls1.2.pcap");
    assert_eq!(outcome(&r, "comms.tls-version"), Some(Outcome::Pass));
    let (_, r) = run("pcaps/zeek/tls__tls13_wolfssl.pcap");
    assert_eq!(outcome(&r, "comms.tls-version"), Some(Outcome::Pass));
    let (a, r) = run("pcaps/zeek/tls__ssl-v2.pcap");
    assert_eq!(
        outcome(&r, "comms.tls-version"),
        Some(Outcome::Fail),
        "{:?}",
        protocols(&a)
    );
}

#[test]
fn dtls_versions() {
    let (a, r) = run("pcaps/zeek/tls__dtls1_0.pcap");
    assert!(
        protocols(&a).contains(&"dtls".to_string()),
        "{:?}",
        protocols(&a)
    );
    assert_eq!(
        outcome(&r, "comms.tls-version"),
        Some(Outcome::Fail),
        "DTLS 1.0 is older than 1.2"
    );
    let (_, r) = run("pcaps/zeek/tls__dtls1_2.pcap");
    assert_eq!(outcome(&r, "comms.tls-version"), Some(Outcome::Pass));
}

#[test]
fn quic_and_ssh_are_encrypted() {
    let (a, r) = run("pcaps/suricata-verify/quic-ietf__input.pcap");
    assert!(
        protocols(&a).contains(&"quic".to_string()),
        "{:?}",
        protocols(&a)
    );
    assert_eq!(outcome(&r, "comms.cleartext-app-data"), Some(Outcome::Pass));
    let (a, r) = run("pcaps/suricata-verify/ssh-hassh__input.pcap");
    assert!(
        protocols(&a).contains(&"ssh".to_string()),
        "{:?}",
        protocols(&a)
    );
    assert_eq!(outcome(&r, "comms.cleartext-app-data"), Some(Outcome::Pass));
}

#[test]
fn coap_and_tftp_are_cleartext() {
    let (a, r) = run("pcaps/f-interop-ttproto/coap_core__TD_COAP_CORE_01_PASS.pcap");
    assert!(
        protocols(&a).contains(&"coap".to_string()),
        "{:?}",
        protocols(&a)
    );
    assert_eq!(outcome(&r, "comms.cleartext-app-data"), Some(Outcome::Fail));
    let (a, r) = run("pcaps/suricata-verify/output-eve-tftp-01__input.pcap");
    assert!(
        protocols(&a).contains(&"tftp".to_string()),
        "{:?}",
        protocols(&a)
    );
    assert_eq!(outcome(&r, "comms.cleartext-app-data"), Some(Outcome::Fail));
}

#[test]
fn discovery_and_infrastructure_never_fail() {
    for f in [
        "pcaps/zeek/dhcp__dhcp.pcap",
        "pcaps/zeek/dns__mdns.pcap",
        "pcaps/zeek/ntp__ntp.pcap",
        "pcaps/suricata-verify/sip-ssdp-pm__ssdp.pcap",
        "pcaps/suricata-verify/llmnr__llmnr-udp__input.pcap",
    ] {
        let (a, r) = run(f);
        assert_ne!(
            outcome(&r, "comms.cleartext-app-data"),
            Some(Outcome::Fail),
            "{f}: {:?}",
            protocols(&a)
        );
        assert!(
            a.flows
                .iter()
                .all(|fl| fl.class == "infrastructure" || fl.class == "no-payload"),
            "{f}: {:?}",
            a.flows
        );
    }
}

#[test]
fn gzip_compressed_capture_is_read() {
    let (a, _) = run("pcaps/zeek/ssh__kex-quadratic-1000.pcap.gz");
    assert!(a.frames > 0);
    assert!(a.flows.iter().any(|f| f.protocol == "ssh"), "{:?}", a.flows);
}

#[test]
fn pop3_sasl_auth_is_a_credential() {
    let (_, r) = run("pcaps/suricata-verify/pop3-auth-01__input.pcap");
    let c = result(&r, "comms.credentials-in-clear").unwrap();
    assert_eq!(c.outcome, Outcome::Fail);
    assert!(c.summary.contains("POP3 SASL AUTH"), "{}", c.summary);
}

#[test]
fn certificates_expired_and_self_signed() {
    let (_, r) = run("pcaps/zeek/tls__tls-expired-cert.pcap");
    let c = result(&r, "comms.certificate-invalid").unwrap();
    assert_eq!(c.outcome, Outcome::Fail);
    assert!(c.summary.contains("expired on 2014-03-04"), "{}", c.summary);
    let (_, r) = run("pcaps/zeek/tls__cert-no-cn.pcap");
    let c = result(&r, "comms.certificate-invalid").unwrap();
    assert!(
        c.outcome == Outcome::Fail && c.summary.contains("self-signed"),
        "{}",
        c.summary
    );
    // A valid chain, at the time of its capture, passes.
    let (_, r) = run("pcaps/zeek/tls__ecdsa-cert.pcap");
    assert_eq!(
        outcome(&r, "comms.certificate-invalid"),
        Some(Outcome::Pass)
    );
    // TLS 1.3 hides certificates: nothing to decide on.
    let (_, r) = run("pcaps/zeek/tls__tls13_wolfssl.pcap");
    assert_eq!(outcome(&r, "comms.certificate-invalid"), None);
}

#[test]
fn redis_and_socks5_credentials() {
    let (_, r) = run("pcaps/zeek/redis__auth.pcap");
    let c = result(&r, "comms.credentials-in-clear").unwrap();
    assert!(
        c.outcome == Outcome::Fail && c.summary.contains("Redis AUTH"),
        "{}",
        c.summary
    );
    let (_, r) = run("pcaps/zeek/socks-auth.pcap");
    let c = result(&r, "comms.credentials-in-clear").unwrap();
    assert!(
        c.outcome == Outcome::Fail && c.summary.contains("SOCKS5"),
        "{}",
        c.summary
    );
}
