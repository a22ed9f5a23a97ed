//! DiskShadow's metadata cabinet (R117; `set metadata`, `load metadata`): a Microsoft cabinet
//! (`.cab`, MS-CAB) holding `Manifest.xml` (UTF-16LE, as Windows writes it), the Backup
//! Components Document `BCDocument.xml` and each writer's document `WM<n>.xml`.
//!
//! Written uncompressed (a valid cabinet any extractor reads); read uncompressed or
//! MSZIP-compressed, as Windows' own cabinets are. The `Dis####.tmp` file Windows adds has
//! no published contents and is left out.

use std::fmt;

use crate::vocab::SnapshotSetId;

/// What a metadata cabinet carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// The shadow copy set.
    pub set: Option<SnapshotSetId>,
    /// The aliases, in order (`VSS_SHADOW_SET`, the copies').
    pub aliases: Vec<(String, String)>,
    /// The Backup Components Document (empty when none was saved).
    pub bcd: String,
    /// The writers' metadata documents.
    pub writers: Vec<String>,
}

/// Why a cabinet could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CabError(String);

impl fmt::Display for CabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CabError {}

fn bad(message: impl Into<String>) -> CabError {
    CabError(message.into())
}

impl Metadata {
    /// The cabinet's bytes, and the names of its files in order (for verbose output).
    pub fn to_cab(&self) -> (Vec<u8>, Vec<String>) {
        let mut files: Vec<(String, Vec<u8>)> = vec![("Manifest.xml".to_owned(), self.manifest())];
        if !self.bcd.is_empty() {
            files.push(("BCDocument.xml".to_owned(), self.bcd.clone().into_bytes()));
        }
        for (n, writer) in self.writers.iter().enumerate() {
            files.push((format!("WM{n}.xml"), writer.clone().into_bytes()));
        }
        let names = files.iter().map(|(n, _)| n.clone()).collect();
        (write_cab(&files), names)
    }

    /// Reads a cabinet DiskShadow (or this simulator) wrote.
    ///
    /// # Errors
    ///
    /// A cabinet that does not parse, or lacks `Manifest.xml`.
    pub fn from_cab(bytes: &[u8]) -> Result<Self, CabError> {
        let files = read_cab(bytes)?;
        let file = |name: &str| {
            files
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, data)| data.as_slice())
        };
        let manifest = file("Manifest.xml").ok_or_else(|| bad("no Manifest.xml in the cabinet"))?;
        let manifest = decode_text(manifest);
        let mut metadata = Self {
            bcd: file("BCDocument.xml").map(decode_text).unwrap_or_default(),
            ..Self::default()
        };
        let doc = roxmltree::Document::parse(&manifest)
            .map_err(|err| bad(format!("Manifest.xml: {err}")))?;
        for node in doc.descendants() {
            match node.tag_name().name() {
                "ShadowCopySet" => {
                    metadata.set = node
                        .attribute("GUID")
                        .and_then(|g| uuid::Uuid::parse_str(g.trim_matches(['{', '}'])).ok())
                        .map(SnapshotSetId);
                }
                "Alias" => {
                    if let (Some(name), Some(value)) =
                        (node.attribute("Name"), node.attribute("Value"))
                    {
                        metadata.aliases.push((name.to_owned(), value.to_owned()));
                    }
                }
                "Writer" => {
                    let name = node.attribute("MetadataFile").unwrap_or_default();
                    let base = name.rsplit(['\\', '/']).next().unwrap_or(name);
                    if let Some(data) = file(base) {
                        metadata.writers.push(decode_text(data));
                    }
                }
                _ => {}
            }
        }
        Ok(metadata)
    }

    /// `Manifest.xml` as Windows writes it: UTF-16LE without a byte order mark, one line,
    /// single-quoted attributes, spaces in writer names as `%s`.
    fn manifest(&self) -> Vec<u8> {
        let mut text = String::from("<Manifest >");
        if let Some(set) = self.set {
            text.push_str(&format!(
                "<ShadowCopySet GUID = '{{{}}}' ></ShadowCopySet>",
                set.0
            ));
        }
        if !self.bcd.is_empty() {
            text.push_str("<BackupComponents File = 'BCDocument.xml' ></BackupComponents>");
        }
        text.push_str("<Aliases >");
        for (name, value) in &self.aliases {
            text.push_str(&format!(
                "<Alias Name = '{}' Value = '{}' ></Alias>",
                xml_attr(name),
                xml_attr(value)
            ));
        }
        text.push_str("</Aliases>");
        text.push_str(&format!("<Writers Count = '{}' >", self.writers.len()));
        for (n, writer) in self.writers.iter().enumerate() {
            let name = crate::xml::wmd::load(writer)
                .map(|view| view.identity.name.replace(' ', "%s"))
                .unwrap_or_default();
            text.push_str(&format!(
                "<Writer Name = '{}' MetadataFile = 'WM{n}.xml' ></Writer>",
                xml_attr(&name)
            ));
        }
        text.push_str("</Writers></Manifest>");
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }
}

