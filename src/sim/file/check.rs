//! What serde cannot check in a scenario: limits, unique writer names, names that point at a
//! writer, requester numbers. Each problem names the field it is about by path, so the reader
//! can point at its line and column.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::super::program::{ComponentRef, Step};
use super::super::{Expectations, Scenario};
use crate::vocab::limits::{
    MAX_DURATION_MS, MAX_PROVIDERS, MAX_REQUESTERS, MAX_STEPS, MAX_VOLUMES, MAX_WRITERS,
};

/// One step of a path into a scenario document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Seg {
    /// A table key.
    Key(String),
    /// An array position.
    Index(usize),
}

/// A path into a scenario document, e.g. `writers[1].freeze_timeout_ms`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FieldPath(pub(crate) Vec<Seg>);

impl FieldPath {
    pub(crate) fn key(&self, key: &str) -> Self {
        let mut path = self.clone();
        path.0.push(Seg::Key(key.to_owned()));
        path
    }

    pub(crate) fn index(&self, index: usize) -> Self {
        let mut path = self.clone();
        path.0.push(Seg::Index(index));
        path
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(key) if n == 0 => write!(f, "{key}")?,
                Seg::Key(key) => write!(f, ".{key}")?,
                Seg::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// One thing wrong with a parsed scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The field.
    pub(crate) path: FieldPath,
    /// What is wrong.
    pub(crate) message: String,
}

/// Everything wrong with `scenario`, in document order (writers, providers, volumes, faults,
/// steps, expectations).
pub(crate) fn problems(scenario: &Scenario) -> Vec<Problem> {
    let mut check = Checker {
        problems: Vec::new(),
        writers: BTreeMap::new(),
    };
    check.writers(scenario);
    check.machine(scenario);
    check.steps(scenario);
    let requesters = requesters_used(scenario);
    check.expectations(&scenario.expect, requesters);
    check.problems
}

/// Requester numbers the steps use: `0..n`.
fn requesters_used(scenario: &Scenario) -> u32 {
    scenario
        .steps
        .iter()
        .filter(|s| !s.step.is_host_step())
        .map(|s| s.requester.saturating_add(1))
        .max()
        .unwrap_or(0)
}

struct Checker {
    problems: Vec<Problem>,
    /// Writer names, each with its first position.
    writers: BTreeMap<String, usize>,
}

impl Checker {
    fn report(&mut self, path: FieldPath, message: String) {
        self.problems.push(Problem { path, message });
    }

    fn count(&mut self, path: FieldPath, what: &str, count: usize, max: usize) {
        if count > max {
            self.report(
                path,
                format!("{count} {what}: a scenario holds at most {max} (vss_sim::vocab::limits)"),
            );
        }
    }

    fn duration(&mut self, path: FieldPath, ms: u64) {
        if ms > MAX_DURATION_MS {
            self.report(
                path,
                format!(
                    "{ms} ms is beyond the longest duration a scenario may hold, \
                     {MAX_DURATION_MS} ms (2^53, about 285,000 years; \
                     vss_sim::vocab::limits::MAX_DURATION_MS)"
                ),
            );
        }
    }

