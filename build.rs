//! Generates the C headers with cbindgen, one per module plus the umbrella `daemonauth.h`, into
//! `$OUT_DIR/include/`, compares them with the committed ones under `include/`, and links the
//! shared object with its soname. A build never writes the source tree:
//! `scripts/headers` copies the generated headers into `include/`.
//!
//! A committed header that differs from what the sources generate is a warning, and with
//! `DAEMONAUTH_HEADERS=check` an error: the test command uses it to catch stale headers.

use std::path::{Path, PathBuf};

/// A public header under include/daemonauth/.
struct Header {
    name: &'static str,
    /// The Rust files it is generated from.
    sources: &'static [&'static str],
    /// Types no function of the header names (enums the functions take as plain `int`, opaque
    /// handles other headers use): cbindgen would otherwise leave them out.
    types: &'static [&'static str],
    /// Other daemonauth headers whose types it uses.
    includes: &'static [&'static str],
}

const HEADERS: &[Header] = &[
    Header {
        name: "core",
        sources: &["src/error.rs", "src/log.rs", "src/ffi/core.rs", "src/ffi/buffer.rs", "src/ffi/handles.rs"],
        types: &["daemonauth_gss_ctx", "daemonauth_responder", "daemonauth_limiter"],
        includes: &[],
    },
    Header { name: "responder", sources: &["src/responder/ffi.rs"], types: &[], includes: &["core"] },
    Header {
        name: "gss",
        sources: &["src/framing.rs", "src/gss/mod.rs"],
        types: &["Framing", "GssNameType", "GssUsage"],
        includes: &["core", "responder"],
    },
    Header {
        name: "distcc",
        sources: &["src/distcc/mod.rs"],
        types: &["DistccExit", "DistccListMode"],
        includes: &["core"],
    },
    Header { name: "limits", sources: &["src/limits/mod.rs"], types: &[], includes: &["core"] },
    Header {
        name: "cvs_auth",
        sources: &["src/cvs/ffi.rs"],
        types: &["CvsSystemPasswords"],
        includes: &["core", "responder", "gss", "limits"],
    },
    Header {
        name: "hostauth",
        sources: &["src/hostauth/ffi/registry.rs", "src/hostauth/ffi/session.rs"],
        types: &["HostauthMethod", "HostauthServer", "HostauthPasswordCheck"],
        includes: &["core", "responder"],
    },
];

/// Types declared in one header and used by others, which must not declare them again.
const SHARED_TYPES: &[&str] = &[
    "ErrorCode",
    "LogLevel",
    "LogCallback",
    "daemonauth_buffer",
    "daemonauth_responder",
    "daemonauth_gss_ctx",
    "daemonauth_limiter",
];

const SONAME: &str = "libdaemonauth.so.0";

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets this"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets this")).join("include");
    let check_only = std::env::var("DAEMONAUTH_HEADERS").as_deref() == Ok("check");
    println!("cargo:rerun-if-env-changed=DAEMONAUTH_HEADERS");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=include");

    let mut stale = Vec::new();
    let mut umbrella = String::from(UMBRELLA_HEAD);
    for header in HEADERS {
        let name = format!("daemonauth/{}.h", header.name);
        deliver(&root, &out, &name, &generate(&root, header), &mut stale);
        umbrella.push_str(&format!("#include \"{name}\"\n"));
    }
    umbrella.push_str(UMBRELLA_TAIL);
    deliver(&root, &out, "daemonauth.h", &umbrella, &mut stale);
    if !stale.is_empty() {
        let message = format!(
            "the committed headers differ from what the sources generate (run scripts/headers and commit): {}",
            stale.join(", ")
        );
        if check_only {
            panic!("{message}");
        }
        println!("cargo:warning={message}");
    }

    // What the shared object exports is rustc's own list for a cdylib: the `#[no_mangle]`
    // functions and statics, nothing else (c-tests/check-exports.sh compares it with the
    // headers). The symbols are unversioned: rustc passes that list as an anonymous version
    // script, which a named version of ours can neither join (GNU ld refuses the mix) nor
    // override (lld keeps rustc's assignment); the soname carries the ABI version.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{SONAME}");
    link_unwinder_statically();
}

