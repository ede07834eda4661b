//! Energy and water intensity benchmarks of public institutions, chosen by institution type, and
//! the thresholds of the checks that compare an institution's figures with them.
//!
//! The table lives in `schemas/tables/energy-benchmarks.toml`. A check takes an institution's type
//! code (such as `024`), asks [`EnergyBenchmarks::for_type`] for its benchmark, and flags the
//! institution if its intensity is far from it ([`EnergyBenchmarks::is_far_from_benchmark`], with the
//! table's [`far_factor`](EnergyBenchmarks::far_factor)); a year-on-year change beyond
//! [`year_on_year_threshold_percent`](EnergyBenchmarks::year_on_year_threshold_percent) needs a note.
//! Intensities are ratios of totals (energy over floor area, energy over people), never averages of
//! the units' ratios.
//!
//! There is one table per climate region or province, each named by its version (its id), which a
//! return definition chooses ([`energy_benchmarks_by_id`]): `south-guangdong-2021` (the default,
//! [`energy_benchmarks`]: Guangdong's 2021 averages by type, no district heating), `national-2020`
//! (the national averages for every type) and `north-heated` (heated northern offices; an
//! unverified placeholder holding the national averages until a northern province's are found).

use std::sync::OnceLock;

use crate::Decimal;

use super::Provenance;
use super::table_file::{Entry, StandardTableError, load_embedded, parse_document};

/// The table shipped in the binary that a return choosing none uses: file name and text.
const EMBEDDED_TABLE: (&str, &str) = (
    "energy-benchmarks.toml",
    include_str!("../../tables/energy-benchmarks.toml"),
);

/// The other tables shipped in the binary, one per region or climate zone: file name and text.
const OTHER_TABLES: [(&str, &str); 2] = [
    (
        "energy-benchmarks-national-2020.toml",
        include_str!("../../tables/energy-benchmarks-national-2020.toml"),
    ),
    (
        "energy-benchmarks-north-heated.toml",
        include_str!("../../tables/energy-benchmarks-north-heated.toml"),
    ),
];

/// A benchmark table id that no shipped table has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownBenchmarks {
    /// The id given.
    pub id: String,
}

impl UnknownBenchmarks {
    /// What was given and which tables there are, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        crate::t!(
            "schemas.standards.unknown_benchmarks",
            locale = locale,
            id = crate::i18n::shown(&self.id),
            known = energy_benchmark_tables()
                .iter()
                .map(EnergyBenchmarks::version)
                .collect::<Vec<_>>()
                .join(", ")
        )
        .into_owned()
    }
}

crate::i18n::display_in_current_language!(UnknownBenchmarks);

/// Average intensities of a group of institutions, which an institution's own are compared with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Benchmark {
    /// What the averages are of, such as `医院 2021 年平均 (hospitals, one province, 2021)`.
    pub name: String,
    /// Energy per floor area, kgce/m².
    pub kgce_per_m2: Decimal,
    /// Energy per person using energy, kgce/person.
    pub kgce_per_person: Decimal,
    /// Water per person, m³/person; `None` where the table does not give it for this group.
    pub water_m3_per_person: Option<Decimal>,
    /// Where the averages come from.
    pub source: String,
}

/// One institution type code and the benchmark it is compared with.
#[derive(Clone, Debug, PartialEq, Eq)]
struct InstitutionType {
    /// The code, such as `021`.
    code: String,
    /// What the code stands for.
    name: String,
    /// The index in `benchmarks` of its benchmark, or `None` for the default.
    benchmark_index: Option<usize>,
}

/// One version of the energy benchmarks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnergyBenchmarks {
    version: String,
    source: String,
    benchmarks: Vec<Benchmark>,
    /// The slug of each benchmark, by index: how the table's entries refer to them.
    benchmark_slugs: Vec<String>,
    institution_types: Vec<InstitutionType>,
    /// The index in `benchmarks` of the benchmark of types that name none.
    default_benchmark_index: usize,
    type_mapping_provenance: Provenance,
    far_factor: Decimal,
    far_factor_provenance: Provenance,
    year_on_year_threshold_percent: Decimal,
    year_on_year_threshold_provenance: Provenance,
}

/// The fields of one benchmark in the table file.
const BENCHMARK_FIELDS: &[&str] = &[
    "slug",
    "name",
    "kgce_per_m2",
    "kgce_per_person",
    "water_m3_per_person",
    "source",
];