    /// `name` must be one of the scenario's writers.
    fn writer_name(&mut self, path: FieldPath, name: &str) {
        if !self.writers.contains_key(name) {
            let known: Vec<&str> = self.writers.keys().map(String::as_str).collect();
            self.report(
                path,
                format!(
                    "no writer is named `{name}`; the scenario's writers are: {}",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            );
        }
    }

    fn writers(&mut self, scenario: &Scenario) {
        let root = FieldPath::default().key("writers");
        self.count(root.clone(), "writers", scenario.writers.len(), MAX_WRITERS);
        for (index, writer) in scenario.writers.iter().enumerate() {
            let at = root.index(index);
            if writer.name.is_empty() {
                self.report(
                    at.key("name"),
                    "a writer's name may not be empty".to_owned(),
                );
            }
            match self.writers.get(&writer.name) {
                Some(first) => {
                    let message = format!(
                        "two writers are named `{}` (also writers[{first}]): names must be \
                         unique, since steps and expectations name writers",
                        writer.name
                    );
                    self.report(at.key("name"), message);
                }
                None => {
                    self.writers.insert(writer.name.clone(), index);
                }
            }
            self.duration(at.key("freeze_timeout_ms"), writer.freeze_timeout_ms);
            for (event, reaction) in &writer.script {
                let path = at.key("script").key(&event.to_string());
                self.duration(path.key("spend_ms"), reaction.spend_ms);
                if let Some(ms) = reaction.wait.as_ref().and_then(|w| w.timeout_ms) {
                    self.duration(path.key("wait").key("timeout_ms"), ms);
                }
            }
        }
    }

    fn machine(&mut self, scenario: &Scenario) {
        let providers = FieldPath::default().key("providers");
        let count = scenario.providers.len();
        self.count(providers.clone(), "providers", count, MAX_PROVIDERS);
        for (index, provider) in scenario.providers.iter().enumerate() {
            let system = crate::vocab::well_known::SYSTEM_PROVIDER;
            if provider.kind == Some(crate::vocab::ProviderType::VSS_PROV_SYSTEM)
                && provider.id.is_some_and(|id| id != system)
            {
                self.report(
                    providers.index(index).key("kind"),
                    "only the system provider's id is of kind VSS_PROV_SYSTEM (R127)".into(),
                );
            }
            for (step, ms) in &provider.durations_ms {
                let path = providers
                    .index(index)
                    .key("durations_ms")
                    .key(&format!("{step:?}"));
                self.duration(path, *ms);
            }
            for (step, wait) in &provider.waits {
                if let Some(ms) = wait.wait.timeout_ms {
                    let path = providers
                        .index(index)
                        .key("waits")
                        .key(&format!("{step:?}"))
                        .key("wait")
                        .key("timeout_ms");
                    self.duration(path, ms);
                }
            }
        }
        let volumes = FieldPath::default().key("volumes");
        self.count(
            volumes.clone(),
            "volumes",
            scenario.volumes.len(),
            MAX_VOLUMES,
        );
        self.volumes(&volumes, &scenario.volumes);
        let copies = scenario.machine.max_client_accessible_copies;
        if !(1..=crate::vocab::MAX_COPIES_PER_VOLUME as u32).contains(&copies) {
            self.report(
                FieldPath::default()
                    .key("machine")
                    .key("max_client_accessible_copies"),
                format!("MaxShadowCopies is 1 to 512 on Windows, not {copies}"),
            );
        }
        let names: Vec<&str> = scenario.writers.iter().map(|w| w.name.as_str()).collect();
        for (index, fault) in scenario.faults.machine.iter().enumerate() {
            let (crate::sim::MachineFault::StopWriter(name)
            | crate::sim::MachineFault::StartWriter(name)
            | crate::sim::MachineFault::RestartWriter(name)) = fault
            else {
                continue; // RestartService names nothing
            };
            if !names.contains(&name.as_str()) {
                self.report(
                    FieldPath::default()
                        .key("faults")
                        .key("machine")
                        .index(index),
                    format!("{name:?} is not a writer of this scenario"),
                );
            }
        }
        let faults = FieldPath::default().key("faults");
        for (event, reactions) in &scenario.faults.writer {
            for (index, reaction) in reactions.iter().enumerate() {
                let path = faults.key("writer").key(&event.to_string()).index(index);
                self.duration(path.key("spend_ms"), reaction.spend_ms);
                if let Some(ms) = reaction.wait.as_ref().and_then(|w| w.timeout_ms) {
                    self.duration(path.key("wait").key("timeout_ms"), ms);
                }
            }
        }
        for (step, faults_of_step) in &scenario.faults.provider {
            for (index, fault) in faults_of_step.iter().enumerate() {
                let path = faults
                    .key("provider")
                    .key(&format!("{step:?}"))
                    .index(index);
                self.duration(path.key("spend_ms"), fault.spend_ms);
                if let Some(ms) = fault.wait.as_ref().and_then(|w| w.timeout_ms) {
                    self.duration(path.key("wait").key("timeout_ms"), ms);
                }
            }
        }
    }

    /// R16: every name ends with its backslash, and no two volumes answer to one name.
    fn volumes(&mut self, root: &FieldPath, volumes: &[crate::vocab::Volume]) {
        let mut seen: Vec<String> = Vec::new();
        // Every volume's GUID as the machine will have it: given, or minted from its place.
        let effective = |i: usize| {
            volumes[i].guid.unwrap_or_else(|| {
                crate::vocab::minted_uuid(crate::vocab::IdKind::Volume, i as u64 + 1)
            })
        };
        for (index, volume) in volumes.iter().enumerate() {
            let at = root.index(index);
            let guid = effective(index);
            if (0..index).any(|earlier| effective(earlier) == guid) {
                self.report(
                    at.key("guid"),
                    format!("two volumes have the GUID {{{guid}}}"),
                );
            }
            let names = std::iter::once((at.key("name"), &volume.name)).chain(
                volume
                    .mount_points
                    .iter()
                    .enumerate()
                    .map(|(i, m)| (at.key("mount_points").index(i), m)),
            );
            for (path, name) in names {
                if !name.ends_with('\\') || name.len() < 2 {
                    self.report(
                        path,
                        format!(
                            "volume name {name:?} must end with a backslash, as `C:\\` or \
                             `C:\\Mount\\` (R16)"
                        ),
                    );
                } else if seen.iter().any(|s| crate::vocab::same_path(s, name)) {
                    self.report(path, format!("two volumes answer to {name:?}"));
                } else {
                    seen.push(name.clone());
                }
            }
            if volume.size_bytes == 0 {
                self.report(at.key("size_bytes"), "a volume has a size above 0".into());
            }
            if volume
                .free_bytes
                .is_some_and(|free| free > volume.size_bytes)
            {
                self.report(
                    at.key("free_bytes"),
                    format!(
                        "free space exceeds the volume's size ({} bytes)",
                        volume.size_bytes
                    ),
                );
            }
        }
    }

    fn steps(&mut self, scenario: &Scenario) {
        let root = FieldPath::default().key("steps");
        self.count(root.clone(), "steps", scenario.steps.len(), MAX_STEPS);
        for (index, step) in scenario.steps.iter().enumerate() {
            let at = root.index(index);
            if step.requester >= MAX_REQUESTERS {
                self.report(
                    at.key("requester"),
                    format!(
                        "requester {} is out of range: requesters are numbered 0 to {} (R102 \
                         allows 64 concurrent backup sessions)",
                        step.requester,
                        MAX_REQUESTERS - 1
                    ),
                );
            }
            self.step_fields(&at, &step.step);
        }
    }

    fn step_fields(&mut self, at: &FieldPath, step: &Step) {
        match step {
            Step::EnableWriters { writers }
            | Step::DisableWriters { writers }
            | Step::SelectComponents { writers } => {
                for (n, name) in writers.iter().enumerate() {
                    self.writer_name(at.key("writers").index(n), name);
                }
            }
            Step::GetWriterMetadata {
                expect_writers: Some(names),
            } => {
                for (n, name) in names.iter().enumerate() {
                    self.writer_name(at.key("expect_writers").index(n), name);
                }
            }
            Step::GetWriterStatus {
                expect_rows: Some(rows),
            } => {
                for name in rows.keys() {
                    self.writer_name(at.key("expect_rows").key(name), name);
                }
            }
            Step::AddComponent { component } | Step::SetBackupSucceeded { component, .. } => {
                if let ComponentRef::Named { writer, .. } = component {
                    self.writer_name(at.key("component").key("writer"), writer);
                }
            }
            Step::Wait {
                timeout_ms: Some(ms),
                ..
            }
            | Step::WaitSignal {
                timeout_ms: Some(ms),
                ..
            } => self.duration(at.key("timeout_ms"), *ms),
            Step::Sleep { ms } => self.duration(at.key("ms"), *ms),
            _ => {}
        }
    }

    fn expectations(&mut self, expect: &Expectations, requesters: u32) {
        let root = FieldPath::default().key("expect");
        self.observed_names(
            &root,
            expect.writer_states.keys(),
            expect.events.keys(),
            expect.shutdown_set_ids.keys(),
        );
        let mut seen = BTreeSet::new();
        for (index, other) in expect.requesters.iter().enumerate() {
            let at = root.key("requesters").index(index);
            if other.requester == 0 {
                let message = "requester 0's expectations go directly under [expect], not in \
                               [[expect.requesters]]"
                    .to_owned();
                self.report(at.key("requester"), message);
            } else if other.requester >= requesters {
                let message = format!(
                    "requester {} runs no step: this scenario's steps use requesters 0 to {}",
                    other.requester,
                    requesters.saturating_sub(1)
                );
                self.report(at.key("requester"), message);
            }
            if !seen.insert(other.requester) {
                self.report(
                    at.key("requester"),
                    format!(
                        "requester {} has two [[expect.requesters]] tables",
                        other.requester
                    ),
                );
            }
            self.observed_names(
                &at,
                other.writer_states.keys(),
                other.events.keys(),
                other.shutdown_set_ids.keys(),
            );
        }
    }

    fn observed_names<'a>(
        &mut self,
        at: &FieldPath,
        states: impl Iterator<Item = &'a String>,
        events: impl Iterator<Item = &'a String>,
        shutdowns: impl Iterator<Item = &'a String>,
    ) {
        for name in states {
            self.writer_name(at.key("writer_states").key(name), name);
        }
        for name in events {
            self.writer_name(at.key("events").key(name), name);
        }
        for name in shutdowns {
            self.writer_name(at.key("shutdown_set_ids").key(name), name);
        }
    }
}
