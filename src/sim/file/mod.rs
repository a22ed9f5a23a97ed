//! Reading and writing scenario files: TOML or JSON (chosen by content, or by a
//! case-insensitive extension), every error naming file, line, column and field, and every value
//! a scenario can hold written in a form that reads back the same.

mod check;
mod locate;

use std::path::Path;

use check::{FieldPath, Seg};

use super::Scenario;

/// A scenario file that could not be read, or a scenario that cannot be written.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{file}:{line}:{column}: {}{message}\n  expected: {expected}", field_prefix(.field))]
pub struct ScenarioError {
    /// The file (or `<string>`).
    pub file: String,
    /// 1-based line (0 when the error concerns no place, e.g. an unreadable file).
    pub line: usize,
    /// 1-based column (0 when the error concerns no place).
    pub column: usize,
    /// The field, as a path (`writers[1].freeze_timeout_ms`); empty when the error concerns no
    /// field (a syntax error, an unreadable file).
    pub field: String,
    /// What was wrong.
    pub message: String,
    /// The form the reader expected.
    pub expected: &'static str,
}

fn field_prefix(field: &str) -> String {
    if field.is_empty() {
        String::new()
    } else {
        format!("`{field}`: ")
    }
}

const EXPECTED_FORM: &str = "a scenario: `name`, `[[writers]]` (name, level, freeze_timeout_ms, \
     script, persist_failures), optional `[[providers]]`, `volumes`, `[policies]`, `[faults]`, \
     `[[steps]]` each with `call = \"<IVssBackupComponents method>\"` and its arguments, optional \
     `[expect]`; see docs/simulation.md";

/// The two file forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// TOML, the hand-written form.
    Toml,
    /// JSON, the generated form (and the fallback for values TOML cannot hold).
    Json,
}

impl Format {
    /// JSON when the text's first non-blank character opens an object, TOML otherwise (a TOML
    /// document cannot start with `{`).
    pub fn of_text(text: &str) -> Self {
        if text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
        {
            Self::Json
        } else {
            Self::Toml
        }
    }
}

