//! HTML: decoded (BOM, then `<meta charset>`, then UTF-8, else
//! Windows-1252), parsed by html5ever (through scraper) the way a browser
//! would, entities included, then walked iteratively (no recursion, so
//! depth cannot overflow the stack) into blocks.
//!
//! **What is read.** When the page has a `<main>` (or `role=main`), only
//! that; else, when it has `<article>`s, only the outermost ones; else the
//! whole page. If that choice yields no text, the whole page is read.
//!
//! **What is dropped.** Never text: `script`, `style`, `noscript`,
//! `template`, `head`, `svg`, `math`, embedded media, images and form
//! controls; elements with `hidden`, `aria-hidden="true"` or an inline
//! `display:none`/`visibility:hidden`. Page chrome, counted in the notes:
//!
//! - navigation: `<nav>`, `<menu>`, `role` navigation/menu/menubar/search,
//!   a class or id word starting with `nav`, `menu` or `breadcrumb`, or a
//!   skip link (words split at non-alphanumerics and camelCase, so
//!   `mainNav` and `site-menu` match but `canvas` does not);
//! - cookie banners and dialogs: `<dialog>`, `role` dialog/alertdialog,
//!   `aria-modal="true"`; a class or id naming a consent-management
//!   product (OneTrust, Cookiebot, Didomi, Usercentrics, TrustArc, …); one
//!   that says cookie/consent/gdpr/ccpa **and** banner/bar/notice/popup/
//!   modal/dialog/overlay/…, so that a policy's own "cookies" section is
//!   kept; and a class or id word modal, popup, popover, dialog, overlay,
//!   lightbox or banner;
//! - page header and footer: `<header>`/`<footer>` not inside an article,
//!   section, aside or main (those are a section's own header), and
//!   `role` banner/contentinfo;
//! - forms, unless they hold a heading, `main` or `article` (some
//!   frameworks wrap the whole page in one).
//!
//! The class/id rules never apply to `html`, `body`, `main`, `article` or
//! the element chosen as the root. If the page-chrome rules leave no text
//! at all, the page is read again with only the never-text rules.
//!
//! **Blocks.** `h1`–`h6` are headings, `li` list items, `td`/`th` table
//! cells; `p`, `div`, `section`, `blockquote`, `pre`, `dt`, `dd`, … start
//! a block whose kind is that of the nearest enclosing heading, list item
//! or cell, else paragraph. Inline elements join. One `<br>` is a space,
//! two in a row start a new block. `<hr>` ends a block. Links as in
//! Markdown, except that an empty link's URL is not kept (on a web page
//! that is an icon), but a `mailto:` address always is.
//!
//! **Depth.** html5ever's tree builder is quadratic in the nesting depth
//! (measured here: 100,000 nested `<div>`s take 37 s), and no crate caps
//! it, so [`limit_depth`] first removes the tags of elements nested deeper
//! than [`MAX_DEPTH`], keeping their text. It is a small lexer (comments,
//! quoted attributes, raw-text elements) that only counts, so a wrong
//! count in odd markup costs some structure, never text.

use std::borrow::Cow;

use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Html, Node, node::Element};

use super::builder::{Builder, clean_line, first_h1};
use super::markdown::{link_addition, mailto_address};
use super::{BlockKind, Document, Format, Limits, TextError, decode};

/// Elements nested deeper than this lose their tags (not their text).
pub(crate) const MAX_DEPTH: usize = 256;

/// Longest title kept, in bytes.
const MAX_TITLE: usize = 1024;

