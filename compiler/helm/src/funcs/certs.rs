//! Keys and X.509 certificates for Sprig's `genPrivateKey`, `genCA`, `genSelfSignedCert`,
//! `genSignedCert` (and their `WithKey` forms) and `buildCustomCert`.
//!
//! Certificates are assembled here in DER, field by field, the way Go's
//! `x509.CreateCertificate` lays them out for Sprig's template (serial below 2^128,
//! CN-only subject, `UTCTime` validity, key usage, server+client auth, basic
//! constraints, a SHA-1 subject key id for CAs, the issuer's key id, SANs with DNS
//! names before IPs), so certificates look like Helm's apart from the random parts.
//! Keys are encoded as Go encodes them: PKCS#1 for RSA, SEC1 with the curve OID for
//! ECDSA, PKCS#8 v1 for Ed25519, Sprig's own ASN.1 sequence for DSA. Parsing (the
//! `WithKey` forms, a CA passed back in) uses the RustCrypto crates.
//!
//! All randomness comes from the caller's stream (`crate::env`).

use base64::Engine;
use rand_chacha::ChaCha20Rng;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use sha1::Digest;
use x509_cert::der::{Decode, Encode};

use super::time::GoTime;

/// A private key of one of the types Sprig handles.
pub enum PrivateKey {
    /// RSA (`rsa.PrivateKey`).
    Rsa(Box<rsa::RsaPrivateKey>),
    /// ECDSA over P-256.
    Ec(p256::SecretKey),
    /// Ed25519.
    Ed(ed25519_dalek::SigningKey),
    /// DSA (it can be generated and encoded, but Go cannot sign certificates with it).
    Dsa(Box<dsa::SigningKey>),
}

// --- PEM -------------------------------------------------------------------------

/// Go's `pem.EncodeToMemory`.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Go's `pem.Decode` (first block; headers skipped): the label and the bytes.
pub fn pem_decode(text: &str) -> Option<(String, Vec<u8>)> {
    let mut rest = text;
    loop {
        let start = rest.find("-----BEGIN ")?;
        let after = &rest[start + 11..];
        let label_end = after.find("-----")?;
        let label = &after[..label_end];
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let end = body_start
            .find(&end_marker)
            .filter(|_| !label.contains('\n'));
        if let Some(end) = end {
            let body: String = body_start[..end]
                .lines()
                .filter(|l| !l.contains(':'))
                .flat_map(|l| l.chars())
                .filter(|c| !c.is_whitespace())
                .collect();
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(body) {
                return Some((label.to_string(), bytes));
            }
        }
        rest = body_start;
    }
}

// --- DER writing -----------------------------------------------------------------

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = (n as u64)
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A DER INTEGER from unsigned big-endian bytes.
fn uint(be: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = be.iter().copied().skip_while(|b| *b == 0).collect();
    let mut content = if trimmed.is_empty() { vec![0] } else { trimmed };
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    tlv(0x02, &content)
}

fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut content = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &a in &arcs[2..] {
        let mut bytes = vec![(a & 0x7f) as u8];
        let mut v = a >> 7;
        while v > 0 {
            bytes.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        bytes.reverse();
        content.extend(bytes);
    }
    tlv(0x06, &content)
}

fn bit_string(bytes: &[u8], unused: u8) -> Vec<u8> {
    let mut c = vec![unused];
    c.extend_from_slice(bytes);
    tlv(0x03, &c)
}

fn octets(bytes: &[u8]) -> Vec<u8> {
    tlv(0x04, bytes)
}

/// Go's `asn1` choice for a string: PrintableString when every byte allows it.
fn der_string(s: &str) -> Vec<u8> {
    let printable = s
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&c));
    tlv(if printable { 0x13 } else { 0x0c }, s.as_bytes())
}

fn der_time(t: &GoTime) -> Vec<u8> {
    let u = t.in_zone(super::time::Zone::Utc);
    let year: i64 = u.format("2006").parse().unwrap_or(0);
    if (1950..2050).contains(&year) {
        tlv(0x17, u.format("060102150405Z").as_bytes())
    } else {
        tlv(0x18, u.format("20060102150405Z").as_bytes())
    }
}

// --- keys --------------------------------------------------------------------------

const OID_SHA256_RSA: &[u64] = &[1, 2, 840, 113_549, 1, 1, 11];
const OID_ECDSA_SHA256: &[u64] = &[1, 2, 840, 10_045, 4, 3, 2];
const OID_P256: &[u64] = &[1, 2, 840, 10_045, 3, 1, 7];
const OID_ED25519: &[u64] = &[1, 3, 101, 112];

