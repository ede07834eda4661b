//! The module graph of `schemas/src`: which module's code names which other module, read from
//! the source (`use` trees, `crate::` and `super::` paths; comments and test modules left out).
//!
//! It holds the layering the ledger mechanism rests on: the generic modules never name the
//! ledgers, and no circle of modules spans more than one ledger's files, so a ledger is added or
//! changed in its own directory. Every naming is an edge, a parent's of its own submodules too
//! (`ledgers` dispatching to `ledgers::energy`, `records` re-exporting `records::handle`): a circle
//! may stay within one ledger's directory, or within one generic module and its submodules, and
//! nowhere else.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module by its path below the crate root, such as `ledgers::energy::checks`; the crate root is
/// the empty path.
type Module = Vec<String>;

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("schemas/src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

/// The module a file defines: `ledgers/energy/checks.rs` and `ledgers/energy/mod.rs` define
/// `ledgers::energy::checks` and `ledgers::energy`.
fn module_of(root: &Path, file: &Path) -> Module {
    let relative = file.strip_prefix(root).expect("a file below the root");
    let mut parts: Module = relative
        .with_extension("")
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The source without line comments and without the test module at the end.
fn code_of(source: &str) -> String {
    let source = source.split("#[cfg(test)]").next().unwrap_or_default();
    let mut code = String::with_capacity(source.len());
    for line in source.lines() {
        let line = match line.find("//") {
            Some(start) => &line[..start],
            None => line,
        };
        code.push_str(line);
        code.push('\n');
    }
    code
}

/// The paths a `use` tree names, braces expanded: `crate::{a, b::{c, d}}` gives `crate::a`,
/// `crate::b::c` and `crate::b::d`.
fn expand_use_tree(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (position, character) in inner.char_indices() {
        match character {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..position]);
                start = position + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|item| !item.is_empty())
        .flat_map(|item| expand_use_tree(&format!("{prefix}{item}")))
        .collect()
}

/// Every path the code names that starts at the crate root or a parent: those of its `use`
/// statements, and those written inline.
fn named_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = String::new();
    let mut remaining = code;
    while let Some(start) = remaining.find("use ") {
        let at_word_start = start == 0
            || !remaining.as_bytes()[start - 1].is_ascii_alphanumeric()
                && remaining.as_bytes()[start - 1] != b'_';
        rest.push_str(&remaining[..start]);
        let Some(end) = remaining[start..].find(';') else {
            break;
        };
        if at_word_start {
            paths.extend(expand_use_tree(&remaining[start + 4..start + end]));
        } else {
            rest.push_str(&remaining[start..start + end + 1]);
        }
        remaining = &remaining[start + end + 1..];
    }
    rest.push_str(remaining);
    let bytes = rest.as_bytes();
    for anchor in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(found) = rest[from..].find(anchor) {
            let start = from + found;
            from = start + anchor.len();
            if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                continue;
            }
            if start >= 7 && &rest[start - 7..start] == "super::" {
                continue;
            }
            let end = rest[start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .map_or(rest.len(), |length| start + length);
            paths.push(rest[start..end].to_owned());
        }
    }
    paths
}

/// The module a path names, as the deepest module of the crate it reaches; `None` for a path into
/// another crate or into the module's own children.
fn target_of(path: &str, module: &Module, modules: &BTreeSet<Module>) -> Option<Module> {
    let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: Module = match segments.first() {
        Some(&"crate") => {
            segments.remove(0);
            Vec::new()
        }
        Some(&"super") => {
            let mut base = module.clone();
            while segments.first() == Some(&"super") {
                segments.remove(0);
                base.pop();
            }
            base
        }
        _ => return None,
    };
    for segment in segments {
        base.push(segment.to_owned());
    }
    while !base.is_empty() && !modules.contains(&base) {
        base.pop();
    }
    let is_own_part = base.len() > module.len() && base[..module.len()] == module[..];
    (!base.is_empty() && base != *module && !is_own_part).then_some(base)
}

/// The submodules a module's code names by a path relative to itself (`office_space::DEFINITION`
/// in `ledgers`, `pub use handle::Field` in `records`), each as the deepest module the path
/// reaches; `mod` declarations are not namings.
fn children_named(code: &str, module: &Module, modules: &BTreeSet<Module>) -> BTreeSet<Module> {
    let mut named = BTreeSet::new();
    let children = modules
        .iter()
        .filter(|other| other.len() == module.len() + 1 && other[..module.len()] == module[..]);
    for child in children {
        let prefix = format!("{}::", child[module.len()]);
        let bytes = code.as_bytes();
        for (start, _) in code.match_indices(&prefix) {
            let before = start.checked_sub(1).map(|at| bytes[at]);
            if before
                .is_some_and(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b':')
            {
                continue;
            }
            let end = code[start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |length| start + length);
            let mut target = module.clone();
            target.extend(
                code[start..end]
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            );
            while target.len() > child.len() && !modules.contains(&target) {
                target.pop();
            }
            named.insert(target);
        }
    }
    named
}

/// The module graph of the crate's sources.
fn module_graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let modules: BTreeSet<Module> = files.iter().map(|file| module_of(&root, file)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let module = module_of(&root, file);
        let source = std::fs::read_to_string(file).expect("a source file is readable");
        let code = code_of(&source);
        let mut edges: BTreeSet<Module> = named_paths(&code)
            .iter()
            .filter_map(|path| target_of(path, &module, &modules))
            .collect();
        if !module.is_empty() {
            edges.extend(children_named(&code, &module, &modules));
        }
        graph.insert(module, edges);
    }
    graph
}

