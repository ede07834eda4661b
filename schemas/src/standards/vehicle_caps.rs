//! Price and displacement caps of official vehicles by category and body type
//! (党政机关公务用车管理办法, 2017, Art. 7), and the age after which a vehicle may be replaced.
//!
//! The table lives in `schemas/tables/vehicle-caps-2017.toml`, with one entry per
//! [`VehicleCategory`] and one per [`BodyType`]. A check of a vehicle record asks
//! [`VehicleCaps::cap`] for the cap of the vehicle's category, body type and drive. A category's caps
//! are those of sedans (and, where the text says so, of other small passenger cars): where the text
//! allows more for some duties (law enforcement), the cap returned is that upper allowance, so only
//! clear breaches are flagged; a new-energy vehicle gets the new-energy price cap and no
//! displacement cap. Buses and other small passenger cars have their own higher caps in the
//! categories the text allows them in; a body type and category the table gives no cap (a truck, a
//! bus of a special technical unit) has none, and such a vehicle is never flagged.

use std::sync::OnceLock;

use crate::Decimal;
use crate::records::{BodyType, VehicleCategory};

use super::Provenance;
use super::VEHICLE_REPLACEMENT_YEARS_MAX;
use super::table_file::{Entry, StandardTableError, load_embedded, parse_document};

/// The table shipped in the binary: file name and text.
const EMBEDDED_TABLE: (&str, &str) = (
    "vehicle-caps-2017.toml",
    include_str!("../../tables/vehicle-caps-2017.toml"),
);

/// The most a vehicle may cost and displace. `None` means the text sets no cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VehicleCap {
    /// The highest price excluding tax, in yuan.
    pub price_yuan_max: Option<Decimal>,
    /// The largest engine displacement, in litres; `None` for new-energy vehicles, whose cap has none.
    pub displacement_l_max: Option<Decimal>,
}

/// The caps of one vehicle category as the table gives them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryCaps {
    /// The category.
    pub category: VehicleCategory,
    /// The cap the text sets for ordinary duties.
    pub base: VehicleCap,
    /// The higher cap the text allows for some duties, if any. Checks use it instead of `base`, so
    /// that a vehicle bought under the allowance is not flagged.
    pub allowance: Option<VehicleCap>,
    /// Whether the new-energy price cap replaces this category's caps for new-energy vehicles.
    pub new_energy_cap_applies: bool,
    /// Whether the caps were confirmed from the official text.
    pub verified: bool,
    /// Where the caps come from, or why they are unverified.
    pub note: String,
}

impl CategoryCaps {
    /// The cap checks apply to an internal-combustion vehicle of the category: the allowance if the
    /// text gives one, else the base cap.
    pub fn checked_cap(&self) -> VehicleCap {
        self.allowance.unwrap_or(self.base)
    }
}

/// Which caps apply to one body type, by category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyTypeCaps {
    /// The body type.
    pub body_type: BodyType,
    /// The categories in which the category's caps (and the new-energy cap) apply to it.
    pub category_caps_in: Vec<VehicleCategory>,
    /// The categories in which its own caps apply to it.
    pub own_caps_in: Vec<VehicleCategory>,
    /// Its own caps, where `own_caps_in` lists the category.
    pub own: VehicleCap,
    /// Whether the entry was confirmed from the official text.
    pub verified: bool,
    /// Where the entry comes from, or why it is unverified.
    pub note: String,
}

/// One version of the vehicle caps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VehicleCaps {
    version: String,
    source: String,
    /// One entry per category, in the order of [`VehicleCategory::ALL`].
    categories: Vec<CategoryCaps>,
    /// One entry per body type, in the order of [`BodyType::ALL`].
    body_types: Vec<BodyTypeCaps>,
    new_energy_price_yuan_max: Decimal,
    new_energy_provenance: Provenance,
    new_energy_share_percent_min: Decimal,
    new_energy_share_provenance: Provenance,
    replacement_years_min: u32,
    replacement_provenance: Provenance,
}

