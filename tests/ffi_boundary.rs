//! Every C export's body is one `ffi_boundary!` (docs/api-conventions.md): the panic guard,
//! the last error and the return conversion cannot be forgotten by a new export.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The exports in `text` (by function name) whose body does not start with `ffi_boundary!`.
/// Comments before the macro (`// SAFETY:`) are allowed.
fn unguarded_exports(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut unguarded = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if line.trim() != "#[unsafe(no_mangle)]" {
            continue;
        }
        let Some(signature_start) = lines[index + 1..].iter().position(|l| !l.trim_start().starts_with("#[")) else {
            continue;
        };
        let signature_line = lines[index + 1 + signature_start];
        let Some(name) = signature_line.split("extern \"C\" fn ").nth(1) else {
            continue; // a static (distcc's context handles), not a function
        };
        let name = name.split('(').next().unwrap_or(name).to_owned();
        let body_start = lines[index + 1 + signature_start..]
            .iter()
            .position(|l| l.ends_with('{') && !l.trim_start().starts_with("//"))
            .map(|offset| index + 1 + signature_start + offset + 1)
            .expect("a function has a body");
        let first_statement =
            lines[body_start..].iter().map(|l| l.trim()).find(|l| !l.is_empty() && !l.starts_with("//"));
        if !first_statement.is_some_and(|statement| statement.starts_with("ffi_boundary!")) {
            unguarded.push(name);
        }
    }
    unguarded
}

#[test]
fn every_export_body_is_an_ffi_boundary() {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut unguarded = Vec::new();
    let mut exports = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source is UTF-8");
        exports += text.matches("#[unsafe(no_mangle)]").count();
        unguarded.extend(unguarded_exports(&text).into_iter().map(|name| format!("{}: {name}", file.display())));
    }
    assert!(exports > 50, "the scan found only {exports} exports: it is not reading the sources");
    assert!(unguarded.is_empty(), "exports whose body is not an ffi_boundary!:\n{}", unguarded.join("\n"));
}

#[test]
fn the_scan_catches_an_unguarded_export() {
    let text = "#[unsafe(no_mangle)]\npub extern \"C\" fn forgot(x: i32) -> i32 {\n    x + 1\n}\n\
                #[unsafe(no_mangle)]\npub extern \"C\" fn kept() -> ErrorCode {\n    // SAFETY: nothing\n    ffi_boundary! { Ok(()) }\n}\n";
    assert_eq!(unguarded_exports(text), vec!["forgot".to_owned()]);
}
