//! Bucket assigners: which subdirectory of a [`FileSink`](super::FileSink)'s base directory a
//! record goes to (Flink's `BucketAssigner`). Each bucket has its own part files.

use rasch_core::{Error, NO_TIMESTAMP, Result};

/// What a [`BucketAssigner`] may look at besides the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketContext {
    /// The record's event-time timestamp (epoch milliseconds), if it has one.
    pub timestamp: Option<i64>,
    /// The processing time of the batch being written (epoch milliseconds).
    pub processing_time: i64,
}

impl BucketContext {
    /// The context of a record with timestamp `ts` (or [`NO_TIMESTAMP`]).
    pub fn new(ts: i64, processing_time: i64) -> Self {
        BucketContext { timestamp: (ts != NO_TIMESTAMP).then_some(ts), processing_time }
    }
}

/// Chooses the bucket of every record: a relative directory under the sink's base directory
/// (`""` is the base directory itself; `/` separates nested directories).
///
/// A bucket id must not be absolute, contain `.` or `..` components or empty ones, or have a
/// component starting with `.` or `_` (readers skip such names); the sink fails the job with
/// the offending id otherwise.
pub trait BucketAssigner<T>: Send + Sync + 'static {
    /// Writes the bucket id of `value` into `out` (which is empty).
    ///
    /// # Errors
    ///
    /// When the record cannot be assigned (e.g. it has no event time but one is needed).
    fn bucket_id(&self, value: &T, ctx: &BucketContext, out: &mut String) -> Result<()>;
}

/// Every record in the base directory (Flink's `BasePathBucketAssigner`, the default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BasePathBucketAssigner;

impl<T> BucketAssigner<T> for BasePathBucketAssigner {
    fn bucket_id(&self, _value: &T, _ctx: &BucketContext, _out: &mut String) -> Result<()> {
        Ok(())
    }
}

/// Which clock a [`DateTimeBucketAssigner`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BucketTime {
    /// The time the record is written (Flink's `DateTimeBucketAssigner` behaviour).
    #[default]
    ProcessingTime,
    /// The record's event-time timestamp; a record without one fails the job.
    EventTime,
}

/// Buckets by date and time, in UTC (Flink's `DateTimeBucketAssigner`, whose default format is
/// `yyyy-MM-dd--HH`).
///
/// The format is a pattern in Java's `DateTimeFormatter` letters: `yyyy` (year), `MM`, `dd`,
/// `HH` (hour 00-23), `mm`, `ss`; text in single quotes is literal (`''` is a quote), as are
/// characters other than ASCII letters. So `'dt='yyyy-MM-dd` gives `dt=2024-01-01` and
/// `yyyy/MM/dd/HH` gives nested directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTimeBucketAssigner {
    pattern: Vec<Piece>,
    time: BucketTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
}

impl Default for DateTimeBucketAssigner {
    /// `yyyy-MM-dd--HH` on processing time, as Flink's default.
    fn default() -> Self {
        DateTimeBucketAssigner::new("yyyy-MM-dd--HH").expect("the default pattern is valid")
    }
}

impl DateTimeBucketAssigner {
    /// Buckets by processing time with the pattern `format`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidJob`] for an unknown pattern letter or an unclosed quote.
    pub fn new(format: &str) -> Result<Self> {
        Ok(DateTimeBucketAssigner { pattern: parse_pattern(format)?, time: BucketTime::ProcessingTime })
    }

    /// Uses the clock `time` (processing time by default).
    pub fn with_time(mut self, time: BucketTime) -> Self {
        self.time = time;
        self
    }

    /// Formats `millis` (epoch milliseconds, UTC) with the pattern into `out`.
    pub fn format_into(&self, millis: i64, out: &mut String) {
        use std::fmt::Write;
        let secs = millis.div_euclid(1000);
        let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        for piece in &self.pattern {
            let _ = match piece {
                Piece::Literal(s) => {
                    out.push_str(s);
                    Ok(())
                }
                Piece::Year => write!(out, "{y:04}"),
                Piece::Month => write!(out, "{m:02}"),
                Piece::Day => write!(out, "{d:02}"),
                Piece::Hour => write!(out, "{:02}", sod / 3600),
                Piece::Minute => write!(out, "{:02}", sod / 60 % 60),
                Piece::Second => write!(out, "{:02}", sod % 60),
            };
        }
    }
}

impl<T> BucketAssigner<T> for DateTimeBucketAssigner {
    fn bucket_id(&self, _value: &T, ctx: &BucketContext, out: &mut String) -> Result<()> {
        let millis = match self.time {
            BucketTime::ProcessingTime => ctx.processing_time,
            BucketTime::EventTime => ctx.timestamp.ok_or_else(|| {
                Error::InvalidJob("file sink: DateTimeBucketAssigner on event time got a record without a timestamp".into())
            })?,
        };
        self.format_into(millis, out);
        Ok(())
    }
}

