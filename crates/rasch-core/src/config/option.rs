//! [`ConfigOption`]: one configuration key declared once — its Flink name, value type,
//! default, scope and description (Flink's `ConfigOptions.key(..).intType().defaultValue(..)`).
//! Every declared option is listed in [`super::options::ALL`]; validation of unknown keys and
//! of values, defaults and typed reads all go through these declarations.

use crate::error::{Error, Result};
use std::fmt;

/// Who reads an option: the job (handed from the cluster configuration to every job) or only
/// the cluster processes (addresses, ports, files of the JobManager and TaskManagers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A job setting (`parallelism.*`, `pipeline.*`, `execution.*`, `state.*`, `restart-strategy.*`).
    Job,
    /// A setting of the cluster processes only.
    Cluster,
}

/// How values of one type are read from their text form.
pub struct ValueType<T> {
    /// What a valid value looks like, for error messages (e.g. `a positive integer`).
    pub expected: &'static str,
    /// Parses a value (already trimmed); `None` when it is not valid.
    pub parse: fn(&str) -> Option<T>,
}

impl<T> Clone for ValueType<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for ValueType<T> {}

/// One configuration key with its value type, default, scope and description.
pub struct ConfigOption<T: 'static> {
    /// The key, Flink's name where Flink has one (`parallelism.default`).
    pub key: &'static str,
    /// How its values are parsed.
    pub ty: ValueType<T>,
    /// The default in text form, parsed like a set value; `None` when the default depends on
    /// the context (see the description).
    pub default: Option<&'static str>,
    /// Whether jobs see it.
    pub scope: Scope,
    /// What it does, including a context-dependent default.
    pub description: &'static str,
}

impl<T> Clone for ConfigOption<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for ConfigOption<T> {}

impl<T> ConfigOption<T> {
    /// An option without a static default.
    pub const fn new(key: &'static str, ty: ValueType<T>, scope: Scope, description: &'static str) -> Self {
        ConfigOption { key, ty, default: None, scope, description }
    }

    /// The same option with a default (in text form, parsed like a set value).
    pub const fn with_default(mut self, default: &'static str) -> Self {
        self.default = Some(default);
        self
    }

    /// Parses `value` (trimmed); the error names the key, what was expected and the value.
    pub fn parse(&self, value: &str) -> Result<T> {
        (self.ty.parse)(value.trim()).ok_or_else(|| Error::Config(format!("'{}': expected {}, got '{value}'", self.key, self.ty.expected)))
    }

    /// The parsed default, if the option has one.
    pub fn default_value(&self) -> Option<T> {
        self.default.and_then(|d| (self.ty.parse)(d.trim()))
    }
}

impl<T> AsRef<str> for ConfigOption<T> {
    fn as_ref(&self) -> &str {
        self.key
    }
}

impl<T> fmt::Display for ConfigOption<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key)
    }
}

impl<T> fmt::Debug for ConfigOption<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigOption").field("key", &self.key).field("default", &self.default).finish()
    }
}

/// A [`ConfigOption`] of any value type: what the registry needs to validate and describe it.
pub trait AnyOption: Sync {
    /// The key.
    fn key(&self) -> &'static str;
    /// The default in text form, if any.
    fn default_text(&self) -> Option<&'static str>;
    /// What a valid value looks like.
    fn expected(&self) -> &'static str;
    /// Whether jobs see it.
    fn scope(&self) -> Scope;
    /// What it does.
    fn description(&self) -> &'static str;
    /// Checks that `value` parses; the error names the key and the value.
    fn check(&self, value: &str) -> Result<()>;
}

impl<T> AnyOption for ConfigOption<T> {
    fn key(&self) -> &'static str {
        self.key
    }
    fn default_text(&self) -> Option<&'static str> {
        self.default
    }
    fn expected(&self) -> &'static str {
        self.ty.expected
    }
    fn scope(&self) -> Scope {
        self.scope
    }
    fn description(&self) -> &'static str {
        self.description
    }
    fn check(&self, value: &str) -> Result<()> {
        self.parse(value).map(drop)
    }
}

/// The declared option named `key`, if any.
pub fn find(key: &str) -> Option<&'static dyn AnyOption> {
    super::options::ALL.iter().copied().find(|o| o.key() == key)
}

/// Every declared key, in declaration order.
pub fn known_keys() -> impl Iterator<Item = &'static str> {
    super::options::ALL.iter().map(|o| o.key())
}

/// Checks that `key` is declared and `value` parses as its type.
pub fn validate(key: &str, value: &str) -> Result<()> {
    find(key).ok_or_else(|| Error::Config(unknown_key_message(key)))?.check(value)
}

/// "unknown configuration key 'x'; did you mean 'y'?"
pub fn unknown_key_message(key: &str) -> String {
    let keys: Vec<&str> = known_keys().collect();
    match nearest(key, &keys) {
        Some(near) => format!("unknown configuration key '{key}'; did you mean '{near}'?"),
        None => format!("unknown configuration key '{key}'"),
    }
}

/// The candidate with the smallest edit distance to `word`, if reasonably close.
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates.iter().map(|c| (edit_distance(word, c), *c)).min().filter(|(d, _)| *d <= word.len().max(4) / 2).map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
