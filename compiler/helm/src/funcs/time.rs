//! Go's `time` package as far as templates see it: `time.Time` values (an instant plus a
//! location), Go's layout-string formatting and parsing (`2006-01-02T15:04:05Z07:00`),
//! and `time.Duration` parsing and printing.
//!
//! Layouts follow Go's `nextStdChunk` tokenizer exactly, because a layout is ordinary
//! text in which only Go's reference values (`2006`, `01`, `Jan`, `15`, `MST`, `-0700`,
//! `.000`...) are special; everything else is copied. The local zone is UTC: kubake
//! renders as `helm template` does under `TZ=UTC`, which keeps output independent of
//! the machine.
//!
//! Not here: the Sprig functions (`date`, `toDate`, `ago`...; see `dates`).

use std::any::Any;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike};
use kubake_gotmpl::{CallContext, FuncError, GoType, IntKind, Object, Signature, Value};

/// A location: Go's `*time.Location` as far as it shows in output.
#[derive(Clone, Debug, PartialEq)]
pub enum Zone {
    /// `time.Local`, which is UTC here but keeps Go's name `Local` for `.Location`.
    Local,
    /// `time.UTC`.
    Utc,
    /// `time.FixedZone(name, offset)`, as parsing an offset creates.
    Fixed(Arc<str>, i32),
    /// A zone from the tz database (`time.LoadLocation("America/New_York")`).
    Named(chrono_tz::Tz),
}

/// A Go `time.Time`: seconds and nanoseconds since the Unix epoch, shown in a zone.
#[derive(Clone, Debug, PartialEq)]
pub struct GoTime {
    secs: i64,
    nsec: u32,
    zone: Zone,
}

/// The broken-down fields of a time in its zone.
struct Parts {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    weekday: u32,
    yday: u32,
    offset: i32,
    name: String,
}

const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

impl GoTime {
    /// The instant `secs`.`nsec` after the epoch, shown in `zone`.
    pub fn from_unix(secs: i64, nsec: u32, zone: Zone) -> GoTime {
        GoTime {
            secs,
            nsec: nsec.min(999_999_999),
            zone,
        }
    }

    /// Seconds since the epoch (`Unix()`).
    pub fn unix(&self) -> i64 {
        self.secs
    }

    /// Nanoseconds within the second.
    pub fn nanosecond(&self) -> u32 {
        self.nsec
    }

    /// The same instant in another zone (`In`).
    pub fn in_zone(&self, zone: Zone) -> GoTime {
        GoTime {
            zone,
            ..self.clone()
        }
    }

    /// The instant plus `nanos` nanoseconds (`Add`).
    pub fn add_nanos(&self, nanos: i64) -> GoTime {
        let total =
            i128::from(self.secs) * 1_000_000_000 + i128::from(self.nsec) + i128::from(nanos);
        let secs = total.div_euclid(1_000_000_000);
        let nsec = total.rem_euclid(1_000_000_000) as u32;
        GoTime {
            secs: i64::try_from(secs).unwrap_or(if secs < 0 { i64::MIN } else { i64::MAX }),
            nsec,
            zone: self.zone.clone(),
        }
    }

