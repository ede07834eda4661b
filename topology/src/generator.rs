//! Synthetic reporting trees for tests and the simulator: the national tree, and trees of any shape.
//!
//! Generated trees have no keys or addresses (callers add those for the keys they create) and
//! plausible division codes: a region owns a two-digit prefix such as `64`, its cities extend it to
//! four digits (`6401`), their counties to six (`640101`), and six zeros follow. Names are
//! placeholders that say they are synthetic and carry the code ("模拟市6401", "Synthetic city 6401").
//! Everything is deterministic: the same call gives the same tree.
//!
//! Depth is bounded by the four [`Level`]s: a child is always at a lower level than its parent, so a
//! tree has at most three levels below its root. Fanouts are bounded by the two digits a level has in
//! the code.

use crate::code::DivisionCode;
use crate::tree::{Level, MAX_NODES, NodeEntry, Topology};

/// The most levels below the root: nation, region, city, county are four levels in all.
pub const MAX_GENERATED_DEPTH: usize = 3;

/// The most regions under a generated nation: region prefixes run from 11 to 99, as real ones start
/// at 11 (Beijing) and the nation's own code uses prefix 10.
pub const MAX_GENERATED_REGIONS: usize = 89;

/// The most cities under a region, or counties under a city: the two code digits run from 01 to 99.
pub const MAX_GENERATED_CHILDREN: usize = 99;

/// Number of provincial-level divisions in the national tree.
pub const NATIONAL_REGIONS: usize = 31;

/// Number of prefecture-level divisions in the national tree.
pub const NATIONAL_CITIES: usize = 333;

/// Number of county-level divisions in the national tree.
pub const NATIONAL_COUNTIES: usize = 2_844;

/// The two-digit prefixes of the 31 real provincial-level divisions, used for the national tree.
const NATIONAL_REGION_PREFIXES: [u32; NATIONAL_REGIONS] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65,
];

/// Six-digit code of the nation in generated trees (no real division uses prefix 10).
const NATION_PREFIX: u32 = 100_000;

/// Version given to every generated topology.
const GENERATED_VERSION: u64 = 1;

/// How many children each level of a generated tree has.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TreeShape {
    /// `fanouts[0]` children under the root, `fanouts[1]` under each of those, and so on. The length
    /// is the depth below the root; the leaves are counties, so the root is a county when the list is
    /// empty, a city for one element, a region for two and the nation for three.
    pub fanouts: Vec<usize>,
}

/// Why a [`TreeShape`] cannot be generated as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    #[error(
        "a tree shape has {depth} levels below the root, but at most {MAX_GENERATED_DEPTH} fit under a nation"
    )]
    TooDeep { depth: usize },
    #[error(
        "level {level} of the tree shape has fanout {fanout}, but its code digits allow at most {max}"
    )]
    FanoutTooLarge {
        level: Level,
        fanout: usize,
        max: usize,
    },
    #[error("the tree shape would have {count} nodes, but a topology holds at most {MAX_NODES}")]
    TooManyNodes { count: usize },
}

impl TreeShape {
    /// A shape with these fanouts, from the root down.
    pub fn new(fanouts: Vec<usize>) -> Self {
        Self { fanouts }
    }

