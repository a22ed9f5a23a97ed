//! The XML layer: VSS's documents in Windows' own XML (R31, R79, R112, R113).
//!
//! | document | module | Windows |
//! |---|---|---|
//! | Writer Metadata Document | [`wmd`] | `IVssExamineWriterMetadata::SaveAsXML`, `LoadFromXML`, `CreateVssExamineWriterMetadata` |
//! | Backup Components Document | [`bcd`] | `IVssBackupComponents::SaveAsXML`; the document `InitializeForBackup` / `InitializeForRestore` take |
//!
//! **The format**, as real machines write it (`docs/documents.md` has the evidence): no XML
//! declaration, no byte-order mark, no inline schema, no whitespace between elements; the root
//! carries the default namespace (`x-schema:#VssWriterMetadataInfo`) and `version="1.2"`;
//! attributes in a fixed order per element; booleans `yes`/`no`; GUIDs without braces, lower
//! case; numbers in decimal; optional attributes left out when unset.
//!
//! **Reading** takes what tools save: UTF-8 or ASCII, UTF-16LE or BE with or without a
//! byte-order mark (vshadow writes UTF-16LE with a trailing NUL), an optional XML declaration,
//! whitespace between elements. It parses with `roxmltree`: a small, well-kept, read-only DOM
//! that refuses DTDs by default (so no entity expansion, no external entities), reports every
//! error with its line and column, and never panics on bad input; the documents are small
//! enough (the largest real WMD, the System Writer's, is about 2 MB) for a DOM. Writing needs
//! byte-exact control of attribute order and escaping, so it is a few lines of our own
//! (`Emitter`). Anything that is not a well-formed document of the expected shape — wrong
//! root or namespace, an unknown element or attribute, a missing required attribute, a value
//! that is not one of the words Windows writes, input over [`MAX_DOCUMENT_BYTES`],
//! [`MAX_NODES`] or [`MAX_DEPTH`] — is an [`XmlError`] naming the line, column and what was wrong; the call
//! that loaded it returns `VSS_E_INVALID_XML_DOCUMENT`.

pub mod bcd;
pub mod wmd;

mod base64;
mod read;

pub use read::{XmlError, MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_NODES};

/// Writes XML as VSS does: attributes in the order given, `"` quotes, `&`, `<`, `>` and `"`
/// escaped, tabs and line breaks as character references (so they read back as written), every
/// other character as is, empty elements as `<X/>`.
#[derive(Debug, Default)]
pub(crate) struct Emitter {
    out: String,
    /// A start tag is open (its attributes may follow).
    open: bool,
}

impl Emitter {
    /// Opens element `name`.
    pub(crate) fn start(&mut self, name: &str) {
        self.finish_tag();
        self.out.push('<');
        self.out.push_str(name);
        self.open = true;
    }

    /// An attribute of the element just opened.
    pub(crate) fn attr(&mut self, name: &str, value: &str) {
        debug_assert!(self.open, "attribute {name} outside a start tag");
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        for c in value.chars() {
            match c {
                '&' => self.out.push_str("&amp;"),
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                '"' => self.out.push_str("&quot;"),
                // XML reads a raw tab or line break in an attribute as a space: as references
                // they come back as written. (Windows writes them raw, and loses them so.)
                '\t' => self.out.push_str("&#9;"),
                '\n' => self.out.push_str("&#10;"),
                '\r' => self.out.push_str("&#13;"),
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    /// An attribute, only when there is a value.
    pub(crate) fn attr_opt(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.attr(name, value);
        }
    }

    /// A `yes`/`no` attribute.
    pub(crate) fn attr_bool(&mut self, name: &str, value: bool) {
        self.attr(name, yes_no(value));
    }

    /// Closes element `name`: `<X .../>` when nothing was written inside it.
    pub(crate) fn end(&mut self, name: &str) {
        if self.open {
            self.out.push_str("/>");
            self.open = false;
        } else {
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push('>');
        }
    }

    /// Markup written as it is (an element a loaded document held, saved unchanged).
    pub(crate) fn raw(&mut self, markup: &str) {
        self.finish_tag();
        self.out.push_str(markup);
    }

    /// The document.
    pub(crate) fn finish(mut self) -> String {
        self.finish_tag();
        self.out
    }

    fn finish_tag(&mut self) {
        if self.open {
            self.out.push('>');
            self.open = false;
        }
    }
}

/// `yes` or `no`, as VSS writes booleans.
pub(crate) fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

/// The word `words` gives `value` (every table covers its type, so the fallback is never
/// written).
pub(crate) fn word_of<T: PartialEq + Copy>(words: &[(&'static str, T)], value: T) -> &'static str {
    words
        .iter()
        .find(|(_, v)| *v == value)
        .map_or("undefined", |(word, _)| word)
}

/// A GUID as VSS writes it: no braces, lower case.
pub(crate) fn guid(id: uuid::Uuid) -> String {
    id.hyphenated().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_emitter_writes_as_vss_does() {
        let mut out = Emitter::default();
        out.start("A");
        out.attr("x", "a&b<c>\"d\"\r\n\te");
        out.start("B");
        out.attr_bool("on", true);
        out.end("B");
        out.end("A");
        assert_eq!(
            out.finish(),
            "<A x=\"a&amp;b&lt;c&gt;&quot;d&quot;&#13;&#10;&#9;e\"><B on=\"yes\"/></A>"
        );
    }
}