/// The fields of one category in the table file.
const CATEGORY_FIELDS: &[&str] = &[
    "slug",
    "price_yuan_max",
    "displacement_l_max",
    "allowance_price_yuan_max",
    "allowance_displacement_l_max",
    "new_energy_cap_applies",
    "verified",
    "note",
];

/// The fields of one body type in the table file.
const BODY_TYPE_FIELDS: &[&str] = &[
    "slug",
    "category_caps_in",
    "own_caps_in",
    "price_yuan_max",
    "displacement_l_max",
    "verified",
    "note",
];

impl VehicleCaps {
    /// Parses and checks a table file. It must give every category exactly once.
    pub fn parse(text: &str) -> Result<Self, StandardTableError> {
        let document = parse_document(text)?;
        let top_level = Entry::top_level(&document);
        top_level.check_fields(&[
            "version",
            "source",
            "replacement",
            "new_energy",
            "new_energy_share",
            "categories",
            "body_types",
        ])?;
        let version = top_level.version()?;
        let source = top_level.text("source")?;

        let replacement = top_level.table("replacement")?;
        replacement.check_fields(&["years_min", "verified", "note"])?;
        let replacement_years_min = replacement.integer(
            "years_min",
            1..=i64::from(VEHICLE_REPLACEMENT_YEARS_MAX),
            "replacement_years_range",
        )?;
        // The range above fits in u32.
        let replacement_years_min = u32::try_from(replacement_years_min)
            .expect("the replacement age was checked to be at most VEHICLE_REPLACEMENT_YEARS_MAX");
        let replacement_provenance = replacement.provenance()?;

        let new_energy = top_level.table("new_energy")?;
        new_energy.check_fields(&["price_yuan_max", "verified", "note"])?;
        let new_energy_price_yuan_max = new_energy.positive_amount("price_yuan_max")?;
        let new_energy_provenance = new_energy.provenance()?;

        let new_energy_share = top_level.table("new_energy_share")?;
        new_energy_share.check_fields(&["percent_min", "verified", "note"])?;
        let new_energy_share_percent_min = new_energy_share.positive_amount("percent_min")?;
        if new_energy_share_percent_min > Decimal::ONE_HUNDRED {
            return Err(new_energy_share.out_of_range(
                "percent_min",
                new_energy_share_percent_min.to_string(),
                "percent_at_most_100",
            ));
        }
        let new_energy_share_provenance = new_energy_share.provenance()?;

        let mut parsed: Vec<(String, CategoryCaps)> = Vec::new();
        for entry in top_level.list("categories", "slug")? {
            let caps = parse_category(&entry)?;
            if let Some((first, _)) = parsed
                .iter()
                .find(|(_, known)| known.category == caps.category)
            {
                return Err(entry.duplicate("slug", caps.category.slug(), first));
            }
            parsed.push((entry.name().to_owned(), caps));
        }
        let mut categories = Vec::with_capacity(VehicleCategory::ALL.len());
        for &category in VehicleCategory::ALL {
            let index = parsed
                .iter()
                .position(|(_, caps)| caps.category == category)
                .ok_or_else(|| StandardTableError::MissingEntry {
                    list: "categories".to_owned(),
                    key: Some(category.slug().to_owned()),
                })?;
            categories.push(parsed.swap_remove(index).1);
        }
        let mut parsed: Vec<(String, BodyTypeCaps)> = Vec::new();
        for entry in top_level.list("body_types", "slug")? {
            let caps = parse_body_type(&entry)?;
            if let Some((first, _)) = parsed
                .iter()
                .find(|(_, known)| known.body_type == caps.body_type)
            {
                return Err(entry.duplicate("slug", caps.body_type.slug(), first));
            }
            parsed.push((entry.name().to_owned(), caps));
        }
        let mut body_types = Vec::with_capacity(BodyType::ALL.len());
        for &body_type in BodyType::ALL {
            let index = parsed
                .iter()
                .position(|(_, caps)| caps.body_type == body_type)
                .ok_or_else(|| StandardTableError::MissingEntry {
                    list: "body_types".to_owned(),
                    key: Some(body_type.slug().to_owned()),
                })?;
            body_types.push(parsed.swap_remove(index).1);
        }
        Ok(Self {
            version,
            source,
            categories,
            body_types,
            new_energy_price_yuan_max,
            new_energy_provenance,
            new_energy_share_percent_min,
            new_energy_share_provenance,
            replacement_years_min,
            replacement_provenance,
        })
    }

