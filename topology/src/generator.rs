//! Synthetic reporting trees for tests and the simulator: the national tree, and trees of any shape.
//!
//! Generated trees have no keys or addresses (callers add those for the keys they create) and
//! plausible division codes: a region owns a two-digit prefix such as `64`, its cities extend it to
//! four digits (`6401`), their counties to six (`640101`), townships to nine and villages to all
//! twelve. Names are placeholders that say they are synthetic and carry the code ("模拟市6401",
//! "Synthetic city 6401"). Everything is deterministic: the same call gives the same tree.
//!
//! Depth is bounded by the six [`Level`]s: a child is always at a lower level than its parent. A
//! shape of up to three levels below its root ends at counties (the reporting tree of the
//! statistics); four and five levels reach townships and villages. Fanouts are bounded by the code
//! digits of each level.

use rust_i18n::t;

use crate::code::DivisionCode;
use crate::text::display_in_current_language;
use crate::tree::{Level, MAX_NODES, NodeEntry, Topology};

/// The most levels below the root: nation, region, city, county, township, village.
pub const MAX_GENERATED_DEPTH: usize = 5;

/// The most regions under a generated nation: region prefixes run from 11 to 99, as real ones start
/// at 11 (Beijing) and the nation's own code uses prefix 10.
pub const MAX_GENERATED_REGIONS: usize = 89;

/// The most cities under a region, or counties under a city: the two code digits run from 01 to 99.
pub const MAX_GENERATED_CHILDREN: usize = 99;

/// The most townships under a county, or villages under a township: three code digits, 001 to 999.
pub const MAX_GENERATED_LOCAL_CHILDREN: usize = 999;

/// Number of provincial-level divisions in the national tree.
pub const NATIONAL_REGIONS: usize = 31;

/// Number of prefecture-level divisions in the national tree.
pub const NATIONAL_CITIES: usize = 333;

/// Number of county-level divisions in the national tree.
pub const NATIONAL_COUNTIES: usize = 2_844;

/// The two-digit prefixes of the 31 real provincial-level divisions, used for the national tree.
const NATIONAL_REGION_PREFIXES: [u64; NATIONAL_REGIONS] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65,
];

/// Code of the nation in generated trees (no real division uses prefix 10).
const NATION_CODE: u64 = 100_000_000_000;

/// Version given to every generated topology.
const GENERATED_VERSION: u64 = 1;

/// How many children each level of a generated tree has.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TreeShape {
    /// `fanouts[0]` children under the root, `fanouts[1]` under each of those, and so on. The length
    /// is the depth below the root. Up to three levels the leaves are counties, so the root is a
    /// county when the list is empty, a city for one element, a region for two and the nation for
    /// three; four and five levels below a nation reach townships and villages.
    pub fanouts: Vec<usize>,
}

/// Why a [`TreeShape`] cannot be generated as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    TooDeep {
        depth: usize,
    },
    FanoutTooLarge {
        level: Level,
        fanout: usize,
        max: usize,
    },
    TooManyNodes {
        count: usize,
    },
}

impl ShapeError {
    /// Why the shape cannot be generated, in a language of the catalogues (`"zh-CN"`, `"en"`).
    pub fn localized(&self, locale: &str) -> String {
        match self {
            ShapeError::TooDeep { depth } => t!(
                "topology.shape.too_deep",
                locale = locale,
                depth = depth,
                max = MAX_GENERATED_DEPTH
            ),
            ShapeError::FanoutTooLarge { level, fanout, max } => t!(
                "topology.shape.fanout_too_large",
                locale = locale,
                level = level,
                fanout = fanout,
                max = max
            ),
            ShapeError::TooManyNodes { count } => t!(
                "topology.shape.too_many_nodes",
                locale = locale,
                count = count,
                max = MAX_NODES
            ),
        }
        .into_owned()
    }
}

display_in_current_language!(ShapeError);

impl TreeShape {
    /// A shape with these fanouts, from the root down.
    pub fn new(fanouts: Vec<usize>) -> Self {
        Self { fanouts }
    }

    /// The level of the root: a county for an empty shape, up to the nation for three or more.
    fn root_level(depth: usize) -> Level {
        Level::ALL[3usize.saturating_sub(depth)]
    }

    /// The level of the nodes `offset + 1` levels below the root.
    fn level_below_root(depth: usize, offset: usize) -> Level {
        Level::ALL[Self::root_level(depth) as usize + offset + 1]
    }

    /// Number of nodes the shape describes (saturating, for absurd shapes).
    pub fn node_count(&self) -> usize {
        let mut count: usize = 1;
        let mut width: usize = 1;
        for &fanout in &self.fanouts {
            width = width.saturating_mul(fanout);
            count = count.saturating_add(width);
        }
        count
    }

