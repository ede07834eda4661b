//! The validated reporting tree: [`Topology`], its [`NodeEntry`] list and the [`Level`] of each node.
//!
//! Entries come in from a TOML file ([`crate::file`]) or from code ([`Topology::from_entries`]) and go
//! through the same checks in `build`: bounds, names, addresses, unique codes, exactly one root, no
//! orphans, no cycles, each child at a lower level than its parent, no key listed twice (current,
//! retired or revoked, of one node or of two), key history within the topology's version. What
//! comes out can only describe a tree, so the questions the rest of the system asks (who is the parent
//! of this code, is that code in my subtree, which child leads toward it) are answered from indexes
//! built once here, without further checks.
//!
//! Changing a key, an address or the version drops the root's signature: what the root signed is no
//! longer what the topology says. The key operations and key history live in [`crate::key_history`].

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::address::NodeAddress;
use crate::code::DivisionCode;
use crate::error::{KeyRole, Location, NameProblem, TopologyError};
use crate::key_history::{self, RetiredKey, RevokedKey};
use crate::keys::PublicKey;
use crate::signing::TopologySignature;
use crate::text::{display_in_current_language, shown};

/// Most nodes one topology may hold.
///
/// The national tree is about 3,209 nodes (1 + 31 + 333 + 2,844). Thirty times that leaves room for
/// finer trees (townships) in simulation while keeping a topology's indexes a few megabytes.
pub const MAX_NODES: usize = 100_000;

/// Most characters in a node name or the topology name.
///
/// The longest official Chinese division names are under 20 characters and English ones under 60;
/// a longer name is almost certainly a paste error, and names appear in every log line and export.
pub const MAX_NAME_CHARS: usize = 100;

/// Most retired keys one node may list.
///
/// Keys are rotated on compromise or staff change, a few times in a node's life. The bound keeps a
/// malicious topology from making every signature check scan a long list.
pub const MAX_RETIRED_KEYS_PER_NODE: usize = 32;

/// Most revoked keys one node may list.
///
/// A key is revoked when it is lost or stolen, rarer still than a rotation. As for retired keys, the
/// bound keeps a malicious topology from making every signature check scan a long list.
pub const MAX_REVOKED_KEYS_PER_NODE: usize = 32;

/// Largest topology version: TOML integers are signed 64-bit, so the file could not hold a larger one.
pub const MAX_VERSION: u64 = i64::MAX as u64;

/// The origin named in errors from [`Topology::from_entries`], which has no file.
pub const ENTRIES_ORIGIN: &str = "Topology::from_entries";

/// The administrative level of a node, from the top of the tree down.
///
/// Levels order by depth: `Nation < Region < City < County`. A child is always at a lower level
/// (greater in this order) than its parent, although it may skip a level (a county-level city
/// administered directly by its region).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The national administration (国管局), above the regions; present in national simulations.
    Nation,
    /// A province, autonomous region or directly administered municipality (省级).
    Region,
    /// A prefecture-level division (地级).
    City,
    /// A county-level division: county, district or county-level city (县级).
    County,
    /// A township-level division: town, township or sub-district (乡级), digits 7 to 9 of the code.
    Township,
    /// A village-level division: village or residents' committee (村级), digits 10 to 12.
    Village,
}

/// A level name that is not one of the six.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LevelParseError {
    /// The text that was offered.
    pub value: String,
}

impl LevelParseError {
    /// What is wrong with the level name, in a language of the catalogues (`"zh-CN"`, `"en"`).
    pub fn localized(&self, locale: &str) -> String {
        rust_i18n::t!(
            "topology.level_parse.unknown",
            locale = locale,
            value = shown(&self.value)
        )
        .into_owned()
    }
}

display_in_current_language!(LevelParseError);

impl Level {
    /// Every level, from the top down.
    pub const ALL: [Level; 6] = [
        Level::Nation,
        Level::Region,
        Level::City,
        Level::County,
        Level::Township,
        Level::Village,
    ];

