//! Office room area limits per person, in usable m², by rank (党政机关办公用房建设标准, 2014).
//!
//! The table lives in `schemas/tables/office-room-limits-2014.toml`. Each rank has a slug, which
//! documents store, and a Chinese name, which clerks write on forms; the names are unique across all
//! levels, so [`RoomLimits::rank`] finds a rank from a spreadsheet cell holding either one. A rank
//! belongs to one level of government: an office room's rank must be one of its body's level
//! ([`RoomLimits::ranks_of`]), which the office space checks enforce at import, so that a rank
//! naming no single row of the level (处级 at a provincial body, where 正处级 and 副处级 differ) is
//! refused with the level's ranks. A check of an office room compares its usable area per occupant
//! with the rank's [`limit_m2_per_person`](RoomRank::limit_m2_per_person).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::Decimal;

use super::StandardLevel;
use super::table_file::{Entry, StandardTableError, load_embedded, parse_document};

/// The table shipped in the binary: file name and text.
const EMBEDDED_TABLE: (&str, &str) = (
    "office-room-limits-2014.toml",
    include_str!("../../tables/office-room-limits-2014.toml"),
);

/// One rank and its limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomRank {
    /// The name stored in documents, such as `central_bureau_head`.
    pub slug: String,
    /// The name written on forms, such as `正司级`; unique across every level.
    pub name_zh: String,
    /// The level of government whose limits the rank belongs to.
    pub level: StandardLevel,
    /// The most usable area, in m², one person of this rank may have as an office room.
    pub limit_m2_per_person: Decimal,
    /// Whether the limit was confirmed from the official text of the standard.
    pub verified: bool,
    /// Where the limit comes from, or why it is unverified.
    pub note: String,
}

/// One version of the office room limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomLimits {
    version: String,
    source: String,
    /// In the order of the file: by level from the top down, then by rank from the highest.
    ranks: Vec<RoomRank>,
}

/// The fields of one rank in the table file.
const RANK_FIELDS: &[&str] = &[
    "slug",
    "name_zh",
    "level",
    "limit_m2_per_person",
    "verified",
    "note",
];

impl RoomLimits {
    /// Parses and checks a table file.
    pub fn parse(text: &str) -> Result<Self, StandardTableError> {
        let document = parse_document(text)?;
        let top_level = Entry::top_level(&document);
        top_level.check_fields(&["version", "source", "ranks"])?;
        let version = top_level.version()?;
        let source = top_level.text("source")?;
        let entries = top_level.list("ranks", "slug")?;
        let mut ranks = Vec::with_capacity(entries.len());
        // Slugs and names are looked up alike, so no two may share a lookup key, whichever field
        // each comes from. The value is the entry that took the key first.
        let mut entries_by_key: BTreeMap<String, String> = BTreeMap::new();
        for entry in &entries {
            let rank = parse_rank(entry)?;
            for (field, key) in [("slug", &rank.slug), ("name_zh", &rank.name_zh)] {
                if let Some(first) = entries_by_key.get(&lookup_key(key)) {
                    return Err(entry.duplicate(field, key, first));
                }
                entries_by_key.insert(lookup_key(key), entry.name().to_owned());
            }
            ranks.push(rank);
        }
        Ok(Self {
            version,
            source,
            ranks,
        })
    }

    /// The version id, such as `office-room-limits-2014`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The source text the limits come from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every rank, by level from the top down, then from the highest rank.
    pub fn ranks(&self) -> &[RoomRank] {
        &self.ranks
    }

    /// The ranks of one level, from the highest.
    pub fn ranks_of(&self, level: StandardLevel) -> impl Iterator<Item = &RoomRank> {
        self.ranks.iter().filter(move |rank| rank.level == level)
    }

