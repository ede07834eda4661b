//! The topology file: reading TOML into a [`Topology`] and writing it back.
//!
//! Reading goes in three steps. The TOML parser checks syntax ([`TopologyError::Syntax`]); serde
//! maps the document onto raw structs in which every value keeps its byte span, refusing unknown keys
//! and wrong types ([`TopologyError::Structure`]); then each field is parsed into its type (division
//! code, level, public key) and the entries go through the same checks as
//! [`Topology::from_entries`], with each span turned into a line so every error says
//! `origin:line`. The `[signature]` section is read last and must name the root as signer; whether it
//! verifies is a separate question ([`Topology::verify_signature`]).
//!
//! Writing lays out the same form in code order, with a short comment header, each value written by
//! the TOML serializer. Reading what was written gives back an equal topology, signature included.
//!
//! Key history: `retired_keys` is a list whose elements are either a key (the form of files written
//! before key history: retired in an unknown version, `retired_in_version` 0) or an inline table
//! `{ key = "…", retired_in_version = 3 }`; one list may mix both, a string being short for a table
//! with version 0. `revoked_keys` lists inline tables
//! `{ key = "…", revoked_in_version = 4, compromised_since = "2026-11-20T08:00:00+08:00" }`, the time
//! in RFC 3339 with an explicit offset, quoted or as a TOML offset date-time. The writer keeps the
//! old string list while every retired key has version 0 (so files without history look as they
//! always did), writes tables otherwise, one per line, and writes compromise times in Beijing time.
//!
//! ```toml
//! version = 1
//! name = "宁夏回族自治区 reporting tree"
//!
//! [[node]]
//! code = "640000000000"
//! name_zh = "宁夏回族自治区"
//! name_en = "Ningxia Hui Autonomous Region"
//! level = "region"
//! public_key = "base64 of 32 bytes"      # optional in a template
//! retired_keys = [                       # optional; or a list of keys, retired in an unknown version
//!     { key = "base64 of 32 bytes", retired_in_version = 3 },
//! ]
//! revoked_keys = [                       # optional
//!     { key = "base64 of 32 bytes", revoked_in_version = 4, compromised_since = "2026-11-20T08:00:00+08:00" },
//! ]
//! address = "10.64.0.1:47000"            # optional in a template
//!
//! [[node]]
//! code = "640100000000"
//! parent = "640000000000"
//! # ...
//!
//! [signature]                            # present once signed
//! signer = "640000000000"
//! value = "base64 of 64 bytes"
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::Signature;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use toml::Spanned;

use crate::code::DivisionCode;
use crate::error::{CompromiseTimeProblem, Location, SignatureEncodingProblem, TopologyError};
use crate::key_history::{self, RetiredKey, RevokedKey};
use crate::keys::PublicKey;
use crate::signing::TopologySignature;
use crate::tree::{
    self, EntryLines, Level, MAX_NODES, MAX_RETIRED_KEYS_PER_NODE, MAX_REVOKED_KEYS_PER_NODE,
    NodeEntry, Source, Topology,
};

/// Largest topology text accepted, in bytes.
///
/// A national tree with keys and addresses is about 1 MB (some 300 bytes a node); 64 MiB leaves room
/// for [`MAX_NODES`] nodes with long names and many retired keys, and refuses anything that would
/// make parsing itself the problem. Callers reading a file should check its size against this first.
pub const MAX_TOPOLOGY_TEXT_BYTES: usize = 64 * 1024 * 1024;

/// Comment written at the top of every file that [`Topology::to_toml_string`] produces.
const WRITTEN_HEADER: &str = "\
# huizong reporting tree (topology). Each [[node]] is one node; `parent` says whom it reports to.
# The root's [signature] covers every value below but not comments or layout: after changing any
# value, sign the topology again and raise its version.
";

/// The file as serde sees it, every value with its span.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: Option<u64>,
    name: Option<Spanned<String>>,
    #[serde(default)]
    node: Vec<Spanned<RawNode>>,
    signature: Option<Spanned<RawSignature>>,
}

