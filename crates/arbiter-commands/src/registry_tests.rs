//! The command registry against what the web UI holds: the generated
//! `ui/src/bindings/commands.ts` and the command names `ui/src/ipc.ts` calls. (The desktop app's
//! `src-tauri/src/registry_tests.rs` checks its `#[tauri::command]` functions and capability file.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::registry::COMMANDS;

fn here(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(here(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn command_bindings_are_current() {
    // Regenerate with: UPDATE_BINDINGS=1 cargo test -p arbiter-commands bindings_are_current
    let text = crate::commands_ts::typescript_commands();
    let path = here(crate::commands_ts::PATH);
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &text).expect("write commands.ts");
    }
    assert!(
        std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()),
        "ui/src/bindings/commands.ts differs from crates/arbiter-commands/src/registry.rs; run UPDATE_BINDINGS=1 cargo test -p arbiter-commands bindings_are_current"
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
                        "ipc.ts calls {n:?}, which is not in the registry (crates/arbiter-commands/src/registry.rs)"
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
    let problems = ipc_disagreements(&read("../../ui/src/ipc.ts"));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_ipc_check_sees_an_unknown_command() {
    let ipc_ts = read("../../ui/src/ipc.ts");
    let renamed = ipc_ts.replacen("call(\"open_project\"", "call(\"open_projects\"", 1);
    assert_ne!(renamed, ipc_ts);
    assert_eq!(
        ipc_disagreements(&renamed),
        ["ipc.ts calls \"open_projects\", which is not in the registry (crates/arbiter-commands/src/registry.rs)"]
    );
    let bypass = format!("{ipc_ts}\nexport const x = () => invoke(\"open_project\");\n");
    assert_eq!(
        ipc_disagreements(&bypass),
        ["ipc.ts must call invoke only inside call()"]
    );
}