impl Scenario {
    /// Reads a scenario from TOML text; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Self, ScenarioError> {
        let reader = Reader::new(text, file, Format::Toml);
        let deserializer = toml::Deserializer::new(text);
        let scenario: Self = serde_path_to_error::deserialize(deserializer).map_err(|err| {
            let field = path_of(err.path());
            let inner = err.into_inner();
            // The TOML reader gives no message for some syntax errors (a lone carriage return,
            // a control character in a comment): say what kind of error it is at least.
            let message = match inner.message().trim() {
                "" => "invalid TOML syntax".to_owned(),
                message => explain_number(message),
            };
            let at = inner.span().map(|span| span.start);
            // A value the TOML reader refused before serde saw it (a number too large) has no
            // path: read it off the text.
            let field = match (field.0.is_empty(), at) {
                (true, Some(at)) if !message.starts_with("invalid TOML syntax") => {
                    locate::toml_field_at(text, at)
                }
                _ => field,
            };
            reader.error(&field, at, message)
        })?;
        reader.checked(scenario)
    }

    /// Reads a scenario from JSON text; `file` names it in errors.
    pub fn from_json(text: &str, file: &str) -> Result<Self, ScenarioError> {
        let reader = Reader::new(text, file, Format::Json);
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let scenario: Self =
            serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
                let field = path_of(err.path());
                let inner = err.into_inner();
                let at = offset_of(text, inner.line(), inner.column());
                let message = strip_position(&inner.to_string());
                reader.error(&field, at, explain_number(&message))
            })?;
        reader.checked(scenario)
    }

    /// Reads a scenario in either form, chosen by [`Format::of_text`]; `file` names it in errors.
    pub fn from_text(text: &str, file: &str) -> Result<Self, ScenarioError> {
        match Format::of_text(text) {
            Format::Toml => Self::from_toml(text, file),
            Format::Json => Self::from_json(text, file),
        }
    }

    /// Reads a scenario file: JSON when its extension is `.json` (any case) or its text opens
    /// an object, TOML otherwise.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ScenarioError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let nowhere = |message: String| ScenarioError {
            file: file.clone(),
            line: 0,
            column: 0,
            field: String::new(),
            message,
            expected: EXPECTED_FORM,
        };
        let bytes =
            std::fs::read(path).map_err(|err| nowhere(format!("cannot read the file: {err}")))?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => {
                let valid = err.utf8_error().valid_up_to();
                let before = String::from_utf8_lossy(&err.as_bytes()[..valid]).into_owned();
                let (line, column) = line_column(&before, valid);
                return Err(ScenarioError {
                    line,
                    column,
                    ..nowhere(format!(
                        "the file is not UTF-8 text: byte {valid} (0x{:02x}) starts no UTF-8 \
                         character",
                        err.as_bytes()[valid]
                    ))
                });
            }
        };
        let json = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if json {
            Self::from_json(&text, &file)
        } else {
            Self::from_text(&text, &file)
        }
    }

    /// The scenario as TOML, or why it cannot be (a number TOML cannot hold: TOML integers stop
    /// at `i64::MAX`; a loaded scenario never holds one, see [`vss_sim::vocab::limits`]).
    ///
    /// [`vss_sim::vocab::limits`]: crate::vocab::limits
    pub fn to_toml(&self) -> Result<String, ScenarioError> {
        toml::to_string(self).map_err(|err| ScenarioError {
            file: "<scenario>".to_owned(),
            line: 0,
            column: 0,
            field: String::new(),
            message: format!("cannot be written as TOML: {err}; write it as JSON instead"),
            expected: EXPECTED_FORM,
        })
    }

    /// The scenario as JSON, which holds every value a scenario can.
    pub fn to_json(&self) -> String {
        // Every key is a string and every number an integer: serialization cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The scenario as a file's text: TOML when it can be, JSON otherwise.
    pub fn to_file_text(&self) -> (String, Format) {
        match self.to_toml() {
            Ok(text) => (text, Format::Toml),
            Err(_) => (self.to_json(), Format::Json),
        }
    }

    /// Writes the scenario to `path` as TOML, or, when TOML cannot hold one of its values, as
    /// JSON to `path` with the extension `json`; the path written. Either form replays with
    /// [`Scenario::load`]. A scenario [`validate`](Self::validate) refuses is not written (it
    /// would not load): the error says why.
    pub fn save(&self, path: impl AsRef<Path>) -> std::io::Result<std::path::PathBuf> {
        if let Err(refused) = self.validate() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                refused.to_string(),
            ));
        }
        let (text, format) = self.to_file_text();
        let path = match format {
            Format::Toml => path.as_ref().to_path_buf(),
            Format::Json => path.as_ref().with_extension("json"),
        };
        std::fs::write(&path, text)?;
        Ok(path)
    }

    /// Checks what serde cannot: the limits, unique writer names, names that name a writer,
    /// requester numbers. `Ok` when the scenario may run as written.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        match check::problems(self).into_iter().next() {
            None => Ok(()),
            Some(problem) => Err(ScenarioError {
                file: "<scenario>".to_owned(),
                line: 0,
                column: 0,
                field: problem.path.to_string(),
                message: problem.message,
                expected: EXPECTED_FORM,
            }),
        }
    }
}