/// One `[[node]]` table as serde sees it. Required keys are optional here so that a missing one gets
/// its own error naming the node.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNode {
    code: Option<Spanned<String>>,
    name_zh: Option<Spanned<String>>,
    name_en: Option<Spanned<String>>,
    level: Option<Spanned<String>>,
    parent: Option<Spanned<String>>,
    public_key: Option<Spanned<String>>,
    retired_keys: Option<Spanned<Vec<Spanned<RawRetiredKey>>>>,
    revoked_keys: Option<Spanned<Vec<Spanned<RawRevokedKey>>>>,
    address: Option<Spanned<String>>,
}

/// One element of `retired_keys`: a key alone (retired in an unknown version) or a table.
#[derive(Debug)]
enum RawRetiredKey {
    Text(String),
    Table(RawRetiredTable),
}

/// The table form of a retired key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetiredTable {
    key: String,
    retired_in_version: u64,
}

impl<'de> Deserialize<'de> for RawRetiredKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RetiredKeyVisitor)
    }
}

/// Tells the two forms of a retired key apart by their TOML type, so a wrong value gets a message
/// naming both forms rather than serde's "did not match any variant".
struct RetiredKeyVisitor;

impl<'de> Visitor<'de> for RetiredKeyVisitor {
    type Value = RawRetiredKey;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(
            "a base64 key, or a table such as { key = \"base64\", retired_in_version = 3 }",
        )
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(RawRetiredKey::Text(text.to_owned()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        RawRetiredTable::deserialize(de::value::MapAccessDeserializer::new(map))
            .map(RawRetiredKey::Table)
    }
}

/// One element of `revoked_keys`. The time stays a TOML value so that both a string and a TOML
/// offset date-time are read, and a wrong value is reported as a bad time of this key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRevokedKey {
    key: String,
    revoked_in_version: u64,
    compromised_since: toml::Value,
}

/// The `[signature]` table as serde sees it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignature {
    signer: Spanned<String>,
    value: Spanned<String>,
}

/// A retired key in table form, as written.
#[derive(Serialize)]
struct WrittenRetiredKey {
    key: PublicKey,
    retired_in_version: u64,
}

/// A revoked key, as written.
#[derive(Serialize)]
struct WrittenRevokedKey {
    key: PublicKey,
    revoked_in_version: u64,
    compromised_since: String,
}

/// Start offsets of every line, to turn byte spans into line and column numbers.
struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|(_, byte)| *byte == b'\n')
                    .map(|(offset, _)| offset + 1),
            )
            .collect();
        Self { text, line_starts }
    }

    /// The 1-based line holding byte `offset`.
    fn line(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|&start| start <= offset)
            .max(1)
    }

    /// The 1-based line and column (in characters) of byte `offset`.
    fn line_and_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line(offset);
        let line_start = self.line_starts[line - 1];
        // Count characters by their first byte, so a span inside a multi-byte character cannot fail.
        let column = self.text.as_bytes()[line_start..offset]
            .iter()
            .filter(|&&byte| byte & 0xC0 != 0x80)
            .count()
            + 1;
        (line, column)
    }
}

impl Topology {
    /// Reads a topology from TOML text. `origin` (usually the file name) starts every error message.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Topology, TopologyError> {
        parse(text, origin)
    }

    /// Writes the topology as TOML, signature included; [`Topology::from_toml_str`] reads it back
    /// as an equal topology.
    pub fn to_toml_string(&self) -> String {
        write(self)
    }
}

