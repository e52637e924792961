//! The interactive responder: asks on the controlling terminal, never on stdin, so that a
//! daemon's redirected input is not consumed by mistake.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;

use zeroize::Zeroizing;

use super::{Answers, OTP, PKINIT, Question, Respond, json};
use crate::error::{Error, ErrorCode, Result};

/// The longest line read as an answer.
const MAX_LINE: usize = 4096;

pub(super) struct Terminal;

impl Respond for Terminal {
    /// Asks every question in turn on one opening of `/dev/tty`. `pkinit` is left unanswered:
    /// it needs a choice among identities that a line of text does not express.
    fn respond(&self, questions: &[Question], answers: &mut Answers) -> Result<()> {
        let questions: Vec<&Question> = questions.iter().filter(|q| q.name != PKINIT).collect();
        if questions.is_empty() {
            return Ok(());
        }
        let tty = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open("/dev/tty")
            .map_err(|err| Error::new(ErrorCode::NoTerminal, format!("cannot open /dev/tty: {err}")))?;
        for question in questions {
            let prompt = if question.prompt.is_empty() { &question.name } else { &question.prompt };
            // Echo goes off before the prompt appears, so that nothing typed after it is lost
            // to the flush or shown.
            let echo_off = if question.is_secret() { Some(EchoOff::new(&tty)?) } else { None };
            write!(&tty, "{prompt}: ").map_err(|err| Error::io("writing to /dev/tty", &err))?;
            let line = read_line(&tty);
            if let Some(echo_off) = echo_off {
                drop(echo_off);
                // The user's Enter was not echoed.
                (&tty).write_all(b"\n").map_err(|err| Error::io("writing to /dev/tty", &err))?;
            }
            let line = line?;
            let answer = if question.name == OTP { otp_answer(&line) } else { line };
            answers.set(&question.name, answer);
        }
        Ok(())
    }
}

/// krb5's OTP answer for a value typed for the first token.
fn otp_answer(value: &str) -> Zeroizing<String> {
    const HEAD: &str = "{\"tokeninfo\":0,\"value\":";
    let mut answer = Zeroizing::new(String::with_capacity(HEAD.len() + value.len() * 6 + 3));
    answer.push_str(HEAD);
    json::push_string(&mut answer, value);
    answer.push('}');
    answer
}

/// Reads one line (without its newline) a byte at a time, so nothing beyond it is consumed.
fn read_line(mut tty: &File) -> Result<Zeroizing<String>> {
    let mut line = Zeroizing::new(Vec::with_capacity(MAX_LINE));
    let mut byte = [0u8; 1];
    loop {
        let read = tty.read(&mut byte).map_err(|err| Error::io("reading /dev/tty", &err))?;
        if read == 0 || byte[0] == b'\n' {
            break;
        }
        if line.len() == MAX_LINE {
            return Err(Error::new(ErrorCode::TooLarge, format!("an answer is longer than {MAX_LINE} bytes")));
        }
        line.push(byte[0]);
    }
    byte.fill(0);
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    match std::str::from_utf8(&line) {
        Ok(text) => Ok(Zeroizing::new(text.to_owned())),
        Err(_) => Err(Error::new(ErrorCode::InvalidArgument, "the answer typed is not valid UTF-8")),
    }
}

/// Turns terminal echo off until dropped.
struct EchoOff<'a> {
    tty: &'a File,
    saved: libc::termios,
}

impl<'a> EchoOff<'a> {
    fn new(tty: &'a File) -> Result<EchoOff<'a>> {
        let fd = tty.as_raw_fd();
        // SAFETY: termios is plain data; all-zero is a valid value that tcgetattr overwrites.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: fd is open for the lifetime of `tty`; `saved` is a valid termios to fill.
        if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
            return Err(Error::io("reading the terminal settings", &std::io::Error::last_os_error()));
        }
        let mut quiet = saved;
        quiet.c_lflag &= !(libc::ECHO | libc::ECHOE | libc::ECHOK | libc::ECHONL);
        // SAFETY: as above; `quiet` is a fully initialised termios.
        if unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, &quiet) } != 0 {
            return Err(Error::io("turning terminal echo off", &std::io::Error::last_os_error()));
        }
        Ok(EchoOff { tty, saved })
    }
}

impl Drop for EchoOff<'_> {
    fn drop(&mut self) {
        // SAFETY: the borrowed File keeps the descriptor open; `saved` holds the settings
        // tcgetattr returned. TCSANOW keeps whatever was typed ahead for the next question.
        unsafe { libc::tcsetattr(self.tty.as_raw_fd(), libc::TCSANOW, &self.saved) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otp_answers_are_krb5_json() {
        assert_eq!(otp_answer("12\"34").as_str(), r#"{"tokeninfo":0,"value":"12\"34"}"#);
    }
}
