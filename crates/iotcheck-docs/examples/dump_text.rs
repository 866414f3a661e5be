//! Prints the blocks `text::extract` finds in a file: `cargo run -p
//! iotcheck-docs --example dump_text -- FILE [FORMAT]`.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use iotcheck_docs::text::{Format, Limits, extract, sniff};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: dump_text FILE [html|markdown|text|pdf]");
    let bytes = std::fs::read(&path).unwrap();
    let format = match std::env::args().nth(2).as_deref() {
        Some("html") => Format::Html,
        Some("markdown") => Format::Markdown,
        Some("text") => Format::Text,
        Some("pdf") => Format::Pdf,
        _ => sniff(&bytes, &path),
    };
    match extract(&bytes, format, &Limits::default()) {
        Ok(doc) => {
            println!("format {:?}, title {:?}", doc.format, doc.title);
            for n in &doc.notes {
                println!("note: {n}");
            }
            for b in &doc.blocks {
                println!("{:?}\t{}", b.kind, doc.block_text(b));
            }
        }
        Err(e) => println!("error: {e}"),
    }
}