    /// Nanoseconds from `earlier` to `self`, saturated like Go's `Sub`.
    pub fn sub_nanos(&self, earlier: &GoTime) -> i64 {
        let d = (i128::from(self.secs) - i128::from(earlier.secs)) * 1_000_000_000
            + i128::from(self.nsec)
            - i128::from(earlier.nsec);
        i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX })
    }

    fn offset_and_name(&self) -> (i32, String) {
        match &self.zone {
            Zone::Local | Zone::Utc => (0, "UTC".to_string()),
            Zone::Fixed(name, off) => (*off, name.to_string()),
            Zone::Named(tz) => {
                let utc = chrono::DateTime::from_timestamp(self.secs, 0)
                    .unwrap_or_default()
                    .naive_utc();
                let off = tz.offset_from_utc_datetime(&utc);
                let secs = off.fix().local_minus_utc();
                let name = chrono_tz::OffsetName::abbreviation(&off)
                    .map(str::to_string)
                    .unwrap_or_else(|| numeric_zone_name(secs));
                (secs, name)
            }
        }
    }

    fn parts(&self) -> Parts {
        let (offset, name) = self.offset_and_name();
        let local = self.secs.saturating_add(i64::from(offset));
        let days = local.div_euclid(86_400);
        let rem = local.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        let weekday = (days + 4).rem_euclid(7) as u32; // 1970-01-01 was a Thursday
        let yday = (days - days_from_civil(year, 1, 1)) as u32 + 1;
        Parts {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem / 60 % 60,
            second: rem % 60,
            weekday,
            yday,
            offset,
            name,
        }
    }

    /// Go's `Format(layout)`.
    pub fn format(&self, layout: &str) -> String {
        let p = self.parts();
        let mut out = String::new();
        let mut rest = layout;
        loop {
            let (prefix, std, suffix) = next_std_chunk(rest);
            out.push_str(prefix);
            let Some(std) = std else { break };
            rest = suffix;
            format_std(&mut out, std, &p, self.nsec);
        }
        out
    }

    /// Go's `Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`.
    pub fn go_string(&self) -> String {
        self.format("2006-01-02 15:04:05.999999999 -0700 MST")
    }
}

fn numeric_zone_name(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let m = secs.unsigned_abs() / 60;
    if m % 60 == 0 {
        format!("{sign}{:02}", m / 60)
    } else {
        format!("{sign}{:02}{:02}", m / 60, m % 60)
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) to days since 1970-01-01; month and day may be out of range and
/// are normalized as Go's `Date` does.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    // Normalize the month first (Go's Date carries months into years).
    let m0 = m - 1;
    let y = y + m0.div_euclid(12);
    let m = m0.rem_euclid(12) + 1;
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Go's layout elements (`std*` constants).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Std {
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

fn is_digit_at(s: &str, i: usize) -> bool {
    s.as_bytes().get(i).is_some_and(u8::is_ascii_digit)
}

/// Go's `nextStdChunk`: the text before the first layout element, the element, and the
/// rest.
fn next_std_chunk(layout: &str) -> (&str, Option<Std>, &str) {
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

fn format_std(out: &mut String, std: Std, p: &Parts, nsec: u32) {
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

/// Go's `time.ParseError` text.
fn parse_error(
    layout: &str,
    value: &str,
    layout_elem: &str,
    value_elem: &str,
    msg: &str,
) -> String {
    let q = kubake_gotmpl::fmt::quote_go;
    if msg.is_empty() {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            q(value),
            q(layout),
            q(value_elem),
            q(layout_elem)
        )
    } else {
        format!("parsing time {}{msg}", q(value))
    }
}

fn getnum(s: &str, fixed: bool) -> Option<(i64, &str)> {
    if !is_digit_at(s, 0) {
        return None;
    }
    let b = s.as_bytes();
    if !is_digit_at(s, 1) {
        if fixed {
            return None;
        }
        return Some((i64::from(b[0] - b'0'), &s[1..]));
    }
    Some((
        i64::from(b[0] - b'0') * 10 + i64::from(b[1] - b'0'),
        &s[2..],
    ))
}

fn getnum3(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let mut n = 0;
    let mut i = 0;
    while i < 3 && is_digit_at(s, i) {
        n = n * 10 + i64::from(s.as_bytes()[i] - b'0');
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, &s[i..]))
}

fn cutspace(s: &str) -> &str {
    s.trim_start_matches(' ')
}

fn skip<'a>(mut value: &'a str, mut prefix: &str) -> Result<&'a str, &'a str> {
    while let Some(p) = prefix.chars().next() {
        if p == ' ' {
            if value.chars().next().is_some_and(|c| c != ' ') {
                return Err(value);
            }
            prefix = cutspace(prefix);
            value = cutspace(value);
            continue;
        }
        if !value.starts_with(p) {
            return Err(value);
        }
        prefix = &prefix[p.len_utf8()..];
        value = &value[p.len_utf8()..];
    }
    Ok(value)
}

