use iotcheck_report::{Format, RenderOptions, render};

use crate::sample_report;

fn out(format: Format) -> String {
    String::from_utf8(render(&sample_report(), format, &RenderOptions::default())).unwrap()
}

#[test]
fn text_snapshot() {
    insta::assert_snapshot!(out(Format::Text));
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(out(Format::Markdown));
}

#[test]
fn html_snapshot() {
    insta::assert_snapshot!(out(Format::Html));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(out(Format::Json));
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!(out(Format::Sarif));
}

#[test]
fn text_is_plain_without_colour_and_painted_with_it() {
    let plain = out(Format::Text);
    assert!(
        !plain.contains('\u{1b}'),
        "a hostile escape sequence or colour leaked into plain text"
    );
    assert!(
        plain.contains("\\u{1b}[2J"),
        "the device's escape sequence is shown, defused"
    );
    let painted = String::from_utf8(render(
        &sample_report(),
        Format::Text,
        &RenderOptions { color: true },
    ))
    .unwrap();
    assert!(painted.contains("\u{1b}[1;31m"));
    assert!(!painted.contains("\u{1b}[2J"));
}

#[test]
fn html_escapes_device_strings() {
    let html = out(Format::Html);
    assert!(
        !html.contains("<script>"),
        "script tag from a packet excerpt reached the page"
    );
    assert!(!html.contains("<b>Acme</b>"));
    assert!(
        !html.contains("<img src=x>"),
        "a component name reached the page as markup"
    );
    assert!(html.contains("<td>&lt;img src=x&gt;|vendord</td>"));
    assert!(html.contains("&lt;b&gt;Acme&lt;/b&gt; &amp; &quot;Co&quot;"));
    assert!(
        !html.contains("<script") && !html.contains("src=\"http"),
        "the page is self-contained and script-free"
    );
}

#[test]
fn html_shows_five_standards_and_drill_down() {
    let html = out(Format::Html);
    for id in [
        "encrypted-communications",
        "security-updates",
        "strong-passwords",
        "vulnerability-management",
        "privacy-practices",
    ] {
        assert!(html.contains(&format!("data-standard=\"{id}\"")), "{id}");
        assert!(
            html.contains(&format!("<section class=\"standard\" id=\"{id}\">")),
            "{id}"
        );
    }
    assert!(
        html.contains("data-requirement=\"ENC-1\" open"),
        "failing requirements open by default"
    );
    assert!(html.contains("data-regime=\"etsi-en-303-645\""));
}

#[test]
fn markdown_keeps_tables_intact() {
    let md = out(Format::Markdown);
    // Every row of a table has as many cells as its header row, whatever
    // the device-controlled strings inside.
    let cells = |line: &str| line.matches('|').count() - line.matches("\\|").count();
    let mut header: Option<usize> = None;
    let mut tables = 0;
    for line in md.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        match header {
            None => {
                header = Some(cells(line));
                tables += 1;
            }
            Some(n) => assert_eq!(cells(line), n, "broken table row: {line}"),
        }
    }
    assert!(tables >= 3, "{md}");
    assert!(md.contains("## Services found on the device"), "{md}");
}

#[test]
fn json_round_trips() {
    let report = sample_report();
    let json = render(&report, Format::Json, &RenderOptions::default());
    let back: iotcheck_model::Report = serde_json::from_slice(&json).unwrap();
    assert_eq!(back, report);
}
