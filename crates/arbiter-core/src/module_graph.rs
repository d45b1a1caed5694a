//! The core reads bottom-up: a test that fails when its modules import each other in a circle.
//! Each top-level module (a file or folder under `src/`) is a node; `crate::name` in its
//! non-test code is an edge to `name`. Run: `cargo test -p arbiter-core module_graph`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The module a file under `src/` belongs to (`annotate/import.rs` → `annotate`).
fn module_of(rel: &Path) -> Option<String> {
    let first = rel
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    let name = first.trim_end_matches(".rs").to_string();
    (!["lib", "main", "testutil", "module_graph"].contains(&name.as_str())).then_some(name)
}

/// The modules `text` names as `crate::module`, test code left out.
fn imports(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
            out.insert(name);
        }
    }
    out
}

/// The core's module graph: module → the modules it imports.
pub fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.expect("walk src");
        let path = entry.path();
        let is_test = path.file_name().is_some_and(|n| n == "tests.rs")
            || path.components().any(|c| c.as_os_str() == "tests");
        if path.extension().is_none_or(|e| e != "rs") || is_test {
            continue;
        }
        let rel = path.strip_prefix(&src).expect("under src");
        let Some(module) = module_of(rel) else {
            continue;
        };
        let text = std::fs::read_to_string(path).expect("read");
        let deps = g.entry(module.clone()).or_default();
        deps.extend(imports(&text).into_iter().filter(|m| *m != module));
    }
    g
}

/// A circle of imports in `g`, if there is one.
pub fn find_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(n) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = path.iter().position(|p| p == n).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(n.to_string());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(n.to_string(), Mark::Open);
        path.push(n.to_string());
        for d in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, g, marks, path) {
                return Some(c);
            }
        }
        path.pop();
        marks.insert(n.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for n in g.keys() {
        if let Some(c) = visit(n, g, &mut marks, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

#[test]
fn the_core_module_graph_has_no_cycle() {
    let g = graph();
    assert!(
        g.len() > 15,
        "the core's modules were found: {:?}",
        g.keys()
    );
    if let Some(c) = find_cycle(&g) {
        panic!(
            "the core's modules import each other in a circle: {}",
            c.join(" → ")
        );
    }
    // The foundations import nothing above them.
    for base in ["time", "error"] {
        let deps: Vec<&String> = g[base].iter().filter(|d| *d != "error").collect();
        assert!(deps.is_empty(), "{base} imports {deps:?}");
    }
}

#[test]
fn a_circle_is_found_and_named() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        find_cycle(&g),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    g.get_mut("c").expect("c").clear();
    assert_eq!(find_cycle(&g), None);
    assert_eq!(
        imports("use crate::store::Project; x = crate::time::NOW_SQL; crate::Error;\\n#[cfg(test)]\\nuse crate::decide;"),
        ["store".to_string(), "time".to_string()].into_iter().collect()
    );
}
