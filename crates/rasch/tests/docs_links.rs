//! The README and `docs/` stay navigable: every relative link (and image) in them points at a
//! file or directory of the checkout, every page of `docs/` is linked from the README or from
//! another page, is a chapter of the book (`docs/SUMMARY.md`), and has its Rust code blocks
//! compiled by the doc-tests (`doc_pages` in `crates/rasch/src/lib.rs`).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// `(page, target)` for every `[text](target)` / `![alt](target)` that is not a URL or anchor.
fn relative_links(page: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(page).unwrap();
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = &rest[..end];
        let target = target.split('#').next().unwrap_or("");
        if !target.is_empty() && !target.contains("://") && !target.contains(' ') && !target.starts_with("mailto:") {
            out.push(target.to_string());
        }
    }
    out
}

#[test]
fn every_relative_link_resolves_and_every_doc_is_reachable() {
    let root = root();
    let mut pages = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    // SUMMARY.md is the book's table of contents (mdbook reads it), not a page anyone links to.
    let summary_file = root.join("docs/SUMMARY.md");
    docs.sort();
    pages.extend(docs.iter().cloned());
    let mut linked = std::collections::HashSet::new();
    let mut broken = Vec::new();
    for page in &pages {
        for target in relative_links(page) {
            let resolved = page.parent().unwrap().join(&target);
            match resolved.canonicalize() {
                Ok(p) => {
                    linked.insert(p);
                }
                Err(_) => broken.push(format!("{} -> {target}", page.strip_prefix(&root).unwrap().display())),
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    let orphans: Vec<String> = docs
        .iter()
        .filter(|d| **d != summary_file && !linked.contains(&d.canonicalize().unwrap()))
        .map(|d| d.display().to_string())
        .collect();
    assert!(orphans.is_empty(), "pages of docs/ nothing links to: {orphans:?}");

    let summary = std::fs::read_to_string(root.join("docs/SUMMARY.md")).unwrap();
    let lib = std::fs::read_to_string(root.join("crates/rasch/src/lib.rs")).unwrap();
    for doc in &docs {
        let name = doc.file_name().unwrap().to_string_lossy();
        if name == "SUMMARY.md" {
            continue;
        }
        assert!(summary.contains(&format!("]({name})")), "docs/{name} is not a chapter of docs/SUMMARY.md");
        if name != "README.md" {
            assert!(
                lib.contains(&format!("include_str!(\"../../../docs/{name}\")")),
                "docs/{name} is not in doc_pages of crates/rasch/src/lib.rs"
            );
        }
    }
}
