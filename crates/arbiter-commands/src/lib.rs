//! Arbiter's command surface, free of any shell (no Tauri, no GUI): the one list of commands
//! ([`registry`]), the types that cross to the web UI ([`dto`], exported to `ui/src/bindings/`),
//! the work behind each command ([`state::AppState`], over arbiter-core) and the generated
//! `ui/src/bindings/commands.ts` ([`commands_ts`]). Each command's work is one function of
//! [`handlers`]: the desktop app (`src-tauri/`) wraps them in `#[tauri::command]` functions, and
//! [`dispatch()`] (generated from the registry) runs any of them by name with JSON arguments, for
//! a shell without Tauri.

pub mod commands_ts;
pub mod dispatch;
pub mod dto;
pub mod handlers;
pub mod registry;
#[cfg(test)]
mod registry_tests;
pub mod state;

pub use dispatch::dispatch;