/// Case-insensitive prefix lookup in a name table (Go's `lookup`).
fn lookup<'a>(tab: &[&str], val: &'a str) -> Option<(usize, &'a str)> {
    for (i, name) in tab.iter().enumerate() {
        if val.len() >= name.len()
            && val.as_bytes()[..name.len()].eq_ignore_ascii_case(name.as_bytes())
        {
            return Some((i, &val[name.len()..]));
        }
    }
    None
}

/// Go's `parseTimeZone` (simplified: the common abbreviation shapes).
fn parse_time_zone(value: &str) -> Option<usize> {
    let b = value.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if value.starts_with("ChST") || value.starts_with("MeST") {
        return Some(4);
    }
    if value.starts_with("GMT") {
        let rest = &b[3..];
        if rest.is_empty() || !(rest[0] == b'-' || rest[0] == b'+') {
            return Some(3);
        }
        let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        return Some(if digits == 0 { 3 } else { 4 + digits });
    }
    if b[0] == b'+' || b[0] == b'-' {
        let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        return match digits {
            2 | 4 => Some(1 + digits),
            _ => None,
        };
    }
    let upper = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
    match upper {
        0..=2 => None,
        3 => Some(3),
        4 if b[3] == b'T' => Some(4),
        5 if b[4] == b'T' => Some(5),
        4 | 5 => None,
        _ => None,
    }
}

fn parse_nanoseconds(value: &str, nbytes: usize) -> Result<i64, &'static str> {
    let digits = value.get(1..nbytes).ok_or("")?;
    if !matches!(value.as_bytes().first(), Some(b'.' | b',')) || digits.is_empty() {
        return Err("");
    }
    let mut ns: i64 = 0;
    for (i, c) in digits.bytes().enumerate() {
        if !c.is_ascii_digit() {
            return Err("");
        }
        if i < 9 {
            ns = ns * 10 + i64::from(c - b'0');
        }
    }
    for _ in digits.len()..9 {
        ns *= 10;
    }
    Ok(ns)
}

