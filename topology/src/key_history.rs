//! Key history: which keys a node signs with now, which it no longer uses, and which must no longer
//! be trusted, and the operations that change them.
//!
//! Each [`NodeEntry`] has one current key (`public_key`), its retired keys ([`RetiredKey`]: the node
//! stopped using them in a known topology version, so they still verify what was signed before) and
//! its revoked keys ([`RevokedKey`]: lost or stolen, so they verify nothing not already counted, and
//! what they signed after the compromise time is suspect). [`NodeEntry::key_status`] and
//! [`Topology::key_status`] say which of these a key is; the rest of the system decides from that
//! status what a signature by the key is worth.
//!
//! Changes: [`Topology::rotate_key`] and [`Topology::revoke_key`] raise the version by one and record
//! it as the retirement or revocation point; [`Topology::set_public_key`] and
//! [`Topology::rotate_public_key`] are the older operations that leave the version alone. Every
//! change drops the root's signature. A key appears at most once in a topology, across every node's
//! current, retired and revoked keys; the checks in `tree::build` enforce this for files and entry
//! lists, and every operation here keeps it.
//!
//! Compromise times are milliseconds since the Unix epoch in memory and RFC 3339 text in files,
//! written in Beijing time; [`parse_compromise_time`] and [`format_compromise_time`] convert them
//! with jiff.

use jiff::Timestamp;
use jiff::tz::Offset;

use crate::code::DivisionCode;
use crate::error::{CompromiseTimeProblem, Location, TopologyError};
use crate::keys::PublicKey;
use crate::tree::{
    MAX_RETIRED_KEYS_PER_NODE, MAX_REVOKED_KEYS_PER_NODE, MAX_VERSION, NodeEntry, Topology,
};

/// Earliest compromise time accepted, in milliseconds since the Unix epoch: the epoch itself.
///
/// No huizong key existed before it, so an earlier time is a mistake; the bound also keeps every
/// time writable in RFC 3339, whose years have exactly four digits.
pub const MIN_COMPROMISED_SINCE_MS: i64 = 0;

/// Latest compromise time accepted, in milliseconds since the Unix epoch: 9999-12-30T22:00:00.999Z,
/// the last millisecond jiff represents.
///
/// jiff chose that bound so that the time has a four-digit year at any offset; a time up to it can
/// therefore always be written in Beijing time as RFC 3339.
pub const MAX_COMPROMISED_SINCE_MS: i64 = 253_402_207_200_999;

/// The offset compromise times are written with: Beijing time (UTC+8), the time every office
/// keeping a huizong node works in.
pub const WRITTEN_OFFSET_HOURS: i8 = 8;

/// A key the node no longer signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetiredKey {
    /// The key.
    pub key: PublicKey,
    /// The topology version that retired it; 0 when unknown (the list form of older files).
    pub retired_in_version: u64,
}

/// A key that must no longer be trusted (lost or stolen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RevokedKey {
    /// The key.
    pub key: PublicKey,
    /// The topology version that revoked it.
    pub revoked_in_version: u64,
    /// From when the key is believed compromised, milliseconds since the Unix epoch.
    pub compromised_since_ms: i64,
}

/// What a key is to the node it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyStatus {
    /// The key the node signs with now.
    Current,
    /// A key the node stopped using in `retired_in_version` (0: unknown when).
    Retired { retired_in_version: u64 },
    /// A key that must no longer be trusted, revoked in `revoked_in_version`, believed compromised
    /// since `compromised_since_ms` (milliseconds since the Unix epoch).
    Revoked {
        revoked_in_version: u64,
        compromised_since_ms: i64,
    },
}

impl NodeEntry {
    /// What `key` is to this node; `None` when it was never this node's key.
    pub fn key_status(&self, key: &PublicKey) -> Option<KeyStatus> {
        if self.public_key.as_ref() == Some(key) {
            return Some(KeyStatus::Current);
        }
        if let Some(retired) = self.retired_keys.iter().find(|retired| retired.key == *key) {
            return Some(KeyStatus::Retired {
                retired_in_version: retired.retired_in_version,
            });
        }
        self.revoked_keys
            .iter()
            .find(|revoked| revoked.key == *key)
            .map(|revoked| KeyStatus::Revoked {
                revoked_in_version: revoked.revoked_in_version,
                compromised_since_ms: revoked.compromised_since_ms,
            })
    }

