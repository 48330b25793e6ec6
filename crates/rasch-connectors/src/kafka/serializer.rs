//! Turning values into Kafka records, mirroring the deserializers: strings, raw bytes, JSON
//! (serde), or the user's own function, which may also set the key, headers and timestamp.
//! Serializers write into buffers the sink reuses, so records are not allocated one by one.

use rasch_core::Data;
use serde::Serialize;
use std::marker::PhantomData;

/// The parts of one outgoing record; cleared by the sink before each value.
#[derive(Debug, Default)]
pub struct SerializedRecord {
    /// The value bytes.
    pub value: Vec<u8>,
    /// The key bytes (used when `has_key`).
    pub key: Vec<u8>,
    /// Whether the record has a key (an empty key is still a key).
    pub has_key: bool,
    /// Headers.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl SerializedRecord {
    /// Sets the key.
    pub fn set_key(&mut self, key: &[u8]) {
        self.key.clear();
        self.key.extend_from_slice(key);
        self.has_key = true;
    }
    pub(crate) fn clear(&mut self) {
        self.value.clear();
        self.key.clear();
        self.has_key = false;
        self.headers.clear();
    }
}

/// Encodes values of type `T` into Kafka records (Flink's `KafkaRecordSerializationSchema`).
pub trait KafkaSerializer<T>: Send + Sync + 'static {
    /// Writes `value` into `out` (cleared), or says why it cannot be encoded.
    fn serialize(&self, value: &T, out: &mut SerializedRecord) -> Result<(), String>;
}

/// The value as UTF-8 text (Flink's `SimpleStringSchema`).
#[derive(Debug, Clone, Copy, Default)]
pub struct StringSerializer;

impl KafkaSerializer<String> for StringSerializer {
    fn serialize(&self, value: &String, out: &mut SerializedRecord) -> Result<(), String> {
        out.value.extend_from_slice(value.as_bytes());
        Ok(())
    }
}

/// The value's raw bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct BytesSerializer;

impl KafkaSerializer<Vec<u8>> for BytesSerializer {
    fn serialize(&self, value: &Vec<u8>, out: &mut SerializedRecord) -> Result<(), String> {
        out.value.extend_from_slice(value);
        Ok(())
    }
}

/// The value as JSON (serde).
pub struct JsonSerializer<T>(PhantomData<fn(T)>);

impl<T> JsonSerializer<T> {
    /// A JSON serializer for `T`.
    pub fn new() -> Self {
        JsonSerializer(PhantomData)
    }
}

impl<T> Default for JsonSerializer<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Serialize + 'static> KafkaSerializer<T> for JsonSerializer<T> {
    fn serialize(&self, value: &T, out: &mut SerializedRecord) -> Result<(), String> {
        serde_json::to_writer(&mut out.value, value).map_err(|e| format!("cannot encode JSON: {e}"))
    }
}

/// The user's own serializer: a function filling the record (value, key, headers).
#[derive(Clone)]
pub struct FnSerializer<F>(pub F);

impl<T: Data, F> KafkaSerializer<T> for FnSerializer<F>
where
    F: Fn(&T, &mut SerializedRecord) -> Result<(), String> + Send + Sync + 'static,
{
    fn serialize(&self, value: &T, out: &mut SerializedRecord) -> Result<(), String> {
        (self.0)(value, out)
    }
}
