//! Tidiness checks over the source tree (rust-analyzer's `tidy.rs`): every Rust file opens with a
//! `//!` comment saying what it owns, and ARCHITECTURE.md names only code that exists.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources(folders: &[&str]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for folder in folders {
        rust_files(&root().join(folder), &mut files);
    }
    files.sort();
    files
}

#[test]
fn every_rust_file_opens_with_a_module_comment() {
    let files = sources(&["src", "tests", "benches", "examples"]);
    assert!(files.len() > 50, "found only {} files", files.len());
    let missing: Vec<String> = files
        .iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .map(|path| path.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not open with `//!` saying what they own: {missing:?}"
    );
}

/// The Rust source of the module at `segments` under src/, if there is one.
fn module_file(segments: &[&str]) -> Option<PathBuf> {
    let base = root().join("src").join(segments.join("/"));
    [base.with_extension("rs"), base.join("mod.rs")]
        .into_iter()
        .find(|p| p.is_file())
}

fn defines(text: &str, name: &str) -> bool {
    let item = [
        "fn", "struct", "enum", "trait", "type", "const", "static", "mod",
    ]
    .iter()
    .any(|keyword| {
        text.match_indices(&format!("{keyword} {name}"))
            .any(|(at, m)| {
                !text[at + m.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
            })
    });
    let reexport = text
        .lines()
        .any(|l| l.trim_start().starts_with("pub use") && words(l).any(|w| w == name));
    item || reexport
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
}

/// `member` is a method or an enum variant of `type_name` somewhere in `files`.
fn has_member(files: &[(PathBuf, String)], type_name: &str, member: &str) -> bool {
    files.iter().any(|(_, text)| {
        let about_type = defines(text, type_name)
            || text
                .lines()
                .any(|l| l.trim_start().starts_with("impl") && words(l).any(|w| w == type_name));
        let variant = text.lines().any(|l| {
            let l = l.trim_start();
            l.strip_prefix(member)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([',', '(', ' ', '{']))
        });
        about_type && (defines(text, member) || variant)
    })
}

#[test]
fn architecture_md_names_code_that_exists() {
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let files: Vec<(PathBuf, String)> = sources(&["src"])
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    let mut checked = 0;
    let mut unresolved = Vec::new();
    for span in doc.split('`').skip(1).step_by(2) {
        let path: Vec<&str> = span.split("::").collect();
        let is_path = path.len() >= 2
            && path
                .iter()
                .all(|s| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_'));
        if !is_path {
            continue;
        }
        // The longest prefix that is a module of the crate, then items inside it.
        let module_len = (1..path.len())
            .rev()
            .find(|&n| module_file(&path[..n]).is_some());
        let resolved = match module_len {
            Some(n) => {
                let file = module_file(&path[..n]).unwrap();
                let text = std::fs::read_to_string(&file).unwrap();
                match &path[n..] {
                    [item] => defines(&text, item) || module_file(&path).is_some(),
                    [type_name, member] => {
                        defines(&text, type_name) && has_member(&files, type_name, member)
                    }
                    _ => false,
                }
            }
            // `Type::member` outside a module path: a type of the crate, or something foreign.
            None => match path.as_slice() {
                [type_name, member] if files.iter().any(|(_, text)| defines(text, type_name)) => {
                    has_member(&files, type_name, member)
                }
                _ => continue,
            },
        };
        checked += 1;
        if !resolved {
            unresolved.push(span.to_owned());
        }
    }
    assert!(
        checked >= 20,
        "only {checked} code paths found in ARCHITECTURE.md"
    );
    assert!(
        unresolved.is_empty(),
        "ARCHITECTURE.md names code that does not exist: {unresolved:?}"
    );
}