impl PrivateKey {
    /// Sprig's `genPrivateKey` kinds; `None` for an unknown kind.
    pub fn generate(kind: &str, rng: &mut ChaCha20Rng) -> Option<Result<PrivateKey, String>> {
        Some(match kind {
            "" | "rsa" => PrivateKey::rsa(rng, 4096),
            "dsa" => {
                let c = dsa::Components::generate(rng, dsa::KeySize::DSA_2048_256);
                Ok(PrivateKey::Dsa(Box::new(dsa::SigningKey::generate(rng, c))))
            }
            "ecdsa" => Ok(PrivateKey::Ec(p256::SecretKey::random(rng))),
            "ed25519" => Ok(PrivateKey::Ed(ed25519_dalek::SigningKey::generate(rng))),
            _ => return None,
        })
    }

    /// A new RSA key.
    pub fn rsa(rng: &mut ChaCha20Rng, bits: usize) -> Result<PrivateKey, String> {
        super::rsa_keygen::generate(rng, bits).map(|k| PrivateKey::Rsa(Box::new(k)))
    }

    /// Sprig's `pemBlockForKey` as PEM text.
    pub fn to_pem(&self) -> Result<String, String> {
        Ok(match self {
            PrivateKey::Rsa(k) => {
                let der = k.to_pkcs1_der().map_err(|e| e.to_string())?;
                pem_encode("RSA PRIVATE KEY", der.as_bytes())
            }
            PrivateKey::Ec(k) => {
                let point = k.public_key().to_sec1_bytes();
                let der = seq(&[
                    uint(&[1]),
                    octets(&k.to_bytes()),
                    tlv(0xa0, &oid(OID_P256)),
                    tlv(0xa1, &bit_string(&point, 0)),
                ]);
                pem_encode("EC PRIVATE KEY", &der)
            }
            PrivateKey::Ed(k) => {
                let der = seq(&[
                    uint(&[0]),
                    seq(&[oid(OID_ED25519)]),
                    octets(&octets(&k.to_bytes())),
                ]);
                pem_encode("PRIVATE KEY", &der)
            }
            PrivateKey::Dsa(k) => {
                let v = k.verifying_key();
                let c = v.components();
                let der = seq(&[
                    uint(&[0]),
                    uint(&c.p().to_bytes_be()),
                    uint(&c.q().to_bytes_be()),
                    uint(&c.g().to_bytes_be()),
                    uint(&v.y().to_bytes_be()),
                    uint(&k.x().to_bytes_be()),
                ]);
                pem_encode("DSA PRIVATE KEY", &der)
            }
        })
    }

    /// Sprig's `parsePrivateKeyPEM`, with its error texts.
    pub fn from_pem(text: &str) -> Result<PrivateKey, String> {
        let (label, der) = pem_decode(text).ok_or("no PEM data in input")?;
        if label == "PRIVATE KEY" {
            if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_der(&der) {
                return Ok(PrivateKey::Rsa(Box::new(k)));
            }
            if let Ok(k) = p256::SecretKey::from_pkcs8_der(&der) {
                return Ok(PrivateKey::Ec(k));
            }
            if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_der(&der) {
                return Ok(PrivateKey::Ed(k));
            }
            return Err("decoding PEM as PKCS#8: x509: failed to parse private key".into());
        }
        let Some(kind) = label.strip_suffix(" PRIVATE KEY") else {
            return Err(format!("no private key data in PEM block of type {label}"));
        };
        match kind {
            "RSA" => rsa::RsaPrivateKey::from_pkcs1_der(&der)
                .map(|k| PrivateKey::Rsa(Box::new(k)))
                .map_err(|e| format!("parsing RSA private key from PEM: {e}")),
            "EC" => p256::SecretKey::from_sec1_der(&der)
                .map(PrivateKey::Ec)
                .map_err(|e| format!("parsing EC private key from PEM: {e}")),
            "DSA" => parse_dsa(&der).map_err(|e| format!("parsing DSA private key from PEM: {e}")),
            _ => Err(format!("invalid private key type {label}")),
        }
    }

    /// The DER `SubjectPublicKeyInfo`.
    fn spki(&self) -> Result<Vec<u8>, String> {
        let doc = match self {
            PrivateKey::Rsa(k) => k.to_public_key().to_public_key_der(),
            PrivateKey::Ec(k) => k.public_key().to_public_key_der(),
            PrivateKey::Ed(k) => k.verifying_key().to_public_key_der(),
            PrivateKey::Dsa(k) => k.verifying_key().to_public_key_der(),
        };
        doc.map(|d| d.as_bytes().to_vec())
            .map_err(|e| e.to_string())
    }

    /// The signature algorithm Go picks for this signer.
    fn sig_alg(&self) -> Result<Vec<u8>, String> {
        match self {
            PrivateKey::Rsa(_) => Ok(seq(&[oid(OID_SHA256_RSA), tlv(0x05, &[])])),
            PrivateKey::Ec(_) => Ok(seq(&[oid(OID_ECDSA_SHA256)])),
            PrivateKey::Ed(_) => Ok(seq(&[oid(OID_ED25519)])),
            PrivateKey::Dsa(_) => {
                Err("x509: certificate private key does not implement crypto.Signer".into())
            }
        }
    }

