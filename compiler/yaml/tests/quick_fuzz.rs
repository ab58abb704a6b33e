//! A seeded differential fuzz of the quick block-YAML reader against `saphyr-parser`:
//! random block YAML (odd indentation, blank and comment lines anywhere, trailing blanks
//! and tabs, keys and values starting with indicators, empty values and items,
//! indentless and compact sequences, multi-line plain and quoted scalars with escapes,
//! literal blocks with every header and chomping, flow sequences, `---` separators,
//! texts with and without a final line break, and random character mutations). Every
//! text the quick reader takes must load exactly as saphyr loads it. A run of 37 million
//! such texts found the six kinds of mismatch fixed in `quick`; this test keeps a
//! sample of that search in CI.

use kubake_yaml::load::{load_stream_full, quick_reader_takes};
use kubake_yaml::pieces::load_stream_in_pieces;
use kubake_yaml::{load_stream_with, Duplicates, Schema};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `Some((quick, full))` when the quick reader takes `text` and loads it differently.
fn mismatch(text: &str) -> Option<(String, String)> {
    if !quick_reader_takes(text) {
        return None;
    }
    for (s, d) in [
        (Schema::Core12, Duplicates::Error),
        (Schema::Yaml11, Duplicates::LastWins),
    ] {
        let quick = format!("{:?}", load_stream_with(text, s, d));
        let full = format!("{:?}", load_stream_full(text, s, d));
        if quick != full {
            return Some((quick, full));
        }
    }
    None
}

#[test]
fn random_block_yaml_loads_the_same_through_both_readers() {
    let (mut taken, cases) = (0, 20_000);
    for seed in 0..cases {
        let text = gen(&mut ChaCha8Rng::seed_from_u64(seed));
        if let Some((quick, full)) = mismatch(&text) {
            panic!("seed {seed}: {text:?}\nquick: {quick}\nfull:  {full}");
        }
        taken += usize::from(quick_reader_takes(&text));
    }
    // The generator aims at the subset; if the reader took almost nothing, the test
    // would prove nothing.
    assert!(
        taken * 10 > cases as usize,
        "the quick reader took only {taken} of {cases}"
    );
}

/// A stream cut at its document markers and read piece by piece (`pieces`) must load
/// as the whole text does: the same documents and positions, or the same error.
#[test]
fn random_streams_load_the_same_in_pieces() {
    let mut cut = 0;
    for seed in 0..20_000 {
        let text = gen(&mut ChaCha8Rng::seed_from_u64(seed));
        for (s, d) in [
            (Schema::Core12, Duplicates::Error),
            (Schema::Yaml11, Duplicates::LastWins),
        ] {
            let whole = format!("{:?}", load_stream_with(&text, s, d));
            let pieces = format!("{:?}", load_stream_in_pieces(&text, s, d, 1));
            assert_eq!(pieces, whole, "seed {seed}: {text:?}");
        }
        cut += usize::from(text.contains("\n---"));
    }
    assert!(
        cut > 2_000,
        "only {cut} texts had a document marker to cut at"
    );
}

#[test]
fn empty_flow_mappings_with_spaces_load_the_same_through_both_readers() {
    for text in [
        "a: { }\n",
        "- {  }  # c\n",
        "a:\n  { }\nb: 1\n",
        "- a: { }\n  b: {}\n",
    ] {
        assert!(quick_reader_takes(text), "{text:?}");
        assert_eq!(mismatch(text), None, "{text:?}");
    }
    for text in ["a: {\t}\n", "a: { }x\n", "a: { b }\n"] {
        assert_eq!(mismatch(text), None, "{text:?}");
    }
}

#[test]
fn folded_blocks_load_the_same_through_both_readers() {
    for text in [
        "a: >-\n  {{ if .x }}proxy_set_header X $u;{{ end }}\n# c\nb: 1\n",
        "a: >\n  one\n  two\n\n  three\n\n\n  four\n",
        "a: >+\n  one\n    more\n  two\n\n",
        "a: >-\n\n  first after a blank\n   spaced\n\n   spaced too\n  back\n",
        "- >\n  x\n   \n  y\n- z\n",
    ] {
        assert!(quick_reader_takes(text), "{text:?}");
        assert_eq!(mismatch(text), None, "{text:?}");
    }
    assert!(!quick_reader_takes("a: >\n  x\n  \ty\n"));
}

