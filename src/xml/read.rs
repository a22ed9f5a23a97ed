//! Reading VSS documents: bytes to text, text to a checked tree, and the errors that name where
//! and what.

use std::borrow::Cow;
use std::fmt;

use roxmltree::{Document, Node, ParsingOptions};

use crate::vocab::Hresult;

/// The largest document read: 64 MiB (the largest real WMD, the System Writer's, is about
/// 2 MB).
pub const MAX_DOCUMENT_BYTES: usize = 64 << 20;

/// The most nodes (elements, attributes, text) a document may hold: 4 million, twice what the
/// largest real document needs per megabyte, times 64.
pub const MAX_NODES: u32 = 4_000_000;

/// The deepest element nesting read: 64 (a WMD nests 4 deep, a BCD 5; the parser recurses
/// per level, so the limit is checked before it runs).
pub const MAX_DEPTH: usize = 64;

/// A document that is not one VSS would load: what was wrong and where (1-based line and
/// column; 0 when the problem is the input as a whole). Loading it fails with
/// `VSS_E_INVALID_XML_DOCUMENT`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct XmlError {
    /// The line, from 1.
    pub line: u32,
    /// The column, from 1.
    pub column: u32,
    /// What was wrong.
    pub message: String,
}

impl XmlError {
    /// The HRESULT Windows returns for it: `VSS_E_INVALID_XML_DOCUMENT`.
    pub fn hr(&self) -> Hresult {
        Hresult::VSS_E_INVALID_XML_DOCUMENT
    }

    fn whole(message: impl Into<String>) -> Self {
        Self {
            line: 0,
            column: 0,
            message: message.into(),
        }
    }

    pub(crate) fn at(node: Node<'_, '_>, message: impl Into<String>) -> Self {
        let pos = node.document().text_pos_at(node.range().start);
        Self {
            line: pos.row,
            column: pos.col,
            message: message.into(),
        }
    }
}

/// The document's text: UTF-8 (a byte-order mark dropped), or UTF-16 in either byte order with
/// or without a mark, as `SaveAsXML`'s `BSTR` is when a tool writes it out as is; trailing NUL
/// characters (vshadow writes one) dropped.
pub(crate) fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, XmlError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(XmlError::whole(format!(
            "the document is {} bytes, over the {MAX_DOCUMENT_BYTES} this reader takes",
            bytes.len()
        )));
    }
    let utf16 = |little: bool, body: &[u8]| -> Result<Cow<'_, str>, XmlError> {
        if body.len() % 2 != 0 {
            return Err(XmlError::whole("UTF-16 text with an odd number of bytes"));
        }
        let units = body.chunks_exact(2).map(|pair| {
            if little {
                u16::from_le_bytes([pair[0], pair[1]])
            } else {
                u16::from_be_bytes([pair[0], pair[1]])
            }
        });
        let text: String = char::decode_utf16(units)
            .collect::<Result<_, _>>()
            .map_err(|e| XmlError::whole(format!("UTF-16 text with a lone surrogate: {e}")))?;
        Ok(Cow::Owned(text.trim_end_matches('\0').to_owned()))
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(true, rest),
        [0xFE, 0xFF, rest @ ..] => utf16(false, rest),
        [b'<', 0, ..] => utf16(true, bytes),
        [0, b'<', ..] => utf16(false, bytes),
        _ => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            let text = std::str::from_utf8(body).map_err(|e| {
                XmlError::whole(format!(
                    "not UTF-8 or UTF-16 text: invalid byte at offset {}",
                    e.valid_up_to()
                ))
            })?;
            Ok(Cow::Borrowed(text.trim_end_matches('\0')))
        }
    }
}

/// Parses `text` into a tree: no DTD (so no entities to expand), at most [`MAX_NODES`] nodes.
pub(crate) fn parse(text: &str) -> Result<Document<'_>, XmlError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(XmlError::whole(format!(
            "the document is {} bytes, over the {MAX_DOCUMENT_BYTES} this reader takes",
            text.len()
        )));
    }
    check_depth(text)?;
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
    };
    Document::parse_with_options(text, options).map_err(|e| {
        let pos = e.pos();
        XmlError {
            line: pos.row,
            column: pos.col,
            message: format!("not well-formed XML: {e}"),
        }
    })
}