pub(crate) fn extract(bytes: &[u8], limits: &Limits) -> Result<Document, TextError> {
    let decoded = decode::decode(bytes, decode::html_declared(bytes))?;
    let (src, flattened) = limit_depth(&decoded.text, MAX_DEPTH);
    let html = Html::parse_document(&src);
    let tree_root = html.tree.root();

    let (roots, chosen) = choose_roots(tree_root);
    let mut attempts: Vec<(Vec<NodeRef<'_, Node>>, bool, Option<String>)> = Vec::new();
    if !roots.is_empty() {
        attempts.push((roots, true, chosen));
    }
    attempts.push((vec![tree_root], true, None));
    attempts.push((vec![tree_root], false, None));

    let mut result = None;
    let mut fallback_note = None;
    for (i, (roots, strict, chosen)) in attempts.into_iter().enumerate() {
        let mut b = Builder::new(limits.max_text_bytes);
        let mut w = Walker::new(&mut b, BlockKind::Paragraph, strict);
        for root in &roots {
            w.exempt = Some(root.id());
            w.walk(*root);
        }
        let dropped = w.dropped;
        if b.block_count() > 0 || i == 2 {
            if !strict {
                fallback_note = Some(
                    "the page-chrome rules left no text: read the page with only scripts, styles and hidden elements removed",
                );
            }
            result = Some((b, dropped, chosen));
            break;
        }
    }
    let Some((mut b, dropped, chosen)) = result else {
        // Unreachable: the last attempt always gives a result.
        return Ok(Builder::new(0).finish(Format::Html, None));
    };
    let mut notes = Vec::new();
    notes.extend(decoded.note);
    if flattened > 0 {
        notes.push(format!(
            "HTML nested deeper than {MAX_DEPTH} elements: {flattened} tags were removed (their text kept)"
        ));
    }
    notes.extend(chosen);
    notes.extend(fallback_note.map(str::to_owned));
    notes.extend(dropped.notes());
    notes.append(&mut b.notes);
    b.notes = notes;
    let title = find_title(tree_root);
    let mut doc = b.finish(Format::Html, title);
    if doc.title.is_none() {
        doc.title = first_h1(&doc);
    }
    Ok(doc)
}

/// Adds the blocks of an HTML fragment (an HTML block inside Markdown),
/// page chrome dropped; text outside any block element gets `kind`.
/// Returns how many chrome elements were dropped.
pub(crate) fn fragment_into(b: &mut Builder, raw: &str, kind: BlockKind) -> usize {
    let (src, _) = limit_depth(raw, MAX_DEPTH);
    let html = Html::parse_fragment(&src);
    let mut w = Walker::new(b, kind, true);
    w.walk(html.tree.root());
    w.dropped.total()
}

/// The `main` (or `role=main`) element, else the outermost articles; and a
/// note saying what was chosen.
fn choose_roots(root: NodeRef<'_, Node>) -> (Vec<NodeRef<'_, Node>>, Option<String>) {
    let mut articles = Vec::new();
    for node in root.descendants() {
        let Some(e) = node.value().as_element() else {
            continue;
        };
        if e.name() == "main"
            || e.attr("role")
                .is_some_and(|r| r.trim().eq_ignore_ascii_case("main"))
        {
            return (
                vec![node],
                Some("read only the page's <main> content".to_owned()),
            );
        }
        if e.name() == "article" && !node.ancestors().any(|a| is_named(a, "article")) {
            articles.push(node);
        }
    }
    let note = match articles.len() {
        0 => None,
        1 => Some("read only the page's <article>".to_owned()),
        n => Some(format!("read only the page's {n} <article> elements")),
    };
    (articles, note)
}

fn is_named(node: NodeRef<'_, Node>, name: &str) -> bool {
    node.value().as_element().is_some_and(|e| e.name() == name)
}

/// The first `<title>` outside SVG, whitespace collapsed.
fn find_title(root: NodeRef<'_, Node>) -> Option<String> {
    let title = root
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "title" && !e.ancestors().any(|a| is_named(a, "svg")))?;
    let text: String = title.text().collect();
    clean_line(&text, MAX_TITLE)
}

/// Why an element was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    /// Never text (scripts, styles, media, controls): not reported.
    NotText,
    Hidden,
    Navigation,
    Dialog,
    HeaderFooter,
    Form,
}

#[derive(Debug, Default, Clone, Copy)]
struct Dropped {
    hidden: usize,
    navigation: usize,
    dialog: usize,
    header_footer: usize,
    form: usize,
}

