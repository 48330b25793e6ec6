//! Options for remote storage (S3 endpoint, credentials, path style), Flink-style keys.

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use rasch_core::{Error, Result};
use std::str::FromStr;

/// Key/value options applied when a storage URL is an object store (`s3://…`); ignored for local
/// paths. Anything not given falls back to the standard `AWS_*` environment variables
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT`, …).
///
/// Accepted keys — Flink's names:
/// `s3.endpoint` (an `http://` endpoint also allows plain HTTP), `s3.access-key`, `s3.secret-key`,
/// `s3.region`, `s3.path.style.access` (`true`, the default here, or `false` for virtual-hosted
/// style), `s3.allow-http`; and any `object_store` S3 key such as `aws_session_token`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StorageOptions {
    entries: Vec<(String, String)>,
}

impl StorageOptions {
    /// No options: everything from the environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds options from key/value pairs (e.g. the `s3.*` entries of a job configuration).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Self { entries: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect() }
    }

    /// Adds (or overrides) one option.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        self.entries.retain(|(k, _)| *k != key);
        self.entries.push((key, value.into()));
        self
    }

    /// The options in the order given.
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }

    /// Applies the options to an S3 builder; an unknown key or a bad boolean is a config error.
    pub(crate) fn apply_s3(&self, mut builder: AmazonS3Builder) -> Result<AmazonS3Builder> {
        for (key, value) in &self.entries {
            builder = match key.as_str() {
                "s3.endpoint" => {
                    let b = builder.with_endpoint(value);
                    if value.starts_with("http://") { b.with_allow_http(true) } else { b }
                }
                "s3.access-key" | "s3.access.key" => builder.with_access_key_id(value),
                "s3.secret-key" | "s3.secret.key" => builder.with_secret_access_key(value),
                "s3.region" => builder.with_region(value),
                "s3.path.style.access" => builder.with_virtual_hosted_style_request(!parse_bool(key, value)?),
                "s3.allow-http" => builder.with_allow_http(parse_bool(key, value)?),
                other => match AmazonS3ConfigKey::from_str(other) {
                    Ok(k) => builder.with_config(k, value),
                    Err(_) => return Err(Error::Config(format!("unknown storage option '{other}' for an s3:// location"))),
                },
            };
        }
        Ok(builder)
    }
}

fn parse_bool(key: &str, value: &str) -> Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(Error::Config(format!("storage option '{key}' must be true or false, got '{value}'"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_overrides_and_unknown_keys_are_rejected() {
        let o = StorageOptions::new().set("s3.region", "a").set("s3.region", "b");
        assert_eq!(o.entries(), &[("s3.region".to_string(), "b".to_string())]);
        assert!(o.apply_s3(AmazonS3Builder::new()).is_ok());
        let bad = StorageOptions::from_pairs([("s3.nonsense", "x")]).apply_s3(AmazonS3Builder::new()).unwrap_err();
        assert!(bad.to_string().contains("s3.nonsense"), "{bad}");
        let bad = StorageOptions::from_pairs([("s3.path.style.access", "maybe")]).apply_s3(AmazonS3Builder::new()).unwrap_err();
        assert!(bad.to_string().contains("true or false"), "{bad}");
        assert!(StorageOptions::from_pairs([("aws_session_token", "t")]).apply_s3(AmazonS3Builder::new()).is_ok());
    }
}