    /// Whether `key` is this node's current key or one of its retired keys (not a revoked one).
    pub fn has_key(&self, key: &PublicKey) -> bool {
        matches!(
            self.key_status(key),
            Some(KeyStatus::Current | KeyStatus::Retired { .. })
        )
    }
}

impl Topology {
    /// What `key` is to node `code`; `None` when `code` is unknown or the key was never its own.
    pub fn key_status(&self, code: DivisionCode, key: &PublicKey) -> Option<KeyStatus> {
        self.node(code).and_then(|entry| entry.key_status(key))
    }

    /// Whether `key` is the current or a retired key of `code` (not a revoked one).
    pub fn key_speaks_for(&self, code: DivisionCode, key: &PublicKey) -> bool {
        self.node(code).is_some_and(|entry| entry.has_key(key))
    }

    /// Whether `key` is or was a key of `code`: current, retired or revoked.
    pub fn key_ever_spoke_for(&self, code: DivisionCode, key: &PublicKey) -> bool {
        self.key_status(code, key).is_some()
    }

    /// The node whose current or retired key is `key`, if any (a revoked key names no node).
    pub fn node_with_key(&self, key: &PublicKey) -> Option<&NodeEntry> {
        self.entries.iter().find(|entry| entry.has_key(key))
    }

    /// Sets the current key of `code`, replacing any earlier one without retiring it, and drops the
    /// signature. Refused when another node uses the key or this node revoked it. When the key was
    /// one of this node's retired keys, it is current again and no longer listed as retired.
    pub fn set_public_key(
        &mut self,
        code: DivisionCode,
        key: PublicKey,
    ) -> Result<(), TopologyError> {
        let index = self.require(code)?;
        self.refuse_key_of_other_node(index, &key, "Topology::set_public_key")?;
        refuse_revoked(&self.entries[index], &key)?;
        let entry = &mut self.entries[index];
        entry.retired_keys.retain(|retired| retired.key != key);
        entry.public_key = Some(key);
        self.signature = None;
        Ok(())
    }

    /// Makes `key` the current key of `code` and moves the previous current key (if any) to its
    /// retired keys, so signatures made with it stay checkable, with `retired_in_version` the
    /// topology's version as it is (this does not raise it; [`Topology::rotate_key`] does). When
    /// `key` was one of this node's retired keys, it is current again. Refused when another node
    /// uses the key, this node revoked it, or the node has [`MAX_RETIRED_KEYS_PER_NODE`] retired keys
    /// already. Drops the signature.
    pub fn rotate_public_key(
        &mut self,
        code: DivisionCode,
        key: PublicKey,
    ) -> Result<(), TopologyError> {
        let index = self.require(code)?;
        self.refuse_key_of_other_node(index, &key, "Topology::rotate_public_key")?;
        let entry = &self.entries[index];
        refuse_revoked(entry, &key)?;
        let retiring = entry.public_key.filter(|previous| *previous != key);
        let reinstated = entry.retired_keys.iter().any(|retired| retired.key == key);
        if retiring.is_some()
            && !reinstated
            && entry.retired_keys.len() >= MAX_RETIRED_KEYS_PER_NODE
        {
            return Err(TopologyError::TooManyRetiredKeys {
                location: Location::origin_only("Topology::rotate_public_key"),
                code,
                count: entry.retired_keys.len() + 1,
            });
        }
        let version = self.version;
        let entry = &mut self.entries[index];
        entry.retired_keys.retain(|retired| retired.key != key);
        if let Some(previous) = retiring {
            entry.retired_keys.push(RetiredKey {
                key: previous,
                retired_in_version: version,
            });
        }
        entry.public_key = Some(key);
        self.signature = None;
        Ok(())
    }

