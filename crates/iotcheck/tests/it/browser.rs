//! The HTML report as a reviewer sees it: opened in headless Chromium
//! (Debian `chromium`, installed by .ci/run), the rendered DOM must show the
//! five standards with their verdicts.

use crate::{STANDARD_IDS, example, iotcheck};

fn chromium() -> std::path::PathBuf {
    for c in [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ] {
        if std::path::Path::new(c).exists() {
            return c.into();
        }
    }
    panic!(
        "headless Chromium is needed for this test and was not found: `apt-get install chromium` (.ci/run does)"
    );
}

#[test]
fn html_report_renders_five_standards_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let ex = example();
    let status = iotcheck()
        .args([
            "assess",
            ex.to_str().unwrap(),
            "--format",
            "html",
            "-o",
            html.to_str().unwrap(),
        ])
        .output()
        .unwrap()
        .status;
    assert!(matches!(status.code(), Some(0..=2)), "{status}");
    let profile = dir.path().join("profile");
    let out = std::process::Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
            &format!("file://{}", html.display()),
        ])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("</html>"),
        "Chromium produced no DOM: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for id in STANDARD_IDS {
        let card = format!("data-standard=\"{id}\" data-verdict=\"");
        let at = dom
            .find(&card)
            .unwrap_or_else(|| panic!("the rendered page lacks the {id} card"));
        let verdict: String = dom[at + card.len()..]
            .chars()
            .take_while(|c| *c != '"')
            .collect();
        assert!(
            crate::VERDICTS.contains(&verdict.as_str()),
            "{id}: {verdict}"
        );
    }
    assert!(dom.contains("id=\"overall\""));

    // And a screenshot a person can look at (kept in the temp dir).
    let shot = dir.path().join("report.png");
    let status = std::process::Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.display()),
            "--window-size=1200,900",
            &format!("--screenshot={}", shot.display()),
            &format!("file://{}", html.display()),
        ])
        .output()
        .unwrap();
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}): {}",
            String::from_utf8_lossy(&status.stderr)
        )
    });
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a blank or missing screenshot"
    );
    if let Ok(keep) = std::env::var("IOTCHECK_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}