fn parse(text: &str, origin: &str) -> Result<Topology, TopologyError> {
    if text.len() > MAX_TOPOLOGY_TEXT_BYTES {
        return Err(TopologyError::TextTooLarge {
            origin: origin.to_owned(),
            length_bytes: text.len(),
            max_bytes: MAX_TOPOLOGY_TEXT_BYTES,
        });
    }
    let lines = LineIndex::new(text);
    let position =
        |error: &toml::de::Error| lines.line_and_column(error.span().map_or(0, |span| span.start));
    let document = toml::de::Deserializer::parse(text).map_err(|error| {
        let (line, column) = position(&error);
        TopologyError::Syntax {
            origin: origin.to_owned(),
            line,
            column,
            message: error.message().to_owned(),
        }
    })?;
    let raw = RawFile::deserialize(document).map_err(|error| {
        let (line, column) = position(&error);
        TopologyError::Structure {
            origin: origin.to_owned(),
            line,
            column,
            message: error.message().to_owned(),
        }
    })?;

    let version = raw.version.ok_or_else(|| TopologyError::MissingVersion {
        origin: origin.to_owned(),
    })?;
    let name = raw.name.ok_or_else(|| TopologyError::MissingName {
        origin: origin.to_owned(),
    })?;
    let name_line = lines.line(name.span().start);
    // Refuse an oversized list before parsing keys, which costs a curve-point decompression each.
    if raw.node.len() > MAX_NODES {
        return Err(TopologyError::TooManyNodes {
            origin: origin.to_owned(),
            count: raw.node.len(),
        });
    }
    let mut entries = Vec::with_capacity(raw.node.len());
    let mut entry_lines = Vec::with_capacity(raw.node.len());
    for node in raw.node {
        let (entry, node_lines) = parse_node(node, origin, &lines)?;
        entries.push(entry);
        entry_lines.push(node_lines);
    }
    let source = Source {
        origin,
        name_line: Some(name_line),
        entry_lines: &entry_lines,
    };
    let mut topology = tree::build(version, name.into_inner(), entries, &source)?;
    if let Some(signature) = raw.signature {
        topology.signature = Some(parse_signature(
            signature.into_inner(),
            &topology,
            origin,
            &lines,
        )?);
    }
    Ok(topology)
}

fn parse_node(
    node: Spanned<RawNode>,
    origin: &str,
    lines: &LineIndex<'_>,
) -> Result<(NodeEntry, EntryLines), TopologyError> {
    let location = |line: usize| Location {
        origin: origin.to_owned(),
        line: Some(line),
    };
    let line_of = |spanned: &Option<Spanned<String>>| {
        spanned.as_ref().map(|value| lines.line(value.span().start))
    };
    let table_line = lines.line(node.span().start);
    let raw = node.into_inner();
    let node_lines = EntryLines {
        table: Some(table_line),
        name_zh: line_of(&raw.name_zh),
        name_en: line_of(&raw.name_en),
        level: line_of(&raw.level),
        parent: line_of(&raw.parent),
        public_key: line_of(&raw.public_key),
        retired_keys: raw
            .retired_keys
            .as_ref()
            .map(|keys| lines.line(keys.span().start)),
        retired_key_items: raw.retired_keys.as_ref().map_or_else(Vec::new, |keys| {
            keys.get_ref()
                .iter()
                .map(|key| lines.line(key.span().start))
                .collect()
        }),
        revoked_keys: raw
            .revoked_keys
            .as_ref()
            .map(|keys| lines.line(keys.span().start)),
        revoked_key_items: raw.revoked_keys.as_ref().map_or_else(Vec::new, |keys| {
            keys.get_ref()
                .iter()
                .map(|key| lines.line(key.span().start))
                .collect()
        }),
        address: line_of(&raw.address),
    };

    let code_text = raw.code.ok_or_else(|| TopologyError::MissingField {
        location: location(table_line),
        code: None,
        field: "code",
    })?;
    let code = parse_code(&code_text, "code", origin, lines)?;
    let missing = |field: &'static str| TopologyError::MissingField {
        location: location(table_line),
        code: Some(code),
        field,
    };
    let name_zh = raw.name_zh.ok_or_else(|| missing("name_zh"))?;
    let name_en = raw.name_en.ok_or_else(|| missing("name_en"))?;
    let level_text = raw.level.ok_or_else(|| missing("level"))?;
    let level =
        Level::from_slug(level_text.get_ref()).map_err(|error| TopologyError::UnknownLevel {
            location: location(lines.line(level_text.span().start)),
            code,
            value: error.value,
        })?;
    let parent = raw
        .parent
        .as_ref()
        .map(|parent| parse_code(parent, "parent", origin, lines))
        .transpose()?;
    let parse_key = |text: &str, line: usize, field: &'static str| {
        PublicKey::parse(text).map_err(|source| TopologyError::BadPublicKey {
            location: location(line),
            code,
            field,
            source,
        })
    };
    let public_key = raw
        .public_key
        .as_ref()
        .map(|key| parse_key(key.get_ref(), lines.line(key.span().start), "public_key"))
        .transpose()?;

    // Refuse oversized lists before parsing keys, which costs a curve-point decompression each.
    let retired_raw = raw
        .retired_keys
        .map(Spanned::into_inner)
        .unwrap_or_default();
    if retired_raw.len() > MAX_RETIRED_KEYS_PER_NODE {
        return Err(TopologyError::TooManyRetiredKeys {
            location: location(node_lines.retired_keys.unwrap_or(table_line)),
            code,
            count: retired_raw.len(),
        });
    }
    let revoked_raw = raw
        .revoked_keys
        .map(Spanned::into_inner)
        .unwrap_or_default();
    if revoked_raw.len() > MAX_REVOKED_KEYS_PER_NODE {
        return Err(TopologyError::TooManyRevokedKeys {
            location: location(node_lines.revoked_keys.unwrap_or(table_line)),
            code,
            count: revoked_raw.len(),
        });
    }

    let mut retired_keys = Vec::with_capacity(retired_raw.len());
    for item in retired_raw {
        let line = lines.line(item.span().start);
        let (text, retired_in_version) = match item.into_inner() {
            RawRetiredKey::Text(text) => (text, 0),
            RawRetiredKey::Table(table) => (table.key, table.retired_in_version),
        };
        retired_keys.push(RetiredKey {
            key: parse_key(&text, line, "retired_keys")?,
            retired_in_version,
        });
    }
    let mut revoked_keys = Vec::with_capacity(revoked_raw.len());
    for item in revoked_raw {
        let line = lines.line(item.span().start);
        let raw_key = item.into_inner();
        let key = parse_key(&raw_key.key, line, "revoked_keys")?;
        let compromised_since_ms =
            parse_compromised_since(&raw_key.compromised_since).map_err(|problem| {
                TopologyError::BadCompromiseTime {
                    location: location(line),
                    code,
                    key: key.to_string(),
                    problem,
                }
            })?;
        revoked_keys.push(RevokedKey {
            key,
            revoked_in_version: raw_key.revoked_in_version,
            compromised_since_ms,
        });
    }

    let entry = NodeEntry {
        code,
        name_zh: name_zh.into_inner(),
        name_en: name_en.into_inner(),
        level,
        parent,
        public_key,
        retired_keys,
        revoked_keys,
        address: raw.address.map(Spanned::into_inner),
    };
    Ok((entry, node_lines))
}

