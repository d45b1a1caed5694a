//! Tauri's build step. The app's commands come from `src/registry.rs` (included here): Tauri
//! generates an `allow-<command>` permission for each, and `capabilities/main.json`, which grants
//! exactly those, is written from the same list whenever it differs (commit the result).

use std::path::Path;

#[allow(dead_code, unused_imports)]
#[path = "src/registry.rs"]
mod registry;

/// The main window's capability: the registry's commands and nothing else.
fn capability() -> String {
    let permissions: Vec<String> = registry::COMMANDS
        .iter()
        .map(|c| format!("    \"{}\"", c.permission()))
        .collect();
    format!(
        r#"{{
  "$schema": "../gen/schemas/desktop-schema.json",
  "identifier": "main",
  "description": "The main window: Arbiter's own commands and nothing else. Written by build.rs from src/registry.rs: add a command there, not here.",
  "windows": ["main"],
  "permissions": [
{}
  ]
}}
"#,
        permissions.join(",\n")
    )
}

fn main() {
    println!("cargo:rerun-if-changed=src/registry.rs");
    let path = Path::new("capabilities/main.json");
    let text = capability();
    // Written only when it differs, so a build does not make the next one run this again.
    if std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(path, text).expect("write capabilities/main.json");
    }
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(registry::NAMES)),
    )
    .expect("tauri build step");
}