/// The strongly connected components of the graph with more than one module (Tarjan).
fn circles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct State<'a> {
        graph: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        found: Vec<Vec<Module>>,
    }
    fn visit<'a>(state: &mut State<'a>, module: &'a Module) {
        let next = state.index.len();
        state.index.insert(module, next);
        state.low.insert(module, next);
        state.stack.push(module);
        state.on_stack.insert(module);
        for target in &state.graph[module] {
            if !state.index.contains_key(target) {
                visit(state, target);
                let low = state.low[module].min(state.low[target]);
                state.low.insert(module, low);
            } else if state.on_stack.contains(target) {
                let low = state.low[module].min(state.index[target]);
                state.low.insert(module, low);
            }
        }
        if state.low[module] == state.index[module] {
            let mut component = Vec::new();
            while let Some(member) = state.stack.pop() {
                state.on_stack.remove(member);
                component.push(member.clone());
                if member == module {
                    break;
                }
            }
            if component.len() > 1 {
                state.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for module in graph.keys() {
        if !state.index.contains_key(module) {
            visit(&mut state, module);
        }
    }
    state.found
}

fn shown(module: &Module) -> String {
    if module.is_empty() {
        "crate".to_owned()
    } else {
        module.join("::")
    }
}

fn described(graph: &BTreeMap<Module, BTreeSet<Module>>) -> String {
    graph
        .iter()
        .map(|(module, edges)| {
            let edges: Vec<String> = edges.iter().map(shown).collect();
            format!("{} -> {}", shown(module), edges.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The ledger whose directory holds a module (`ledgers::energy::checks` is energy's), if any.
fn ledger_of(module: &Module) -> Option<&str> {
    match module.as_slice() {
        [first, ledger, ..] if first == "ledgers" => Some(ledger),
        _ => None,
    }
}

#[test]
fn no_module_circle_spans_more_than_one_ledger() {
    let graph = module_graph();
    for circle in circles(&graph) {
        let ledgers: BTreeSet<Option<&str>> = circle.iter().map(ledger_of).collect();
        let within_one_ledger = ledgers.len() == 1 && ledgers.iter().all(Option::is_some);
        let tops: BTreeSet<&str> = circle.iter().map(|module| module[0].as_str()).collect();
        let within_one_generic_module = tops.len() == 1 && !tops.contains("ledgers");
        assert!(
            within_one_ledger || within_one_generic_module,
            "a module circle leaves one ledger's files: {}\n\nthe graph:\n{}",
            circle.iter().map(shown).collect::<Vec<_>>().join(", "),
            described(&graph)
        );
    }
}

#[test]
fn the_generic_modules_never_name_a_ledger() {
    let graph = module_graph();
    for (module, edges) in &graph {
        if module.first().is_some_and(|first| first == "ledgers") || module.is_empty() {
            continue;
        }
        let upward: Vec<String> = edges
            .iter()
            .filter(|target| target.first().is_some_and(|first| first == "ledgers"))
            .map(shown)
            .collect();
        assert!(
            upward.is_empty(),
            "{} names {} (the ledgers sit above it)",
            shown(module),
            upward.join(", ")
        );
    }
}

#[test]
fn a_ledger_names_neither_the_dispatch_nor_another_ledger() {
    let graph = module_graph();
    for (module, edges) in &graph {
        let Some(ledger) = ledger_of(module) else {
            continue;
        };
        for target in edges {
            let foreign = target.first().is_some_and(|first| first == "ledgers")
                && ledger_of(target) != Some(ledger);
            assert!(
                !foreign,
                "{} names {}: a ledger is written in the vocabulary's terms only",
                shown(module),
                shown(target)
            );
        }
    }
}

#[test]
fn the_reader_sees_braced_and_inline_paths() {
    assert_eq!(
        expand_use_tree("crate::{a, b::{c, d}}"),
        ["crate::a", "crate::b::c", "crate::b::d"]
    );
    let code = "use super::{x::Y, z};\nfn f() { crate::ledgers::check(); }\n";
    assert_eq!(
        named_paths(code),
        ["super::x::Y", "super::z", "crate::ledgers::check"]
    );
    let modules: BTreeSet<Module> = [
        vec!["ledgers".to_owned()],
        vec!["ledgers".to_owned(), "energy".to_owned()],
        vec![
            "ledgers".to_owned(),
            "energy".to_owned(),
            "checks".to_owned(),
        ],
        vec![
            "ledgers".to_owned(),
            "energy".to_owned(),
            "tables".to_owned(),
        ],
        vec!["figures".to_owned()],
    ]
    .into_iter()
    .collect();
    let checks: Module = vec!["ledgers".into(), "energy".into(), "checks".into()];
    assert_eq!(
        target_of("super::tables::X", &checks, &modules),
        Some(vec!["ledgers".into(), "energy".into(), "tables".into()])
    );
    assert_eq!(
        target_of("super::super::check", &checks, &modules),
        Some(vec!["ledgers".to_owned()])
    );
    let energy: Module = vec!["ledgers".into(), "energy".into()];
    assert_eq!(
        target_of("super::check", &energy, &modules),
        Some(vec!["ledgers".to_owned()])
    );
    assert_eq!(
        target_of("crate::figures::Sums", &energy, &modules),
        Some(vec!["figures".to_owned()])
    );
    assert_eq!(target_of("std::fmt", &energy, &modules), None);
    assert_eq!(
        target_of("crate::ledgers::energy::tables", &energy, &modules),
        None
    );
}
