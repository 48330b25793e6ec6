//! Configuration with Flink's key names, through one typed registry.
//!
//! Every key is declared once as a [`ConfigOption`] — name, value type, default, scope,
//! description — in [`options`] (job keys) or [`cluster_options`] (cluster keys), and listed in
//! [`options::ALL`]. A [`Configuration`] is a flat map from key to text; setting an undeclared
//! key is an error that names the nearest declared one, so typos never pass silently, and
//! [`Configuration::read`] parses a value (or the default) as the option's type.

pub mod cluster_options;
mod option;
pub mod options;
mod types;

pub use cluster_options::*;
pub use option::{AnyOption, ConfigOption, Scope, ValueType, find, known_keys, nearest, unknown_key_message, validate};
pub use options::*;
pub use types::*;

use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// A flat key → value configuration using Flink's key names.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Configuration {
    values: BTreeMap<String, String>,
}

impl Configuration {
    /// An empty configuration (every key at its default).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a key after checking that it is declared; the error names the nearest declared
    /// key. The value is checked when it is read (or up front with [`validate`]).
    pub fn set(&mut self, key: impl AsRef<str>, value: impl Into<String>) -> Result<()> {
        let key = key.as_ref();
        if find(key).is_none() {
            return Err(Error::Config(unknown_key_message(key)));
        }
        self.values.insert(key.to_string(), value.into());
        Ok(())
    }

    /// The raw value of a key, if set.
    pub fn get(&self, key: impl AsRef<str>) -> Option<&str> {
        self.values.get(key.as_ref()).map(String::as_str)
    }

    /// All keys that are set, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The value of `option` as its type: the set value, else its default, else `None`.
    /// A set value that does not parse is an error naming the key and the value.
    pub fn read<T>(&self, option: ConfigOption<T>) -> Result<Option<T>> {
        match self.get(option.key) {
            Some(v) => option.parse(v).map(Some),
            None => Ok(option.default_value()),
        }
    }

    /// The value of `option` only if it is set (ignoring the default), parsed as its type.
    pub fn read_set<T>(&self, option: ConfigOption<T>) -> Result<Option<T>> {
        self.get(option.key).map(|v| option.parse(v)).transpose()
    }

    /// The value of an option that has a default: the set value, else the default.
    pub fn value<T>(&self, option: ConfigOption<T>) -> Result<T> {
        self.read(option)?.ok_or_else(|| Error::Internal(format!("configuration option '{}' has no default", option.key)))
    }

    /// `execution.runtime-mode`, default `STREAMING`.
    pub fn runtime_mode(&self) -> Result<RuntimeMode> {
        self.value(RUNTIME_MODE)
    }
}

#[cfg(test)]
mod tests;
