//! The parse tree: Go's `text/template/parse` nodes, each with its byte position, and
//! `Display` giving Go's `Node.String()` (what errors show between `<` and `>`).
//!
//! Not here: evaluation, and line/column computation (done from the position only when
//! an error is reported, see [`Tree::location`]).

use std::fmt;
use std::sync::Arc;

/// A byte offset in the template's text (texts are under 4 GiB: the parser refuses
/// bigger ones), 32 bits so that nodes stay small.
pub type Pos = u32;

/// An identifier, field name or constant as the parser shares it: one allocation per
/// distinct spelling in a file, however often it occurs (`.Values`, `include`, `"app"`).
pub type Name = Arc<str>;

/// One parsed template: the top-level text of a file or a `define`/`block` body.
#[derive(Debug)]
pub struct Tree {
    /// The template's name (file name, or the `define`d name).
    pub name: String,
    /// The file being parsed when this tree was made (Go's `ParseName`).
    pub parse_name: Arc<str>,
    /// The whole text of that file, for locating nodes.
    pub text: Arc<str>,
    /// The body.
    pub root: Box<[Node]>,
}

impl Tree {
    /// Go's `ErrorContext` location: `(line, column)` of byte offset `pos`, the column
    /// being the 0-based byte offset within the line.
    pub fn location(&self, pos: Pos) -> (usize, usize) {
        let pos = pos as usize;
        let before = self.text.get(..pos).unwrap_or(&self.text);
        let line = 1 + before.matches('\n').count();
        let col = match before.rfind('\n') {
            Some(nl) => pos - (nl + 1),
            None => pos,
        };
        (line, col)
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        dismantle(std::mem::take(&mut self.root).into_vec(), Vec::new());
    }
}

impl Drop for Branch {
    fn drop(&mut self) {
        if !self.list.is_empty() || self.else_list.is_some() || !self.pipe.cmds.is_empty() {
            let mut nodes = std::mem::take(&mut self.list).into_vec();
            nodes.extend(
                self.else_list
                    .take()
                    .into_iter()
                    .flat_map(<[Node]>::into_vec),
            );
            dismantle(nodes, std::mem::take(&mut self.pipe.cmds).into_vec());
        }
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        if !self.cmds.is_empty() {
            dismantle(Vec::new(), std::mem::take(&mut self.cmds).into_vec());
        }
    }
}

/// Drops nodes and commands iteratively: a deeply nested template (thousands of `if`s
/// or parentheses) would otherwise overflow the stack in the recursive drop glue.
/// Every branch and pipe is emptied before it is dropped, so their own `Drop` impls do
/// no recursive work.
fn dismantle(mut nodes: Vec<Node>, mut cmds: Vec<Command>) {
    let mut args: Vec<Arg> = Vec::new();
    loop {
        if let Some(node) = nodes.pop() {
            match node {
                Node::If(mut b) | Node::Range(mut b) | Node::With(mut b) => {
                    nodes.extend(std::mem::take(&mut b.list));
                    nodes.extend(b.else_list.take().into_iter().flat_map(<[Node]>::into_vec));
                    cmds.extend(std::mem::take(&mut b.pipe.cmds));
                }
                Node::Action { mut pipe, .. }
                | Node::Template {
                    pipe: Some(mut pipe),
                    ..
                } => cmds.extend(std::mem::take(&mut pipe.cmds)),
                _ => {}
            }
        } else if let Some(mut cmd) = cmds.pop() {
            args.extend(std::mem::take(&mut cmd.args));
        } else if let Some(arg) = args.pop() {
            match arg {
                Arg::Pipe(mut p) => cmds.extend(std::mem::take(&mut p.cmds)),
                Arg::Chain { node, .. } => args.push(*node),
                _ => {}
            }
        } else {
            break;
        }
    }
}

/// A node of a template body.
///
/// Kept small (32 bytes: the big parts are boxed, text is a span of the file) because a
/// chart's templates are hundreds of thousands of nodes, and parsing them is mostly
/// touching fresh memory.
#[derive(Debug)]
pub enum Node {
    /// Literal text.
    Text(TextSpan),
    /// `{{pipeline}}`
    Action {
        /// Byte offset.
        pos: Pos,
        /// The pipeline.
        pipe: Box<Pipe>,
    },
    /// `{{if}}`
    If(Box<Branch>),
    /// `{{range}}`
    Range(Box<Branch>),
    /// `{{with}}`
    With(Box<Branch>),
    /// `{{template "name" pipeline}}`
    Template {
        /// Byte offset.
        pos: Pos,
        /// The template name.
        name: Name,
        /// The data pipeline, if any.
        pipe: Option<Box<Pipe>>,
    },
    /// `{{break}}`
    Break,
    /// `{{continue}}`
    Continue,
}

