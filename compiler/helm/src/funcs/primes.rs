//! The probable-prime search behind RSA key generation: random odd candidates of the
//! asked size, sieved by small primes, filtered by a fast Miller–Rabin test to base 2,
//! and confirmed by `crypto-primes`' BPSW test (Miller–Rabin base 2 plus a strong Lucas
//! test, what Go's `ProbablyPrime` also runs).
//!
//! Why our own filter: almost every candidate that survives the sieve is composite, and
//! rejecting it is one modular exponentiation. `crypto-bigint`'s exponentiation is
//! constant-time (right for secret keys, which these are not: kubake's keys are
//! reproducible from the chart by design) and took 2 ms per 1024-bit candidate, so a
//! 2048-bit key cost 135 ms on average. Variable-time Montgomery arithmetic on plain
//! `u64` limbs, with base 2 turning every multiplication into a doubling, takes a
//! fraction of that; the one candidate that passes is then checked in full.
//!
//! Candidates of 512 bits or more are tested on every core, in an order that finds the
//! same prime as one core would (`first_index`).
//!
//! Not here: the RSA key itself (see `rsa_keygen`).

use crypto_bigint::BoxedUint;
use crypto_bigint::Odd;
use crypto_primes::hazmat::{lucas_test, AStarBase, LucasCheck, MillerRabin, Primality};
use rand::RngCore;
use rand_chacha::ChaCha20Rng;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Odd primes below 2^16 that the sieve divides by (as `u64` for the residue updates).
fn small_primes() -> &'static [u64] {
    static PRIMES: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    PRIMES.get_or_init(|| {
        let limit = 1 << 16;
        let mut composite = vec![false; limit];
        let mut primes = Vec::new();
        for n in 3..limit {
            if composite[n] {
                continue;
            }
            if n % 2 == 1 {
                primes.push(n as u64);
            }
            for multiple in (n * n..limit).step_by(n) {
                composite[multiple] = true;
            }
        }
        primes
    })
}

/// [`small_primes`] as [`Divisor`]s, each reciprocal computed once per process.
fn small_divisors() -> &'static [Divisor] {
    static DIVISORS: std::sync::OnceLock<Vec<Divisor>> = std::sync::OnceLock::new();
    DIVISORS.get_or_init(|| small_primes().iter().map(|&p| Divisor::new(p)).collect())
}

/// How far past a random starting point the sieve walks before drawing a new one: far
/// enough that a prime is all but certain to lie in the range (prime gaps at 1024 bits
/// average 710), near enough that adding the offset never carries into the top bits
/// in practice (a carry is caught and redrawn).
const SEARCH_SPAN: u64 = 1 << 16;

/// A probable prime of exactly `bits` bits (at least 32) with its two top bits set and
/// `p mod exponent != 1`, so that `p - 1` is prime to the public exponent (a prime).
/// Candidates are drawn from `rng`; the same stream always gives the same prime.
pub(crate) fn random_prime(rng: &mut ChaCha20Rng, bits: u32, exponent: u64) -> Vec<u64> {
    let limbs = bits.div_ceil(64) as usize;
    loop {
        let start = random_start(rng, bits, limbs);
        let offsets: Vec<u64> = Sieve::new(&start, exponent).survivors().collect();
        // `start + offset` in order, up to the first that passes the base-2 test (then
        // the full one) or no longer has `bits` bits (then a new start).
        let candidate = |offset: u64| {
            let mut candidate = start.clone();
            (add_small(&mut candidate, offset) && bit_length(&candidate) == bits)
                .then_some(candidate)
        };
        let stops =
            |&offset: &u64| candidate(offset).is_none_or(|c| Montgomery::new(&c).passes_base_2());
        let mut from = 0;
        while let Some(found) = first_index(&offsets[from..], bits >= PARALLEL_FROM_BITS, stops) {
            let Some(prime) = candidate(offsets[from + found]) else {
                break;
            };
            if confirm(rng, &prime) {
                return prime;
            }
            from += found + 1;
        }
    }
}

/// Candidates of this size or more are tested on every core.
const PARALLEL_FROM_BITS: u32 = 512;

