//! Test support: a throwaway Kerberos realm (scripts/realm) for Rust integration tests, and
//! for the library's own unit tests (included from `src/lib.rs` under `cfg(test)`).
//!
//! GSS-API and Kerberos read their configuration from the process environment. Rather than
//! mutate the environment of a multi-threaded test process, [`in_realm`] re-runs the one test
//! in a child process of the test binary with the realm's variables set there.

use std::path::PathBuf;
use std::process::Command;

/// A running realm; stopped and deleted on drop.
pub struct Realm {
    dir: PathBuf,
}

fn realm_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/realm")
}

impl Realm {
    /// Starts a realm in a new directory under the target directory (the system's temporary
    /// directory for unit tests, which Cargo gives no target directory).
    pub fn start(label: &str) -> Realm {
        let base = option_env!("CARGO_TARGET_TMPDIR").map_or_else(std::env::temp_dir, PathBuf::from);
        let label = label.replace("::", "-");
        let dir = base.join(format!("realm-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let status = Command::new(realm_script()).arg("start").arg(&dir).status().expect("run scripts/realm");
        assert!(status.success(), "the test realm did not start");
        Realm { dir }
    }

    /// The realm's environment variables, parsed from its env file.
    pub fn env(&self) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(self.dir.join("env")).expect("realm env file");
        text.lines()
            .filter_map(|line| line.strip_prefix("export "))
            .filter_map(|pair| pair.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.trim_matches('\'').to_owned()))
            .collect()
    }
}

impl Drop for Realm {
    fn drop(&mut self) {
        let _ = Command::new(realm_script()).arg("stop").arg(&self.dir).status();
    }
}

/// Runs `body` inside a realm: in a child process of this test binary (which runs only the
/// test named `test_name`) with the realm's environment. Panics if the child fails.
pub fn in_realm(test_name: &str, body: impl FnOnce()) {
    if std::env::var("DAEMONAUTH_IN_REALM_TEST").as_deref() == Ok(test_name) {
        body();
        return;
    }
    let realm = Realm::start(test_name);
    let output = Command::new(std::env::current_exe().expect("test binary path"))
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .envs(realm.env())
        .env("DAEMONAUTH_IN_REALM_TEST", test_name)
        .output()
        .expect("re-run the test binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{test_name} failed in the realm:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "{test_name} did not run in the child:\n{stdout}");
}
