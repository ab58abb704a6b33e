//! Text transformations Sprig takes from `Masterminds/goutils` and `huandu/xstrings`
//! (v1.5): `abbrev`, `abbrevboth`, `initials`, `wrap`, `wrapWith`, `untitle`, `nospace`,
//! `swapcase`, `title`, `snakecase`, `camelcase`, `kebabcase`.
//!
//! Go strings are byte strings and goutils slices them by byte, so these functions work
//! on bytes where Go does; a cut inside a multi-byte character (which Go would emit as
//! invalid UTF-8) becomes U+FFFD here, since template values are valid UTF-8.
//!
//! Not here: the plain `strings` package functions (`strings`).

use kubake_gotmpl::{FuncMap, GoType, Value};

use super::{int_at, reg, str_at};

/// Go's `unicode.ToUpper` on one rune (simple case mapping: one rune to one rune).
pub fn go_upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.ToLower` on one rune.
pub fn go_lower(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.IsSpace`.
pub fn is_go_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    ) || (c as u32 > 0xff && c.is_whitespace())
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `b` as text, invalid UTF-8 replaced by U+FFFD as Go's string conversion prints it.
/// Valid text (nearly all) takes `str::from_utf8`'s fast path rather than the lossy
/// decoder's byte-by-byte one.
pub fn text_of(b: &[u8]) -> String {
    text_with_room(b, 0)
}

/// [`text_of`] with capacity for `extra` more bytes (a newline to come, without
/// copying a megabyte-sized text again to fit it).
pub fn text_with_room(b: &[u8], extra: usize) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => {
            let mut text = String::with_capacity(s.len() + extra);
            text.push_str(s);
            text
        }
        Err(_) => lossy(b),
    }
}

/// [`text_of`], shared (made with one copy of the bytes).
pub fn shared_text_of(b: &[u8]) -> std::sync::Arc<str> {
    match std::str::from_utf8(b) {
        Ok(s) => s.into(),
        Err(_) => lossy(b).into(),
    }
}

/// goutils' `AbbreviateFull`, with its errors as `None`.
fn abbreviate_full(s: &[u8], offset: i64, max_width: i64) -> Option<Vec<u8>> {
    if s.is_empty() {
        return Some(Vec::new());
    }
    if max_width < 4 {
        return None;
    }
    let len = s.len() as i64;
    if len <= max_width {
        return Some(s.to_vec());
    }
    let mut offset = offset.min(len);
    if len - offset < max_width - 3 {
        offset = len - (max_width - 3);
    }
    let marker = b"...";
    if offset <= 4 {
        let mut out = s[..(max_width - 3) as usize].to_vec();
        out.extend_from_slice(marker);
        return Some(out);
    }
    if max_width < 7 {
        return None;
    }
    let mut out = marker.to_vec();
    if offset + max_width - 3 < len {
        out.extend(abbreviate_full(&s[offset as usize..], 0, max_width - 3)?);
    } else {
        out.extend_from_slice(&s[(len - (max_width - 3)) as usize..]);
    }
    Some(out)
}

/// Sprig's `abbrev width s`.
pub fn abbrev(width: i64, s: &str) -> String {
    if width < 4 {
        return s.to_string();
    }
    abbreviate_full(s.as_bytes(), 0, width).map_or_else(String::new, |b| lossy(&b))
}

/// Sprig's `abbrevboth left right s`.
pub fn abbrevboth(left: i64, right: i64, s: &str) -> String {
    if right < 4 || (left > 0 && right < 7) {
        return s.to_string();
    }
    abbreviate_full(s.as_bytes(), left, right).map_or_else(String::new, |b| lossy(&b))
}

/// goutils' `Initials`: the first byte of each space-separated word (bytes read as
/// Latin-1 runes, as goutils does).
pub fn initials(s: &str) -> String {
    let mut out = String::new();
    let mut gap = true;
    for &b in s.as_bytes() {
        let c = char::from(b);
        if is_go_space(c) {
            gap = true;
        } else if gap {
            out.push(c);
            gap = false;
        }
    }
    out
}

