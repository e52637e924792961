//! The responder: how every client flow asks a person or a secret store for what it needs
//! (user names, passwords, one-time passwords, PINs, passphrases), modelled on krb5's
//! responder. A flow hands *all* the questions of one step to [`Responder::ask`] at once;
//! the answers come back as [`Answers`], whose values are zeroized when dropped.
//!
//! Question names are a string contract shared with C callers (see `docs/responder.md`):
//! [`USERNAME`], [`PASSWORD`], [`OTP`], [`PKINIT`] (krb5's formats) and [`PASSPHRASE`].
//! Challenges are printable UTF-8, JSON where structured (see [`json::object`]).
//!
//! A flow asks everything one step needs in one call:
//!
//! ```
//! use daemonauth::responder::{Answers, Question, Responder, PASSWORD, USERNAME, json};
//! use zeroize::Zeroizing;
//!
//! // A responder made from a closure; C callers use a callback, a file or the terminal.
//! let responder = Responder::new(|questions: &[Question], answers: &mut Answers| {
//!     assert_eq!(questions.len(), 2);
//!     answers.set(USERNAME, Zeroizing::new("alice".to_owned()));
//!     answers.set(PASSWORD, Zeroizing::new("s3cret".to_owned()));
//!     Ok(())
//! });
//! let challenge = json::object(&[("service", "cvs"), ("host", "cvs.example.org"), ("repository", "/cvs")]);
//! let answers = responder.ask(&[
//!     Question::new(USERNAME, &*challenge, "CVS user on cvs.example.org"),
//!     Question::new(PASSWORD, challenge, "CVS password for cvs.example.org:/cvs"),
//! ])?;
//! assert_eq!(answers.get(USERNAME), Some("alice"));
//! # Ok::<(), daemonauth::Error>(())
//! ```

pub(crate) mod ffi;
pub(crate) mod file;
pub mod json;
pub mod krb5;
pub(crate) mod netrc;
mod terminal;

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::error::{Error, ErrorCode, Result};

/// A user or principal name. Not a secret: terminals echo it.
pub const USERNAME: &str = "username";
/// A password. krb5's own question has the challenge ""; the library's flows name the
/// service and what the password is for in a JSON challenge.
pub const PASSWORD: &str = "password";
/// krb5's one-time-password question: the challenge is krb5's JSON token list, the answer
/// `{"tokeninfo":N,"value":"...","pin":"..."}`.
pub const OTP: &str = "otp";
/// krb5's PKINIT question: the challenge is `{"<identity>":flags,...}`, the answer
/// `{"<identity>":"<PIN>",...}`.
pub const PKINIT: &str = "pkinit";
/// The passphrase of a private key (SSH host authentication).
pub const PASSPHRASE: &str = "passphrase";

/// One question of a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// The question's name from the contract (`password`, `otp`, ...).
    pub name: String,
    /// What the answer is for: printable UTF-8, JSON where structured, "" for krb5's password.
    pub challenge: String,
    /// A short sentence for a person; interactive responders show it.
    pub prompt: String,
    /// Whether the flow cannot go on without an answer.
    pub required: bool,
}

impl Question {
    /// A required question.
    pub fn new(name: &str, challenge: impl Into<String>, prompt: impl Into<String>) -> Question {
        Question { name: name.to_owned(), challenge: challenge.into(), prompt: prompt.into(), required: true }
    }

    /// The same question, but the flow can go on without its answer.
    pub fn optional(self) -> Question {
        Question { required: false, ..self }
    }

    /// Whether the answer is a secret (never echoed): everything but [`USERNAME`].
    pub fn is_secret(&self) -> bool {
        self.name != USERNAME
    }
}

/// The answers given in a step, by question name. Values are zeroized when dropped and never
/// shown by `Debug`.
#[derive(Default)]
pub struct Answers {
    values: Vec<(String, Zeroizing<String>)>,
}

impl Answers {
    /// The answer to the question `name`, if it was answered.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.iter().find(|(known, _)| known == name).map(|(_, value)| value.as_str())
    }

    /// Whether the question `name` was answered.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Whether nothing was answered.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Every (name, answer) pair.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// Answers the question `name`, replacing an earlier answer.
    pub fn set(&mut self, name: &str, value: Zeroizing<String>) {
        match self.values.iter_mut().find(|(known, _)| known == name) {
            Some((_, old)) => *old = value,
            None => self.values.push((name.to_owned(), value)),
        }
    }

    /// Moves every answer of `other` into `self`.
    pub fn merge(&mut self, other: Answers) {
        for (name, value) in other.values {
            self.set(&name, value);
        }
    }
}

impl std::fmt::Debug for Answers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.values.iter().map(|(name, _)| (name, "<redacted>"))).finish()
    }
}

/// Something that answers questions: a C callback, the terminal, a file, a chain, or any
/// closure `Fn(&[Question], &mut Answers) -> Result<()>`.
pub trait Respond: Send + Sync {
    /// Answers whichever of `questions` it can with [`Answers::set`]; the questions are the
    /// step's still-unanswered ones. An error ends the whole flow.
    fn respond(&self, questions: &[Question], answers: &mut Answers) -> Result<()>;
}

impl<F> Respond for F
where
    F: Fn(&[Question], &mut Answers) -> Result<()> + Send + Sync,
{
    fn respond(&self, questions: &[Question], answers: &mut Answers) -> Result<()> {
        self(questions, answers)
    }
}

/// A shareable responder; clones answer through the same underlying responder.
#[derive(Clone)]
pub struct Responder(Arc<dyn Respond>);

impl Responder {
    /// A responder made from anything that implements [`Respond`].
    pub fn new(respond: impl Respond + 'static) -> Responder {
        Responder(Arc::new(respond))
    }