/// The index of the first item for which `stops` holds. With `parallel`, each core
/// tests every n-th item in order and stops past the first stop any core has found, so
/// every item before the answer has been tested: the answer is the one a single core
/// would give, and so is the key. A key's prime search is most of the render of a
/// chart that makes one; on two cores this halves it.
fn first_index<T: Sync>(
    items: &[T],
    parallel: bool,
    stops: impl Fn(&T) -> bool + Sync,
) -> Option<usize> {
    let cores = crate::parallel::cores();
    if !parallel || cores < 2 {
        return items.iter().position(stops);
    }
    let found = AtomicUsize::new(usize::MAX);
    let scan = |core: usize| {
        for i in (core..items.len()).step_by(cores) {
            if i > found.load(Ordering::Relaxed) {
                return;
            }
            if stops(&items[i]) {
                found.fetch_min(i, Ordering::Relaxed);
                return;
            }
        }
    };
    std::thread::scope(|s| {
        let helpers: Vec<_> = (1..cores)
            .map(|core| {
                let spawned = std::thread::Builder::new().spawn_scoped(s, move || scan(core));
                (core, spawned)
            })
            .collect();
        scan(0);
        for (core, helper) in helpers {
            // Without the thread (resource limits), this one scans its share.
            if !matches!(helper.map(|h| h.join()), Ok(Ok(()))) {
                scan(core);
            }
        }
    });
    Some(found.into_inner()).filter(|&i| i != usize::MAX)
}

/// The even offsets `o < SEARCH_SPAN` for which `start + o` has no odd prime factor
/// below 2^16 and is not 1 modulo the public exponent.
struct Sieve {
    /// `composite[i]`: `start + 2i` is ruled out.
    composite: Vec<bool>,
}

impl Sieve {
    fn new(start: &[u64], exponent: u64) -> Sieve {
        let mut sieve = Sieve {
            composite: vec![false; (SEARCH_SPAN / 2) as usize],
        };
        for &p in small_divisors() {
            sieve.rule_out(p.d, p.rem(start), 0);
        }
        sieve.rule_out(exponent, rem(start, exponent), 1);
        sieve
    }

    /// Rules out every `start + 2i ≡ residue (mod modulus)`, for an odd `modulus`
    /// (`start_rem` is `start mod modulus`): `i ≡ (residue - start) / 2`, 2's inverse
    /// being `(modulus + 1) / 2`.
    fn rule_out(&mut self, modulus: u64, start_rem: u64, residue: u64) {
        let first = (residue + modulus - start_rem) % modulus * modulus.div_ceil(2) % modulus;
        for slot in self
            .composite
            .iter_mut()
            .skip(first as usize)
            .step_by(modulus as usize)
        {
            *slot = true;
        }
    }

    fn survivors(&self) -> impl Iterator<Item = u64> + '_ {
        self.composite
            .iter()
            .enumerate()
            .filter(|(_, &ruled_out)| !ruled_out)
            .map(|(i, _)| 2 * i as u64)
    }
}

/// Random odd `bits`-bit number with its two top bits set, as little-endian limbs.
fn random_start(rng: &mut ChaCha20Rng, bits: u32, limbs: usize) -> Vec<u64> {
    let mut n: Vec<u64> = (0..limbs).map(|_| rng.next_u64()).collect();
    let top_bits = bits - 64 * (limbs as u32 - 1);
    if top_bits < 64 {
        n[limbs - 1] &= (1u64 << top_bits) - 1;
    }
    for bit in [bits - 1, bits - 2] {
        n[(bit / 64) as usize] |= 1u64 << (bit % 64);
    }
    n[0] |= 1;
    n
}

/// Division by a small odd number `d` (below 2^16) as a multiplication (Barrett): the
/// sieve takes a residue of a 1024-bit candidate for each of 6542 primes, and with a
/// hardware division per 32 bits that was a tenth of a key's generation, on one core.
#[derive(Clone, Copy)]
struct Divisor {
    d: u64,
    /// `floor(2^64 / d)`.
    inverse: u64,
}

impl Divisor {
    fn new(d: u64) -> Divisor {
        debug_assert!(d > 1 && d < 1 << 16 && d % 2 == 1);
        Divisor {
            d,
            inverse: u64::MAX / d,
        }
    }

    /// `x mod d` for `x < 2^48`: the estimated quotient is low by at most one.
    fn rem48(self, x: u64) -> u64 {
        let q = ((u128::from(x) * u128::from(self.inverse)) >> 64) as u64;
        let r = x - q * self.d;
        if r >= self.d {
            r - self.d
        } else {
            r
        }
    }

