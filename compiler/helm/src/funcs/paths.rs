//! Paths and URLs: Go's `path` (`base`, `dir`, `clean`, `ext`, `isAbs`) and
//! `path/filepath` on Linux (`osBase`, `osDir`, `osClean`, `osExt`, `osIsAbs`, the
//! same rules), Sprig's `urlParse`/`urlJoin` over Go's `net/url`, and `getHostByName`,
//! which answers `""` because kubake never touches the network.
//!
//! Only the parts of `net/url` that `urlParse` and `urlJoin` observe are here: scheme,
//! opaque part, user info, host, path, raw query and fragment, with Go's escaping.

use kubake_gotmpl::{FuncError, FuncMap, GoType, Map, Value};

use super::{reg, str_at};

/// Go's `path.Clean`.
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// Go's `path.Base`.
pub fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// Go's `path.Dir`.
pub fn dir(p: &str) -> String {
    let d = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    clean(d)
}

/// Go's `path.Ext`.
pub fn ext(p: &str) -> String {
    for (i, c) in p.char_indices().rev() {
        match c {
            '/' => return String::new(),
            '.' => return p[i..].to_string(),
            _ => {}
        }
    }
    String::new()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    UserPassword,
    Fragment,
}

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Mode::Host
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Path => c == b'?',
                Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Mode::Fragment => false,
                Mode::Host => true,
            }
        }
        _ => {}
    }
    !(mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*'))
}

fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::new();
    for &b in s.as_bytes() {
        if should_escape(b, mode) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

fn unescape(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(v) => out.push(v),
                None => {
                    let bad: String = s[i..].chars().take(3).collect();
                    return Err(format!(
                        "invalid URL escape {}",
                        kubake_gotmpl::fmt::quote_go(&bad)
                    ));
                }
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The parts of Go's `url.URL` that Sprig reads and writes.
#[derive(Default, Debug, PartialEq)]
pub struct Url {
    scheme: String,
    opaque: String,
    user: Option<(String, Option<String>)>,
    host: String,
    path: String,
    raw_query: String,
    force_query: bool,
    fragment: String,
    omit_host: bool,
}

fn get_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme".into()),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(end) = host.rfind(']') else {
            return Err("missing ']' in host".into());
        };
        let port = &host[end + 1..];
        if !(port.is_empty()
            || (port.starts_with(':') && port[1..].bytes().all(|c| c.is_ascii_digit())))
        {
            return Err(format!(
                "invalid port {} after host",
                kubake_gotmpl::fmt::quote_go(port)
            ));
        }
    } else if let Some(i) = host.rfind(':') {
        let port = &host[i..];
        if !port[1..].bytes().all(|c| c.is_ascii_digit()) {
            return Err(format!(
                "invalid port {} after host",
                kubake_gotmpl::fmt::quote_go(port)
            ));
        }
    }
    unescape(host)
}

impl Url {
    /// Go's `url.Parse`.
    pub fn parse(raw: &str) -> Result<Url, String> {
        let (u, frag) = raw.split_once('#').unwrap_or((raw, ""));
        let wrap = |s: &str, e: String| format!("parse {}: {e}", kubake_gotmpl::fmt::quote_go(s));
        let mut url = Url::parse_no_frag(u).map_err(|e| wrap(u, e))?;
        url.fragment = unescape(frag).map_err(|e| wrap(raw, e))?;
        Ok(url)
    }

    fn parse_no_frag(raw: &str) -> Result<Url, String> {
        if raw.bytes().any(|c| c < 0x20 || c == 0x7f) {
            return Err("net/url: invalid control character in URL".into());
        }
        let mut url = Url::default();
        if raw == "*" {
            url.path = "*".into();
            return Ok(url);
        }
        let (scheme, rest) = get_scheme(raw)?;
        url.scheme = scheme.to_ascii_lowercase();
        let mut rest = rest.to_string();
        if rest.ends_with('?') && rest.matches('?').count() == 1 {
            url.force_query = true;
            rest.pop();
        } else if let Some((r, q)) = rest.clone().split_once('?') {
            url.raw_query = q.to_string();
            rest = r.to_string();
        }
        if !rest.starts_with('/') {
            if !url.scheme.is_empty() {
                url.opaque = rest;
                return Ok(url);
            }
            let segment = rest.split('/').next().unwrap_or("");
            if segment.contains(':') {
                return Err("first path segment in URL cannot contain colon".into());
            }
        }
        if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
            let authority_end = rest[2..].find('/').map_or(rest.len(), |i| i + 2);
            let authority = rest[2..authority_end].to_string();
            rest = rest[authority_end..].to_string();
            let (userinfo, host) = match authority.rfind('@') {
                Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
                None => (None, authority.as_str()),
            };
            url.host = parse_host(host)?;
            if let Some(ui) = userinfo {
                url.user = Some(match ui.split_once(':') {
                    Some((u, p)) => (unescape(u)?, Some(unescape(p)?)),
                    None => (unescape(ui)?, None),
                });
            }
        } else if !url.scheme.is_empty() && rest.starts_with('/') {
            url.omit_host = true;
        }
        url.path = unescape(&rest)?;
        Ok(url)
    }

    fn userinfo_string(&self) -> Option<String> {
        self.user.as_ref().map(|(u, p)| {
            let mut s = escape(u, Mode::UserPassword);
            if let Some(p) = p {
                s.push(':');
                s.push_str(&escape(p, Mode::UserPassword));
            }
            s
        })
    }

    fn hostname(&self) -> String {
        let h = &self.host;
        if let Some(rest) = h.strip_prefix('[') {
            return rest.split(']').next().unwrap_or("").to_string();
        }
        match h.rfind(':') {
            Some(i) => h[..i].to_string(),
            None => h.clone(),
        }
    }

    /// Go's `URL.String()`.
    pub fn to_go_string(&self) -> String {
        let mut buf = String::new();
        if !self.scheme.is_empty() {
            buf.push_str(&self.scheme);
            buf.push(':');
        }
        if !self.opaque.is_empty() {
            buf.push_str(&self.opaque);
        } else {
            let no_authority = self.host.is_empty() && self.user.is_none();
            if !(no_authority && (self.scheme.is_empty() || self.omit_host)) {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    buf.push_str("//");
                }
                if let Some(ui) = self.userinfo_string() {
                    buf.push_str(&ui);
                    buf.push('@');
                }
                buf.push_str(&escape(&self.host, Mode::Host));
            }
            let path = escape(&self.path, Mode::Path);
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                buf.push('/');
            }
            if buf.is_empty() && path.split('/').next().unwrap_or("").contains(':') {
                buf.push_str("./");
            }
            buf.push_str(&path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            buf.push('?');
            buf.push_str(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            buf.push('#');
            buf.push_str(&escape(&self.fragment, Mode::Fragment));
        }
        buf
    }
}