impl Dropped {
    fn add(&mut self, reason: Reason) {
        match reason {
            Reason::NotText => {}
            Reason::Hidden => self.hidden += 1,
            Reason::Navigation => self.navigation += 1,
            Reason::Dialog => self.dialog += 1,
            Reason::HeaderFooter => self.header_footer += 1,
            Reason::Form => self.form += 1,
        }
    }

    fn total(&self) -> usize {
        self.hidden + self.navigation + self.dialog + self.header_footer + self.form
    }

    fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut say = |n: usize, one: &str, many: &str| {
            if n > 0 {
                out.push(format!("dropped {n} {}", if n == 1 { one } else { many }));
            }
        };
        say(
            self.navigation,
            "navigation block (nav, menu or breadcrumb)",
            "navigation blocks (nav, menus, breadcrumbs)",
        );
        say(
            self.dialog,
            "cookie banner or dialog",
            "cookie banners, consent prompts or dialogs",
        );
        say(
            self.header_footer,
            "page header or footer",
            "page headers and footers",
        );
        say(self.form, "form", "forms");
        say(self.hidden, "hidden element", "hidden elements");
        out
    }
}

#[derive(Debug)]
struct Walker<'b> {
    b: &'b mut Builder,
    base: BlockKind,
    /// The kind each open block element gives to the text inside it.
    kinds: Vec<BlockKind>,
    /// Open `<a>` elements: href and where their text starts.
    links: Vec<Option<(String, usize)>>,
    /// The last thing seen since text was a `<br>`.
    after_br: bool,
    strict: bool,
    exempt: Option<NodeId>,
    dropped: Dropped,
}

impl<'b> Walker<'b> {
    fn new(b: &'b mut Builder, base: BlockKind, strict: bool) -> Self {
        Walker {
            b,
            base,
            kinds: Vec::new(),
            links: Vec::new(),
            after_br: false,
            strict,
            exempt: None,
            dropped: Dropped::default(),
        }
    }

    fn kind(&self) -> BlockKind {
        self.kinds.last().copied().unwrap_or(self.base)
    }

    /// Visits `root` and its descendants in document order, without
    /// recursion.
    fn walk(&mut self, root: NodeRef<'_, Node>) {
        let mut node = root;
        loop {
            if self.enter(node) {
                if let Some(child) = node.first_child() {
                    node = child;
                    continue;
                }
                self.leave(node);
            }
            loop {
                if node.id() == root.id() {
                    return;
                }
                if let Some(next) = node.next_sibling() {
                    node = next;
                    break;
                }
                match node.parent() {
                    Some(parent) => {
                        node = parent;
                        self.leave(node);
                    }
                    None => return,
                }
            }
        }
    }

    /// Handles `node` on the way down; true to visit its children.
    fn enter(&mut self, node: NodeRef<'_, Node>) -> bool {
        match node.value() {
            Node::Document | Node::Fragment => true,
            Node::Text(t) => {
                if !t.trim().is_empty() {
                    self.after_br = false;
                }
                let kind = self.kind();
                self.b.push(kind, t);
                false
            }
            Node::Element(e) => self.enter_element(node, e),
            _ => false,
        }
    }

    fn enter_element(&mut self, node: NodeRef<'_, Node>, e: &Element) -> bool {
        if let Some(reason) = self.drop_reason(node, e) {
            self.dropped.add(reason);
            return false;
        }
        let name = e.name();
        match name {
            "br" => {
                if self.after_br && !self.b.block_is_empty() {
                    let kind = self.kind();
                    self.b.begin(kind);
                } else {
                    self.b.space();
                }
                self.after_br = true;
                return false;
            }
            "hr" | "wbr" => {
                if name == "hr" {
                    self.b.end();
                }
                return false;
            }
            "a" => {
                let mark = self.b.mark();
                self.links
                    .push(e.attr("href").map(|h| (h.to_owned(), mark)));
            }
            _ => {}
        }
        if let Some(kind) = self.block_kind(name) {
            self.after_br = false;
            self.kinds.push(kind);
            self.b.begin(kind);
        }
        true
    }

