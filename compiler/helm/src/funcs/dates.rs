//! Sprig's date functions: `now`, `date`, `dateInZone`, `htmlDate`, `htmlDateInZone`,
//! `dateModify` (+ `must`), `ago`, `duration`, `durationRound`, `toDate` (+ `must`),
//! `unixEpoch`, and the snake-case aliases `date_in_zone`, `date_modify`,
//! `must_date_modify`.
//!
//! Sprig's quirks are kept: a date argument that is not a `time.Time` or an `int`,
//! `int32` or `int64` silently means "now" (so a float64 from values is now), and
//! `toDate` returns the zero time on a parse error. "Now" is the render's fixed clock
//! (see `env`).

use kubake_gotmpl::{FuncError, FuncMap, GoType, IntKind, Value};

use super::time::{format_duration, load_location, parse, parse_duration, zero_time, GoTime, Zone};
use super::{int_at, reg, str_at};
use crate::env::with_env;

fn time_type() -> GoType {
    GoType::Object("time.Time".into())
}

/// A date argument as Sprig's `dateInZone` reads it; `None` means "now".
fn as_date(v: &Value, allow_int32: bool) -> Option<GoTime> {
    match v {
        Value::Object(_) => v.downcast_object::<GoTime>().cloned(),
        Value::Int(i, IntKind::Int | IntKind::Int64) => Some(GoTime::from_unix(*i, 0, Zone::Local)),
        Value::Int(i, IntKind::Int32) if allow_int32 => Some(GoTime::from_unix(*i, 0, Zone::Local)),
        _ => None,
    }
}

fn date_in_zone(now: &GoTime, layout: &str, date: &Value, zone: &str) -> String {
    let t = as_date(date, true).unwrap_or_else(|| now.clone());
    let zone = load_location(zone).unwrap_or(Zone::Utc);
    t.in_zone(zone).format(layout)
}

/// Sprig's `durationRound` on a duration in nanoseconds.
fn duration_round(d: i64) -> String {
    const SECOND: u64 = 1_000_000_000;
    const MINUTE: u64 = 60 * SECOND;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    const MONTH: u64 = 30 * DAY;
    const YEAR: u64 = 365 * DAY;
    let u = d.unsigned_abs();
    for (unit, name) in [
        (YEAR, "y"),
        (MONTH, "mo"),
        (DAY, "d"),
        (HOUR, "h"),
        (MINUTE, "m"),
        (SECOND, "s"),
    ] {
        if u > unit {
            return format!("{}{name}", u / unit);
        }
    }
    "0s".to_string()
}

/// Go's `Duration.Round(time.Second)`: halves away from zero.
fn round_to_second(d: i64) -> i64 {
    const S: i64 = 1_000_000_000;
    let r = d % S;
    if d < 0 {
        let r = -r;
        if r + r < S {
            d + r
        } else {
            d.checked_sub(S - r).unwrap_or(i64::MIN)
        }
    } else if r + r < S {
        d - r
    } else {
        d.checked_add(S - r).unwrap_or(i64::MAX)
    }
}

