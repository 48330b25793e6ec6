//! `docs/` renders as a book: `mdbook build docs` succeeds, every page of `SUMMARY.md` becomes
//! an HTML page with its title, and every link between the book's pages lands on a page that
//! exists. mdbook comes from `scripts/install-mdbook.sh` (cached in `~/.cache/rasch/mdbook`),
//! which `scripts/test.sh` runs; `$MDBOOK` names another binary.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// `$MDBOOK`, the installer's cached binary (`$RASCH_CACHE_DIR` or `~/.cache/rasch`), or `mdbook` on the `PATH`.
fn mdbook() -> PathBuf {
    if let Some(m) = std::env::var_os("MDBOOK") {
        return PathBuf::from(m);
    }
    let cache = std::env::var_os("RASCH_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rasch")));
    let cached = cache.map(|c| c.join("mdbook/bin/mdbook"));
    cached.filter(|p| p.is_file()).unwrap_or_else(|| PathBuf::from("mdbook"))
}

/// The pages `SUMMARY.md` lists, in order.
fn summary_pages(docs: &Path) -> Vec<String> {
    let summary = std::fs::read_to_string(docs.join("SUMMARY.md")).unwrap();
    summary.split("](").skip(1).filter_map(|rest| rest.split(')').next()).map(str::to_string).collect()
}

/// The `href`s of an HTML page.
fn hrefs(html: &str) -> Vec<&str> {
    html.split("href=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect()
}

#[test]
fn the_docs_build_as_a_book_whose_links_resolve() {
    let docs = root().join("docs");
    let out = std::env::temp_dir().join(format!("rasch-book-{}", std::process::id()));
    let built = Command::new(mdbook()).arg("build").arg(&docs).arg("-d").arg(&out).output().unwrap_or_else(|e| {
        panic!("mdbook could not be started ({e}): run scripts/install-mdbook.sh (scripts/test.sh does) or set MDBOOK")
    });
    let said = format!("{}{}", String::from_utf8_lossy(&built.stdout), String::from_utf8_lossy(&built.stderr));
    assert!(built.status.success(), "mdbook build failed:\n{said}");
    assert!(!said.contains("ERROR") && !said.contains("WARN"), "mdbook complained:\n{said}");

    let pages = summary_pages(&docs);
    assert!(pages.len() >= 10, "{pages:?}");
    for page in &pages {
        let html_name = if page == "README.md" { "index.html".to_string() } else { page.replace(".md", ".html") };
        let html = std::fs::read_to_string(out.join(&html_name)).unwrap_or_else(|e| panic!("{page} was not rendered to {html_name}: {e}"));
        let title = std::fs::read_to_string(docs.join(page)).unwrap().lines().next().unwrap().trim_start_matches("# ").to_string();
        // mdbook's smart punctuation curls apostrophes.
        let title = title.replace('\'', "\u{2019}");
        assert!(html.contains(&title), "{html_name} lacks its title {title:?}");
        // Links to other pages of the book (not out of it, not anchors, not URLs) land on a page.
        for href in hrefs(&html) {
            let target = href.split('#').next().unwrap();
            if target.is_empty() || target.contains("://") || target.starts_with("../") || target.starts_with("mailto:") {
                continue;
            }
            assert!(out.join(target).exists(), "{html_name} links to {href}, which the book does not have");
        }
    }
    std::fs::remove_dir_all(&out).ok();
}
