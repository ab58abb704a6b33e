//! "Did you mean …?": the known name closest to a misspelt one, by Jaro-Winkler
//! similarity (which favours a shared prefix, as typos of identifiers usually have).
//! Shared by the diagnostics of kubake's engines: field names, resource names, chart
//! names, unit names. Each caller chooses how close is close enough.
//!
//! Not here: the wording of the advice (each caller's own).

/// The candidate whose `text` is most similar to `wanted`, when its similarity is at
/// least `min` (0 to 1).
pub fn closest<'a, T: ?Sized>(
    candidates: impl IntoIterator<Item = &'a T>,
    text: impl Fn(&T) -> String,
    wanted: &str,
    min: f64,
) -> Option<&'a T> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&text(c), wanted), c))
        .filter(|(score, _)| *score >= min)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closest_name_above_the_bar_wins() {
        let known = ["prune", "path", "postBuild"];
        let pick = |w: &str, min| closest(known.iter(), |k| k.to_string(), w, min).copied();
        assert_eq!(pick("prunne", 0.88), Some("prune"));
        assert_eq!(pick("postbuild", 0.88), Some("postBuild"));
        assert_eq!(pick("zzz", 0.5), None);
        assert_eq!(
            closest(Vec::<&str>::new().iter(), |k| k.to_string(), "a", 0.0),
            None
        );
    }
}
