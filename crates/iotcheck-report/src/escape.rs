//! Escaping device-controlled strings for each output format.

/// HTML text and attribute values.
pub(crate) fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Markdown inline text: punctuation that could start markup or break a
/// table is backslash-escaped, HTML is neutralised, newlines fold.
pub(crate) fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '|' | '!' | '~' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Terminal text: control characters (escape sequences a hostile banner
/// could use to rewrite the screen) are shown as `\u{…}`.
pub(crate) fn terminal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn html_neutralises_markup() {
        assert_eq!(
            html("<script>alert('x')</script>&"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
    }

    #[test]
    fn terminal_shows_escape_sequences() {
        assert_eq!(terminal("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
    }

    #[test]
    fn markdown_breaks_no_table() {
        assert_eq!(
            markdown("a|b\n[x](javascript:y)"),
            "a\\|b \\[x\\]\\(javascript:y\\)"
        );
    }

    proptest! {
        #[test]
        fn html_output_has_no_raw_markup(s in "\\PC{0,64}|[<>&\"'\u{0}-\u{1f}]{0,16}") {
            let e = html(&s);
            prop_assert!(!e.contains('<') && !e.contains('>') && !e.contains('"') && !e.contains('\''));
        }

        #[test]
        fn terminal_output_has_no_escape_byte(s in any::<String>()) {
            prop_assert!(!terminal(&s).contains('\x1b'), "escape byte leaked");
        }

        #[test]
        fn markdown_output_has_no_pipe_or_newline_unescaped(s in any::<String>()) {
            let e = markdown(&s);
            prop_assert!(!e.contains('\n'));
            let unescaped_pipe = e.match_indices('|').any(|(i, _)| i == 0 || e.as_bytes()[i - 1] != b'\\');
            prop_assert!(!unescaped_pipe);
        }
    }
}