    /// The rank whose slug or Chinese name is `slug_or_name_zh`, ignoring surrounding white space,
    /// the letter case of a slug, and whether parentheses are ASCII or full-width, so that
    /// `市直正局(处)级` finds `市直正局（处）级`.
    pub fn rank(&self, slug_or_name_zh: &str) -> Option<&RoomRank> {
        // Records hold the canonical slug: found without building any key.
        if let Some(rank) = self
            .ranks
            .iter()
            .find(|rank| rank.slug == slug_or_name_zh || rank.name_zh == slug_or_name_zh)
        {
            return Some(rank);
        }
        let key = lookup_key(slug_or_name_zh);
        self.ranks
            .iter()
            .find(|rank| lookup_key(&rank.slug) == key || lookup_key(&rank.name_zh) == key)
    }
}

/// Reads and checks one rank's entry.
fn parse_rank(entry: &Entry<'_>) -> Result<RoomRank, StandardTableError> {
    entry.check_fields(RANK_FIELDS)?;
    let slug = entry.slug("slug")?;
    let name_zh = entry.text("name_zh")?;
    let level_text = entry.text("level")?;
    let level = toml::Value::String(level_text.clone())
        .try_into::<StandardLevel>()
        .map_err(|_| {
            entry.unknown_name(
                "level",
                &level_text,
                StandardLevel::ALL.iter().map(|level| level.slug()),
            )
        })?;
    let limit_m2_per_person = entry.positive_amount("limit_m2_per_person")?;
    let provenance = entry.provenance()?;
    Ok(RoomRank {
        slug,
        name_zh,
        level,
        limit_m2_per_person,
        verified: provenance.verified,
        note: provenance.note,
    })
}

/// The form of a slug or name that lookups compare: trimmed, ASCII letters in lower case, and ASCII
/// parentheses turned full-width, as forms in Chinese write them.
fn lookup_key(text: &str) -> String {
    text.trim()
        .chars()
        .map(|character| match character {
            '(' => '（',
            ')' => '）',
            other => other.to_ascii_lowercase(),
        })
        .collect()
}

