//! Whole-string wildcard matching for host-name patterns (rc files, `.netrc`, `authorized_keys`
//! `from=`). Iterative, with one backtrack point (the last `*`): at most pattern length × text
//! length steps, never exponential, whatever the pattern (a file's) and the text (a peer's
//! name, which its own DNS can choose) hold.

/// Which wildcards a pattern has besides `*` (any run of bytes, none included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wildcards {
    /// Only `*`; `?` is an ordinary byte (ROOT's `.netrc`).
    Star,
    /// `*` and `?` (exactly one byte).
    StarAndQuestionMark,
}

/// Whether all of `text` matches `pattern`, ASCII case folded (host names are).
pub(crate) fn glob(pattern: &[u8], text: &[u8], wildcards: Wildcards) -> bool {
    let any_one = |b: u8| b == b'?' && wildcards == Wildcards::StarAndQuestionMark;
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it has been stretched to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(&b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&b) if any_one(b) || b.eq_ignore_ascii_case(&text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    star = Some((star_p, star_t + 1));
                    p = star_p + 1;
                    t = star_t + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|b| *b == b'*')
}

#[cfg(test)]
mod tests {
    use super::{Wildcards::*, glob};

    #[test]
    fn whole_names_case_folded() {
        assert!(glob(b"*.example.org", b"a.EXAMPLE.org", Star));
        assert!(!glob(b"*.example.org", b"example.org", Star));
        assert!(glob(b"*", b"", Star) && glob(b"**", b"x", Star) && !glob(b"", b"x", Star));
        assert!(glob(b"pc*43*", b"pcepsft43.cern.ch", Star));
        assert!(!glob(b"cern.ch", b"evilcern.ch", Star) && !glob(b"cern", b"cern.ch", Star));
        assert!(glob(b"a*b*c", b"aXbYbZc", Star) && !glob(b"a*b*c", b"aXbYbZ", Star));
    }

    #[test]
    fn question_marks_only_where_they_are_wildcards() {
        assert!(glob(b"10.0.0.?", b"10.0.0.7", StarAndQuestionMark));
        assert!(!glob(b"10.0.0.?", b"10.0.0.17", StarAndQuestionMark));
        assert!(!glob(b"10.0.0.?", b"10.0.0.7", Star) && glob(b"what?", b"WHAT?", Star));
    }

    #[test]
    fn many_stars_against_a_long_name_take_no_time() {
        // A backtracking matcher takes exponential time on this; a fuzzer found one that did.
        let pattern = [&b"*a"[..]; 40].concat();
        let text = [&[b'a'; 4000][..], b"b"].concat();
        assert!(!glob(&[pattern.as_slice(), b"c"].concat(), &text, StarAndQuestionMark));
        assert!(glob(&pattern, &text[..4000], StarAndQuestionMark));
    }
}
