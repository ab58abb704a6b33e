//! Go's `time.Duration` text: `time.ParseDuration` (`1h30m`, `-1.5h`, `300ms`) and
//! `Duration.String()` (`1m35s`, `1.5ms`, `0s`).

/// Go's `time.ParseDuration`: nanoseconds, or Go's error text.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let orig = s;
    let err = || {
        format!(
            "time: invalid duration {}",
            kubake_gotmpl::fmt::quote_go(orig)
        )
    };
    let mut s = s;
    let mut neg = false;
    if let Some(c) = s.chars().next() {
        if c == '-' || c == '+' {
            neg = c == '-';
            s = &s[1..];
        }
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(err());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(err());
        }
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let int_part: u64 = if int_len == 0 {
            0
        } else {
            s[..int_len].parse().map_err(|_| err())?
        };
        s = &s[int_len..];
        let mut frac: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut pre = int_len > 0;
        if let Some(rest) = s.strip_prefix('.') {
            let n = rest.bytes().take_while(u8::is_ascii_digit).count();
            for c in rest[..n].bytes() {
                if frac < (1 << 62) / 10 {
                    frac = frac * 10 + u64::from(c - b'0');
                    scale *= 10.0;
                }
            }
            pre = pre || n > 0;
            s = &rest[n..];
        }
        if !pre {
            return Err(err());
        }
        let unit_len = s
            .bytes()
            .take_while(|c| *c != b'.' && !c.is_ascii_digit())
            .count();
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                kubake_gotmpl::fmt::quote_go(orig)
            ));
        }
        let unit: u64 = match &s[..unit_len] {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            u => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    kubake_gotmpl::fmt::quote_go(u),
                    kubake_gotmpl::fmt::quote_go(orig)
                ))
            }
        };
        s = &s[unit_len..];
        let v = int_part.checked_mul(unit).ok_or_else(err)?;
        let f = if frac > 0 {
            (frac as f64 * (unit as f64 / scale)) as u64
        } else {
            0
        };
        total = total
            .checked_add(v)
            .and_then(|t| t.checked_add(f))
            .ok_or_else(err)?;
        if total > 1 << 63 {
            return Err(err());
        }
    }
    if neg {
        Ok((total as i64).wrapping_neg())
    } else if total > i64::MAX as u64 {
        Err(err())
    } else {
        Ok(total as i64)
    }
}

/// Go's `Duration.String()`: `1h2m3.5s`, `1.5ms`, `0s`.
pub fn format_duration(d: i64) -> String {
    let neg = d < 0;
    let u = d.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        // Sub-second: a single unit with a fraction.
        let (unit, scale) = match u {
            0 => return "0s".to_string(),
            1..=999 => ("ns", 1u64),
            1_000..=999_999 => ("µs", 1_000),
            _ => ("ms", 1_000_000),
        };
        out.push_str(&frac_string(u, scale));
        out.push_str(unit);
    } else {
        let secs_total = u / 1_000_000_000;
        let nanos = u % 1_000_000_000;
        let h = secs_total / 3600;
        let m = secs_total / 60 % 60;
        let s = secs_total % 60;
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&frac_string(s * 1_000_000_000 + nanos, 1_000_000_000));
        out.push('s');
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

fn frac_string(v: u64, scale: u64) -> String {
    let int = v / scale;
    let frac = v % scale;
    if frac == 0 {
        return int.to_string();
    }
    let width = scale.to_string().len() - 1;
    let digits = format!("{frac:0width$}");
    format!("{int}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("-1.5h"), Ok(-5_400_000_000_000));
        assert_eq!(parse_duration("300ms"), Ok(300_000_000));
        assert_eq!(
            parse_duration("bogus").unwrap_err(),
            "time: invalid duration \"bogus\""
        );
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_duration(95_000_000_000), "1m35s");
        assert_eq!(format_duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(format_duration(1_500_000), "1.5ms");
        assert_eq!(format_duration(-2_500_000_000), "-2.5s");
        assert_eq!(format_duration(93_784_000_000_000), "26h3m4s");
    }
}