fn xml_attr(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('\'', "&apos;")
        .replace('<', "&lt;")
}

/// Text in UTF-16LE (with or without its byte order mark) or UTF-8.
fn decode_text(bytes: &[u8]) -> String {
    let utf16 = bytes.len() >= 2 && (bytes.starts_with(&[0xFF, 0xFE]) || bytes[1] == 0);
    if utf16 {
        let body = bytes.strip_prefix(&[0xFF, 0xFE]).unwrap_or(bytes);
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes))
            .into_owned()
    }
}

/// Data blocks hold at most 32 KiB (MS-CAB).
const BLOCK: usize = 0x8000;

/// An uncompressed cabinet of `files`, one folder.
fn write_cab(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let data: Vec<u8> = files.iter().flat_map(|(_, d)| d.iter().copied()).collect();
    let blocks: Vec<&[u8]> = if data.is_empty() {
        Vec::new()
    } else {
        data.chunks(BLOCK).collect()
    };
    let header = 36;
    let folder = 8;
    let file_entries: usize = files.iter().map(|(name, _)| 16 + name.len() + 1).sum();
    let data_start = header + folder + file_entries;
    let total = data_start + blocks.iter().map(|b| 8 + b.len()).sum::<usize>();
    let u32le = |v: usize| u32::try_from(v).unwrap_or(u32::MAX).to_le_bytes();
    let u16le = |v: usize| u16::try_from(v).unwrap_or(u16::MAX).to_le_bytes();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"MSCF");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&u32le(total));
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&u32le(header + folder));
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&[3, 1]); // version 1.3
    out.extend_from_slice(&u16le(1)); // folders
    out.extend_from_slice(&u16le(files.len()));
    out.extend_from_slice(&[0; 2]); // flags
    out.extend_from_slice(&[0x56, 0x53]); // set id
    out.extend_from_slice(&[0; 2]); // cabinet index
    out.extend_from_slice(&u32le(data_start));
    out.extend_from_slice(&u16le(blocks.len()));
    out.extend_from_slice(&[0; 2]); // no compression
    let mut offset = 0;
    for (name, bytes) in files {
        out.extend_from_slice(&u32le(bytes.len()));
        out.extend_from_slice(&u32le(offset));
        out.extend_from_slice(&[0; 2]); // folder 0
        out.extend_from_slice(&[0x21, 0x5b]); // date 2025-09-01
        out.extend_from_slice(&[0; 2]); // time
        let utf8 = if name.is_ascii() { 0x20 } else { 0xa0 };
        out.extend_from_slice(&u16le(utf8));
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        offset += bytes.len();
    }
    for block in blocks {
        out.extend_from_slice(&[0; 4]); // no checksum
        out.extend_from_slice(&u16le(block.len()));
        out.extend_from_slice(&u16le(block.len()));
        out.extend_from_slice(block);
    }
    out
}