    /// The lowercase English word used in files and on the command line.
    pub fn slug(self) -> &'static str {
        match self {
            Level::Nation => "nation",
            Level::Region => "region",
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
            Level::Village => "village",
        }
    }

    /// The Chinese name of the level, as used in official forms.
    pub fn name_zh(self) -> &'static str {
        match self {
            Level::Nation => "国家",
            Level::Region => "省级",
            Level::City => "地级",
            Level::County => "县级",
            Level::Township => "乡级",
            Level::Village => "村级",
        }
    }

    /// Parses a slug (`"nation"`, `"region"`, `"city"`, `"county"`, `"township"` or `"village"`).
    pub fn from_slug(text: &str) -> Result<Self, LevelParseError> {
        Self::ALL
            .into_iter()
            .find(|level| level.slug() == text)
            .ok_or_else(|| LevelParseError {
                value: text.to_owned(),
            })
    }
}

impl FromStr for Level {
    type Err = LevelParseError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_slug(text)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.slug())
    }
}

/// One node of the tree as listed in the topology.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeEntry {
    /// The node's identity everywhere in the system.
    pub code: DivisionCode,
    /// The official Chinese name, shown to clerks and printed on returns.
    pub name_zh: String,
    /// An English name, for logs and for operators who do not read Chinese.
    pub name_en: String,
    /// The administrative level, which decides which ledgers and forms apply.
    pub level: Level,
    /// The node this one reports to; `None` only for the root.
    pub parent: Option<DivisionCode>,
    /// The key that speaks for this node now; optional in a template, required to sign.
    pub public_key: Option<PublicKey>,
    /// Earlier keys of this node with the version that retired each, so signatures made before a
    /// rotation can still be checked; in the order they were retired.
    pub retired_keys: Vec<RetiredKey>,
    /// Keys of this node that must no longer be trusted (lost or stolen), with the version that
    /// revoked each and the time from which it is believed compromised; in the order revoked.
    pub revoked_keys: Vec<RevokedKey>,
    /// `host:port` of the node's QUIC endpoint; required to sign for every node that has children.
    pub address: Option<String>,
}

impl NodeEntry {
    /// An entry with no key, no retired or revoked keys and no address, as in a template.
    pub fn new(
        code: DivisionCode,
        name_zh: impl Into<String>,
        name_en: impl Into<String>,
        level: Level,
        parent: Option<DivisionCode>,
    ) -> Self {
        Self {
            code,
            name_zh: name_zh.into(),
            name_en: name_en.into(),
            level,
            parent,
            public_key: None,
            retired_keys: Vec::new(),
            revoked_keys: Vec::new(),
            address: None,
        }
    }
}

/// Lines in the source text where each part of one entry was written, so errors can point at them.
#[derive(Debug, Clone, Default)]
pub(crate) struct EntryLines {
    pub(crate) table: Option<usize>,
    pub(crate) name_zh: Option<usize>,
    pub(crate) name_en: Option<usize>,
    pub(crate) level: Option<usize>,
    pub(crate) parent: Option<usize>,
    pub(crate) public_key: Option<usize>,
    pub(crate) retired_keys: Option<usize>,
    /// The line of each element of `retired_keys`, in order.
    pub(crate) retired_key_items: Vec<usize>,
    pub(crate) revoked_keys: Option<usize>,
    /// The line of each element of `revoked_keys`, in order.
    pub(crate) revoked_key_items: Vec<usize>,
    pub(crate) address: Option<usize>,
}

/// Where one key of an entry is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyPlace {
    /// The current key, `public_key`.
    Current,
    /// The element at this index of `retired_keys`.
    Retired(usize),
    /// The element at this index of `revoked_keys`.
    Revoked(usize),
}

impl KeyPlace {
    /// The role an error message names.
    fn role(self) -> KeyRole {
        match self {
            KeyPlace::Current => KeyRole::Current,
            KeyPlace::Retired(_) => KeyRole::Retired,
            KeyPlace::Revoked(_) => KeyRole::Revoked,
        }
    }
}

impl EntryLines {
    /// The line of one key, falling back to the line of its list.
    fn key_line(&self, place: KeyPlace) -> Option<usize> {
        match place {
            KeyPlace::Current => self.public_key,
            KeyPlace::Retired(index) => self
                .retired_key_items
                .get(index)
                .copied()
                .or(self.retired_keys),
            KeyPlace::Revoked(index) => self
                .revoked_key_items
                .get(index)
                .copied()
                .or(self.revoked_keys),
        }
    }
}