    /// The level of the root: county for an empty shape, up to nation for three fanouts.
    fn root_level(depth: usize) -> Level {
        Level::ALL[MAX_GENERATED_DEPTH - depth.min(MAX_GENERATED_DEPTH)]
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
        let root_level = Self::root_level(depth);
        for (offset, &fanout) in self.fanouts.iter().enumerate() {
            let level = Level::ALL[root_level as usize + offset + 1];
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

    /// The nearest shape that passes [`TreeShape::check`]: levels beyond the third are dropped,
    /// each fanout is lowered to its level's bound, and the deepest fanout is lowered until the
    /// tree holds at most [`MAX_NODES`] nodes.
    pub fn clamped(&self) -> TreeShape {
        let depth = self.fanouts.len().min(MAX_GENERATED_DEPTH);
        let root_level = Self::root_level(depth);
        let mut fanouts: Vec<usize> = self.fanouts[..depth]
            .iter()
            .enumerate()
            .map(|(offset, &fanout)| {
                fanout.min(max_children(Level::ALL[root_level as usize + offset + 1]))
            })
            .collect();
        let mut shape = TreeShape {
            fanouts: fanouts.clone(),
        };
        if shape.node_count() > MAX_NODES {
            // With the per-level bounds the levels above the deepest hold fewer than 9,000 nodes,
            // so lowering the deepest fanout alone always brings the count under the bound.
            if let Some(deepest) = fanouts.pop() {
                let above = TreeShape {
                    fanouts: fanouts.clone(),
                };
                let width: usize = fanouts.iter().product();
                let room = MAX_NODES.saturating_sub(above.node_count());
                fanouts.push(deepest.min(room / width.max(1)));
            }
            shape = TreeShape { fanouts };
        }
        shape
    }
}

/// The most children a node may have at `level`, as allowed by the code digits of that level.
fn max_children(level: Level) -> usize {
    match level {
        Level::Nation => 0,
        Level::Region => MAX_GENERATED_REGIONS,
        Level::City | Level::County => MAX_GENERATED_CHILDREN,
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
    let root_prefix = match root_level {
        Level::Nation => NATION_PREFIX,
        Level::Region => 110_000,
        Level::City => 110_100,
        Level::County => 110_101,
    };
    let mut entries = Vec::with_capacity(shape.node_count());
    entries.push(synthetic_entry(root_prefix, root_level, None));
    let mut frontier = vec![(root_prefix, root_level)];
    for &fanout in &shape.fanouts {
        let mut next = Vec::with_capacity(frontier.len() * fanout);
        for &(parent_prefix, parent_level) in &frontier {
            let parent_code = code_of(parent_prefix);
            for child_index in 0..fanout {
                let (prefix, level) = child_prefix(parent_prefix, parent_level, child_index);
                entries.push(synthetic_entry(prefix, level, Some(parent_code)));
                next.push((prefix, level));
            }
        }
        frontier = next;
    }
    Topology::from_entries(GENERATED_VERSION, shape_name(shape), entries)
        .expect("a checked tree shape generates a valid topology")
}

fn shape_name(shape: &TreeShape) -> String {
    let fanouts: Vec<String> = shape.fanouts.iter().map(usize::to_string).collect();
    format!("synthetic tree, fanouts [{}]", fanouts.join(", "))
}

/// The prefix and level of the `child_index`-th child (from 0) of a node.
fn child_prefix(parent_prefix: u32, parent_level: Level, child_index: usize) -> (u32, Level) {
    // Fanouts are at most 99, so the index fits in u32.
    let ordinal = u32::try_from(child_index + 1).unwrap_or(u32::MAX);
    match parent_level {
        Level::Nation => ((10 + ordinal) * 10_000, Level::Region),
        Level::Region => (parent_prefix + ordinal * 100, Level::City),
        Level::City | Level::County => (parent_prefix + ordinal, Level::County),
    }
}

/// The full 12-digit code of a six-digit prefix.
fn code_of(prefix: u32) -> DivisionCode {
    DivisionCode::from_u64(u64::from(prefix) * 1_000_000)
        .expect("six-digit prefixes give twelve-digit codes")
}

fn synthetic_entry(prefix: u32, level: Level, parent: Option<DivisionCode>) -> NodeEntry {
    let code = code_of(prefix);
    let (name_zh, name_en) = match level {
        Level::Nation => ("全国（模拟）".to_owned(), "Synthetic nation".to_owned()),
        Level::Region => {
            let digits = prefix / 10_000;
            (
                format!("模拟省{digits:02}"),
                format!("Synthetic region {digits:02}"),
            )
        }
        Level::City => {
            let digits = prefix / 100;
            (
                format!("模拟市{digits:04}"),
                format!("Synthetic city {digits:04}"),
            )
        }
        Level::County => (
            format!("模拟县{prefix:06}"),
            format!("Synthetic county {prefix:06}"),
        ),
    };
    NodeEntry::new(code, name_zh, name_en, level, parent)
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
    entries.push(synthetic_entry(NATION_PREFIX, Level::Nation, None));
    let nation = code_of(NATION_PREFIX);
    let mut counties = counties_per_city.iter();
    for (region_prefix, &city_count) in NATIONAL_REGION_PREFIXES.iter().zip(&cities_per_region) {
        let region_prefix = region_prefix * 10_000;
        entries.push(synthetic_entry(region_prefix, Level::Region, Some(nation)));
        let region = code_of(region_prefix);
        for city_index in 0..city_count {
            let (city_prefix, _) = child_prefix(region_prefix, Level::Region, city_index);
            entries.push(synthetic_entry(city_prefix, Level::City, Some(region)));
            let city = code_of(city_prefix);
            let county_count = counties.next().copied().unwrap_or(0);
            for county_index in 0..county_count {
                let (county_prefix, _) = child_prefix(city_prefix, Level::City, county_index);
                entries.push(synthetic_entry(county_prefix, Level::County, Some(city)));
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
    fn clamping_brings_any_shape_within_bounds() {
        for fanouts in [
            vec![1000, 1000, 1000, 1000],
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
            TreeShape::new(vec![1, 1, 1, 1]).check(),
            Err(ShapeError::TooDeep { depth: 4 })
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