/// Refuses nesting deeper than [`MAX_DEPTH`] with a cheap scan of the tags (comments, CDATA,
/// processing instructions and quoted attribute values skipped); anything malformed is left
/// for the parser to report.
fn check_depth(text: &str) -> Result<(), XmlError> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    let skip_to = |from: usize, end: &[u8]| -> usize {
        bytes[from..]
            .windows(end.len())
            .position(|w| w == end)
            .map_or(bytes.len(), |p| from + p + end.len())
    };
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &bytes[i..];
        if rest.starts_with(b"<!--") {
            i = skip_to(i + 4, b"-->");
        } else if rest.starts_with(b"<![CDATA[") {
            i = skip_to(i + 9, b"]]>");
        } else if rest.starts_with(b"<?") || rest.starts_with(b"<!") {
            i = skip_to(i + 2, b">");
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            i = skip_to(i + 2, b">");
        } else {
            // A start tag: to its '>', outside quotes.
            let mut j = i + 1;
            let mut quote = None;
            while j < bytes.len() {
                match (bytes[j], quote) {
                    (b'"' | b'\'', None) => quote = Some(bytes[j]),
                    (q, Some(open)) if q == open => quote = None,
                    (b'>', None) => break,
                    _ => {}
                }
                j += 1;
            }
            if j >= bytes.len() || bytes[j - 1] != b'/' {
                depth += 1;
                if depth > MAX_DEPTH {
                    let line = 1 + bytes[..i].iter().filter(|b| **b == b'\n').count();
                    let column = 1 + i
                        - bytes[..i]
                            .iter()
                            .rposition(|b| *b == b'\n')
                            .map_or(0, |p| p + 1);
                    return Err(XmlError {
                        line: u32::try_from(line).unwrap_or(u32::MAX),
                        column: u32::try_from(column).unwrap_or(u32::MAX),
                        message: format!(
                            "elements nested more than {MAX_DEPTH} deep; VSS documents nest a few"
                        ),
                    });
                }
            }
            i = j + 1;
        }
    }
    Ok(())
}

/// One element being read: its attributes are taken one by one, and [`Element::done`] reports
/// any left over.
pub(crate) struct Element<'a, 'input> {
    pub(crate) node: Node<'a, 'input>,
    taken: Vec<&'a str>,
}

impl<'a, 'input> Element<'a, 'input> {
    /// `node`, which must be the element `name`.
    pub(crate) fn expect(node: Node<'a, 'input>, name: &str) -> Result<Self, XmlError> {
        if node.tag_name().name() != name {
            return Err(XmlError::at(
                node,
                format!("expected <{name}>, found <{}>", node.tag_name().name()),
            ));
        }
        Ok(Self {
            node,
            taken: Vec::new(),
        })
    }