    /// Makes `new_key` the current key of `code`: raises the version by one, retires the previous
    /// current key (if any) with `retired_in_version` the new version, and drops the signature.
    /// Returns the new version.
    ///
    /// Refused if another node uses the key, if it is one of this node's revoked keys, if it is
    /// already this node's current key or one of its retired keys (taking a retired key back would
    /// undo its retirement point), past [`MAX_RETIRED_KEYS_PER_NODE`], or at [`MAX_VERSION`]. A
    /// refused change leaves the topology as it was.
    pub fn rotate_key(
        &mut self,
        code: DivisionCode,
        new_key: PublicKey,
    ) -> Result<u64, TopologyError> {
        let index = self.require(code)?;
        self.refuse_key_of_other_node(index, &new_key, "Topology::rotate_key")?;
        let entry = &self.entries[index];
        refuse_as_new_key(entry, &new_key)?;
        if entry.public_key.is_some() && entry.retired_keys.len() >= MAX_RETIRED_KEYS_PER_NODE {
            return Err(TopologyError::TooManyRetiredKeys {
                location: Location::origin_only("Topology::rotate_key"),
                code,
                count: entry.retired_keys.len() + 1,
            });
        }
        let version = self.next_version(code)?;
        let entry = &mut self.entries[index];
        if let Some(previous) = entry.public_key.replace(new_key) {
            entry.retired_keys.push(RetiredKey {
                key: previous,
                retired_in_version: version,
            });
        }
        self.version = version;
        self.signature = None;
        Ok(version)
    }

    /// Revokes `key` (current or retired) of `code`: raises the version by one, moves the key to
    /// the revoked keys with `revoked_in_version` the new version and `compromised_since_ms`; when it
    /// is the current key, `replacement` becomes the current key (required then, refused for a
    /// retired key). Drops the signature and returns the new version.
    ///
    /// Refused when the key is another node's, no node's, or already revoked; when the replacement
    /// could not be taken by [`Topology::rotate_key`]; when the compromise time is outside
    /// [`MIN_COMPROMISED_SINCE_MS`]..=[`MAX_COMPROMISED_SINCE_MS`]; past
    /// [`MAX_REVOKED_KEYS_PER_NODE`]; or at [`MAX_VERSION`]. A refused change leaves the topology as
    /// it was.
    pub fn revoke_key(
        &mut self,
        code: DivisionCode,
        key: &PublicKey,
        compromised_since_ms: i64,
        replacement: Option<PublicKey>,
    ) -> Result<u64, TopologyError> {
        let index = self.require(code)?;
        let entry = &self.entries[index];
        let key_text = || key.to_string();
        let is_current = match entry.key_status(key) {
            None => {
                return Err(match self.owner_of_key(key) {
                    Some(owner) => TopologyError::KeyOfOtherNode {
                        code,
                        key: key_text(),
                        owner: owner.code,
                    },
                    None => TopologyError::UnknownKey {
                        code,
                        key: key_text(),
                    },
                });
            }
            Some(KeyStatus::Revoked {
                revoked_in_version, ..
            }) => {
                return Err(TopologyError::KeyAlreadyRevoked {
                    code,
                    key: key_text(),
                    revoked_in_version,
                });
            }
            Some(KeyStatus::Current) => true,
            Some(KeyStatus::Retired { .. }) => false,
        };
        match (is_current, replacement) {
            (true, None) => {
                return Err(TopologyError::ReplacementRequired {
                    code,
                    key: key_text(),
                });
            }
            (false, Some(_)) => {
                return Err(TopologyError::ReplacementNotApplicable {
                    code,
                    key: key_text(),
                });
            }
            (true, Some(replacement)) => {
                self.refuse_key_of_other_node(index, &replacement, "Topology::revoke_key")?;
                refuse_as_new_key(&self.entries[index], &replacement)?;
            }
            (false, None) => {}
        }
        check_compromised_since(compromised_since_ms).map_err(|problem| {
            TopologyError::BadCompromiseTime {
                location: Location::origin_only("Topology::revoke_key"),
                code,
                key: key_text(),
                problem,
            }
        })?;
        let entry = &self.entries[index];
        if entry.revoked_keys.len() >= MAX_REVOKED_KEYS_PER_NODE {
            return Err(TopologyError::TooManyRevokedKeys {
                location: Location::origin_only("Topology::revoke_key"),
                code,
                count: entry.revoked_keys.len() + 1,
            });
        }
        let version = self.next_version(code)?;
        let entry = &mut self.entries[index];
        if is_current {
            entry.public_key = replacement;
        } else {
            entry.retired_keys.retain(|retired| retired.key != *key);
        }
        entry.revoked_keys.push(RevokedKey {
            key: *key,
            revoked_in_version: version,
            compromised_since_ms,
        });
        self.version = version;
        self.signature = None;
        Ok(version)
    }

