//! What a Kafka deserializer sees of one consumed record: topic, partition, offset, timestamp,
//! key, value and headers — borrowed from the client's buffer, nothing copied.

use rdkafka::message::{BorrowedHeaders, BorrowedMessage, Headers, Message};

/// One record as read from Kafka, borrowed for the duration of a deserializer call.
pub struct KafkaRecord<'a> {
    msg: &'a BorrowedMessage<'a>,
}

impl<'a> KafkaRecord<'a> {
    pub(crate) fn new(msg: &'a BorrowedMessage<'a>) -> Self {
        KafkaRecord { msg }
    }
    /// The topic.
    pub fn topic(&self) -> &str {
        self.msg.topic()
    }
    /// The partition.
    pub fn partition(&self) -> i32 {
        self.msg.partition()
    }
    /// The record's offset in its partition.
    pub fn offset(&self) -> i64 {
        self.msg.offset()
    }
    /// The record's timestamp (create or log-append time) in epoch milliseconds, if it has one.
    pub fn timestamp(&self) -> Option<i64> {
        self.msg.timestamp().to_millis()
    }
    /// The key, if any.
    pub fn key(&self) -> Option<&[u8]> {
        self.msg.key()
    }
    /// The value; `None` for a tombstone.
    pub fn value(&self) -> Option<&[u8]> {
        self.msg.payload()
    }
    /// Every header, in order: `(name, value)`.
    pub fn headers(&self) -> impl Iterator<Item = (&str, Option<&[u8]>)> {
        self.msg.headers().into_iter().flat_map(|h: &BorrowedHeaders| h.iter().map(|h| (h.key, h.value)))
    }
    /// The value of the first header called `name`.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers().find(|(k, _)| *k == name).and_then(|(_, v)| v)
    }
    /// Where the record is, for error messages: `topic 't', partition 3, offset 42`.
    pub fn position(&self) -> String {
        format!("topic '{}', partition {}, offset {}", self.topic(), self.partition(), self.offset())
    }
}
