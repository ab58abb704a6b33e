//! The parser: items to [`Tree`]s, following Go's `parse.go` rule for rule so that the
//! same inputs fail with the same messages and line numbers (`unexpected "," in
//! operand`, `missing value for command`, `undefined variable "$x"`, `function "foo" not
//! defined`, `unclosed action started at NAME:LINE`...).
//!
//! One parse yields the file's own tree plus one per `define`/`block`, in the order
//! found; two non-empty definitions of one name in the same text are an error (Go's
//! `Tree.add`). Merging into a template set is the set's job. Nesting is bounded: Go's
//! 10000 levels of parentheses (`max expression depth exceeded`), and the same bound on
//! nested control structures so no input can exhaust the stack.

use std::borrow::Cow;
use std::sync::Arc;

use crate::ast::{
    is_empty_tree, Arg, Branch, Command, Name, Node, Number, Pipe, Pos, TextSpan, Tree,
};
use crate::error::Error;
use crate::lexer::{Item, ItemKind, Lexer};
use crate::number;

/// Go's `maxStackDepth` for parenthesised expressions.
const MAX_PAREN_DEPTH: usize = 10000;
/// Our bound on nested `if`/`range`/`with`/`define` bodies (Go has none; its stack grows
/// to a gigabyte).
const MAX_CONTROL_DEPTH: usize = 10000;
/// Go's `maxPipelineCmds`.
const MAX_PIPELINE_CMDS: usize = 100000;

/// Per-tree parsing state Go keeps in each `Tree` (a `define` or `block` starts afresh).
struct TreeState {
    vars: Vec<String>,
    action_line: usize,
    range_depth: usize,
    paren_depth: usize,
}

impl TreeState {
    fn new() -> TreeState {
        TreeState {
            vars: vec!["$".to_string()],
            action_line: 0,
            range_depth: 0,
            paren_depth: 0,
        }
    }
}

struct Parser<'a, 'f> {
    lex: Lexer<'a>,
    token: [Item<'a>; 3],
    peek_count: usize,
    parse_name: Arc<str>,
    text: Arc<str>,
    st: TreeState,
    control_depth: usize,
    has_function: &'f dyn Fn(&str) -> bool,
    trees: Vec<Tree>,
    /// Every name and string constant already made, shared by later uses; and the
    /// stacks the lists being parsed grow on, so that each list is allocated once at
    /// its final size (most are one or two items; grown in place they would each take
    /// room for four).
    reused: Reused,
}

#[derive(Default)]
struct Scratch {
    nodes: Vec<Node>,
    cmds: Vec<Command>,
    args: Vec<Arg>,
    names: Vec<Name>,
}

impl Scratch {
    /// Empties the stacks (a parse that failed leaves items on them).
    fn clear(&mut self) {
        self.nodes.clear();
        self.cmds.clear();
        self.args.clear();
        self.names.clear();
    }