/// goutils' `WrapCustom`.
pub fn wrap_custom(s: &str, wrap_length: i64, newline: &str, wrap_long_words: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let newline = if newline.is_empty() { "\n" } else { newline };
    let wrap = usize::try_from(wrap_length.max(1)).unwrap_or(usize::MAX);
    let b = s.as_bytes();
    let len = b.len();
    let mut offset = 0usize;
    let mut out: Vec<u8> = Vec::new();
    while len - offset > wrap {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = (wrap + offset + 1).min(len);
        let space = b[offset..end].iter().rposition(|&c| c == b' ');
        match space {
            Some(i) => {
                out.extend_from_slice(&b[offset..offset + i]);
                out.extend_from_slice(newline.as_bytes());
                offset += i + 1;
            }
            None if wrap_long_words => {
                out.extend_from_slice(&b[offset..offset + wrap]);
                out.extend_from_slice(newline.as_bytes());
                offset += wrap;
            }
            None => {
                let end = wrap + offset;
                match b[end..].iter().position(|&c| c == b' ') {
                    None => {
                        out.extend_from_slice(&b[offset..]);
                        offset = len;
                    }
                    Some(i) => {
                        out.extend_from_slice(&b[offset..end + i]);
                        out.extend_from_slice(newline.as_bytes());
                        offset = end + i + 1;
                    }
                }
            }
        }
    }
    out.extend_from_slice(&b[offset..]);
    lossy(&out)
}

/// goutils' `Uncapitalize`: lower-case the first rune of each space-separated word.
pub fn untitle(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if is_go_space(c) {
                next = true;
                c
            } else if next {
                next = false;
                go_lower(c)
            } else {
                c
            }
        })
        .collect()
}

/// goutils' `SwapCase`.
pub fn swapcase(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_uppercase() || is_title_case(c) {
                go_lower(c)
            } else if c.is_lowercase() {
                go_upper(c)
            } else {
                c
            }
        })
        .collect()
}

fn is_title_case(c: char) -> bool {
    matches!(c, 'ǅ' | 'ǈ' | 'ǋ' | 'ǲ') || ('\u{1f88}'..='\u{1faf}').contains(&c) && c.is_lowercase()
}

/// Go's `strings.Title`.
pub fn title(s: &str) -> String {
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let sep = is_title_separator(prev);
            prev = c;
            if sep {
                go_upper(c)
            } else {
                c
            }
        })
        .collect()
}

fn is_title_separator(r: char) -> bool {
    if r.is_ascii() {
        return !(r.is_ascii_alphanumeric() || r == '_');
    }
    if r.is_alphabetic() || r.is_numeric() {
        return false;
    }
    is_go_space(r)
}

fn is_connector(r: char) -> bool {
    r == '-' || r == '_' || is_go_space(r)
}