    /// `n mod d`, 32 bits at a time (the running residue stays below 2^16).
    fn rem(self, n: &[u64]) -> u64 {
        n.iter().rev().fold(0u64, |r, &limb| {
            let r = self.rem48((r << 32) | (limb >> 32));
            self.rem48((r << 32) | (limb & 0xffff_ffff))
        })
    }
}

/// `n mod m` for `m < 2^32`.
fn rem(n: &[u64], m: u64) -> u64 {
    n.iter().rev().fold(0u64, |r, &limb| {
        let r = ((r << 32) | (limb >> 32)) % m;
        ((r << 32) | (limb & 0xffff_ffff)) % m
    })
}

/// `n += v`; false when the sum no longer fits in `n`'s limbs.
fn add_small(n: &mut [u64], v: u64) -> bool {
    let mut carry = v;
    for limb in n.iter_mut() {
        if carry == 0 {
            return true;
        }
        let (sum, overflow) = limb.overflowing_add(carry);
        *limb = sum;
        carry = u64::from(overflow);
    }
    carry == 0
}

fn bit_length(n: &[u64]) -> u32 {
    match n.iter().rposition(|&l| l != 0) {
        Some(i) => 64 * i as u32 + (64 - n[i].leading_zeros()),
        None => 0,
    }
}

/// The rest of the BPSW test on the one candidate that passed the filter: what
/// `crypto-primes`' `is_prime_with_rng` runs after its Miller–Rabin test to base 2, which
/// the filter has just passed (the same test, so skipping it changes no answer), in the
/// same order and drawing the same random base from `rng`.
fn confirm(rng: &mut ChaCha20Rng, candidate: &[u64]) -> bool {
    let odd: Option<Odd<BoxedUint>> =
        Odd::new(BoxedUint::from_words(candidate.iter().copied())).into();
    let Some(odd) = odd else {
        return false;
    };
    // The two tests are independent: the Miller–Rabin test to a random base runs beside
    // the Lucas test (on a copy of the stream, kept only when the sequential order
    // would have drawn from it), so a prime's confirmation takes the longer of the
    // two, not both.
    let mut ahead = (crate::parallel::cores() > 1).then(|| rng.clone());
    let (lucas, random_base) = std::thread::scope(|s| {
        let beside = ahead.as_mut().and_then(|stream| {
            let odd = odd.clone();
            std::thread::Builder::new()
                .spawn_scoped(s, move || {
                    MillerRabin::new(odd)
                        .test_random_base(stream)
                        .is_probably_prime()
                })
                .ok()
        });
        let lucas = lucas_test(odd.clone(), AStarBase, LucasCheck::Strong);
        (lucas, beside.and_then(|h| h.join().ok()))
    });
    match lucas {
        Primality::Composite => false,
        Primality::Prime => true,
        // (Its random base needs more than 2 bits; candidates have at least 32.)
        _ => match (random_base, ahead) {
            (Some(passed), Some(stream)) => {
                *rng = stream;
                passed
            }
            _ => MillerRabin::new(odd)
                .test_random_base(rng)
                .is_probably_prime(),
        },
    }
}

/// Montgomery arithmetic modulo an odd `n` of `k` limbs, with `R = 2^(64k)`.
struct Montgomery<'n> {
    n: &'n [u64],
    /// `-n^-1 mod 2^64`.
    n_inv: u64,
}

