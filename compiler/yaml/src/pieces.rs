//! Long streams read on all cores: a text of many documents (a chart's rendered
//! manifests, a file of CRDs) is cut at lines that start a document, the pieces are
//! loaded side by side, and their documents joined in order, with the positions they
//! have in the whole text.
//!
//! Why a cut there changes nothing: a line that starts with `---` and a blank (space,
//! tab, line end) is always a document marker in YAML. Inside a block or plain scalar
//! it ends the scalar, and inside a quoted scalar or a flow collection it is an error,
//! so every piece holds exactly the documents the whole stream holds there. The rest
//! is made exact by falling back: when any piece fails, or the pieces' aliases together
//! expand past the stream's bound, the whole text is read again in one piece, so the
//! errors are those of a serial read. One exception to the rule above is saphyr's: it
//! reads a marker line inside a document-level block scalar as part of the scalar, so a
//! piece whose last document is not a mapping or a sequence also sends the text to be
//! read whole. Texts with directives (`%YAML`, `%TAG`: they
//! belong to the document after them) or a byte-order mark are read whole.
//!
//! Not here: the loading itself (`load`).

use rayon::prelude::*;

use crate::load::{load_piece, load_stream_with, Duplicates, LoadError, MAX_ALIAS_NODES};
use crate::node::{Node, Value};
use crate::resolve::Schema;

/// Texts shorter than this are read in one piece: the pieces' start-up and the
/// joining would cost more than a second core gives back.
const MIN_PARALLEL_BYTES: usize = 256 * 1024;

/// The smallest piece worth handing to another thread.
const MIN_PIECE_BYTES: usize = 32 * 1024;

/// [`load_stream_with`], the documents of a long text read on all cores; the result,
/// errors included, is the same.
pub fn load_stream_parallel(
    text: &str,
    schema: Schema,
    duplicates: Duplicates,
) -> Result<Vec<Node>, LoadError> {
    // Length first: asking rayon for its threads starts its pool.
    if text.len() < MIN_PARALLEL_BYTES {
        return load_stream_with(text, schema, duplicates);
    }
    let threads = rayon::current_num_threads();
    let pieces = if threads > 1 {
        cut(text, (text.len() / (4 * threads)).max(MIN_PIECE_BYTES))
    } else {
        Vec::new()
    };
    load_pieces(text, &pieces, schema, duplicates)
}

/// [`load_stream_parallel`] cutting wherever a piece would be at least `min_piece`
/// bytes, whatever the text's length: for differential tests.
#[doc(hidden)]
pub fn load_stream_in_pieces(
    text: &str,
    schema: Schema,
    duplicates: Duplicates,
    min_piece: usize,
) -> Result<Vec<Node>, LoadError> {
    load_pieces(text, &cut(text, min_piece), schema, duplicates)
}

fn load_pieces(
    text: &str,
    pieces: &[(usize, usize, u32)],
    schema: Schema,
    duplicates: Duplicates,
) -> Result<Vec<Node>, LoadError> {
    if pieces.len() < 2 {
        return load_stream_with(text, schema, duplicates);
    }
    // Each piece's documents and alias count, or `None` when the text must be read
    // whole: the piece failed, or was not cut where the whole text has a boundary.
    let loaded: Option<Vec<(Vec<Node>, usize)>> = (0..pieces.len())
        .into_par_iter()
        .with_max_len(1)
        .map(|i| {
            let (start, end, lines_before) = pieces[i];
            let Some(&(_, _, lines_to_next)) = pieces.get(i + 1) else {
                return load_piece(&text[start..end], lines_before, schema, duplicates).ok();
            };
            // A piece is read through the marker line that starts the next one: the end
            // of its last document (an empty block scalar's position, say) is then
            // where the whole text has it. The document that line starts is the next
            // piece's, and dropped here.
            let through =
                memchr::memchr(b'\n', &text.as_bytes()[end..]).map_or(text.len(), |n| end + n + 1);
            let (mut docs, aliases) =
                load_piece(&text[start..through], lines_before, schema, duplicates).ok()?;
            let marker_line = lines_to_next + 1;
            // The dropped document must be the one the marker line starts, and the one
            // before it must end before that line. saphyr reads a marker line inside a
            // document-level scalar as part of it (libyaml would end the scalar there),
            // so a piece ending in a scalar document is not known to be cut right.
            let dropped = docs.pop()?;
            let cut_right = dropped.pos.line >= marker_line
                && docs.last().is_none_or(|doc| {
                    doc.pos.line < marker_line && matches!(doc.value, Value::Map(_) | Value::Seq(_))
                });
            cut_right.then_some((docs, aliases))
        })
        .collect();
    let Some(loaded) = loaded else {
        return load_stream_with(text, schema, duplicates);
    };
    let alias_nodes: usize = loaded.iter().map(|(_, aliases)| aliases).sum();
    let docs = loaded.into_iter().flat_map(|(docs, _)| docs).collect();
    if alias_nodes > MAX_ALIAS_NODES {
        return load_stream_with(text, schema, duplicates);
    }
    Ok(docs)
}

