//! Tests of the configuration registry and of typed reads.

use super::*;
use std::collections::BTreeSet;
use std::time::Duration;

#[test]
fn every_option_parses_its_default() {
    for o in options::ALL {
        if let Some(d) = o.default_text() {
            o.check(d).unwrap_or_else(|e| panic!("the default of '{}' does not parse: {e}", o.key()));
        }
        assert!(!o.description().is_empty(), "'{}' has no description", o.key());
        assert!(!o.expected().is_empty(), "'{}' says nothing about its values", o.key());
    }
}

#[test]
fn keys_are_declared_once() {
    let mut seen = BTreeSet::new();
    for key in known_keys() {
        assert!(seen.insert(key), "'{key}' is declared twice");
        assert!(find(key).is_some_and(|o| o.key() == key));
    }
    assert_eq!(seen.len(), options::ALL.len());
}

#[test]
fn scopes_follow_the_key_families() {
    const JOB_PREFIXES: [&str; 5] = ["parallelism.", "pipeline.", "execution.", "state.", "restart-strategy."];
    for o in options::ALL {
        let job_family = JOB_PREFIXES.iter().any(|p| o.key().starts_with(p));
        // The one Rasch-only job key lives under Flink's network prefix.
        let expected = if job_family || o.key() == BATCH_SIZE.key { Scope::Job } else { Scope::Cluster };
        assert_eq!(o.scope(), expected, "{}", o.key());
    }
}

#[test]
fn unknown_keys_suggest_the_nearest() {
    let mut c = Configuration::new();
    let err = c.set("parallelism.defualt", "2").unwrap_err().to_string();
    assert!(err.contains("unknown configuration key 'parallelism.defualt'; did you mean 'parallelism.default'"), "{err}");
    let err = c.set("no.such.thing.at.all", "2").unwrap_err().to_string();
    assert_eq!(err, "invalid configuration: unknown configuration key 'no.such.thing.at.all'");
    let err = validate("rest.prot", "8081").unwrap_err().to_string();
    assert!(err.contains("did you mean 'rest.port'"), "{err}");
    c.set(PARALLELISM_DEFAULT, "3").unwrap();
    assert_eq!(c.read(PARALLELISM_DEFAULT).unwrap(), Some(3));
}

#[test]
fn reads_use_the_set_value_else_the_default() {
    let mut c = Configuration::new();
    assert_eq!(c.value(PARALLELISM_DEFAULT).unwrap(), 1);
    assert_eq!(c.read_set(PARALLELISM_DEFAULT).unwrap(), None);
    assert_eq!(c.read(CHECKPOINTING_INTERVAL).unwrap(), None);
    assert!(c.value(CHECKPOINTING_INTERVAL).unwrap_err().to_string().contains("has no default"));
    assert_eq!(c.value(CHECKPOINTING_TIMEOUT).unwrap(), Duration::from_secs(600));
    assert_eq!(c.value(STATE_BACKEND_LSM_MEMORY).unwrap(), 64 << 20);
    assert_eq!(c.value(EXPONENTIAL_MULTIPLIER).unwrap(), 1.5);
    c.set(STATE_BACKEND, "RocksDB").unwrap();
    assert_eq!(c.value(STATE_BACKEND).unwrap(), StateBackendType::Lsm);
    c.set(RESTART_STRATEGY, "fixeddelay").unwrap();
    assert_eq!(c.read(RESTART_STRATEGY).unwrap(), Some(RestartStrategyType::FixedDelay));
}

#[test]
fn typed_values_are_checked() {
    let mut c = Configuration::new();
    c.set(PARALLELISM_DEFAULT, "zero").unwrap();
    let err = c.read(PARALLELISM_DEFAULT).unwrap_err().to_string();
    assert_eq!(err, "invalid configuration: 'parallelism.default': expected a positive integer, got 'zero'");
    c.set(RUNTIME_MODE, "batch").unwrap();
    assert_eq!(c.runtime_mode().unwrap(), RuntimeMode::Batch);
    c.set(BUFFER_TIMEOUT, "5 s").unwrap();
    assert_eq!(c.read(BUFFER_TIMEOUT).unwrap(), Some(Duration::from_secs(5)));
    assert!(validate("web.submit.enable", "maybe").is_err());
    assert!(validate("rest.port", "99999").is_err());
    assert!(validate("taskmanager.memory.process.size", "1728m").is_ok());
    assert!(validate(CHECKPOINTING_MODE.key, "sometimes").unwrap_err().to_string().contains("EXACTLY_ONCE"));
}

#[test]
fn durations_and_memory_sizes_use_flink_units() {
    assert_eq!(parse_memory_size("64mb"), Some(64 << 20));
    assert_eq!(parse_memory_size(" 1 MiB "), Some(1 << 20));
    assert_eq!(parse_memory_size("512"), Some(512));
    assert_eq!(parse_memory_size("2g"), Some(2 << 30));
    assert_eq!(parse_memory_size("1 gb"), Some(1 << 30));
    assert_eq!(parse_memory_size("lots"), None);
    assert_eq!(parse_memory_size("5 parsecs"), None);
    assert_eq!(parse_duration_ms("100ms"), Some(100));
    assert_eq!(parse_duration_ms("1 min"), Some(60_000));
    assert_eq!(parse_duration_ms("fast"), None);
}