fn url_parse(raw: &str) -> Result<Value, FuncError> {
    let u = Url::parse(raw).map_err(|e| FuncError::new(format!("unable to parse url: {e}")))?;
    let m = Map::new();
    m.insert("scheme", Value::from(u.scheme.as_str()));
    m.insert("host", Value::from(u.host.as_str()));
    m.insert("hostname", Value::from(u.hostname()));
    m.insert("path", Value::from(u.path.as_str()));
    m.insert("query", Value::from(u.raw_query.as_str()));
    m.insert("opaque", Value::from(u.opaque.as_str()));
    m.insert("fragment", Value::from(u.fragment.as_str()));
    m.insert(
        "userinfo",
        Value::from(u.userinfo_string().unwrap_or_default()),
    );
    Ok(Value::Map(m))
}

fn url_join(d: &Map) -> Result<Value, FuncError> {
    let get = |key: &str| -> Result<String, FuncError> {
        match d.get(key) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.to_string()),
            Some(v) => Err(FuncError::new(format!(
                "unable to parse {key} key, must be of type string, but {} found",
                v.kind().name()
            ))),
        }
    };
    let mut u = Url {
        scheme: get("scheme")?,
        host: get("host")?,
        path: get("path")?,
        raw_query: get("query")?,
        opaque: get("opaque")?,
        fragment: get("fragment")?,
        ..Url::default()
    };
    let userinfo = get("userinfo")?;
    if !userinfo.is_empty() {
        let temp = Url::parse(&format!("proto://{userinfo}@host"))
            .map_err(|e| FuncError::new(format!("unable to parse userinfo in dict: {e}")))?;
        u.user = temp.user;
    }
    Ok(Value::from(u.to_go_string()))
}

pub(crate) fn register(map: &mut FuncMap) {
    use GoType::String as S;
    for (go, os) in [
        ("base", "osBase"),
        ("dir", "osDir"),
        ("clean", "osClean"),
        ("ext", "osExt"),
    ] {
        let f = match go {
            "base" => base as fn(&str) -> String,
            "dir" => dir,
            "clean" => clean,
            _ => ext,
        };
        for name in [go, os] {
            reg(map, name, [S], move |_, a| Ok(Value::from(f(str_at(a, 0)))));
        }
    }
    for name in ["isAbs", "osIsAbs"] {
        reg(map, name, [S], |_, a| {
            Ok(Value::Bool(str_at(a, 0).starts_with('/')))
        });
    }
    reg(map, "urlParse", [S], |_, a| url_parse(str_at(a, 0)));
    reg(map, "urlJoin", [GoType::dict()], |_, a| {
        url_join(&a[0].as_map().unwrap_or_default())
    });
    reg(map, "getHostByName", [S], |_, _| Ok(Value::from("")));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_paths() {
        assert_eq!(clean("a//b/../c"), "a/c");
        assert_eq!(clean("/foo/../foo/../bar"), "/bar");
        assert_eq!(clean("../../x"), "../../x");
        assert_eq!(clean("/.."), "/");
        assert_eq!(base(""), ".");
        assert_eq!(base("/"), "/");
        assert_eq!(base("/usr/local/bin/helm.tar.gz"), "helm.tar.gz");
        assert_eq!(dir("file"), ".");
        assert_eq!(dir("/usr/local/bin/x"), "/usr/local/bin");
        assert_eq!(ext("x.tar.gz"), ".gz");
        assert_eq!(ext("a.b/c"), "");
    }

    #[test]
    fn urls() {
        let v =
            url_parse("https://user:pw@example.com:8443/a/b?x=1&y=2#frag").map(|v| v.to_string());
        assert_eq!(
            v.ok().as_deref(),
            Some("map[fragment:frag host:example.com:8443 hostname:example.com opaque: path:/a/b query:x=1&y=2 scheme:https userinfo:user:pw]")
        );
        let d = Map::from_entries([
            ("scheme", Value::from("proto")),
            ("host", Value::from("host:80")),
            ("path", Value::from("/path")),
            ("userinfo", Value::from("ASDJKJSD")),
            ("fragment", Value::from("fragment")),
        ]);
        assert_eq!(
            url_join(&d).map(|v| v.to_string()).ok().as_deref(),
            Some("proto://ASDJKJSD@host:80/path#fragment")
        );
        assert_eq!(
            Url::parse("mailto:x@y").map(|u| u.opaque).ok().as_deref(),
            Some("x@y")
        );
        assert!(Url::parse("http://[::1").is_err());
    }
}