/// The fields of one institution type in the table file.
const INSTITUTION_TYPE_FIELDS: &[&str] = &["code", "name", "benchmark"];

impl EnergyBenchmarks {
    /// Parses and checks a table file.
    pub fn parse(text: &str) -> Result<Self, StandardTableError> {
        let document = parse_document(text)?;
        let top_level = Entry::top_level(&document);
        top_level.check_fields(&[
            "version",
            "source",
            "far_factor",
            "year_on_year_note_threshold_percent",
            "type_mapping",
            "benchmarks",
            "institution_types",
        ])?;
        let version = top_level.version()?;
        let source = top_level.text("source")?;

        let far_factor_entry = top_level.table("far_factor")?;
        far_factor_entry.check_fields(&["value", "verified", "note"])?;
        let far_factor = far_factor_entry.positive_amount("value")?;
        if far_factor <= Decimal::ONE {
            return Err(far_factor_entry.out_of_range(
                "value",
                far_factor.to_string(),
                "far_factor_above_one",
            ));
        }
        let far_factor_provenance = far_factor_entry.provenance()?;

        let threshold_entry = top_level.table("year_on_year_note_threshold_percent")?;
        threshold_entry.check_fields(&["value", "verified", "note"])?;
        let year_on_year_threshold_percent = threshold_entry.positive_amount("value")?;
        let year_on_year_threshold_provenance = threshold_entry.provenance()?;

        let mut benchmarks = Vec::new();
        let mut benchmark_slugs: Vec<String> = Vec::new();
        let mut benchmark_entry_names: Vec<String> = Vec::new();
        for entry in top_level.list("benchmarks", "slug")? {
            entry.check_fields(BENCHMARK_FIELDS)?;
            let slug = entry.slug("slug")?;
            if let Some(index) = benchmark_slugs.iter().position(|known| *known == slug) {
                return Err(entry.duplicate("slug", &slug, &benchmark_entry_names[index]));
            }
            benchmarks.push(Benchmark {
                name: entry.text("name")?,
                kgce_per_m2: entry.positive_amount("kgce_per_m2")?,
                kgce_per_person: entry.positive_amount("kgce_per_person")?,
                water_m3_per_person: entry.optional_positive_amount("water_m3_per_person")?,
                source: entry.text("source")?,
            });
            benchmark_slugs.push(slug);
            benchmark_entry_names.push(entry.name().to_owned());
        }
        let find_benchmark = |entry: &Entry<'_>, field: &'static str| {
            let slug = entry.text(field)?;
            benchmark_slugs
                .iter()
                .position(|known| *known == slug)
                .ok_or_else(|| {
                    entry.unknown_name(field, &slug, benchmark_slugs.iter().map(String::as_str))
                })
        };

        let type_mapping = top_level.table("type_mapping")?;
        type_mapping.check_fields(&["default_benchmark", "verified", "note"])?;
        let default_benchmark_index = find_benchmark(&type_mapping, "default_benchmark")?;
        let type_mapping_provenance = type_mapping.provenance()?;

        let mut institution_types: Vec<InstitutionType> = Vec::new();
        let mut type_entry_names: Vec<String> = Vec::new();
        for entry in top_level.list("institution_types", "code")? {
            entry.check_fields(INSTITUTION_TYPE_FIELDS)?;
            let code = entry.text("code")?;
            if !code.bytes().all(|byte| byte.is_ascii_digit()) {
                return Err(entry.bad_text("code", &code, "type_code_digits"));
            }
            if let Some(index) = institution_types
                .iter()
                .position(|known| known.code == code)
            {
                return Err(entry.duplicate("code", &code, &type_entry_names[index]));
            }
            let benchmark_index = match entry.optional_text("benchmark")? {
                Some(_) => Some(find_benchmark(&entry, "benchmark")?),
                None => None,
            };
            institution_types.push(InstitutionType {
                code,
                name: entry.text("name")?,
                benchmark_index,
            });
            type_entry_names.push(entry.name().to_owned());
        }

        Ok(Self {
            version,
            source,
            benchmarks,
            benchmark_slugs,
            institution_types,
            default_benchmark_index,
            type_mapping_provenance,
            far_factor,
            far_factor_provenance,
            year_on_year_threshold_percent,
            year_on_year_threshold_provenance,
        })
    }

