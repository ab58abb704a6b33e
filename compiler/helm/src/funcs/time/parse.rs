//! Go's `time.Parse` / `ParseInLocation` over the layout elements of `layout`, with
//! Go's error texts (`parsing time "x" as "2006-01-02": cannot parse "x" as "2006"`,
//! `day out of range`, `extra text`).

use chrono::{NaiveDate, NaiveDateTime, TimeZone};

use super::layout::{is_digit_at, next_std_chunk, Std};
use super::{days_from_civil, days_in, GoTime, Zone, LONG_DAYS, LONG_MONTHS};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
