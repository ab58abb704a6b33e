//! Go's layout strings: `nextStdChunk` (which parts of a layout are reference values)
//! and `Time.Format`. Parsing with the same elements is in `parse`.

use super::{Parts, LONG_DAYS, LONG_MONTHS};

/// Go's layout elements (`std*` constants).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    Tz,
    Iso8601Tz,
    Iso8601SecondsTz,
    Iso8601ShortTz,
    Iso8601ColonTz,
    Iso8601ColonSecondsTz,
    NumTz,
    NumSecondsTz,
    NumShortTz,
    NumColonTz,
    NumColonSecondsTz,
    /// `.000` / `,000`: exactly n digits; the separator byte.
    Frac0(usize, u8),
    /// `.999` / `,999`: up to n digits, trailing zeros dropped.
    Frac9(usize, u8),
}

fn starts_with_lower(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

pub(crate) fn is_digit_at(s: &str, i: usize) -> bool {
    s.as_bytes().get(i).is_some_and(u8::is_ascii_digit)
}

/// Go's `nextStdChunk`: the text before the first layout element, the element, and the
/// rest.
pub(crate) fn next_std_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    let b = layout.as_bytes();
    let at = |i: usize, s: &str| layout.get(i..i + s.len()) == Some(s);
    for i in 0..b.len() {
        let (std, len) = match b[i] {
            b'J' if at(i, "Jan") => {
                if at(i, "January") {
                    (Std::LongMonth, 7)
                } else if !starts_with_lower(&layout[i + 3..]) {
                    (Std::Month, 3)
                } else {
                    continue;
                }
            }
            b'M' if at(i, "Mon") => {
                if at(i, "Monday") {
                    (Std::LongWeekDay, 6)
                } else if !starts_with_lower(&layout[i + 3..]) {
                    (Std::WeekDay, 3)
                } else {
                    continue;
                }
            }
            b'M' if at(i, "MST") => (Std::Tz, 3),
            b'0' if b.get(i + 1).is_some_and(|c| (b'1'..=b'6').contains(c)) => {
                let std = [
                    Std::ZeroMonth,
                    Std::ZeroDay,
                    Std::ZeroHour12,
                    Std::ZeroMinute,
                    Std::ZeroSecond,
                    Std::Year,
                ][usize::from(b[i + 1] - b'1')];
                (std, 2)
            }
            b'0' if at(i, "002") => (Std::ZeroYearDay, 3),
            b'1' if at(i, "15") => (Std::Hour, 2),
            b'1' => (Std::NumMonth, 1),
            b'2' if at(i, "2006") => (Std::LongYear, 4),
            b'2' => (Std::Day, 1),
            b'_' if at(i, "_2") => {
                if at(i + 1, "2006") {
                    // `_2006` is a literal underscore and a year.
                    return (&layout[..i + 1], Some(Std::LongYear), &layout[i + 5..]);
                }
                (Std::UnderDay, 2)
            }
            b'_' if at(i, "__2") => (Std::UnderYearDay, 3),
            b'3' => (Std::Hour12, 1),
            b'4' => (Std::Minute, 1),
            b'5' => (Std::Second, 1),
            b'P' if at(i, "PM") => (Std::PM, 2),
            b'p' if at(i, "pm") => (Std::Pm, 2),
            b'-' | b'Z' => {
                let iso = b[i] == b'Z';
                let forms: [(&str, Std, Std); 5] = [
                    ("070000", Std::NumSecondsTz, Std::Iso8601SecondsTz),
                    (
                        "07:00:00",
                        Std::NumColonSecondsTz,
                        Std::Iso8601ColonSecondsTz,
                    ),
                    ("0700", Std::NumTz, Std::Iso8601Tz),
                    ("07:00", Std::NumColonTz, Std::Iso8601ColonTz),
                    ("07", Std::NumShortTz, Std::Iso8601ShortTz),
                ];
                match forms.iter().find(|(f, ..)| at(i + 1, f)) {
                    Some((f, num, isostd)) => (if iso { *isostd } else { *num }, 1 + f.len()),
                    None => continue,
                }
            }
            c @ (b'.' | b',') if matches!(b.get(i + 1), Some(b'0' | b'9')) => {
                let ch = b[i + 1];
                let mut j = i + 1;
                while b.get(j) == Some(&ch) {
                    j += 1;
                }
                if is_digit_at(layout, j) {
                    continue;
                }
                let n = j - (i + 1);
                let std = if ch == b'0' {
                    Std::Frac0(n, c)
                } else {
                    Std::Frac9(n, c)
                };
                (std, j - i)
            }
            _ => continue,
        };
        return (&layout[..i], Some(std), &layout[i + len..]);
    }
    (layout, None, "")
}

fn push_int(out: &mut String, v: i64, width: usize) {
    if v < 0 {
        out.push('-');
    }
    let s = v.unsigned_abs().to_string();
    for _ in s.len()..width {
        out.push('0');
    }
    out.push_str(&s);
}

