//! Sprig's random functions: `randAlphaNum`, `randAlpha`, `randNumeric`, `randAscii`,
//! `randBytes`, `randInt`, `uuidv4`, `shuffle`.
//!
//! They draw from the render's deterministic stream (`crate::env`), never from the OS,
//! and record what they produced so the Helm layer can flag reproducible "random"
//! values that reach a Secret. The character sets follow goutils' `CryptoRandom*`
//! (letters and digits from the ASCII range `' '..='z'`, printable ASCII for
//! `randAscii`); a negative length gives `""` as in Sprig.

use base64::Engine;
use kubake_gotmpl::{CallContext, FuncError, FuncMap, GoType, Value};
use rand::{Rng, RngCore};

use super::{int_at, reg, str_at};
use crate::env::with_env;

/// Most characters or bytes one call may produce (Go would try to allocate any size).
const MAX_LEN: i64 = 1 << 24;

fn random_string(
    ctx: &CallContext<'_>,
    count: i64,
    accept: fn(char) -> bool,
    lo: u32,
    hi: u32,
) -> Result<String, FuncError> {
    if count <= 0 {
        return Ok(String::new());
    }
    if count > MAX_LEN {
        return Err(FuncError::new(
            "randomstringutils: requested length is too large",
        ));
    }
    let s = with_env(ctx, |env| {
        env.with_rng(|rng| {
            let mut out = String::with_capacity(count as usize);
            while (out.len() as i64) < count {
                let c = char::from_u32(rng.gen_range(lo..hi)).unwrap_or(' ');
                if accept(c) {
                    out.push(c);
                }
            }
            out
        })
    });
    record(ctx, vec![s.clone()]);
    Ok(s)
}

fn record(ctx: &CallContext<'_>, produced: Vec<String>) {
    let (name, template) = (ctx.name().to_string(), ctx.template_name().to_string());
    with_env(ctx, |env| env.record(&name, &template, produced));
}

/// The RFC 4122 form of 16 random bytes made a version 4 UUID.
pub fn uuid_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub(crate) fn register(map: &mut FuncMap) {
    let int = GoType::INT;
    reg(map, "randAlphaNum", [int.clone()], |ctx, a| {
        random_string(ctx, int_at(a, 0), |c| c.is_ascii_alphanumeric(), 32, 123).map(Value::from)
    });
    reg(map, "randAlpha", [int.clone()], |ctx, a| {
        random_string(ctx, int_at(a, 0), |c| c.is_ascii_alphabetic(), 32, 123).map(Value::from)
    });
    reg(map, "randNumeric", [int.clone()], |ctx, a| {
        random_string(ctx, int_at(a, 0), |c| c.is_ascii_digit(), 32, 123).map(Value::from)
    });
    reg(map, "randAscii", [int.clone()], |ctx, a| {
        random_string(ctx, int_at(a, 0), |_| true, 32, 127).map(Value::from)
    });
    reg(map, "randBytes", [int.clone()], |ctx, a| {
        let n = int_at(a, 0);
        if n < 0 {
            return Err(FuncError::new("runtime error: makeslice: len out of range"));
        }
        if n > MAX_LEN {
            return Err(FuncError::new("randBytes: requested length is too large"));
        }
        let mut buf = vec![0u8; n as usize];
        with_env(ctx, |env| env.with_rng(|r| r.fill_bytes(&mut buf)));
        let s = base64::engine::general_purpose::STANDARD.encode(buf);
        record(ctx, vec![s.clone()]);
        Ok(Value::from(s))
    });
    reg(map, "randInt", [int.clone(), int], |ctx, a| {
        let (min, max) = (int_at(a, 0), int_at(a, 1));
        let span = max.wrapping_sub(min);
        if span <= 0 {
            return Err(FuncError::new("invalid argument to Intn"));
        }
        let n = with_env(ctx, |env| env.with_rng(|r| r.gen_range(0..span)));
        let v = n.wrapping_add(min);
        record(ctx, vec![v.to_string()]);
        Ok(Value::int(v))
    });
    reg(map, "uuidv4", [], |ctx, _| {
        let mut b = [0u8; 16];
        with_env(ctx, |env| env.with_rng(|r| r.fill_bytes(&mut b)));
        let s = uuid_v4(b);
        record(ctx, vec![s.clone()]);
        Ok(Value::from(s))
    });
    reg(map, "shuffle", [GoType::String], |ctx, a| {
        let mut runes: Vec<char> = str_at(a, 0).chars().collect();
        with_env(ctx, |env| {
            env.with_rng(|r| {
                for i in (1..runes.len()).rev() {
                    let j = r.gen_range(0..=i);
                    runes.swap(i, j);
                }
            })
        });
        Ok(Value::from(runes.into_iter().collect::<String>()))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_bits() {
        let u = uuid_v4([0xff; 16]);
        assert_eq!(u, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    }
}