/// Buckets by a closure of the value and the [`BucketContext`]; see [`bucket_fn`].
#[derive(Clone)]
pub struct FnBucketAssigner<F>(F);

impl<F> std::fmt::Debug for FnBucketAssigner<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FnBucketAssigner")
    }
}

/// A bucket assigner from a closure writing the bucket id of a value into a `String`.
pub fn bucket_fn<T, F>(f: F) -> FnBucketAssigner<F>
where
    F: Fn(&T, &BucketContext, &mut String) + Send + Sync + 'static,
{
    FnBucketAssigner(f)
}

impl<T, F> BucketAssigner<T> for FnBucketAssigner<F>
where
    F: Fn(&T, &BucketContext, &mut String) + Send + Sync + 'static,
{
    fn bucket_id(&self, value: &T, ctx: &BucketContext, out: &mut String) -> Result<()> {
        (self.0)(value, ctx, out);
        Ok(())
    }
}

/// Checks that `id` is a usable bucket id (see [`BucketAssigner`]).
pub(super) fn validate_bucket_id(id: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::InvalidJob(format!("file sink: invalid bucket id '{id}': {why}")));
    if id.is_empty() {
        return Ok(());
    }
    if id.starts_with('/') || id.contains('\\') {
        return bad("it must be a relative path with '/' separators");
    }
    for c in id.split('/') {
        if c.is_empty() || c == "." || c == ".." {
            return bad("empty, '.' and '..' components are not allowed");
        }
        if c.starts_with('.') || c.starts_with('_') {
            return bad("a component may not start with '.' or '_' (readers skip such names)");
        }
    }
    Ok(())
}

fn parse_pattern(format: &str) -> Result<Vec<Piece>> {
    let bad = |why: String| Error::InvalidJob(format!("DateTimeBucketAssigner: invalid format '{format}': {why}"));
    let chars: Vec<char> = format.chars().collect();
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            if chars.get(i + 1) == Some(&'\'') {
                literal.push('\'');
                i += 2;
                continue;
            }
            // Quoted text up to the closing quote; `''` inside is one quote.
            i += 1;
            loop {
                match (chars.get(i), chars.get(i + 1)) {
                    (None, _) => return Err(bad("unclosed quote".into())),
                    (Some('\''), Some('\'')) => {
                        literal.push('\'');
                        i += 2;
                    }
                    (Some('\''), _) => {
                        i += 1;
                        break;
                    }
                    (Some(&ch), _) => {
                        literal.push(ch);
                        i += 1;
                    }
                }
            }
            continue;
        }
        if !c.is_ascii_alphabetic() {
            literal.push(c);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        let piece = match (c, run) {
            ('y', 4) => Piece::Year,
            ('M', 2) => Piece::Month,
            ('d', 2) => Piece::Day,
            ('H', 2) => Piece::Hour,
            ('m', 2) => Piece::Minute,
            ('s', 2) => Piece::Second,
            _ => {
                return Err(bad(format!(
                    "unsupported letters '{}' (use yyyy, MM, dd, HH, mm, ss or quote text)",
                    c.to_string().repeat(run)
                )));
            }
        };
        if !literal.is_empty() {
            pieces.push(Piece::Literal(std::mem::take(&mut literal)));
        }
        pieces.push(piece);
        i += run;
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

/// The proleptic Gregorian date of a day number since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(pattern: &str, millis: i64) -> String {
        let mut s = String::new();
        DateTimeBucketAssigner::new(pattern).unwrap().format_into(millis, &mut s);
        s
    }

    #[test]
    fn dates_match_known_calendar_values() {
        // Independently known instants (`date -u -d @<secs>`).
        assert_eq!(fmt("yyyy-MM-dd--HH", 0), "1970-01-01--00");
        assert_eq!(fmt("'dt='yyyy-MM-dd", 1_704_067_200_000), "dt=2024-01-01");
        assert_eq!(fmt("yyyy/MM/dd/HH:mm:ss", 1_709_210_096_000), "2024/02/29/12:34:56");
        assert_eq!(fmt("yyyy-MM-dd HH:mm:ss", 951_868_799_999), "2000-02-29 23:59:59");
        assert_eq!(fmt("yyyy-MM-dd HH", -1), "1969-12-31 23");
        assert_eq!(fmt("'it''s' yyyy", 0), "it's 1970");
        for bad in ["yyy", "'open", "YYYY", "dt=yyyy"] {
            assert!(DateTimeBucketAssigner::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bucket_ids_are_checked() {
        for ok in ["", "a", "dt=2024-01-01", "2024/01/01"] {
            validate_bucket_id(ok).unwrap();
        }
        for bad in ["/abs", "a//b", "a/../b", ".hidden", "a/_tmp", "a/", "..", "a\\b"] {
            let e = validate_bucket_id(bad).unwrap_err().to_string();
            assert!(e.contains(bad), "{e}");
        }
    }
}