impl<'n> Montgomery<'n> {
    fn new(n: &'n [u64]) -> Self {
        // Newton's iteration doubles the correct low bits of the inverse each step.
        let mut inv: u64 = 1;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(n[0].wrapping_mul(inv)));
        }
        Montgomery {
            n,
            n_inv: inv.wrapping_neg(),
        }
    }

    /// `out = a * a / R mod n` (`t` is scratch of `2k` limbs). Separated operand
    /// scanning: the square first, each cross product computed once and doubled (a
    /// quarter fewer multiplications than a general product), then the Montgomery
    /// reduction. The slices are cut to their lengths first so the loops run without
    /// bounds checks.
    fn square(&self, a: &[u64], t: &mut [u64], out: &mut [u64]) {
        let k = self.n.len();
        let (n, a, t, out) = (&self.n[..k], &a[..k], &mut t[..2 * k], &mut out[..k]);
        t.fill(0);
        // The products a[i]·a[j] with i < j, each once.
        for i in 0..k {
            let ai = u128::from(a[i]);
            let mut carry: u64 = 0;
            for (tj, &aj) in t[2 * i + 1..i + k].iter_mut().zip(&a[i + 1..]) {
                let x = u128::from(*tj) + ai * u128::from(aj) + u128::from(carry);
                *tj = x as u64;
                carry = (x >> 64) as u64;
            }
            t[i + k] = carry;
        }
        // Doubled, plus the squares a[i]² on the diagonal.
        let mut shifted_out = 0;
        for limb in t.iter_mut() {
            let next = *limb >> 63;
            *limb = (*limb << 1) | shifted_out;
            shifted_out = next;
        }
        let mut carry: u64 = 0;
        for (i, &ai) in a.iter().enumerate() {
            let sq = u128::from(ai) * u128::from(ai);
            let x = u128::from(t[2 * i]) + (sq & u128::from(u64::MAX)) + u128::from(carry);
            t[2 * i] = x as u64;
            let y = u128::from(t[2 * i + 1]) + (sq >> 64) + (x >> 64);
            t[2 * i + 1] = y as u64;
            carry = (y >> 64) as u64;
        }
        // Montgomery reduction: clear the low k limbs one at a time; `overflow` is the
        // bit above limb 2k - 1.
        let mut overflow: u64 = 0;
        for i in 0..k {
            let m = u128::from(t[i].wrapping_mul(self.n_inv));
            let mut carry: u64 = 0;
            for (tj, &nj) in t[i..i + k].iter_mut().zip(n) {
                let x = u128::from(*tj) + m * u128::from(nj) + u128::from(carry);
                *tj = x as u64;
                carry = (x >> 64) as u64;
            }
            let x = u128::from(t[i + k]) + u128::from(carry) + u128::from(overflow);
            t[i + k] = x as u64;
            overflow = (x >> 64) as u64;
        }
        out.copy_from_slice(&t[k..]);
        if overflow != 0 || !less(out, n) {
            sub_in_place(out, n);
        }
    }

    /// `a = 2a mod n` (`a < n`).
    fn double(&self, a: &mut [u64]) {
        let mut carry = 0;
        for limb in a.iter_mut() {
            let next = *limb >> 63;
            *limb = (*limb << 1) | carry;
            carry = next;
        }
        if carry != 0 || !less(a, self.n) {
            sub_in_place(a, self.n);
        }
    }

    /// `R mod n`, the Montgomery form of 1 (1 doubled once per bit of `R`).
    fn one(&self) -> Vec<u64> {
        let k = self.n.len();
        let mut x = vec![0u64; k];
        x[0] = 1;
        for _ in 0..64 * k {
            self.double(&mut x);
        }
        x
    }

    /// Miller–Rabin to base 2: whether `n` is a strong probable prime to base 2.
    fn passes_base_2(&self) -> bool {
        let k = self.n.len();
        let mut d = self.n.to_vec();
        d[0] -= 1; // n is odd, so no borrow
        let s = trailing_zeros(&d);
        shift_right(&mut d, s);
        let one = self.one();
        let mut minus_one = self.n.to_vec();
        sub_in_place(&mut minus_one, &one);
        // x = 2^d in Montgomery form: square for each bit of d, double for each set bit.
        let mut x = one.clone();
        let mut next = vec![0u64; k];
        let mut scratch = vec![0u64; 2 * k];
        for bit in (0..bit_length(&d)).rev() {
            self.square(&x, &mut scratch, &mut next);
            std::mem::swap(&mut x, &mut next);
            if d[(bit / 64) as usize] >> (bit % 64) & 1 == 1 {
                self.double(&mut x);
            }
        }
        if x == one || x == minus_one {
            return true;
        }
        for _ in 1..s {
            self.square(&x, &mut scratch, &mut next);
            std::mem::swap(&mut x, &mut next);
            if x == minus_one {
                return true;
            }
            if x == one {
                return false;
            }
        }
        false
    }
}

fn less(a: &[u64], b: &[u64]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x < y;
        }
    }
    false
}

/// `a -= b` modulo `2^(64k)` (the borrow out of the top limb is the reduction's).
fn sub_in_place(a: &mut [u64], b: &[u64]) {
    let mut borrow = false;
    for (x, &y) in a.iter_mut().zip(b) {
        let (d1, b1) = x.overflowing_sub(y);
        let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
        *x = d2;
        borrow = b1 || b2;
    }
}

