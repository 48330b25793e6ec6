//! Turning Kafka records into values: strings, raw bytes, JSON (serde), whole messages with
//! key, headers and position, or the user's own function. A deserializer reports a record it
//! cannot decode with a reason; the source then fails the job naming topic, partition and
//! offset, or skips and counts it ([`OnMalformed`](crate::formats::OnMalformed)).

use super::record::KafkaRecord;
use rasch_core::Data;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::marker::PhantomData;

/// Decodes Kafka records into values of type `T` (Flink's `KafkaRecordDeserializationSchema`).
pub trait KafkaDeserializer<T>: Send + Sync + 'static {
    /// The value of `record`, `Ok(None)` to drop it silently, or why it is malformed.
    fn deserialize(&self, record: &KafkaRecord<'_>) -> Result<Option<T>, String>;
}

fn value<'r>(record: &'r KafkaRecord<'_>) -> Result<&'r [u8], String> {
    record.value().ok_or_else(|| "the record has no value (a tombstone)".to_string())
}

/// The value as UTF-8 text (Flink's `SimpleStringSchema`).
#[derive(Debug, Clone, Copy, Default)]
pub struct StringDeserializer;

impl KafkaDeserializer<String> for StringDeserializer {
    fn deserialize(&self, record: &KafkaRecord<'_>) -> Result<Option<String>, String> {
        let bytes = value(record)?;
        std::str::from_utf8(bytes).map(|s| Some(s.to_owned())).map_err(|e| format!("the value is not UTF-8: {e}"))
    }
}

/// The value's raw bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct BytesDeserializer;

impl KafkaDeserializer<Vec<u8>> for BytesDeserializer {
    fn deserialize(&self, record: &KafkaRecord<'_>) -> Result<Option<Vec<u8>>, String> {
        value(record).map(|b| Some(b.to_vec()))
    }
}

/// The value as JSON, deserialized with serde into `T`.
pub struct JsonDeserializer<T>(PhantomData<fn() -> T>);

impl<T> JsonDeserializer<T> {
    /// A JSON deserializer for `T`.
    pub fn new() -> Self {
        JsonDeserializer(PhantomData)
    }
}

impl<T> Default for JsonDeserializer<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: DeserializeOwned + 'static> KafkaDeserializer<T> for JsonDeserializer<T> {
    fn deserialize(&self, record: &KafkaRecord<'_>) -> Result<Option<T>, String> {
        serde_json::from_slice(value(record)?).map(Some).map_err(|e| format!("invalid JSON: {e}"))
    }
}

/// A whole Kafka record, owned: position, timestamp, key, value and headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KafkaMessage {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The offset in the partition.
    pub offset: i64,
    /// Epoch milliseconds, if the record has a timestamp.
    pub timestamp: Option<i64>,
    /// The key.
    pub key: Option<Vec<u8>>,
    /// The value (`None`: a tombstone).
    pub value: Option<Vec<u8>>,
    /// The headers, in order.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// Emits every record as a [`KafkaMessage`] (never malformed).
#[derive(Debug, Clone, Copy, Default)]
pub struct MessageDeserializer;

impl KafkaDeserializer<KafkaMessage> for MessageDeserializer {
    fn deserialize(&self, r: &KafkaRecord<'_>) -> Result<Option<KafkaMessage>, String> {
        Ok(Some(KafkaMessage {
            topic: r.topic().to_owned(),
            partition: r.partition(),
            offset: r.offset(),
            timestamp: r.timestamp(),
            key: r.key().map(<[u8]>::to_vec),
            value: r.value().map(<[u8]>::to_vec),
            headers: r.headers().map(|(k, v)| (k.to_owned(), v.map(<[u8]>::to_vec))).collect(),
        }))
    }
}

/// The user's own deserializer: a function of the whole record.
#[derive(Clone)]
pub struct FnDeserializer<F>(pub F);

impl<T: Data, F> KafkaDeserializer<T> for FnDeserializer<F>
where
    F: Fn(&KafkaRecord<'_>) -> Result<Option<T>, String> + Send + Sync + 'static,
{
    fn deserialize(&self, record: &KafkaRecord<'_>) -> Result<Option<T>, String> {
        (self.0)(record)
    }
}