/// The limits of the 2014 standard, parsed once.
pub fn room_limits() -> &'static RoomLimits {
    static TABLE: OnceLock<RoomLimits> = OnceLock::new();
    load_embedded(
        &TABLE,
        EMBEDDED_TABLE.0,
        EMBEDDED_TABLE.1,
        RoomLimits::parse,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::AmountError;

    /// A table file with the given ranks.
    fn table_with(ranks: &str) -> String {
        format!("version = \"test-1\"\nsource = \"A test.\"\n{ranks}")
    }

    /// One rank's entry with the given extra or replaced lines.
    fn rank_entry(slug: &str, name_zh: &str, limit: &str) -> String {
        format!(
            "[[ranks]]\nslug = \"{slug}\"\nname_zh = \"{name_zh}\"\nlevel = \"county\"\n\
             limit_m2_per_person = {limit}\nverified = true\n"
        )
    }

    #[test]
    fn the_embedded_table_parses_with_every_rank_of_the_standard() {
        let table = RoomLimits::parse(EMBEDDED_TABLE.1).unwrap();
        assert_eq!(&table, room_limits());
        assert_eq!(table.version(), "office-room-limits-2014");
        assert!(table.source().contains("2014"));
        // The golden values of the 2014 standard, every level and rank (see DOMAIN.md).
        let expected: &[(&str, &str, StandardLevel, i64)] = &[
            ("central_minister", "正部级", StandardLevel::Central, 54),
            (
                "central_vice_minister",
                "副部级",
                StandardLevel::Central,
                42,
            ),
            ("central_bureau_head", "正司级", StandardLevel::Central, 24),
            (
                "central_bureau_deputy",
                "副司级",
                StandardLevel::Central,
                18,
            ),
            ("central_division", "处级", StandardLevel::Central, 12),
            ("central_staff", "处级以下", StandardLevel::Central, 9),
            ("province_head", "省级正职", StandardLevel::Province, 54),
            ("province_deputy", "省级副职", StandardLevel::Province, 42),
            (
                "province_bureau_head",
                "正厅（局）级",
                StandardLevel::Province,
                30,
            ),
            (
                "province_bureau_deputy",
                "副厅（局）级",
                StandardLevel::Province,
                24,
            ),
            (
                "province_division_head",
                "正处级",
                StandardLevel::Province,
                18,
            ),
            (
                "province_division_deputy",
                "副处级",
                StandardLevel::Province,
                12,
            ),
            ("province_staff", "省直处级以下", StandardLevel::Province, 9),
            ("city_head", "市级正职", StandardLevel::City, 42),
            ("city_deputy", "市级副职", StandardLevel::City, 30),
            (
                "city_bureau_head",
                "市直正局（处）级",
                StandardLevel::City,
                24,
            ),
            (
                "city_bureau_deputy",
                "市直副局（处）级",
                StandardLevel::City,
                18,
            ),
            ("city_staff", "市直局（处）级以下", StandardLevel::City, 9),
            ("county_head", "县级正职", StandardLevel::County, 30),
            ("county_deputy", "县级副职", StandardLevel::County, 24),
            ("county_section_head", "正科级", StandardLevel::County, 18),
            ("county_section_deputy", "副科级", StandardLevel::County, 12),
            ("county_staff", "科级以下", StandardLevel::County, 9),
            (
                "township_staff",
                "乡级机关人员",
                StandardLevel::Township,
                24,
            ),
        ];
        let found: Vec<_> = table
            .ranks()
            .iter()
            .map(|rank| {
                (
                    rank.slug.as_str(),
                    rank.name_zh.as_str(),
                    rank.level,
                    rank.limit_m2_per_person,
                )
            })
            .collect();
        let expected: Vec<_> = expected
            .iter()
            .map(|&(slug, name_zh, level, limit)| (slug, name_zh, level, Decimal::from(limit)))
            .collect();
        assert_eq!(found, expected);
        // Every figure comes from a third-party copy, and each says so.
        assert!(
            table
                .ranks()
                .iter()
                .all(|rank| !rank.verified && !rank.note.is_empty())
        );
    }

    #[test]
    fn a_rank_is_found_by_slug_or_chinese_name_with_either_parentheses() {
        let table = room_limits();
        let by_slug = table.rank("city_bureau_head").unwrap();
        assert_eq!(by_slug.limit_m2_per_person, Decimal::from(24));
        for cell in [
            "市直正局（处）级",
            "市直正局(处)级",
            "市直正局(处）级",
            " 市直正局（处）级\t",
            "City_Bureau_Head",
        ] {
            assert_eq!(table.rank(cell), Some(by_slug), "{cell:?}");
        }
        assert_eq!(
            table.rank("正部级").unwrap().slug,
            "central_minister",
            "a name alone picks the rank"
        );
        assert_eq!(table.rank("副科级").unwrap().level, StandardLevel::County);
        assert!(table.rank("科员").is_none());
        let province: Vec<&str> = table
            .ranks_of(StandardLevel::Province)
            .map(|rank| rank.name_zh.as_str())
            .collect();
        assert_eq!(
            province,
            [
                "省级正职",
                "省级副职",
                "正厅（局）级",
                "副厅（局）级",
                "正处级",
                "副处级",
                "省直处级以下"
            ]
        );
        assert!(table.rank("").is_none());
    }

    #[test]
    fn a_missing_field_is_named_with_its_entry() {
        let text = table_with(
            "[[ranks]]\nslug = \"county_staff\"\nname_zh = \"科级以下\"\nlevel = \"county\"\n\
             verified = true\n",
        );
        assert_eq!(
            RoomLimits::parse(&text),
            Err(StandardTableError::MissingField {
                entry: "ranks entry 1 (county_staff)".to_owned(),
                field: "limit_m2_per_person",
            })
        );
        let message = RoomLimits::parse(&text).unwrap_err().to_string();
        assert!(message.contains("county_staff") && message.contains("limit_m2_per_person"));
        let unverified_without_note = table_with(
            &rank_entry("county_staff", "科级以下", "\"9\"")
                .replace("verified = true", "verified = false"),
        );
        assert!(matches!(
            RoomLimits::parse(&unverified_without_note),
            Err(StandardTableError::MissingField { field: "note", .. })
        ));
    }

    #[test]
    fn a_negative_zero_or_float_limit_is_refused() {
        let negative = table_with(&rank_entry("county_staff", "科级以下", "\"-9\""));
        assert_eq!(
            RoomLimits::parse(&negative),
            Err(StandardTableError::BadValue {
                entry: "ranks entry 1 (county_staff)".to_owned(),
                field: "limit_m2_per_person",
                value: "-9".to_owned(),
                source: AmountError::Negative,
            })
        );
        let zero = table_with(&rank_entry("county_staff", "科级以下", "\"0\""));
        assert!(matches!(
            RoomLimits::parse(&zero),
            Err(StandardTableError::OutOfRange {
                field: "limit_m2_per_person",
                ..
            })
        ));
        let float = table_with(&rank_entry("county_staff", "科级以下", "9.0"));
        assert!(matches!(
            RoomLimits::parse(&float),
            Err(StandardTableError::WrongType {
                field: "limit_m2_per_person",
                found: "float",
                ..
            })
        ));
    }

    #[test]
    fn a_duplicate_slug_or_name_is_refused() {
        let duplicate_slug = table_with(&format!(
            "{}{}",
            rank_entry("county_staff", "科级以下", "\"9\""),
            rank_entry("county_staff", "副科级", "\"9\"")
        ));
        assert_eq!(
            RoomLimits::parse(&duplicate_slug),
            Err(StandardTableError::DuplicateKey {
                entry: "ranks entry 2 (county_staff)".to_owned(),
                field: "slug",
                value: "county_staff".to_owned(),
                first: "ranks entry 1 (county_staff)".to_owned(),
            })
        );
        // The same name with other parentheses would make a lookup ambiguous.
        let duplicate_name = table_with(&format!(
            "{}{}",
            rank_entry("city_bureau_head", "市直正局（处）级", "\"24\""),
            rank_entry("city_bureau_head_2", "市直正局(处)级", "\"24\"")
        ));
        assert!(matches!(
            RoomLimits::parse(&duplicate_name),
            Err(StandardTableError::DuplicateKey { field: "name_zh", entry, .. })
                if entry == "ranks entry 2 (city_bureau_head_2)"
        ));
    }

    #[test]
    fn an_unknown_field_or_level_is_refused() {
        let misspelt =
            table_with(&rank_entry("county_staff", "科级以下", "\"9\"").replace("level", "levle"));
        assert_eq!(
            RoomLimits::parse(&misspelt),
            Err(StandardTableError::UnknownField {
                entry: "ranks entry 1 (county_staff)".to_owned(),
                field: "levle".to_owned(),
            })
        );
        let unknown_top_level = format!("{}\nauthor = \"someone\"\n", table_with(""));
        assert!(matches!(
            RoomLimits::parse(&unknown_top_level),
            Err(StandardTableError::UnknownField { entry, field })
                if entry == "top level" && field == "author"
        ));
        let village = table_with(
            &rank_entry("village_head", "村级正职", "\"24\"").replace("\"county\"", "\"village\""),
        );
        assert!(matches!(
            RoomLimits::parse(&village),
            Err(StandardTableError::UnknownName { field: "level", value, .. })
                if value == "village"
        ));
        let no_ranks = table_with("");
        assert!(matches!(
            RoomLimits::parse(&no_ranks),
            Err(StandardTableError::MissingField { field: "ranks", .. })
        ));
    }
}