fn trailing_zeros(n: &[u64]) -> u32 {
    let mut zeros = 0;
    for &limb in n {
        if limb == 0 {
            zeros += 64;
        } else {
            return zeros + limb.trailing_zeros();
        }
    }
    zeros
}

fn shift_right(n: &mut [u64], by: u32) {
    let limbs = (by / 64) as usize;
    let bits = by % 64;
    let len = n.len();
    for i in 0..len {
        let lo = n.get(i + limbs).copied().unwrap_or(0);
        let hi = n.get(i + limbs + 1).copied().unwrap_or(0);
        n[i] = if bits == 0 {
            lo
        } else {
            (lo >> bits) | (hi << (64 - bits))
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn limbs(n: u128) -> Vec<u64> {
        vec![n as u64, (n >> 64) as u64]
    }

    #[test]
    fn base_2_test_separates_primes_from_composites() {
        // 2^127 - 1 is prime; 2^127 + 1 is divisible by 3; 341 = 11 * 31 is the
        // smallest base-2 Fermat pseudoprime but not a strong one.
        let mersenne = (1u128 << 127) - 1;
        assert!(Montgomery::new(&limbs(mersenne)).passes_base_2());
        assert!(!Montgomery::new(&limbs((1u128 << 127) + 1)).passes_base_2());
        assert!(!Montgomery::new(&[341]).passes_base_2());
        assert!(Montgomery::new(&[1_000_000_007]).passes_base_2());
        // 2047 = 23 * 89 is the smallest strong pseudoprime to base 2: the filter lets
        // it through, and the full test behind it is what rejects such numbers.
        assert!(Montgomery::new(&[2047]).passes_base_2());
    }

    #[test]
    fn division_by_multiplication_matches_the_remainder() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let divisors = small_primes().iter().copied().chain([3, 65535, 65533, 255]);
        for d in divisors {
            let div = Divisor::new(d);
            // The edges of the range, then random values across it.
            for x in [0, 1, d - 1, d, d + 1, (1 << 48) - 1, (1 << 48) - d] {
                assert_eq!(div.rem48(x), x % d, "{x} mod {d}");
            }
            for _ in 0..200 {
                let x = rng.next_u64() >> 16;
                assert_eq!(div.rem48(x), x % d, "{x} mod {d}");
            }
            let n: Vec<u64> = (0..16).map(|_| rng.next_u64()).collect();
            assert_eq!(div.rem(&n), rem(&n, d));
        }
    }

    #[test]
    fn residues_match_u128_arithmetic() {
        let n = 0x1234_5678_9abc_def0_1122_3344_5566_7788u128;
        for &p in &small_primes()[..50] {
            assert_eq!(u128::from(rem(&limbs(n), p)), n % u128::from(p));
        }
    }

    #[test]
    fn primes_have_the_asked_shape() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for bits in [64, 100, 512] {
            let p = random_prime(&mut rng, bits, 65537);
            assert_eq!(bit_length(&p), bits);
            assert!(p[bits.div_ceil(64) as usize - 1] >> ((bits - 2) % 64) & 1 == 1);
            assert!(confirm(&mut rng, &p));
            assert_ne!(rem(&p, 65537), 1);
        }
    }

    #[test]
    fn the_parallel_scan_finds_what_the_sequential_one_finds() {
        let items: Vec<u64> = (0..5000).map(|i| (i * 7919) % 5003).collect();
        for target in [0, 1, 2, 3, 17, 4998, 5002, 9999] {
            let stops = |&x: &u64| x % 997 == target % 997 && x >= target;
            assert_eq!(
                first_index(&items, true, stops),
                first_index(&items, false, stops),
                "target {target}"
            );
        }
        assert_eq!(first_index(&items, true, |_| false), None);
        assert_eq!(first_index(&items[..0], true, |_| true), None);
    }

    #[test]
    fn the_same_stream_gives_the_same_prime() {
        let a = random_prime(&mut ChaCha20Rng::seed_from_u64(9), 256, 65537);
        let b = random_prime(&mut ChaCha20Rng::seed_from_u64(9), 256, 65537);
        assert_eq!(a, b);
    }
}
