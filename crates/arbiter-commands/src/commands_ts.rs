//! `ui/src/bindings/commands.ts`, rendered from the command registry with the real Rust types:
//! the `Commands` map (`{ name: { role; args; result } }`) that `ui/src/ipc.ts` calls through, so
//! a wrong command name or argument shape is a TypeScript error. Types are named as ts-rs names
//! them (`i64` is `number`, `Option<T>` is `T | null`); arguments in camelCase, as Tauri expects
//! them; `()` is `void`, `Channel<T>` is the Tauri API's `Channel<T>`.
//! `command_bindings_are_current` (in `registry_tests.rs`) keeps the committed file current.

use std::collections::BTreeSet;

use ts_rs::{Config, TS};

#[allow(unused_imports)] // the registry's types, named in the expansion below
use crate::dto::*;
use crate::handlers::Channel;
use crate::registry::for_each_command;

/// Where the rendered file lives, from this crate's folder.
pub const PATH: &str = "../../ui/src/bindings/commands.ts";

/// A type's TypeScript name: ts-rs's for the DTOs and std types, ours for the two types that
/// are not DTOs.
trait TsName {
    fn ts_name(cfg: &Config) -> String;
}

impl<T: TS + ?Sized> TsName for T {
    fn ts_name(cfg: &Config) -> String {
        T::name(cfg)
    }
}

impl<T: TS> TsName for Channel<T> {
    fn ts_name(cfg: &Config) -> String {
        format!("Channel<{}>", T::name(cfg))
    }
}

fn cfg() -> Config {
    Config::new().with_large_int("number")
}

/// `version_id` → `versionId`: Tauri's argument names on the JavaScript side, by the same
/// library its command macro uses.
fn camel(name: &str) -> String {
    heck::ToLowerCamelCase::to_lower_camel_case(name)
}

struct Entry {
    name: &'static str,
    role: &'static str,
    args: Vec<(String, String)>,
    result: String,
}

macro_rules! entries {
    ($($(#[$flag:ident])? $role:ident $name:ident($($arg:ident: $ty:ty),*) -> $result:ty;)*) => {
        vec![$(Entry {
            name: stringify!($name),
            role: stringify!($role),
            args: vec![$((camel(stringify!($arg)), <$ty as TsName>::ts_name(&cfg()))),*],
            result: match stringify!($result) {
                "()" => "void".to_string(),
                _ => <$result as TsName>::ts_name(&cfg()),
            },
        }),*]
    };
}

/// The contents of `ui/src/bindings/commands.ts`.
pub fn typescript_commands() -> String {
    let entries: Vec<Entry> = for_each_command!(entries);
    // Every type named (DTOs are capitalised; the rest are TypeScript's own or Channel).
    let mut named = BTreeSet::new();
    for e in &entries {
        for ty in e.args.iter().map(|(_, t)| t).chain([&e.result]) {
            for word in ty.split(|c: char| !c.is_ascii_alphanumeric()) {
                if word.starts_with(|c: char| c.is_ascii_uppercase())
                    && !matches!(word, "Array" | "Channel" | "Record")
                {
                    named.insert(word.to_string());
                }
            }
        }
    }
    let mut out = String::from(
        "// Generated from crates/arbiter-commands/src/registry.rs (commands_ts.rs beside it); do not edit.\n\
         // Regenerate with: UPDATE_BINDINGS=1 cargo test -p arbiter-commands bindings_are_current\n",
    );
    if entries
        .iter()
        .any(|e| e.args.iter().any(|(_, t)| t.starts_with("Channel<")))
    {
        out.push_str("import type { Channel } from \"@tauri-apps/api/core\";\n");
    }
    for t in &named {
        out.push_str(&format!("import type {{ {t} }} from \"./{t}\";\n"));
    }
    out.push_str(
        "\n/** The least role a command is meant for; each role may do what the ones before it may. */\n\
         export type CommandRole = \"any\" | \"annotator\" | \"reviewer\" | \"lead\";\n\n\
         /** Every command the desktop app answers: its role, arguments (as sent) and result. */\n\
         export type Commands = {\n",
    );
    for e in &entries {
        let args = if e.args.is_empty() {
            "Record<string, never>".to_string()
        } else {
            let fields: Vec<String> = e.args.iter().map(|(n, t)| format!("{n}: {t}")).collect();
            format!("{{ {} }}", fields.join("; "))
        };
        out.push_str(&format!(
            "  {}: {{ role: \"{}\"; args: {args}; result: {} }};\n",
            e.name, e.role, e.result
        ));
    }
    out.push_str("};\n");
    out
}
