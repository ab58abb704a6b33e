//! The scalars and keys of the quick reader, each read from one line: keys (plain or
//! quoted) with their colon, plain scalars up to a comment, one-line quoted scalars with
//! YAML's escapes, and the piece of a multi-line quoted scalar that one line holds. Each
//! returns `None` for anything it does not cover, and the reader then gives up.

use std::borrow::Cow;

use saphyr_parser::ScalarStyle;

use super::{spaces, trim_blanks_end};

/// YAML's bound on the length of an implicit key: saphyr refuses a colon more than this
/// many characters after the key's start (quotes and blanks before the colon count).
/// Counted here in bytes, which gives up on a few long non-ASCII keys it could take.
const MAX_KEY_CHARS: usize = 1024;

/// Whether `rest` starts with a key followed by `: ` or a final `:`.
pub(super) fn is_key_line(rest: &str) -> bool {
    split_key(rest).is_some()
}

/// The key at the start of `rest`, its style, and the byte just past its colon.
pub(super) fn split_key(rest: &str) -> Option<(Cow<'_, str>, ScalarStyle, usize)> {
    let bytes = rest.as_bytes();
    if matches!(bytes.first(), Some(b'"' | b'\'')) {
        let (key, style, len) = quoted(rest)?;
        let after = &rest[len..];
        let colon = len + spaces(after);
        if bytes.get(colon) != Some(&b':')
            || !matches!(bytes.get(colon + 1), None | Some(b' '))
            || colon > MAX_KEY_CHARS
        {
            return None;
        }
        return Some((key, style, colon + 1));
    }
    if matches!(
        bytes.first(),
        None | Some(
            b'-' | b'?'
                | b':'
                | b','
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'%'
                | b'@'
                | b'`'
                | b'\t'
        )
    ) {
        return None;
    }
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b':' if matches!(bytes.get(i + 1), None | Some(b' ')) => {
                let key = rest[..i].trim_end_matches(' ');
                if i > MAX_KEY_CHARS || key.contains('\t') {
                    return None;
                }
                return Some((Cow::Borrowed(key), ScalarStyle::Plain, i + 1));
            }
            b'#' if i > 0 && bytes[i - 1] == b' ' => return None,
            _ => i += 1,
        }
    }
    None
}

/// A plain scalar filling the rest of a line: cut at a comment, trailing blanks off.
/// `None` for text a plain scalar cannot hold there (`: `, a final `:`).
/// Whether a comment follows is the second part of the answer.
pub(super) fn plain_scalar(text: &str) -> Option<(&str, bool)> {
    let bytes = text.as_bytes();
    let mut end = bytes.len();
    for i in 1..bytes.len() {
        match bytes[i] {
            b'#' if matches!(bytes[i - 1], b' ' | b'\t') => {
                end = i;
                break;
            }
            b' ' | b'\t' if bytes[i - 1] == b':' => return None,
            _ => {}
        }
    }
    let value = trim_blanks_end(&text[..end]);
    if value.ends_with(':') {
        return None;
    }
    Some((value, end < bytes.len()))
}

/// Whether `rest` may continue a plain scalar here without any doubt: not a comment,
/// and not `-`, `?` or `:` followed by a blank. (Inside a plain scalar every other
/// character is text, indicators included, as saphyr reads it.)
pub(super) fn plain_continuation(rest: &str) -> bool {
    let bytes = rest.as_bytes();
    match bytes.first() {
        Some(b'-' | b'?' | b':') => !matches!(bytes.get(1), None | Some(b' ' | b'\t')),
        Some(b'#') => false,
        _ => true,
    }
}

/// A single- or double-quoted scalar closed on this line: its value, style and length
/// in bytes (quotes included).
pub(super) fn quoted(text: &str) -> Option<(Cow<'_, str>, ScalarStyle, usize)> {
    if text.starts_with('\'') {
        single_quoted(text)
    } else {
        double_quoted(text)
    }
}

