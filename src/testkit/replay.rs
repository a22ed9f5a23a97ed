//! Replaying one run of the kit: `VSS_SIM_CASE` selects a case, `VSS_SIM_CHOICES` one
//! execution of the exhaustive mode; [`command`] prints the line that sets them.

/// The case id of exhaustive mode.
pub(crate) const EXHAUSTIVE: &str = "exhaustive";

/// Which runs the environment asks for.
#[derive(Clone, Debug, Default)]
pub(crate) struct Selection {
    case: Option<String>,
    pub(crate) choices: Option<Vec<u32>>,
    /// What could not be read from the environment.
    pub(crate) errors: Vec<String>,
}

impl Selection {
    pub(crate) fn from_env() -> Self {
        let case = std::env::var("VSS_SIM_CASE")
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        let mut errors = Vec::new();
        let choices = std::env::var("VSS_SIM_CHOICES").ok().map(|s| {
            s.split(',')
                .filter(|pick| !pick.trim().is_empty())
                .filter_map(|pick| match pick.trim().parse() {
                    Ok(pick) => Some(pick),
                    Err(_) => {
                        errors.push(format!(
                            "VSS_SIM_CHOICES holds `{}`, not a choice number (a comma-separated \
                             list of numbers, as a finding's replay command gives it)",
                            pick.trim()
                        ));
                        None
                    }
                })
                .collect()
        });
        Self {
            case,
            choices,
            errors,
        }
    }

    /// Runs only case `id`, whatever the environment says.
    pub(crate) fn select_case(&mut self, id: String) {
        self.case = Some(id);
    }

    /// After the run: a case filter that matched none of `ids` is a test error (a typo would
    /// otherwise pass with nothing run).
    pub(crate) fn check_matched(&mut self, ids: &[String]) {
        let Some(case) = &self.case else {
            return;
        };
        if ids.iter().any(|id| id == case) {
            return;
        }
        let family = case.split('/').next().unwrap_or_default();
        let mut near: Vec<&str> = ids
            .iter()
            .filter(|id| id.starts_with(family))
            .map(String::as_str)
            .take(5)
            .collect();
        if near.is_empty() {
            near = ids.iter().map(String::as_str).take(5).collect();
        }
        self.errors.push(format!(
            "VSS_SIM_CASE=`{case}` names no case of this test ({} cases; e.g. {})",
            ids.len(),
            near.join(", ")
        ));
    }

    /// Whether every case runs (no case selected).
    pub(crate) fn is_everything(&self) -> bool {
        self.case.is_none()
    }

    /// Whether case `id` runs.
    pub(crate) fn includes(&self, id: &str) -> bool {
        self.case.as_deref().is_none_or(|case| case == id)
    }
}

/// The command that replays case `id` (and, in exhaustive mode, the execution with `picks`)
/// in the test that is running now.
pub(crate) fn command(id: &str, picks: Option<&[u32]>) -> String {
    let mut line = format!("VSS_SIM_CASE='{id}'");
    if let Some(picks) = picks {
        let picks: Vec<String> = picks.iter().map(u32::to_string).collect();
        line.push_str(&format!(" VSS_SIM_CHOICES={}", picks.join(",")));
    }
    line.push_str(" cargo test");
    // libtest names each test's thread after the test.
    if let Some(test) = std::thread::current().name().filter(|name| *name != "main") {
        line.push_str(&format!(" {test} -- --exact"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<String> {
        ["happy/full", "veto/freeze", "exhaustive"]
            .map(str::to_owned)
            .to_vec()
    }

    #[test]
    fn a_case_filter_that_matches_nothing_is_a_test_error() {
        let mut typo = Selection {
            case: Some("happy/ful".to_owned()),
            choices: None,
            errors: Vec::new(),
        };
        typo.check_matched(&ids());
        assert_eq!(typo.errors.len(), 1);
        assert!(typo.errors[0].contains("happy/full"), "{:?}", typo.errors);
        let mut exact = Selection {
            case: Some("veto/freeze".to_owned()),
            choices: None,
            errors: Vec::new(),
        };
        exact.check_matched(&ids());
        assert!(exact.errors.is_empty());
    }
}