/// The files of a one-cabinet archive: (name, bytes).
fn read_cab(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, CabError> {
    let u16_at = |at: usize| -> Result<usize, CabError> {
        bytes
            .get(at..at + 2)
            .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
            .ok_or_else(|| bad("the cabinet is truncated"))
    };
    let u32_at = |at: usize| -> Result<usize, CabError> {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or_else(|| bad("the cabinet is truncated"))
    };
    if !bytes.starts_with(b"MSCF") {
        return Err(bad("not a cabinet (no MSCF signature)"));
    }
    let files_at = u32_at(16)?;
    let folders = u16_at(26)?;
    let file_count = u16_at(28)?;
    let flags = u16_at(30)?;
    let mut at = 36;
    let (mut folder_reserve, mut data_reserve) = (0, 0);
    if flags & 0x0004 != 0 {
        let header_reserve = u16_at(36)?;
        folder_reserve = usize::from(
            *bytes
                .get(38)
                .ok_or_else(|| bad("the cabinet is truncated"))?,
        );
        data_reserve = usize::from(
            *bytes
                .get(39)
                .ok_or_else(|| bad("the cabinet is truncated"))?,
        );
        at = 40 + header_reserve;
    }
    if flags & 0x0003 != 0 {
        return Err(bad("cabinets spanning several files are not supported"));
    }
    // Each folder's data, decompressed.
    let mut folder_data = Vec::with_capacity(folders);
    for _ in 0..folders {
        let start = u32_at(at)?;
        let blocks = u16_at(at + 4)?;
        let compression = u16_at(at + 6)? & 0x000f;
        at += 8 + folder_reserve;
        folder_data.push(read_folder(
            bytes,
            start,
            blocks,
            compression,
            data_reserve,
        )?);
    }
    let mut files = Vec::with_capacity(file_count);
    let mut at = files_at;
    for _ in 0..file_count {
        let size = u32_at(at)?;
        let offset = u32_at(at + 4)?;
        let folder = u16_at(at + 8)?;
        let name_at = at + 16;
        let end = bytes
            .get(name_at..)
            .and_then(|rest| rest.iter().position(|&b| b == 0))
            .ok_or_else(|| bad("a file name is not terminated"))?;
        let name = String::from_utf8_lossy(&bytes[name_at..name_at + end]).into_owned();
        at = name_at + end + 1;
        let data = folder_data
            .get(folder)
            .and_then(|d| d.get(offset..offset.checked_add(size)?))
            .ok_or_else(|| bad(format!("{name}: its data lies outside its folder")))?;
        files.push((name, data.to_vec()));
    }
    Ok(files)
}

fn read_folder(
    bytes: &[u8],
    mut at: usize,
    blocks: usize,
    compression: usize,
    reserve: usize,
) -> Result<Vec<u8>, CabError> {
    let mut out = Vec::new();
    for _ in 0..blocks {
        let header = bytes
            .get(at..at + 8)
            .ok_or_else(|| bad("a data block is truncated"))?;
        let packed = usize::from(u16::from_le_bytes([header[4], header[5]]));
        let unpacked = usize::from(u16::from_le_bytes([header[6], header[7]]));
        let data_at = at + 8 + reserve;
        let data = bytes
            .get(data_at..data_at + packed)
            .ok_or_else(|| bad("a data block is truncated"))?;
        at = data_at + packed;
        match compression {
            0 => out.extend_from_slice(data),
            1 => inflate_mszip(data, unpacked, &mut out)?,
            other => {
                return Err(bad(format!(
                    "compression type {other} is not supported (only none and MSZIP)"
                )))
            }
        }
    }
    Ok(out)
}

/// One MSZIP block: `CK` and a deflate stream that may refer to the previous blocks' output.
fn inflate_mszip(data: &[u8], unpacked: usize, out: &mut Vec<u8>) -> Result<(), CabError> {
    use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
    use miniz_oxide::inflate::TINFLStatus;
    let stream = data
        .strip_prefix(b"CK")
        .ok_or_else(|| bad("an MSZIP block lacks its CK signature"))?;
    let start = out.len();
    out.resize(start + unpacked, 0);
    let mut state = DecompressorOxide::new();
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let (status, _, written) = decompress(&mut state, stream, out, start, flags);
    if !matches!(status, TINFLStatus::Done) || written != unpacked {
        out.truncate(start);
        return Err(bad("an MSZIP block does not inflate"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cabinet_round_trips_with_its_manifest_aliases_and_documents() {
        let metadata = Metadata {
            set: Some(SnapshotSetId(uuid::Uuid::from_u128(7))),
            aliases: vec![("VSS_SHADOW_SET".into(), "{x}".into())],
            bcd: "<BACKUP_COMPONENTS/>".into(),
            writers: Vec::new(),
        };
        let (bytes, names) = metadata.to_cab();
        assert_eq!(names, ["Manifest.xml", "BCDocument.xml"]);
        assert!(bytes.starts_with(b"MSCF"));
        assert_eq!(Metadata::from_cab(&bytes).unwrap(), metadata);
        assert!(Metadata::from_cab(b"PK\x03\x04").is_err());
        assert!(Metadata::from_cab(&bytes[..40]).is_err());
    }
}