    /// The version id, such as `vehicle-caps-2017`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The source text the caps come from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The cap a check applies to a vehicle of the category `category_slug` and body type
    /// `body_type_slug` (slugs as documents store them), or `None` if the table gives that
    /// category and body type no cap (the vehicle is not flagged) or a slug is unknown.
    ///
    /// Where the body type is held to the category's caps: for a new-energy vehicle
    /// ([`FuelType::is_new_energy`](crate::records::FuelType::is_new_energy)) the new-energy price
    /// cap and no displacement cap, unless the category opts out (special technical vehicles, which
    /// have no cap at all); otherwise the category's upper allowance where the text gives one (law
    /// enforcement), else its base cap, so that only clear breaches are flagged. Where the body type
    /// has its own caps in the category (buses): those, without the displacement cap for a
    /// new-energy vehicle.
    pub fn cap(
        &self,
        category_slug: &str,
        body_type_slug: &str,
        new_energy: bool,
    ) -> Option<VehicleCap> {
        let category = VehicleCategory::from_slug(category_slug)?;
        let body = self.body_type(BodyType::from_slug(body_type_slug)?);
        if body.own_caps_in.contains(&category) {
            return Some(VehicleCap {
                price_yuan_max: body.own.price_yuan_max,
                displacement_l_max: body.own.displacement_l_max.filter(|_| !new_energy),
            });
        }
        if !body.category_caps_in.contains(&category) {
            return None;
        }
        let caps = self.category(category);
        Some(if new_energy && caps.new_energy_cap_applies {
            VehicleCap {
                price_yuan_max: Some(self.new_energy_price_yuan_max),
                displacement_l_max: None,
            }
        } else {
            caps.checked_cap()
        })
    }

    /// The whole entry of a body type, with the categories its caps apply in and its note.
    pub fn body_type(&self, body_type: BodyType) -> &BodyTypeCaps {
        // `parse` keeps one entry per body type in the order of BodyType::ALL.
        self.body_types
            .iter()
            .find(|caps| caps.body_type == body_type)
            .expect("the table has an entry for every body type")
    }

    /// Every body type's entry, in the order of [`BodyType::ALL`].
    pub fn body_types(&self) -> &[BodyTypeCaps] {
        &self.body_types
    }

    /// The whole entry of a category, with its base cap, allowance and note.
    pub fn category(&self, category: VehicleCategory) -> &CategoryCaps {
        // `parse` keeps one entry per category in the order of VehicleCategory::ALL.
        self.categories
            .iter()
            .find(|caps| caps.category == category)
            .expect("the table has an entry for every category")
    }

    /// Every category's entry, in the order of [`VehicleCategory::ALL`].
    pub fn categories(&self) -> &[CategoryCaps] {
        &self.categories
    }

    /// The highest price excluding tax, in yuan, of a new-energy vehicle.
    pub fn new_energy_price_yuan_max(&self) -> Decimal {
        self.new_energy_price_yuan_max
    }

    /// The least share, in percent, of new-energy vehicles among the vehicles purchased in a
    /// period (30: new and replaced vehicles at least 30 % new energy, in principle).
    pub fn new_energy_share_percent_min(&self) -> Decimal {
        self.new_energy_share_percent_min
    }