    /// The element's name.
    pub(crate) fn name(&self) -> &'a str {
        self.node.tag_name().name()
    }

    /// An attribute, if present.
    pub(crate) fn optional(&mut self, name: &'a str) -> Option<&'a str> {
        self.taken.push(name);
        self.node.attribute(name)
    }

    /// An attribute that must be present.
    pub(crate) fn required(&mut self, name: &'a str) -> Result<&'a str, XmlError> {
        self.optional(name).ok_or_else(|| self.missing(name))
    }

    /// A `yes`/`no` attribute; `default` when absent.
    pub(crate) fn yes_no(
        &mut self,
        name: &'a str,
        default: Option<bool>,
    ) -> Result<bool, XmlError> {
        match (self.optional(name), default) {
            (Some("yes"), _) => Ok(true),
            (Some("no"), _) => Ok(false),
            (Some(other), _) => Err(self.bad(name, other, "yes or no")),
            (None, Some(default)) => Ok(default),
            (None, None) => Err(self.missing(name)),
        }
    }

    /// A decimal `u32` attribute; `default` when absent.
    pub(crate) fn number(&mut self, name: &'a str, default: Option<u32>) -> Result<u32, XmlError> {
        match (self.optional(name), default) {
            (Some(text), _) => text
                .parse()
                .map_err(|_| self.bad(name, text, "a decimal number from 0 to 4294967295")),
            (None, Some(default)) => Ok(default),
            (None, None) => Err(self.missing(name)),
        }
    }

    /// A GUID attribute (with or without braces, any case).
    pub(crate) fn guid(&mut self, name: &'a str) -> Result<uuid::Uuid, XmlError> {
        let text = self.required(name)?;
        let bare = text
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(text);
        uuid::Uuid::try_parse(bare).map_err(|_| self.bad(name, text, "a GUID"))
    }

    /// A word attribute, one of `words` (`(word, value)` pairs).
    pub(crate) fn word<T: Copy>(
        &mut self,
        name: &'a str,
        words: &[(&str, T)],
        default: Option<T>,
    ) -> Result<T, XmlError> {
        match (self.optional(name), default) {
            (Some(text), _) => words
                .iter()
                .find(|(word, _)| *word == text)
                .map(|(_, value)| *value)
                .ok_or_else(|| {
                    let list: Vec<&str> = words.iter().map(|(word, _)| *word).collect();
                    self.bad(name, text, &format!("one of {}", list.join(", ")))
                }),
            (None, Some(default)) => Ok(default),
            (None, None) => Err(self.missing(name)),
        }
    }

    /// The child elements (text between them must be whitespace).
    pub(crate) fn children(&self) -> Result<Vec<Node<'a, 'input>>, XmlError> {
        let mut elements = Vec::new();
        for child in self.node.children() {
            if child.is_element() {
                elements.push(child);
            } else if child.is_text() && !child.text().unwrap_or("").trim().is_empty() {
                return Err(XmlError::at(
                    child,
                    format!("<{}> holds text, which VSS documents never do", self.name()),
                ));
            }
        }
        Ok(elements)
    }

    /// Every attribute was taken: any other is an error (the schemas are closed). Namespace
    /// declarations are not attributes here.
    pub(crate) fn done(self) -> Result<(), XmlError> {
        for attribute in self.node.attributes() {
            if attribute.namespace().is_none() && !self.taken.contains(&attribute.name()) {
                return Err(XmlError::at(
                    self.node,
                    format!(
                        "<{}> has an attribute VSS does not write: {}",
                        self.name(),
                        attribute.name()
                    ),
                ));
            }
        }
        Ok(())
    }

    fn missing(&self, name: &str) -> XmlError {
        XmlError::at(
            self.node,
            format!("<{}> lacks its required attribute {name}", self.name()),
        )
    }

    fn bad(&self, name: &str, value: &str, expected: &str) -> XmlError {
        XmlError::at(
            self.node,
            format!("<{}> {name}={value:?} is not {expected}", self.name()),
        )
    }
}

/// The root element, which must be `name` in namespace `namespace`.
pub(crate) fn root<'a, 'input>(
    document: &'a Document<'input>,
    name: &str,
    namespace: &str,
) -> Result<Element<'a, 'input>, XmlError> {
    let node = document.root_element();
    let element = Element::expect(node, name)?;
    match node.tag_name().namespace() {
        Some(found) if found == namespace => Ok(element),
        Some(found) => Err(XmlError::at(
            node,
            format!("<{name}> is in namespace {found:?}, not {namespace:?}"),
        )),
        None => Err(XmlError::at(
            node,
            format!("<{name}> has no namespace; VSS writes xmlns=\"{namespace}\""),
        )),
    }
}

/// Every element of `document` is in `namespace`, but those named in `bare`, which may also be in
/// none (a writer's `BACKUP_METADATA` in a BCD carries `xmlns=""`).
pub(crate) fn check_namespaces(
    document: &Document<'_>,
    namespace: &str,
    bare: &[&str],
) -> Result<(), XmlError> {
    for node in document.descendants().filter(roxmltree::Node::is_element) {
        let name = node.tag_name().name();
        match node.tag_name().namespace() {
            Some(found) if found == namespace => {}
            None | Some("") if bare.contains(&name) => {}
            found => {
                return Err(XmlError::at(
                    node,
                    format!(
                        "<{name}> is in namespace {:?}, not {namespace:?}",
                        found.unwrap_or("")
                    ),
                ))
            }
        }
    }
    Ok(())
}

impl fmt::Display for Element<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}>", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_tools_write_reads_the_same() {
        let text = "<A x=\"é\"/>";
        let utf16le: Vec<u8> = text
            .encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut bom_be = vec![0xFE, 0xFF];
        bom_be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        let mut bom8 = b"\xEF\xBB\xBF".to_vec();
        bom8.extend(text.as_bytes());
        for bytes in [text.as_bytes().to_vec(), utf16le, bom_be, bom8] {
            assert_eq!(decode(&bytes).unwrap(), text);
        }
        assert!(decode(b"<A\xFF/>").is_err());
        assert!(decode(&[b'<', 0, b'A']).is_err());
    }

    #[test]
    fn dtds_and_their_entities_are_refused() {
        let bomb = "<!DOCTYPE a [<!ENTITY x \"xx\"><!ENTITY y \"&x;&x;\">]><a>&y;</a>";
        let error = parse(bomb).unwrap_err();
        assert_eq!(error.line, 1);
        assert!(error.message.contains("not well-formed"), "{error}");
    }
}
