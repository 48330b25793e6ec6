//! Dates and timestamps: epoch milliseconds ⇄ calendar fields (proleptic Gregorian, UTC),
//! Flink's SQL timestamp text (`2015-07-15 00:00:01.1`), and Java `DATE_FORMAT` patterns.

use std::fmt::Write;

/// Milliseconds per day.
pub const MILLIS_PER_DAY: i64 = 86_400_000;

pub use rasch_core::timestamp::{civil_from_days, days_from_civil};

/// Calendar fields of a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields {
    /// Year.
    pub year: i64,
    /// Month 1–12.
    pub month: u32,
    /// Day of month 1–31.
    pub day: u32,
    /// Hour 0–23.
    pub hour: u32,
    /// Minute 0–59.
    pub minute: u32,
    /// Second 0–59.
    pub second: u32,
    /// Millisecond 0–999.
    pub milli: u32,
}

/// Splits epoch milliseconds into calendar fields.
pub fn fields(millis: i64) -> Fields {
    let days = millis.div_euclid(MILLIS_PER_DAY);
    let ms = millis.rem_euclid(MILLIS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    Fields {
        year,
        month,
        day,
        hour: (ms / 3_600_000) as u32,
        minute: (ms / 60_000 % 60) as u32,
        second: (ms / 1000 % 60) as u32,
        milli: (ms % 1000) as u32,
    }
}

/// Writes a timestamp as Flink renders `TIMESTAMP(3)` (shared with the DataStream side).
pub use rasch_core::timestamp::write_sql_timestamp as write_timestamp;

/// Writes a timestamp with exactly `precision` (0–9) fractional digits, as the shell does
/// (values are stored in milliseconds, so digits past the third are zeros).
pub fn write_timestamp_fixed(millis: i64, precision: u8, out: &mut String) {
    let f = fields(millis);
    let _ = write!(out, "{:04}-{:02}-{:02} {:02}:{:02}:{:02}", f.year, f.month, f.day, f.hour, f.minute, f.second);
    if precision > 0 {
        let frac = format!("{:03}", f.milli);
        out.push('.');
        out.push_str(&frac[..precision.min(3) as usize]);
        (3..precision).for_each(|_| out.push('0'));
    }
}

/// Parses `yyyy-MM-dd HH:mm:ss[.fraction]` (or with `T` as separator) into epoch millis;
/// digits past milliseconds are truncated.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) { part.parse().ok() } else { None }
    };
    let (y, m, d) = (num(0..4)? as i64, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, m, d) * MILLIS_PER_DAY;
    if b.len() == 10 {
        return Some(ms);
    }
    if b.len() < 19 || !(b[10] == b' ' || b[10] == b'T') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if h > 23 || mi > 59 || se > 59 {
        return None;
    }
    ms += (h as i64 * 3600 + mi as i64 * 60 + se as i64) * 1000;
    if b.len() > 19 {
        let frac = s.get(20..)?;
        if b[19] != b'.' || frac.is_empty() || frac.len() > 9 || !frac.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let mut milli = 0i64;
        for (i, c) in frac.bytes().take(3).enumerate() {
            milli += (c - b'0') as i64 * [100, 10, 1][i];
        }
        ms += milli;
    }
    Some(ms)
}

/// One piece of a compiled Java date pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternPart {
    /// Literal text.
    Literal(String),
    /// A field letter repeated `n` times (`yyyy`, `MM`, `HH`, …).
    Field(char, usize),
}

/// Compiles a `java.text.SimpleDateFormat` pattern (the subset `y M d H h m s S a E`, quoted
/// literals with `'`). Unknown letters are an error naming them.
pub fn compile_pattern(pattern: &str) -> Result<Vec<PatternPart>, String> {
    let mut parts = Vec::new();
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let mut lit = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                lit.push(chars[i]);
                i += 1;
            }
            i += 1;
            parts.push(PatternPart::Literal(if lit.is_empty() { "'".into() } else { lit }));
        } else if c.is_ascii_alphabetic() {
            if !"yMdHhmsSaE".contains(c) {
                return Err(format!("date pattern letter '{c}' in '{pattern}' is not supported"));
            }
            let mut n = 0;
            while i < chars.len() && chars[i] == c {
                n += 1;
                i += 1;
            }
            parts.push(PatternPart::Field(c, n));
        } else {
            parts.push(PatternPart::Literal(c.to_string()));
            i += 1;
        }
    }
    Ok(parts)
}

/// Formats epoch millis with a compiled pattern.
pub fn format_with(millis: i64, pattern: &[PatternPart], out: &mut String) {
    let f = fields(millis);
    for p in pattern {
        match p {
            PatternPart::Literal(s) => out.push_str(s),
            PatternPart::Field(c, n) => {
                let n = *n;
                let _ = match c {
                    'y' if n == 2 => write!(out, "{:02}", f.year.rem_euclid(100)),
                    'y' => write!(out, "{:0n$}", f.year),
                    'M' => write!(out, "{:0n$}", f.month),
                    'd' => write!(out, "{:0n$}", f.day),
                    'H' => write!(out, "{:0n$}", f.hour),
                    'h' => write!(out, "{:0n$}", if f.hour.is_multiple_of(12) { 12 } else { f.hour % 12 }),
                    'm' => write!(out, "{:0n$}", f.minute),
                    's' => write!(out, "{:0n$}", f.second),
                    'S' => write!(out, "{:0n$}", f.milli),
                    'a' => write!(out, "{}", if f.hour < 12 { "AM" } else { "PM" }),
                    _ => {
                        const DAYS: [&str; 7] = ["Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"];
                        let dow = DAYS[millis.div_euclid(MILLIS_PER_DAY).rem_euclid(7) as usize];
                        write!(out, "{}", if n >= 4 { dow } else { &dow[..3] })
                    }
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_and_render_like_flink() {
        let t = parse_timestamp("2015-07-15 00:00:01.100").unwrap();
        let mut s = String::new();
        write_timestamp(t, &mut s);
        assert_eq!(s, "2015-07-15 00:00:01.1");
        s.clear();
        write_timestamp(parse_timestamp("2015-07-15 00:00:01").unwrap(), &mut s);
        assert_eq!(s, "2015-07-15 00:00:01");
        assert_eq!(parse_timestamp("1970-01-01 00:00:00.773"), Some(773));
        assert_eq!(parse_timestamp("1969-12-31 23:59:59.999"), Some(-1));
        assert_eq!(parse_timestamp("2015-13-01 00:00:00"), None);
        assert_eq!(parse_timestamp("garbage"), None);
    }

    #[test]
    fn date_format_follows_java_patterns() {
        let t = parse_timestamp("2015-07-15 09:05:03.007").unwrap();
        let mut s = String::new();
        format_with(t, &compile_pattern("yyyy-MM-dd HH:mm:ss.SSS").unwrap(), &mut s);
        assert_eq!(s, "2015-07-15 09:05:03.007");
        s.clear();
        format_with(t, &compile_pattern("HH:mm").unwrap(), &mut s);
        assert_eq!(s, "09:05");
        assert!(compile_pattern("qq").is_err());
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), (2000, 2, 29));
    }
}
