//! Flink's SQL timestamp text (`yyyy-MM-dd HH:mm:ss[.SSS]`, UTC, no zone) to and from event
//! time in epoch milliseconds, for sources that read Flink-formatted data and sinks that must
//! render timestamps as Flink does.

/// Days since 1970-01-01 of the proleptic Gregorian date `y-m-d` (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `(year, month, day)` of `days` since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Parses `yyyy-MM-dd HH:mm:ss` with an optional fraction of up to 9 digits (kept to the
/// millisecond) as UTC epoch milliseconds — the text Flink's `TIMESTAMP(3)` columns and JSON
/// format use. `T` is accepted in place of the space (ISO-8601).
///
/// ```
/// assert_eq!(rasch_core::timestamp::parse_sql_timestamp("2015-07-15 00:00:00.18"), Ok(1_436_918_400_180));
/// assert!(rasch_core::timestamp::parse_sql_timestamp("2015-07-15").is_err());
/// ```
///
/// # Errors
///
/// A message naming what is wrong with `text`.
pub fn parse_sql_timestamp(text: &str) -> Result<i64, String> {
    let bad = |what: &str| format!("'{text}' is not a timestamp 'yyyy-MM-dd HH:mm:ss[.SSS]': {what}");
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b' ' || b[10] == b'T') || b[13] != b':' || b[16] != b':' {
        return Err(bad("expected the shape yyyy-MM-dd HH:mm:ss"));
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, String> {
        let s = &text[r];
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse::<i64>().map_err(|_| bad("a field is not a number"))
        } else {
            Err(bad("a field is not a number"))
        }
    };
    let (y, mo, d, h, mi, s) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 59 {
        return Err(bad("a field is out of range"));
    }
    let mut millis = 0;
    if b.len() > 19 {
        let frac = &text[20..];
        if b[19] != b'.' || frac.is_empty() || frac.len() > 9 || !frac.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad("expected a fraction of 1 to 9 digits after '.'"));
        }
        let padded = format!("{frac:0<3}");
        millis = padded[..3].parse::<i64>().map_err(|_| bad("bad fraction"))?;
    }
    Ok((days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + s) * 1000 + millis)
}

/// Renders epoch milliseconds as Flink renders a `TIMESTAMP(3)`: `yyyy-MM-dd HH:mm:ss` plus
/// the fraction with its trailing zeros dropped (`00:00:01`, `00:00:00.1`, `00:00:00.773`).
///
/// ```
/// assert_eq!(rasch_core::timestamp::format_sql_timestamp(1_436_918_400_180), "2015-07-15 00:00:00.18");
/// assert_eq!(rasch_core::timestamp::format_sql_timestamp(1_436_918_401_000), "2015-07-15 00:00:01");
/// ```
pub fn format_sql_timestamp(millis: i64) -> String {
    let mut out = String::with_capacity(23);
    write_sql_timestamp(millis, &mut out);
    out
}

/// [`format_sql_timestamp`] appended to `out` (no allocation for sinks that render many rows).
pub fn write_sql_timestamp(millis: i64, out: &mut String) {
    use std::fmt::Write;
    let (days, ms_of_day) = (millis.div_euclid(86_400_000), millis.rem_euclid(86_400_000));
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, ms) = (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60, ms_of_day / 1000 % 60, ms_of_day % 1000);
    let _ = write!(out, "{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}");
    if ms != 0 {
        let digits = [b'0' + (ms / 100) as u8, b'0' + (ms / 10 % 10) as u8, b'0' + (ms % 10) as u8];
        let len = 3 - digits.iter().rev().take_while(|&&c| c == b'0').count();
        out.push('.');
        out.extend(digits[..len].iter().map(|&c| c as char));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_across_years_and_rejects_bad_text() {
        for ms in [0i64, 1, 999, 86_399_999, 951_782_400_000, 1_436_918_400_253, 4_102_444_800_000, -1, -86_400_001] {
            assert_eq!(parse_sql_timestamp(&format_sql_timestamp(ms)), Ok(ms), "{ms}");
        }
        assert_eq!(parse_sql_timestamp("2000-02-29T12:30:45.5"), Ok(951_827_445_500));
        assert_eq!(parse_sql_timestamp("2015-07-15 00:00:00.123456789"), Ok(1_436_918_400_123));
        for bad in [
            "",
            "2015-07-15",
            "2015-13-01 00:00:00",
            "2015-07-15 24:00:00",
            "2015-07-15 00:00:00.",
            "2015-07-15 00:00:00x1",
            "2015-07-1a 00:00:00",
        ] {
            let e = parse_sql_timestamp(bad).unwrap_err();
            assert!(e.contains(&format!("'{bad}'")), "{e}");
        }
    }
}
