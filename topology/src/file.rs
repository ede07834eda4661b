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
//! Writing serializes the same layout in code order, with a short comment header. Reading what was
//! written gives back an equal topology, signature included.
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
//! retired_keys = []                      # optional
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

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::Signature;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::code::DivisionCode;
use crate::error::{Location, SignatureEncodingProblem, TopologyError};
use crate::keys::PublicKey;
use crate::signing::TopologySignature;
use crate::tree::{
    self, EntryLines, Level, MAX_NODES, MAX_RETIRED_KEYS_PER_NODE, NodeEntry, Source, Topology,
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
    retired_keys: Option<Spanned<Vec<Spanned<String>>>>,
    address: Option<Spanned<String>>,
}

/// The `[signature]` table as serde sees it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignature {
    signer: Spanned<String>,
    value: Spanned<String>,
}

/// The file as written, borrowing from the topology.
#[derive(Serialize)]
struct WrittenFile<'a> {
    version: u64,
    name: &'a str,
    node: Vec<WrittenNode<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<WrittenSignature>,
}

#[derive(Serialize)]
struct WrittenNode<'a> {
    code: DivisionCode,
    name_zh: &'a str,
    name_en: &'a str,
    level: Level,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<DivisionCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    public_key: Option<PublicKey>,
    #[serde(skip_serializing_if = "<[PublicKey]>::is_empty")]
    retired_keys: &'a [PublicKey],
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a str>,
}

#[derive(Serialize)]
struct WrittenSignature {
    signer: DivisionCode,
    value: String,
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
    let parse_key = |text: &Spanned<String>, field: &'static str| {
        PublicKey::parse(text.get_ref()).map_err(|source| TopologyError::BadPublicKey {
            location: location(lines.line(text.span().start)),
            code,
            field,
            source,
        })
    };
    let public_key = raw
        .public_key
        .as_ref()
        .map(|key| parse_key(key, "public_key"))
        .transpose()?;
    let retired_texts = raw
        .retired_keys
        .map(Spanned::into_inner)
        .unwrap_or_default();
    if retired_texts.len() > MAX_RETIRED_KEYS_PER_NODE {
        return Err(TopologyError::TooManyRetiredKeys {
            location: location(node_lines.retired_keys.unwrap_or(table_line)),
            code,
            count: retired_texts.len(),
        });
    }
    let retired_keys = retired_texts
        .iter()
        .map(|key| parse_key(key, "retired_keys"))
        .collect::<Result<Vec<_>, _>>()?;
    let entry = NodeEntry {
        code,
        name_zh: name_zh.into_inner(),
        name_en: name_en.into_inner(),
        level,
        parent,
        public_key,
        retired_keys,
        address: raw.address.map(Spanned::into_inner),
    };
    Ok((entry, node_lines))
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

fn write(topology: &Topology) -> String {
    let file = WrittenFile {
        version: topology.version(),
        name: topology.name(),
        node: topology
            .iter()
            .map(|entry| WrittenNode {
                code: entry.code,
                name_zh: &entry.name_zh,
                name_en: &entry.name_en,
                level: entry.level,
                parent: entry.parent,
                public_key: entry.public_key,
                retired_keys: &entry.retired_keys,
                address: entry.address.as_deref(),
            })
            .collect(),
        signature: topology.signature().map(|signature| WrittenSignature {
            signer: signature.signer(),
            value: signature.value_base64(),
        }),
    };
    // Every value is a string, a small integer (the version is at most `MAX_VERSION`) or a table of
    // those, all of which TOML can hold, so serializing cannot fail.
    let body = toml::to_string(&file).expect("a topology always serializes to TOML");
    format!("{WRITTEN_HEADER}\n{body}")
}