/// One text being read: turns offsets and field paths into positions.
struct Reader<'a> {
    text: &'a str,
    file: &'a str,
    format: Format,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, file: &'a str, format: Format) -> Self {
        Self { text, file, format }
    }

    /// An error about `field`, at the field when it can be found, else at `at`.
    fn error(&self, field: &FieldPath, at: Option<usize>, message: String) -> ScenarioError {
        let located = match self.format {
            Format::Toml => locate::toml_offset(self.text, field),
            Format::Json => locate::json_offset(self.text, field),
        };
        // The reader's own position wins when it is inside the located field (it is finer).
        let offset = match (located, at) {
            (Some(field_at), Some(at)) if at >= field_at => Some(at),
            (Some(field_at), _) => Some(field_at),
            (None, at) => at,
        };
        let (line, column) = offset.map_or((0, 0), |offset| line_column(self.text, offset));
        ScenarioError {
            file: self.file.to_owned(),
            line,
            column,
            field: field.to_string(),
            message,
            expected: EXPECTED_FORM,
        }
    }

    /// The parsed scenario, if nothing is wrong with it beyond its syntax.
    fn checked(&self, mut scenario: Scenario) -> Result<Scenario, ScenarioError> {
        if let Some(problem) = check::problems(&scenario).into_iter().next() {
            return Err(self.error(&problem.path, None, problem.message));
        }
        self.read_documents(&mut scenario)?;
        Ok(scenario)
    }

    /// Reads the Writer Metadata Documents the writers name (`metadata`), relative to the
    /// scenario file's folder: regular files of at most `xml::MAX_DOCUMENT_BYTES`, or an error
    /// at the field naming the file and, for a document VSS would refuse, its line and column.
    fn read_documents(&self, scenario: &mut Scenario) -> Result<(), ScenarioError> {
        let folder = Path::new(self.file).parent().unwrap_or(Path::new(""));
        for (index, writer) in scenario.writers.iter_mut().enumerate() {
            let Some(name) = &writer.metadata else {
                continue;
            };
            let field = FieldPath::default()
                .key("writers")
                .index(index)
                .key("metadata");
            let path = folder.join(name);
            let bytes = read_regular_file(&path, crate::xml::MAX_DOCUMENT_BYTES)
                .map_err(|why| self.error(&field, None, format!("{}: {why}", path.display())))?;
            let view = crate::xml::wmd::load_bytes(&bytes).map_err(|e| {
                self.error(
                    &field,
                    None,
                    format!(
                        "{}:{}:{}: {} (VSS_E_INVALID_XML_DOCUMENT)",
                        path.display(),
                        e.line,
                        e.column,
                        e.message
                    ),
                )
            })?;
            writer.document = Some(view);
        }
        Ok(())
    }
}

/// The bytes of `path`, a regular file of at most `limit` bytes (a device or a pipe is refused:
/// it may never end).
fn read_regular_file(path: &Path, limit: usize) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read it: {e}"))?;
    if !metadata.is_file() {
        return Err("not a regular file".to_owned());
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read it: {e}"))?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read it: {e}"))?;
    if bytes.len() > limit {
        return Err(format!("over the {limit} bytes a document may have"));
    }
    Ok(bytes)
}

/// A `serde_path_to_error` path as a field path.
fn path_of(path: &serde_path_to_error::Path) -> FieldPath {
    use serde_path_to_error::Segment;
    FieldPath(
        path.iter()
            .filter_map(|segment| match segment {
                Segment::Seq { index } => Some(Seg::Index(*index)),
                Segment::Map { key } | Segment::Enum { variant: key } => {
                    Some(Seg::Key(key.clone()))
                }
                Segment::Unknown => None,
            })
            .collect(),
    )
}

/// Numbers out of range get the limits named.
fn explain_number(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    if lower.contains("too large") || lower.contains("out of range") || lower.contains("overflow") {
        format!(
            "{message}: integers in a scenario are at most {} in TOML (i64::MAX), and \
             durations at most {} ms in either form (vss_sim::vocab::limits)",
            i64::MAX,
            crate::vocab::limits::MAX_DURATION_MS
        )
    } else {
        message.to_owned()
    }
}

/// serde_json's message without its own " at line L column C" (the error carries both).
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// The byte offset of 1-based `line` and `column` (characters) in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let start: usize = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum();
    let rest = &text[start.min(text.len())..];
    let within = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    Some(start + within)
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