/// Picks the line of one part of an entry, such as its `parent`.
type LinePicker = fn(&EntryLines) -> Option<usize>;

/// Where the entries being built came from: the origin name and, for a file, the lines of each part.
#[derive(Debug)]
pub(crate) struct Source<'a> {
    pub(crate) origin: &'a str,
    pub(crate) name_line: Option<usize>,
    /// One element per entry, in the order the entries were given; empty when there is no text.
    pub(crate) entry_lines: &'a [EntryLines],
}

impl Source<'_> {
    fn location(&self, line: Option<usize>) -> Location {
        Location {
            origin: self.origin.to_owned(),
            line,
        }
    }

    /// The location of one part of an entry, falling back to the entry's table header.
    fn at(&self, entry_index: usize, part: impl Fn(&EntryLines) -> Option<usize>) -> Location {
        let line = self
            .entry_lines
            .get(entry_index)
            .and_then(|lines| part(lines).or(lines.table));
        self.location(line)
    }

    /// The location of one key of an entry, falling back to its list, then the table header.
    fn at_key(&self, entry_index: usize, place: KeyPlace) -> Location {
        self.at(entry_index, |lines| lines.key_line(place))
    }
}

/// Tree structure of one entry, computed once when the topology is built.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Links {
    /// Index of the parent entry; `None` only for the root.
    parent_index: Option<usize>,
    /// Codes of the children, ascending.
    children: Vec<DivisionCode>,
    /// Edges from the root (the root is 0).
    depth: usize,
    /// Position of this entry in the pre-order walk, which lists every subtree as one contiguous run.
    preorder_position: usize,
    /// Number of entries in the subtree rooted here, this one included.
    subtree_size: usize,
}

/// A validated reporting tree: exactly one root, every other node under it, levels descending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// Monotonic: a node replaces its topology only with one of a higher version.
    pub(crate) version: u64,
    /// A title for operators, covered by the signature like everything else.
    pub(crate) name: String,
    /// Every node, sorted by code so lookups are a binary search.
    pub(crate) entries: Vec<NodeEntry>,
    /// Tree structure, parallel to `entries`.
    links: Vec<Links>,
    /// Entry indexes in pre-order (each node before its children, children ascending by code).
    preorder: Vec<usize>,
    /// Index of the root entry.
    root_index: usize,
    /// The root's signature over [`Topology::canonical_bytes`], if signed and unchanged since.
    pub(crate) signature: Option<TopologySignature>,
}

impl Topology {
    /// Builds a topology from entries in any order, with the same checks as a file gets.
    ///
    /// Errors name the node's code; their origin is [`ENTRIES_ORIGIN`] since there are no lines.
    pub fn from_entries(
        version: u64,
        name: String,
        entries: Vec<NodeEntry>,
    ) -> Result<Topology, TopologyError> {
        let source = Source {
            origin: ENTRIES_ORIGIN,
            name_line: None,
            entry_lines: &[],
        };
        build(version, name, entries, &source)
    }

    /// The version, which only ever increases from one published topology to the next.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Sets the version and drops the signature. The version is at most [`MAX_VERSION`], to which
    /// larger values are lowered, and at least the latest version in which a key was retired or
    /// revoked, to which smaller values are raised: a topology never records key history from a
    /// version later than its own.
    pub fn set_version(&mut self, version: u64) {
        self.version = version
            .min(MAX_VERSION)
            .max(self.latest_key_change_version());
        self.signature = None;
    }

    /// The topology's title.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The root node: the one without a parent.
    pub fn root(&self) -> &NodeEntry {
        &self.entries[self.root_index]
    }

    /// The entry of `code`, if it is in the topology.
    pub fn node(&self, code: DivisionCode) -> Option<&NodeEntry> {
        self.index_of(code).map(|index| &self.entries[index])
    }

    /// Whether `code` is a node of this topology.
    pub fn contains(&self, code: DivisionCode) -> bool {
        self.index_of(code).is_some()
    }

    /// The node `code` reports to; `None` for the root and for codes not in the topology.
    pub fn parent_of(&self, code: DivisionCode) -> Option<DivisionCode> {
        self.node(code).and_then(|entry| entry.parent)
    }

