//! Exact DECIMAL arithmetic on unscaled `i128` values (up to Flink's 38 digits), with Flink's
//! result types and its two JSON renderings (plain, or `BigDecimal.toString` scientific).

/// The largest DECIMAL precision.
pub const MAX_PRECISION: u8 = 38;

/// `10^n` for `n <= 38`.
#[inline]
pub fn pow10(n: u8) -> i128 {
    10i128.pow(n as u32)
}

/// Parses an exact numeric literal (`12`, `0.908`, `-3.50`) into (unscaled, precision, scale).
pub fn parse_literal(text: &str) -> Option<(i128, u8, u8)> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{int}{frac}");
    let trimmed = digits.trim_start_matches('0');
    let scale = u8::try_from(frac.len()).ok()?;
    let precision = (trimmed.len().max(scale as usize)).max(1);
    if precision > MAX_PRECISION as usize {
        return None;
    }
    let v: i128 = if trimmed.is_empty() { 0 } else { trimmed.parse().ok()? };
    Some((if neg { -v } else { v }, precision as u8, scale))
}

/// Changes the scale of `v` from `from` to `to`, rounding half up (away from zero) when
/// digits are dropped, as Flink's casts do. `None` on overflow.
pub fn rescale(v: i128, from: u8, to: u8) -> Option<i128> {
    if to >= from {
        v.checked_mul(pow10(to - from))
    } else {
        let d = pow10(from - to);
        let q = v / d;
        let r = (v % d).abs();
        Some(if r * 2 >= d { q + v.signum() } else { q })
    }
}

/// Whether `v` fits `precision` digits.
#[inline]
pub fn fits(v: i128, precision: u8) -> bool {
    v.unsigned_abs() < pow10(precision.min(MAX_PRECISION)) as u128
}

/// Flink's result type of `DECIMAL(p1,s1) * DECIMAL(p2,s2)`.
pub fn multiply_type(p1: u8, s1: u8, p2: u8, s2: u8) -> (u8, u8) {
    adjust(p1 as u32 + p2 as u32 + 1, s1 as u32 + s2 as u32)
}

/// Flink's result type of `DECIMAL(p1,s1) + DECIMAL(p2,s2)` (and `-`).
pub fn add_type(p1: u8, s1: u8, p2: u8, s2: u8) -> (u8, u8) {
    let s = s1.max(s2) as u32;
    let p = (p1 as u32 - s1 as u32).max(p2 as u32 - s2 as u32) + s + 1;
    adjust(p, s)
}

/// Flink's result type of `DECIMAL(p1,s1) / DECIMAL(p2,s2)`.
pub fn divide_type(p1: u8, s1: u8, p2: u8, s2: u8) -> (u8, u8) {
    let s = 6u32.max(s1 as u32 + p2 as u32 + 1);
    let p = p1 as u32 - s1 as u32 + s2 as u32 + s;
    adjust(p, s)
}

/// Caps a derived precision at 38, keeping at least 6 fractional digits where it can
/// (Flink's `LogicalTypeMerging.adjustPrecisionScale`).
fn adjust(p: u32, s: u32) -> (u8, u8) {
    let max = MAX_PRECISION as u32;
    if p <= max {
        return (p as u8, s as u8);
    }
    let digits = p - s;
    let min_scale = s.min(6);
    let s = (max.saturating_sub(digits)).max(min_scale);
    (MAX_PRECISION, s as u8)
}

/// Strips trailing zeros: returns (unscaled, scale) with a possibly negative scale, like
/// Java's `BigDecimal.stripTrailingZeros`.
pub fn strip_trailing_zeros(mut v: i128, scale: u8) -> (i128, i32) {
    let mut s = scale as i32;
    if v == 0 {
        return (0, 0);
    }
    while v % 10 == 0 {
        v /= 10;
        s -= 1;
    }
    (v, s)
}

/// Renders with exactly `scale` fractional digits (`908.000`), as the shell and CAST to
/// STRING do.
pub fn to_string_fixed(v: i128, scale: u8, out: &mut String) {
    write_plain(v, scale as i32, out);
}

/// Java's `BigDecimal.toPlainString` of (unscaled, scale), scale possibly negative.
pub fn write_plain(v: i128, scale: i32, out: &mut String) {
    if v < 0 {
        out.push('-');
    }
    let digits = v.unsigned_abs().to_string();
    if scale <= 0 {
        out.push_str(&digits);
        (0..-scale).for_each(|_| out.push('0'));
        return;
    }
    let scale = scale as usize;
    if digits.len() > scale {
        let (i, f) = digits.split_at(digits.len() - scale);
        out.push_str(i);
        out.push('.');
        out.push_str(f);
    } else {
        out.push_str("0.");
        (0..scale - digits.len()).for_each(|_| out.push('0'));
        out.push_str(&digits);
    }
}

/// Java's `BigDecimal.toString` of (unscaled, scale): plain unless the scale is negative or
/// the adjusted exponent is below -6, then scientific (`4.086E+4`).
pub fn write_java_string(v: i128, scale: i32, out: &mut String) {
    let digits = v.unsigned_abs().to_string();
    let adjusted = -(scale as i64) + (digits.len() as i64 - 1);
    if scale >= 0 && adjusted >= -6 {
        return write_plain(v, scale, out);
    }
    if v < 0 {
        out.push('-');
    }
    out.push_str(&digits[..1]);
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    out.push('E');
    if adjusted >= 0 {
        out.push('+');
    }
    out.push_str(&adjusted.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn java(v: i128, s: u8) -> String {
        let (u, sc) = strip_trailing_zeros(v, s);
        let mut out = String::new();
        write_java_string(u, sc, &mut out);
        out
    }

    #[test]
    fn literals_and_types_follow_flink() {
        assert_eq!(parse_literal("0.908"), Some((908, 3, 3)));
        assert_eq!(parse_literal("12"), Some((12, 2, 0)));
        assert_eq!(parse_literal("-1.50"), Some((-150, 3, 2)));
        assert_eq!(parse_literal("1e3"), None);
        assert_eq!(multiply_type(3, 3, 19, 0), (23, 3));
        assert_eq!(add_type(10, 2, 19, 0), (22, 2));
    }

    #[test]
    fn rendering_matches_java_big_decimal() {
        assert_eq!(java(40860000, 3), "4.086E+4");
        assert_eq!(java(124396, 3), "124.396");
        assert_eq!(java(908000, 3), "908");
        assert_eq!(java(4086, 0), "4086");
        let mut s = String::new();
        let (u, sc) = strip_trailing_zeros(36029276560, 3);
        write_plain(u, sc, &mut s);
        assert_eq!(s, "36029276.56");
        s.clear();
        let (u, sc) = strip_trailing_zeros(908000, 3);
        write_plain(u, sc, &mut s);
        assert_eq!(s, "908");
        s.clear();
        to_string_fixed(-5, 3, &mut s);
        assert_eq!(s, "-0.005");
    }

    #[test]
    fn rescaling_rounds_half_up() {
        assert_eq!(rescale(1235, 3, 2), Some(124));
        assert_eq!(rescale(-1235, 3, 2), Some(-124));
        assert_eq!(rescale(12, 0, 3), Some(12000));
        assert!(fits(99999, 5) && !fits(100000, 5));
    }
}
