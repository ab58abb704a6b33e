//! Sprig's crypto functions: `genPrivateKey`, `genCA`, `genCAWithKey`,
//! `genSelfSignedCert(WithKey)`, `genSignedCert(WithKey)`, `buildCustomCert`,
//! `bcrypt`, `htpasswd`, `derivePassword`, `encryptAES`, `decryptAES`.
//!
//! Certificates are Sprig's `certificate` struct (`.Cert`, `.Key`, Go type
//! `sprig.certificate`). Every salt, IV, serial number and key comes from the render's
//! deterministic stream, and each produced secret is recorded (`crate::env`). Go's
//! panics keep their texts, e.g. `decryptAES` on a short input reports
//! `runtime error: slice bounds out of range [:16] with capacity 9`.
//!
//! Not here: DER and PEM details (`certs`).

use std::any::Any;
use std::net::IpAddr;

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::Engine;
use hmac::Mac;
use kubake_gotmpl::{CallContext, FuncError, FuncMap, GoType, Object, UintKind, Value};
use rand::RngCore;

use super::certs::{self, Issuer, PrivateKey, Template};
use super::encoding::b64_decode;
use super::{int_at, reg, str_at};
use crate::env::with_env;

/// Sprig's `certificate` struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// PEM certificate.
    pub cert: String,
    /// PEM private key.
    pub key: String,
}