    /// Where the new-energy share comes from.
    pub fn new_energy_share_provenance(&self) -> &Provenance {
        &self.new_energy_share_provenance
    }

    /// Where the new-energy cap comes from.
    pub fn new_energy_provenance(&self) -> &Provenance {
        &self.new_energy_provenance
    }

    /// A vehicle may be replaced once it has been in service for strictly more than this many
    /// years (8 under the 2017 rules); at exactly this age it may not.
    pub fn replacement_years_min(&self) -> u32 {
        self.replacement_years_min
    }

    /// Where the replacement age comes from.
    pub fn replacement_provenance(&self) -> &Provenance {
        &self.replacement_provenance
    }
}

/// Reads and checks one category's entry.
fn parse_category(entry: &Entry<'_>) -> Result<CategoryCaps, StandardTableError> {
    entry.check_fields(CATEGORY_FIELDS)?;
    let slug = entry.slug("slug")?;
    let category = VehicleCategory::from_slug(&slug).ok_or_else(|| {
        entry.unknown_name(
            "slug",
            &slug,
            VehicleCategory::ALL.iter().map(|category| category.slug()),
        )
    })?;
    let base = VehicleCap {
        price_yuan_max: entry.optional_positive_amount("price_yuan_max")?,
        displacement_l_max: entry.optional_positive_amount("displacement_l_max")?,
    };
    let allowance = VehicleCap {
        price_yuan_max: entry.optional_positive_amount("allowance_price_yuan_max")?,
        displacement_l_max: entry.optional_positive_amount("allowance_displacement_l_max")?,
    };
    let checks = [
        (
            "allowance_price_yuan_max",
            base.price_yuan_max,
            allowance.price_yuan_max,
        ),
        (
            "allowance_displacement_l_max",
            base.displacement_l_max,
            allowance.displacement_l_max,
        ),
    ];
    for (field, base, allowance) in checks {
        match (base, allowance) {
            (None, Some(allowance)) => {
                return Err(entry.out_of_range(
                    field,
                    allowance.to_string(),
                    "allowance_without_base",
                ));
            }
            (Some(base), Some(allowance)) if allowance < base => {
                return Err(entry.out_of_range(
                    field,
                    allowance.to_string(),
                    "allowance_below_base",
                ));
            }
            _ => {}
        }
    }
    let has_allowance =
        allowance.price_yuan_max.is_some() || allowance.displacement_l_max.is_some();
    // A field the allowance leaves out keeps its base cap.
    let allowance = has_allowance.then(|| VehicleCap {
        price_yuan_max: allowance.price_yuan_max.or(base.price_yuan_max),
        displacement_l_max: allowance.displacement_l_max.or(base.displacement_l_max),
    });
    let new_energy_cap_applies = entry
        .optional_boolean("new_energy_cap_applies")?
        .unwrap_or(true);
    let provenance = entry.provenance()?;
    Ok(CategoryCaps {
        category,
        base,
        allowance,
        new_energy_cap_applies,
        verified: provenance.verified,
        note: provenance.note,
    })
}

