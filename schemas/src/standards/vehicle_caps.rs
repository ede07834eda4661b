//! Price and displacement caps of official vehicles by category (党政机关公务用车管理办法, 2017,
//! Art. 7), and the age after which a vehicle may be replaced.
//!
//! The table lives in `schemas/tables/vehicle-caps-2017.toml`, with one entry per
//! [`VehicleCategory`]. A check of a vehicle record asks [`VehicleCaps::cap`] for the cap of the
//! vehicle's category and drive: where the text allows more for some duties (law enforcement), the
//! cap returned is that upper allowance, so only clear breaches are flagged; a new-energy vehicle
//! gets the new-energy price cap and no displacement cap.

use std::sync::OnceLock;

use crate::Decimal;
use crate::records::VehicleCategory;

use super::Provenance;
use super::table_file::{Entry, StandardTableError, load_embedded, parse_document};

/// Most years a table may give as the replacement age: far above the 8 years of the 2017 rules, so a
/// larger figure is a typing error rather than a policy.
pub const VEHICLE_REPLACEMENT_YEARS_MAX: u32 = 30;

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

/// One version of the vehicle caps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VehicleCaps {
    version: String,
    source: String,
    /// One entry per category, in the order of [`VehicleCategory::ALL`].
    categories: Vec<CategoryCaps>,
    new_energy_price_yuan_max: Decimal,
    new_energy_provenance: Provenance,
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
            "categories",
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
        Ok(Self {
            version,
            source,
            categories,
            new_energy_price_yuan_max,
            new_energy_provenance,
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

    /// The cap a check applies to a vehicle of the category with slug `category_slug` (as documents
    /// store it), or `None` if no category has that slug.
    ///
    /// For a new-energy vehicle ([`FuelType::is_new_energy`](crate::records::FuelType::is_new_energy)):
    /// the new-energy price cap and no displacement cap, unless the category opts out (special
    /// technical vehicles, which have no cap at all). Otherwise: the category's upper allowance where
    /// the text gives one (law enforcement), else its base cap, so that only clear breaches are
    /// flagged.
    pub fn cap(&self, category_slug: &str, new_energy: bool) -> Option<VehicleCap> {
        let category = VehicleCategory::from_slug(category_slug)?;
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
            assert_eq!(table.cap(slug, false), Some(expected), "{slug}");
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
                table.cap(slug, true),
                Some(cap(Some("180000"), None)),
                "{slug}"
            );
        }
        assert_eq!(table.cap("special_technical", true), Some(cap(None, None)));
        assert_eq!(table.cap("机要通信", false), None, "slugs only");
        assert_eq!(table.cap("bus", true), None);
    }

    #[test]
    fn a_bad_entry_is_refused_naming_entry_and_field() {
        let duplicate_category = embedded_with("slug = \"other\"", "slug = \"emergency\"");
        assert_eq!(
            VehicleCaps::parse(&duplicate_category),
            Err(StandardTableError::DuplicateKey {
                entry: "categories entry 5 (emergency)".to_owned(),
                field: "slug",
                value: "emergency".to_owned(),
                first: "categories entry 2 (emergency)".to_owned(),
            })
        );
        let unknown_category = embedded_with("slug = \"other\"", "slug = \"bus\"");
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
        assert!(matches!(
            VehicleCaps::parse(&text[..start]),
            Err(StandardTableError::MissingEntry { list, key })
                if list == "categories" && key.as_deref() == Some("other")
        ));
    }
}