impl Object for Certificate {
    fn type_name(&self) -> String {
        "sprig.certificate".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::from(self.cert.as_str())),
            "Key" => Some(Value::from(self.key.as_str())),
            _ => None,
        }
    }

    fn display(&self, out: &mut String) {
        out.push('{');
        out.push_str(&self.cert);
        out.push(' ');
        out.push_str(&self.key);
        out.push('}');
    }

    fn equals(&self, other: &dyn Object) -> Option<bool> {
        Some(other.as_any().downcast_ref::<Certificate>() == Some(self))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn cert_type() -> GoType {
    GoType::Object("sprig.certificate".into())
}

fn record(ctx: &CallContext<'_>, produced: Vec<String>) {
    let (name, template) = (ctx.name().to_string(), ctx.template_name().to_string());
    with_env(ctx, |env| env.record(&name, &template, produced));
}

/// Go's `bcrypt.GenerateFromPassword(input, 10)` with a salt from the stream.
fn bcrypt_hash(ctx: &CallContext<'_>, input: &str) -> String {
    if input.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .into();
    }
    let mut salt = [0u8; 16];
    with_env(ctx, |env| env.with_rng(|r| r.fill_bytes(&mut salt)));
    match bcrypt::hash_with_salt(input, 10, salt) {
        Ok(parts) => parts.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

const PASSWORD_SEED: &str = "com.lyndir.masterpassword";

fn password_templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_chars(c: u8) -> &'static str {
    match c {
        b'V' => "AEIOU",
        b'C' => "BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => "aeiou",
        b'c' => "bcdfghjklmnpqrstvwxyz",
        b'A' => "AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => "0123456789",
        b'o' => "@&%?,=[]_:-+*$#!'^~;()/.",
        _ => "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// Sprig's `derivePassword` (the Master Password algorithm: scrypt then HMAC-SHA256).
pub fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    let Some(templates) = password_templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let mut salt = PASSWORD_SEED.as_bytes().to_vec();
    salt.extend((user.len() as u32).to_be_bytes());
    salt.extend(user.as_bytes());
    let mut key = [0u8; 64];
    let derived = scrypt::Params::new(15, 8, 2, 64)
        .map_err(|e| e.to_string())
        .and_then(|p| {
            scrypt::scrypt(password.as_bytes(), &salt, &p, &mut key).map_err(|e| e.to_string())
        });
    if let Err(e) = derived {
        return format!("failed to derive password: {e}");
    }
    let mut msg = PASSWORD_SEED.as_bytes().to_vec();
    msg.extend((site.len() as u32).to_be_bytes());
    msg.extend(site.as_bytes());
    msg.extend(counter.to_be_bytes());
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key) else {
        return "failed to derive password: invalid key".into();
    };
    mac.update(&msg);
    let seed = mac.finalize().into_bytes();
    let template = templates[usize::from(seed[0]) % templates.len()];
    template
        .bytes()
        .enumerate()
        .map(|(i, c)| {
            let chars = template_chars(c).as_bytes();
            char::from(chars[usize::from(seed[i + 1]) % chars.len()])
        })
        .collect()
}

fn aes_key(password: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let n = password.len().min(32);
    key[..n].copy_from_slice(&password.as_bytes()[..n]);
    key
}

type Enc = cbc::Encryptor<aes::Aes256>;
type Dec = cbc::Decryptor<aes::Aes256>;

fn encrypt_aes(iv: [u8; 16], password: &str, plaintext: &str) -> String {
    if plaintext.is_empty() {
        return String::new();
    }
    let mut content = plaintext.as_bytes().to_vec();
    let pad = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(pad as u8, pad));
    let mut enc = Enc::new(&aes_key(password).into(), &iv.into());
    for block in content.chunks_mut(16) {
        enc.encrypt_block_mut(block.into());
    }
    let mut out = iv.to_vec();
    out.extend(content);
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// Sprig's `decryptAES`, with Go's panics for malformed input.
pub fn decrypt_aes(password: &str, crypt64: &str) -> Result<String, FuncError> {
    if crypt64.is_empty() {
        return Ok(String::new());
    }
    let crypt = b64_decode(crypt64).map_err(FuncError::new)?;
    let capacity = crypt64.len() / 4 * 3
        + match crypt64.len() % 4 {
            2 => 1,
            3 => 2,
            _ => 0,
        };
    if crypt.len() < 16 {
        return Err(FuncError::new(format!(
            "runtime error: slice bounds out of range [:16] with capacity {capacity}"
        )));
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err(FuncError::new("crypto/cipher: input not full blocks"));
    }
    let mut data = body.to_vec();
    let mut iv_arr = [0u8; 16];
    iv_arr.copy_from_slice(iv);
    let mut dec = Dec::new(&aes_key(password).into(), &iv_arr.into());
    for block in data.chunks_mut(16) {
        dec.decrypt_block_mut(block.into());
    }
    let Some(&last) = data.last() else {
        return Err(FuncError::new("runtime error: index out of range [-1]"));
    };
    let keep = data.len() as i64 - i64::from(last);
    if keep < 0 {
        return Err(FuncError::new(format!(
            "runtime error: slice bounds out of range [:{keep}]"
        )));
    }
    Ok(String::from_utf8_lossy(&data[..keep as usize]).into_owned())
}

/// Sprig's `getNetIPs`.
fn net_ips(v: &Value) -> Result<Vec<IpAddr>, String> {
    let Some(list) = v.as_list() else {
        return Ok(Vec::new());
    };
    list.items()
        .iter()
        .map(|ip| match ip {
            Value::String(s) => s
                .parse::<IpAddr>()
                .map_err(|_| format!("error parsing ip: {s}")),
            other => Err(format!("error parsing ip: {other} is not a string")),
        })
        .collect()
}

/// Sprig's `getAlternateDNSStrs`.
fn dns_names(v: &Value) -> Result<Vec<String>, String> {
    let Some(list) = v.as_list() else {
        return Ok(Vec::new());
    };
    list.items()
        .iter()
        .map(|d| match d {
            Value::String(s) => Ok(s.to_string()),
            other => Err(format!(
                "error processing alternate dns name: {other} is not a string"
            )),
        })
        .collect()
}

struct CertRequest<'a> {
    cn: &'a str,
    ips: &'a Value,
    dns: &'a Value,
    days: i64,
    is_ca: bool,
}