/// Reads and checks one body type's entry: a category in at most one of its lists, and its own
/// caps given exactly when it has categories to apply them in.
fn parse_body_type(entry: &Entry<'_>) -> Result<BodyTypeCaps, StandardTableError> {
    entry.check_fields(BODY_TYPE_FIELDS)?;
    let slug = entry.slug("slug")?;
    let body_type = BodyType::from_slug(&slug).ok_or_else(|| {
        entry.unknown_name(
            "slug",
            &slug,
            BodyType::ALL.iter().map(|body_type| body_type.slug()),
        )
    })?;
    let categories = |field: &'static str| -> Result<Vec<VehicleCategory>, StandardTableError> {
        let mut categories = Vec::new();
        for text in entry.optional_text_list(field)? {
            let category = VehicleCategory::from_slug(&text).ok_or_else(|| {
                entry.unknown_name(
                    field,
                    &text,
                    VehicleCategory::ALL.iter().map(|category| category.slug()),
                )
            })?;
            if categories.contains(&category) {
                return Err(entry.duplicate(field, &text, entry.name()));
            }
            categories.push(category);
        }
        Ok(categories)
    };
    let category_caps_in = categories("category_caps_in")?;
    let own_caps_in = categories("own_caps_in")?;
    if let Some(both) = own_caps_in
        .iter()
        .find(|category| category_caps_in.contains(category))
    {
        return Err(entry.out_of_range("own_caps_in", both.slug(), "category_in_both_lists"));
    }
    let own = VehicleCap {
        price_yuan_max: entry.optional_positive_amount("price_yuan_max")?,
        displacement_l_max: entry.optional_positive_amount("displacement_l_max")?,
    };
    let has_own = own.price_yuan_max.is_some() || own.displacement_l_max.is_some();
    if has_own == own_caps_in.is_empty() {
        return Err(entry.out_of_range(
            "own_caps_in",
            own_caps_in
                .iter()
                .map(|category| category.slug())
                .collect::<Vec<_>>()
                .join(", "),
            "own_caps_with_categories",
        ));
    }
    let provenance = entry.provenance()?;
    Ok(BodyTypeCaps {
        body_type,
        category_caps_in,
        own_caps_in,
        own,
        verified: provenance.verified,
        note: provenance.note,
    })
}

