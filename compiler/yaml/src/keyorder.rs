//! The order yaml.v2 writes map keys in, which is the order of every line kubectl,
//! kustomize and Helm's `toYaml` print.
//!
//! It is not plain byte order: runs of digits compare as numbers (`a2` < `a10`), a
//! letter sorts after a non-letter, and letters compare by code point.

use std::cmp::Ordering;

/// Compares two map keys the way yaml.v2's `keyList.Less` does for string keys.
pub fn compare_keys(a: &str, b: &str) -> Ordering {
    if less(a, b) {
        Ordering::Less
    } else if less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

fn less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an.wrapping_mul(10).wrapping_add(ar[ai] as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn.wrapping_mul(10).wrapping_add(br[bi] as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
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
}
