//! The slice of `shopspring/decimal` that Sprig's float functions (`addf`, `subf`,
//! `mulf`, `divf`, `add1f`) use: each operand becomes the decimal with the shortest
//! digits that round-trip its float64 (so `0.1` is exactly 0.1), sums and products are
//! exact, quotients are rounded to 16 decimal places (half away from zero), and the
//! result converts back to the nearest float64. That is why `addf 0.1 0.2` prints `0.3`.

use num_bigint::{BigInt, Sign};

/// `value * 10^exp`.
#[derive(Clone, Debug, PartialEq)]
pub struct Decimal {
    value: BigInt,
    exp: i64,
}

/// shopspring's `DivisionPrecision`.
const DIVISION_PRECISION: i64 = 16;

fn pow10(n: u64) -> BigInt {
    BigInt::from(10u8).pow(u32::try_from(n).unwrap_or(u32::MAX))
}

impl Decimal {
    /// `decimal.NewFromFloat`: the shortest decimal that reads back as `f`. `None` for
    /// NaN and infinities (shopspring panics).
    pub fn from_f64(f: f64) -> Option<Decimal> {
        if !f.is_finite() {
            return None;
        }
        // `{:e}` prints the shortest round-trip digits: `1.5e0`, `-1e-7`.
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e')?;
        let exp: i64 = exp.parse().ok()?;
        let (neg, mant) = match mant.strip_prefix('-') {
            Some(m) => (true, m),
            None => (false, mant),
        };
        let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
        let digits = format!("{int}{frac}");
        let mut value: BigInt = digits.parse().ok()?;
        if neg {
            value = -value;
        }
        Some(Decimal {
            value,
            exp: exp - frac.len() as i64,
        })
    }

    fn align(&self, other: &Decimal) -> (BigInt, BigInt, i64) {
        let exp = self.exp.min(other.exp);
        let a = &self.value * pow10((self.exp - exp) as u64);
        let b = &other.value * pow10((other.exp - exp) as u64);
        (a, b, exp)
    }

    /// Exact sum.
    pub fn add(&self, other: &Decimal) -> Decimal {
        let (a, b, exp) = self.align(other);
        Decimal { value: a + b, exp }
    }

    /// Exact difference.
    pub fn sub(&self, other: &Decimal) -> Decimal {
        let (a, b, exp) = self.align(other);
        Decimal { value: a - b, exp }
    }

    /// Exact product.
    pub fn mul(&self, other: &Decimal) -> Decimal {
        Decimal {
            value: &self.value * &other.value,
            exp: self.exp + other.exp,
        }
    }

    /// `DivRound(other, 16)`; `None` when dividing by zero.
    pub fn div(&self, other: &Decimal) -> Option<Decimal> {
        if other.value.sign() == Sign::NoSign {
            return None;
        }
        // q = self / other * 10^16, computed on integers.
        let k = self.exp - other.exp + DIVISION_PRECISION;
        let (num, den) = if k >= 0 {
            (&self.value * pow10(k as u64), other.value.clone())
        } else {
            (self.value.clone(), &other.value * pow10(k.unsigned_abs()))
        };
        let mut q = &num / &den;
        let r = &num % &den;
        let twice: BigInt = r.magnitude().clone().into();
        let twice = twice * 2u8;
        let den_abs: BigInt = den.magnitude().clone().into();
        if twice >= den_abs {
            if (num.sign() == Sign::Minus) != (den.sign() == Sign::Minus) {
                q -= 1u8;
            } else {
                q += 1u8;
            }
        }
        Some(Decimal {
            value: q,
            exp: -DIVISION_PRECISION,
        })
    }

    /// The nearest float64 (`Float64()`).
    pub fn to_f64(&self) -> f64 {
        format!("{}e{}", self.value, self.exp)
            .parse()
            .unwrap_or(f64::NAN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(f: f64) -> Decimal {
        Decimal::from_f64(f).unwrap_or(Decimal {
            value: BigInt::from(0),
            exp: 0,
        })
    }

    #[test]
    fn exact_decimal_arithmetic() {
        assert_eq!(d(0.1).add(&d(0.2)).to_f64(), 0.3);
        assert_eq!(d(0.1).mul(&d(3.0)).to_f64(), 0.3);
        assert_eq!(d(5.5).sub(&d(1.25)).to_f64(), 4.25);
        assert_eq!(
            d(1.2).mul(&d(2.4)).mul(&d(10.0)).mul(&d(4.0)).to_f64(),
            115.2
        );
        assert_eq!(d(1e6).add(&d(1.0)).to_f64(), 1_000_001.0);
    }

    #[test]
    fn division_rounds_to_sixteen_places() {
        let third = d(1.0).div(&d(3.0)).map(|q| q.to_f64());
        assert_eq!(third, Some(0.333_333_333_333_333_3));
        assert_eq!(
            d(2.0).div(&d(3.0)).map(|q| q.to_f64()),
            Some(0.666_666_666_666_666_7)
        );
        assert_eq!(
            d(-2.0).div(&d(3.0)).map(|q| q.to_f64()),
            Some(-0.666_666_666_666_666_7)
        );
        assert_eq!(d(10.0).div(&d(4.0)).map(|q| q.to_f64()), Some(2.5));
        assert_eq!(d(1.0).div(&d(0.0)), None);
    }
}
