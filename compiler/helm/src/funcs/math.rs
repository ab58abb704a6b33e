//! Sprig's arithmetic and number conversions: `add`, `add1`, `sub`, `div`, `mod`, `mul`,
//! `max`/`biggest`, `min` (int64, every operand through `cast.ToInt64`), `addf`, `add1f`,
//! `subf`, `mulf`, `divf` (through `shopspring/decimal`), `maxf`, `minf`, `floor`,
//! `ceil`, `round`, `int`, `int64`, `float64`, `toDecimal`.
//!
//! int64 arithmetic wraps as Go's does; integer division by zero is Go's runtime panic
//! (`runtime error: integer divide by zero`).

use kubake_gotmpl::{FuncError, FuncMap, GoType, Value};

use super::conv::{to_float64, to_int64};
use super::decimal::Decimal;
use super::{int_at, reg, reg_var};

fn decimal_op(
    first: &Value,
    rest: &[Value],
    op: impl Fn(&Decimal, &Decimal) -> Result<Decimal, FuncError>,
) -> Result<Value, FuncError> {
    let dec = |v: &Value| {
        let f = to_float64(v);
        Decimal::from_f64(f).ok_or_else(|| {
            FuncError::new(format!(
                "Cannot create a Decimal from {}",
                kubake_gotmpl::fmt::sprint_v(&Value::float(f))
            ))
        })
    };
    let mut acc = dec(first)?;
    for v in rest {
        acc = op(&acc, &dec(v)?)?;
    }
    Ok(Value::float(acc.to_f64()))
}

fn div_by_zero() -> FuncError {
    FuncError::new("runtime error: integer divide by zero")
}

/// Sprig's `round value places [roundOn]`.
pub fn round(val: f64, places: f64, round_on: f64) -> f64 {
    let pow = 10f64.powf(places);
    let digit = pow * val;
    let frac = digit.fract();
    let r = if frac >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    r / pow
}

/// Sprig's `toDecimal`: the value's `%v` text read as an octal number.
fn to_decimal(v: &Value) -> i64 {
    let s = kubake_gotmpl::fmt::sprint_v(v);
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s.as_str()),
    };
    if digits.is_empty() || !digits.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
        return 0;
    }
    match i64::from_str_radix(digits, 8) {
        Ok(n) if neg => -n,
        Ok(n) => n,
        Err(_) => 0,
    }
}

/// Go's `math.Max` / `math.Min` (NaN wins; signed zeros ordered).
fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_negative() {
            b
        } else {
            a
        }
    } else {
        a.max(b)
    }
}

fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_negative() {
            a
        } else {
            b
        }
    } else {
        a.min(b)
    }
}

pub(crate) fn register(map: &mut FuncMap) {
    use GoType::Interface as I;
    let i64v = Value::int64;
    reg_var(map, "add", [], I, move |_, a| {
        Ok(i64v(
            a.iter().fold(0i64, |s, v| s.wrapping_add(to_int64(v))),
        ))
    });
    reg(map, "add1", [I], move |_, a| {
        Ok(i64v(to_int64(&a[0]).wrapping_add(1)))
    });
    reg(map, "sub", [I, I], move |_, a| {
        Ok(i64v(to_int64(&a[0]).wrapping_sub(to_int64(&a[1]))))
    });
    reg(map, "div", [I, I], move |_, a| {
        let b = to_int64(&a[1]);
        if b == 0 {
            return Err(div_by_zero());
        }
        Ok(i64v(to_int64(&a[0]).wrapping_div(b)))
    });
    reg(map, "mod", [I, I], move |_, a| {
        let b = to_int64(&a[1]);
        if b == 0 {
            return Err(div_by_zero());
        }
        Ok(i64v(to_int64(&a[0]).wrapping_rem(b)))
    });
    reg_var(map, "mul", [I], I, move |_, a| {
        Ok(i64v(
            a[1..]
                .iter()
                .fold(to_int64(&a[0]), |s, v| s.wrapping_mul(to_int64(v))),
        ))
    });
    for name in ["max", "biggest"] {
        reg_var(map, name, [I], I, move |_, a| {
            Ok(i64v(
                a[1..].iter().map(to_int64).fold(to_int64(&a[0]), i64::max),
            ))
        });
    }
    reg_var(map, "min", [I], I, move |_, a| {
        Ok(i64v(
            a[1..].iter().map(to_int64).fold(to_int64(&a[0]), i64::min),
        ))
    });
    reg_var(map, "maxf", [I], I, |_, a| {
        Ok(Value::float(
            a[1..]
                .iter()
                .map(to_float64)
                .fold(to_float64(&a[0]), go_max),
        ))
    });
    reg_var(map, "minf", [I], I, |_, a| {
        Ok(Value::float(
            a[1..]
                .iter()
                .map(to_float64)
                .fold(to_float64(&a[0]), go_min),
        ))
    });
    reg(map, "add1f", [I], |_, a| {
        decimal_op(&a[0], &[Value::int(1)], |x, y| Ok(x.add(y)))
    });
    reg_var(map, "addf", [], I, |_, a| {
        decimal_op(&Value::float(0.0), a, |x, y| Ok(x.add(y)))
    });
    reg_var(map, "subf", [I], I, |_, a| {
        decimal_op(&a[0], &a[1..], |x, y| Ok(x.sub(y)))
    });
    reg_var(map, "mulf", [I], I, |_, a| {
        decimal_op(&a[0], &a[1..], |x, y| Ok(x.mul(y)))
    });
    reg_var(map, "divf", [I], I, |_, a| {
        decimal_op(&a[0], &a[1..], |x, y| {
            x.div(y)
                .ok_or_else(|| FuncError::new("decimal division by 0"))
        })
    });
    reg(map, "floor", [I], |_, a| {
        Ok(Value::float(to_float64(&a[0]).floor()))
    });
    reg(map, "ceil", [I], |_, a| {
        Ok(Value::float(to_float64(&a[0]).ceil()))
    });
    reg_var(map, "round", [I, GoType::INT], GoType::FLOAT64, |_, a| {
        let on = a.get(2).and_then(Value::as_f64).unwrap_or(0.5);
        Ok(Value::float(round(
            to_float64(&a[0]),
            int_at(a, 1) as f64,
            on,
        )))
    });
    reg(map, "int", [I], |_, a| Ok(Value::int(to_int64(&a[0]))));
    reg(map, "int64", [I], |_, a| Ok(Value::int64(to_int64(&a[0]))));
    reg(map, "float64", [I], |_, a| {
        Ok(Value::float(to_float64(&a[0])))
    });
    reg(map, "toDecimal", [I], |_, a| {
        Ok(Value::int64(to_decimal(&a[0])))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_like_sprig() {
        assert_eq!(round(3.14659, 2.0, 0.5), 3.15);
        assert_eq!(round(2.5, 0.0, 0.5), 3.0);
        assert_eq!(round(-2.5, 0.0, 0.5), -3.0);
        assert_eq!(round(1.005, 2.0, 0.5), 1.0);
        assert_eq!(round(123.456, -1.0, 0.5), 120.0);
        assert_eq!(round(2.675, 2.0, 0.5), 2.68);
    }

    #[test]
    fn octal_text() {
        assert_eq!(to_decimal(&Value::from("0777")), 511);
        assert_eq!(to_decimal(&Value::from("9")), 0);
        assert_eq!(to_decimal(&Value::int(8)), 0);
        assert_eq!(to_decimal(&Value::float(777.0)), 511);
    }
}
