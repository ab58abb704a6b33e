//! RSA key generation for `genPrivateKey "rsa"`, `genCA`, `genSelfSignedCert` and
//! `genSignedCert`, from the render's deterministic random stream.
//!
//! Why not `rsa::RsaPrivateKey::new`: its prime search runs on `num-bigint-dig` and took
//! most of the render of a chart that generates a CA and a certificate; the search in
//! `primes` is many times faster (see there).
//!
//! The key is what Go's `rsa.GenerateKey` makes: two distinct primes of half the size
//! each with their two top bits set (so the modulus has exactly the asked bit length),
//! public exponent 65537. The primes are BPSW probable primes (Miller–Rabin base 2 plus
//! a strong Lucas test), the test Go's `ProbablyPrime` also runs.
//!
//! Not here: encoding keys, certificates (see `certs`).

use rand_chacha::ChaCha20Rng;
use rsa::{BigUint, RsaPrivateKey};

const PUBLIC_EXPONENT: u32 = 65537;

/// Attempts before giving up (each one fails with probability well below 1%).
const MAX_ATTEMPTS: usize = 64;

/// A new RSA key whose modulus has `bits` bits (at least 64, even).
pub fn generate(rng: &mut ChaCha20Rng, bits: usize) -> Result<RsaPrivateKey, String> {
    if bits < 64 || bits % 2 != 0 {
        return Err(format!("crypto/rsa: invalid key size {bits}"));
    }
    let half =
        u32::try_from(bits / 2).map_err(|_| format!("crypto/rsa: key size {bits} too large"))?;
    for _ in 0..MAX_ATTEMPTS {
        let p = prime(rng, half);
        let q = prime(rng, half);
        if p == q {
            continue;
        }
        if (&p * &q).bits() != bits {
            continue;
        }
        if let Ok(key) = RsaPrivateKey::from_p_q(p, q, BigUint::from(PUBLIC_EXPONENT)) {
            return Ok(key);
        }
    }
    Err(format!("crypto/rsa: no {bits}-bit key found"))
}

/// A probable prime of exactly `bits` bits, its two top bits set, with `p - 1` prime to
/// the public exponent.
fn prime(rng: &mut ChaCha20Rng, bits: u32) -> BigUint {
    let limbs = super::primes::random_prime(rng, bits, u64::from(PUBLIC_EXPONENT));
    let bytes: Vec<u8> = limbs.iter().flat_map(|l| l.to_le_bytes()).collect();
    BigUint::from_bytes_le(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};

    #[test]
    fn keys_have_the_asked_size_and_are_valid() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let key = generate(&mut rng, 1024).unwrap();
        assert_eq!(key.n().bits(), 1024);
        assert_eq!(key.e(), &BigUint::from(PUBLIC_EXPONENT));
        assert_eq!(key.primes().len(), 2);
        assert_ne!(key.primes()[0], key.primes()[1]);
        key.validate().unwrap();
    }

    #[test]
    fn the_same_stream_gives_the_same_key() {
        let a = generate(&mut ChaCha20Rng::seed_from_u64(1), 512).unwrap();
        let b = generate(&mut ChaCha20Rng::seed_from_u64(1), 512).unwrap();
        let c = generate(&mut ChaCha20Rng::seed_from_u64(2), 512).unwrap();
        assert_eq!(a.n(), b.n());
        assert_ne!(a.n(), c.n());
    }

    #[test]
    fn odd_sizes_are_refused() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        assert!(generate(&mut rng, 1023).is_err());
        assert!(generate(&mut rng, 32).is_err());
    }
}
