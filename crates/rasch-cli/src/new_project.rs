//! `rasch new <name>`: a job crate to start from — Flink's quickstart archetype for Rust. It
//! holds a small job (the pipeline in `src/lib.rs`, arguments in `src/main.rs`), a test that
//! runs the pipeline with `execute_and_collect`, and a README saying how to run it locally and
//! on a cluster.

use crate::client::{CliError, CliResult};
use std::path::{Path, PathBuf};

/// Where the new crate takes the `rasch` crate from (until the crates are published).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RaschSource {
    /// A Rasch checkout on this machine (its `crates/rasch`); its `Cargo.lock` is copied so the
    /// job builds with the dependency versions Rasch is tested with.
    Checkout(PathBuf),
    /// A git repository holding Rasch.
    Git(String),
}

impl RaschSource {
    /// `--path`, else `--git`, else the checkout this `rasch` binary was built from, if it is
    /// still there.
    pub fn choose(path: Option<&Path>, git: Option<&str>) -> CliResult<Self> {
        if let Some(p) = path {
            let root = p.canonicalize().map_err(|e| CliError::with_code(format!("--path {}: {e}", p.display()), 2))?;
            if !root.join("crates/rasch/Cargo.toml").is_file() {
                return Err(CliError::with_code(format!("--path {}: not a Rasch checkout (no crates/rasch/Cargo.toml)", p.display()), 2));
            }
            return Ok(RaschSource::Checkout(root));
        }
        if let Some(url) = git {
            return Ok(RaschSource::Git(url.to_string()));
        }
        let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        match built_from.canonicalize() {
            Ok(root) if root.join("crates/rasch/Cargo.toml").is_file() => Ok(RaschSource::Checkout(root)),
            _ => Err(CliError::with_code("rasch new: say where Rasch comes from: --path <rasch checkout> or --git <url>", 2)),
        }
    }

    /// The dependency line's value in the new `Cargo.toml`.
    fn dependency(&self) -> String {
        match self {
            RaschSource::Checkout(root) => format!("{{ path = {:?} }}", root.join("crates/rasch").display().to_string()),
            RaschSource::Git(url) => format!("{{ git = {url:?} }}"),
        }
    }
}

/// The files of a new job crate: (path inside the crate, template).
const TEMPLATES: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("../templates/new/Cargo.toml.tmpl")),
    ("src/lib.rs", include_str!("../templates/new/lib.rs.tmpl")),
    ("src/main.rs", include_str!("../templates/new/main.rs.tmpl")),
    ("tests/pipeline.rs", include_str!("../templates/new/test.rs.tmpl")),
    ("README.md", include_str!("../templates/new/README.md.tmpl")),
    (".gitignore", include_str!("../templates/new/gitignore.tmpl")),
];

/// Checks a package name as cargo does: ASCII letters, digits, `-` and `_`, not starting with a
/// digit or a dash.
fn check_name(name: &str) -> CliResult<()> {
    let valid = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(CliError::with_code(format!("rasch new {name:?}: a name is ASCII letters, digits, '-' and '_', starting with a letter"), 2))
    }
}

/// Creates the job crate `name` in `parent/name`; returns its directory.
pub fn create(name: &str, parent: &Path, source: &RaschSource) -> CliResult<PathBuf> {
    check_name(name)?;
    let dir = parent.join(name);
    if dir.exists() && dir.read_dir().map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(CliError::with_code(format!("rasch new: {} already exists and is not empty", dir.display()), 1));
    }
    let crate_name = name.replace('-', "_");
    let dependency = source.dependency();
    for (path, template) in TEMPLATES {
        let text = template.replace("{{name}}", name).replace("{{crate}}", &crate_name).replace("{{rasch}}", &dependency);
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| CliError::with_code(format!("creating {}: {e}", parent.display()), 1))?;
        }
        std::fs::write(&target, text).map_err(|e| CliError::with_code(format!("writing {}: {e}", target.display()), 1))?;
    }
    if let RaschSource::Checkout(root) = source {
        let lock = root.join("Cargo.lock");
        if lock.is_file() {
            std::fs::copy(&lock, dir.join("Cargo.lock")).map_err(|e| CliError::with_code(format!("copying {}: {e}", lock.display()), 1))?;
        }
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_like_cargo_does() {
        for good in ["job", "my-job", "my_job2", "_x"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "2job", "-job", "my job", "jöb", "a/b"] {
            let e = check_name(bad).unwrap_err();
            assert!(e.message.contains("a name is ASCII letters"), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn templates_are_filled_and_an_existing_directory_is_refused() {
        let parent = std::env::temp_dir().join(format!("rasch-new-unit-{}", std::process::id()));
        std::fs::remove_dir_all(&parent).ok();
        std::fs::create_dir_all(&parent).unwrap();
        let source = RaschSource::Git("https://example.invalid/rasch.git".into());
        let dir = create("sensor-max", &parent, &source).unwrap();
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("name = \"sensor-max\""), "{manifest}");
        assert!(manifest.contains("rasch = { git = \"https://example.invalid/rasch.git\" }"), "{manifest}");
        let test = std::fs::read_to_string(dir.join("tests/pipeline.rs")).unwrap();
        assert!(test.contains("sensor_max::running_max"), "the crate name has underscores");
        for (path, _) in TEMPLATES {
            let text = std::fs::read_to_string(dir.join(path)).unwrap();
            assert!(!text.contains("{{"), "{path} still has a placeholder");
        }
        let again = create("sensor-max", &parent, &source).unwrap_err();
        assert!(again.message.contains("already exists"), "{}", again.message);
        std::fs::remove_dir_all(&parent).ok();
    }
}