/// The caps of the 2017 rules, parsed once.
pub fn vehicle_caps() -> &'static VehicleCaps {
    static TABLE: OnceLock<VehicleCaps> = OnceLock::new();
    load_embedded(
        &TABLE,
        EMBEDDED_TABLE.0,
        EMBEDDED_TABLE.1,
        VehicleCaps::parse,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::AmountError;

    fn decimal(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn cap(price: Option<&str>, displacement: Option<&str>) -> VehicleCap {
        VehicleCap {
            price_yuan_max: price.map(decimal),
            displacement_l_max: displacement.map(decimal),
        }
    }

    /// The embedded text with one line replaced; panics if the line is not there, so that a test
    /// cannot pass by replacing nothing.
    fn embedded_with(line: &str, replacement: &str) -> String {
        let text = EMBEDDED_TABLE.1;
        assert_eq!(
            text.matches(line).count(),
            1,
            "{line:?} is not one line of the table"
        );
        text.replace(line, replacement)
    }

    #[test]
    fn the_embedded_table_parses_with_the_caps_of_article_7() {
        let table = VehicleCaps::parse(EMBEDDED_TABLE.1).unwrap();
        assert_eq!(&table, vehicle_caps());
        assert_eq!(table.version(), "vehicle-caps-2017");
        assert!(table.source().contains("2017"));
        assert_eq!(table.replacement_years_min(), 8);
        assert_eq!(table.new_energy_price_yuan_max(), decimal("180000"));
        assert_eq!(table.new_energy_share_percent_min(), decimal("30"));
        assert!(!table.new_energy_share_provenance().verified);
        let expected = [
            (
                "confidential_communications",
                cap(Some("120000"), Some("1.6")),
            ),
            ("emergency", cap(Some("180000"), Some("1.8"))),
            // The upper allowance, not the base cap of 120,000 and 1.6 L.
            ("law_enforcement", cap(Some("180000"), Some("1.8"))),
            ("special_technical", cap(None, None)),
            ("other", cap(Some("180000"), Some("1.8"))),
        ];
        for (slug, expected) in expected {
            assert_eq!(table.cap(slug, "sedan", false), Some(expected), "{slug}");
        }
        let law_enforcement = table.category(VehicleCategory::LawEnforcement);
        assert_eq!(law_enforcement.base, cap(Some("120000"), Some("1.6")));
        assert_eq!(
            law_enforcement.allowance,
            Some(cap(Some("180000"), Some("1.8")))
        );
        assert!(
            table
                .categories()
                .iter()
                .all(|caps| !caps.verified && !caps.note.is_empty())
        );
        assert!(!table.new_energy_provenance().verified);
        assert!(!table.replacement_provenance().verified);
    }

    #[test]
    fn a_new_energy_vehicle_gets_the_new_energy_price_cap_and_no_displacement_cap() {
        let table = vehicle_caps();
        for slug in [
            "confidential_communications",
            "emergency",
            "law_enforcement",
            "other",
        ] {
            assert_eq!(
                table.cap(slug, "sedan", true),
                Some(cap(Some("180000"), None)),
                "{slug}"
            );
        }
        assert_eq!(
            table.cap("special_technical", "sedan", true),
            Some(cap(None, None))
        );
        assert_eq!(table.cap("机要通信", "sedan", false), None, "slugs only");
        assert_eq!(table.cap("bus", "sedan", true), None);
        assert_eq!(table.cap("other", "bus", true), None);
    }

    #[test]
    fn buses_and_other_small_cars_have_their_own_caps_and_other_bodies_none() {
        let table = vehicle_caps();
        // (category, body type, new energy, cap): None is no cap, never flagged.
        let expected = [
            (
                "confidential_communications",
                "suv",
                false,
                Some(cap(Some("120000"), Some("1.6"))),
            ),
            (
                "confidential_communications",
                "mpv",
                true,
                Some(cap(Some("180000"), None)),
            ),
            ("confidential_communications", "medium_bus", false, None),
            (
                "emergency",
                "suv",
                false,
                Some(cap(Some("250000"), Some("3.0"))),
            ),
            (
                "law_enforcement",
                "mpv",
                false,
                Some(cap(Some("250000"), Some("3.0"))),
            ),
            (
                "other",
                "medium_bus",
                false,
                Some(cap(Some("250000"), Some("3.0"))),
            ),
            ("other", "medium_bus", true, Some(cap(Some("250000"), None))),
            (
                "emergency",
                "large_bus",
                false,
                Some(cap(Some("450000"), None)),
            ),
            ("special_technical", "large_bus", false, None),
            ("emergency", "other", false, None),
            ("other", "other", true, None),
        ];
        for (category, body_type, new_energy, expected) in expected {
            assert_eq!(
                table.cap(category, body_type, new_energy),
                expected,
                "{category} {body_type} {new_energy}"
            );
        }
        assert_eq!(table.body_types().len(), BodyType::ALL.len());
        assert!(
            table
                .body_types()
                .iter()
                .all(|caps| !caps.verified && !caps.note.is_empty())
        );
    }

    #[test]
    fn a_bad_body_type_entry_is_refused_naming_entry_and_field() {
        let both = embedded_with(
            "slug = \"suv\"\ncategory_caps_in = [\"confidential_communications\"]",
            "slug = \"suv\"\ncategory_caps_in = [\"confidential_communications\", \"emergency\"]",
        );
        assert!(matches!(
            VehicleCaps::parse(&both),
            Err(StandardTableError::OutOfRange { entry, field: "own_caps_in", .. })
                if entry == "body_types entry 2 (suv)"
        ));
        let unknown = embedded_with(
            "slug = \"medium_bus\"\nown_caps_in = [\"emergency\",",
            "slug = \"medium_bus\"\nown_caps_in = [\"emergancy\",",
        );
        assert!(matches!(
            VehicleCaps::parse(&unknown),
            Err(StandardTableError::UnknownName { entry, field: "own_caps_in", value, .. })
                if entry == "body_types entry 4 (medium_bus)" && value == "emergancy"
        ));
        let caps_without_categories = embedded_with(
            "slug = \"other\"\nverified",
            "slug = \"other\"\nprice_yuan_max = \"100000\"\nverified",
        );
        assert!(matches!(
            VehicleCaps::parse(&caps_without_categories),
            Err(StandardTableError::OutOfRange {
                field: "own_caps_in",
                ..
            })
        ));
        let start = EMBEDDED_TABLE
            .1
            .find("[[body_types]]\nslug = \"other\"")
            .unwrap();
        assert!(matches!(
            VehicleCaps::parse(&EMBEDDED_TABLE.1[..start]),
            Err(StandardTableError::MissingEntry { list, key })
                if list == "body_types" && key.as_deref() == Some("other")
        ));
    }

    #[test]
    fn a_bad_entry_is_refused_naming_entry_and_field() {
        let duplicate_category = embedded_with(
            "slug = \"other\"\nprice_yuan_max",
            "slug = \"emergency\"\nprice_yuan_max",
        );
        assert_eq!(
            VehicleCaps::parse(&duplicate_category),
            Err(StandardTableError::DuplicateKey {
                entry: "categories entry 5 (emergency)".to_owned(),
                field: "slug",
                value: "emergency".to_owned(),
                first: "categories entry 2 (emergency)".to_owned(),
            })
        );
        let unknown_category = embedded_with(
            "slug = \"other\"\nprice_yuan_max",
            "slug = \"bus\"\nprice_yuan_max",
        );
        assert!(matches!(
            VehicleCaps::parse(&unknown_category),
            Err(StandardTableError::UnknownName { entry, field: "slug", .. })
                if entry == "categories entry 5 (bus)"
        ));
        let negative = embedded_with(
            "allowance_price_yuan_max = \"180000\"",
            "allowance_price_yuan_max = \"-180000\"",
        );
        assert_eq!(
            VehicleCaps::parse(&negative),
            Err(StandardTableError::BadValue {
                entry: "categories entry 3 (law_enforcement)".to_owned(),
                field: "allowance_price_yuan_max",
                value: "-180000".to_owned(),
                source: AmountError::Negative,
            })
        );
        let allowance_below_base = embedded_with(
            "allowance_displacement_l_max = \"1.8\"",
            "allowance_displacement_l_max = \"1.5\"",
        );
        assert!(matches!(
            VehicleCaps::parse(&allowance_below_base),
            Err(StandardTableError::OutOfRange { entry, field: "allowance_displacement_l_max", .. })
                if entry == "categories entry 3 (law_enforcement)"
        ));
        let misspelt = embedded_with(
            "new_energy_cap_applies = false\nverified",
            "new_energy_cap_apply = false\nverified",
        );
        assert_eq!(
            VehicleCaps::parse(&misspelt),
            Err(StandardTableError::UnknownField {
                entry: "categories entry 4 (special_technical)".to_owned(),
                field: "new_energy_cap_apply".to_owned(),
            })
        );
        let missing_price = embedded_with("price_yuan_max = \"180000\"\nverified", "verified");
        assert_eq!(
            VehicleCaps::parse(&missing_price),
            Err(StandardTableError::MissingField {
                entry: "new_energy".to_owned(),
                field: "price_yuan_max",
            })
        );
        let replacement_zero = embedded_with("years_min = 8", "years_min = 0");
        assert!(matches!(
            VehicleCaps::parse(&replacement_zero),
            Err(StandardTableError::OutOfRange { entry, field: "years_min", .. })
                if entry == "replacement"
        ));
        let replacement_text = embedded_with("years_min = 8", "years_min = \"8\"");
        assert!(matches!(
            VehicleCaps::parse(&replacement_text),
            Err(StandardTableError::WrongType {
                field: "years_min",
                ..
            })
        ));
    }

    #[test]
    fn a_table_must_give_every_category() {
        let text = EMBEDDED_TABLE.1;
        let start = text.find("[[categories]]\nslug = \"other\"").unwrap();
        let body_types = text.find("[[body_types]]").unwrap();
        let without_other = format!("{}{}", &text[..start], &text[body_types..]);
        assert!(matches!(
            VehicleCaps::parse(&without_other),
            Err(StandardTableError::MissingEntry { list, key })
                if list == "categories" && key.as_deref() == Some("other")
        ));
    }
}