pub(crate) fn format_std(out: &mut String, std: Std, p: &Parts, nsec: u32) {
    match std {
        Std::Year => push_int(out, p.year.rem_euclid(100), 2),
        Std::LongYear => push_int(out, p.year, 4),
        Std::Month => out.push_str(&LONG_MONTHS[(p.month - 1) as usize][..3]),
        Std::LongMonth => out.push_str(LONG_MONTHS[(p.month - 1) as usize]),
        Std::NumMonth => push_int(out, i64::from(p.month), 0),
        Std::ZeroMonth => push_int(out, i64::from(p.month), 2),
        Std::WeekDay => out.push_str(&LONG_DAYS[p.weekday as usize][..3]),
        Std::LongWeekDay => out.push_str(LONG_DAYS[p.weekday as usize]),
        Std::Day => push_int(out, i64::from(p.day), 0),
        Std::UnderDay => {
            if p.day < 10 {
                out.push(' ');
            }
            push_int(out, i64::from(p.day), 0);
        }
        Std::ZeroDay => push_int(out, i64::from(p.day), 2),
        Std::UnderYearDay => {
            if p.yday < 100 {
                out.push(' ');
                if p.yday < 10 {
                    out.push(' ');
                }
            }
            push_int(out, i64::from(p.yday), 0);
        }
        Std::ZeroYearDay => push_int(out, i64::from(p.yday), 3),
        Std::Hour => push_int(out, i64::from(p.hour), 2),
        Std::Hour12 | Std::ZeroHour12 => {
            let h = match p.hour % 12 {
                0 => 12,
                h => h,
            };
            push_int(out, i64::from(h), if std == Std::Hour12 { 0 } else { 2 });
        }
        Std::Minute => push_int(out, i64::from(p.minute), 0),
        Std::ZeroMinute => push_int(out, i64::from(p.minute), 2),
        Std::Second => push_int(out, i64::from(p.second), 0),
        Std::ZeroSecond => push_int(out, i64::from(p.second), 2),
        Std::PM => out.push_str(if p.hour >= 12 { "PM" } else { "AM" }),
        Std::Pm => out.push_str(if p.hour >= 12 { "pm" } else { "am" }),
        Std::Iso8601Tz
        | Std::Iso8601ColonTz
        | Std::Iso8601SecondsTz
        | Std::Iso8601ShortTz
        | Std::Iso8601ColonSecondsTz
            if p.offset == 0 =>
        {
            out.push('Z');
        }
        Std::Iso8601Tz
        | Std::Iso8601ColonTz
        | Std::Iso8601SecondsTz
        | Std::Iso8601ShortTz
        | Std::Iso8601ColonSecondsTz
        | Std::NumTz
        | Std::NumColonTz
        | Std::NumSecondsTz
        | Std::NumShortTz
        | Std::NumColonSecondsTz => {
            let zone = p.offset / 60;
            out.push(if zone < 0 { '-' } else { '+' });
            let (zone, abs) = (zone.abs(), p.offset.abs());
            push_int(out, i64::from(zone / 60), 2);
            if matches!(
                std,
                Std::Iso8601ColonTz
                    | Std::NumColonTz
                    | Std::Iso8601ColonSecondsTz
                    | Std::NumColonSecondsTz
            ) {
                out.push(':');
            }
            if !matches!(std, Std::NumShortTz | Std::Iso8601ShortTz) {
                push_int(out, i64::from(zone % 60), 2);
            }
            if matches!(
                std,
                Std::Iso8601SecondsTz
                    | Std::NumSecondsTz
                    | Std::NumColonSecondsTz
                    | Std::Iso8601ColonSecondsTz
            ) {
                if matches!(std, Std::NumColonSecondsTz | Std::Iso8601ColonSecondsTz) {
                    out.push(':');
                }
                push_int(out, i64::from(abs % 60), 2);
            }
        }
        Std::Tz => {
            if p.name.is_empty() {
                let zone = p.offset / 60;
                out.push(if zone < 0 { '-' } else { '+' });
                push_int(out, i64::from(zone.abs() / 60), 2);
                push_int(out, i64::from(zone.abs() % 60), 2);
            } else {
                out.push_str(&p.name);
            }
        }
        Std::Frac0(n, sep) | Std::Frac9(n, sep) => {
            let digits = format!("{nsec:09}");
            let mut d = &digits[..n.min(9)];
            if matches!(std, Std::Frac9(..)) {
                d = d.trim_end_matches('0');
                if d.is_empty() {
                    return;
                }
            }
            out.push(char::from(sep));
            out.push_str(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::super::{GoTime, Zone};

    fn utc(s: &str) -> GoTime {
        parse("2006-01-02T15:04:05Z07:00", s, Zone::Local).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn formats_go_layouts() {
        let t = utc("2024-02-29T13:04:05Z");
        assert_eq!(
            t.format("2006-01-02T15:04:05Z07:00"),
            "2024-02-29T13:04:05Z"
        );
        assert_eq!(t.format("Jan 2, 2006 (Mon)"), "Feb 29, 2024 (Thu)");
        assert_eq!(t.format("3:04PM _2 __2 002"), "1:04PM 29  60 060");
        assert_eq!(t.format("Monday January 06"), "Thursday February 24");
        assert_eq!(t.go_string(), "2024-02-29 13:04:05 +0000 UTC");
        let t = t.add_nanos(123_400_000);
        assert_eq!(
            t.format("05.000 05.9999 05,9 05.999"),
            "05.123 05.1234 05,1 05.123"
        );
        assert_eq!(t.go_string(), "2024-02-29 13:04:05.1234 +0000 UTC");
    }
}
