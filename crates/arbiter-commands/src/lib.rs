//! Arbiter's command surface, free of any shell (no Tauri, no GUI): the one list of commands
//! ([`registry`]), the types that cross to the web UI ([`dto`], exported to `ui/src/bindings/`),
//! the work behind each command ([`state::AppState`], over arbiter-core) and the generated
//! `ui/src/bindings/commands.ts` ([`commands_ts`]). The desktop app (`src-tauri/`) wraps these in
//! `#[tauri::command]` functions; a shell without Tauri uses the same surface.

pub mod commands_ts;
pub mod dto;
pub mod registry;
#[cfg(test)]
mod registry_tests;
pub mod state;
