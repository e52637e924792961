//! Just enough JSON for challenges: a string escaper, a flat object of string fields, and
//! reading one field back from such an object.
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

/// The value of the string field `name` in a flat JSON object of string fields (what [`object`]
/// writes); `None` when the text is not such an object or has no such field.
pub fn string_field(json: &str, name: &str) -> Option<String> {
    let mut reader = Reader(json.trim().chars().peekable());
    reader.expect('{')?;
    let mut found = None;
    if reader.skip_blanks()? != '}' {
        loop {
            let key = reader.string()?;
            reader.expect(':')?;
            let value = reader.string()?;
            if key == name {
                found = Some(value);
            }
            if reader.skip_blanks()? == '}' {
                break;
            }
            reader.expect(',')?;
        }
    }
    reader.expect('}')?;
    reader.skip_blanks().is_none().then_some(found)?
}

struct Reader<'a>(std::iter::Peekable<std::str::Chars<'a>>);

impl Reader<'_> {
    fn skip_blanks(&mut self) -> Option<char> {
        while self.0.next_if(|c| c.is_ascii_whitespace()).is_some() {}
        self.0.peek().copied()
    }

    fn expect(&mut self, wanted: char) -> Option<()> {
        (self.skip_blanks()? == wanted).then(|| self.0.next()).map(drop)
    }

    fn hex4(&mut self) -> Option<u32> {
        (0..4).try_fold(0, |acc, _| Some(acc * 16 + self.0.next()?.to_digit(16)?))
    }

    fn string(&mut self) -> Option<String> {
        self.expect('"')?;
        let mut out = String::new();
        loop {
            match self.0.next()? {
                '"' => return Some(out),
                '\\' => out.push(match self.0.next()? {
                    c @ ('"' | '\\' | '/') => c,
                    'b' => '\u{08}',
                    'f' => '\u{0c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'u' => {
                        let high = self.hex4()?;
                        let code = if (0xd800..0xdc00).contains(&high) {
                            (self.0.next()? == '\\' && self.0.next()? == 'u').then_some(())?;
                            let low = self.hex4()?;
                            (0xdc00..0xe000).contains(&low).then_some(())?;
                            0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00)
                        } else {
                            high
                        };
                        char::from_u32(code)?
                    }
                    _ => return None,
                }),
                c if c.is_control() => return None,
                c => out.push(c),
            }
        }
    }
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

    #[test]
    fn fields_are_read_back() {
        let challenge = object(&[("service", "hostauth"), ("host", "h\"1\"\u{1}é"), ("user", "x")]);
        assert_eq!(string_field(&challenge, "host").as_deref(), Some("h\"1\"\u{1}é"));
        assert_eq!(string_field(&challenge, "user").as_deref(), Some("x"));
        assert_eq!(string_field(&challenge, "realm"), None);
        assert_eq!(string_field(r#" { "a" : "\ud83d\ude00\/" } "#, "a").as_deref(), Some("😀/"));
        for bad in
            ["", "{}", "[]", r#"{"a":1}"#, r#"{"a":"b""#, r#"{"a":"\ud800"}"#, r#"{"x":"y" "a":"b"}"#, r#"{"a":"b"}x"#]
        {
            assert_eq!(string_field(bad, "a"), None, "{bad}");
        }
    }
}
