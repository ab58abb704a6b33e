//! envsubst's scanner and parser (`fluxcd/pkg/envsubst/parse`), ported with its modes,
//! escapes and acceptor functions, so that odd inputs fail (or pass) exactly as in Flux.
//!
//! Not here: evaluation (the parent module).

use super::{Ast, ParseError};

const SCAN_IDENT: u8 = 1;
const SCAN_LBRACK: u8 = 2;
const SCAN_RBRACK: u8 = 4;
const SCAN_ESCAPE: u8 = 8;

const ESC_DOLLAR: u8 = 1;
const ESC_BACKSLASH: u8 = 2;
const ESC_ALL: u8 = ESC_DOLLAR | ESC_BACKSLASH;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Token {
    Illegal,
    Eof,
    Ident,
    Lbrack,
    Rbrack,
}

#[derive(Clone, Copy)]
enum Accept {
    Rune,
    Ident,
    Colon,
    OneHash,
    NotClosing,
    HashFunc,
    PercentFunc,
    DefaultFunc,
    ReplaceFunc,
    OneEqual,
    OneColon,
    RejectColonClose,
    Slash,
    NotSlash,
    CasingFunc,
}

fn accepts(a: Accept, r: char, i: usize) -> bool {
    match a {
        Accept::Rune => true,
        Accept::Ident => r.is_alphabetic() || r.is_numeric() || r == '_',
        Accept::Colon => r == ':',
        Accept::OneHash => r == '#' && i == 1,
        Accept::NotClosing => r != '}',
        Accept::HashFunc => r == '#' && i < 3,
        Accept::PercentFunc => r == '%' && i < 3,
        Accept::DefaultFunc => {
            (i == 1 && r == ':') || (i == 2 && matches!(r, '=' | '-' | '?' | '+'))
        }
        Accept::ReplaceFunc => (i == 1 && r == '/') || (i == 2 && matches!(r, '/' | '#' | '%')),
        Accept::OneEqual => i == 1 && r == '=',
        Accept::OneColon => i == 1 && r == ':',
        Accept::RejectColonClose => r != ':' && r != '}',
        Accept::Slash => r == '/',
        Accept::NotSlash => r != '/',
        Accept::CasingFunc => (r == ',' || r == '^') && i < 3,
    }
}

/// The scanner works on characters; `pos` and `start` are character indexes, and `skip`
/// drops the character before `pos` from the buffer, as the Go scanner does with bytes
/// (only ASCII `$` and `\` are ever skipped, so the two agree).
pub(crate) struct Parser {
    buf: Vec<char>,
    pos: usize,
    start: usize,
    width: usize,
    mode: u8,
    escape_chars: u8,
    accept: Accept,
    depth: usize,
}

const EOF: char = '\0';

/// Deepest nesting of `${` expressions accepted.
const MAX_NESTING: usize = 128;

impl Parser {
    pub(crate) fn new(text: &str) -> Parser {
        Parser {
            buf: text.chars().collect(),
            pos: 0,
            start: 0,
            width: 0,
            mode: 0,
            escape_chars: 0,
            accept: Accept::Rune,
            depth: 0,
        }
    }

    fn read(&mut self) -> char {
        match self.buf.get(self.pos) {
            None => {
                self.width = 0;
                EOF
            }
            Some(c) => {
                self.width = 1;
                self.pos += 1;
                *c
            }
        }
    }

    fn unread(&mut self) {
        self.pos -= self.width.min(self.pos);
    }

    fn skip(&mut self) {
        if self.pos >= 1 && self.pos - 1 < self.buf.len() {
            self.buf.remove(self.pos - 1);
        }
    }

    fn peek(&mut self) -> char {
        let r = self.read();
        self.unread();
        r
    }

    fn string(&self) -> String {
        self.buf
            .get(self.start..self.pos.min(self.buf.len()))
            .map(|s| s.iter().collect())
            .unwrap_or_default()
    }

    fn scan(&mut self) -> Token {
        self.start = self.pos;
        let r = self.read();
        if r == EOF && self.width == 0 {
            return Token::Eof;
        }
        if self.scan_lbrack(r) {
            return Token::Lbrack;
        }
        if self.scan_rbrack(r) {
            return Token::Rbrack;
        }
        if self.scan_ident(r) {
            return Token::Ident;
        }
        Token::Illegal
    }

