//! libyaml's scalar analysis (`yaml_emitter_analyze_scalar`): what a string holds
//! (line breaks, leading or trailing spaces, indicators, unprintable characters), which
//! decides the styles the emitter may write it in.
//!
//! Not here: choosing the style and writing (the emitter).

/// What libyaml's `analyze_scalar` learns about a string.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Analysis {
    pub(super) multiline: bool,
    pub(super) block_plain_allowed: bool,
    pub(super) single_quoted_allowed: bool,
    pub(super) block_allowed: bool,
}

pub(super) fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn is_blankz(c: Option<char>) -> bool {
    c.is_none_or(|c| is_blank(c) || is_break(c))
}

/// yaml.v2's `is_printable`: BMP characters only, minus controls, surrogates and BOM.
pub(super) fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

/// ASCII letters, digits, `.`, `/`, `_` and `-`, starting with a letter, digit or `_`:
/// text with no blank, break, indicator or unprintable character.
pub(super) fn is_plain_word(value: &str) -> bool {
    let bytes = value.as_bytes();
    matches!(bytes.first(), Some(b) if b.is_ascii_alphanumeric() || *b == b'_')
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'/' | b'_' | b'-'))
}

pub(super) fn analyze(value: &str) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    // Most scalars are names, numbers and paths: nothing below can apply to them.
    if is_plain_word(value) {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: true,
        };
    }
    match byte_classes(value.as_bytes()) {
        Classes::NonAscii => analyze_chars(value, value.chars()),
        Classes::Ascii { special } => analyze_ascii(value, special),
    }
}

/// What one pass over the bytes tells: whether the text is ASCII, and if so whether it
/// holds a character yaml.v2 will not print as it is (a control other than the line
/// feed, or DEL).
enum Classes {
    NonAscii,
    Ascii { special: bool },
}

fn byte_classes(bytes: &[u8]) -> Classes {
    // Branch-free over blocks of bytes (the compiler vectorises it), where stopping at
    // the first odd byte would not be: descriptions are long and almost never odd.
    let mut special = false;
    for block in bytes.chunks(64) {
        let (mut high, mut odd) = (0u8, false);
        for &b in block {
            high |= b & 0x80;
            odd |= (b < 0x20 && b != b'\n') | (b == 0x7F);
        }
        if high != 0 {
            return Classes::NonAscii;
        }
        special |= odd;
    }
    Classes::Ascii { special }
}

/// [`analyze_chars`] for ASCII text, without the per-character iterator: one loop over
/// the bytes for the flags that depend on neighbours, byte searches for the indicators.
/// Long texts (descriptions in CRDs) make most of a big bundle's bytes.
fn analyze_ascii(value: &str, special: bool) -> Analysis {
    let bytes = value.as_bytes();
    let (first, last) = (bytes[0], bytes[bytes.len() - 1]);
    let is_break = |b: u8| b == b'\n' || b == b'\r';
    // Separate searches, each a vectorised pass, instead of one loop over characters.
    let (mut break_space, mut space_break, mut line_breaks) = (false, false, false);
    for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        line_breaks = true;
        break_space |= bytes.get(i + 1) == Some(&b' ');
        space_break |= i > 0 && bytes[i - 1] == b' ';
    }
    let followed_by_blank = |i: usize| bytes.get(i + 1).is_none_or(|&b| b == b' ' || b == b'\t');
    let preceded_by_blankz =
        |i: usize| i > 0 && matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b'\r');
    let block_indicators = value.starts_with("---")
        || value.starts_with("...")
        || matches!(
            first,
            b'#' | b','
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
        )
        || (matches!(first, b'?' | b'-') && followed_by_blank(0))
        || memchr::memchr_iter(b':', bytes).any(followed_by_blank)
        || memchr::memchr_iter(b'#', bytes).any(preceded_by_blankz);
    flags_to_analysis(Flags {
        line_breaks,
        special,
        block_indicators,
        leading_space: first == b' ',
        leading_break: is_break(first),
        trailing_space: last == b' ',
        trailing_break: is_break(last),
        break_space,
        space_break,
    })
}

/// What libyaml's scalar analysis finds, before deciding the styles allowed.
struct Flags {
    line_breaks: bool,
    special: bool,
    block_indicators: bool,
    leading_space: bool,
    leading_break: bool,
    trailing_space: bool,
    trailing_break: bool,
    break_space: bool,
    space_break: bool,
}

fn flags_to_analysis(f: Flags) -> Analysis {
    let mut a = Analysis {
        multiline: f.line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if f.leading_space || f.leading_break || f.trailing_space || f.trailing_break {
        a.block_plain_allowed = false;
    }
    if f.trailing_space {
        a.block_allowed = false;
    }
    if f.break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if f.space_break || f.special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if f.line_breaks || f.block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// libyaml's `yaml_emitter_analyze_scalar` over the characters of `value`.
fn analyze_chars(value: &str, chars: impl Iterator<Item = char>) -> Analysis {
    let mut block_indicators = value.starts_with("---") || value.starts_with("...");
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let (mut line_breaks, mut special) = (false, false);
    let mut preceded_by_whitespace = true;
    let mut chars = chars.peekable();
    let mut first = true;
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let last = next.is_none();
        let followed_by_whitespace = next.is_none_or(is_blank);
        if first {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if first {
                leading_space = true;
            }
            if last {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if first {
                leading_break = true;
            }
            if last {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(Some(c));
        first = false;
    }
    flags_to_analysis(Flags {
        line_breaks,
        special,
        block_indicators,
        leading_space,
        leading_break,
        trailing_space,
        trailing_break,
        break_space,
        space_break,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string of up to `len` characters from `alphabet`.
    pub(crate) fn strings(alphabet: &[char], len: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut level = vec![String::new()];
        for _ in 0..len {
            level = level
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            all.extend(level.iter().cloned());
        }
        all
    }

    #[test]
    fn ascii_analysis_matches_the_character_loop() {
        let alphabet = [
            ' ', '\n', '\r', '\t', ':', '#', '-', '?', '.', 'a', '\'', '\u{1}',
        ];
        for s in strings(&alphabet, 5).iter().filter(|s| !s.is_empty()) {
            let Classes::Ascii { special } = byte_classes(s.as_bytes()) else {
                panic!("{s:?} is ASCII");
            };
            assert_eq!(
                analyze_ascii(s, special),
                analyze_chars(s, s.chars()),
                "for {s:?}"
            );
        }
        // Long texts, the odd byte in a later block.
        for odd in ['\u{7f}', '\u{1}', '\t', 'é'] {
            let s = format!("{}{odd}", "word ".repeat(40));
            assert_eq!(analyze(&s), analyze_chars(&s, s.chars()), "for {odd:?}");
        }
    }
}
