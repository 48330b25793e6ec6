//! State time-to-live (Flink's `StateTtlConfig`): expired values are never returned and are
//! removed when touched.

use std::time::Duration;

/// When the last-access time of a value is refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TtlUpdateType {
    /// On creation and every write (Flink's default).
    #[default]
    OnCreateAndWrite,
    /// Also on every read.
    OnReadAndWrite,
}

/// Time-to-live of a state's values, in processing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateTtlConfig {
    /// How long a value lives after its last refresh.
    pub ttl: Duration,
    /// What refreshes it.
    pub update_type: TtlUpdateType,
}

impl StateTtlConfig {
    /// Values expire `ttl` after creation or last write.
    pub fn new(ttl: Duration) -> Self {
        StateTtlConfig { ttl, update_type: TtlUpdateType::OnCreateAndWrite }
    }
    /// Chooses what refreshes a value's lifetime.
    pub fn update_type(mut self, update_type: TtlUpdateType) -> Self {
        self.update_type = update_type;
        self
    }
    pub(crate) fn ttl_ms(&self) -> i64 {
        self.ttl.as_millis().min(i64::MAX as u128) as i64
    }
}