    fn scan_ident(&mut self, r: char) -> bool {
        if self.mode & SCAN_IDENT == 0 {
            return false;
        }
        if self.scan_escaped(r) {
            self.skip();
        } else if !accepts(self.accept, r, self.pos - self.start) {
            return false;
        }
        loop {
            let r = self.read();
            if r == EOF && self.width == 0 {
                self.unread();
                break;
            }
            if self.scan_lbrack(r) {
                self.unread();
                self.unread();
                break;
            }
            if self.scan_escaped(r) {
                self.skip();
                continue;
            }
            if !accepts(self.accept, r, self.pos - self.start) {
                self.unread();
                break;
            }
        }
        true
    }

    fn scan_lbrack(&mut self, r: char) -> bool {
        if self.mode & SCAN_LBRACK == 0 {
            return false;
        }
        if r == '$' {
            if self.read() == '{' {
                return true;
            }
            self.unread();
        }
        false
    }

    fn scan_rbrack(&self, r: char) -> bool {
        self.mode & SCAN_RBRACK != 0 && r == '}'
    }

    fn scan_escaped(&mut self, r: char) -> bool {
        if self.mode & SCAN_ESCAPE == 0 {
            return false;
        }
        if r == '$' && self.escape_chars & ESC_DOLLAR != 0 && self.peek() == '$' {
            return true;
        }
        if r == '\\' && self.escape_chars & ESC_BACKSLASH != 0 {
            return matches!(self.peek(), '/' | '\\');
        }
        false
    }

    // ---- parser ----------------------------------------------------------------------

    pub(crate) fn parse_any(&mut self) -> Result<Ast, ParseError> {
        let mut nodes = Vec::new();
        loop {
            self.accept = Accept::Rune;
            self.mode = SCAN_IDENT | SCAN_LBRACK | SCAN_ESCAPE;
            self.escape_chars = ESC_DOLLAR;
            match self.scan() {
                Token::Ident => nodes.push(Ast::Text(self.string())),
                Token::Eof => break,
                Token::Lbrack => nodes.push(self.parse_func()?),
                Token::Illegal | Token::Rbrack => return Err(ParseError::BadSubstitution),
            }
        }
        Ok(match nodes.len() {
            0 => Ast::Text(String::new()),
            1 => nodes.pop().unwrap_or(Ast::Text(String::new())),
            _ => Ast::List(nodes),
        })
    }

    fn parse_func(&mut self) -> Result<Ast, ParseError> {
        // `${A:=${B:=${C...}}}` nests by recursion; bound it so hostile text cannot
        // exhaust the stack (Go's goroutine stacks grow; ours do not).
        if self.depth >= MAX_NESTING {
            return Err(ParseError::BadSubstitution);
        }
        self.depth += 1;
        let r = self.parse_func_inner();
        self.depth -= 1;
        r
    }

    fn parse_func_inner(&mut self) -> Result<Ast, ParseError> {
        self.escape_chars = ESC_ALL;
        if self.peek() == '#' {
            return self.parse_len_func();
        }
        self.accept = Accept::Ident;
        self.mode = SCAN_IDENT;
        let name = match self.scan() {
            Token::Ident => self.string(),
            _ => return Err(ParseError::VariableName),
        };
        match self.peek() {
            ':' => return self.parse_default_or_substr(name),
            '=' => return self.parse_default_func(name),
            ',' | '^' => return self.parse_casing_func(name),
            '/' => return self.parse_replace_func(name),
            '#' => return self.parse_remove_func(name, Accept::HashFunc),
            '%' => return self.parse_remove_func(name, Accept::PercentFunc),
            _ => {}
        }
        self.accept = Accept::Ident;
        self.mode = SCAN_RBRACK;
        match self.scan() {
            Token::Rbrack => Ok(Ast::Func {
                param: name,
                name: String::new(),
                args: Vec::new(),
            }),
            _ => Err(ParseError::MissingClosingBrace),
        }
    }

    fn parse_param(&mut self, accept: Accept, mode: u8) -> Result<Ast, ParseError> {
        self.accept = accept;
        self.mode = mode | SCAN_LBRACK;
        match self.scan() {
            Token::Lbrack => self.parse_func(),
            Token::Ident | Token::Rbrack => Ok(Ast::Text(self.string())),
            Token::Eof | Token::Illegal => Err(ParseError::FuncSubstitution),
        }
    }

    fn parse_default_or_substr(&mut self, name: String) -> Result<Ast, ParseError> {
        self.read();
        let r = self.peek();
        self.unread();
        match r {
            '=' | '-' | '?' | '+' => self.parse_default_func(name),
            _ => self.parse_substr_func(name),
        }
    }