#[test]
fn empty_literal_blocks_load_the_same_through_both_readers() {
    let taken = [
        "a: |\n\nb: 1\n",
        "a: |-\nb: 1\n",
        "a: |  # note\n\n\n# c\nb: 1\n",
        "x:\n  a: |\n\n  # -- c\n  b: []\n",
        "x:\n  a: |\ny: 2\n",
        "- |\n- x\n",
        "- a: |\n  b: 2\n",
        "a: >-\nb: 1\n",
    ];
    for text in taken {
        assert!(quick_reader_takes(text), "{text:?}");
        assert_eq!(mismatch(text), None, "{text:?}");
    }
    // Left to the full parser: keep chomping, blanks with spaces, a document marker or
    // a tab next (the fuzz found the last).
    for text in [
        "a: |+\n\nb: 1\n",
        "a: |\n  \nb: 1\n",
        "a: |\n---\nb: 1\n",
        "---\n  \n-  #c #d\n  'a  b'\n- |-  # c\n\t  \n  \t\n  \n-\n  # comment\n\n",
    ] {
        assert!(!quick_reader_takes(text), "{text:?}");
    }
}

struct G<'r> {
    r: &'r mut ChaCha8Rng,
    out: Vec<String>,
    depth: usize,
    tame: bool,
}

const PLAIN: &[&str] = &[
    "a",
    "b",
    "x y",
    "1",
    "-1",
    "0x1F",
    "0o17",
    "012",
    "1e3",
    ".inf",
    "-.inf",
    ".nan",
    "true",
    "yes",
    "on",
    "No",
    "off",
    "null",
    "~",
    "Null",
    "",
    "-x",
    "?x",
    ":x",
    "x:y",
    "x#y",
    "a  b",
    "é",
    "日本語",
    "1_000",
    "+1",
    ".5",
    "1.",
    "2001-12-14",
    "<<",
    "=",
    "~x",
    "x'y",
    "x\"y",
    "x]",
    "x}",
    "x,y",
    "x[y",
    "x{y",
    "a: b",
    "a:",
    "---",
    "...",
    "- x",
    "x\ty",
    "x\\y",
    "0b101",
    "0.",
    "1:20",
    "-",
    "?",
    ":",
    "%x",
    "@x",
    "`x",
    "!x",
    "&x",
    "*x",
    "|",
    ">",
    "#x",
    "x #c",
    "\u{a0}x",
    "x\u{a0}",
    "\u{85}",
    "\u{2028}x",
    "\u{feff}x",
    "x\u{7}",
    "😀",
    "y",
    "Y",
    "n",
    "0",
    "-0",
    "+.inf",
    "1.0e+3",
    "0x",
    "0o",
    "1__0",
    "3:25:45",
];
const KEYS: &[&str] = &[
    "a",
    "b",
    "c",
    "key",
    "a b",
    "é",
    "日本",
    "<<",
    "1",
    "true",
    "~",
    "null",
    "x:y",
    "x#y",
    "'q'",
    "\"dq\"",
    "'it''s'",
    "\"e\\tx\"",
    "\"\"",
    "''",
    "k.x",
    "-k",
    "?k",
    ":k",
    "k ",
    "k\t",
    "[k]",
    "{k}",
    "k'",
    "k\"",
    "\u{a0}k",
    "..k",
    "--k",
    "k\\",
    "\"a:b\"",
    "'a: b'",
    "'#'",
    "\"\\u00e9\"",
    "0",
    "y",
    "on",
    "=",
    "...",
];
const WORDS: &[&str] = &[
    "x",
    "y",
    "foo",
    "bar baz",
    "1",
    "#",
    "-",
    ":",
    "'",
    "\"",
    "\\",
    "\\n",
    "\\t",
    "\\x41",
    "\\u00e9",
    "\\\"",
    "''",
    " ",
    "  ",
    "\t",
    "é",
    "\\ ",
    "\\\\",
    "\\q",
    "\\U0001F600",
    "\\/",
    "\\N",
    "\\_",
    "\\0",
    "\\e",
    "\\L",
    "\\P",
    "\\x",
    "\\uD800",
    "a: b",
    "a #b",
    "- x",
    "[",
    "]",
    "{",
    "}",
    "|",
    "&",
    "*",
    "!",
];

