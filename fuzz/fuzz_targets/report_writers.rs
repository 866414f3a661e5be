//! Every report writer on any report value (device-controlled strings
//! everywhere): no panic, and the escaping properties hold.
#![no_main]

use iotcheck_model::Report;
use iotcheck_report::{Format, RenderOptions, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(report) = serde_json::from_slice::<Report>(data) else { return };
    for format in Format::ALL {
        let out = render(&report, format, &RenderOptions::default());
        match format {
            Format::Json | Format::Sarif => {
                serde_json::from_slice::<serde_json::Value>(&out).expect("writers emit valid JSON");
            }
            Format::Text => assert!(!out.contains(&0x1b), "no raw escape byte in plain text"),
            Format::Html => {
                let html = String::from_utf8(out).expect("UTF-8");
                assert_eq!(html.matches("<script").count(), 0, "no script reaches the page");
            }
            Format::Markdown => {}
        }
    }
});