    /// The signature of `msg` under [`PrivateKey::sig_alg`].
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, String> {
        use rsa::signature::{SignatureEncoding, Signer};
        match self {
            PrivateKey::Rsa(k) => {
                let sk = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new((**k).clone());
                let sig = sk.try_sign(msg).map_err(|e| e.to_string())?;
                Ok(sig.to_vec())
            }
            PrivateKey::Ec(k) => {
                let sk = p256::ecdsa::SigningKey::from(k.clone());
                let sig: p256::ecdsa::Signature = sk.try_sign(msg).map_err(|e| e.to_string())?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
            PrivateKey::Ed(k) => {
                let sig = k.try_sign(msg).map_err(|e| e.to_string())?;
                Ok(sig.to_bytes().to_vec())
            }
            PrivateKey::Dsa(_) => {
                Err("x509: certificate private key does not implement crypto.Signer".into())
            }
        }
    }
}

fn parse_dsa(der: &[u8]) -> Result<PrivateKey, String> {
    use x509_cert::der::asn1::UintRef;
    use x509_cert::der::{Reader, SliceReader};
    let mut r = SliceReader::new(der).map_err(|e| e.to_string())?;
    let ints = r
        .sequence(|s| {
            let mut v = Vec::new();
            for _ in 0..6 {
                v.push(UintRef::decode(s)?.as_bytes().to_vec());
            }
            Ok(v)
        })
        .map_err(|e| e.to_string())?;
    let big = |b: &[u8]| dsa::BigUint::from_bytes_be(b);
    let c = dsa::Components::from_components(big(&ints[1]), big(&ints[2]), big(&ints[3]))
        .map_err(|e| e.to_string())?;
    let v = dsa::VerifyingKey::from_components(c, big(&ints[4])).map_err(|e| e.to_string())?;
    dsa::SigningKey::from_components(v, big(&ints[5]))
        .map(|k| PrivateKey::Dsa(Box::new(k)))
        .map_err(|e| e.to_string())
}

// --- certificates ----------------------------------------------------------------------

/// What `getBaseCertTemplate` fills in, plus the CA flag.
pub struct Template {
    /// Subject common name.
    pub cn: String,
    /// SAN IP addresses (already parsed).
    pub ips: Vec<std::net::IpAddr>,
    /// SAN DNS names.
    pub dns: Vec<String>,
    /// Validity start (the render clock).
    pub not_before: GoTime,
    /// Validity end.
    pub not_after: GoTime,
    /// A CA (key cert sign usage, `cA` basic constraint, a subject key id).
    pub is_ca: bool,
    /// The serial number's big-endian bytes.
    pub serial: [u8; 16],
}

/// The issuer of a certificate being signed: its raw subject, key id and key.
pub struct Issuer<'a> {
    /// DER of the issuer's subject Name.
    pub subject: Vec<u8>,
    /// The issuer's subject key id, if it has one.
    pub key_id: Option<Vec<u8>>,
    /// The signing key.
    pub key: &'a PrivateKey,
}

fn name(cn: &str) -> Vec<u8> {
    seq(&[tlv(0x31, &seq(&[oid(&[2, 5, 4, 3]), der_string(cn)]))])
}

fn extension(id: &[u64], critical: bool, value: Vec<u8>) -> Vec<u8> {
    let mut parts = vec![oid(id)];
    if critical {
        parts.push(tlv(0x01, &[0xff]));
    }
    parts.push(octets(&value));
    seq(&parts)
}

/// The subjectPublicKey bits of a DER SPKI.
fn spki_key_bits(spki: &[u8]) -> Vec<u8> {
    x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(spki)
        .map(|s| s.subject_public_key.raw_bytes().to_vec())
        .unwrap_or_default()
}

