//! Just enough JSON to write challenges: a string escaper and a flat object of string fields.
//! Every byte it writes is printable: control characters and DEL are escaped.

use std::fmt::Write;

/// Appends `text` to `out` as a quoted JSON string.
///
/// Reserve room in `out` first when `text` is a secret, so that growing the buffer leaves no
/// copy behind (at most six bytes per input byte plus two quotes).
pub fn push_string(out: &mut String, text: &str) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            ch if ch.is_control() => write!(out, "\\u{:04x}", u32::from(ch)).expect("writing to a String cannot fail"),
            ch => out.push(ch),
        }
    }
    out.push('"');
}

/// A JSON object whose values are all strings, fields in the order given:
/// `object(&[("service", "cvs"), ("host", "h")])` is `{"service":"cvs","host":"h"}`.
///
/// This is the challenge format of the library's own flows; name the service and whichever of
/// `host`, `user`, `realm` and `repository` the answer is for.
pub fn object(fields: &[(&str, &str)]) -> String {
    let mut out = String::from("{");
    for (index, (name, value)) in fields.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        push_string(&mut out, name);
        out.push(':');
        push_string(&mut out, value);
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(text: &str) -> String {
        let mut out = String::new();
        push_string(&mut out, text);
        out
    }

    #[test]
    fn plain_text_is_only_quoted() {
        assert_eq!(string("alice"), "\"alice\"");
        assert_eq!(string(""), "\"\"");
    }

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(string(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn control_characters_become_printable() {
        assert_eq!(string("a\nb\r\t\u{08}\u{0c}"), r#""a\nb\r\t\b\f""#);
        assert_eq!(string("\u{01}\u{1f}\u{7f}\u{85}"), r#""\u0001\u001f\u007f\u0085""#);
        assert!(string("\0").chars().all(|ch| !ch.is_control()));
    }

    #[test]
    fn non_ascii_passes_through() {
        assert_eq!(string("Grüße/ü€"), "\"Grüße/ü€\"");
    }

    #[test]
    fn objects_keep_field_order() {
        assert_eq!(object(&[]), "{}");
        assert_eq!(
            object(&[("service", "cvs"), ("host", "h"), ("repository", "/r \"x\"")]),
            r#"{"service":"cvs","host":"h","repository":"/r \"x\""}"#
        );
    }
}