/// The byte of the quote that closes a quoted scalar in `text` (a `'` not doubled, or a
/// `"` not escaped), if any.
pub(crate) fn closing_quote(single: bool, text: &str) -> Option<usize> {
    if single {
        return closing_single_quote(text);
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Some(i),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// The part of a quoted scalar that one line holds when the scalar goes on past it,
/// unescaped, its trailing blanks dropped (they fold into the line break). `None` when
/// it ends in an escape (an escaped line break, or an escaped blank that folding
/// would eat), which the full parser handles.
pub(crate) fn continued_piece(single: bool, raw: &str) -> Option<String> {
    let piece = trim_blanks_end(raw);
    if !single {
        let backslashes = piece.bytes().rev().take_while(|&b| b == b'\\').count();
        if backslashes % 2 == 1 || (piece.len() < raw.len() && piece.ends_with('\\')) {
            return None;
        }
    }
    unescape(single, piece)
}

/// The value of a piece of a quoted scalar: `''` is `'` in single quotes, escapes are
/// read in double quotes.
pub(crate) fn unescape(single: bool, piece: &str) -> Option<String> {
    if single {
        return Some(piece.replace("''", "'"));
    }
    let mut out = String::with_capacity(piece.len());
    let mut rest = piece;
    while let Some(b) = rest.find('\\') {
        out.push_str(&rest[..b]);
        let (c, len) = escape(&rest[b + 1..])?;
        out.push(c);
        rest = &rest[b + 1 + len..];
    }
    out.push_str(rest);
    Some(out)
}

/// The byte of the quote that closes a single-quoted scalar in `text` (a `'` not
/// doubled), if any.
fn closing_single_quote(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

fn single_quoted(text: &str) -> Option<(Cow<'_, str>, ScalarStyle, usize)> {
    let body = &text[1..];
    let mut owned: Option<String> = None;
    let mut from = 0;
    loop {
        let q = from + body[from..].find('\'')?;
        if body.as_bytes().get(q + 1) == Some(&b'\'') {
            owned
                .get_or_insert_with(String::new)
                .push_str(&body[from..=q]);
            from = q + 2;
            continue;
        }
        let value = finish(owned, body, from, q);
        return Some((value, ScalarStyle::SingleQuoted, q + 2));
    }
}

/// The value of a quoted scalar whose body ends at byte `end`: the body itself when it
/// had no escape, else what was built (`owned`) plus the body after the last escape.
fn finish(owned: Option<String>, body: &str, from: usize, end: usize) -> Cow<'_, str> {
    match owned {
        Some(mut s) => {
            s.push_str(&body[from..end]);
            Cow::Owned(s)
        }
        None => Cow::Borrowed(&body[..end]),
    }
}

fn double_quoted(text: &str) -> Option<(Cow<'_, str>, ScalarStyle, usize)> {
    let body = &text[1..];
    let bytes = body.as_bytes();
    let mut owned: Option<String> = None;
    let mut from = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let value = finish(owned, body, from, i);
                return Some((value, ScalarStyle::DoubleQuoted, i + 2));
            }
            b'\\' => {
                let s = owned.get_or_insert_with(String::new);
                s.push_str(&body[from..i]);
                let (c, len) = escape(&body[i + 1..])?;
                s.push(c);
                i += 1 + len;
                from = i;
            }
            _ => i += 1,
        }
    }
    // Not closed on this line: a multi-line scalar.
    None
}

/// One escape of a double-quoted scalar (after the backslash): the character and the
/// length of the escape.
fn escape(after: &str) -> Option<(char, usize)> {
    let c = *after.as_bytes().first()?;
    let simple = match c {
        b'0' => '\0',
        b'a' => '\u{07}',
        b'b' => '\u{08}',
        b't' | b'\t' => '\t',
        b'n' => '\n',
        b'v' => '\u{0b}',
        b'f' => '\u{0c}',
        b'r' => '\r',
        b'e' => '\u{1b}',
        b' ' => ' ',
        b'"' => '"',
        b'/' => '/',
        b'\\' => '\\',
        b'N' => '\u{85}',
        b'_' => '\u{a0}',
        b'L' => '\u{2028}',
        b'P' => '\u{2029}',
        b'x' | b'u' | b'U' => {
            let digits = match c {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let hex = after.get(1..=digits)?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let code = u32::from_str_radix(hex, 16).ok()?;
            return Some((char::from_u32(code)?, 1 + digits));
        }
        _ => return None,
    };
    Some((simple, 1))
}