    fn leave(&mut self, node: NodeRef<'_, Node>) {
        let Some(e) = node.value().as_element() else {
            return;
        };
        let name = e.name();
        if name == "a" {
            if let Some(Some((href, mark))) = self.links.pop()
                && mailto_address(&href).is_some()
                && let Some(extra) = link_addition(&href, self.b.text_since(mark))
            {
                let kind = self.kind();
                self.b.push(kind, &extra);
            }
        } else if self.block_kind(name).is_some() {
            self.b.end();
            self.kinds.pop();
        }
    }

    /// The kind of block an element starts, or `None` for inline elements.
    fn block_kind(&self, name: &str) -> Option<BlockKind> {
        Some(match name {
            "h1" => BlockKind::Heading(1),
            "h2" => BlockKind::Heading(2),
            "h3" => BlockKind::Heading(3),
            "h4" => BlockKind::Heading(4),
            "h5" => BlockKind::Heading(5),
            "h6" => BlockKind::Heading(6),
            "li" => BlockKind::ListItem,
            "td" | "th" => BlockKind::TableCell,
            "p" | "div" | "section" | "article" | "main" | "aside" | "blockquote" | "pre"
            | "dl" | "dt" | "dd" | "ul" | "ol" | "menu" | "nav" | "table" | "thead" | "tbody"
            | "tfoot" | "tr" | "caption" | "figure" | "figcaption" | "address" | "details"
            | "summary" | "center" | "fieldset" | "legend" | "header" | "footer" | "hgroup"
            | "form" | "dialog" | "body" | "html" | "listing" | "plaintext" | "xmp" | "search" => {
                self.kind()
            }
            _ => return None,
        })
    }

    fn drop_reason(&self, node: NodeRef<'_, Node>, e: &Element) -> Option<Reason> {
        let name = e.name();
        if matches!(
            name,
            "script"
                | "style"
                | "noscript"
                | "template"
                | "head"
                | "title"
                | "svg"
                | "math"
                | "iframe"
                | "object"
                | "embed"
                | "canvas"
                | "audio"
                | "video"
                | "picture"
                | "img"
                | "map"
                | "input"
                | "button"
                | "select"
                | "textarea"
                | "option"
                | "optgroup"
                | "datalist"
                | "meter"
                | "progress"
                | "output"
                | "source"
                | "track"
                | "link"
                | "meta"
                | "base"
        ) {
            return Some(Reason::NotText);
        }
        if e.attr("hidden").is_some()
            || e.attr("aria-hidden")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
            || e.attr("style").is_some_and(hidden_style)
        {
            return Some(Reason::Hidden);
        }
        if !self.strict {
            return None;
        }
        let role = e.attr("role").map(|r| r.trim().to_ascii_lowercase());
        let exempt = Some(node.id()) == self.exempt
            || matches!(name, "html" | "body" | "main" | "article")
            || role.as_deref() == Some("main");
        if exempt {
            return None;
        }
        match name {
            "nav" | "menu" => return Some(Reason::Navigation),
            "dialog" => return Some(Reason::Dialog),
            "header" | "footer"
                if !node.ancestors().any(|a| {
                    a.value().as_element().is_some_and(|e| {
                        matches!(e.name(), "article" | "section" | "aside" | "main")
                    })
                }) =>
            {
                return Some(Reason::HeaderFooter);
            }
            "form" if !holds_content(node) => return Some(Reason::Form),
            _ => {}
        }
        match role.as_deref() {
            Some("navigation" | "menu" | "menubar" | "search") => return Some(Reason::Navigation),
            Some("dialog" | "alertdialog") => return Some(Reason::Dialog),
            Some("banner" | "contentinfo") => return Some(Reason::HeaderFooter),
            _ => {}
        }
        if e.attr("aria-modal")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        {
            return Some(Reason::Dialog);
        }
        let names = e.attr("id").into_iter().chain(e.classes());
        names.filter_map(chrome_name).next()
    }
}

/// An inline style that hides the element.
fn hidden_style(style: &str) -> bool {
    let s: String = style
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    s.contains("display:none") || s.contains("visibility:hidden")
}

