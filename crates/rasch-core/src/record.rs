//! Stream records and the watermark constants that travel with them.

/// Timestamp value meaning "this record has no timestamp".
pub const NO_TIMESTAMP: i64 = i64::MIN;
/// The smallest watermark: no event time has passed yet.
pub const MIN_WATERMARK: i64 = i64::MIN;
/// The largest watermark: emitted at the end of bounded input so that every timer fires.
pub const MAX_WATERMARK: i64 = i64::MAX;

/// Whether a stream currently produces watermarks. Idle inputs do not hold back the
/// watermark of the operators they feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatermarkStatus {
    /// No records and no watermarks are expected for a while.
    Idle,
    /// Records and watermarks flow.
    Active,
}

/// One element of a stream: a value and its event-time timestamp.
///
/// The timestamp is stored inline as an `i64` with [`NO_TIMESTAMP`] meaning "none", so a
/// record costs 8 bytes more than its value; use [`Record::timestamp`] for an `Option`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Record<T> {
    /// The user value.
    pub value: T,
    /// Event-time timestamp in epoch milliseconds, or [`NO_TIMESTAMP`].
    pub ts: i64,
}

impl<T> Record<T> {
    /// A record without a timestamp.
    #[inline]
    pub fn new(value: T) -> Self {
        Record { value, ts: NO_TIMESTAMP }
    }

    /// A record with an event-time timestamp.
    #[inline]
    pub fn with_timestamp(value: T, ts: i64) -> Self {
        Record { value, ts }
    }

    /// The event-time timestamp, if any.
    #[inline]
    pub fn timestamp(&self) -> Option<i64> {
        (self.ts != NO_TIMESTAMP).then_some(self.ts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_is_optional() {
        assert_eq!(Record::new(1).timestamp(), None);
        assert_eq!(Record::with_timestamp(1, 5).timestamp(), Some(5));
    }
}