/// `getBaseCertTemplate` plus `getCertAndKey`: generates (or takes) the key, builds and
/// signs the certificate.
fn make_cert(
    ctx: &CallContext<'_>,
    req: &CertRequest<'_>,
    key: Option<PrivateKey>,
    ca: Option<&Certificate>,
) -> Result<Value, FuncError> {
    let ips = net_ips(req.ips).map_err(FuncError::new)?;
    let dns = dns_names(req.dns).map_err(FuncError::new)?;
    let issuer_parts = match ca {
        Some(ca) => {
            let (_, der) = certs::pem_decode(&ca.cert)
                .ok_or_else(|| FuncError::new("unable to decode certificate"))?;
            let (subject, key_id) = certs::parse_certificate(&der).map_err(|e| {
                FuncError::new(format!(
                    "error parsing certificate: decodedSignerCert.Bytes: {e}"
                ))
            })?;
            let signer = PrivateKey::from_pem(&ca.key)
                .map_err(|e| FuncError::new(format!("error parsing private key: {e}")))?;
            Some((subject, key_id, signer))
        }
        None => None,
    };
    let env_result = with_env(ctx, |env| {
        let now = env.now();
        env.with_rng(|rng| -> Result<(PrivateKey, Template), String> {
            let key = match key {
                Some(k) => k,
                None => PrivateKey::rsa(rng, 2048)
                    .map_err(|e| format!("error generating rsa key: {e}"))?,
            };
            let mut serial = [0u8; 16];
            rng.fill_bytes(&mut serial);
            let t = Template {
                cn: req.cn.to_string(),
                ips,
                dns,
                not_after: now.add_nanos(req.days.saturating_mul(86_400_000_000_000)),
                not_before: now,
                is_ca: req.is_ca,
                serial,
            };
            Ok((key, t))
        })
    });
    let (key, t) = env_result.map_err(FuncError::new)?;
    let issuer = issuer_parts
        .as_ref()
        .map(|(subject, key_id, signer)| Issuer {
            subject: subject.clone(),
            key_id: key_id.clone(),
            key: signer,
        });
    let cert = certs::create(&t, &key, issuer.as_ref()).map_err(FuncError::new)?;
    let key_pem = key
        .to_pem()
        .map_err(|e| FuncError::new(format!("error pem-encoding key: {e}")))?;
    record(ctx, vec![cert.clone(), key_pem.clone()]);
    Ok(Value::object(Certificate { cert, key: key_pem }))
}

fn parse_key_arg(pem: &str) -> Result<PrivateKey, FuncError> {
    PrivateKey::from_pem(pem).map_err(|e| FuncError::new(format!("parsing private key: {e}")))
}

fn build_custom_cert(b64cert: &str, b64key: &str) -> Result<Value, FuncError> {
    let cert =
        b64_decode(b64cert).map_err(|_| FuncError::new("unable to decode base64 certificate"))?;
    let key =
        b64_decode(b64key).map_err(|_| FuncError::new("unable to decode base64 private key"))?;
    let cert = String::from_utf8_lossy(&cert).into_owned();
    let key = String::from_utf8_lossy(&key).into_owned();
    let (_, der) =
        certs::pem_decode(&cert).ok_or_else(|| FuncError::new("unable to decode certificate"))?;
    certs::parse_certificate(&der).map_err(|e| {
        FuncError::new(format!("error parsing certificate: decodedCert.Bytes: {e}"))
    })?;
    PrivateKey::from_pem(&key)
        .map_err(|e| FuncError::new(format!("error parsing private key: {e}")))?;
    Ok(Value::object(Certificate { cert, key }))
}