impl<'r> G<'r> {
    fn p(&mut self, n: u32) -> bool {
        self.r.gen_ratio(1, n)
    }
    fn pick<T: Copy + AsRef<str>>(&mut self, v: &[T]) -> T {
        for _ in 0..8 {
            let x = *v.choose(self.r).unwrap();
            if !self.tame
                || !x.as_ref().contains([
                    '\t', '[', ']', '{', '}', '&', '*', '!', '%', '@', '`', '>', '\u{feff}',
                    '\u{85}', '\u{7}', '\u{2028}',
                ])
            {
                return x;
            }
        }
        *v.choose(self.r).unwrap()
    }
    fn ws(&mut self) -> String {
        let mut s = String::new();
        for _ in 0..self.r.gen_range(0..4) {
            s.push(if !self.tame && self.p(4) { '\t' } else { ' ' });
        }
        s
    }
    fn trail(&mut self) -> String {
        match self.r.gen_range(0..12) {
            0 => " ".into(),
            1 => (if self.tame { "  " } else { "\t" }).into(),
            2 => " # c".into(),
            3 => "  #c #d".into(),
            4 => (if self.tame { " #" } else { "\t# t" }).into(),
            5 => (if self.tame { "" } else { "#nc" }).into(),
            6 => "   ".into(),
            _ => String::new(),
        }
    }
    fn filler(&mut self, indent: usize) {
        // blank or comment lines
        while self.p(5) {
            let l = match self.r.gen_range(0..6) {
                0 => String::new(),
                1 => self.ws(),
                2 => format!("{}# comment", " ".repeat(self.r.gen_range(0..indent + 3))),
                3 => "#".to_string(),
                4 => " ".repeat(self.r.gen_range(0..indent + 4)),
                _ => format!("{}\t# tc", " ".repeat(self.r.gen_range(0..3))),
            };
            self.out.push(l);
        }
    }
    fn key(&mut self) -> String {
        let mut k = if self.p(3) {
            self.pick(KEYS).to_string()
        } else {
            ["a", "b", "c", "d", "e", "f"][self.r.gen_range(0..6)].to_string()
        };
        if self.p(10) {
            k.push_str(&" ".repeat(self.r.gen_range(1..3)));
        }
        k
    }
    fn word(&mut self) -> String {
        let mut s = String::new();
        for _ in 0..self.r.gen_range(0..4) {
            s.push_str(self.pick(WORDS));
        }
        s
    }
    fn ind(&mut self, parent: usize) -> usize {
        match self.r.gen_range(0..10) {
            0 => parent,
            1 => parent + 1,
            2 => parent + 3,
            3 => parent.saturating_sub(1),
            4 => parent + 4,
            _ => parent + 2,
        }
    }
    /// Writes the value after `head` (the line so far, e.g. "  key:" or "  -"). parent = column of key/dash.
    fn value(&mut self, head: String, parent: usize, is_key: bool) {
        let kind = if self.depth > 4 {
            self.r.gen_range(0..9)
        } else {
            self.r.gen_range(0..14)
        };
        let sp = if self.p(12) {
            "".to_string()
        } else if self.p(6) {
            "  ".into()
        } else {
            " ".into()
        };
        match kind {
            0 | 1 => {
                let v = self.pick(PLAIN).to_string();
                let t = self.trail();
                self.out.push(format!("{head}{sp}{v}{t}"));
            }
            2 => {
                // multi-line plain
                let t = self.trail();
                let v = self.pick(PLAIN);
                self.out.push(format!("{head}{sp}{v}{t}"));
                for _ in 0..self.r.gen_range(1..4) {
                    self.filler(parent);
                    if self.p(3) {
                        let w = self.ws();
                        self.out.push(w);
                    }
                    let i = self.ind(parent);
                    let t = self.trail();
                    let v = self.pick(PLAIN);
                    self.out.push(format!("{}{v}{t}", " ".repeat(i)));
                }
            }
            3 | 4 => {
                // quoted, maybe multi-line
                let q = if self.p(2) { '\'' } else { '"' };
                let mut s = format!("{head}{sp}{q}{}", self.word());
                let lines = if self.p(2) { 0 } else { self.r.gen_range(1..4) };
                for _ in 0..lines {
                    let ws = self.ws();
                    self.out.push(format!("{s}{ws}"));
                    if self.p(3) {
                        let w = self.ws();
                        self.out.push(w);
                    }
                    let i = self.ind(parent);
                    let ws = self.ws();
                    s = format!("{}{ws}{}", " ".repeat(i), self.word());
                }
                let t = self.trail();
                self.out.push(format!("{s}{q}{t}"));
            }
            5 | 6 => {
                let h = self.pick(&[
                    "|", "|-", "|+", "| ", "|-  # c", "|+\t", "|2", "|#x", ">", "|1-", ">-", ">+",
                    "> # c", ">2",
                ]);
                self.out.push(format!("{head}{sp}{h}"));
                let base = self.ind(parent).max(if self.p(8) { 0 } else { parent + 1 });
                for _ in 0..self.r.gen_range(0..3) {
                    let n = self.r.gen_range(0..base + 3);
                    self.out.push(" ".repeat(n));
                }
                for _ in 0..self.r.gen_range(1..5) {
                    match self.r.gen_range(0..8) {
                        0 => {
                            let n = self.r.gen_range(0..base + 3);
                            self.out.push(" ".repeat(n));
                        }
                        1 => {
                            let w = self.ws();
                            self.out.push(w);
                        }
                        2 => {
                            let e = self.r.gen_range(0..3);
                            let w = self.word();
                            self.out.push(format!("{}{}", " ".repeat(base + e), w));
                        }
                        3 => self.out.push(format!("{}# not comment", " ".repeat(base))),
                        _ => {
                            let w = self.word();
                            let t = self.trail();
                            self.out.push(format!(
                                "{}{}{}",
                                " ".repeat(base),
                                if w.is_empty() { "t".to_string() } else { w },
                                t
                            ));
                        }
                    }
                }
                for _ in 0..self.r.gen_range(0..3) {
                    let n = self.r.gen_range(0..base + 3);
                    self.out.push(" ".repeat(n));
                }
            }
            7 if self.p(2) => {
                let items = [
                    "a",
                    "b c",
                    "1",
                    "-1",
                    "-x",
                    "x -",
                    "x - y",
                    "?",
                    "?x",
                    "x?",
                    ".",
                    "é",
                    "日 本",
                    "'q'",
                    "'q''r'",
                    "\"d\"",
                    "\"\\t\"",
                    "''",
                    "\"\"",
                    "~",
                    "true",
                    "x!",
                    "x&",
                    "x*",
                    "x|",
                    "x>",
                    "x%",
                    "x@",
                    "x`",
                    "x=",
                    "x/",
                    "x\\",
                    "0x1",
                    "1e2",
                    "x.",
                    "a  b",
                    "\"a\\\"b\"",
                    "'#'",
                    "\"]\"",
                    "','",
                    "x-",
                    "x?y",
                    "\u{a0}",
                    "x\u{a0}",
                    "😀",
                ];
                let seps = [", ", ",", " , ", " ,", ",  "];
                let n = self.r.gen_range(0..4);
                let mut f = String::from(if self.p(3) { "[ " } else { "[" });
                for k in 0..n {
                    if k > 0 {
                        f.push_str(self.pick(&seps));
                    }
                    f.push_str(self.pick(&items));
                }
                f.push_str(if self.p(3) { " ]" } else { "]" });
                let t = self.trail();
                self.out.push(format!("{head}{sp}{f}{t}"));
            }
            7 => {
                let f = self.pick(&[
                    "[]",
                    "[ ]",
                    "[a, b]",
                    "[a,b]",
                    "['x', \"y\"]",
                    "[ 1 , true ]",
                    "[a b, c]",
                    "[x]",
                    "[\"a\\tb\"]",
                    "['']",
                    "[é, 日]",
                    "[a, ]",
                    "[~, null]",
                    "{}",
                    "{ }",
                    "[a]x",
                    "[a] #c",
                    "[.5, -x]",
                    "[x, 'y''z']",
                ]);
                let t = self.trail();
                self.out.push(format!("{head}{sp}{f}{t}"));
            }
            8 => {
                let t = self.trail();
                self.out.push(format!("{head}{t}"));
            } // empty
            9 | 10 => {
                // nested mapping on next lines
                let t = self.trail();
                self.out.push(format!("{head}{t}"));
                self.filler(parent);
                let i = self.ind(parent);
                self.depth += 1;
                self.mapping(i);
                self.depth -= 1;
            }
            11 | 12 => {
                let t = self.trail();
                self.out.push(format!("{head}{t}"));
                self.filler(parent);
                let i = if is_key && self.p(2) {
                    parent
                } else {
                    self.ind(parent)
                };
                self.depth += 1;
                self.sequence(i);
                self.depth -= 1;
            }
            _ => {
                // scalar on next line
                let t = self.trail();
                self.out.push(format!("{head}{t}"));
                let i = self.ind(parent);
                let v = self.pick(PLAIN);
                let v = if self.p(3) {
                    format!("'{v}'")
                } else if self.p(4) {
                    "{}".into()
                } else {
                    v.to_string()
                };
                self.out.push(format!("{}{}", " ".repeat(i), v));
            }
        }
    }
    fn mapping(&mut self, indent: usize) {
        let n = self.r.gen_range(1..4);
        for _ in 0..n {
            self.filler(indent);
            let k = self.key();
            let i = if self.p(30) { self.ind(indent) } else { indent };
            self.value(format!("{}{}:", " ".repeat(i), k), i, true);
        }
    }
    fn sequence(&mut self, indent: usize) {
        let n = self.r.gen_range(1..4);
        for _ in 0..n {
            self.filler(indent);
            let i = if self.p(30) { self.ind(indent) } else { indent };
            if self.p(3) && self.depth < 5 {
                // compact mapping
                let gap = if self.p(5) { 3 } else { 1 };
                let k = self.key();
                let col = i + 1 + gap;
                self.value(
                    format!("{}-{}{}:", " ".repeat(i), " ".repeat(gap), k),
                    col,
                    true,
                );
                for _ in 0..self.r.gen_range(0..3) {
                    self.filler(col);
                    let k = self.key();
                    let c2 = if self.p(20) { self.ind(col) } else { col };
                    self.value(format!("{}{}:", " ".repeat(c2), k), c2, true);
                }
            } else {
                self.value(format!("{}-", " ".repeat(i)), i, false);
            }
        }
    }
    fn doc(&mut self) {
        let base = if self.p(6) { self.r.gen_range(1..4) } else { 0 };
        if self.p(3) {
            self.sequence(base)
        } else {
            self.mapping(base)
        }
    }
}

