//! The command registry against everything derived from it or kept beside it: the
//! `#[tauri::command]` functions in `lib.rs` (names, arguments, results), `capabilities/main.json`,
//! the generated `ui/src/bindings/commands.ts` and the command names `ui/src/ipc.ts` calls.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::registry::COMMANDS;

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
            "{missing}: a #[tauri::command] in lib.rs missing from src/registry.rs"
        ));
    }
    for missing in names(&reg).difference(&names(&lib)) {
        problems.push(format!(
            "{missing}: in src/registry.rs but no #[tauri::command] fn in lib.rs"
        ));
    }
    for r in &reg {
        if reg.iter().filter(|o| o.name == r.name).count() > 1 {
            problems.push(format!("{}: in src/registry.rs twice", r.name));
        }
        if let Some(l) = lib.iter().find(|l| l.name == r.name) {
            if l != r {
                problems.push(format!(
                    "{}: lib.rs has {l:?}, src/registry.rs {r:?}",
                    r.name
                ));
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
        ["close_project: in src/registry.rs but no #[tauri::command] fn in lib.rs"]
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
    let rendered = crate::registry::capability();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(here("capabilities/main.json"), &rendered).expect("write main.json");
    }
    let text = read("capabilities/main.json");
    assert!(
        text == rendered,
        "capabilities/main.json differs from src/registry.rs; run UPDATE_BINDINGS=1 cargo test -p arbiter-app capability"
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

#[test]
fn command_bindings_are_current() {
    // Regenerate with: UPDATE_BINDINGS=1 cargo test -p arbiter-app bindings_are_current
    let text = crate::commands_ts::typescript_commands();
    let path = here(crate::commands_ts::PATH);
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &text).expect("write commands.ts");
    }
    assert!(
        std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()),
        "ui/src/bindings/commands.ts differs from src-tauri/src/registry.rs; run UPDATE_BINDINGS=1 cargo test -p arbiter-app bindings_are_current"
    );
    // Every type it imports is one dto.rs exports.
    let exported: BTreeSet<String> = crate::dto::typescript_bindings()
        .into_iter()
        .map(|(file, _)| file)
        .collect();
    for line in text.lines() {
        if let Some(from) = line.split("from \"./").nth(1) {
            let file = format!("{}.ts", from.trim_end_matches("\";"));
            assert!(
                exported.contains(&file),
                "commands.ts imports {file}, which dto::typescript_bindings does not export"
            );
        }
    }
}

/// TypeScript without its comments (`//…` and `/* … */` outside string literals).
fn strip_comments(ts: &str) -> String {
    let (mut out, mut chars) = (String::new(), ts.chars().peekable());
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' | '`' => {
                out.push(c);
                while let Some(d) = chars.next() {
                    out.push(d);
                    if d == '\\' {
                        out.extend(chars.next());
                    } else if d == c {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for d in chars.by_ref() {
                    if last == '*' && d == '/' {
                        break;
                    }
                    last = d;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// The command names `ipc.ts` passes to `call`, or a complaint about a call without a literal name.
fn ipc_commands(ipc_ts: &str) -> Result<Vec<String>, String> {
    let ipc_ts = &strip_comments(ipc_ts);
    let mut names = Vec::new();
    for (i, _) in ipc_ts
        .match_indices("call(")
        .chain(ipc_ts.match_indices("call<"))
    {
        if ipc_ts[..i].ends_with("function ")
            || ipc_ts[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            continue; // the definition, or another name ending in "call"
        }
        let rest = &ipc_ts[i + 4..];
        // Skip an explicit type argument.
        let rest = match rest.strip_prefix('<') {
            Some(r) => &r[r.find(">(").ok_or("call<…> without (")? + 1..],
            None => rest,
        };
        let arg = rest.trim_start_matches('(').trim_start();
        let name = arg
            .strip_prefix('"')
            .and_then(|a| a.split_once('"'))
            .map(|(n, _)| n.to_string())
            .ok_or_else(|| {
                format!(
                    "call without a literal command name: {}",
                    &arg[..arg.len().min(40)]
                )
            })?;
        names.push(name);
    }
    Ok(names)
}

fn ipc_disagreements(ipc_ts: &str) -> Vec<String> {
    let known: BTreeSet<&str> = COMMANDS.iter().map(|c| c.name).collect();
    let mut problems = Vec::new();
    match ipc_commands(ipc_ts) {
        Err(e) => problems.push(e),
        Ok(names) => {
            if names.is_empty() {
                problems.push("ipc.ts calls no command".into());
            }
            for n in names {
                if !known.contains(n.as_str()) {
                    problems.push(format!(
                        "ipc.ts calls {n:?}, which is not in src/registry.rs"
                    ));
                }
            }
        }
    }
    // Everything goes through `call`: one `invoke(` in the file, inside it.
    let code = strip_comments(ipc_ts);
    if code.matches("invoke(").count() + code.matches("invoke<").count() != 1 {
        problems.push("ipc.ts must call invoke only inside call()".into());
    }
    problems
}

#[test]
fn ipc_ts_calls_only_registry_commands() {
    let problems = ipc_disagreements(&read("../ui/src/ipc.ts"));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_ipc_check_sees_an_unknown_command() {
    let ipc_ts = read("../ui/src/ipc.ts");
    let renamed = ipc_ts.replacen("call(\"open_project\"", "call(\"open_projects\"", 1);
    assert_ne!(renamed, ipc_ts);
    assert_eq!(
        ipc_disagreements(&renamed),
        ["ipc.ts calls \"open_projects\", which is not in src/registry.rs"]
    );
    let bypass = format!("{ipc_ts}\nexport const x = () => invoke(\"open_project\");\n");
    assert_eq!(
        ipc_disagreements(&bypass),
        ["ipc.ts must call invoke only inside call()"]
    );
}