    /// The nodes that report to `code`, ascending; empty for leaves and for unknown codes.
    pub fn children_of(&self, code: DivisionCode) -> &[DivisionCode] {
        match self.index_of(code) {
            Some(index) => &self.links[index].children,
            None => &[],
        }
    }

    /// Whether `code` is `ancestor` or lies below it. False when either is not in the topology.
    pub fn is_in_subtree(&self, ancestor: DivisionCode, code: DivisionCode) -> bool {
        match (self.index_of(ancestor), self.index_of(code)) {
            (Some(ancestor_index), Some(code_index)) => {
                self.subtree_holds(ancestor_index, code_index)
            }
            _ => false,
        }
    }

    /// The child of `ancestor` whose subtree holds `descendant`: the next hop down toward it.
    ///
    /// `None` when `descendant` is `ancestor` itself, is not below it, or either is unknown.
    pub fn child_toward(
        &self,
        ancestor: DivisionCode,
        descendant: DivisionCode,
    ) -> Option<DivisionCode> {
        let ancestor_index = self.index_of(ancestor)?;
        let mut current = self.index_of(descendant)?;
        if current == ancestor_index || !self.subtree_holds(ancestor_index, current) {
            return None;
        }
        // The walk ends because every parent chain reaches the root, and the ancestor is on this one.
        loop {
            let parent = self.links[current].parent_index?;
            if parent == ancestor_index {
                return Some(self.entries[current].code);
            }
            current = parent;
        }
    }

    /// The codes of the subtree rooted at `code` in pre-order (`code` first, children ascending);
    /// empty for an unknown code.
    pub fn subtree(&self, code: DivisionCode) -> Vec<DivisionCode> {
        let Some(index) = self.index_of(code) else {
            return Vec::new();
        };
        let links = &self.links[index];
        let run = links.preorder_position..links.preorder_position + links.subtree_size;
        self.preorder[run]
            .iter()
            .map(|&member| self.entries[member].code)
            .collect()
    }

    /// Number of nodes in the subtree rooted at `code`, itself included; 0 for an unknown code.
    pub fn subtree_len(&self, code: DivisionCode) -> usize {
        self.index_of(code)
            .map_or(0, |index| self.links[index].subtree_size)
    }

    /// Edges between the root and `code` (the root is at depth 0).
    pub fn depth_of(&self, code: DivisionCode) -> Option<usize> {
        self.index_of(code).map(|index| self.links[index].depth)
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Always false: a topology has at least its root. Present because `len` is.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every node, ascending by code.
    pub fn iter(&self) -> impl Iterator<Item = &NodeEntry> {
        self.entries.iter()
    }

    /// Every node in pre-order from the root (each node before its children, children ascending).
    pub fn iter_preorder(&self) -> impl Iterator<Item = &NodeEntry> {
        self.preorder.iter().map(|&index| &self.entries[index])
    }

    /// Sets the `host:port` address of `code` after checking its form, and drops the signature.
    pub fn set_address(
        &mut self,
        code: DivisionCode,
        address: String,
    ) -> Result<(), TopologyError> {
        let index = self.require(code)?;
        NodeAddress::parse(&address).map_err(|source| TopologyError::BadAddress {
            location: Location::origin_only("Topology::set_address"),
            code,
            source,
        })?;
        self.entries[index].address = Some(address);
        self.signature = None;
        Ok(())
    }

    fn index_of(&self, code: DivisionCode) -> Option<usize> {
        self.entries
            .binary_search_by_key(&code, |entry| entry.code)
            .ok()
    }

    /// The index of `code`'s entry, or [`TopologyError::UnknownNode`].
    pub(crate) fn require(&self, code: DivisionCode) -> Result<usize, TopologyError> {
        self.index_of(code)
            .ok_or(TopologyError::UnknownNode { code })
    }

    fn subtree_holds(&self, ancestor_index: usize, code_index: usize) -> bool {
        let ancestor = &self.links[ancestor_index];
        let position = self.links[code_index].preorder_position;
        position >= ancestor.preorder_position
            && position < ancestor.preorder_position + ancestor.subtree_size
    }

    /// Refuses `key` when a node other than the one at `index` has or had it (current, retired or
    /// revoked), so no key ever speaks for two nodes.
    pub(crate) fn refuse_key_of_other_node(
        &self,
        index: usize,
        key: &PublicKey,
        origin: &str,
    ) -> Result<(), TopologyError> {
        match self
            .entries
            .iter()
            .enumerate()
            .find(|(other, entry)| *other != index && entry.key_status(key).is_some())
        {
            Some((_, owner)) => Err(TopologyError::DuplicatePublicKey {
                location: Location::origin_only(origin),
                key: key.to_string(),
                first: owner.code,
                second: self.entries[index].code,
            }),
            None => Ok(()),
        }
    }
}

/// Checks a name: not blank, not too long, no control characters.
pub(crate) fn check_name(name: &str) -> Result<(), NameProblem> {
    if name.trim().is_empty() {
        return Err(NameProblem::Empty);
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(NameProblem::TooLong { chars });
    }
    if name.chars().any(char::is_control) {
        return Err(NameProblem::ControlCharacter);
    }
    Ok(())
}

/// How far the walk up from one node has got, for finding cycles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// Not visited yet.
    Unknown,
    /// On the chain being walked now: meeting it again means a cycle.
    OnPath,
    /// Known to reach the root.
    Root,
}