    /// Gives back the room of stacks that grew past `items`.
    fn shrink_to(&mut self, items: usize) {
        self.nodes.shrink_to(items);
        self.cmds.shrink_to(items);
        self.args.shrink_to(items);
        self.names.shrink_to(items);
    }
}

/// The items pushed on `stack` since it was `base` long, as a boxed slice.
fn take_from<T>(stack: &mut Vec<T>, base: usize) -> Box<[T]> {
    stack.drain(base..).collect()
}

/// Parses `text` as template `name`; returns the trees of the text: `name` itself and
/// every `define`/`block` in it.
pub(crate) fn parse(
    name: &str,
    shared_text: Arc<str>,
    delims: (&str, &str),
    has_function: &dyn Fn(&str) -> bool,
) -> Result<Vec<Tree>, Error> {
    if u32::try_from(shared_text.len()).is_err() {
        // Text spans and positions are 32-bit; no real template comes near.
        return Err(Error::syntax(name, 1, "template text is over 4 GiB"));
    }
    let whole = shared_text.clone();
    let text: &str = &whole;
    let eof = Item {
        kind: ItemKind::Eof,
        pos: 0,
        val: "",
        line: 0,
    };
    let mut p = Parser {
        lex: Lexer::new(
            text,
            delims.0,
            delims.1,
            !has_function("break"),
            !has_function("continue"),
        ),
        token: [eof; 3],
        peek_count: 0,
        parse_name: Arc::from(name),
        text: shared_text,
        st: TreeState::new(),
        control_depth: 0,
        has_function,
        trees: Vec::new(),
        reused: REUSED.take(),
    };
    let parsed = p.parse_top().and_then(|root| p.add(name.to_string(), root));
    p.reused.scratch.clear();
    if p.reused.names.len() > MAX_REUSED_NAMES {
        p.reused.names = NameSet::default();
    }
    // Long-lived threads (a GitOps build's pool) keep what they hold: not the stacks
    // one huge template grew.
    p.reused.scratch.shrink_to(MAX_REUSED_SCRATCH);
    REUSED.set(std::mem::take(&mut p.reused));
    parsed.map(|()| p.trees)
}

/// Past this many names, a thread's set of names starts afresh (it only saves work).
const MAX_REUSED_NAMES: usize = 1 << 16;
/// Names and constants longer than this are not shared: the names files share are
/// short (`Values`, helper names), long constants are a file's own text, which a
/// thread would otherwise keep.
const MAX_SHARED_NAME_LEN: usize = 256;
/// Items each scratch stack keeps room for between parses.
const MAX_REUSED_SCRATCH: usize = 4096;

type NameSet = foldhash::HashSet<Name>;

/// What one parse leaves to the next on the same thread: the names made so far (a
/// chart's files share most of theirs: `Values`, `include`, its helpers' names) and the
/// scratch stacks at the size they grew to.
#[derive(Default)]
struct Reused {
    names: NameSet,
    scratch: Scratch,
}

thread_local! {
    static REUSED: std::cell::Cell<Reused> = std::cell::Cell::new(Reused::default());
}

type PResult<T> = Result<T, Error>;

impl<'a> Parser<'a, '_> {
    fn next(&mut self) -> Item<'a> {
        if self.peek_count > 0 {
            self.peek_count -= 1;
        } else {
            self.token[0] = self.lex.next_item();
        }
        self.token[self.peek_count]
    }

    /// `val`, a slice of the source the lexer reads, as a span of the shared source.
    fn text_span(&self, val: &str) -> TextSpan {
        let at = (val.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        let span = TextSpan::new(self.text.clone(), at..at.saturating_add(val.len()));
        // The lexer always borrows text items from the source (checked by the bound on
        // the source size in `parse`); a copy keeps this correct if that ever changes.
        span.unwrap_or_else(|| TextSpan::copied(val))
    }

    /// The shared copy of `text` (see [`Name`]); a long constant gets its own.
    fn name(&mut self, text: &str) -> Name {
        if text.len() > MAX_SHARED_NAME_LEN {
            return Arc::from(text);
        }
        if let Some(name) = self.reused.names.get(text) {
            return name.clone();
        }
        let name: Name = Arc::from(text);
        self.reused.names.insert(name.clone());
        name
    }

    fn backup(&mut self) {
        self.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item<'a>) {
        self.token[1] = t1;
        self.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item<'a>, t1: Item<'a>) {
        self.token[1] = t1;
        self.token[2] = t2;
        self.peek_count = 3;
    }

    fn peek(&mut self) -> Item<'a> {
        if self.peek_count > 0 {
            return self.token[self.peek_count - 1];
        }
        self.peek_count = 1;
        self.token[0] = self.lex.next_item();
        self.token[0]
    }

    fn next_non_space(&mut self) -> Item<'a> {
        loop {
            let t = self.next();
            if t.kind != ItemKind::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item<'a> {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn errorf<T>(&self, msg: impl Into<String>) -> PResult<T> {
        Err(Error::syntax(&self.parse_name, self.token[0].line, msg))
    }

    fn expect(&mut self, kind: ItemKind, context: &str) -> PResult<Item<'a>> {
        let t = self.next_non_space();
        if t.kind != kind {
            return self.unexpected(&t, context);
        }
        Ok(t)
    }

    fn unexpected<T>(&self, token: &Item<'_>, context: &str) -> PResult<T> {
        if token.kind == ItemKind::Error {
            let mut extra = String::new();
            if self.st.action_line != 0 && self.st.action_line != token.line {
                extra = format!(
                    " in action started at {}:{}",
                    self.parse_name, self.st.action_line
                );
                if self.lex.error_message().ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{}{extra}", self.lex.error_message()));
        }
        self.errorf(format!("unexpected {token} in {context}"))
    }

    /// Go's `Tree.add`, over the trees of this one parse.
    fn add(&mut self, name: String, root: Box<[Node]>) -> PResult<()> {
        if let Some(i) = self.trees.iter().position(|t| t.name == name) {
            if is_empty_tree(&self.trees[i].root) {
                self.trees.remove(i);
            } else if !is_empty_tree(&root) {
                return self.errorf(format!(
                    "template: multiple definition of template {}",
                    crate::fmt::quote_go(&name)
                ));
            } else {
                return Ok(());
            }
        }
        self.trees.push(Tree {
            name,
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root,
        });
        Ok(())
    }

    fn parse_top(&mut self) -> PResult<Box<[Node]>> {
        let base = self.reused.scratch.nodes.len();
        while self.peek().kind != ItemKind::Eof {
            if self.peek().kind == ItemKind::LeftDelim {
                let delim = self.next();
                if self.next_non_space().kind == ItemKind::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::Node(n) => self.reused.scratch.nodes.push(n),
                Parsed::End => return self.errorf("unexpected {{end}}"),
                Parsed::Else(..) => return self.errorf("unexpected {{else}}"),
            }
        }
        Ok(take_from(&mut self.reused.scratch.nodes, base))
    }

    /// Runs `f` as the parse of a new tree (a `define` or `block` body).
    fn in_new_tree<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        let saved = std::mem::replace(&mut self.st, TreeState::new());
        let r = f(self);
        self.st = saved;
        r
    }

    fn parse_definition(&mut self) -> PResult<()> {
        const CONTEXT: &str = "define clause";
        self.in_new_tree(|p| {
            let name_tok = p.next_non_space();
            if !matches!(name_tok.kind, ItemKind::String | ItemKind::RawString) {
                return p.unexpected(&name_tok, CONTEXT);
            }
            let name = match number::unquote(name_tok.val) {
                Ok(s) => s.into_owned(),
                Err(e) => return p.errorf(e),
            };
            p.expect(ItemKind::RightDelim, CONTEXT)?;
            let (list, end) = p.item_list()?;
            if !matches!(end, Parsed::End) {
                return p.errorf(format!("unexpected {} in {CONTEXT}", end.text()));
            }
            p.add(name, list)
        })
    }

    fn item_list(&mut self) -> PResult<(Box<[Node]>, Parsed)> {
        self.control_depth += 1;
        if self.control_depth > MAX_CONTROL_DEPTH {
            return self.errorf("max control nesting depth exceeded");
        }
        let r = stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.item_list_inner());
        self.control_depth -= 1;
        r
    }

    fn item_list_inner(&mut self) -> PResult<(Box<[Node]>, Parsed)> {
        let base = self.reused.scratch.nodes.len();
        while self.peek_non_space().kind != ItemKind::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => self.reused.scratch.nodes.push(n),
                other => return Ok((take_from(&mut self.reused.scratch.nodes, base), other)),
            }
        }
        self.errorf("unexpected EOF")
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.kind {
            ItemKind::Text => Ok(Parsed::Node(Node::Text(self.text_span(token.val)))),
            ItemKind::LeftDelim => {
                self.st.action_line = token.line;
                let r = self.action();
                self.st.action_line = 0;
                r
            }
            _ => self.unexpected(&token, "input"),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.kind {
            ItemKind::Block => return self.block_control().map(Parsed::Node),
            ItemKind::Break | ItemKind::Continue => {
                let is_break = token.kind == ItemKind::Break;
                let what = if is_break {
                    "{{break}}"
                } else {
                    "{{continue}}"
                };
                let t = self.next_non_space();
                if t.kind != ItemKind::RightDelim {
                    return self.unexpected(&t, what);
                }
                if self.st.range_depth == 0 {
                    return self.errorf(format!("{what} outside {{{{range}}}}"));
                }
                return Ok(Parsed::Node(if is_break {
                    Node::Break
                } else {
                    Node::Continue
                }));
            }
            ItemKind::Else => return self.else_control(),
            ItemKind::End => {
                self.expect(ItemKind::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemKind::If => return self.if_control().map(Parsed::Node),
            ItemKind::Range => {
                let b = self.parse_control("range")?;
                return Ok(Parsed::Node(Node::Range(Box::new(b))));
            }
            ItemKind::Template => return self.template_control().map(Parsed::Node),
            ItemKind::With => return self.with_control().map(Parsed::Node),
            _ => {}
        }
        self.backup();
        let pos = self.peek().pos;
        let pipe = self.pipeline("command", ItemKind::RightDelim)?;
        Ok(Parsed::Node(Node::Action {
            pos,
            pipe: Box::new(pipe),
        }))
    }

    fn if_control(&mut self) -> PResult<Node> {
        Ok(Node::If(Box::new(self.parse_control("if")?)))
    }

    fn with_control(&mut self) -> PResult<Node> {
        Ok(Node::With(Box::new(self.parse_control("with")?)))
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        let peek = self.peek_non_space();
        if matches!(peek.kind, ItemKind::If | ItemKind::With) {
            return Ok(Parsed::Else(true));
        }
        self.expect(ItemKind::RightDelim, "else")?;
        Ok(Parsed::Else(false))
    }

    fn parse_control(&mut self, context: &str) -> PResult<Branch> {
        let vars_len = self.st.vars.len();
        let r = self.parse_control_inner(context);
        self.st.vars.truncate(vars_len);
        r
    }

    fn parse_control_inner(&mut self, context: &str) -> PResult<Branch> {
        let pipe = self.pipeline(context, ItemKind::RightDelim)?;
        if context == "range" {
            self.st.range_depth += 1;
        }
        let r = self.item_list();
        if context == "range" {
            self.st.range_depth -= 1;
        }
        let (list, next) = r?;
        let mut else_list = None;
        match next {
            Parsed::End => {}
            Parsed::Else(chained) => {
                // `{{else if}}` / `{{else with}}` nest as `{{else}}{{if}}...{{end}}{{end}}`.
                if chained && context == "if" && self.peek().kind == ItemKind::If {
                    self.next();
                    else_list = Some(Box::from([self.nested(|p| p.if_control())?]));
                } else if chained && context == "with" && self.peek().kind == ItemKind::With {
                    self.next();
                    else_list = Some(Box::from([self.nested(|p| p.with_control())?]));
                } else {
                    // A pending `if`/`with` keyword that does not chain (`{{else if}}`
                    // in a range) is reported by the list parse, as in Go.
                    let (l, next) = self.item_list()?;
                    if !matches!(next, Parsed::End) {
                        return self.errorf(format!("expected end; found {}", next.text()));
                    }
                    else_list = Some(l);
                }
            }
            Parsed::Node(_) => {}
        }
        Ok(Branch {
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        })
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        self.control_depth += 1;
        if self.control_depth > MAX_CONTROL_DEPTH {
            return self.errorf("max control nesting depth exceeded");
        }
        let r = stacker::maybe_grow(64 * 1024, 1024 * 1024, || f(self));
        self.control_depth -= 1;
        r
    }

    fn block_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "block clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, ItemKind::RightDelim)?;
        let body_name = name.clone();
        self.in_new_tree(|p| {
            let (list, end) = p.item_list()?;
            if !matches!(end, Parsed::End) {
                return p.errorf(format!("unexpected {} in {CONTEXT}", end.text()));
            }
            p.add(body_name, list)
        })?;
        Ok(Node::Template {
            pos: token.pos,
            name: self.name(&name),
            pipe: Some(Box::new(pipe)),
        })
    }

    fn template_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "template clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, CONTEXT)?;
        let mut pipe = None;
        if self.next_non_space().kind != ItemKind::RightDelim {
            self.backup();
            pipe = Some(Box::new(self.pipeline(CONTEXT, ItemKind::RightDelim)?));
        }
        Ok(Node::Template {
            pos: token.pos,
            name: self.name(&name),
            pipe,
        })
    }

    fn parse_template_name(&mut self, token: &Item<'_>, context: &str) -> PResult<String> {
        match token.kind {
            ItemKind::String | ItemKind::RawString => match number::unquote(token.val) {
                Ok(s) => Ok(s.into_owned()),
                Err(e) => self.errorf(e),
            },
            _ => self.unexpected(token, context),
        }
    }

    fn pipeline(&mut self, context: &str, end: ItemKind) -> PResult<Pipe> {
        let pos = self.peek_non_space().pos;
        let (mut decl, mut is_assign) = (Vec::new(), false);
        let cmds_base = self.reused.scratch.cmds.len();
        'decls: loop {
            let v = self.peek_non_space();
            if v.kind != ItemKind::Variable {
                break;
            }
            self.next();
            let token_after = self.peek();
            let next = self.peek_non_space();
            match next.kind {
                ItemKind::Assign | ItemKind::Declare => {
                    is_assign = next.kind == ItemKind::Assign;
                    self.next_non_space();
                    decl.push(self.name(v.val));
                    self.st.vars.push(v.val.to_string());
                }
                ItemKind::Char if next.val == "," => {
                    self.next_non_space();
                    decl.push(self.name(v.val));
                    self.st.vars.push(v.val.to_string());
                    if context == "range" && decl.len() < 2 {
                        match self.peek_non_space().kind {
                            ItemKind::Variable | ItemKind::RightDelim | ItemKind::RightParen => {
                                continue 'decls;
                            }
                            _ => return self.errorf("range can only initialize variables"),
                        }
                    }
                    return self.errorf(format!("too many declarations in {context}"));
                }
                _ if token_after.kind == ItemKind::Space => self.backup3(v, token_after),
                _ => self.backup2(v),
            }
            break;
        }
        loop {
            let token = self.next_non_space();
            match token.kind {
                k if k == end => {
                    let pipe = Pipe {
                        pos,
                        is_assign,
                        decl: decl.into_boxed_slice(),
                        cmds: take_from(&mut self.reused.scratch.cmds, cmds_base),
                    };
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                ItemKind::Bool
                | ItemKind::CharConstant
                | ItemKind::Complex
                | ItemKind::Dot
                | ItemKind::Field
                | ItemKind::Identifier
                | ItemKind::Number
                | ItemKind::Nil
                | ItemKind::RawString
                | ItemKind::String
                | ItemKind::Variable
                | ItemKind::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    self.reused.scratch.cmds.push(cmd);
                    if self.reused.scratch.cmds.len() - cmds_base > MAX_PIPELINE_CMDS {
                        return self.errorf("pipeline too long");
                    }
                }
                _ => return self.unexpected(&token, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return self.errorf(format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(Arg::Bool { .. } | Arg::Dot { .. } | Arg::Nil { .. })
                    | Some(Arg::Number(_) | Arg::String { .. })
            ) {
                return self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                ));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let args_base = self.reused.scratch.args.len();
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                self.reused.scratch.args.push(operand);
            }
            let token = self.next();
            match token.kind {
                ItemKind::Space => continue,
                ItemKind::RightDelim | ItemKind::RightParen => self.backup(),
                ItemKind::Pipe => {}
                _ => return self.unexpected(&token, "operand"),
            }
            break;
        }
        let args = take_from(&mut self.reused.scratch.args, args_base);
        if args.is_empty() {
            return self.errorf("empty command");
        }
        Ok(Command { pos, args })
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        // A field or variable term has taken the fields after it already (`term`).
        if self.peek().kind != ItemKind::Field {
            return Ok(Some(node));
        }
        if matches!(
            node,
            Arg::Bool { .. }
                | Arg::String { .. }
                | Arg::Number(_)
                | Arg::Nil { .. }
                | Arg::Dot { .. }
        ) {
            return self.errorf(format!(
                "unexpected . after term {}",
                crate::fmt::quote_go(&node.to_string())
            ));
        }
        let base = self.reused.scratch.names.len();
        let pos = self.chain_fields().unwrap_or_default();
        Ok(Some(Arg::Chain {
            pos,
            node: Box::new(node),
            fields: take_from(&mut self.reused.scratch.names, base),
        }))
    }

    /// Pushes the names of the fields that follow a term (`.b.c` after `.a`, `$x` or
    /// `(...)`) onto the scratch name stack; the position of the first one, which Go
    /// gives the whole chain, or `None` when no field follows.
    fn chain_fields(&mut self) -> Option<Pos> {
        let first = self.peek();
        if first.kind != ItemKind::Field {
            return None;
        }
        while self.peek().kind == ItemKind::Field {
            let field = self.next();
            let name = self.name(&field.val[1..]);
            self.reused.scratch.names.push(name);
        }
        Some(first.pos)
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let token = self.next_non_space();
        let pos = token.pos;
        let arg = match token.kind {
            ItemKind::Identifier => {
                if !(self.has_function)(token.val) {
                    return self.errorf(format!(
                        "function {} not defined",
                        crate::fmt::quote_go(token.val)
                    ));
                }
                Arg::Identifier {
                    pos,
                    name: self.name(token.val),
                }
            }
            ItemKind::Dot => Arg::Dot { pos },
            ItemKind::Nil => Arg::Nil { pos },
            ItemKind::Variable => return self.use_var(pos, token.val).map(Some),
            ItemKind::Field => {
                // `.a.b.c` is one field node (Go's operand folds the chain into it), at
                // the position of `.b` when there is a chain.
                let base = self.reused.scratch.names.len();
                let name = self.name(&token.val[1..]);
                self.reused.scratch.names.push(name);
                Arg::Field {
                    pos: self.chain_fields().unwrap_or(pos),
                    idents: take_from(&mut self.reused.scratch.names, base),
                }
            }
            ItemKind::Bool => Arg::Bool {
                pos,
                value: token.val == "true",
            },
            ItemKind::CharConstant | ItemKind::Complex | ItemKind::Number => {
                match number::parse_number(token.val, token.kind) {
                    Ok(n) => Arg::Number(Box::new(Number { pos, ..n })),
                    Err(e) => return self.errorf(e),
                }
            }
            ItemKind::LeftParen => {
                if self.st.paren_depth >= MAX_PAREN_DEPTH {
                    return self.errorf("max expression depth exceeded");
                }
                self.st.paren_depth += 1;
                let r = stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                    self.pipeline("parenthesized pipeline", ItemKind::RightParen)
                });
                self.st.paren_depth -= 1;
                Arg::Pipe(Box::new(r?))
            }
            ItemKind::String | ItemKind::RawString => match number::unquote(token.val) {
                Ok(text) => {
                    // Borrowed: the text between the quotes, which prints it back.
                    let as_written = matches!(text, Cow::Borrowed(_));
                    Arg::String {
                        pos,
                        raw: token.kind == ItemKind::RawString,
                        quoted: (!as_written).then(|| self.name(token.val)),
                        text: self.name(&text),
                    }
                }
                Err(e) => return self.errorf(e),
            },
            _ => {
                self.backup();
                return Ok(None);
            }
        };
        Ok(Some(arg))
    }

    fn use_var(&mut self, pos: Pos, name: &str) -> PResult<Arg> {
        let base = self.reused.scratch.names.len();
        for part in name.split('.') {
            let part = self.name(part);
            self.reused.scratch.names.push(part);
        }
        let var = &self.reused.scratch.names[base];
        if !self.st.vars.iter().any(|v| **v == **var) {
            let message = format!("undefined variable {}", crate::fmt::quote_go(var));
            self.reused.scratch.names.truncate(base);
            return self.errorf(message);
        }
        // `$x.a.b` is one variable node, at the position of `.a` when fields follow.
        let pos = self.chain_fields().unwrap_or(pos);
        Ok(Arg::Variable {
            pos,
            idents: take_from(&mut self.reused.scratch.names, base),
        })
    }
}