/// Whether a form holds page content (a heading, main or article) within
/// its first 10,000 descendants.
fn holds_content(form: NodeRef<'_, Node>) -> bool {
    form.descendants().take(10_000).any(|n| {
        n.value().as_element().is_some_and(|e| {
            matches!(
                e.name(),
                "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "main" | "article"
            )
        })
    })
}

/// Consent-management products, as they appear in ids and classes.
const CONSENT_PRODUCTS: &[&str] = &[
    "onetrust",
    "optanon",
    "cookiebot",
    "cybot",
    "cookieyes",
    "cky-consent",
    "didomi",
    "usercentrics",
    "truste",
    "trustarc",
    "qc-cmp",
    "osano",
    "iubenda",
    "cookie-law-info",
    "cookielaw",
    "cmplz",
    "cc-window",
    "cc-banner",
    "klaro",
    "borlabs",
    "termly",
];
const CONSENT_WORDS: &[&str] = &["cookie", "consent", "gdpr", "ccpa"];
const CONTAINER_WORDS: &[&str] = &[
    "banner",
    "bar",
    "notice",
    "popup",
    "modal",
    "dialog",
    "overlay",
    "prompt",
    "wall",
    "manager",
    "notification",
    "alert",
    "layer",
    "toast",
];
const DIALOG_WORDS: &[&str] = &[
    "modal", "popup", "popover", "dialog", "overlay", "lightbox", "banner",
];

/// Whether an id or class names page chrome, and which.
fn chrome_name(value: &str) -> Option<Reason> {
    let lower = value.to_ascii_lowercase();
    if CONSENT_PRODUCTS.iter().any(|p| lower.contains(p))
        || (CONSENT_WORDS.iter().any(|w| lower.contains(w))
            && CONTAINER_WORDS.iter().any(|w| lower.contains(w)))
    {
        return Some(Reason::Dialog);
    }
    if lower.contains("skip-link") || lower.contains("skiplink") || lower.contains("skip-to") {
        return Some(Reason::Navigation);
    }
    for word in words(value) {
        if ["nav", "menu", "breadcrumb"]
            .iter()
            .any(|p| word.starts_with(p))
        {
            return Some(Reason::Navigation);
        }
        if DIALOG_WORDS.iter().any(|p| word.starts_with(p)) {
            return Some(Reason::Dialog);
        }
    }
    None
}

