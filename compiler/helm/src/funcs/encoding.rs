//! Encodings and checksums: `b64enc`, `b64dec`, `b32enc`, `b32dec`, `sha1sum`,
//! `sha256sum`, `sha512sum`, `adler32sum`.
//!
//! Sprig's decoders return the decoder's error text as their result on bad input
//! (`illegal base64 data at input byte 4`), and so do these.

use base64::Engine;
use kubake_gotmpl::{FuncMap, GoType, Value};
use sha1::Digest;

use super::{reg, str_at};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn b64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Go's `base64.StdEncoding.DecodeString` (padding required, newlines skipped,
/// non-zero trailing bits accepted), with Go's error offsets.
pub fn b64_decode(s: &str) -> Result<Vec<u8>, String> {
    let src = s.as_bytes();
    let corrupt = |at: usize| format!("illegal base64 data at input byte {at}");
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    while si < src.len() {
        let mut dbuf = [0u8; 4];
        let mut dlen = 4;
        let mut j = 0;
        let mut trailing: Option<usize> = None;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return Err(corrupt(si - j));
            }
            let c = src[si];
            si += 1;
            if let Some(v) = b64_value(c) {
                dbuf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' || j < 2 {
                return Err(corrupt(si - 1));
            }
            if j == 2 {
                while si < src.len() && matches!(src[si], b'\n' | b'\r') {
                    si += 1;
                }
                if si == src.len() {
                    return Err(corrupt(src.len()));
                }
                if src[si] != b'=' {
                    return Err(corrupt(si - 1));
                }
                si += 1;
            }
            while si < src.len() && matches!(src[si], b'\n' | b'\r') {
                si += 1;
            }
            if si < src.len() {
                trailing = Some(si);
            }
            dlen = j;
            break;
        }
        let val = (u32::from(dbuf[0]) << 18)
            | (u32::from(dbuf[1]) << 12)
            | (u32::from(dbuf[2]) << 6)
            | u32::from(dbuf[3]);
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if let Some(at) = trailing {
            return Err(corrupt(at));
        }
    }
    Ok(out)
}

/// Go's `base32.StdEncoding.DecodeString`, with Go's error text.
fn b32_decode(s: &str) -> Result<Vec<u8>, String> {
    let cleaned: String = s.chars().filter(|&c| c != '\n' && c != '\r').collect();
    data_encoding::BASE32
        .decode(cleaned.as_bytes())
        .map_err(|e| format!("illegal base32 data at input byte {}", e.position))
}

fn text(bytes: Vec<u8>) -> String {
    crate::files::go_string(&bytes)
}

/// The bytes of argument `i` (Go strings hold raw bytes; see [`crate::files::go_bytes`]).
fn bytes_at(a: &[Value], i: usize) -> std::borrow::Cow<'_, [u8]> {
    crate::files::go_bytes(str_at(a, i))
}

pub(crate) fn register(map: &mut FuncMap) {
    use GoType::String as S;
    reg(map, "b64enc", [S], |_, a| {
        Ok(Value::from(
            base64::engine::general_purpose::STANDARD.encode(bytes_at(a, 0)),
        ))
    });
    reg(map, "b64dec", [S], |_, a| {
        Ok(Value::from(
            b64_decode(str_at(a, 0)).map_or_else(|e| e, text),
        ))
    });
    reg(map, "b32enc", [S], |_, a| {
        Ok(Value::from(data_encoding::BASE32.encode(&bytes_at(a, 0))))
    });
    reg(map, "b32dec", [S], |_, a| {
        Ok(Value::from(
            b32_decode(str_at(a, 0)).map_or_else(|e| e, text),
        ))
    });
    reg(map, "sha1sum", [S], |_, a| {
        Ok(Value::from(hex(&sha1::Sha1::digest(bytes_at(a, 0)))))
    });
    reg(map, "sha256sum", [S], |_, a| {
        Ok(Value::from(hex(&sha2::Sha256::digest(bytes_at(a, 0)))))
    });
    reg(map, "sha512sum", [S], |_, a| {
        Ok(Value::from(hex(&sha2::Sha512::digest(bytes_at(a, 0)))))
    });
    reg(map, "adler32sum", [S], |_, a| {
        let mut h = adler2::Adler32::new();
        h.write_slice(str_at(a, 0).as_bytes());
        Ok(Value::from(h.checksum().to_string()))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoders_report_go_errors() {
        assert_eq!(b64_decode("aGk="), Ok(b"hi".to_vec()));
        assert_eq!(
            b64_decode("a$b="),
            Err("illegal base64 data at input byte 1".into())
        );
        assert!(b32_decode("NBUQ====").is_ok());
    }
}
