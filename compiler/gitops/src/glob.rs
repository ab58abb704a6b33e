//! Argo CD's directory `include`/`exclude` globs (`argo-cd/util/glob`, which compiles
//! with `gobwas/glob` and no separators): `*` and `**` match any run of characters,
//! `/` included; `?` one character; `[abc]`, `[a-z]`, `[!abc]` classes; `{a,b}`
//! alternatives (nesting allowed); `\` escapes.
//!
//! Not here: walking directories (`argo::directory`).

/// Whether `path` (relative, `/`-separated) matches `pattern`. A malformed pattern
/// matches nothing, as Argo CD treats a glob that does not compile.
pub fn matches(pattern: &str, path: &str) -> bool {
    let Some(alternatives) = expand(pattern, 0) else {
        return false;
    };
    let path: Vec<char> = path.chars().collect();
    alternatives.iter().any(|p| {
        let p: Vec<char> = p.chars().collect();
        match_here(&p, &path)
    })
}

/// Most alternatives a pattern may expand to (`{a,b}{c,d}…` grows fast).
const MAX_ALTERNATIVES: usize = 4096;

/// Expands `{…}` alternatives into plain patterns (escapes kept).
fn expand(pattern: &str, depth: usize) -> Option<Vec<String>> {
    if depth > 32 {
        return None;
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '[' => {
                // skip the class so braces inside it are literal
                i += 1;
                while i < chars.len() && chars[i] != ']' {
                    i += 1;
                }
                i += 1;
            }
            '{' => {
                let close = find_close(&chars, i)?;
                let prefix: String = chars[..i].iter().collect();
                let suffix: String = chars[close + 1..].iter().collect();
                let mut out = Vec::new();
                for alt in split_top(&chars[i + 1..close]) {
                    for tail in expand(&format!("{alt}{suffix}"), depth + 1)? {
                        out.push(format!("{prefix}{tail}"));
                        if out.len() > MAX_ALTERNATIVES {
                            return None;
                        }
                    }
                }
                return Some(out);
            }
            '}' => return None,
            _ => i += 1,
        }
    }
    Some(vec![pattern.to_string()])
}

fn find_close(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut i = open;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn split_top(chars: &[char]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.get(i + 1) {
                    cur.push(*n);
                }
                i += 2;
                continue;
            }
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                i += 1;
                continue;
            }
            _ => {}
        }
        cur.push(c);
        i += 1;
    }
    out.push(cur);
    out
}

/// Matches a brace-free pattern, iteratively with one backtrack point per star (linear
/// in practice, never exponential).
fn match_here(p: &[char], s: &[char]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    while pi < p.len() && p[pi] == '*' {
                        pi += 1;
                    }
                    star = Some((pi, si));
                    continue;
                }
                '?' => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                '[' => {
                    if let Some((ok, next)) = class(p, pi, s[si]) {
                        if ok {
                            pi = next;
                            si += 1;
                            continue;
                        }
                    } else {
                        return false;
                    }
                }
                '\\' if pi + 1 < p.len() => {
                    if p[pi + 1] == s[si] {
                        pi += 2;
                        si += 1;
                        continue;
                    }
                }
                c => {
                    if c == s[si] {
                        pi += 1;
                        si += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, ss)) => {
                pi = sp;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Matches `c` against the class at `p[start] == '['`; `None` when malformed. Returns the
/// result and the index after the class.
fn class(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negated = matches!(p.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let lo = *p.get(i)?;
        if lo == ']' && !first {
            return Some((matched != negated, i + 1));
        }
        first = false;
        let lo = if lo == '\\' {
            i += 1;
            *p.get(i)?
        } else {
            lo
        };
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|h| *h != ']') {
            let hi = *p.get(i + 2)?;
            if lo <= c && c <= hi {
                matched = true;
            }
            i += 3;
        } else {
            if lo == c {
                matched = true;
            }
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_cross_slashes() {
        assert!(matches("*.sample.yaml", "backup/old-backup.sample.yaml"));
        assert!(matches("*.example.yaml", "extra/bgp.example.yaml"));
        assert!(!matches("*.example.yaml", "extra/l2.yml"));
        assert!(matches("**/x.yaml", "a/b/x.yaml"));
    }

    #[test]
    fn alternatives() {
        assert!(matches("{README.md,*.sample.yaml}", "README.md"));
        assert!(matches(
            "{README.md,*.sample.yaml}",
            "backup/old-backup.sample.yaml"
        ));
        assert!(!matches("{README.md,*.sample.yaml}", "cluster.yaml"));
        assert!(matches("{a,b{c,d}}.yaml", "bd.yaml"));
        assert!(!matches("{a,b", "a"));
    }

    #[test]
    fn classes_and_escapes() {
        assert!(matches("[a-c]?.yaml", "bz.yaml"));
        assert!(!matches("[!a-c]?.yaml", "bz.yaml"));
        assert!(matches("\\*.yaml", "*.yaml"));
        assert!(!matches("\\*.yaml", "a.yaml"));
        assert!(!matches("[a-", "a"));
    }

    #[test]
    fn long_inputs_stay_fast() {
        let s = "a".repeat(5000);
        assert!(!matches("*a*a*a*a*a*b", &s));
    }
}