/// Reads `compromised_since`: a string, or a TOML offset date-time (which has the same text).
fn parse_compromised_since(value: &toml::Value) -> Result<i64, CompromiseTimeProblem> {
    match value {
        toml::Value::String(text) => key_history::parse_compromise_time(text),
        toml::Value::Datetime(datetime) => {
            key_history::parse_compromise_time(&datetime.to_string())
        }
        other => Err(CompromiseTimeProblem::NotATime {
            found: other.type_str(),
        }),
    }
}

fn parse_code(
    text: &Spanned<String>,
    field: &'static str,
    origin: &str,
    lines: &LineIndex<'_>,
) -> Result<DivisionCode, TopologyError> {
    DivisionCode::parse(text.get_ref()).map_err(|source| TopologyError::MalformedCode {
        location: Location {
            origin: origin.to_owned(),
            line: Some(lines.line(text.span().start)),
        },
        field,
        source,
    })
}

fn parse_signature(
    raw: RawSignature,
    topology: &Topology,
    origin: &str,
    lines: &LineIndex<'_>,
) -> Result<TopologySignature, TopologyError> {
    let signer = parse_code(&raw.signer, "signer", origin, lines)?;
    let root = topology.root().code;
    if signer != root {
        return Err(TopologyError::SignerNotRoot {
            location: Location {
                origin: origin.to_owned(),
                line: Some(lines.line(raw.signer.span().start)),
            },
            signer,
            root,
        });
    }
    let malformed = |problem| TopologyError::MalformedSignature {
        location: Location {
            origin: origin.to_owned(),
            line: Some(lines.line(raw.value.span().start)),
        },
        problem,
    };
    let bytes = BASE64
        .decode(raw.value.get_ref())
        .map_err(|source| malformed(SignatureEncodingProblem::NotBase64 { source }))?;
    let bytes: [u8; Signature::BYTE_SIZE] = bytes.as_slice().try_into().map_err(|_| {
        malformed(SignatureEncodingProblem::WrongLength {
            length: bytes.len(),
        })
    })?;
    Ok(TopologySignature {
        signer,
        value: Signature::from_bytes(&bytes),
    })
}

