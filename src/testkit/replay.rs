//! Replaying one run of the kit: `VSS_SIM_CASE` selects a case, `VSS_SIM_CHOICES` one
//! execution of the exhaustive mode; [`command`] prints the line that sets them.

/// The case id of exhaustive mode.
pub(crate) const EXHAUSTIVE: &str = "exhaustive";

/// Which runs the environment asks for.
#[derive(Clone, Debug, Default)]
pub(crate) struct Selection {
    case: Option<String>,
    pub(crate) choices: Option<Vec<u32>>,
}

impl Selection {
    pub(crate) fn from_env() -> Self {
        let case = std::env::var("VSS_SIM_CASE")
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        let choices = std::env::var("VSS_SIM_CHOICES").ok().map(|s| {
            s.split(',')
                .filter_map(|pick| pick.trim().parse().ok())
                .collect()
        });
        Self { case, choices }
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
