//! distccd's black- and whitelists (`--blacklist=FILE`, `--whitelist=FILE`): one name per
//! line, compared exactly and case-sensitively with the client's principal cut at its first
//! `@` (the realm dropped). With realm entries enabled, an entry that contains `@` is compared
//! with the whole principal instead, so `alice@EXAMPLE.COM` admits or bars only that realm's
//! alice.

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::{Error, ErrorCode, Result};

/// What a list means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListMode {
    /// Everyone except the names listed.
    Blacklist,
    /// Only the names listed.
    Whitelist,
}

impl ListMode {
    /// "black" or "white", for messages.
    pub fn word(self) -> &'static str {
        match self {
            ListMode::Blacklist => "black",
            ListMode::Whitelist => "white",
        }
    }
}

/// A loaded access list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct List {
    mode: ListMode,
    names: BTreeSet<String>,
    realm_entries: bool,
}

impl List {
    /// A list from the text of a list file: each line (without its newline) is a name.
    pub fn parse(text: &str, mode: ListMode, realm_entries: bool) -> List {
        List { mode, names: text.lines().map(str::to_owned).collect(), realm_entries }
    }

    /// Reads a list file; a file that cannot be read is an error (distccd refuses to start).
    pub fn load(path: &Path, mode: ListMode, realm_entries: bool) -> Result<List> {
        let bytes = std::fs::read(path).map_err(|err| {
            Error::new(ErrorCode::Config, format!("cannot read the list file {}: {err}", path.display()))
        })?;
        Ok(List::parse(&String::from_utf8_lossy(&bytes), mode, realm_entries))
    }

    /// What the list means.
    pub fn mode(&self) -> ListMode {
        self.mode
    }

    /// Whether the list names `principal` (see the module documentation for how).
    pub fn contains(&self, principal: &str) -> bool {
        let short = principal.split('@').next().unwrap_or(principal);
        self.names.contains(short) || (self.realm_entries && principal.contains('@') && self.names.contains(principal))
    }

    /// Whether the client `principal` may come in; a client whose name is unknown never may.
    pub fn allows(&self, principal: Option<&str>) -> bool {
        let Some(principal) = principal else { return false };
        match self.mode {
            ListMode::Blacklist => !self.contains(principal),
            ListMode::Whitelist => self.contains(principal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "bob\nalice\ncarol@OTHER.REALM\n";

    #[test]
    fn names_are_compared_without_the_realm_and_case_sensitively() {
        let white = List::parse(TEXT, ListMode::Whitelist, false);
        assert!(white.allows(Some("alice@DAEMONAUTH.TEST")));
        assert!(white.allows(Some("bob")));
        assert!(!white.allows(Some("Alice@DAEMONAUTH.TEST")));
        assert!(!white.allows(Some("alic@DAEMONAUTH.TEST")));
        assert!(!white.allows(None));
        let black = List::parse(TEXT, ListMode::Blacklist, false);
        assert!(!black.allows(Some("alice@DAEMONAUTH.TEST")));
        assert!(black.allows(Some("dave@DAEMONAUTH.TEST")));
        assert!(!black.allows(None), "an unnamed client is denied even by a blacklist");
    }

    #[test]
    fn realm_entries_match_only_when_enabled() {
        let plain = List::parse(TEXT, ListMode::Whitelist, false);
        assert!(!plain.allows(Some("carol@OTHER.REALM")), "distcc never matches an entry with @");
        let realms = List::parse(TEXT, ListMode::Whitelist, true);
        assert!(realms.allows(Some("carol@OTHER.REALM")));
        assert!(!realms.allows(Some("carol@DAEMONAUTH.TEST")));
        assert!(realms.allows(Some("alice@ANY.REALM")), "plain entries still match any realm");
    }

    #[test]
    fn a_missing_file_is_a_configuration_error() {
        let err = List::load(Path::new("/nonexistent/list"), ListMode::Blacklist, false).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Config);
    }
}
