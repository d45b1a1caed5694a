//! The command registry (`crates/arbiter-commands/src/registry.rs`) against what the desktop app
//! keeps beside it: the `#[tauri::command]` functions in `lib.rs` (names, arguments, results) and
//! `capabilities/main.json`, rendered here from the registry. (The generated TypeScript and the
//! names `ui/src/ipc.ts` calls are checked in arbiter-commands.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use arbiter_commands::registry::COMMANDS;

fn here(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(here(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Split at the commas outside `<…>` and `(…)`.
fn split_top(s: &str) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0i32, 0, Vec::new());
    for (i, c) in s.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

/// A command function as written in `lib.rs`: name, the arguments the UI sends (name, type;
/// Tauri's own `State`/`AppHandle` left out) and the result type without `Res<…>`.
#[derive(Debug, PartialEq)]
struct Signature {
    name: String,
    args: Vec<(String, String)>,
    result: String,
}

fn lib_commands(src: &str) -> Vec<Signature> {
    let mut out = Vec::new();
    for chunk in src.split("#[tauri::command]").skip(1) {
        let at = chunk
            .find("fn ")
            .expect("a function after #[tauri::command]")
            + 3;
        let rest = &chunk[at..];
        let open = rest.find('(').expect("(");
        let name = rest[..open].trim().to_string();
        let mut depth = 0;
        let close = rest[open..]
            .char_indices()
            .find_map(|(i, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                (depth == 0).then_some(open + i)
            })
            .expect(")");
        let args = split_top(&rest[open + 1..close])
            .into_iter()
            .filter_map(|p| {
                let (n, t) = p.split_once(':').expect("name: type");
                let t = squash(t);
                let injected = t.starts_with("State<")
                    || t.starts_with("tauri::State<")
                    || t == "tauri::AppHandle"
                    || t == "AppHandle";
                (!injected).then(|| (n.trim().to_string(), t))
            })
            .collect();
        let after = &rest[close + 1..rest.find('{').expect("{")];
        let result = match after.trim().strip_prefix("->") {
            None => "()".to_string(),
            Some(t) => {
                let t = squash(t);
                match t.strip_prefix("Res<").and_then(|t| t.strip_suffix('>')) {
                    Some(inner) => inner.to_string(),
                    None => t,
                }
            }
        };
        out.push(Signature { name, args, result });
    }
    out
}

fn registry_signatures() -> Vec<Signature> {
    COMMANDS
        .iter()
        .map(|c| Signature {
            name: c.name.to_string(),
            args: c
                .args
                .iter()
                .map(|a| (a.name.to_string(), squash(a.ty)))
                .collect(),
            result: squash(c.result),
        })
        .collect()
}

fn lib_commands_disagreements(lib_rs: &str) -> Vec<String> {
    let lib = lib_commands(lib_rs);
    let reg = registry_signatures();
    let mut problems = Vec::new();
    let names = |s: &[Signature]| s.iter().map(|c| c.name.clone()).collect::<BTreeSet<_>>();
    for missing in names(&lib).difference(&names(&reg)) {
        problems.push(format!(
            "{missing}: a #[tauri::command] in lib.rs missing from the registry"
        ));
    }
    for missing in names(&reg).difference(&names(&lib)) {
        problems.push(format!(
            "{missing}: in the registry but no #[tauri::command] fn in lib.rs"
        ));
    }
    for r in &reg {
        if reg.iter().filter(|o| o.name == r.name).count() > 1 {
            problems.push(format!("{}: in the registry twice", r.name));
        }
        if let Some(l) = lib.iter().find(|l| l.name == r.name) {
            if l != r {
                problems.push(format!("{}: lib.rs has {l:?}, the registry {r:?}", r.name));
            }
        }
    }
    problems
}

#[test]
fn lib_commands_match_the_registry() {
    let problems = lib_commands_disagreements(&read("src/lib.rs"));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_lib_check_sees_a_missing_or_changed_command() {
    // The checker itself: a command dropped from lib.rs, and one whose argument changed.
    let lib_rs = read("src/lib.rs");
    let dropped = lib_rs.replacen("#[tauri::command]\nfn close_project", "fn close_project", 1);
    assert_ne!(dropped, lib_rs);
    assert_eq!(
        lib_commands_disagreements(&dropped),
        ["close_project: in the registry but no #[tauri::command] fn in lib.rs"]
    );
    let changed = lib_rs.replacen(
        "fn open_folder(path: String)",
        "fn open_folder(path: PathBuf)",
        1,
    );
    assert_ne!(changed, lib_rs);
    let problems = lib_commands_disagreements(&changed);
    assert!(
        problems.len() == 1 && problems[0].starts_with("open_folder: lib.rs has"),
        "{problems:#?}"
    );
}

#[test]
fn capability_grants_exactly_the_registry_commands() {
    // Regenerate with: UPDATE_BINDINGS=1 cargo test -p arbiter-app capability
    let rendered = capability();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(here("capabilities/main.json"), &rendered).expect("write main.json");
    }
    let text = read("capabilities/main.json");
    assert!(
        text == rendered,
        "capabilities/main.json differs from the registry (crates/arbiter-commands/src/registry.rs); run UPDATE_BINDINGS=1 cargo test -p arbiter-app capability"
    );
    let cap: serde_json::Value = serde_json::from_str(&text).expect("capabilities/main.json");
    assert_eq!(cap["identifier"], "main");
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    let granted: Vec<&str> = cap["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| p.as_str().expect("a permission name"))
        .collect();
    let wanted: Vec<String> = COMMANDS.iter().map(|c| c.permission()).collect();
    assert_eq!(
        granted, wanted,
        "capabilities/main.json must grant exactly the registry's commands"
    );
}

/// The main window's capability: the registry's commands and nothing else.
fn capability() -> String {
    let permissions: Vec<String> = COMMANDS
        .iter()
        .map(|c| format!("    \"{}\"", c.permission()))
        .collect();
    format!(
        r#"{{
  "$schema": "../gen/schemas/desktop-schema.json",
  "identifier": "main",
  "description": "The main window: Arbiter's own commands and nothing else. Rendered from the registry, crates/arbiter-commands/src/registry.rs (UPDATE_BINDINGS=1 cargo test -p arbiter-app capability): add a command there, not here.",
  "windows": ["main"],
  "permissions": [
{}
  ]
}}
"#,
        permissions.join(",\n")
    )
}