/// Links GCC's unwinder (`libgcc_eh.a`, what `-static-libgcc` links) into the shared object, so
/// that it does not need `libgcc_s.so.1`: loading one more library costs a process start about
/// 200 µs (docs/performance.md), and the unwinder is only used inside the library (a panic
/// caught before it reaches C). The whole archive goes in, so that every `_Unwind_*` call
/// binds to the same copy; none is exported (rustc's version script keeps only the API).
/// `DAEMONAUTH_SHARED_LIBGCC=1` links `libgcc_s.so.1` instead, as Rust does by default.
fn link_unwinder_statically() {
    println!("cargo:rerun-if-env-changed=DAEMONAUTH_SHARED_LIBGCC");
    println!("cargo:rerun-if-env-changed=CC");
    let gnu_linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    if !gnu_linux || std::env::var_os("DAEMONAUTH_SHARED_LIBGCC").is_some_and(|v| v == "1") {
        return;
    }
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let archive = std::process::Command::new(&compiler)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|path| PathBuf::from(path.trim()))
        .filter(|path| path.is_absolute() && path.is_file());
    match archive {
        Some(path) => {
            println!("cargo:rustc-cdylib-link-arg=-Wl,--whole-archive,{},--no-whole-archive", path.display())
        }
        None => println!("cargo:warning={compiler} has no libgcc_eh.a: the library will need libgcc_s.so.1"),
    }
}

const UMBRELLA_HEAD: &str = "/* Generated by build.rs: do not edit. */\n\
/* daemonauth: network authentication of classic Unix daemons. Include this header and link\n\
 * with `pkg-config --cflags --libs daemonauth`. */\n\
#ifndef DAEMONAUTH_H\n#define DAEMONAUTH_H\n\n";
const UMBRELLA_TAIL: &str = "\n#endif /* DAEMONAUTH_H */\n";

fn generate(root: &Path, header: &Header) -> String {
    let name = header.name;
    let mut config =
        cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml is readable and valid");
    config.include_guard = Some(format!("DAEMONAUTH_{}_H", name.to_uppercase()));
    config.export.include.extend(header.types.iter().map(|e| (*e).to_owned()));
    config.includes.extend(header.includes.iter().map(|h| format!("daemonauth/{h}.h")));
    config.export.exclude.extend(
        SHARED_TYPES.iter().filter(|t| !header.sources.iter().any(|s| declares(root, s, t))).map(|t| (*t).to_owned()),
    );
    let mut builder = cbindgen::Builder::new().with_config(config);
    for source in header.sources {
        println!("cargo:rerun-if-changed={source}");
        // cbindgen follows a module's `pub mod` items into the files of its directory.
        if let Some(dir) = source.strip_suffix("/mod.rs") {
            println!("cargo:rerun-if-changed={dir}");
        }
        builder = builder.with_src(root.join(source));
    }
    let bindings = builder.generate().unwrap_or_else(|err| panic!("cbindgen failed for {name}.h: {err}"));
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("cbindgen writes UTF-8")
}

/// Whether the Rust file `source` declares the type `name` (a module's `mod.rs` also
/// declares what its `ffi.rs`, which cbindgen reads through it, declares).
fn declares(root: &Path, source: &str, name: &str) -> bool {
    let mut text = std::fs::read_to_string(root.join(source)).unwrap_or_default();
    if let Some(dir) = source.strip_suffix("mod.rs") {
        text.push_str(&std::fs::read_to_string(root.join(dir).join("ffi.rs")).unwrap_or_default());
    }
    ["struct", "enum", "type"].iter().any(|kind| {
        let declaration = format!("pub {kind} {name}");
        text.match_indices(&declaration)
            .any(|(at, _)| !text[at + declaration.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_'))
    })
}

/// Writes the generated header `name` under `out` and notes it in `stale` when the committed
/// `include/NAME` differs.
fn deliver(root: &Path, out: &Path, name: &str, text: &str, stale: &mut Vec<String>) {
    let path = out.join(name);
    std::fs::create_dir_all(path.parent().expect("headers live in a directory"))
        .and_then(|()| std::fs::write(&path, text))
        .unwrap_or_else(|err| panic!("cannot write {}: {err}", path.display()));
    if std::fs::read_to_string(root.join("include").join(name)).unwrap_or_default() != text {
        stale.push(format!("include/{name}"));
    }
}