fn gen(r: &mut ChaCha8Rng) -> String {
    let tame = r.gen_ratio(1, 2);
    let mut g = G {
        r,
        out: vec![],
        depth: 0,
        tame,
    };
    if g.p(8) {
        g.out.push("# head".into());
    }
    if g.p(6) {
        let m = g.pick(&["---", "--- # c", "---  ", "---\t"]);
        g.out.push(m.into());
    }
    g.doc();
    while g.p(3) {
        g.filler(0);
        let m = g.pick(&["---", "--- # c", "---  ", "---\t", "...\n---", "---\n# c"]);
        g.out.push(m.into());
        g.doc();
    }
    g.filler(0);
    let mut s = g.out.join("\n");
    match g.r.gen_range(0..6) {
        0 => {}
        1 => s.push_str("\n\n"),
        2 => s.push_str("\n  "),
        _ => s.push('\n'),
    }
    // mutations
    if !g.tame && g.r.gen_ratio(1, 4) {
        for _ in 0..g.r.gen_range(1..4) {
            let idxs: Vec<usize> = s
                .char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(s.len()))
                .collect();
            let at = *idxs.choose(g.r).unwrap();
            match g.r.gen_range(0..3) {
                0 | 1 => {
                    let c = *[
                        ' ', '\t', '#', ':', '-', '\'', '"', '\n', '|', 'x', '\\', '\u{feff}',
                        '\u{85}', '\u{2028}', '\u{a0}', '\r', ' ', '\n', '?', '[', ',', '\u{0}',
                        '\u{1f}', '\u{7f}', '\u{fffe}', '\u{e000}',
                    ]
                    .choose(g.r)
                    .unwrap();
                    s.insert(at, c);
                }
                _ => {
                    if at < s.len() {
                        let c = s[at..].chars().next().unwrap();
                        s.replace_range(at..at + c.len_utf8(), "");
                    }
                }
            }
        }
    }
    s
}