/// `x509.CreateCertificate` for Sprig's template, returning the PEM certificate.
pub fn create(
    t: &Template,
    subject_key: &PrivateKey,
    issuer: Option<&Issuer<'_>>,
) -> Result<String, String> {
    let spki = subject_key
        .spki()
        .map_err(|e| format!("error retrieving public key from signee key: {e}"))?;
    let subject = name(&t.cn);
    let (issuer_name, signer, parent_key_id) = match issuer {
        Some(i) => (i.subject.clone(), i.key, i.key_id.clone()),
        None => (subject.clone(), subject_key, None),
    };
    let key_usage = if t.is_ca {
        bit_string(&[0xa4], 2)
    } else {
        bit_string(&[0xa0], 5)
    };
    let mut exts = vec![
        extension(&[2, 5, 29, 15], true, key_usage),
        extension(
            &[2, 5, 29, 37],
            false,
            seq(&[
                oid(&[1, 3, 6, 1, 5, 5, 7, 3, 1]),
                oid(&[1, 3, 6, 1, 5, 5, 7, 3, 2]),
            ]),
        ),
        extension(
            &[2, 5, 29, 19],
            true,
            if t.is_ca {
                seq(&[tlv(0x01, &[0xff])])
            } else {
                seq(&[])
            },
        ),
    ];
    let own_key_id = t
        .is_ca
        .then(|| sha1::Sha1::digest(spki_key_bits(&spki)).to_vec());
    if let Some(id) = &own_key_id {
        exts.push(extension(&[2, 5, 29, 14], false, octets(id)));
    }
    if let Some(id) = parent_key_id.filter(|_| issuer_name != subject) {
        exts.push(extension(&[2, 5, 29, 35], false, seq(&[tlv(0x80, &id)])));
    }
    if !t.dns.is_empty() || !t.ips.is_empty() {
        let mut names: Vec<Vec<u8>> = t.dns.iter().map(|d| tlv(0x82, d.as_bytes())).collect();
        for ip in &t.ips {
            let bytes = match ip {
                std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
                std::net::IpAddr::V6(v6) => v6.octets().to_vec(),
            };
            names.push(tlv(0x87, &bytes));
        }
        exts.push(extension(&[2, 5, 29, 17], false, seq(&names)));
    }
    let alg = signer
        .sig_alg()
        .map_err(|e| format!("error creating certificate: {e}"))?;
    let tbs = seq(&[
        tlv(0xa0, &uint(&[2])),
        uint(&t.serial),
        alg.clone(),
        issuer_name,
        seq(&[der_time(&t.not_before), der_time(&t.not_after)]),
        subject,
        spki,
        tlv(0xa3, &seq(&exts)),
    ]);
    let sig = signer
        .sign(&tbs)
        .map_err(|e| format!("error creating certificate: {e}"))?;
    let cert = seq(&[tbs, alg, bit_string(&sig, 0)]);
    Ok(pem_encode("CERTIFICATE", &cert))
}

/// A parsed certificate's raw subject and subject key id (`x509.ParseCertificate`).
pub fn parse_certificate(der: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>), String> {
    let cert = x509_cert::Certificate::from_der(der)
        .map_err(|e| format!("x509: malformed certificate: {e}"))?;
    let tbs = &cert.tbs_certificate;
    let subject = tbs.subject.to_der().map_err(|e| e.to_string())?;
    let key_id = tbs.extensions.iter().flatten().find_map(|e| {
        (e.extn_id.to_string() == "2.5.29.14").then(|| {
            x509_cert::der::asn1::OctetString::from_der(e.extn_value.as_bytes())
                .map(|o| o.as_bytes().to_vec())
                .unwrap_or_default()
        })
    });
    Ok((subject, key_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn der_basics() {
        assert_eq!(uint(&[0x80]), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(uint(&[0, 0, 5]), vec![0x02, 0x01, 0x05]);
        assert_eq!(
            oid(&[1, 2, 840, 113_549, 1, 1, 11]),
            vec![6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 11]
        );
        assert_eq!(tlv(0x04, &[0; 200])[..3], [0x04, 0x81, 200]);
    }

    #[test]
    fn pem_round_trip() {
        let pem = pem_encode("X", &[1, 2, 3]);
        assert_eq!(pem, "-----BEGIN X-----\nAQID\n-----END X-----\n");
        assert_eq!(
            pem_decode(&format!("junk\n{pem}")),
            Some(("X".to_string(), vec![1, 2, 3]))
        );
        assert!(pem_decode("notakey").is_none());
    }

    #[test]
    fn ec_and_ed_keys_round_trip_and_sign() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for kind in ["ecdsa", "ed25519"] {
            let key = PrivateKey::generate(kind, &mut rng).unwrap().unwrap();
            let pem = key.to_pem().unwrap();
            let back = PrivateKey::from_pem(&pem).unwrap();
            assert_eq!(back.to_pem().unwrap(), pem);
            let t = Template {
                cn: "ca".into(),
                ips: vec!["10.0.0.1".parse().unwrap()],
                dns: vec!["a.example".into()],
                not_before: GoTime::from_unix(1_700_000_000, 0, super::super::time::Zone::Utc),
                not_after: GoTime::from_unix(1_800_000_000, 0, super::super::time::Zone::Utc),
                is_ca: true,
                serial: [7; 16],
            };
            let cert = create(&t, &key, None).unwrap();
            let (_, der) = pem_decode(&cert).unwrap();
            let (subject, key_id) = parse_certificate(&der).unwrap();
            assert_eq!(subject, name("ca"));
            assert_eq!(key_id.map(|k| k.len()), Some(20));
        }
    }
}