/// Literal text: a byte range of the template's source, which it shares (no copy).
#[derive(Clone)]
pub struct TextSpan {
    source: Arc<str>,
    start: u32,
    end: u32,
}

impl TextSpan {
    /// The span `range` of `source`; `None` when it is not a range of char boundaries
    /// or the source is over 4 GiB.
    pub fn new(source: Arc<str>, range: std::ops::Range<usize>) -> Option<TextSpan> {
        source.get(range.clone())?;
        Some(TextSpan {
            start: u32::try_from(range.start).ok()?,
            end: u32::try_from(range.end).ok()?,
            source,
        })
    }

    /// A span over its own copy of `text` (empty for text over 4 GiB, which the parser
    /// refuses before making any span).
    pub fn copied(text: &str) -> TextSpan {
        TextSpan {
            end: u32::try_from(text.len()).unwrap_or(0),
            start: 0,
            source: Arc::from(text),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.source[self.start as usize..self.end as usize]
    }
}

impl std::ops::Deref for TextSpan {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for TextSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The shared shape of `if`, `range` and `with`.
#[derive(Debug)]
pub struct Branch {
    /// Byte offset (of the pipeline, as in Go).
    pub pos: Pos,
    /// The condition / range / with pipeline.
    pub pipe: Pipe,
    /// The body.
    pub list: Box<[Node]>,
    /// The `else` body.
    pub else_list: Option<Box<[Node]>>,
}

/// A pipeline, with optional variable declarations (`$x := ...`) or assignments.
#[derive(Debug)]
pub struct Pipe {
    /// Byte offset.
    pub pos: Pos,
    /// Whether the variables are assigned (`=`) rather than declared (`:=`).
    pub is_assign: bool,
    /// Declared/assigned variable names (`$x`).
    pub decl: Box<[Name]>,
    /// The commands.
    pub cmds: Box<[Command]>,
}

/// One command of a pipeline: a function, method or operand with arguments.
#[derive(Debug)]
pub struct Command {
    /// Byte offset.
    pub pos: Pos,
    /// Operands; the first one is the function when it is an identifier.
    pub args: Box<[Arg]>,
}

/// An operand.
#[derive(Debug)]
pub enum Arg {
    /// `.X.Y`
    Field {
        /// Byte offset.
        pos: Pos,
        /// Field names without dots.
        idents: Box<[Name]>,
    },
    /// `(pipe).X.Y` or `$x`-less chains on other terms.
    Chain {
        /// Byte offset.
        pos: Pos,
        /// The term the fields apply to.
        node: Box<Arg>,
        /// Field names without dots.
        fields: Box<[Name]>,
    },
    /// A function name.
    Identifier {
        /// Byte offset.
        pos: Pos,
        /// The name.
        name: Name,
    },
    /// `$x.Y.Z`: the variable name then fields.
    Variable {
        /// Byte offset.
        pos: Pos,
        /// `$x` followed by field names.
        idents: Box<[Name]>,
    },
    /// `.`
    Dot {
        /// Byte offset.
        pos: Pos,
    },
    /// `nil`
    Nil {
        /// Byte offset.
        pos: Pos,
    },
    /// `true` / `false`
    Bool {
        /// Byte offset.
        pos: Pos,
        /// The value.
        value: bool,
    },
    /// A number constant.
    Number(Box<Number>),
    /// A string constant.
    String {
        /// Byte offset.
        pos: Pos,
        /// Written between backquotes.
        raw: bool,
        /// The source text with quotes, when it is not `text` between its quotes (an
        /// escape, or a carriage return dropped from a raw string): most constants
        /// need no second copy.
        quoted: Option<Name>,
        /// The unquoted value.
        text: Arc<str>,
    },
    /// `(pipeline)`
    Pipe(Box<Pipe>),
}

impl Arg {
    /// Byte offset.
    pub fn pos(&self) -> Pos {
        match self {
            Arg::Field { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Identifier { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::String { pos, .. } => *pos,
            Arg::Number(n) => n.pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

/// A number constant, stored under every type that can hold it (Go's ideal constants).
#[derive(Debug, Clone, Default)]
pub struct Number {
    /// Byte offset.
    pub pos: Pos,
    /// The source text.
    pub text: String,
    /// Has an `int64` value.
    pub is_int: bool,
    /// Has a `uint64` value.
    pub is_uint: bool,
    /// Has a `float64` value.
    pub is_float: bool,
    /// Is complex (with a non-zero imaginary part, or written as complex).
    pub is_complex: bool,
    /// The signed value.
    pub int64: i64,
    /// The unsigned value.
    pub uint64: u64,
    /// The float value.
    pub float64: f64,
    /// The complex value (real, imaginary).
    pub complex: (f64, f64),
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            f.write_str(&self.decl.join(", "))?;
            f.write_str(" := ")?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            match a {
                Arg::Pipe(p) => write!(f, "({p})")?,
                other => write!(f, "{other}")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { idents, .. } => {
                for id in idents {
                    write!(f, ".{id}")?;
                }
                Ok(())
            }
            Arg::Chain { node, fields, .. } => {
                match node.as_ref() {
                    Arg::Pipe(p) => write!(f, "({p})")?,
                    other => write!(f, "{other}")?,
                }
                for field in fields {
                    write!(f, ".{field}")?;
                }
                Ok(())
            }
            Arg::Identifier { name, .. } => f.write_str(name),
            Arg::Variable { idents, .. } => f.write_str(&idents.join(".")),
            Arg::Dot { .. } => f.write_str("."),
            Arg::Nil { .. } => f.write_str("nil"),
            Arg::Bool { value, .. } => f.write_str(if *value { "true" } else { "false" }),
            Arg::Number(n) => f.write_str(&n.text),
            Arg::String {
                quoted: Some(quoted),
                ..
            } => f.write_str(quoted),
            Arg::String {
                raw: true, text, ..
            } => write!(f, "`{text}`"),
            Arg::String { text, .. } => write!(f, "\"{text}\""),
            Arg::Pipe(p) => write!(f, "{p}"),
        }
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, list: &[Node]) -> fmt::Result {
    for n in list {
        write!(f, "{n}")?;
    }
    Ok(())
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let branch = |f: &mut fmt::Formatter<'_>, name: &str, b: &Branch| {
            write!(f, "{{{{{name} {}}}}}", b.pipe)?;
            write_list(f, &b.list)?;
            if let Some(else_list) = &b.else_list {
                f.write_str("{{else}}")?;
                write_list(f, else_list)?;
            }
            f.write_str("{{end}}")
        };
        match self {
            Node::Text(t) => f.write_str(t.as_str()),
            Node::Action { pipe, .. } => write!(f, "{{{{{pipe}}}}}"),
            Node::If(b) => branch(f, "if", b),
            Node::Range(b) => branch(f, "range", b),
            Node::With(b) => branch(f, "with", b),
            Node::Template { name, pipe, .. } => {
                write!(f, "{{{{template {}", crate::fmt::quote_go(name))?;
                if let Some(p) = pipe {
                    write!(f, " {p}")?;
                }
                f.write_str("}}")
            }
            Node::Break => f.write_str("{{break}}"),
            Node::Continue => f.write_str("{{continue}}"),
        }
    }
}

/// Go's `parse.IsEmptyTree`: nothing but whitespace text and comments.
pub fn is_empty_tree(list: &[Node]) -> bool {
    list.iter()
        .all(|n| matches!(n, Node::Text(t) if t.trim_matches(is_go_space).is_empty()))
}

/// `bytes.TrimSpace`'s notion of space (Unicode white space).
fn is_go_space(c: char) -> bool {
    c.is_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_go_columns() {
        let t = Tree {
            name: "t".into(),
            parse_name: "t".into(),
            text: "ab\ncd{{x}}".into(),
            root: Box::default(),
        };
        assert_eq!(t.location(1), (1, 1));
        assert_eq!(t.location(5), (2, 2));
    }
    /// A chart's templates are hundreds of thousands of these: a field that makes one
    /// bigger shows in every render's memory and page faults.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn nodes_stay_small() {
        use std::mem::size_of;
        assert_eq!(size_of::<Node>(), 32);
        assert_eq!(size_of::<Arg>(), 40);
        assert_eq!(size_of::<Command>(), 24);
        assert_eq!(size_of::<Pipe>(), 40);
        assert_eq!(size_of::<Branch>(), 80);
    }
}