pub(crate) fn register(map: &mut FuncMap) {
    use GoType::{Interface as I, String as S};
    let int = GoType::INT;
    let ilist = GoType::slice(I);
    reg(map, "bcrypt", [S], |ctx, a| {
        let h = bcrypt_hash(ctx, str_at(a, 0));
        record(ctx, vec![h.clone()]);
        Ok(Value::from(h))
    });
    reg(map, "htpasswd", [S, S], |ctx, a| {
        let user = str_at(a, 0);
        if user.contains(':') {
            return Ok(Value::from(format!("invalid username: {user}")));
        }
        let line = format!("{user}:{}", bcrypt_hash(ctx, str_at(a, 1)));
        record(ctx, vec![line.clone()]);
        Ok(Value::from(line))
    });
    reg(map, "genPrivateKey", [S], |ctx, a| {
        let kind = str_at(a, 0).to_string();
        let generated = with_env(ctx, |env| {
            env.with_rng(|rng| PrivateKey::generate(&kind, rng))
        });
        let text = match generated {
            None => format!("Unknown type {kind}"),
            Some(Err(e)) => format!("failed to generate private key: {e}"),
            Some(Ok(k)) => match k.to_pem() {
                Ok(pem) => {
                    record(ctx, vec![pem.clone()]);
                    pem
                }
                Err(e) => format!("failed to generate private key: {e}"),
            },
        };
        Ok(Value::from(text))
    });
    reg(
        map,
        "derivePassword",
        [GoType::Uint(UintKind::Uint32), S, S, S, S],
        |_, a| {
            let counter = a[0].as_i64().unwrap_or(0) as u32;
            Ok(Value::from(derive_password(
                counter,
                str_at(a, 1),
                str_at(a, 2),
                str_at(a, 3),
                str_at(a, 4),
            )))
        },
    );
    reg(map, "buildCustomCert", [S, S], |_, a| {
        build_custom_cert(str_at(a, 0), str_at(a, 1))
    });
    reg(map, "genCA", [S, int.clone()], |ctx, a| {
        let req = CertRequest {
            cn: str_at(a, 0),
            ips: &Value::Nil,
            dns: &Value::Nil,
            days: int_at(a, 1),
            is_ca: true,
        };
        make_cert(ctx, &req, None, None)
    });
    reg(map, "genCAWithKey", [S, int.clone(), S], |ctx, a| {
        let key = parse_key_arg(str_at(a, 2))?;
        let req = CertRequest {
            cn: str_at(a, 0),
            ips: &Value::Nil,
            dns: &Value::Nil,
            days: int_at(a, 1),
            is_ca: true,
        };
        make_cert(ctx, &req, Some(key), None)
    });
    reg(
        map,
        "genSelfSignedCert",
        [S, ilist.clone(), ilist.clone(), int.clone()],
        |ctx, a| {
            let req = CertRequest {
                cn: str_at(a, 0),
                ips: &a[1],
                dns: &a[2],
                days: int_at(a, 3),
                is_ca: false,
            };
            make_cert(ctx, &req, None, None)
        },
    );
    reg(
        map,
        "genSelfSignedCertWithKey",
        [S, ilist.clone(), ilist.clone(), int.clone(), S],
        |ctx, a| {
            let key = parse_key_arg(str_at(a, 4))?;
            let req = CertRequest {
                cn: str_at(a, 0),
                ips: &a[1],
                dns: &a[2],
                days: int_at(a, 3),
                is_ca: false,
            };
            make_cert(ctx, &req, Some(key), None)
        },
    );
    reg(
        map,
        "genSignedCert",
        [S, ilist.clone(), ilist.clone(), int.clone(), cert_type()],
        |ctx, a| {
            let ca = a[4]
                .downcast_object::<Certificate>()
                .cloned()
                .unwrap_or(Certificate {
                    cert: String::new(),
                    key: String::new(),
                });
            let req = CertRequest {
                cn: str_at(a, 0),
                ips: &a[1],
                dns: &a[2],
                days: int_at(a, 3),
                is_ca: false,
            };
            make_cert(ctx, &req, None, Some(&ca))
        },
    );
    reg(
        map,
        "genSignedCertWithKey",
        [S, ilist.clone(), ilist, int, cert_type(), S],
        |ctx, a| {
            let ca = a[4]
                .downcast_object::<Certificate>()
                .cloned()
                .unwrap_or(Certificate {
                    cert: String::new(),
                    key: String::new(),
                });
            let key = parse_key_arg(str_at(a, 5))?;
            let req = CertRequest {
                cn: str_at(a, 0),
                ips: &a[1],
                dns: &a[2],
                days: int_at(a, 3),
                is_ca: false,
            };
            make_cert(ctx, &req, Some(key), Some(&ca))
        },
    );
    reg(map, "encryptAES", [S, S], |ctx, a| {
        let mut iv = [0u8; 16];
        if !str_at(a, 1).is_empty() {
            with_env(ctx, |env| env.with_rng(|r| r.fill_bytes(&mut iv)));
        }
        let out = encrypt_aes(iv, str_at(a, 0), str_at(a, 1));
        record(ctx, vec![out.clone()]);
        Ok(Value::from(out))
    });
    reg(map, "decryptAES", [S, S], |_, a| {
        decrypt_aes(str_at(a, 0), str_at(a, 1)).map(Value::from)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aes_round_trip_and_go_panics() {
        let enc = encrypt_aes([3; 16], "secretkey", "plaintext");
        assert_eq!(
            decrypt_aes("secretkey", &enc).ok().as_deref(),
            Some("plaintext")
        );
        assert_eq!(
            decrypt_aes("secretkey", "bm90IHZhbGlk").map_err(|e| e.to_string()),
            Err("runtime error: slice bounds out of range [:16] with capacity 9".into())
        );
        assert_eq!(encrypt_aes([0; 16], "k", ""), "");
    }

    #[test]
    fn derive_password_matches_sprig() {
        assert_eq!(
            derive_password(1, "long", "password", "user", "example.com"),
            "ZedaFaxcZaso9*"
        );
        assert_eq!(
            derive_password(1, "pin", "password", "user", "example.com"),
            "6685"
        );
        assert_eq!(
            derive_password(1, "nope", "p", "u", "s"),
            "cannot find password template nope"
        );
    }
}