    /// The version id, such as `energy-benchmarks-2020-2021`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The source text the benchmarks come from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The benchmark an institution of type `type_code` (such as `024`, surrounding white space
    /// ignored) is compared with. A type the table maps to no benchmark, and a code the table does
    /// not know, get the default (the national average); whether a code is known is
    /// [`institution_type_name`](Self::institution_type_name)'s to say.
    pub fn for_type(&self, type_code: &str) -> &Benchmark {
        let type_code = type_code.trim();
        let index = self
            .institution_types
            .iter()
            .find(|institution_type| institution_type.code == type_code)
            .and_then(|institution_type| institution_type.benchmark_index)
            .unwrap_or(self.default_benchmark_index);
        &self.benchmarks[index]
    }

    /// What a type code stands for, such as `public service unit: health` for `024`, or `None` for a
    /// code the table does not list.
    pub fn institution_type_name(&self, type_code: &str) -> Option<&str> {
        let type_code = type_code.trim();
        self.institution_types
            .iter()
            .find(|institution_type| institution_type.code == type_code)
            .map(|institution_type| institution_type.name.as_str())
    }

    /// The benchmark with the given slug, such as `provincial_organs_2021`.
    pub fn benchmark(&self, slug: &str) -> Option<&Benchmark> {
        self.benchmark_slugs
            .iter()
            .position(|known| known == slug)
            .map(|index| &self.benchmarks[index])
    }

    /// Every benchmark, in the order of the file.
    pub fn benchmarks(&self) -> &[Benchmark] {
        &self.benchmarks
    }

    /// Whether the mapping from type codes to benchmarks is confirmed, and why it is as it is (it is
    /// this project's choice).
    pub fn type_mapping_provenance(&self) -> &Provenance {
        &self.type_mapping_provenance
    }

    /// How far from its benchmark an intensity may be before it is flagged: above benchmark ×
    /// factor or below benchmark ÷ factor. Always above 1.
    pub fn far_factor(&self) -> Decimal {
        self.far_factor
    }

    /// Where the far factor comes from (this project's choice).
    pub fn far_factor_provenance(&self) -> &Provenance {
        &self.far_factor_provenance
    }

    /// Whether `intensity` is strictly above `benchmark` × [`far_factor`](Self::far_factor) or
    /// strictly below `benchmark` ÷ far factor. Compared by multiplying, so the result is exact
    /// (329.56 ÷ 3 has no finite decimal). An intensity of zero is below any positive benchmark, so
    /// it is flagged.
    pub fn is_far_from_benchmark(&self, intensity: Decimal, benchmark: Decimal) -> bool {
        // A product that overflows is far beyond any real intensity: its comparison cannot hold.
        let above = benchmark
            .checked_mul(self.far_factor)
            .is_some_and(|upper| intensity > upper);
        let below = intensity
            .checked_mul(self.far_factor)
            .is_some_and(|scaled| scaled < benchmark);
        above || below
    }

    /// The change from the previous year, in percent either way, beyond which a figure needs a note
    /// (30 means a change above +30% or below −30%).
    pub fn year_on_year_threshold_percent(&self) -> Decimal {
        self.year_on_year_threshold_percent
    }

    /// Where the year-on-year threshold comes from.
    pub fn year_on_year_threshold_provenance(&self) -> &Provenance {
        &self.year_on_year_threshold_provenance
    }
}

/// Every shipped benchmark table, the default first, parsed once.
pub fn energy_benchmark_tables() -> &'static [EnergyBenchmarks] {
    static TABLES: OnceLock<Vec<EnergyBenchmarks>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut tables = vec![energy_benchmarks().clone()];
        for (file_name, text) in OTHER_TABLES {
            match EnergyBenchmarks::parse(text) {
                Ok(table) => tables.push(table),
                // The tables are part of the binary and a unit test parses them: our bug.
                Err(error) => panic!("embedded standard table {file_name} is invalid: {error}"),
            }
        }
        tables
    })
}

/// The benchmark table a return definition chose: by id, or the default for `None`; an id no
/// table has is refused, naming the ids there are.
pub fn energy_benchmarks_by_id(
    id: Option<&str>,
) -> Result<&'static EnergyBenchmarks, UnknownBenchmarks> {
    let Some(id) = id else {
        return Ok(energy_benchmarks());
    };
    energy_benchmark_tables()
        .iter()
        .find(|table| table.version() == id)
        .ok_or_else(|| UnknownBenchmarks { id: id.to_owned() })
}