    /// Asks on the controlling terminal (`/dev/tty`), secrets with echo off, all questions in
    /// one pass; fails with [`ErrorCode::NoTerminal`] when there is no terminal.
    pub fn terminal() -> Responder {
        Responder::new(terminal::Terminal)
    }

    /// Answers from the file at `path`, read (and its permissions checked) at every step.
    /// The format is one `name=value` line per answer; see `docs/responder.md`.
    pub fn file(path: impl Into<PathBuf>) -> Responder {
        Responder::new(file::AnswerFile::Path(path.into()))
    }

    /// Answers from what `file` (a file, pipe or socket) holds; reads it to the end now,
    /// within [`file::READ_TIMEOUT`].
    pub fn from_open_file(file: File, what: &str) -> Result<Responder> {
        Ok(Responder::new(file::AnswerFile::Loaded(file::load(file, what, file::READ_TIMEOUT)?)))
    }

    /// Answers `password` and `username` from a netrc file (`path`), or from `~/.rootnetrc`
    /// and `~/.netrc` when `None`, for the host the question's challenge names; see
    /// `docs/hostauth.md`. Fails if `path` is `None` and `$HOME` is not set.
    pub fn netrc(path: Option<PathBuf>) -> Result<Responder> {
        Ok(Responder::new(netrc::Netrc::new(path)?))
    }

    /// Tries `responders` in order; each sees the questions the earlier ones left unanswered.
    pub fn chain(responders: Vec<Responder>) -> Responder {
        Responder::new(Chain(responders))
    }

    /// Asks all `questions` of one step at once. Fails with [`ErrorCode::Unanswered`] if a
    /// required question is left unanswered.
    pub fn ask(&self, questions: &[Question]) -> Result<Answers> {
        let mut answers = Answers::default();
        self.0.respond(questions, &mut answers)?;
        match questions.iter().find(|q| q.required && !answers.contains(&q.name)) {
            Some(question) => Err(Error::new(
                ErrorCode::Unanswered,
                format!("no responder answered the question `{}`", question.name),
            )),
            None => Ok(answers),
        }
    }
}

struct Chain(Vec<Responder>);

impl Respond for Chain {
    fn respond(&self, questions: &[Question], answers: &mut Answers) -> Result<()> {
        for responder in &self.0 {
            let open: Vec<Question> = questions.iter().filter(|q| !answers.contains(&q.name)).cloned().collect();
            if open.is_empty() {
                break;
            }
            responder.0.respond(&open, answers)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn answer(name: &'static str, value: &'static str) -> Responder {
        Responder::new(move |questions: &[Question], answers: &mut Answers| {
            if questions.iter().any(|q| q.name == name) {
                answers.set(name, Zeroizing::new(value.to_owned()));
            }
            Ok(())
        })
    }

    fn login() -> Vec<Question> {
        let challenge = json::object(&[("service", "test"), ("host", "h")]);
        vec![Question::new(USERNAME, &*challenge, "User"), Question::new(PASSWORD, challenge, "Password")]
    }

    #[test]
    fn one_step_sees_every_question() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let responder = Responder::new(move |questions: &[Question], answers: &mut Answers| {
            log.lock().unwrap().push(questions.iter().map(|q| q.name.clone()).collect::<Vec<_>>());
            answers.set(USERNAME, Zeroizing::new("alice".into()));
            answers.set(PASSWORD, Zeroizing::new("s3cret".into()));
            Ok(())
        });
        let answers = responder.ask(&login()).unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![vec![USERNAME.to_owned(), PASSWORD.to_owned()]]);
        assert_eq!(answers.get(USERNAME), Some("alice"));
        assert_eq!(answers.get(PASSWORD), Some("s3cret"));
    }

    #[test]
    fn an_unanswered_required_question_is_a_distinct_error() {
        let err = answer(USERNAME, "alice").ask(&login()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Unanswered);
        assert!(err.message().contains("`password`"), "{err}");
        let optional: Vec<Question> = login().into_iter().map(Question::optional).collect();
        assert!(answer(USERNAME, "alice").ask(&optional).is_ok());
    }

    #[test]
    fn a_chain_passes_on_only_what_is_still_open() {
        let later_saw = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&later_saw);
        let later = Responder::new(move |questions: &[Question], answers: &mut Answers| {
            log.lock().unwrap().extend(questions.iter().map(|q| q.name.clone()));
            answers.set(PASSWORD, Zeroizing::new("from-later".into()));
            Ok(())
        });
        let chain = Responder::chain(vec![answer(USERNAME, "alice"), later, answer(PASSWORD, "never")]);
        let answers = chain.ask(&login()).unwrap();
        assert_eq!(*later_saw.lock().unwrap(), vec![PASSWORD.to_owned()]);
        assert_eq!(answers.get(PASSWORD), Some("from-later"));
    }

    #[test]
    fn an_error_ends_the_chain() {
        let fail = Responder::new(|_: &[Question], _: &mut Answers| -> Result<()> {
            Err(Error::new(ErrorCode::NoTerminal, "no tty"))
        });
        let chain = Responder::chain(vec![fail, answer(USERNAME, "a"), answer(PASSWORD, "p")]);
        assert_eq!(chain.ask(&login()).unwrap_err().code(), ErrorCode::NoTerminal);
    }

    #[test]
    fn debug_never_shows_answers() {
        let mut answers = Answers::default();
        answers.set(PASSWORD, Zeroizing::new("hunter2".into()));
        let shown = format!("{answers:?}");
        assert!(shown.contains("password") && !shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn only_username_is_echoed() {
        let questions = login();
        assert!(!questions[0].is_secret());
        assert!(questions[1].is_secret());
        assert!(Question::new(PASSPHRASE, "", "").is_secret());
    }
}
