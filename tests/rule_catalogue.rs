//! The rule catalogue (`vss_sim::vocab::rules`) against the repository: every rule id cited in
//! the code, tests, docs and scenarios is in the catalogue, and `docs/rules.md` is the catalogue
//! as it stands (regenerate it with `VSS_SIM_BLESS=1 cargo test --test rule_catalogue`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use vss_sim::trace::oracle;
use vss_sim::vocab::rules::{catalogue, source_url, Kind, Status};
use vss_sim::vocab::Rule;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every text file under the folders that may cite rules.
fn files() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let mut dirs: Vec<PathBuf> = [
        "src",
        "tests",
        "docs",
        "examples",
        "benches",
        "scenarios",
        "fuzz",
    ]
    .iter()
    .map(|dir| root().join(dir))
    .collect();
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if !matches!(name, "target" | "corpus" | "artifacts" | "regressions") {
                    dirs.push(path);
                }
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("rs" | "md" | "toml" | "json")
            ) && name != "rules.md"
                && name != "Cargo.toml"
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The rule ids a text cites: `R55`, `T14`, `Q3`, `FF23`, and "field failure 17".
fn citations(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    for (start, _) in text.char_indices() {
        let before = start.checked_sub(1).map(|i| bytes[i]);
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        let rest = &text[start..];
        let prefix = ["FF", "R", "T", "Q"]
            .into_iter()
            .find(|p| rest.starts_with(p));
        let Some(prefix) = prefix else { continue };
        let digits: String = rest[prefix.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let after = rest[prefix.len() + digits.len()..].chars().next();
        if digits.is_empty()
            || digits.len() > 3
            || digits.starts_with('0')
            || after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        found.push(format!("{prefix}{digits}"));
    }
    let mut rest = text;
    while let Some(at) = rest.find("field failure ") {
        rest = &rest[at + "field failure ".len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            found.push(format!("FF{digits}"));
        }
    }
    found
}

#[test]
fn every_cited_rule_is_in_the_catalogue() {
    let mut unknown: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in files() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for id in citations(&text) {
            if Rule::from_id(&id).is_none() {
                let file = path
                    .strip_prefix(root())
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                unknown.entry(id).or_default().insert(file);
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "cited but not in the rule catalogue (src/vocab/rules): {unknown:#?}"
    );
}

/// Where the tests cite each rule: file names by rule.
fn cited_by_tests() -> BTreeMap<Rule, BTreeSet<String>> {
    let mut cited: BTreeMap<Rule, BTreeSet<String>> = BTreeMap::new();
    for path in files() {
        let relative = path.strip_prefix(root()).unwrap_or(&path).to_path_buf();
        let in_tests = relative.starts_with("tests") || relative.starts_with("scenarios");
        if !in_tests {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for id in citations(&text) {
            if let Some(rule) = Rule::from_id(&id) {
                cited
                    .entry(rule)
                    .or_default()
                    .insert(relative.display().to_string().replace('\\', "/"));
            }
        }
    }
    cited
}

/// `docs/rules.md`, generated from the catalogue.
fn render() -> String {
    let families = oracle::families();
    let tests = cited_by_tests();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# The rule catalogue\n\n\
         Generated from `src/vocab/rules/` by `tests/rule_catalogue.rs`; do not edit by hand \
         (regenerate with `VSS_SIM_BLESS=1 cargo test --test rule_catalogue`).\n\n\
         Every rule (R), table (T), open question (Q) and field failure (FF) the crate cites, in \
         our own words, with the Microsoft page or public report it comes from, how far the \
         engine implements it, where, and what checks it: the oracle family that judges it and \
         the test files that cite it. `Rule::entry()` gives the same text in code, so a finding \
         that says `R55` can always be looked up.\n"
    );
    summary(&mut out);
    let mut kind = None;
    for entry in catalogue() {
        let this_kind = entry.rule.kind();
        if kind != Some(this_kind) {
            kind = Some(this_kind);
            let _ = writeln!(out, "\n## {}\n", heading(this_kind));
        }
        let _ = writeln!(out, "### {} — {}\n", entry.rule, entry.title);
        let _ = writeln!(out, "{}\n", entry.statement);
        let mut facts = vec![format!("**Status:** {}", status_text(entry.status))];
        if !entry.engine.is_empty() {
            let files: Vec<String> = entry.engine.iter().map(|f| format!("`{f}`")).collect();
            facts.push(format!("**Engine:** {}", files.join(", ")));
        }
        let judged: Vec<&str> = families
            .iter()
            .filter(|(_, rules)| rules.contains(&entry.rule))
            .map(|(name, _)| *name)
            .collect();
        if !judged.is_empty() {
            facts.push(format!("**Oracle:** {}", judged.join(", ")));
        }
        if let Some(files) = tests.get(&entry.rule) {
            let files: Vec<String> = files.iter().map(|f| format!("`{f}`")).collect();
            facts.push(format!("**Cited by:** {}", files.join(", ")));
        }
        if !entry.sources.is_empty() {
            let links: Vec<String> = entry
                .sources
                .iter()
                .map(|s| format!("[{s}]({})", source_url(s)))
                .collect();
            facts.push(format!("**Sources:** {}", links.join(", ")));
        }
        let _ = writeln!(out, "{}\n", facts.join("  \n"));
    }
    out
}

fn heading(kind: Kind) -> &'static str {
    match kind {
        Kind::Rule => "Rules",
        Kind::Table => "Tables",
        Kind::Question => "Open questions",
        Kind::FieldFailure => "Field failures",
        Kind::Simulator => "The simulator's own rules",
    }
}

fn status_text(status: Status) -> String {
    match status.note() {
        Some(note) => format!("{} — {note}", status.word()),
        None => status.word().to_owned(),
    }
}

/// Counts by kind and status.
fn summary(out: &mut String) {
    let words = [
        "implemented",
        "partly",
        "not yet",
        "informational",
        "policy",
        "decided",
    ];
    let _ = writeln!(
        out,
        "| kind | {} | total |\n|---|{}---|",
        words.join(" | "),
        "---|".repeat(words.len())
    );
    for kind in [
        Kind::Rule,
        Kind::Table,
        Kind::Question,
        Kind::FieldFailure,
        Kind::Simulator,
    ] {
        let entries: Vec<_> = catalogue().filter(|e| e.rule.kind() == kind).collect();
        let counts: Vec<String> = words
            .iter()
            .map(|w| {
                entries
                    .iter()
                    .filter(|e| e.status.word() == *w)
                    .count()
                    .to_string()
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            heading(kind).to_lowercase(),
            counts.join(" | "),
            entries.len()
        );
    }
}

#[test]
fn docs_rules_md_is_the_catalogue() {
    let path: &Path = &root().join("docs").join("rules.md");
    let expected = render();
    if std::env::var_os("VSS_SIM_BLESS").is_some() {
        std::fs::write(path, &expected).expect("write docs/rules.md");
        return;
    }
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        actual.replace("\r\n", "\n") == expected,
        "docs/rules.md is out of date with src/vocab/rules: regenerate it with \
         `VSS_SIM_BLESS=1 cargo test --test rule_catalogue`"
    );
}

#[test]
fn citations_are_found() {
    assert_eq!(
        citations("// R55, R57; T14 Q3 and field failure 17, not R0 or DR5 or R55x"),
        ["R55", "R57", "T14", "Q3", "FF17"]
    );
}