/// Runs every check on `entries` and builds the indexes; the one way a [`Topology`] comes to exist.
pub(crate) fn build(
    version: u64,
    name: String,
    entries: Vec<NodeEntry>,
    source: &Source<'_>,
) -> Result<Topology, TopologyError> {
    let origin = || source.origin.to_owned();
    if entries.len() > MAX_NODES {
        return Err(TopologyError::TooManyNodes {
            origin: origin(),
            count: entries.len(),
        });
    }
    if entries.is_empty() {
        return Err(TopologyError::NoNodes { origin: origin() });
    }
    if version > MAX_VERSION {
        return Err(TopologyError::VersionTooLarge {
            origin: origin(),
            version,
        });
    }
    check_name(&name).map_err(|problem| TopologyError::BadName {
        location: source.location(source.name_line),
        code: None,
        field: "name",
        problem,
    })?;
    for (entry_index, entry) in entries.iter().enumerate() {
        check_entry_fields(entry_index, entry, source)?;
        check_key_history(entry_index, entry, version, source)?;
    }

    // Sort by code, keeping each entry's original index to find its lines. The sort is stable, so of
    // two entries with the same code the one written first comes first.
    let mut indexed: Vec<(usize, NodeEntry)> = entries.into_iter().enumerate().collect();
    indexed.sort_by_key(|(_, entry)| entry.code);
    for pair in indexed.windows(2) {
        let [(first_index, first), (second_index, second)] = pair else {
            continue;
        };
        if first.code == second.code {
            return Err(TopologyError::DuplicateCode {
                code: first.code,
                first: source.at(*first_index, |lines| lines.table),
                second: source.at(*second_index, |lines| lines.table),
            });
        }
    }
    let (original_indexes, entries): (Vec<usize>, Vec<NodeEntry>) = indexed.into_iter().unzip();
    let at = |index: usize, part: LinePicker| source.at(original_indexes[index], part);

    let roots: Vec<usize> = (0..entries.len())
        .filter(|&index| entries[index].parent.is_none())
        .collect();
    let root_index = match roots.as_slice() {
        [] => return Err(TopologyError::NoRoot { origin: origin() }),
        [root_index] => *root_index,
        _ => {
            return Err(TopologyError::MultipleRoots {
                origin: origin(),
                roots: roots
                    .iter()
                    .map(|&index| (entries[index].code, at(index, |lines| lines.table)))
                    .collect(),
            });
        }
    };

    let mut parent_indexes = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let parent_index = match entry.parent {
            None => None,
            Some(parent) => {
                let found = entries.binary_search_by_key(&parent, |candidate| candidate.code);
                match found {
                    Ok(parent_index) => Some(parent_index),
                    Err(_) => {
                        return Err(TopologyError::Orphan {
                            location: at(index, |lines| lines.parent),
                            code: entry.code,
                            parent,
                        });
                    }
                }
            }
        };
        parent_indexes.push(parent_index);
    }

    refuse_cycles(&entries, &parent_indexes, root_index, &at)?;

    for (index, entry) in entries.iter().enumerate() {
        if let Some(parent_index) = parent_indexes[index] {
            let parent = &entries[parent_index];
            if entry.level <= parent.level {
                return Err(TopologyError::LevelNotBelowParent {
                    location: at(index, |lines| lines.level),
                    code: entry.code,
                    level: entry.level,
                    parent: parent.code,
                    parent_level: parent.level,
                });
            }
        }
    }

    refuse_repeated_keys(&entries, &|index, place| {
        source.at_key(original_indexes[index], place)
    })?;

    let links = link(&entries, &parent_indexes, root_index);
    let mut preorder = vec![0; entries.len()];
    for (index, entry_links) in links.iter().enumerate() {
        preorder[entry_links.preorder_position] = index;
    }
    Ok(Topology {
        version,
        name,
        entries,
        links,
        preorder,
        root_index,
        signature: None,
    })
}