    /// Checks the shape against the depth, fanout and node-count bounds.
    pub fn check(&self) -> Result<(), ShapeError> {
        let depth = self.fanouts.len();
        if depth > MAX_GENERATED_DEPTH {
            return Err(ShapeError::TooDeep { depth });
        }
        for (offset, &fanout) in self.fanouts.iter().enumerate() {
            let level = Self::level_below_root(depth, offset);
            let max = max_children(level);
            if fanout > max {
                return Err(ShapeError::FanoutTooLarge { level, fanout, max });
            }
        }
        let count = self.node_count();
        if count > MAX_NODES {
            return Err(ShapeError::TooManyNodes { count });
        }
        Ok(())
    }

    /// The nearest shape that passes [`TreeShape::check`]: levels beyond the fifth are dropped,
    /// and from the top down each fanout is lowered to its level's bound and to what still fits in
    /// [`MAX_NODES`].
    pub fn clamped(&self) -> TreeShape {
        let depth = self.fanouts.len().min(MAX_GENERATED_DEPTH);
        let mut fanouts = Vec::with_capacity(depth);
        let mut count: usize = 1;
        let mut width: usize = 1;
        for (offset, &requested) in self.fanouts[..depth].iter().enumerate() {
            // A zero fanout above leaves no room below, and no division by zero.
            let room = (MAX_NODES - count).checked_div(width).unwrap_or(0);
            let fanout = requested
                .min(max_children(Self::level_below_root(depth, offset)))
                .min(room);
            width *= fanout;
            count += width;
            fanouts.push(fanout);
        }
        TreeShape { fanouts }
    }
}

/// The most children of one parent at `level`, as allowed by the code digits of that level.
fn max_children(level: Level) -> usize {
    match level {
        Level::Nation => 0,
        Level::Region => MAX_GENERATED_REGIONS,
        Level::City | Level::County => MAX_GENERATED_CHILDREN,
        Level::Township | Level::Village => MAX_GENERATED_LOCAL_CHILDREN,
    }
}

/// Generates the tree `shape` describes, after [`TreeShape::clamped`] brings it within bounds.
///
/// Use [`try_generate`] to refuse an out-of-bounds shape instead.
pub fn generate(shape: &TreeShape) -> Topology {
    let clamped = shape.clamped();
    build_shape(&clamped)
}

/// Generates the tree `shape` describes, or says which bound it breaks.
pub fn try_generate(shape: &TreeShape) -> Result<Topology, ShapeError> {
    shape.check()?;
    Ok(build_shape(shape))
}

/// Builds a shape that is known to pass [`TreeShape::check`].
fn build_shape(shape: &TreeShape) -> Topology {
    let depth = shape.fanouts.len();
    let root_level = TreeShape::root_level(depth);
    let root_code = match root_level {
        Level::Nation => NATION_CODE,
        Level::Region => 110_000_000_000,
        Level::City => 110_100_000_000,
        _ => 110_101_000_000,
    };
    let mut entries = Vec::with_capacity(shape.node_count());
    entries.push(synthetic_entry(root_code, root_level, None));
    let mut frontier = vec![(root_code, root_level)];
    for &fanout in &shape.fanouts {
        let mut next = Vec::with_capacity(frontier.len() * fanout);
        for &(parent, parent_level) in &frontier {
            let parent_code = code_of(parent);
            for child_index in 0..fanout {
                let (child, level) = child_code(parent, parent_level, child_index);
                entries.push(synthetic_entry(child, level, Some(parent_code)));
                next.push((child, level));
            }
        }
        frontier = next;
    }
    Topology::from_entries(GENERATED_VERSION, shape_name(shape), entries)
        .expect("a checked tree shape generates a valid topology")
}

/// The name of a generated tree, before its fanouts. Generated names are data of synthetic
/// divisions, as a real tree's names are data of its topology file, not texts of the program.
const SHAPE_NAME: &str = "synthetic tree, fanouts";

fn shape_name(shape: &TreeShape) -> String {
    let fanouts: Vec<String> = shape.fanouts.iter().map(usize::to_string).collect();
    format!("{SHAPE_NAME} [{}]", fanouts.join(", "))
}