/// The pieces of `text`, as `(start, end, lines before start)`, each starting at a
/// document marker line (the first at the text's start) and, but for the last, at
/// least `min_len` bytes long. Empty when the text must be read whole.
fn cut(text: &str, min_len: usize) -> Vec<(usize, usize, u32)> {
    let bytes = text.as_bytes();
    // A lone `\r` is a line break to saphyr: the marker and directive searches below
    // look for `\n` only, so such a text is read whole.
    let lone_cr = memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'));
    if lone_cr
        || bytes.first() == Some(&b'%')
        || memchr::memmem::find(bytes, b"\n%").is_some()
        || text.contains('\u{feff}')
    {
        return Vec::new();
    }
    let mut pieces = Vec::new();
    let (mut start, mut lines_before) = (0usize, 0u32);
    for newline in memchr::memmem::find_iter(bytes, b"\n---") {
        let line = newline + 1;
        let starts_document = matches!(
            bytes.get(line + 3),
            None | Some(b' ' | b'\t' | b'\r' | b'\n')
        );
        if !starts_document || line - start < min_len || bytes.len() - line < min_len {
            continue;
        }
        pieces.push((start, line, lines_before));
        lines_before += line_count(&bytes[start..line]);
        start = line;
    }
    pieces.push((start, bytes.len(), lines_before));
    pieces
}

/// The line breaks in `bytes` as YAML counts them: `\n`, `\r\n` and a lone `\r`.
fn line_count(bytes: &[u8]) -> u32 {
    let breaks = memchr::memchr2_iter(b'\n', b'\r', bytes)
        .filter(|&i| !(bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n')))
        .count();
    u32::try_from(breaks).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(docs: usize, filler: usize) -> String {
        let mut text = String::new();
        for i in 0..docs {
            text.push_str(&format!(
                "---\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n"
            ));
            for j in 0..filler {
                text.push_str(&format!("  key{j}: |\n    value {i} {j}\n    ---\n"));
            }
        }
        text
    }

    #[test]
    fn pieces_start_at_document_markers_and_cover_the_text() {
        let text = stream(40, 400);
        let pieces = cut(&text, 64 * 1024);
        assert!(pieces.len() > 2, "{} pieces", pieces.len());
        assert_eq!(pieces[0].0, 0);
        assert_eq!(pieces.last().unwrap().1, text.len());
        for w in pieces.windows(2) {
            assert_eq!(w[0].1, w[1].0);
            assert!(text[w[1].0..].starts_with("---\n"));
            assert_eq!(w[1].2 as usize, text[..w[1].0].matches('\n').count());
        }
    }

    #[test]
    fn same_documents_and_positions_as_one_piece() {
        let text = stream(40, 400);
        assert!(text.len() >= MIN_PARALLEL_BYTES);
        let whole = load_stream_with(&text, Schema::Yaml11, Duplicates::Error).unwrap();
        let pieces = cut(&text, MIN_PIECE_BYTES);
        let mut joined = Vec::new();
        for &(start, end, lines) in &pieces {
            let (docs, _) =
                load_piece(&text[start..end], lines, Schema::Yaml11, Duplicates::Error).unwrap();
            joined.extend(docs);
            assert!(text[end..].is_empty() || text[end..].starts_with("---\n"));
        }
        assert_eq!(joined.len(), 40);
        assert_eq!(joined, whole);
        let last_name = &joined[39].as_map().unwrap().get("metadata").unwrap();
        assert_eq!(
            last_name.pos,
            whole[39].as_map().unwrap().get("metadata").unwrap().pos
        );
        assert_eq!(
            load_stream_parallel(&text, Schema::Yaml11, Duplicates::Error).unwrap(),
            whole
        );
    }

    #[test]
    fn an_error_is_the_one_of_a_serial_read() {
        let mut text = stream(40, 400);
        // A duplicate key deep in the stream, and a syntax error after it.
        text.push_str("---\na: 1\na: 2\n");
        text.push_str(&stream(10, 400));
        text.push_str("---\nb: [\n");
        let serial = load_stream_with(&text, Schema::Yaml11, Duplicates::Error).unwrap_err();
        let parallel = load_stream_parallel(&text, Schema::Yaml11, Duplicates::Error).unwrap_err();
        assert_eq!(parallel, serial);
        assert!(
            parallel.message.contains("already defined"),
            "{}",
            parallel.message
        );
    }

    #[test]
    fn directives_and_short_texts_are_read_whole() {
        let text = format!("{}...\n%YAML 1.2\n---\na: 1\n", stream(40, 400));
        assert!(cut(&text, MIN_PIECE_BYTES).is_empty());
        assert_eq!(cut("a: 1\n---\nb: 2\n", 1).len(), 2);
        assert_eq!(cut("a: 1\n---x\nb: 2\n", 1).len(), 1);
        assert!(cut("a: 1\n---\rb: 1\r---\rc: 1\n---\nd: 1\n", 1).is_empty());
        assert_eq!(cut("a: 1\r\n---\r\nb: 2\r\n", 1).len(), 2);
    }
}