/// Lowercase words of an identifier, split at non-alphanumerics and at
/// camelCase humps: `mainNav-list` → main, nav, list.
fn words(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in value.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

// ── Depth limiting ─────────────────────────────────────────────────────

/// Elements that are never counted (void, or closed implicitly by their
/// siblings, so their tags do not nest).
fn uncounted(name: &[u8]) -> bool {
    matches!(
        name,
        b"area"
            | b"base"
            | b"br"
            | b"col"
            | b"embed"
            | b"hr"
            | b"img"
            | b"input"
            | b"link"
            | b"meta"
            | b"source"
            | b"track"
            | b"wbr"
            | b"param"
            | b"keygen"
            | b"frame"
            | b"p"
            | b"li"
            | b"dt"
            | b"dd"
            | b"td"
            | b"th"
            | b"tr"
            | b"option"
            | b"optgroup"
            | b"rb"
            | b"rt"
            | b"rp"
            | b"rtc"
            | b"tbody"
            | b"thead"
            | b"tfoot"
            | b"colgroup"
            | b"caption"
            | b"html"
            | b"head"
            | b"body"
    )
}

/// Elements whose content is raw text up to their end tag.
fn raw_text(name: &[u8]) -> bool {
    matches!(
        name,
        b"script"
            | b"style"
            | b"textarea"
            | b"title"
            | b"xmp"
            | b"iframe"
            | b"noembed"
            | b"noframes"
    )
}

/// `src` with the tags of elements nested deeper than `max` replaced by a
/// space, and how many tags were removed. Linear in `src`.
pub(crate) fn limit_depth(src: &str, max: usize) -> (Cow<'_, str>, usize) {
    let bytes = src.as_bytes();
    let mut depth = 0usize;
    let mut removed = 0usize;
    // Byte ranges to replace by a space, in order.
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'<', &bytes[i..]) {
        let lt = i + off;
        let rest = &bytes[lt + 1..];
        if rest.starts_with(b"!--") {
            i = memchr::memmem::find(&rest[3..], b"-->").map_or(bytes.len(), |e| lt + 4 + e + 3);
            continue;
        }
        if rest.first().is_some_and(|&c| c == b'!' || c == b'?') {
            i = memchr::memchr(b'>', rest).map_or(bytes.len(), |e| lt + 1 + e + 1);
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = lt + 1 + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-' || **c == b':')
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            i = lt + 1;
            continue;
        }
        let name = bytes[name_start..name_start + name_len].to_ascii_lowercase();
        let end = tag_end(bytes, name_start + name_len);
        let self_closing = end >= 2 && bytes[end - 2] == b'/';
        if closing {
            if !uncounted(&name) && depth > 0 {
                if depth > max {
                    cuts.push((lt, end));
                    removed += 1;
                }
                depth -= 1;
            }
            i = end;
            continue;
        }
        if name == b"plaintext" {
            break;
        }
        if raw_text(&name) {
            i = find_end_tag(bytes, end, &name);
            continue;
        }
        if !uncounted(&name) && !self_closing {
            depth += 1;
            if depth > max {
                cuts.push((lt, end));
                removed += 1;
            }
        }
        i = end;
    }
    if cuts.is_empty() {
        return (Cow::Borrowed(src), 0);
    }
    let mut out = String::with_capacity(src.len());
    let mut at = 0;
    for (from, to) in cuts {
        // Tags are ASCII-delimited, so these are character boundaries.
        out.push_str(src.get(at..from).unwrap_or_default());
        out.push(' ');
        at = to;
    }
    out.push_str(src.get(at..).unwrap_or_default());
    (Cow::Owned(out), removed)
}

/// Just past the `>` ending a tag whose attributes start at `from`,
/// skipping quoted attribute values.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    for (k, &c) in bytes.iter().enumerate().skip(from) {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'>' => return k + 1,
            None => {}
        }
    }
    bytes.len()
}

/// The position of `</name` (case-insensitive) at or after `from`, or the
/// end.
fn find_end_tag(bytes: &[u8], from: usize, name: &[u8]) -> usize {
    let mut i = from;
    while let Some(off) = memchr::memmem::find(&bytes[i..], b"</") {
        let at = i + off;
        let cand = &bytes[at + 2..];
        if cand.len() >= name.len() && cand[..name.len()].eq_ignore_ascii_case(name) {
            return at;
        }
        i = at + 2;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_camel_case_and_punctuation() {
        assert_eq!(words("mainNav-list"), vec!["main", "nav", "list"]);
        assert_eq!(
            words("CybotCookiebotDialog"),
            vec!["cybot", "cookiebot", "dialog"]
        );
    }

    #[test]
    fn chrome_names() {
        assert_eq!(chrome_name("site-nav"), Some(Reason::Navigation));
        assert_eq!(chrome_name("breadcrumbs"), Some(Reason::Navigation));
        assert_eq!(chrome_name("cookie-banner"), Some(Reason::Dialog));
        assert_eq!(chrome_name("onetrust-consent-sdk"), Some(Reason::Dialog));
        assert_eq!(chrome_name("cookies"), None);
        assert_eq!(chrome_name("consent"), None);
        assert_eq!(chrome_name("canvas-wrapper"), None);
        assert_eq!(chrome_name("policy-section"), None);
    }

    #[test]
    fn depth_limit_keeps_text() {
        let src = format!("{}deep{}", "<div>".repeat(10), "</div>".repeat(10));
        let (out, removed) = limit_depth(&src, 4);
        assert_eq!(removed, 12);
        assert!(out.contains("<div><div><div><div> "));
        assert!(out.contains("deep"));
        let (out, removed) = limit_depth(
            "<p><li><br><img><div a='>'><script>if (a<b) {}</script></div>",
            1,
        );
        assert_eq!(removed, 0);
        assert!(matches!(out, Cow::Borrowed(_)));
    }
}