/// Writes the file by hand, each value through the TOML serializer: serde would write lists of
/// tables as `[[node.retired_keys]]` sections after the node, where the inline form keeps every key
/// of a node within its table.
fn write(topology: &Topology) -> String {
    let mut text = format!("{WRITTEN_HEADER}\n");
    push_value(&mut text, "version", &topology.version());
    push_value(&mut text, "name", topology.name());
    for entry in topology.iter() {
        text.push_str("\n[[node]]\n");
        push_value(&mut text, "code", &entry.code);
        push_value(&mut text, "name_zh", &entry.name_zh);
        push_value(&mut text, "name_en", &entry.name_en);
        push_value(&mut text, "level", &entry.level);
        if let Some(parent) = &entry.parent {
            push_value(&mut text, "parent", parent);
        }
        if let Some(key) = &entry.public_key {
            push_value(&mut text, "public_key", key);
        }
        push_retired_keys(&mut text, &entry.retired_keys);
        if !entry.revoked_keys.is_empty() {
            let revoked = entry.revoked_keys.iter().map(|revoked| WrittenRevokedKey {
                key: revoked.key,
                revoked_in_version: revoked.revoked_in_version,
                compromised_since: key_history::format_compromise_time(
                    revoked.compromised_since_ms,
                ),
            });
            push_table_list(&mut text, "revoked_keys", revoked);
        }
        if let Some(address) = &entry.address {
            push_value(&mut text, "address", address);
        }
    }
    if let Some(signature) = topology.signature() {
        text.push_str("\n[signature]\n");
        push_value(&mut text, "signer", &signature.signer());
        push_value(&mut text, "value", &signature.value_base64());
    }
    text
}

/// Writes `retired_keys`: the old list of strings while no retirement version is known, so such
/// files look as they always did; tables otherwise. Nothing when there are none.
fn push_retired_keys(text: &mut String, retired_keys: &[RetiredKey]) {
    if retired_keys.is_empty() {
        return;
    }
    if retired_keys
        .iter()
        .all(|retired| retired.retired_in_version == 0)
    {
        let keys: Vec<PublicKey> = retired_keys.iter().map(|retired| retired.key).collect();
        push_value(text, "retired_keys", &keys);
    } else {
        let tables = retired_keys.iter().map(|retired| WrittenRetiredKey {
            key: retired.key,
            retired_in_version: retired.retired_in_version,
        });
        push_table_list(text, "retired_keys", tables);
    }
}

/// Writes a list of inline tables, one per line, so each key has a line of its own to point at.
fn push_table_list<T: Serialize>(text: &mut String, name: &str, items: impl Iterator<Item = T>) {
    text.push_str(name);
    text.push_str(" = [\n");
    for item in items {
        text.push_str("    ");
        push_inline(text, &item);
        text.push_str(",\n");
    }
    text.push_str("]\n");
}

/// Writes one `name = value` line.
fn push_value<T: Serialize + ?Sized>(text: &mut String, name: &str, value: &T) {
    text.push_str(name);
    text.push_str(" = ");
    push_inline(text, value);
    text.push('\n');
}

/// Writes one value in its inline TOML form.
fn push_inline<T: Serialize + ?Sized>(text: &mut String, value: &T) {
    // Every value written is a string, a small integer (versions are at most `MAX_VERSION`), a list
    // of strings or a table of those, all of which TOML can hold, so serializing cannot fail.
    value
        .serialize(toml::ser::ValueSerializer::new(text))
        .expect("a topology value always serializes to TOML");
}
