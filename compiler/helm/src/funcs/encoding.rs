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

/// Go's `base64.StdEncoding.DecodeString`, with Go's error text.
pub fn b64_decode(s: &str) -> Result<Vec<u8>, String> {
    // Go skips newlines; any other bad byte (or bad padding) reports its offset.
    let cleaned: Vec<u8> = s.bytes().filter(|&c| c != b'\n' && c != b'\r').collect();
    base64::engine::general_purpose::STANDARD
        .decode(&cleaned)
        .map_err(|e| {
            let at = match e {
                base64::DecodeError::InvalidByte(i, _)
                | base64::DecodeError::InvalidLastSymbol(i, _) => i,
                base64::DecodeError::InvalidLength(n) => n - n % 4,
                base64::DecodeError::InvalidPadding => {
                    cleaned.iter().position(|&c| c == b'=').unwrap_or(0)
                }
            };
            format!("illegal base64 data at input byte {at}")
        })
}

/// Go's `base32.StdEncoding.DecodeString`, with Go's error text.
fn b32_decode(s: &str) -> Result<Vec<u8>, String> {
    let cleaned: String = s.chars().filter(|&c| c != '\n' && c != '\r').collect();
    data_encoding::BASE32
        .decode(cleaned.as_bytes())
        .map_err(|e| format!("illegal base32 data at input byte {}", e.position))
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).into_owned()
}

pub(crate) fn register(map: &mut FuncMap) {
    use GoType::String as S;
    reg(map, "b64enc", [S], |_, a| {
        Ok(Value::from(
            base64::engine::general_purpose::STANDARD.encode(str_at(a, 0)),
        ))
    });
    reg(map, "b64dec", [S], |_, a| {
        Ok(Value::from(
            b64_decode(str_at(a, 0)).map_or_else(|e| e, text),
        ))
    });
    reg(map, "b32enc", [S], |_, a| {
        Ok(Value::from(
            data_encoding::BASE32.encode(str_at(a, 0).as_bytes()),
        ))
    });
    reg(map, "b32dec", [S], |_, a| {
        Ok(Value::from(
            b32_decode(str_at(a, 0)).map_or_else(|e| e, text),
        ))
    });
    reg(map, "sha1sum", [S], |_, a| {
        Ok(Value::from(hex(&sha1::Sha1::digest(str_at(a, 0)))))
    });
    reg(map, "sha256sum", [S], |_, a| {
        Ok(Value::from(hex(&sha2::Sha256::digest(str_at(a, 0)))))
    });
    reg(map, "sha512sum", [S], |_, a| {
        Ok(Value::from(hex(&sha2::Sha512::digest(str_at(a, 0)))))
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
