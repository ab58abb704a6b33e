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
//! The pieces: this module holds `time.Time` ([`GoTime`], [`Zone`]) and its template
//! methods; `layout` formats layout strings and `parse` reads them; `duration` is
//! `time.Duration`.
//!
//! Not here: the Sprig functions (`date`, `toDate`, `ago`...; see `dates`).

use std::any::Any;
use std::sync::Arc;

use chrono::{Offset, TimeZone};
use kubake_gotmpl::{CallContext, FuncError, GoType, IntKind, Object, Signature, Value};

mod duration;
mod layout;
mod parse;

pub use duration::{format_duration, parse_duration};
use layout::{format_std, next_std_chunk};
pub use parse::parse;

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
pub(crate) struct Parts {
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    pub(crate) weekday: u32,
    pub(crate) yday: u32,
    pub(crate) offset: i32,
    pub(crate) name: String,
}

pub(crate) const LONG_MONTHS: [&str; 12] = [
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
pub(crate) const LONG_DAYS: [&str; 7] = [
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
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
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
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
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

pub(crate) fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Go's `time.LoadLocation(name)`.
pub fn load_location(name: &str) -> Option<Zone> {
    match name {
        "" | "UTC" => Some(Zone::Utc),
        "Local" => Some(Zone::Local),
        _ => name.parse::<chrono_tz::Tz>().ok().map(Zone::Named),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> GoTime {
        parse("2006-01-02T15:04:05Z07:00", s, Zone::Local).unwrap_or_else(|e| panic!("{e}"))
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
    fn civil_round_trip() {
        for days in [-719_468, -1, 0, 59, 19_782, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, i64::from(m), i64::from(d)), days);
        }
    }
}
