//! The order yaml.v2 writes map keys in, which is the order of every line kubectl,
//! kustomize and Helm's `toYaml` print.
//!
//! It is not plain byte order: runs of digits compare as numbers (`a2` < `a10`), a
//! letter sorts after a non-letter, and letters compare by code point.

use std::cmp::Ordering;

/// Compares two map keys the way yaml.v2's `keyList.Less` does for string keys.
pub fn compare_keys(a: &str, b: &str) -> Ordering {
    // `less` is a strict order: of two different keys, exactly one is less.
    if a == b {
        Ordering::Equal
    } else if less(a, b) {
        Ordering::Less
    } else {
        Ordering::Greater
    }
}

/// yaml.v2's `keyList.Less` over the keys' characters (Go compares `[]rune`s; this walks
/// the strings instead of collecting them, since emitting sorts every mapping).
fn less(a: &str, b: &str) -> bool {
    let mut a_chars = a.char_indices();
    let mut b_chars = b.char_indices();
    loop {
        let (Some((i, ac)), Some((j, bc))) = (a_chars.next(), b_chars.next()) else {
            // One is a prefix of the other: the shorter sorts first.
            return a.len() < b.len();
        };
        if ac == bc {
            continue;
        }
        let al = ac.is_alphabetic();
        let bl = bc.is_alphabetic();
        if al && bl {
            return ac < bc;
        }
        if al || bl {
            return bl;
        }
        // Digit runs from here compare as numbers. A run that began before this
        // character (in the common prefix) with a non-zero digit makes leading zeros
        // here count, as Go's code does by starting both numbers at 1.
        let (mut an, mut bn) = (0i64, 0i64);
        if ac == '0' || bc == '0' {
            for c in a[..i].chars().rev().take_while(char::is_ascii_digit) {
                if c != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let (an, a_digits) = digit_run(&a[i..], an);
        let (bn, b_digits) = digit_run(&b[j..], bn);
        if an != bn {
            return an < bn;
        }
        if a_digits != b_digits {
            return a_digits < b_digits;
        }
        return ac < bc;
    }
}

/// The number the leading ASCII digits of `s` make when appended to `start` (wrapping,
/// as Go's `int64` does), and how many digits there were.
fn digit_run(s: &str, start: i64) -> (i64, usize) {
    let mut n = start;
    let mut count = 0;
    for d in s.bytes().take_while(u8::is_ascii_digit) {
        n = n.wrapping_mul(10).wrapping_add(i64::from(d - b'0'));
        count += 1;
    }
    (n, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(keys: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = keys.iter().map(|s| s.to_string()).collect();
        v.sort_by(|a, b| compare_keys(a, b));
        v
    }

    #[test]
    fn digits_compare_as_numbers_and_letters_last() {
        assert_eq!(sorted(&["a10", "a2", "a1"]), ["a1", "a2", "a10"]);
        assert_eq!(
            sorted(&["metadata", "apiVersion", "kind", "data"]),
            ["apiVersion", "data", "kind", "metadata"]
        );
        assert_eq!(sorted(&["b", "_a", "A"]), ["_a", "A", "b"]);
        assert_eq!(
            sorted(&["app.kubernetes.io/name", "app"]),
            ["app", "app.kubernetes.io/name"]
        );
    }

    #[test]
    fn leading_zeros_and_non_ascii_keys_sort_as_in_yaml_v2() {
        assert_eq!(
            sorted(&["a01", "a1", "a001", "a10", "a0"]),
            ["a0", "a1", "a01", "a001", "a10"]
        );
        assert_eq!(
            sorted(&["10", "01", "1", "001", "0"]),
            ["0", "1", "01", "001", "10"]
        );
        assert_eq!(sorted(&["x10y", "x9z", "x09"]), ["x9z", "x09", "x10y"]);
        assert_eq!(
            sorted(&["é", "e", "z", "_", "9"]),
            ["_", "9", "e", "z", "é"]
        );
        // A digit against a letter: the letter sorts last, even inside a number.
        assert_eq!(
            sorted(&["b1a", "b10a00", "b10a0"]),
            ["b10a0", "b10a00", "b1a"]
        );
    }
}