pub(crate) fn register(map: &mut FuncMap) {
    reg(map, "now", [], |ctx, _| {
        Ok(Value::object(with_env(ctx, |e| e.now())))
    });
    reg(
        map,
        "date",
        [GoType::String, GoType::Interface],
        |ctx, a| {
            let now = with_env(ctx, |e| e.now());
            Ok(Value::from(date_in_zone(
                &now,
                str_at(a, 0),
                &a[1],
                "Local",
            )))
        },
    );
    for name in ["dateInZone", "date_in_zone"] {
        reg(
            map,
            name,
            [GoType::String, GoType::Interface, GoType::String],
            |ctx, a| {
                let now = with_env(ctx, |e| e.now());
                Ok(Value::from(date_in_zone(
                    &now,
                    str_at(a, 0),
                    &a[1],
                    str_at(a, 2),
                )))
            },
        );
    }
    reg(map, "htmlDate", [GoType::Interface], |ctx, a| {
        let now = with_env(ctx, |e| e.now());
        Ok(Value::from(date_in_zone(
            &now,
            "2006-01-02",
            &a[0],
            "Local",
        )))
    });
    reg(
        map,
        "htmlDateInZone",
        [GoType::Interface, GoType::String],
        |ctx, a| {
            let now = with_env(ctx, |e| e.now());
            Ok(Value::from(date_in_zone(
                &now,
                "2006-01-02",
                &a[0],
                str_at(a, 1),
            )))
        },
    );
    for name in ["dateModify", "date_modify"] {
        reg(map, name, [GoType::String, time_type()], |_, a| {
            let t = a[1]
                .downcast_object::<GoTime>()
                .cloned()
                .unwrap_or_else(zero_time);
            Ok(Value::object(match parse_duration(str_at(a, 0)) {
                Ok(d) => t.add_nanos(d),
                Err(_) => t,
            }))
        });
    }
    for name in ["mustDateModify", "must_date_modify"] {
        reg(map, name, [GoType::String, time_type()], |_, a| {
            let t = a[1]
                .downcast_object::<GoTime>()
                .cloned()
                .unwrap_or_else(zero_time);
            let d = parse_duration(str_at(a, 0)).map_err(FuncError::new)?;
            Ok(Value::object(t.add_nanos(d)))
        });
    }
    reg(map, "ago", [GoType::Interface], |ctx, a| {
        let now = with_env(ctx, |e| e.now());
        let t = as_date(&a[0], false).unwrap_or_else(|| now.clone());
        Ok(Value::from(format_duration(round_to_second(
            now.sub_nanos(&t),
        ))))
    });
    reg(map, "duration", [GoType::Interface], |_, a| {
        let n: i64 = match &a[0] {
            Value::String(s) => s.parse().unwrap_or(0),
            Value::Int(i, IntKind::Int64) => *i,
            _ => 0,
        };
        Ok(Value::from(format_duration(n.wrapping_mul(1_000_000_000))))
    });
    reg(map, "durationRound", [GoType::Interface], |ctx, a| {
        let d = match &a[0] {
            Value::String(s) => parse_duration(s).unwrap_or(0),
            Value::Int(i, IntKind::Int64) => *i,
            v => match v.downcast_object::<GoTime>() {
                Some(t) => with_env(ctx, |e| e.now()).sub_nanos(t),
                None => 0,
            },
        };
        Ok(Value::from(duration_round(d)))
    });
    reg(map, "toDate", [GoType::String, GoType::String], |_, a| {
        Ok(Value::object(
            parse(str_at(a, 0), str_at(a, 1), Zone::Local).unwrap_or_else(|_| zero_time()),
        ))
    });
    reg(
        map,
        "mustToDate",
        [GoType::String, GoType::String],
        |_, a| {
            parse(str_at(a, 0), str_at(a, 1), Zone::Local)
                .map(Value::object)
                .map_err(FuncError::new)
        },
    );
    reg(map, "unixEpoch", [time_type()], |_, a| {
        let t = a[0]
            .downcast_object::<GoTime>()
            .cloned()
            .unwrap_or_else(zero_time);
        Ok(Value::from(t.unix().to_string()))
    });
    let _ = int_at;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_round_units() {
        assert_eq!(duration_round(parse_duration("2h10m5s").unwrap_or(0)), "2h");
        assert_eq!(duration_round(parse_duration("90s").unwrap_or(0)), "1m");
        assert_eq!(duration_round(400_000_000_000_000), "4d");
        assert_eq!(
            duration_round(parse_duration("2400h5s").unwrap_or(0)),
            "3mo"
        );
        assert_eq!(duration_round(parse_duration("24h5s").unwrap_or(0)), "1d");
        assert_eq!(duration_round(0), "0s");
    }

    #[test]
    fn date_fallbacks() {
        let now = GoTime::from_unix(1_735_689_600, 0, Zone::Local);
        assert_eq!(
            date_in_zone(&now, "2006-01-02T15:04:05Z07:00", &Value::int(0), "Local"),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(
            date_in_zone(&now, "2006", &Value::float(1.7e9), "UTC"),
            "2025"
        );
        assert_eq!(
            date_in_zone(
                &now,
                "15:04 -0700",
                &Value::int(1_700_000_000),
                "Asia/Tokyo"
            ),
            "07:13 +0900"
        );
        assert_eq!(
            date_in_zone(
                &now,
                "2006-01-02",
                &Value::int(1_700_000_000),
                "Pacific/Auckland"
            ),
            "2023-11-15"
        );
    }

    #[test]
    fn ago_rounds_to_seconds() {
        assert_eq!(round_to_second(1_499_999_999), 1_000_000_000);
        assert_eq!(round_to_second(1_500_000_000), 2_000_000_000);
        assert_eq!(round_to_second(-1_500_000_000), -2_000_000_000);
    }
}