/// Go's `time.ParseInLocation(layout, value, loc)` with `loc` and `Local` both UTC.
pub fn parse(layout: &str, value: &str, default_zone: Zone) -> Result<GoTime, String> {
    let (alayout, avalue) = (layout, value);
    let mut layout = layout;
    let mut value = value;
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let (mut am, mut pm) = (false, false);
    let mut utc = false;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name: Option<String> = None;
    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        let stdstr = &layout[prefix.len()..layout.len() - suffix.len()];
        value = skip(value, prefix).map_err(|v| parse_error(alayout, avalue, prefix, v, ""))?;
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(parse_error(
                    alayout,
                    avalue,
                    "",
                    value,
                    &format!(": extra text: {}", kubake_gotmpl::fmt::quote_go(value)),
                ));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let mut range_err: Option<&str> = None;
        let ok: Option<()> = (|| {
            match std {
                Std::Year => {
                    let p = value.get(..2)?;
                    year = p
                        .parse::<i64>()
                        .ok()
                        .filter(|_| p.bytes().all(|c| c.is_ascii_digit()))?;
                    value = &value[2..];
                    year += if year >= 69 { 1900 } else { 2000 };
                }
                Std::LongYear => {
                    if !is_digit_at(value, 0) {
                        return None;
                    }
                    let p = value.get(..4)?;
                    if !p.bytes().all(|c| c.is_ascii_digit()) {
                        return None;
                    }
                    year = p.parse().ok()?;
                    value = &value[4..];
                }
                Std::Month | Std::LongMonth => {
                    let names: Vec<&str> = if std == Std::Month {
                        LONG_MONTHS.iter().map(|m| &m[..3]).collect()
                    } else {
                        LONG_MONTHS.to_vec()
                    };
                    let (m, rest) = lookup(&names, value)?;
                    month = m as i64 + 1;
                    value = rest;
                }
                Std::NumMonth | Std::ZeroMonth => {
                    let (m, rest) = getnum(value, std == Std::ZeroMonth)?;
                    month = m;
                    value = rest;
                    if !(1..=12).contains(&month) {
                        range_err = Some("month");
                    }
                }
                Std::WeekDay | Std::LongWeekDay => {
                    let names: Vec<&str> = if std == Std::WeekDay {
                        LONG_DAYS.iter().map(|m| &m[..3]).collect()
                    } else {
                        LONG_DAYS.to_vec()
                    };
                    value = lookup(&names, value)?.1;
                }
                Std::Day | Std::UnderDay | Std::ZeroDay => {
                    if std == Std::UnderDay && value.starts_with(' ') {
                        value = &value[1..];
                    }
                    let (d, rest) = getnum(value, std == Std::ZeroDay)?;
                    day = d;
                    value = rest;
                }
                Std::UnderYearDay | Std::ZeroYearDay => {
                    for _ in 0..2 {
                        if std == Std::UnderYearDay && value.starts_with(' ') {
                            value = &value[1..];
                        }
                    }
                    let (d, rest) = getnum3(value, std == Std::ZeroYearDay)?;
                    yday = d;
                    value = rest;
                }
                Std::Hour => {
                    let (h, rest) = getnum(value, false)?;
                    hour = h;
                    value = rest;
                    if !(0..24).contains(&hour) {
                        range_err = Some("hour");
                    }
                }
                Std::Hour12 | Std::ZeroHour12 => {
                    let (h, rest) = getnum(value, std == Std::ZeroHour12)?;
                    hour = h;
                    value = rest;
                    if !(0..=12).contains(&hour) {
                        range_err = Some("hour");
                    }
                }
                Std::Minute | Std::ZeroMinute => {
                    let (m, rest) = getnum(value, std == Std::ZeroMinute)?;
                    min = m;
                    value = rest;
                    if !(0..60).contains(&min) {
                        range_err = Some("minute");
                    }
                }
                Std::Second | Std::ZeroSecond => {
                    let (s, rest) = getnum(value, std == Std::ZeroSecond)?;
                    sec = s;
                    value = rest;
                    if !(0..60).contains(&sec) {
                        range_err = Some("second");
                        return Some(());
                    }
                    // A fractional second in the value but not in the layout.
                    if value.len() >= 2
                        && matches!(value.as_bytes()[0], b'.' | b',')
                        && is_digit_at(value, 1)
                    {
                        let (_, next, _) = next_std_chunk(layout);
                        if matches!(next, Some(Std::Frac0(..) | Std::Frac9(..))) {
                            return Some(());
                        }
                        let mut n = 2;
                        while is_digit_at(value, n) {
                            n += 1;
                        }
                        nsec = parse_nanoseconds(value, n).ok()?;
                        value = &value[n..];
                    }
                }
                Std::PM | Std::Pm => {
                    let p = value.get(..2)?;
                    let (a, b) = if std == Std::PM {
                        ("AM", "PM")
                    } else {
                        ("am", "pm")
                    };
                    if p == b {
                        pm = true;
                    } else if p == a {
                        am = true;
                    } else {
                        return None;
                    }
                    value = &value[2..];
                }
                Std::Iso8601Tz
                | Std::Iso8601ShortTz
                | Std::Iso8601ColonTz
                | Std::Iso8601SecondsTz
                | Std::Iso8601ColonSecondsTz
                    if value.starts_with('Z') =>
                {
                    value = &value[1..];
                    utc = true;
                }
                Std::Iso8601Tz
                | Std::Iso8601ShortTz
                | Std::Iso8601ColonTz
                | Std::Iso8601SecondsTz
                | Std::Iso8601ColonSecondsTz
                | Std::NumTz
                | Std::NumShortTz
                | Std::NumColonTz
                | Std::NumSecondsTz
                | Std::NumColonSecondsTz => {
                    let b = value.as_bytes();
                    // Every field must be ASCII for a valid offset; `get` keeps a
                    // multi-byte character from splitting a slice.
                    let f = |r: std::ops::Range<usize>| value.get(r);
                    let (sign, hh, mm, ss, n) = match std {
                        Std::Iso8601ColonTz | Std::NumColonTz => {
                            if b.len() < 6 || b[3] != b':' {
                                return None;
                            }
                            (b[0], f(1..3)?, f(4..6)?, "00", 6)
                        }
                        Std::NumShortTz | Std::Iso8601ShortTz => {
                            if b.len() < 3 {
                                return None;
                            }
                            (b[0], f(1..3)?, "00", "00", 3)
                        }
                        Std::Iso8601ColonSecondsTz | Std::NumColonSecondsTz => {
                            if b.len() < 9 || b[3] != b':' || b[6] != b':' {
                                return None;
                            }
                            (b[0], f(1..3)?, f(4..6)?, f(7..9)?, 9)
                        }
                        Std::Iso8601SecondsTz | Std::NumSecondsTz => {
                            if b.len() < 7 {
                                return None;
                            }
                            (b[0], f(1..3)?, f(3..5)?, f(5..7)?, 7)
                        }
                        _ => {
                            if b.len() < 5 {
                                return None;
                            }
                            (b[0], f(1..3)?, f(3..5)?, "00", 5)
                        }
                    };
                    value.get(n..)?;
                    let hr = getnum(hh, true)?.0;
                    let mi = getnum(mm, true)?.0;
                    let se = getnum(ss, true)?.0;
                    if hr > 24 {
                        range_err = Some("time zone offset hour");
                    }
                    if mi > 60 {
                        range_err = Some("time zone offset minute");
                    }
                    if se > 60 {
                        range_err = Some("time zone offset second");
                    }
                    let off = (hr * 60 + mi) * 60 + se;
                    zone_offset = Some(match sign {
                        b'+' => off,
                        b'-' => -off,
                        _ => return None,
                    });
                    value = &value[n..];
                }
                Std::Tz => {
                    if value.starts_with("UTC") {
                        utc = true;
                        value = &value[3..];
                        return Some(());
                    }
                    let n = parse_time_zone(value)?;
                    zone_name = Some(value[..n].to_string());
                    value = &value[n..];
                }
                Std::Frac0(n, _) => {
                    let ndigit = 1 + n;
                    if value.len() < ndigit {
                        return None;
                    }
                    nsec = parse_nanoseconds(value, ndigit).ok()?;
                    value = &value[ndigit..];
                }
                Std::Frac9(..) => {
                    let b = value.as_bytes();
                    if b.len() < 2 || !matches!(b[0], b'.' | b',') || !b[1].is_ascii_digit() {
                        return Some(());
                    }
                    let mut i = 0;
                    while is_digit_at(value, i + 1) {
                        i += 1;
                    }
                    nsec = parse_nanoseconds(value, 1 + i).ok()?;
                    value = &value[1 + i..];
                }
            }
            Some(())
        })();
        if let Some(what) = range_err {
            return Err(parse_error(
                alayout,
                avalue,
                stdstr,
                value,
                &format!(": {what} out of range"),
            ));
        }
        if ok.is_none() {
            return Err(parse_error(alayout, avalue, stdstr, hold, ""));
        }
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    if yday >= 0 {
        let leap = days_in(2, year) == 29;
        if yday < 1 || yday > if leap { 366 } else { 365 } {
            return Err(parse_error(
                alayout,
                avalue,
                "",
                value,
                ": day-of-year out of range",
            ));
        }
        let mut m = 1;
        let mut d = yday;
        while d > days_in(m, year) {
            d -= days_in(m, year);
            m += 1;
        }
        if (month >= 0 && month != m) || (day >= 0 && day != d) {
            return Err(parse_error(
                alayout,
                avalue,
                "",
                value,
                ": day-of-year does not match month",
            ));
        }
        month = m;
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return Err(parse_error(
            alayout,
            avalue,
            "",
            value,
            ": day out of range",
        ));
    }
    let days = days_from_civil(year, month, day);
    let local_secs = days * 86_400 + hour * 3600 + min * 60 + sec;
    let nsec = nsec as u32;
    if utc {
        return Ok(GoTime::from_unix(local_secs, nsec, Zone::Utc));
    }
    if let Some(off) = zone_offset {
        let secs = local_secs - off;
        // The local zone (UTC) has offset 0: an offset of 0 without a foreign name
        // means Local, as in Go.
        if off == 0 && zone_name.as_deref().is_none_or(|n| n == "UTC") {
            return Ok(GoTime::from_unix(secs, nsec, Zone::Local));
        }
        let name = zone_name.unwrap_or_default();
        return Ok(GoTime::from_unix(
            secs,
            nsec,
            Zone::Fixed(name.into(), off as i32),
        ));
    }
    if let Some(name) = zone_name {
        if name == "UTC" {
            return Ok(GoTime::from_unix(local_secs, nsec, Zone::Local));
        }
        let mut offset = 0i64;
        if name.len() > 3 && name.starts_with("GMT") {
            offset = name[3..].parse::<i64>().unwrap_or(0) * 3600;
        }
        return Ok(GoTime::from_unix(
            local_secs,
            nsec,
            Zone::Fixed(name.into(), offset as i32),
        ));
    }
    let t = GoTime::from_unix(local_secs, nsec, default_zone.clone());
    // A named default zone: the wall clock is in that zone.
    if let Zone::Named(tz) = &default_zone {
        let naive = NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32)
            .and_then(|d| d.and_hms_opt(hour as u32, min as u32, sec as u32));
        if let Some(dt) = naive.and_then(|n: NaiveDateTime| tz.from_local_datetime(&n).earliest()) {
            return Ok(GoTime::from_unix(dt.timestamp(), nsec, default_zone));
        }
    }
    Ok(t)
}

