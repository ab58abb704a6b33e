//! `kubake diff`'s three printings of a [`Diff`]: text for a terminal (coloured only
//! when asked), Markdown for a pull-request comment (a collapsed section per unit,
//! truncated with a note past a size limit, since GitHub refuses comments over 65 536
//! characters), and JSON for programs.
//!
//! Not here: computing the diff (`diff`).

use serde_json::{json, Value as Json};

use crate::diff::{Diff, ObjectChange};

/// Where a Markdown diff stops adding units (GitHub's comment limit is 65 536
/// characters; this leaves room for the note and the caller's own text).
pub const MARKDOWN_LIMIT: usize = 60_000;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// The diff as text: per unit, each object with its sign (`+` added, `~` changed, `-`
/// removed), changed fields and YAML diff; the summary line last.
pub fn text(d: &Diff, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("{code}{s}{RESET}")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    for u in &d.units {
        out.push_str(&paint(BOLD, &format!("{}\n", u.unit)));
        for (sign, list) in [('+', &u.added), ('~', &u.changed), ('-', &u.removed)] {
            for c in list.iter() {
                out.push_str(&format!("  {sign} {}", c.id));
                if !c.paths.is_empty() {
                    out.push_str(&format!(": {}", c.paths.join(", ")));
                }
                out.push('\n');
                for line in c.diff.lines() {
                    let painted = match line.as_bytes().first() {
                        _ if !color => line.to_string(),
                        Some(b'+') => paint(GREEN, line),
                        Some(b'-') => paint(RED, line),
                        Some(b'@') => paint(CYAN, line),
                        _ => line.to_string(),
                    };
                    out.push_str(&format!("      {painted}\n"));
                }
            }
        }
        out.push('\n');
    }
    out.push_str(&paint(BOLD, &d.summary()));
    out.push('\n');
    out
}

/// The diff as a Markdown pull-request comment, at most about `limit` bytes: units and
/// their objects in order until the next one would not fit, then a note of what is left.
pub fn markdown(d: &Diff, limit: usize) -> String {
    let mut out = format!("### kubake diff: {}\n\n", d.summary());
    if d.is_empty() {
        out.push_str("No object changes.\n");
        return out;
    }
    let (a, c, r) = d.counts();
    let mut shown = 0;
    'units: for u in &d.units {
        let header = format!(
            "<details><summary><code>{}</code>: {} added, {} changed, {} removed</summary>\n\n",
            u.unit,
            u.added.len(),
            u.changed.len(),
            u.removed.len()
        );
        const FOOTER: &str = "</details>\n\n";
        if out.len() + header.len() + FOOTER.len() > limit {
            break;
        }
        out.push_str(&header);
        for (what, list) in [
            ("added", &u.added),
            ("changed", &u.changed),
            ("removed", &u.removed),
        ] {
            for c in list.iter() {
                let object = markdown_object(what, c);
                if out.len() + object.len() + FOOTER.len() > limit {
                    out.push_str(FOOTER);
                    break 'units;
                }
                out.push_str(&object);
                shown += 1;
            }
        }
        out.push_str(FOOTER);
    }
    let total = a + c + r;
    if shown < total {
        let left = total - shown;
        out.push_str(&format!(
            "\n> **Truncated:** {left} more object change{} not shown (the comment would pass {} kB). Run `kubake diff` locally for the whole diff.\n",
            if left == 1 { "" } else { "s" },
            limit / 1000
        ));
    }
    out
}

/// One object's change in a Markdown unit section.
fn markdown_object(what: &str, c: &ObjectChange) -> String {
    let mut s = format!("**{what}** `{}`", c.id);
    if !c.paths.is_empty() {
        let paths: Vec<String> = c.paths.iter().map(|p| format!("`{p}`")).collect();
        s.push_str(&format!(": {}", paths.join(", ")));
    }
    // A fence longer than any backtick run inside keeps the block closed.
    let fence = "`".repeat(longest_backtick_run(&c.diff).max(2) + 1);
    s.push_str(&format!("\n\n{fence}diff\n{}{fence}\n\n", c.diff));
    s
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// The diff as JSON: `{"added", "changed", "removed", "units": [{"unit", "added",
/// "changed", "removed": [{"apiVersion", "kind", "namespace", "name", "paths",
/// "diff"}]}]}`.
pub fn json(d: &Diff) -> Json {
    let (a, c, r) = d.counts();
    let objects = |list: &[ObjectChange]| -> Vec<Json> { list.iter().map(object_json).collect() };
    json!({
        "added": a,
        "changed": c,
        "removed": r,
        "units": d.units.iter().map(|u| json!({
            "unit": u.unit,
            "added": objects(&u.added),
            "changed": objects(&u.changed),
            "removed": objects(&u.removed),
        })).collect::<Vec<_>>(),
    })
}

fn object_json(c: &ObjectChange) -> Json {
    json!({
        "apiVersion": c.id.api_version,
        "kind": c.id.kind,
        "namespace": c.id.namespace,
        "name": c.id.name,
        "paths": c.paths,
        "diff": c.diff,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{ObjectId, UnitDiff};

    fn change(name: &str, diff: &str) -> ObjectChange {
        ObjectChange {
            id: ObjectId {
                kind: "ConfigMap".into(),
                namespace: "x".into(),
                name: name.into(),
                api_version: "v1".into(),
            },
            paths: vec!["data.k".into()],
            diff: diff.into(),
        }
    }

    fn sample(units: usize) -> Diff {
        Diff {
            units: (0..units)
                .map(|i| UnitDiff {
                    unit: format!("Kustomization/flux-system/u{i}"),
                    changed: vec![change("a", &format!("@@ -1 +1 @@\n-k: {i}\n+k: ```\n"))],
                    ..UnitDiff::default()
                })
                .collect(),
        }
    }

    #[test]
    fn text_is_plain_unless_coloured() {
        let plain = text(&sample(1), false);
        assert!(!plain.contains('\x1b'));
        assert!(plain.contains("  ~ ConfigMap x/a (v1): data.k\n      @@ -1 +1 @@\n      -k: 0\n"));
        assert!(plain.ends_with("0 added, 1 changed, 0 removed objects\n"));
        let coloured = text(&sample(1), true);
        assert!(coloured.contains(&format!("{RED}-k: 0{RESET}")));
    }

    #[test]
    fn a_unit_too_big_for_the_limit_shows_what_fits() {
        let big = Diff {
            units: vec![UnitDiff {
                unit: "U".into(),
                changed: (0..50)
                    .map(|i| change(&format!("c{i}"), &"-x\n+y\n".repeat(20)))
                    .collect(),
                ..UnitDiff::default()
            }],
        };
        let md = markdown(&big, 3_000);
        assert!(md.len() <= 3_300, "{}", md.len());
        assert!(md.contains("**changed** `ConfigMap x/c0 (v1)`"));
        assert!(md.contains("</details>"));
        assert!(md.contains("more object changes not shown"));
    }

    #[test]
    fn markdown_collapses_units_and_truncates_with_a_note() {
        let md = markdown(&sample(3), MARKDOWN_LIMIT);
        assert_eq!(md.matches("<details>").count(), 3);
        // The diff holds a ``` run, so the fence is longer.
        assert!(md.contains("````diff\n"));
        let short = markdown(&sample(200), 2_000);
        assert!(short.len() <= 2_300, "{}", short.len());
        assert!(short.contains("more object changes not shown"));
        assert!(short.starts_with("### kubake diff: 0 added, 200 changed, 0 removed objects"));
    }
}