/// The benchmarks of the default table (the southern one), parsed once.
pub fn energy_benchmarks() -> &'static EnergyBenchmarks {
    static TABLE: OnceLock<EnergyBenchmarks> = OnceLock::new();
    load_embedded(
        &TABLE,
        EMBEDDED_TABLE.0,
        EMBEDDED_TABLE.1,
        EnergyBenchmarks::parse,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::AmountError;

    fn decimal(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    /// The embedded text with one passage replaced; panics if the passage is not there exactly
    /// once, so that a test cannot pass by replacing nothing.
    fn embedded_with(passage: &str, replacement: &str) -> String {
        let text = EMBEDDED_TABLE.1;
        assert_eq!(
            text.matches(passage).count(),
            1,
            "{passage:?} is not in the table once"
        );
        text.replace(passage, replacement)
    }

    #[test]
    fn the_embedded_table_parses_with_the_national_and_provincial_averages() {
        let table = EnergyBenchmarks::parse(EMBEDDED_TABLE.1).unwrap();
        assert_eq!(&table, energy_benchmarks());
        assert_eq!(table.version(), "south-guangdong-2021");
        assert!(!table.source().is_empty());
        let expected = [
            ("national_2020", "18.48", "329.56", Some("21.53")),
            ("provincial_organs_2021", "12.49", "517.33", None),
            ("city_organs_2021", "11.02", "397.34", None),
            ("hospitals_2021", "15.88", "294.06", None),
            ("schools_2021", "3.28", "65.30", None),
        ];
        assert_eq!(table.benchmarks().len(), expected.len());
        for (slug, per_m2, per_person, water) in expected {
            let benchmark = table.benchmark(slug).unwrap();
            assert_eq!(benchmark.kgce_per_m2, decimal(per_m2), "{slug}");
            assert_eq!(benchmark.kgce_per_person, decimal(per_person), "{slug}");
            assert_eq!(benchmark.water_m3_per_person, water.map(decimal), "{slug}");
            assert!(!benchmark.source.is_empty() && !benchmark.name.is_empty());
        }
        assert_eq!(table.far_factor(), decimal("3"));
        assert_eq!(table.year_on_year_threshold_percent(), decimal("30"));
        // The mapping and the far factor are the project's choices and say so.
        assert!(!table.type_mapping_provenance().verified);
        assert!(!table.far_factor_provenance().verified);
        assert!(!table.far_factor_provenance().note.is_empty());
    }

    #[test]
    fn each_type_code_gets_its_benchmark_and_every_other_code_the_national_one() {
        let table = energy_benchmarks();
        let benchmark = |slug| table.benchmark(slug).unwrap();
        assert_eq!(table.for_type("021"), benchmark("schools_2021"));
        assert_eq!(table.for_type(" 024 "), benchmark("hospitals_2021"));
        assert_eq!(table.for_type("01"), benchmark("city_organs_2021"));
        for code in ["02", "022", "023", "025", "026", "03", "99", ""] {
            assert_eq!(table.for_type(code), benchmark("national_2020"), "{code:?}");
        }
        assert_eq!(
            table.institution_type_name("024"),
            Some("public service unit: health")
        );
        assert_eq!(table.institution_type_name("99"), None);
    }

    #[test]
    fn each_region_has_its_table_by_id_and_an_unknown_id_lists_them() {
        let ids: Vec<&str> = energy_benchmark_tables()
            .iter()
            .map(EnergyBenchmarks::version)
            .collect();
        assert_eq!(
            ids,
            ["south-guangdong-2021", "national-2020", "north-heated"]
        );
        assert_eq!(energy_benchmarks_by_id(None), Ok(energy_benchmarks()));
        let national = energy_benchmarks_by_id(Some("national-2020")).unwrap();
        let north = energy_benchmarks_by_id(Some("north-heated")).unwrap();
        for code in ["01", "021", "024", "03"] {
            assert_eq!(
                national.for_type(code).kgce_per_m2,
                decimal("18.48"),
                "{code}"
            );
            assert_eq!(national.for_type(code).kgce_per_person, decimal("329.56"));
            // The northern table is a placeholder and says so.
            assert_eq!(north.for_type(code).kgce_per_m2, decimal("18.48"), "{code}");
            assert!(north.for_type(code).source.starts_with("Unverified"));
        }
        assert!(!north.type_mapping_provenance().verified);
        let error = energy_benchmarks_by_id(Some("guangdong")).unwrap_err();
        let message = error.localized("en");
        assert!(
            message.contains("south-guangdong-2021, national-2020, north-heated"),
            "{message}"
        );
    }

    #[test]
    fn an_intensity_is_far_only_beyond_the_factor_either_way() {
        let table = energy_benchmarks();
        let national = table.for_type("03").kgce_per_m2;
        // 18.48 × 3 = 55.44 and 18.48 ÷ 3 = 6.16: the bounds themselves are not far.
        for (intensity, far) in [
            ("55.44", false),
            ("55.4401", true),
            ("6.16", false),
            ("6.1599", true),
            ("18.48", false),
            ("0", true),
        ] {
            assert_eq!(
                table.is_far_from_benchmark(decimal(intensity), national),
                far,
                "{intensity}"
            );
        }
        // 329.56 ÷ 3 = 109.8533…, compared exactly.
        let per_person = table.for_type("03").kgce_per_person;
        assert!(!table.is_far_from_benchmark(decimal("109.8534"), per_person));
        assert!(table.is_far_from_benchmark(decimal("109.8533"), per_person));
        assert!(table.is_far_from_benchmark(Decimal::MAX, per_person));
    }

    #[test]
    fn a_bad_entry_is_refused_naming_entry_and_field() {
        let missing = embedded_with("kgce_per_person = \"294.06\"\n", "");
        assert_eq!(
            EnergyBenchmarks::parse(&missing),
            Err(StandardTableError::MissingField {
                entry: "benchmarks entry 4 (hospitals_2021)".to_owned(),
                field: "kgce_per_person",
            })
        );
        let negative = embedded_with("kgce_per_m2 = \"3.28\"", "kgce_per_m2 = \"-3.28\"");
        assert_eq!(
            EnergyBenchmarks::parse(&negative),
            Err(StandardTableError::BadValue {
                entry: "benchmarks entry 5 (schools_2021)".to_owned(),
                field: "kgce_per_m2",
                value: "-3.28".to_owned(),
                source: AmountError::Negative,
            })
        );
        let duplicate_code = embedded_with("code = \"026\"", "code = \"025\"");
        assert_eq!(
            EnergyBenchmarks::parse(&duplicate_code),
            Err(StandardTableError::DuplicateKey {
                entry: "institution_types entry 8 (025)".to_owned(),
                field: "code",
                value: "025".to_owned(),
                first: "institution_types entry 7 (025)".to_owned(),
            })
        );
        let duplicate_slug = embedded_with("slug = \"schools_2021\"", "slug = \"hospitals_2021\"");
        assert!(matches!(
            EnergyBenchmarks::parse(&duplicate_slug),
            Err(StandardTableError::DuplicateKey { field: "slug", entry, .. })
                if entry == "benchmarks entry 5 (hospitals_2021)"
        ));
        let unknown_field = embedded_with(
            "water_m3_per_person = \"21.53\"",
            "water_per_person = \"21.53\"",
        );
        assert_eq!(
            EnergyBenchmarks::parse(&unknown_field),
            Err(StandardTableError::UnknownField {
                entry: "benchmarks entry 1 (national_2020)".to_owned(),
                field: "water_per_person".to_owned(),
            })
        );
        let unknown_benchmark = embedded_with(
            "benchmark = \"hospitals_2021\"",
            "benchmark = \"clinics_2021\"",
        );
        assert!(matches!(
            EnergyBenchmarks::parse(&unknown_benchmark),
            Err(StandardTableError::UnknownName { entry, field: "benchmark", value, .. })
                if entry == "institution_types entry 6 (024)" && value == "clinics_2021"
        ));
        let factor_one = embedded_with("value = \"3\"", "value = \"1\"");
        assert!(matches!(
            EnergyBenchmarks::parse(&factor_one),
            Err(StandardTableError::OutOfRange { entry, field: "value", .. })
                if entry == "far_factor"
        ));
        let letters_in_code = embedded_with("code = \"03\"", "code = \"3a\"");
        assert!(matches!(
            EnergyBenchmarks::parse(&letters_in_code),
            Err(StandardTableError::BadText { field: "code", .. })
        ));
        let unverified_without_note = embedded_with(
            "verified = false\nnote = \"The project's choice: the benchmarks",
            "verified = false\n# note = \"The project's choice: the benchmarks",
        );
        assert_eq!(
            EnergyBenchmarks::parse(&unverified_without_note),
            Err(StandardTableError::MissingField {
                entry: "far_factor".to_owned(),
                field: "note",
            })
        );
    }
}
