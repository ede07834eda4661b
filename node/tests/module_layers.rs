//! The node's top-level modules depend on each other in one direction only: a test over the
//! `crate::` paths of their source (the `use` lines and paths written in full), so that the
//! circle `commands` / `driver::control` / `driver` / `views` once made cannot come back.
//!
//! The layers, lowest first: `core` (with `store`, `clock`, `returns`) knows nothing of what runs
//! it; `driver` runs sessions and serves the control socket without knowing what an operation
//! means; `operations` uses both; `render`, `console` (the web console), `demo`, `bench` and the
//! binary sit on top.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The modules of `node/src`, each with the top-level modules its source names through `crate::`.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        if name == "lib" || name == "main" {
            continue;
        }
        let mut texts = Vec::new();
        collect_sources(&path, &mut texts);
        let uses = graph.entry(name.clone()).or_default();
        for text in texts {
            uses.extend(crate_paths(&text));
        }
        uses.remove(&name);
    }
    graph
}

fn collect_sources(path: &Path, texts: &mut Vec<String>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            collect_sources(&entry.unwrap().path(), texts);
        }
    } else if path.extension().is_some_and(|extension| extension == "rs") {
        texts.push(std::fs::read_to_string(path).unwrap());
    }
}

/// The top-level modules a source names: `crate::a::…`, and each of `use crate::{a::…, b}`.
fn crate_paths(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let code: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = matching_brace(group);
            for item in split_top_level(&group[..end]) {
                if let Some(name) = leading_identifier(item.trim()) {
                    found.insert(name);
                }
            }
        } else if let Some(name) = leading_identifier(rest) {
            found.insert(name);
        }
    }
    found
}

fn matching_brace(text: &str) -> usize {
    let mut depth = 0usize;
    for (index, character) in text.char_indices() {
        match character {
            '{' => depth += 1,
            '}' if depth == 0 => return index,
            '}' => depth -= 1,
            _ => {}
        }
    }
    text.len()
}

fn split_top_level(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (index, character) in text.char_indices() {
        match character {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items
}

fn leading_identifier(text: &str) -> Option<String> {
    let name: String = text
        .chars()
        .take_while(|character| character.is_alphanumeric() || *character == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// A cycle through the graph, if any.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|seen| seen == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if graph.contains_key(next)
                && let Some(cycle) = visit(next, graph, path, done)
            {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_layers_hold_core_below_driver_below_operations_below_render() {
    let graph = module_graph();
    let forbidden: &[(&str, &[&str])] = &[
        (
            "core",
            &[
                "driver",
                "operations",
                "render",
                "directory",
                "import",
                "demo",
                "bench",
                "console",
            ],
        ),
        (
            "store",
            &["core", "driver", "operations", "render", "console"],
        ),
        (
            "driver",
            &["operations", "render", "demo", "bench", "console"],
        ),
        ("operations", &["render", "demo", "bench", "console"]),
        ("import", &["operations", "render", "driver", "console"]),
    ];
    for (module, not_above) in forbidden {
        let uses = &graph[*module];
        for upper in *not_above {
            assert!(
                !uses.contains(*upper),
                "{module} uses {upper}, a layer above it: {uses:?}"
            );
        }
    }
    assert!(graph["operations"].contains("core") && graph["render"].contains("operations"));
    // The web console is a front end like the CLI: it reaches the node through the operations.
    assert!(graph["console"].contains("operations"));
}

#[test]
fn the_layers_of_core_driver_operations_and_render_have_no_circle() {
    let graph = module_graph();
    let layered: BTreeMap<String, BTreeSet<String>> = graph
        .iter()
        .filter(|(name, _)| {
            [
                "core",
                "store",
                "driver",
                "operations",
                "render",
                "import",
                "clock",
            ]
            .contains(&name.as_str())
        })
        .map(|(name, uses)| (name.clone(), uses.clone()))
        .collect();
    assert_eq!(find_cycle(&layered), None);
}

#[test]
fn the_scanner_sees_grouped_and_written_out_paths() {
    let found = crate_paths(
        "use crate::{core::{Actor, NodeCore}, driver};\n// crate::render is a comment\nlet x = crate::clock::unix_ms();",
    );
    assert_eq!(
        found,
        ["clock", "core", "driver"]
            .iter()
            .map(|name| name.to_string())
            .collect()
    );
    let mut circle = BTreeMap::new();
    circle.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    circle.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert!(find_cycle(&circle).is_some());
}
