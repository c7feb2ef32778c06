//! Escaping of user text for HTML and Markdown, and file-name slugs.

/// Replaces the five HTML special characters with entities.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Backslash-escapes the characters that Markdown (CommonMark) would read as
/// markup inside a line, and those that start a heading, list or quote at
/// the beginning of a line. Newlines become spaces when `single_line`.
pub fn markdown(text: &str, single_line: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut line_start = true;
    for c in text.chars() {
        match c {
            '\n' | '\r' if single_line => out.push(' '),
            '\n' => {
                out.push('\n');
                line_start = true;
                continue;
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '+' | '-' | '=' if line_start => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        line_start = line_start && c.is_whitespace();
    }
    out
}

/// A short file-name-safe form of `text`: lowercase ASCII letters and digits,
/// other runs replaced by one `-`, at most 40 characters.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup() {
        assert_eq!(
            html(r#"<b>"x" & 'y'</b>"#),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn markdown_escapes_markup_and_line_starts() {
        assert_eq!(markdown("a|b *c* <i>", true), r"a\|b \*c\* \<i\>");
        assert_eq!(markdown("- item\n# head", false), "\\- item\n\\# head");
        assert_eq!(markdown("x-y 1.5", true), "x-y 1.5");
        assert_eq!(markdown("two\nlines", true), "two lines");
    }

    #[test]
    fn slugs_are_file_safe() {
        assert_eq!(
            slug("Confusion: ERM / scenario 3!"),
            "confusion-erm-scenario-3"
        );
        assert_eq!(slug("ü"), "");
    }
}