    /// The latest version in which any node's key was retired or revoked; 0 when none is recorded.
    pub(crate) fn latest_key_change_version(&self) -> u64 {
        self.entries
            .iter()
            .flat_map(|entry| {
                let retired = entry.retired_keys.iter().map(|key| key.retired_in_version);
                let revoked = entry.revoked_keys.iter().map(|key| key.revoked_in_version);
                retired.chain(revoked)
            })
            .max()
            .unwrap_or(0)
    }

    /// The node that has or had `key` (current, retired or revoked), if any.
    fn owner_of_key(&self, key: &PublicKey) -> Option<&NodeEntry> {
        self.entries
            .iter()
            .find(|entry| entry.key_status(key).is_some())
    }

    /// The version after this one, for a key change of `code`; refused at [`MAX_VERSION`].
    fn next_version(&self, code: DivisionCode) -> Result<u64, TopologyError> {
        if self.version >= MAX_VERSION {
            return Err(TopologyError::VersionExhausted {
                code,
                version: self.version,
            });
        }
        Ok(self.version + 1)
    }
}

/// Refuses a key this node revoked.
fn refuse_revoked(entry: &NodeEntry, key: &PublicKey) -> Result<(), TopologyError> {
    match entry.key_status(key) {
        Some(KeyStatus::Revoked { .. }) => Err(TopologyError::KeyRevoked {
            code: entry.code,
            key: key.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Refuses, as the new current key of a rotation, any key the node already has or had.
fn refuse_as_new_key(entry: &NodeEntry, key: &PublicKey) -> Result<(), TopologyError> {
    let code = entry.code;
    let key_text = key.to_string();
    match entry.key_status(key) {
        None => Ok(()),
        Some(KeyStatus::Current) => Err(TopologyError::KeyAlreadyCurrent {
            code,
            key: key_text,
        }),
        Some(KeyStatus::Retired { retired_in_version }) => Err(TopologyError::KeyRetired {
            code,
            key: key_text,
            retired_in_version,
        }),
        Some(KeyStatus::Revoked { .. }) => Err(TopologyError::KeyRevoked {
            code,
            key: key_text,
        }),
    }
}

/// Checks that a compromise time lies within [`MIN_COMPROMISED_SINCE_MS`]..=[`MAX_COMPROMISED_SINCE_MS`].
pub(crate) fn check_compromised_since(
    compromised_since_ms: i64,
) -> Result<(), CompromiseTimeProblem> {
    if (MIN_COMPROMISED_SINCE_MS..=MAX_COMPROMISED_SINCE_MS).contains(&compromised_since_ms) {
        Ok(())
    } else {
        Err(CompromiseTimeProblem::OutOfRange {
            compromised_since_ms,
        })
    }
}

/// Parses an RFC 3339 time with an explicit offset (`Z` or `±hh:mm`) into milliseconds since the
/// Unix epoch.
///
/// jiff's parser reads RFC 3339 and the wider Temporal form (for example a space instead of `T`,
/// or a bracketed zone name after the offset); an offset is always required, since a time without
/// one does not say which instant is meant. Sub-millisecond digits are refused rather than dropped,
/// so what is signed is exactly what was written.
pub fn parse_compromise_time(text: &str) -> Result<i64, CompromiseTimeProblem> {
    let timestamp: Timestamp =
        text.parse()
            .map_err(|error: jiff::Error| CompromiseTimeProblem::NotRfc3339 {
                text: text.into(),
                reason: error.to_string().into(),
            })?;
    if timestamp.subsec_nanosecond() % 1_000_000 != 0 {
        return Err(CompromiseTimeProblem::FinerThanMillisecond { text: text.into() });
    }
    let compromised_since_ms = timestamp.as_millisecond();
    check_compromised_since(compromised_since_ms)?;
    Ok(compromised_since_ms)
}

/// Writes a compromise time as RFC 3339 in Beijing time (`+08:00`), with milliseconds only when
/// they are not zero. Times outside the accepted range are a bug of the caller (every topology
/// checks its times), written as the nearest bound.
pub fn format_compromise_time(compromised_since_ms: i64) -> String {
    debug_assert!(check_compromised_since(compromised_since_ms).is_ok());
    let clamped = compromised_since_ms.clamp(MIN_COMPROMISED_SINCE_MS, MAX_COMPROMISED_SINCE_MS);
    // Within the range jiff represents every millisecond, so this cannot fail.
    let timestamp = Timestamp::from_millisecond(clamped).unwrap_or(Timestamp::MAX);
    timestamp
        .display_with_offset(Offset::constant(WRITTEN_OFFSET_HOURS))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_compromise_time_is_the_last_millisecond_jiff_represents() {
        assert_eq!(
            MAX_COMPROMISED_SINCE_MS,
            Timestamp::MAX.as_millisecond(),
            "jiff's range changed; update the bound and its doc"
        );
        assert_eq!(
            format_compromise_time(MAX_COMPROMISED_SINCE_MS),
            "9999-12-31T06:00:00.999+08:00"
        );
        assert_eq!(
            format_compromise_time(MIN_COMPROMISED_SINCE_MS),
            "1970-01-01T08:00:00+08:00"
        );
    }

    #[test]
    fn compromise_times_are_written_in_beijing_time_and_read_back() {
        let ms = parse_compromise_time("2026-11-20T00:00:00Z").unwrap();
        assert_eq!(format_compromise_time(ms), "2026-11-20T08:00:00+08:00");
        assert_eq!(
            parse_compromise_time("2026-11-20T08:00:00+08:00").unwrap(),
            ms
        );
        assert_eq!(
            parse_compromise_time("2026-11-19T19:00:00-05:00").unwrap(),
            ms
        );
        let with_millis = parse_compromise_time("2026-11-20T08:00:00.250+08:00").unwrap();
        assert_eq!(with_millis, ms + 250);
        assert_eq!(
            format_compromise_time(with_millis),
            "2026-11-20T08:00:00.25+08:00"
        );
        assert_eq!(
            parse_compromise_time(&format_compromise_time(with_millis)).unwrap(),
            with_millis
        );
    }

    #[test]
    fn compromise_times_without_offset_too_precise_or_out_of_range_are_refused() {
        assert!(matches!(
            parse_compromise_time("2026-11-20T08:00:00"),
            Err(CompromiseTimeProblem::NotRfc3339 { .. })
        ));
        assert!(matches!(
            parse_compromise_time("20 November 2026"),
            Err(CompromiseTimeProblem::NotRfc3339 { .. })
        ));
        assert!(matches!(
            parse_compromise_time("2026-11-20T08:00:00.0001+08:00"),
            Err(CompromiseTimeProblem::FinerThanMillisecond { .. })
        ));
        assert!(matches!(
            parse_compromise_time("1969-12-31T23:59:59.999Z"),
            Err(CompromiseTimeProblem::OutOfRange {
                compromised_since_ms: -1
            })
        ));
        assert!(check_compromised_since(MAX_COMPROMISED_SINCE_MS + 1).is_err());
        assert!(check_compromised_since(i64::MIN).is_err());
    }
}