/// Go's `time.LoadLocation(name)`.
pub fn load_location(name: &str) -> Option<Zone> {
    match name {
        "" | "UTC" => Some(Zone::Utc),
        "Local" => Some(Zone::Local),
        _ => name.parse::<chrono_tz::Tz>().ok().map(Zone::Named),
    }
}

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

impl Object for GoTime {
    fn type_name(&self) -> String {
        "time.Time".into()
    }

    fn method(&self, name: &str) -> Option<Signature> {
        Some(match name {
            "Year" | "Day" | "Hour" | "Minute" | "Second" | "Nanosecond" | "YearDay" | "Unix"
            | "UnixNano" | "UnixMilli" | "String" | "Month" | "Weekday" | "UTC" | "Local"
            | "IsZero" => Signature::fixed([]),
            "Format" => Signature::fixed([GoType::String]),
            "Add" => Signature::fixed([GoType::Int(IntKind::Int64)]),
            "AddDate" => Signature::fixed([GoType::INT, GoType::INT, GoType::INT]),
            _ => return None,
        })
    }

    fn call_method(
        &self,
        name: &str,
        _ctx: &mut CallContext<'_>,
        args: &[Value],
    ) -> Result<Value, FuncError> {
        let p = self.parts();
        let int = |i: i64| Value::int(i);
        Ok(match name {
            "Year" => int(p.year),
            "Month" => Value::from(LONG_MONTHS[(p.month - 1) as usize]),
            "Day" => int(i64::from(p.day)),
            "Hour" => int(i64::from(p.hour)),
            "Minute" => int(i64::from(p.minute)),
            "Second" => int(i64::from(p.second)),
            "Nanosecond" => int(i64::from(self.nsec)),
            "YearDay" => int(i64::from(p.yday)),
            "Weekday" => Value::from(LONG_DAYS[p.weekday as usize]),
            "Unix" => Value::int64(self.secs),
            "UnixMilli" => {
                Value::int64(self.secs.saturating_mul(1000) + i64::from(self.nsec / 1_000_000))
            }
            "UnixNano" => Value::int64(
                self.secs
                    .saturating_mul(1_000_000_000)
                    .saturating_add(i64::from(self.nsec)),
            ),
            "String" => Value::from(self.go_string()),
            "IsZero" => Value::Bool(self.secs == -62_135_596_800 && self.nsec == 0),
            "UTC" => Value::object(self.in_zone(Zone::Utc)),
            "Local" => Value::object(self.in_zone(Zone::Local)),
            "Format" => {
                Value::from(self.format(args.first().and_then(Value::as_str).unwrap_or("")))
            }
            "Add" => {
                Value::object(self.add_nanos(args.first().and_then(Value::as_i64).unwrap_or(0)))
            }
            "AddDate" => {
                let get = |i: usize| args.get(i).and_then(Value::as_i64).unwrap_or(0);
                let days = days_from_civil(
                    p.year + get(0),
                    i64::from(p.month) + get(1),
                    i64::from(p.day) + get(2),
                );
                let old = days_from_civil(p.year, i64::from(p.month), i64::from(p.day));
                Value::object(self.add_nanos((days - old).saturating_mul(86_400_000_000_000)))
            }
            _ => return Err(FuncError::new(format!("time.Time has no method {name}"))),
        })
    }