/// xstrings' `ToPascalCase` (Sprig's `camelcase`).
pub fn pascal_case(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    let mut r0 = '\0';
    let mut first_upper = false;
    let mut found = false;
    for c in chars.by_ref() {
        if !is_connector(c) {
            first_upper = c.is_uppercase();
            r0 = go_upper(c);
            found = true;
            break;
        }
        out.push(c);
    }
    if !found {
        return out;
    }
    for c in chars {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = r0.is_uppercase();
            r0 = go_upper(r0);
        } else {
            if first_upper {
                if r0.is_uppercase() {
                    r0 = go_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alphabet,
    Connector,
    Punct,
    Other,
}

fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation() && !matches!(c, '$' | '+' | '<' | '=' | '>' | '^' | '`' | '|' | '~')
        || (!c.is_ascii()
            && !c.is_alphanumeric()
            && !c.is_whitespace()
            && !c.is_control()
            && is_unicode_punct(c))
}

fn is_unicode_punct(c: char) -> bool {
    matches!(c, '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205e}' | '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}' | '¡' | '§' | '«' | '¶' | '·' | '»' | '¿')
}

/// xstrings' `nextWord`: the type and length (in bytes) of the word at the start of `s`.
fn next_word(s: &str) -> (Word, usize) {
    let mut it = s.char_indices().peekable();
    let Some((_, r)) = it.next() else {
        return (Word::Invalid, 0);
    };
    let end = |it: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
               pred: &dyn Fn(char) -> bool|
     -> usize {
        while let Some(&(i, c)) = it.peek() {
            if !pred(c) {
                return i;
            }
            it.next();
        }
        s.len()
    };
    if is_connector(r) {
        return (Word::Connector, end(&mut it, &is_connector));
    }
    if is_punct(r) {
        return (Word::Punct, end(&mut it, &is_punct));
    }
    if r.is_uppercase() {
        let Some(&(i1, r1)) = it.peek() else {
            return (Word::Upper, s.len());
        };
        if r1.is_uppercase() {
            // A run of capitals; "HTTPStatus" splits as "HTTP" + "Status".
            let mut last_start = i1;
            it.next();
            while let Some(&(i, c)) = it.peek() {
                if !c.is_uppercase() {
                    if c.is_alphabetic() {
                        return (Word::Upper, last_start);
                    }
                    return (Word::Upper, i);
                }
                last_start = i;
                it.next();
            }
            return (Word::Upper, s.len());
        }
        if r1.is_alphabetic() {
            it.next();
            return (
                Word::Upper,
                end(&mut it, &|c| c.is_alphabetic() && !c.is_uppercase()),
            );
        }
        return (Word::Upper, i1);
    }
    if r.is_alphabetic() {
        return (
            Word::Alphabet,
            end(&mut it, &|c| c.is_alphabetic() && !c.is_uppercase()),
        );
    }
    if r.is_numeric() {
        return (Word::Number, end(&mut it, &char::is_numeric));
    }
    (
        Word::Other,
        end(&mut it, &|c| {
            !(is_connector(c) || c.is_alphabetic() || c.is_numeric() || is_punct(c))
        }),
    )
}

fn push_lower(out: &mut String, wt: Word, word: &str, connector: char) {
    if wt != Word::Upper && wt != Word::Connector {
        out.push_str(word);
        return;
    }
    for c in word.chars() {
        if is_connector(c) {
            out.push(connector);
        } else {
            out.push(go_lower(c));
        }
    }
}

/// xstrings' `camelCaseToLowerCase` (`snakecase` with `_`, `kebabcase` with `-`).
pub fn camel_to_lower(s: &str, connector: char) -> String {
    let mut out = String::new();
    let mut rest = s;
    let take = |rest: &mut &str| -> (Word, String) {
        let (wt, n) = next_word(rest);
        let w = rest[..n].to_string();
        *rest = &rest[n..];
        (wt, w)
    };
    if s.is_empty() {
        return out;
    }
    let (mut wt, mut word) = take(&mut rest);
    while !rest.is_empty() {
        if wt != Word::Connector {
            push_lower(&mut out, wt, &word, connector);
        }
        let prev = wt;
        let last = word.clone();
        (wt, word) = take(&mut rest);
        match prev {
            Word::Number => {
                while matches!(wt, Word::Alphabet | Word::Number) {
                    push_lower(&mut out, wt, &word, connector);
                    (wt, word) = take(&mut rest);
                }
                if !matches!(wt, Word::Invalid | Word::Punct | Word::Connector) {
                    out.push(connector);
                }
            }
            Word::Connector => push_lower(&mut out, prev, &last, connector),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                if rest.is_empty() {
                    continue;
                }
                let last = word.clone();
                (wt, word) = take(&mut rest);
                if wt != Word::Alphabet {
                    push_lower(&mut out, Word::Number, &last, connector);
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                out.push(connector);
                push_lower(&mut out, Word::Number, &last, connector);
                while matches!(wt, Word::Alphabet | Word::Number) {
                    push_lower(&mut out, wt, &word, connector);
                    (wt, word) = take(&mut rest);
                }
                if !matches!(wt, Word::Invalid | Word::Connector | Word::Punct) {
                    out.push(connector);
                }
            }
        }
    }
    push_lower(&mut out, wt, &word, connector);
    out
}

pub(crate) fn register(map: &mut FuncMap) {
    use GoType::String as S;
    reg(map, "abbrev", [GoType::INT, S], |_, a| {
        Ok(Value::from(abbrev(int_at(a, 0), str_at(a, 1))))
    });
    reg(map, "abbrevboth", [GoType::INT, GoType::INT, S], |_, a| {
        Ok(Value::from(abbrevboth(
            int_at(a, 0),
            int_at(a, 1),
            str_at(a, 2),
        )))
    });
    reg(map, "initials", [S], |_, a| {
        Ok(Value::from(initials(str_at(a, 0))))
    });
    reg(map, "wrap", [GoType::INT, S], |_, a| {
        Ok(Value::from(wrap_custom(
            str_at(a, 1),
            int_at(a, 0),
            "",
            false,
        )))
    });
    reg(map, "wrapWith", [GoType::INT, S, S], |_, a| {
        Ok(Value::from(wrap_custom(
            str_at(a, 2),
            int_at(a, 0),
            str_at(a, 1),
            true,
        )))
    });
    reg(map, "untitle", [S], |_, a| {
        Ok(Value::from(untitle(str_at(a, 0))))
    });
    reg(map, "nospace", [S], |_, a| {
        Ok(Value::from(
            str_at(a, 0)
                .chars()
                .filter(|c| !is_go_space(*c))
                .collect::<String>(),
        ))
    });
    reg(map, "swapcase", [S], |_, a| {
        Ok(Value::from(swapcase(str_at(a, 0))))
    });
    reg(map, "title", [S], |_, a| {
        Ok(Value::from(title(str_at(a, 0))))
    });
    reg(map, "camelcase", [S], |_, a| {
        Ok(Value::from(pascal_case(str_at(a, 0))))
    });
    reg(map, "snakecase", [S], |_, a| {
        Ok(Value::from(camel_to_lower(str_at(a, 0), '_')))
    });
    reg(map, "kebabcase", [S], |_, a| {
        Ok(Value::from(camel_to_lower(str_at(a, 0), '-')))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations() {
        assert_eq!(abbrev(5, "hello world"), "he...");
        assert_eq!(abbrev(20, "short"), "short");
        assert_eq!(abbrevboth(5, 10, "1234 5678 9123"), "...5678...");
    }

    #[test]
    fn wrapping() {
        assert_eq!(
            wrap_custom("a b c d e f g h", 5, "", false),
            "a b c\nd e f\ng h"
        );
        assert_eq!(wrap_custom("Hello World", 5, "\t", true), "Hello\tWorld");
        assert_eq!(
            wrap_custom(
                "the quick brown fox jumps over the lazy dog",
                8,
                "\n  ",
                true
            ),
            "the\n  quick\n  brown\n  fox\n  jumps\n  over the\n  lazy dog"
        );
    }

    #[test]
    fn cases() {
        assert_eq!(pascal_case("foo_bar_baz"), "FooBarBaz");
        assert_eq!(pascal_case("http_server"), "HttpServer");
        assert_eq!(pascal_case("_complex__case_"), "_Complex_Case_");
        assert_eq!(pascal_case("GOLANG_IS_GREAT"), "GolangIsGreat");
        assert_eq!(camel_to_lower("HTTPServerName", '_'), "http_server_name");
        assert_eq!(camel_to_lower("FirstName", '_'), "first_name");
        assert_eq!(camel_to_lower("already_snake", '_'), "already_snake");
        assert_eq!(camel_to_lower("NoHTTPS", '_'), "no_https");
        assert_eq!(camel_to_lower("GO PATH", '-'), "go-path");
        assert_eq!(camel_to_lower("http2xx", '_'), "http_2xx");
        assert_eq!(camel_to_lower("HTTP20xOK", '_'), "http_20x_ok");
        assert_eq!(camel_to_lower("Duration2m3s", '_'), "duration_2m3s");
        assert_eq!(camel_to_lower("Bld4Floor3rd", '_'), "bld4_floor_3rd");
        assert_eq!(swapcase("Hello World ÀÉ"), "hELLO wORLD àé");
        assert_eq!(untitle("ABC Def"), "aBC def");
        assert_eq!(title("hello wORLD-x_y"), "Hello WORLD-X_y");
        assert_eq!(initials("First Try"), "FT");
    }
}
