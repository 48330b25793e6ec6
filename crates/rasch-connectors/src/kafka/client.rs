//! librdkafka configuration shared by the source and the sink: the user's properties (Kafka
//! client names, e.g. `bootstrap.servers`), errors as Rasch errors, and the PID log hook.

use rasch_core::Error;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use std::collections::BTreeMap;

/// Client properties in librdkafka's (= the Java client's) names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KafkaProperties(pub(crate) BTreeMap<String, String>);

impl KafkaProperties {
    /// Properties with `bootstrap.servers` set.
    pub fn new(bootstrap_servers: &str) -> Self {
        let mut p = KafkaProperties::default();
        p.set("bootstrap.servers", bootstrap_servers);
        p
    }
    /// Sets one property.
    pub fn set(&mut self, key: &str, value: &str) {
        self.0.insert(key.to_owned(), value.to_owned());
    }
    /// The value of one property.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
    /// A librdkafka configuration with these properties plus `extra` (which win).
    pub(crate) fn client_config(&self, extra: &[(&str, &str)]) -> ClientConfig {
        let mut c = ClientConfig::new();
        for (k, v) in &self.0 {
            c.set(k, v);
        }
        for (k, v) in extra {
            c.set(*k, *v);
        }
        c.set_log_level(RDKafkaLogLevel::Warning);
        c
    }
}

/// A Kafka client error as a Rasch error: external (a broker or the network), retryable.
pub(crate) fn kafka_error(what: impl std::fmt::Display, e: rdkafka::error::KafkaError) -> Error {
    Error::Unavailable(format!("Kafka: {what}: {e}"))
}

/// Parses librdkafka's `GETPID` debug line `Acquired PID{Id:12,Epoch:3} ...` into the
/// producer id and epoch (librdkafka has no API for them; the sink needs them to resume a
/// prepared transaction after a failure, as Flink's `KafkaSink` does).
pub(crate) fn parse_acquired_pid(line: &str) -> Option<(i64, i16)> {
    let rest = &line[line.find("Acquired PID{Id:")? + "Acquired PID{Id:".len()..];
    let (id, rest) = rest.split_once(",Epoch:")?;
    let epoch = rest.split('}').next()?;
    Some((id.parse().ok()?, epoch.parse().ok()?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn pid_lines() {
        assert_eq!(super::parse_acquired_pid("[thrd:main]: Acquired PID{Id:1,Epoch:3}"), Some((1, 3)));
        assert_eq!(super::parse_acquired_pid("[thrd:main]: Acquired PID{Id:7,Epoch:0} (previous PID{Id:6,Epoch:2})"), Some((7, 0)));
        assert_eq!(super::parse_acquired_pid("Acquiring ProducerId"), None);
    }
}
