//! examples/acme-cam/captures/setup.pcapng, recorded by its make-capture.sh:
//! the frames are those in its PROVENANCE.md.

use iotcheck_model::{Evidence, Outcome};
use iotcheck_traffic::{DeviceSpec, checks};

use crate::{analyze, outcome, result};

fn example() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/acme-cam/captures/setup.pcapng")
}

fn frames_of(r: &iotcheck_model::CheckResult) -> Vec<u64> {
    r.evidence
        .iter()
        .flat_map(|e| match e {
            Evidence::Packet { frames, .. } => frames.clone(),
            _ => vec![],
        })
        .collect()
}

#[test]
fn finds_every_cleartext_flow_credential_and_download() {
    let device = DeviceSpec {
        macs: vec![DeviceSpec::parse_mac("02:00:5e:10:00:0a").unwrap()],
        ips: vec![],
    };
    let a = analyze(&example(), &device);
    assert_eq!(a.frames, 732);
    assert_eq!(
        a.device.ips,
        vec!["192.0.2.10".parse::<std::net::IpAddr>().unwrap()]
    );
    let r = checks(&a);
    let clear = result(&r, "comms.cleartext-app-data").unwrap();
    assert_eq!(clear.outcome, Outcome::Fail);
    assert_eq!(
        frames_of(clear),
        vec![33, 47, 723],
        "HTTP status, HTTP firmware download, MQTT CONNECT"
    );
    let creds = result(&r, "comms.credentials-in-clear").unwrap();
    assert_eq!(creds.outcome, Outcome::Fail);
    assert_eq!(
        frames_of(creds),
        vec![33, 723],
        "Basic auth and MQTT password"
    );
    for e in &creds.evidence {
        let text = format!("{e:?}");
        assert!(
            !text.contains("YWRtaW46YWRtaW4") && !text.contains("acme1234"),
            "a secret leaked into evidence: {text}"
        );
    }
    let dl = result(&r, "comms.firmware-download-in-clear").unwrap();
    assert_eq!((dl.outcome, frames_of(dl)), (Outcome::Fail, vec![47]));
    assert!(dl.summary.contains("U-Boot uImage"), "{}", dl.summary);
    assert_eq!(
        outcome(&r, "comms.tls-version"),
        Some(Outcome::Pass),
        "the one TLS session is 1.3"
    );
    assert_eq!(outcome(&r, "comms.weak-cipher-suite"), Some(Outcome::Pass));
}

#[test]
fn infers_the_device_when_none_is_named() {
    let a = analyze(&example(), &DeviceSpec::default());
    assert!(a.device.inferred);
    // Both hosts have the same flows; the tie goes to the lower address,
    // which here is the cloud. What matters: the choice is reported.
    assert_eq!(a.device.ips.len(), 1);
    let s = a.summary();
    assert!(s.device_inferred && s.notes.iter().any(|n| n.contains("most active local host")));
}

#[test]
fn summary_names_peers_from_dns_sni_and_host() {
    let device = DeviceSpec {
        macs: vec![],
        ips: vec!["192.0.2.10".parse().unwrap()],
    };
    let s = analyze(&example(), &device).summary();
    let tls = s.flows.iter().find(|f| f.protocol == "tls1.3").unwrap();
    assert_eq!(tls.peer_name.as_deref(), Some("cloud.acme.example"));
    let fw = s.flows.iter().find(|f| f.first_frame == 44).unwrap();
    assert_eq!(fw.peer_name.as_deref(), Some("update.acme.example"));
    assert!(
        s.encrypted_share.unwrap() < 0.01,
        "the firmware download dominates the bytes"
    );
}