/// The code and level of the `child_index`-th child (from 0) of a node, as 12-digit numbers.
fn child_code(parent: u64, parent_level: Level, child_index: usize) -> (u64, Level) {
    // Fanouts are at most 999, so the ordinal fits.
    let ordinal = child_index as u64 + 1;
    match parent_level {
        Level::Nation => ((10 + ordinal) * 10_000_000_000, Level::Region),
        Level::Region => (parent + ordinal * 100_000_000, Level::City),
        Level::City => (parent + ordinal * 1_000_000, Level::County),
        Level::County => (parent + ordinal * 1_000, Level::Township),
        Level::Township | Level::Village => (parent + ordinal, Level::Village),
    }
}

/// The division code of a 12-digit number made here.
fn code_of(code: u64) -> DivisionCode {
    DivisionCode::from_u64(code).expect("generated codes have twelve digits")
}

/// The Chinese and English names of a generated node of a level, before its number, and the
/// number's digits (a prefix of the code); the nation has no number. Data of synthetic divisions,
/// like the names of [`SHAPE_NAME`].
fn level_names(level: Level) -> (&'static str, &'static str, u64, usize) {
    match level {
        Level::Nation => ("全国（模拟）", "Synthetic nation", 0, 0),
        Level::Region => ("模拟省", "Synthetic region ", 10_000_000_000, 2),
        Level::City => ("模拟市", "Synthetic city ", 100_000_000, 4),
        Level::County => ("模拟县", "Synthetic county ", 1_000_000, 6),
        Level::Township => ("模拟乡", "Synthetic township ", 1_000, 9),
        Level::Village => ("模拟村", "Synthetic village ", 1, 12),
    }
}

fn synthetic_entry(code: u64, level: Level, parent: Option<DivisionCode>) -> NodeEntry {
    let (zh, en, divisor, width) = level_names(level);
    let (name_zh, name_en) = if width == 0 {
        (zh.to_owned(), en.to_owned())
    } else {
        let digits = code / divisor;
        (
            format!("{zh}{digits:0width$}"),
            format!("{en}{digits:0width$}"),
        )
    };
    NodeEntry::new(code_of(code), name_zh, name_en, level, parent)
}

/// Splits `total` among buckets in proportion to `weights`, at least one each, by largest remainder.
fn apportion(total: usize, weights: &[usize]) -> Vec<usize> {
    let spare = total.saturating_sub(weights.len());
    let weight_sum: usize = weights.iter().sum::<usize>().max(1);
    let mut shares: Vec<usize> = weights
        .iter()
        .map(|weight| 1 + spare * weight / weight_sum)
        .collect();
    let mut by_remainder: Vec<usize> = (0..weights.len()).collect();
    // Largest remainder first; ties go to the earlier bucket.
    by_remainder.sort_by_key(|&index| std::cmp::Reverse(spare * weights[index] % weight_sum));
    let given: usize = shares.iter().sum();
    for &index in by_remainder.iter().take(total.saturating_sub(given)) {
        shares[index] += 1;
    }
    shares
}

/// The generated tree of one region of the national tree, rooted at the region: its cities and
/// counties with placeholder names, a starting point for an operator whose region has no embedded
/// tree (`huizong topology template`). `None` when `region` is not a region of the national tree.
pub fn region_tree(region: DivisionCode) -> Option<Topology> {
    let national = national_tree();
    let root = national.node(region)?;
    if root.level != Level::Region {
        return None;
    }
    let name = root.name_zh.clone();
    let members: std::collections::BTreeSet<DivisionCode> =
        national.subtree(region).into_iter().collect();
    let entries = national
        .iter()
        .filter(|entry| members.contains(&entry.code))
        .cloned()
        .map(|mut entry| {
            if entry.code == region {
                entry.parent = None;
            }
            entry
        })
        .collect();
    Topology::from_entries(1, name, entries).ok()
}

