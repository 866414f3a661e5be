//! Report writers on one report that exercises every evidence kind and
//! hostile device-controlled strings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod formats;
mod sarif;
mod schema;

use iotcheck_model::{
    CheckId, CheckResult, Direction, Evidence, Flow, InputKind, InputRef, InputStatus, Outcome,
    Product, Report, Span, Tool, TranscriptLine,
};
use iotcheck_standards::{Catalog, ClaimValue, Claims, Context, contradictions, decide};

fn id(s: &str) -> CheckId {
    CheckId::new(s).unwrap()
}

/// A report as the engine would build it, with one of everything.
pub fn sample_report() -> Report {
    let catalog = Catalog::builtin().unwrap();
    let results = vec![
        CheckResult::new(
            id("comms.cleartext-app-data"),
            Outcome::Fail,
            "HTTP request to cloud.acme.example sent in clear",
        )
        .with_input("captures/setup.pcapng")
        .with_evidence(Evidence::Packet {
            capture: "captures/setup.pcapng".into(),
            frames: vec![12, 14],
            flow: Some(Flow {
                transport: "tcp".into(),
                src: "192.0.2.10".into(),
                src_port: 40512,
                dst: "192.0.2.1".into(),
                dst_port: 80,
            }),
            protocol: Some("http".into()),
            excerpt: Some("GET /status?<script>alert(1)</script> HTTP/1.1\u{1b}[2J".into()),
        }),
        CheckResult::new(
            id("comms.credentials-in-clear"),
            Outcome::Pass,
            "no credentials in clear",
        )
        .with_input("captures/setup.pcapng"),
        CheckResult::new(
            id("fw.weak-account-password"),
            Outcome::Fail,
            "root's password is on the Mirai default list",
        )
        .with_input("firmware/cam.bin")
        .with_evidence(Evidence::File {
            image: "firmware/cam.bin".into(),
            path: vec!["squashfs@0x40".into(), "/etc/shadow".into()],
            offset: Some(0),
            excerpt: Some("root:$1$********:19000:0:99999:7:::".into()),
        }),
        CheckResult::new(
            id("probe.default-credential"),
            Outcome::Fail,
            "telnet accepted root / ********",
        )
        .with_input("127.0.0.1")
        .with_evidence(Evidence::Transcript {
            host: "127.0.0.1".into(),
            port: 2323,
            service: "telnet".into(),
            exchange: vec![
                TranscriptLine {
                    direction: Direction::Received,
                    text: "login: ".into(),
                },
                TranscriptLine {
                    direction: Direction::Sent,
                    text: "root".into(),
                },
                TranscriptLine {
                    direction: Direction::Received,
                    text: "Password: ".into(),
                },
                TranscriptLine {
                    direction: Direction::Sent,
                    text: "********".into(),
                },
                TranscriptLine {
                    direction: Direction::Received,
                    text: "# | ` * _ [x](y)".into(),
                },
            ],
        }),
        CheckResult::new(
            id("docs.retention-period"),
            Outcome::Pass,
            "retention stated: 30 days",
        )
        .with_input("docs/privacy.html")
        .with_evidence(Evidence::Text {
            document: "docs/privacy.html".into(),
            span: Span {
                start: 1200,
                end: 1262,
            },
            quote: "Video clips are kept for 30 days & then deleted.".into(),
        }),
        CheckResult::new(
            id("docs.change-notification"),
            Outcome::Fail,
            "changes are only posted on the page; no personal notice",
        )
        .with_input("docs/privacy.html")
        .with_evidence(Evidence::Text {
            document: "docs/privacy.html".into(),
            span: Span {
                start: 3010,
                end: 3071,
            },
            quote: "We may update this policy by posting the new version here.".into(),
        }),
        CheckResult::new(
            id("docs.security-txt-valid"),
            Outcome::Error,
            "security.txt could not be used: expected a UTF-8 text file",
        )
        .with_input("docs/security.txt")
        .with_evidence(Evidence::Input {
            input: "docs/security.txt".into(),
            message: "expected a UTF-8 text file, found ELF executable".into(),
        }),
        CheckResult::new(
            id("claims.support-period"),
            Outcome::Pass,
            "vendor declares security updates until 2029-12-31",
        )
        .with_input("device.toml")
        .with_evidence(Evidence::Claim {
            key: "support_until".into(),
            value: "2029-12-31".into(),
        }),
    ];
    let given = [
        InputKind::Capture,
        InputKind::Firmware,
        InputKind::Host,
        InputKind::PrivacyPolicy,
        InputKind::SecurityTxt,
        InputKind::Claims,
    ];
    let ctx = Context {
        given: given.into_iter().collect(),
        implemented: catalog.checks.keys().cloned().collect(),
    };
    let decision = decide(&catalog, &results, &ctx);
    let mut claims = Claims::default();
    claims
        .0
        .insert("all_traffic_encrypted".into(), ClaimValue::Bool(true));
    Report {
        schema_version: iotcheck_model::SCHEMA_VERSION.into(),
        tool: Tool {
            name: "iotcheck".into(),
            version: "0.0.0-test".into(),
        },
        assessed_on: "2026-11-25".into(),
        product: Product {
            vendor: "<b>Acme</b> & \"Co\"".into(),
            model: "Cam 2".into(),
            hardware_revision: Some("B".into()),
            firmware_version: Some("1.4.2".into()),
            category: Some("camera".into()),
        },
        inputs: vec![
            InputRef {
                kind: InputKind::Capture,
                location: "captures/setup.pcapng".into(),
                status: InputStatus::Loaded,
                message: Some("pcapng capture".into()),
                bytes: Some(4096),
                sha256: Some("ab".repeat(32)),
            },
            InputRef {
                kind: InputKind::SecurityTxt,
                location: "docs/security.txt".into(),
                status: InputStatus::Error,
                message: Some("expected a UTF-8 text file, found ELF executable".into()),
                bytes: None,
                sha256: None,
            },
        ],
        overall: decision.overall,
        contradictions: contradictions(&catalog, &claims, &results),
        standards: decision.standards,
        regimes: decision.regimes,
        traffic: Vec::new(),
        components: vec![
            iotcheck_model::Component::identified(
                "busybox",
                "1.35.0",
                vec![Evidence::File {
                    image: "fw.bin".into(),
                    path: vec!["squashfs@0x40".into(), "/bin/busybox".into()],
                    offset: Some(0x1c2e0),
                    excerpt: Some("BusyBox v1.35.0 (2023-01-02)".into()),
                }],
            ),
            // A name as the image states it, hostile to every format.
            iotcheck_model::Component::identified(
                "<img src=x>|vendord",
                "2.0`|",
                vec![Evidence::File {
                    image: "fw.bin".into(),
                    path: vec!["squashfs@0x40".into(), "/usr/lib/opkg/status".into()],
                    offset: Some(0),
                    excerpt: None,
                }],
            ),
        ],
        firmware: vec![iotcheck_model::FirmwareSummary {
            // A vendor's file name, hostile to every format.
            image: "fw/<img>|`x`\u{1b}[31m.bin".into(),
            entries: 172,
            layers: vec![
                iotcheck_model::FirmwareLayer {
                    path: "trx@0x0".into(),
                    format: "TRX firmware container".into(),
                    bytes: Some(4_194_304),
                    confidence: "magic-only".into(),
                },
                iotcheck_model::FirmwareLayer {
                    path: "trx@0x0 ▸ squashfs@0x1c".into(),
                    format: "squashfs filesystem".into(),
                    bytes: Some(3_145_728),
                    confidence: "structure-proven".into(),
                },
            ],
            regions: vec![
                iotcheck_model::FirmwareRegion {
                    start: 0,
                    length: 4_194_304,
                    kind: "container".into(),
                    layer: Some("trx@0x0".into()),
                    entropy: 0.0,
                },
                iotcheck_model::FirmwareRegion {
                    start: 4_194_304,
                    length: 65_536,
                    kind: "high-entropy".into(),
                    layer: None,
                    entropy: 7.99,
                },
            ],
        }],
        services: vec![
            iotcheck_model::ServiceRow {
                host: "cam.lan".into(),
                address: "192.0.2.10".into(),
                port: 22,
                transport: "tcp".into(),
                protocol: "ssh".into(),
                banner: Some("SSH-2.0-dropbear_2022.83".into()),
                tls: false,
            },
            iotcheck_model::ServiceRow {
                host: "cam.lan".into(),
                address: "192.0.2.10".into(),
                port: 443,
                transport: "tcp".into(),
                protocol: "https".into(),
                // A banner as the device sends it, hostile to every format.
                banner: Some("Server: <script>x</script>|`cam`\u{1b}[31m".into()),
                tls: true,
            },
            iotcheck_model::ServiceRow {
                host: "::1".into(),
                address: "::1".into(),
                port: 161,
                transport: "udp".into(),
                protocol: "snmp".into(),
                banner: None,
                tls: false,
            },
        ],
        informational: vec![
            CheckResult::new(
                CheckId::new("docs.privacy-contact").unwrap(),
                Outcome::Pass,
                "stated in 1 place: a contact for privacy requests",
            )
            .with_input("docs/privacy.html")
            .with_evidence(Evidence::Text {
                document: "docs/privacy.html".into(),
                span: iotcheck_model::Span {
                    start: 120,
                    end: 171,
                },
                quote: "Write to privacy@acme.example with <any> question.".into(),
            }),
        ],
    }
}

fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
