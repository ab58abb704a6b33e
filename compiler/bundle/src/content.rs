//! A bundle file's bytes as the layout made them: one buffer (`index.json`, a file read
//! back from the cache), or a unit's YAML documents, joined by `---` lines only where one
//! buffer is needed (the cache's blobs, `kubake diff`); written and compared piece by
//! piece.
//!
//! Why not one buffer for every file: a unit can hold megabytes (a chart with its CRDs:
//! 4.7 MB for kube-prometheus-stack), and copying its documents into one buffer cost
//! 2-3 ms between the last render and the first write, in as many fresh pages (each a
//! page fault) as the file has bytes. Not here: what the documents hold (`lib`), writing
//! files atomically (`write`).

use std::io::Write;

/// The line between two documents of a file.
const SEPARATOR: &[u8] = b"---\n";

/// The size from which a file is hashed on all cores (blake3's guidance: below ~128 KiB,
/// splitting costs more than it saves).
const PARALLEL_FROM: usize = 128 << 10;

/// A bundle file's bytes.
#[derive(Clone, Debug)]
pub enum FileBytes {
    /// The bytes, in one buffer.
    Whole(Vec<u8>),
    /// YAML documents (each written by `kubake_yaml::to_yaml`, so ending in a line
    /// break), which the file holds joined by `---\n`.
    Documents(Vec<String>),
}

impl FileBytes {
    /// The file's bytes, piece by piece, in order.
    pub fn pieces(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let (whole, documents): (Option<&[u8]>, &[String]) = match self {
            FileBytes::Whole(bytes) => (Some(bytes.as_slice()), &[]),
            FileBytes::Documents(docs) => (None, docs.as_slice()),
        };
        let joined = documents.iter().enumerate().flat_map(|(i, doc)| {
            let separator: &[u8] = if i == 0 { &[] } else { SEPARATOR };
            [separator, doc.as_bytes()]
        });
        whole
            .into_iter()
            .chain(joined)
            .filter(|piece| !piece.is_empty())
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.pieces().map(<[u8]>::len).sum()
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes in one buffer (a copy).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len());
        for piece in self.pieces() {
            out.extend_from_slice(piece);
        }
        out
    }

    /// Whether the file holds exactly `bytes`.
    pub fn equals(&self, bytes: &[u8]) -> bool {
        let mut rest = bytes;
        for piece in self.pieces() {
            match rest.strip_prefix(piece) {
                Some(after) => rest = after,
                None => return false,
            }
        }
        rest.is_empty()
    }

    /// Writes the bytes to `w`, a piece at a time.
    pub fn write_to(&self, w: &mut impl Write) -> std::io::Result<()> {
        self.pieces().try_for_each(|piece| w.write_all(piece))
    }

    /// The BLAKE3 digest (hex) of the bytes, long pieces hashed on all cores.
    pub fn blake3(&self) -> String {
        let mut hasher = blake3::Hasher::new();
        for piece in self.pieces() {
            if piece.len() >= PARALLEL_FROM {
                hasher.update_rayon(piece);
            } else {
                hasher.update(piece);
            }
        }
        hasher.finalize().to_hex().to_string()
    }
}

impl From<Vec<u8>> for FileBytes {
    fn from(bytes: Vec<u8>) -> Self {
        FileBytes::Whole(bytes)
    }
}

/// Files are equal when their bytes are, however they are held.
impl PartialEq for FileBytes {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (FileBytes::Whole(a), b) | (b, FileBytes::Whole(a)) => b.equals(a),
            (a, b) => a.to_vec() == b.to_vec(),
        }
    }
}

impl Eq for FileBytes {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_joined_by_separator_lines_in_every_view() {
        let docs = FileBytes::Documents(vec!["a: 1\n".into(), "b: 2\n".into(), "c: 3\n".into()]);
        let joined = b"a: 1\n---\nb: 2\n---\nc: 3\n".to_vec();
        assert_eq!(docs.to_vec(), joined);
        assert_eq!(docs.len(), joined.len());
        assert!(docs.equals(&joined));
        assert!(!docs.equals(&joined[..joined.len() - 1]));
        assert!(!docs.equals(b"a: 1\n---\nb: 2\n---\nc: 3\nd: 4\n"));
        let mut written = Vec::new();
        docs.write_to(&mut written).unwrap();
        assert_eq!(written, joined);
        assert_eq!(docs.blake3(), blake3::hash(&joined).to_hex().to_string());
        assert_eq!(docs, FileBytes::Whole(joined));
        assert_ne!(docs, FileBytes::Whole(b"a: 1\n".to_vec()));
        // One document has no separator; none is an empty file.
        assert_eq!(
            FileBytes::Documents(vec!["a: 1\n".into()]).to_vec(),
            b"a: 1\n"
        );
        assert!(FileBytes::Documents(Vec::new()).is_empty());
    }

    #[test]
    fn a_long_file_hashes_as_its_bytes_do() {
        let big = "x: ".to_string() + &"y".repeat(PARALLEL_FROM) + "\n";
        let docs = FileBytes::Documents(vec![big.clone(), "z: 1\n".into(), big]);
        assert_eq!(
            docs.blake3(),
            blake3::hash(&docs.to_vec()).to_hex().to_string()
        );
    }
}