    fn display(&self, out: &mut String) {
        out.push_str(&self.go_string());
    }

    fn equals(&self, other: &dyn Object) -> Option<bool> {
        Some(
            other
                .as_any()
                .downcast_ref::<GoTime>()
                .is_some_and(|o| o == self),
        )
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The zero `time.Time` (January 1, year 1, 00:00:00 UTC), what `toDate` returns on a
/// parse error.
pub fn zero_time() -> GoTime {
    GoTime::from_unix(-62_135_596_800, 0, Zone::Utc)
}

/// The `chrono` view of a time (for certificates).
pub fn to_chrono(t: &GoTime) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(t.secs, t.nsec)
}

#[allow(dead_code)]
fn _unused(d: chrono::DateTime<chrono::Utc>) -> (i32, u32) {
    (d.year(), d.hour())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn zones() {
        let t = GoTime::from_unix(1_700_000_000, 0, Zone::Utc);
        let tokyo = t.in_zone(load_location("Asia/Tokyo").unwrap());
        assert_eq!(tokyo.format("15:04 -0700 MST"), "07:13 +0900 JST");
        let ny = parse("2006-01-02 15:04", "2024-06-01 12:00", Zone::Local)
            .unwrap()
            .in_zone(load_location("America/New_York").unwrap());
        assert_eq!(ny.format("2006-01-02 15:04 MST"), "2024-06-01 08:00 EDT");
        let fixed = parse(
            "2006-01-02 15:04 -0700",
            "2024-06-01 12:00 +0530",
            Zone::Local,
        )
        .unwrap();
        assert_eq!(fixed.go_string(), "2024-06-01 12:00:00 +0530 +0530");
        assert_eq!(fixed.unix(), utc("2024-06-01T06:30:00Z").unix());
    }

    #[test]
    fn hostile_layouts_do_not_panic() {
        for (layout, value) in [
            ("é2006", "é2024"),
            ("2006 -07:00", "2024 -é0:00"),
            ("2006 -0700", "2024 +é000"),
            ("MST", "é"),
            ("2006.000", "2024.é1"),
            ("Jan", "Jé"),
        ] {
            let _ = parse(layout, value, Zone::Local);
        }
        assert!(parse("é2006", "é2024", Zone::Local).is_ok());
    }

    #[test]
    fn parse_errors_match_go() {
        assert_eq!(
            parse("2006-01-02", "not-a-date", Zone::Local).unwrap_err(),
            "parsing time \"not-a-date\" as \"2006-01-02\": cannot parse \"not-a-date\" as \"2006\""
        );
        assert_eq!(
            parse("2006-01-02", "2024-02-30", Zone::Local).unwrap_err(),
            "parsing time \"2024-02-30\": day out of range"
        );
        assert_eq!(
            parse("2006-01-02", "2024-13-01", Zone::Local).unwrap_err(),
            "parsing time \"2024-13-01\": month out of range"
        );
        assert_eq!(
            parse("2006", "2024x", Zone::Local).unwrap_err(),
            "parsing time \"2024x\": extra text: \"x\""
        );
    }

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

    #[test]
    fn civil_round_trip() {
        for days in [-719_468, -1, 0, 59, 19_782, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, i64::from(m), i64::from(d)), days);
        }
    }
}
