//! Any command of the registry by its name, for a shell without Tauri (an HTTP server): the
//! arguments as the web UI sends them to Tauri's `invoke` (one JSON object, keys in camelCase),
//! the result serialised as Tauri serialises it. Generated from the registry's list, one arm per
//! command calling its function in [`crate::handlers`], so every command of the list is either
//! dispatched or refused as desktop-only ([`crate::registry::Command::desktop_only`]: a native
//! dialog, the file manager, a progress channel) — never forgotten.
//!
//! [`dispatch`] runs the command on the calling thread, as the desktop app runs it on its blocking
//! pool: call it off any async executor's worker threads.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::dto::*;
// `Channel<T>`: the registry's spelling of a progress channel, named in the expansion below.
use crate::handlers::{self, Channel};
use crate::registry::{self, for_each_command};
use crate::state::AppState;

/// Run `command` with `args` (a JSON object with the arguments in camelCase, as Tauri's `invoke`
/// takes them; `null` for none) and return its result as JSON. An unknown command is
/// `not_found`, a desktop-only one `desktop_only`, a missing or malformed argument
/// `invalid_input` naming the argument; the command's own failures are its own errors.
pub fn dispatch(state: &AppState, command: &str, args: Value) -> Result<Value, IpcError> {
    let Some(found) = registry::find(command) else {
        return Err(IpcError::new(
            ErrorCode::NotFound,
            format!("there is no command named `{command}`"),
        ));
    };
    if found.desktop_only() {
        let why = if found.has_channel() {
            "it reports progress through a channel"
        } else {
            "it opens a native dialog or the file manager"
        };
        return Err(IpcError::new(
            ErrorCode::DesktopOnly,
            format!("`{command}` runs only in the desktop app ({why})"),
        ));
    }
    let map = match args {
        Value::Null => Map::new(),
        Value::Object(map) => map,
        other => {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                format!("the arguments of `{command}` must be a JSON object, not {other}"),
            ))
        }
    };
    let mut args = Args { command, map };
    arm(found.name)(state, &mut args)
}

/// A command's arguments, read one by one under their camelCase names.
struct Args<'a> {
    command: &'a str,
    map: Map<String, Value>,
}

impl Args<'_> {
    /// The argument named `name` (snake_case, as in the registry): absent is `null`, so an
    /// `Option` reads as `None`, as Tauri reads it.
    fn take<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, IpcError> {
        let key = heck::ToLowerCamelCase::to_lower_camel_case(name);
        let value = self.map.remove(&key);
        let present = value.is_some();
        serde_json::from_value(value.unwrap_or(Value::Null)).map_err(|e| {
            let message = if present {
                format!("argument `{key}` of `{}`: {e}", self.command)
            } else {
                format!("`{}` needs the argument `{key}`", self.command)
            };
            IpcError::new(ErrorCode::InvalidInput, message)
        })
    }
}

fn to_json<T: serde::Serialize>(result: T) -> Result<Value, IpcError> {
    serde_json::to_value(result).map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))
}

type Arm = fn(&AppState, &mut Args<'_>) -> Result<Value, IpcError>;

/// One command's arm: read its arguments in order, call its handler, serialise the result. A
/// `#[desktop]` command has no handler; `dispatch` refuses it before its arm.
macro_rules! arm_fn {
    (#[desktop] $name:ident($($arg:ident: $ty:ty),*)) => {
        pub(super) fn $name(_: &AppState, args: &mut Args<'_>) -> Result<Value, IpcError> {
            Err(IpcError::new(
                ErrorCode::DesktopOnly,
                format!("`{}` runs only in the desktop app", args.command),
            ))
        }
    };
    (#[read] $name:ident($($arg:ident: $ty:ty),*)) => {
        arm_fn!($name($($arg: $ty),*));
    };
    ($name:ident($($arg:ident: $ty:ty),*)) => {
        #[allow(unused_variables)] // `args`, by a command without any
        pub(super) fn $name(state: &AppState, args: &mut Args<'_>) -> Result<Value, IpcError> {
            let result = handlers::$name(state, $(args.take::<$ty>(stringify!($arg))?),*)?;
            to_json(result)
        }
    };
}

macro_rules! dispatcher {
    ($($(#[$flag:ident])? $role:ident $name:ident($($arg:ident: $ty:ty),*) -> $result:ty;)*) => {
        /// Every command's arm, named as the command.
        mod arms {
            use super::*;
            $(arm_fn!($(#[$flag])? $name($($arg: $ty),*));)*
        }

        /// The arm of `name`, a command of the registry.
        fn arm(name: &str) -> Arm {
            match name {
                $(stringify!($name) => arms::$name,)*
                _ => unknown,
            }
        }
    };
}
for_each_command!(dispatcher);

/// The arm of a name the registry lacks (`dispatch` answers `not_found` before asking).
fn unknown(_: &AppState, args: &mut Args<'_>) -> Result<Value, IpcError> {
    Err(IpcError::new(
        ErrorCode::NotFound,
        format!("there is no command named `{}`", args.command),
    ))
}

#[cfg(test)]
mod tests;