/// What `textOrAction` produced: a node, or an `{{end}}`/`{{else}}` ending a list
/// (`Else(true)` when an `if`/`with` keyword follows the `else`).
enum Parsed {
    Node(Node),
    End,
    Else(bool),
}

impl Parsed {
    fn text(&self) -> String {
        match self {
            Parsed::Node(n) => n.to_string(),
            Parsed::End => "{{end}}".into(),
            Parsed::Else(_) => "{{else}}".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn funcs(name: &str) -> bool {
        matches!(name, "printf" | "len" | "eq")
    }

    fn err(text: &str) -> String {
        match parse("t", text.into(), ("", ""), &funcs) {
            Ok(_) => "ok".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn go_error_texts() {
        assert_eq!(
            err("{{foo}}"),
            "template: t:1: function \"foo\" not defined"
        );
        assert_eq!(err("{{$x}}"), "template: t:1: undefined variable \"$x\"");
        assert_eq!(err("{{.X,}}"), "template: t:1: unexpected \",\" in operand");
        assert_eq!(err("{{}}"), "template: t:1: missing value for command");
        assert_eq!(err("{{end}}"), "template: t:1: unexpected {{end}}");
        assert_eq!(err("{{if .}}"), "template: t:1: unexpected EOF");
        assert_eq!(
            err("line1\n{{\"x\"\n\"y\"\n"),
            "template: t:4: unclosed action started at t:2"
        );
        assert_eq!(
            err("{{true.x}}"),
            "template: t:1: unexpected . after term \"true\""
        );
        assert_eq!(
            err("{{.X | 3}}"),
            "template: t:1: non executable command in pipeline stage 2"
        );
        assert_eq!(
            err("{{break}}"),
            "template: t:1: {{break}} outside {{range}}"
        );
        assert_eq!(
            err("{{define \"a\"}}x{{end}}{{define \"a\"}}y{{end}}"),
            "template: t:1: template: multiple definition of template \"a\""
        );
    }

    #[test]
    fn parses_defines_and_else_chains() {
        let trees = parse(
            "t",
            "{{define \"a\"}}A{{end}}{{if .}}1{{else if .X}}2{{else}}3{{end}}".into(),
            ("", ""),
            &funcs,
        )
        .unwrap_or_default();
        assert_eq!(trees.len(), 2);
        assert_eq!(trees[0].name, "a");
        assert_eq!(
            trees[1].root[0].to_string(),
            "{{if .}}1{{else}}{{if .X}}2{{else}}3{{end}}{{end}}"
        );
    }

    #[test]
    fn constants_print_as_written_and_chains_sit_at_their_first_field() {
        // The quoted form is kept only when it is not the text between its quotes.
        assert_eq!(
            err("{{\"a\\tb\".x}}"),
            r#"template: t:1: unexpected . after term "\"a\\tb\"""#
        );
        assert_eq!(
            err("{{`a`.x}}"),
            r#"template: t:1: unexpected . after term "`a`""#
        );
        assert_eq!(
            err("{{`a\rb`.x}}"),
            r#"template: t:1: unexpected . after term "`a\rb`""#
        );
        assert_eq!(
            err("{{\"a\".x}}"),
            r#"template: t:1: unexpected . after term "\"a\"""#
        );
        let trees = parse(
            "t",
            "{{.a.b.c}}{{.d}}{{$.e.f}}{{(.g).h.i}}".into(),
            ("", ""),
            &funcs,
        )
        .unwrap_or_default();
        let args: Vec<(Pos, String)> = trees[0]
            .root
            .iter()
            .filter_map(|node| match node {
                Node::Action { pipe, .. } => pipe.cmds[0].args.first(),
                _ => None,
            })
            .map(|arg| (arg.pos(), arg.to_string()))
            .collect();
        assert_eq!(
            args,
            [
                (4, ".a.b.c".to_string()),
                (12, ".d".to_string()),
                (19, "$.e.f".to_string()),
                (31, "(.g).h.i".to_string())
            ]
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("{{{{{}1{}}}}}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(err(&text).contains("max expression depth exceeded"));
        let text = format!(
            "{}x{}",
            "{{if 1}}".repeat(100_000),
            "{{end}}".repeat(100_000)
        );
        assert!(err(&text).contains("max control nesting depth exceeded"));
    }
}
