//! Tauri's build step. The app's commands come from the registry,
//! `crates/arbiter-commands/src/registry.rs` (included here by path; it depends on nothing): Tauri
//! generates an `allow-<command>` permission for each. `capabilities/main.json`, which grants
//! exactly those, is rendered from the same list and kept current by the test
//! `capability_grants_exactly_the_registry_commands` (a build never writes the source tree).

#[allow(dead_code, unused_imports)]
#[path = "../crates/arbiter-commands/src/registry.rs"]
mod registry;

fn main() {
    println!("cargo:rerun-if-changed=../crates/arbiter-commands/src/registry.rs");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(registry::NAMES)),
    )
    .expect("tauri build step");
}
