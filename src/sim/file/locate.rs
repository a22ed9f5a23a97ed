//! Where a field is in a scenario's text: the byte offset of the value (or, when the path goes
//! no deeper, of the nearest enclosing value) a [`FieldPath`] names, in TOML or JSON.

use super::check::{FieldPath, Seg};

/// A place in a parsed TOML document: an item, a value inside an inline structure, or a table
/// of an array of tables.
#[derive(Clone, Copy)]
enum Node<'a> {
    Item(&'a toml_edit::Item),
    Value(&'a toml_edit::Value),
    Table(&'a toml_edit::Table),
}

impl<'a> Node<'a> {
    fn table(self) -> Option<&'a dyn toml_edit::TableLike> {
        match self {
            Self::Item(item) => item.as_table_like(),
            Self::Value(value) => value
                .as_inline_table()
                .map(|t| t as &dyn toml_edit::TableLike),
            Self::Table(table) => Some(table),
        }
    }

    /// The child at `seg` and where it starts (a key's own position for a table member).
    fn child(self, seg: &Seg) -> Option<(Self, Option<usize>)> {
        match seg {
            Seg::Key(key) => {
                let table = self.table()?;
                let child = table.get(key)?;
                let at = table.key(key).and_then(toml_edit::Key::span);
                Some((
                    Node::Item(child),
                    at.or_else(|| child.span()).map(|s| s.start),
                ))
            }
            Seg::Index(index) => match self {
                Self::Item(item) => {
                    if let Some(tables) = item.as_array_of_tables() {
                        let table = tables.get(*index)?;
                        return Some((Self::Table(table), table.span().map(|s| s.start)));
                    }
                    let element = item.as_array()?.get(*index)?;
                    Some((Self::Value(element), element.span().map(|s| s.start)))
                }
                Self::Value(value) => {
                    let element = value.as_array()?.get(*index)?;
                    Some((Self::Value(element), element.span().map(|s| s.start)))
                }
                Self::Table(_) => None,
            },
        }
    }
}

/// The offset of the deepest part of `path` found in the TOML `text`.
pub(crate) fn toml_offset(text: &str, path: &FieldPath) -> Option<usize> {
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    let mut node = Node::Item(doc.as_item());
    let mut found = None;
    for seg in &path.0 {
        let Some((child, at)) = node.child(seg) else {
            break;
        };
        found = at.or(found);
        node = child;
    }
    found
}

/// The field of the `key = value` line holding `offset` in TOML `text` that did not parse (a
/// number too large, say): the line's key under the last table header before it, counting
/// `[[array]]` headers for the index. Dotted keys and inline tables give their outer key only.
pub(crate) fn toml_field_at(text: &str, offset: usize) -> FieldPath {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or_default();
    let mut path = FieldPath::default();
    let mut header: Option<(&str, usize)> = None;
    let mut arrays: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for previous in text[..line_start].lines() {
        let previous = previous.trim();
        if let Some(name) = previous
            .strip_prefix("[[")
            .and_then(|r| r.split("]]").next())
        {
            let name = name.trim();
            let count = arrays.entry(name).or_insert(0);
            header = Some((name, *count));
            *count += 1;
        } else if let Some(name) = previous.strip_prefix('[').and_then(|r| r.split(']').next()) {
            header = Some((name.trim(), usize::MAX));
        }
    }
    if let Some((name, index)) = header {
        for part in name.split('.') {
            path.0.push(Seg::Key(part.trim().to_owned()));
        }
        if index != usize::MAX {
            path.0.push(Seg::Index(index));
        }
    }
    if let Some((key, _)) = line.split_once('=') {
        let key = key.trim().trim_matches('"');
        if !key.is_empty() && !key.starts_with('#') {
            path.0.push(Seg::Key(key.to_owned()));
        }
    }
    path
}

/// The offset of the deepest part of `path` found in the JSON `text`.
pub(crate) fn json_offset(text: &str, path: &FieldPath) -> Option<usize> {
    let mut scanner = Json {
        bytes: text.as_bytes(),
        at: 0,
    };
    scanner.space();
    let mut found = Some(scanner.at);
    for seg in &path.0 {
        let located = match seg {
            Seg::Key(key) => scanner.member(key),
            Seg::Index(index) => scanner.element(*index),
        };
        match located {
            Some(at) => found = Some(at),
            None => break,
        }
    }
    found
}

/// A forward-only JSON scanner, enough to find a member or an element and skip values.
struct Json<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Json<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn space(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    /// Skips one string starting at `"`; its text (escapes kept as written).
    fn string(&mut self) -> Option<&str> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.at + 1;
        self.at += 1;
        while let Some(b) = self.peek() {
            match b {
                b'\\' => self.at += 2,
                b'"' => {
                    self.at += 1;
                    return std::str::from_utf8(&self.bytes[start..self.at - 1]).ok();
                }
                _ => self.at += 1,
            }
        }
        None
    }

    /// Skips one value; `None` when the text is not a value there (the scanner reads text that
    /// may not be JSON at all, so every step must consume something or give up).
    fn skip(&mut self) -> Option<()> {
        self.skip_nested(0)
    }

    fn skip_nested(&mut self, depth: usize) -> Option<()> {
        // serde_json stops at 128 levels; nothing deeper is worth locating.
        if depth > 256 {
            return None;
        }
        self.space();
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            open @ (b'{' | b'[') => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.at += 1;
                loop {
                    self.space();
                    match self.peek()? {
                        b if b == close => {
                            self.at += 1;
                            return Some(());
                        }
                        b',' | b':' => self.at += 1,
                        b'}' | b']' => return None,
                        _ => self.skip_nested(depth + 1)?,
                    }
                }
            }
            _ => {
                let start = self.at;
                while self.peek().is_some_and(|b| {
                    !matches!(b, b',' | b':' | b'{' | b'[' | b'}' | b']' | b'"')
                        && !b.is_ascii_whitespace()
                }) {
                    self.at += 1;
                }
                (self.at > start).then_some(())
            }
        }
    }

    /// Inside the object at the cursor, moves to member `key`'s value; its offset.
    fn member(&mut self, key: &str) -> Option<usize> {
        self.space();
        if self.peek()? != b'{' {
            return None;
        }
        self.at += 1;
        loop {
            self.space();
            match self.peek()? {
                b'}' => return None,
                b',' => self.at += 1,
                b'"' => {
                    let name = self.string()?.to_owned();
                    self.space();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.at += 1;
                    self.space();
                    if name == key {
                        return Some(self.at);
                    }
                    self.skip()?;
                }
                _ => return None,
            }
        }
    }

    /// Inside the array at the cursor, moves to element `index`; its offset.
    fn element(&mut self, index: usize) -> Option<usize> {
        self.space();
        if self.peek()? != b'[' {
            return None;
        }
        self.at += 1;
        let mut n = 0;
        loop {
            self.space();
            match self.peek()? {
                b']' => return None,
                b',' => self.at += 1,
                _ if n == index => return Some(self.at),
                _ => {
                    self.skip()?;
                    n += 1;
                }
            }
        }
    }
}