/// The national tree: 1 nation, 31 regions, 333 cities and 2,844 counties (3,209 nodes).
///
/// Regions use the 31 real two-digit prefixes; cities and counties are spread over them unevenly
/// (as in reality, where Sichuan has 21 prefecture-level divisions and Hainan 4) by fixed weights.
pub fn national_tree() -> Topology {
    let region_weights: Vec<usize> = (0..NATIONAL_REGIONS)
        .map(|index| 3 + (index * 7 + 5) % 11)
        .collect();
    let cities_per_region = apportion(NATIONAL_CITIES, &region_weights);
    let city_weights: Vec<usize> = (0..NATIONAL_CITIES)
        .map(|index| 2 + (index * 13 + 3) % 17)
        .collect();
    let counties_per_city = apportion(NATIONAL_COUNTIES, &city_weights);

    let mut entries =
        Vec::with_capacity(1 + NATIONAL_REGIONS + NATIONAL_CITIES + NATIONAL_COUNTIES);
    entries.push(synthetic_entry(NATION_CODE, Level::Nation, None));
    let nation = code_of(NATION_CODE);
    let mut counties = counties_per_city.iter();
    for (region_prefix, &city_count) in NATIONAL_REGION_PREFIXES.iter().zip(&cities_per_region) {
        let region_code = region_prefix * 10_000_000_000;
        entries.push(synthetic_entry(region_code, Level::Region, Some(nation)));
        let region = code_of(region_code);
        for city_index in 0..city_count {
            let (city_code, _) = child_code(region_code, Level::Region, city_index);
            entries.push(synthetic_entry(city_code, Level::City, Some(region)));
            let city = code_of(city_code);
            let county_count = counties.next().copied().unwrap_or(0);
            for county_index in 0..county_count {
                let (county_code, _) = child_code(city_code, Level::City, county_index);
                entries.push(synthetic_entry(county_code, Level::County, Some(city)));
            }
        }
    }
    Topology::from_entries(
        GENERATED_VERSION,
        "全国（模拟） synthetic national reporting tree".to_owned(),
        entries,
    )
    .expect("the national tree is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_tree_is_the_national_trees_region_rooted_at_itself() {
        let national = national_tree();
        let sichuan = DivisionCode::parse("510000000000").unwrap();
        let tree = region_tree(sichuan).expect("Sichuan is a region of the national tree");
        assert_eq!(tree.root().code, sichuan);
        assert_eq!(tree.root().parent, None);
        assert_eq!(tree.len(), national.subtree_len(sichuan));
        assert!(tree.len() > 1);
        // A city or an unknown code has no region tree.
        let city = national.children_of(sichuan)[0];
        assert!(region_tree(city).is_none());
        assert!(region_tree(DivisionCode::parse("990000000000").unwrap()).is_none());
    }

    #[test]
    fn apportion_gives_every_bucket_at_least_one_and_sums_to_the_total() {
        let shares = apportion(333, &[3, 13, 5, 8]);
        assert_eq!(shares.iter().sum::<usize>(), 333);
        assert!(shares.iter().all(|&share| share >= 1));
        assert_eq!(apportion(5, &[1, 1, 1, 1, 1]), vec![1; 5]);
    }

    #[test]
    fn national_fanouts_fit_the_code_digits() {
        let tree = national_tree();
        for entry in tree.iter() {
            assert!(tree.children_of(entry.code).len() <= MAX_GENERATED_CHILDREN);
        }
        let region_fanouts: Vec<usize> = tree
            .children_of(tree.root().code)
            .iter()
            .map(|&region| tree.children_of(region).len())
            .collect();
        let smallest = region_fanouts.iter().min().copied().unwrap_or(0);
        let largest = region_fanouts.iter().max().copied().unwrap_or(0);
        assert!(
            largest > 2 * smallest,
            "fanouts should be uneven: {region_fanouts:?}"
        );
    }

    #[test]
    fn five_levels_below_a_nation_reach_villages_with_nested_codes() {
        let tree = try_generate(&TreeShape::new(vec![2, 2, 2, 3, 4])).unwrap();
        assert_eq!(tree.len(), 1 + 2 + 4 + 8 + 24 + 96);
        let village = tree
            .iter()
            .find(|entry| entry.level == Level::Village)
            .expect("the leaves are villages");
        assert_eq!(village.code.as_str(), "110101001001");
        let township = tree.node(village.parent.unwrap()).unwrap();
        assert_eq!(township.level, Level::Township);
        assert_eq!(township.code.as_str(), "110101001000");
        assert_eq!(tree.depth_of(village.code), Some(5));
    }

    #[test]
    fn clamping_brings_any_shape_within_bounds() {
        for fanouts in [
            vec![1000, 1000, 1000, 1000],
            vec![1000, 1000, 1000, 1000, 1000, 1000],
            vec![89, 99, 99],
            vec![0, 5, 5],
            vec![200],
            vec![],
        ] {
            let shape = TreeShape::new(fanouts).clamped();
            assert_eq!(shape.check(), Ok(()), "{shape:?}");
            assert_eq!(generate(&shape).len(), shape.node_count());
        }
        assert_eq!(
            TreeShape::new(vec![1, 1, 1, 1, 1, 1]).check(),
            Err(ShapeError::TooDeep { depth: 6 })
        );
        assert!(matches!(
            try_generate(&TreeShape::new(vec![90, 1, 1])),
            Err(ShapeError::FanoutTooLarge { fanout: 90, .. })
        ));
        assert!(matches!(
            try_generate(&TreeShape::new(vec![89, 99, 99])),
            Err(ShapeError::TooManyNodes { .. })
        ));
    }
}
