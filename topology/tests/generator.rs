//! Synthetic trees: the national tree's size and shape, and properties of trees of random shape.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use topology::generator::{
    MAX_GENERATED_DEPTH, NATIONAL_CITIES, NATIONAL_COUNTIES, NATIONAL_REGIONS,
};
use topology::{DivisionCode, Level, Topology, TreeShape, generate, national_tree};

/// Building the national tree must stay fast enough to do in every test that wants one.
const NATIONAL_TREE_TIME_MAX: Duration = Duration::from_secs(1);

#[test]
fn the_national_tree_has_3209_nodes_at_four_levels() {
    let started = Instant::now();
    let tree = national_tree();
    let elapsed = started.elapsed();
    assert!(elapsed < NATIONAL_TREE_TIME_MAX, "took {elapsed:?}");

    assert_eq!(tree.len(), 3_209);
    let mut per_level: HashMap<Level, usize> = HashMap::new();
    for entry in tree.iter() {
        *per_level.entry(entry.level).or_default() += 1;
    }
    assert_eq!(per_level[&Level::Nation], 1);
    assert_eq!(per_level[&Level::Region], NATIONAL_REGIONS);
    assert_eq!(per_level[&Level::City], NATIONAL_CITIES);
    assert_eq!(per_level[&Level::County], NATIONAL_COUNTIES);
    assert_eq!(
        (NATIONAL_REGIONS, NATIONAL_CITIES, NATIONAL_COUNTIES),
        (31, 333, 2_844)
    );

    let nation = tree.root();
    assert_eq!(nation.code.as_str(), "100000000000");
    assert_eq!(nation.level, Level::Nation);
    let regions = tree.children_of(nation.code);
    assert_eq!(
        regions.first().map(DivisionCode::as_str),
        Some("110000000000")
    );
    assert!(tree.contains(DivisionCode::parse("640000000000").unwrap()));
    // Codes nest: a city shares its region's first 2 digits, a county its city's first 4.
    for entry in tree.iter() {
        let digits = entry.code.as_str();
        let shared = match entry.level {
            Level::Nation | Level::Region => 0,
            Level::City => 2,
            Level::County => 4,
            Level::Township => 6,
            Level::Village => 9,
        };
        if let Some(parent) = entry.parent.filter(|_| shared > 0) {
            assert_eq!(&digits[..shared], &parent.as_str()[..shared], "{digits}");
        }
        assert!(digits.ends_with("000000"), "{digits}");
        assert_eq!(tree.depth_of(entry.code), Some(entry.level as usize));
    }
    assert_eq!(national_tree(), tree, "the national tree is deterministic");
}

/// Number of nodes a shape describes, counted the slow way.
fn expected_count(fanouts: &[usize]) -> usize {
    let mut count = 1;
    let mut width = 1;
    for fanout in fanouts {
        width *= fanout;
        count += width;
    }
    count
}

fn check_tree(tree: &Topology, fanouts: &[usize]) {
    assert_eq!(tree.len(), expected_count(fanouts));
    let root = tree.root().code;
    let codes: Vec<DivisionCode> = tree.iter().map(|entry| entry.code).collect();

    // Every node except the root has exactly one parent, and appears in exactly one child list.
    let mut listed_as_child: HashMap<DivisionCode, usize> = HashMap::new();
    for &code in &codes {
        for &child in tree.children_of(code) {
            *listed_as_child.entry(child).or_default() += 1;
            assert_eq!(tree.parent_of(child), Some(code));
        }
    }
    for &code in &codes {
        if code == root {
            assert_eq!(tree.parent_of(code), None);
            assert!(!listed_as_child.contains_key(&code));
        } else {
            let parent = tree.parent_of(code).expect("a non-root node has a parent");
            assert!(tree.contains(parent));
            assert_eq!(listed_as_child.get(&code), Some(&1));
        }
    }

    // Subtree sizes add up, and each subtree is its root followed by its children's subtrees.
    assert_eq!(tree.subtree(root).len(), tree.len());
    for &code in &codes {
        let subtree = tree.subtree(code);
        let children = tree.children_of(code);
        let children_total: usize = children
            .iter()
            .map(|&child| tree.subtree(child).len())
            .sum();
        assert_eq!(subtree.len(), 1 + children_total);
        assert_eq!(subtree.len(), tree.subtree_len(code));
        assert_eq!(subtree.first(), Some(&code));
        let mut expected = vec![code];
        for &child in children {
            expected.extend(tree.subtree(child));
        }
        assert_eq!(subtree, expected);
        let depth = tree.depth_of(code).unwrap();
        for member in subtree {
            assert!(tree.is_in_subtree(code, member));
            assert!(tree.depth_of(member).unwrap() >= depth);
        }
    }

    // child_toward agrees with the chain of parents from the descendant up.
    for &descendant in &codes {
        let mut chain = vec![descendant];
        while let Some(parent) = tree.parent_of(*chain.last().unwrap()) {
            chain.push(parent);
        }
        assert_eq!(chain.len() - 1, tree.depth_of(descendant).unwrap());
        assert_eq!(chain.last(), Some(&root));
        for &ancestor in &codes {
            let position = chain.iter().position(|&link| link == ancestor);
            let expected = match position {
                Some(position) if position > 0 => Some(chain[position - 1]),
                _ => None,
            };
            assert_eq!(tree.child_toward(ancestor, descendant), expected);
            assert_eq!(tree.is_in_subtree(ancestor, descendant), position.is_some());
        }
    }
}

proptest! {
    #[test]
    fn generated_trees_are_consistent(
        fanouts in proptest::collection::vec(0usize..5, 0..=MAX_GENERATED_DEPTH)
    ) {
        let tree = generate(&TreeShape::new(fanouts.clone()));
        check_tree(&tree, &fanouts);
        // Up to three levels the leaves are counties and the root sits as many levels above them
        // as the shape is deep; deeper shapes hang townships and villages under a nation.
        prop_assert_eq!(tree.root().level as usize, 3usize.saturating_sub(fanouts.len()));
    }
}

#[test]
fn the_national_tree_is_consistent() {
    let tree = national_tree();
    let root = tree.root().code;
    assert_eq!(tree.subtree(root).len(), tree.len());
    for entry in tree.iter() {
        let children_total: usize = tree
            .children_of(entry.code)
            .iter()
            .map(|&child| tree.subtree_len(child))
            .sum();
        assert_eq!(tree.subtree_len(entry.code), 1 + children_total);
        if let Some(parent) = entry.parent {
            assert_eq!(tree.child_toward(parent, entry.code), Some(entry.code));
            assert_eq!(
                tree.child_toward(root, entry.code)
                    .and_then(|region| tree.parent_of(region)),
                Some(root)
            );
        }
    }
}