/// The checks that look at one entry alone: names, retired key count and address form; its key
/// history is checked by [`check_key_history`].
fn check_entry_fields(
    entry_index: usize,
    entry: &NodeEntry,
    source: &Source<'_>,
) -> Result<(), TopologyError> {
    let names: [(&'static str, &str, LinePicker); 2] = [
        ("name_zh", &entry.name_zh, |lines| lines.name_zh),
        ("name_en", &entry.name_en, |lines| lines.name_en),
    ];
    for (field, name, line) in names {
        check_name(name).map_err(|problem| TopologyError::BadName {
            location: source.at(entry_index, line),
            code: Some(entry.code),
            field,
            problem,
        })?;
    }
    if entry.retired_keys.len() > MAX_RETIRED_KEYS_PER_NODE {
        return Err(TopologyError::TooManyRetiredKeys {
            location: source.at(entry_index, |lines| lines.retired_keys),
            code: entry.code,
            count: entry.retired_keys.len(),
        });
    }
    if let Some(address) = &entry.address {
        NodeAddress::parse(address).map_err(|address_error| TopologyError::BadAddress {
            location: source.at(entry_index, |lines| lines.address),
            code: entry.code,
            source: address_error,
        })?;
    }
    Ok(())
}

/// Refuses parent chains that loop instead of reaching the root. Runs before the level check, which
/// would otherwise report a cycle as a level problem and hide the real mistake.
fn refuse_cycles(
    entries: &[NodeEntry],
    parent_indexes: &[Option<usize>],
    root_index: usize,
    at: &impl Fn(usize, LinePicker) -> Location,
) -> Result<(), TopologyError> {
    let mut reach = vec![Reach::Unknown; entries.len()];
    reach[root_index] = Reach::Root;
    let mut path: Vec<usize> = Vec::new();
    for start in 0..entries.len() {
        path.clear();
        let mut current = start;
        loop {
            match reach[current] {
                Reach::Root => break,
                Reach::OnPath => {
                    let cycle_start = path
                        .iter()
                        .position(|&member| member == current)
                        .unwrap_or(0);
                    return Err(TopologyError::Cycle {
                        location: at(current, |lines| lines.parent),
                        codes: path[cycle_start..]
                            .iter()
                            .map(|&member| entries[member].code)
                            .collect(),
                    });
                }
                Reach::Unknown => {
                    reach[current] = Reach::OnPath;
                    path.push(current);
                    match parent_indexes[current] {
                        Some(parent_index) => current = parent_index,
                        // Only the root has no parent, and the root is marked as reaching itself.
                        None => break,
                    }
                }
            }
        }
        for &member in &path {
            reach[member] = Reach::Root;
        }
    }
    Ok(())
}

/// Checks one entry's key history: the revoked key count, no retirement or revocation recorded in
/// a version later than the topology's, no revocation in version 0, compromise times in range. The
/// retired key count is checked with the other fields.
fn check_key_history(
    entry_index: usize,
    entry: &NodeEntry,
    version: u64,
    source: &Source<'_>,
) -> Result<(), TopologyError> {
    let code = entry.code;
    if entry.revoked_keys.len() > MAX_REVOKED_KEYS_PER_NODE {
        return Err(TopologyError::TooManyRevokedKeys {
            location: source.at(entry_index, |lines| lines.revoked_keys),
            code,
            count: entry.revoked_keys.len(),
        });
    }
    for (key_index, retired) in entry.retired_keys.iter().enumerate() {
        if retired.retired_in_version > version {
            return Err(TopologyError::RetiredAfterVersion {
                location: source.at_key(entry_index, KeyPlace::Retired(key_index)),
                code,
                key: retired.key.to_string(),
                retired_in_version: retired.retired_in_version,
                version,
            });
        }
    }
    for (key_index, revoked) in entry.revoked_keys.iter().enumerate() {
        let location = || source.at_key(entry_index, KeyPlace::Revoked(key_index));
        let key = || revoked.key.to_string();
        if revoked.revoked_in_version == 0 {
            return Err(TopologyError::RevokedInVersionZero {
                location: location(),
                code,
                key: key(),
            });
        }
        if revoked.revoked_in_version > version {
            return Err(TopologyError::RevokedAfterVersion {
                location: location(),
                code,
                key: key(),
                revoked_in_version: revoked.revoked_in_version,
                version,
            });
        }
        key_history::check_compromised_since(revoked.compromised_since_ms).map_err(|problem| {
            TopologyError::BadCompromiseTime {
                location: location(),
                code,
                key: key(),
                problem,
            }
        })?;
    }
    Ok(())
}

/// Refuses a key listed more than once: for two nodes (one could act as the other) or twice for one
/// node (its status would be ambiguous), counting current, retired and revoked keys alike.
fn refuse_repeated_keys(
    entries: &[NodeEntry],
    at_key: &impl Fn(usize, KeyPlace) -> Location,
) -> Result<(), TopologyError> {
    let mut owners: HashMap<PublicKey, (usize, KeyPlace)> = HashMap::new();
    for (index, entry) in entries.iter().enumerate() {
        let current = entry.public_key.iter().map(|key| (key, KeyPlace::Current));
        let retired = entry
            .retired_keys
            .iter()
            .enumerate()
            .map(|(key_index, retired)| (&retired.key, KeyPlace::Retired(key_index)));
        let revoked = entry
            .revoked_keys
            .iter()
            .enumerate()
            .map(|(key_index, revoked)| (&revoked.key, KeyPlace::Revoked(key_index)));
        for (key, place) in current.chain(retired).chain(revoked) {
            let Some(&(owner, first_place)) = owners.get(key) else {
                owners.insert(*key, (index, place));
                continue;
            };
            let location = at_key(index, place);
            return Err(if owner == index {
                TopologyError::KeyListedTwice {
                    location,
                    code: entry.code,
                    key: key.to_string(),
                    first: first_place.role(),
                    second: place.role(),
                }
            } else {
                TopologyError::DuplicatePublicKey {
                    location,
                    key: key.to_string(),
                    first: entries[owner].code,
                    second: entry.code,
                }
            });
        }
    }
    Ok(())
}

/// Computes children, depths, pre-order positions and subtree sizes of a checked tree.
fn link(entries: &[NodeEntry], parent_indexes: &[Option<usize>], root_index: usize) -> Vec<Links> {
    let count = entries.len();
    let mut child_indexes: Vec<Vec<usize>> = vec![Vec::new(); count];
    // Entries are sorted by code, so each child list comes out ascending.
    for (index, parent_index) in parent_indexes.iter().enumerate() {
        if let Some(parent_index) = parent_index {
            child_indexes[*parent_index].push(index);
        }
    }
    let mut depths = vec![0; count];
    let mut preorder_positions = vec![0; count];
    let mut preorder = Vec::with_capacity(count);
    let mut stack = vec![root_index];
    while let Some(index) = stack.pop() {
        preorder_positions[index] = preorder.len();
        preorder.push(index);
        // Pushed in reverse so the smallest code is visited first.
        for &child in child_indexes[index].iter().rev() {
            depths[child] = depths[index] + 1;
            stack.push(child);
        }
    }
    // Children come after their parent in pre-order, so summing from the end gives subtree sizes.
    let mut subtree_sizes = vec![1; count];
    for &index in preorder.iter().rev() {
        if let Some(parent_index) = parent_indexes[index] {
            subtree_sizes[parent_index] += subtree_sizes[index];
        }
    }
    (0..count)
        .map(|index| Links {
            parent_index: parent_indexes[index],
            children: child_indexes[index]
                .iter()
                .map(|&child| entries[child].code)
                .collect(),
            depth: depths[index],
            preorder_position: preorder_positions[index],
            subtree_size: subtree_sizes[index],
        })
        .collect()
}
