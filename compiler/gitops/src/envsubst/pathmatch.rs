//! Go's `path.Match`, byte for byte, for envsubst's `${VAR#pattern}` family: `*` (any
//! run without `/`), `?`, `[...]` classes with ranges and `^`, `\\` escapes, and the
//! same `ErrBadPattern` cases.
//!
//! Not here: Argo CD's globs (`crate::glob`), which follow different rules.

/// A malformed pattern (Go's `path.ErrBadPattern`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadPattern;

/// Decodes one UTF-8 character (U+FFFD and one byte for invalid input), as Go's
/// `utf8.DecodeRune` does.
pub(crate) fn decode(b: &[u8]) -> (char, usize) {
    let len = match b.first() {
        None => return ('\u{FFFD}', 0),
        Some(x) if *x < 0x80 => 1,
        Some(x) if *x >> 5 == 0b110 => 2,
        Some(x) if *x >> 4 == 0b1110 => 3,
        Some(x) if *x >> 3 == 0b11110 => 4,
        Some(_) => 1,
    };
    match b.get(..len).and_then(|s| std::str::from_utf8(s).ok()) {
        Some(s) => (s.chars().next().unwrap_or('\u{FFFD}'), len),
        None => ('\u{FFFD}', 1),
    }
}

/// Go's `path.Match`: `*` (not `/`), `?`, `[...]` classes with ranges and `^`, `\`
/// escapes; `Err` for a malformed pattern.
pub fn path_match(mut pattern: &[u8], mut name: &[u8]) -> Result<bool, BadPattern> {
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(!name.contains(&b'/'));
        }
        let (t, ok) = match_chunk(chunk, name)?;
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != b'/' {
                let (t, ok) = match_chunk(chunk, &name[i + 1..])?;
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = t;
                    continue 'pattern;
                }
                i += 1;
            }
        }
        // Go checks the rest of the pattern for syntax errors before returning false.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, b"")?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

fn scan_chunk(mut pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while pattern.first() == Some(&b'*') {
        pattern = &pattern[1..];
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => return (star, &pattern[..i], &pattern[i..]),
            _ => {}
        }
        i += 1;
    }
    (star, pattern, &[])
}

fn match_chunk<'a>(mut chunk: &[u8], mut s: &'a [u8]) -> Result<(&'a [u8], bool), BadPattern> {
    let mut failed = false;
    while !chunk.is_empty() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match chunk[0] {
            b'[' => {
                let mut r = '\0';
                if !failed {
                    let (c, n) = decode(s);
                    r = c;
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&b'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut nrange = 0;
                loop {
                    if !chunk.is_empty() && chunk[0] == b']' && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = get_esc(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&b'-') {
                        let (h, rest) = get_esc(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    nrange += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            b'?' => {
                if !failed {
                    if s.first() == Some(&b'/') {
                        failed = true;
                    }
                    let (_, n) = decode(s);
                    s = &s[n.min(s.len())..];
                }
                chunk = &chunk[1..];
            }
            b'\\' => {
                chunk = &chunk[1..];
                if chunk.is_empty() {
                    return Err(BadPattern);
                }
                if !failed {
                    if chunk[0] != s.first().copied().unwrap_or(0) || s.is_empty() {
                        failed = true;
                    } else {
                        s = &s[1..];
                    }
                }
                chunk = &chunk[1..];
            }
            c => {
                if !failed {
                    if s.first() != Some(&c) {
                        failed = true;
                    } else {
                        s = &s[1..];
                    }
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed {
        return Ok((&[], false));
    }
    Ok((s, true))
}

fn get_esc(chunk: &[u8]) -> Result<(char, &[u8]), BadPattern> {
    if chunk.is_empty() || chunk[0] == b'-' || chunk[0] == b']' {
        return Err(BadPattern);
    }
    let mut chunk = chunk;
    if chunk[0] == b'\\' {
        chunk = &chunk[1..];
        if chunk.is_empty() {
            return Err(BadPattern);
        }
    }
    let (r, n) = decode(chunk);
    if r == '\u{FFFD}' && n == 1 && chunk[0] >= 0x80 {
        return Err(BadPattern);
    }
    let rest = &chunk[n..];
    if rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((r, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_match_follows_go() {
        assert_eq!(path_match(b"*.go", b"a.go"), Ok(true));
        assert_eq!(path_match(b"*", b"a/b"), Ok(false));
        assert_eq!(path_match(b"a?c", b"abc"), Ok(true));
        assert_eq!(path_match(b"[a-c]x", b"bx"), Ok(true));
        assert_eq!(path_match(b"[^a-c]x", b"bx"), Ok(false));
        assert_eq!(path_match(b"[", b"a"), Err(BadPattern));
        assert_eq!(path_match(b"\\*", b"*"), Ok(true));
    }
}
