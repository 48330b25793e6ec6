//! Wall-clock time for the cluster's logs, REST answers and CLI listings: epoch milliseconds
//! and their UTC calendar form, without a date-time dependency.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// A UTC calendar time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    /// Year.
    pub year: i64,
    /// Month, 1–12.
    pub month: i64,
    /// Day of the month, 1–31.
    pub day: i64,
    /// Hour, 0–23.
    pub hour: i64,
    /// Minute, 0–59.
    pub minute: i64,
    /// Second, 0–59.
    pub second: i64,
    /// Millisecond, 0–999.
    pub millis: i64,
}

impl UtcTime {
    /// The UTC time of `ms` epoch milliseconds.
    pub fn from_epoch_ms(ms: i64) -> Self {
        let (secs, millis) = (ms.div_euclid(1000), ms.rem_euclid(1000));
        let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (year, month, day) = rasch_core::timestamp::civil_from_days(days);
        let (month, day) = (i64::from(month), i64::from(day));
        UtcTime { year, month, day, hour: rem / 3600, minute: rem % 3600 / 60, second: rem % 60, millis }
    }

    /// `yyyy-MM-dd HH:mm:ss,SSS` — the timestamp of a log line (Flink's log4j layout).
    pub fn log_format(&self) -> String {
        let UtcTime { year, month, day, hour, minute, second, millis } = self;
        format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02},{millis:03}")
    }

    /// `dd.MM.yyyy HH:mm:ss` — Flink's `list` date format.
    pub fn list_format(&self) -> String {
        let UtcTime { year, month, day, hour, minute, second, .. } = self;
        format!("{day:02}.{month:02}.{year:04} {hour:02}:{minute:02}:{second:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::UtcTime;

    #[test]
    fn formats_like_flink() {
        assert_eq!(UtcTime::from_epoch_ms(0).list_format(), "01.01.1970 00:00:00");
        assert_eq!(UtcTime::from_epoch_ms(1_795_303_911_169).list_format(), "21.11.2026 23:31:51");
        assert_eq!(UtcTime::from_epoch_ms(951_782_400_000).list_format(), "29.02.2000 00:00:00");
        assert_eq!(UtcTime::from_epoch_ms(1_795_303_911_169).log_format(), "2026-11-21 23:31:51,169");
        assert_eq!(UtcTime::from_epoch_ms(-1).log_format(), "1969-12-31 23:59:59,999");
    }
}