    fn parse_substr_func(&mut self, param: String) -> Result<Ast, ParseError> {
        self.accept = Accept::OneColon;
        self.mode = SCAN_IDENT;
        let name = match self.scan() {
            Token::Ident => self.string(),
            _ => return Err(ParseError::BadSubstitution),
        };
        let mut args = vec![self.parse_param(Accept::RejectColonClose, SCAN_IDENT)?];
        self.accept = Accept::Colon;
        self.mode = SCAN_IDENT | SCAN_RBRACK;
        match self.scan() {
            Token::Rbrack => return Ok(Ast::Func { param, name, args }),
            Token::Ident => {}
            _ => return Err(ParseError::BadSubstitution),
        }
        args.push(self.parse_param(Accept::NotClosing, SCAN_IDENT)?);
        self.consume_rbrack()?;
        Ok(Ast::Func { param, name, args })
    }

    fn parse_remove_func(&mut self, param: String, accept: Accept) -> Result<Ast, ParseError> {
        self.accept = accept;
        self.mode = SCAN_IDENT;
        let name = match self.scan() {
            Token::Ident => self.string(),
            _ => return Err(ParseError::BadSubstitution),
        };
        let args = vec![self.parse_param(Accept::NotClosing, SCAN_IDENT)?];
        self.consume_rbrack()?;
        Ok(Ast::Func { param, name, args })
    }

    fn parse_replace_func(&mut self, param: String) -> Result<Ast, ParseError> {
        self.accept = Accept::ReplaceFunc;
        self.mode = SCAN_IDENT;
        let name = match self.scan() {
            Token::Ident => self.string(),
            _ => return Err(ParseError::BadSubstitution),
        };
        let mut args = Vec::new();
        if self.peek() == '/' {
            args.push(Ast::Text(String::new()));
        } else {
            args.push(self.parse_param(Accept::NotSlash, SCAN_IDENT | SCAN_ESCAPE)?);
        }
        self.accept = Accept::Slash;
        self.mode = SCAN_IDENT;
        match self.scan() {
            Token::Ident => {}
            _ => return Err(ParseError::BadSubstitution),
        }
        if self.peek() == '}' {
            self.consume_rbrack()?;
            return Ok(Ast::Func { param, name, args });
        }
        args.push(self.parse_param(Accept::NotClosing, SCAN_IDENT | SCAN_ESCAPE)?);
        self.consume_rbrack()?;
        Ok(Ast::Func { param, name, args })
    }

    fn parse_default_func(&mut self, param: String) -> Result<Ast, ParseError> {
        self.accept = if self.peek() == '=' {
            Accept::OneEqual
        } else {
            Accept::DefaultFunc
        };
        self.mode = SCAN_IDENT;
        let name = match self.scan() {
            Token::Ident => self.string(),
            _ => return Err(ParseError::DefaultFunction),
        };
        let mut args = Vec::new();
        loop {
            if self.peek() == '}' {
                self.consume_rbrack()?;
                return Ok(Ast::Func { param, name, args });
            }
            args.push(self.parse_param(Accept::NotClosing, SCAN_IDENT)?);
        }
    }

    fn parse_casing_func(&mut self, param: String) -> Result<Ast, ParseError> {
        self.accept = Accept::CasingFunc;
        self.mode = SCAN_IDENT;
        let name = match self.scan() {
            Token::Ident => self.string(),
            _ => return Err(ParseError::BadSubstitution),
        };
        self.consume_rbrack()?;
        Ok(Ast::Func {
            param,
            name,
            args: Vec::new(),
        })
    }

    fn parse_len_func(&mut self) -> Result<Ast, ParseError> {
        self.accept = Accept::OneHash;
        self.mode = SCAN_IDENT;
        let name = match self.scan() {
            Token::Ident => self.string(),
            _ => return Err(ParseError::BadSubstitution),
        };
        self.accept = Accept::Ident;
        self.mode = SCAN_IDENT;
        let param = match self.scan() {
            Token::Ident => self.string(),
            _ => return Err(ParseError::BadSubstitution),
        };
        self.consume_rbrack()?;
        Ok(Ast::Func {
            param,
            name,
            args: Vec::new(),
        })
    }

    fn consume_rbrack(&mut self) -> Result<(), ParseError> {
        self.mode = SCAN_RBRACK;
        if self.scan() != Token::Rbrack {
            return Err(ParseError::BadSubstitution);
        }
        Ok(())
    }
}
