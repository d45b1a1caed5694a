//! The desktop app's command surface over HTTP: `POST /api/commands/{name}` runs the command of
//! the registry (`arbiter-commands`) with the JSON arguments the app's `invoke` takes, under the
//! caller's role. What the HTTP shell adds to the registry's roles, and why:
//! - the host decides which project is served: opening, creating, closing and listing projects
//!   are refused ([`HOST_ONLY`]);
//! - commands that name files or folders on the serving machine, or that add people, need a
//!   lead ([`PATH_ARGS`], [`LEAD_ONLY`]);
//! - everyone acts only as themself: an argument naming the person who acts ([`PERSON_ARGS`],
//!   at the top level or in a request object) must be the caller's name;
//! - commands that show what a viewer may see (`viewer`: gold answers, see
//!   `arbiter_commands::state::Sight`) are answered for the caller, whatever the arguments say.

use std::net::SocketAddr;
use std::sync::Arc;

use arbiter_commands::dto::{ErrorCode, IpcError};
use arbiter_commands::registry::{self, Role as Needed};
use arbiter_core::annotators::Role;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use crate::auth::caller;
use crate::error::ApiError;
use crate::Shared;

/// Commands only the machine that serves may run (which project is served, and the others it
/// knows).
pub const HOST_ONLY: &[&str] = &[
    "open_project",
    "create_project",
    "close_project",
    "recent_projects",
];

/// Arguments naming files or folders on the serving machine: the command needs a lead.
pub const PATH_ARGS: &[&str] = &["path", "out", "dir", "files"];

/// Commands that need a lead over HTTP although the desktop app's one local user may run them.
pub const LEAD_ONLY: &[&str] = &["add_annotator", "set_shared_folder"];

/// Arguments naming the person who acts.
pub const PERSON_ARGS: &[&str] = &["annotator", "lead", "actor", "viewer"];

fn rank(r: Role) -> u8 {
    match r {
        Role::Annotator => 1,
        Role::Reviewer => 2,
        Role::Lead => 3,
    }
}

fn needed_rank(n: Needed) -> u8 {
    match n {
        Needed::Any => 0,
        Needed::Annotator => 1,
        Needed::Reviewer => 2,
        Needed::Lead => 3,
    }
}

/// The least role a command needs over HTTP.
pub fn role_needed(c: &registry::Command) -> u8 {
    let mut need = needed_rank(c.role);
    if LEAD_ONLY.contains(&c.name) || c.args.iter().any(|a| PATH_ARGS.contains(&a.name)) {
        need = 3;
    }
    need
}

/// An IPC error as an HTTP answer.
pub fn ipc_response(e: IpcError) -> Response {
    let status = match e.code {
        ErrorCode::InvalidInput | ErrorCode::NoProject | ErrorCode::DesktopOnly => {
            StatusCode::BAD_REQUEST
        }
        ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Forbidden | ErrorCode::ReadOnly => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::ProjectLocked | ErrorCode::Cancelled | ErrorCode::BelowTarget => {
            StatusCode::CONFLICT
        }
        ErrorCode::NewerSchema | ErrorCode::Runtime | ErrorCode::Io | ErrorCode::Internal => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    (status, Json(e)).into_response()
}

/// Every person an argument names (`annotator`, `lead`, `actor`, at the top level or one
/// object down), with the argument's name.
fn persons(args: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let Some(top) = args.as_object() else {
        return out;
    };
    for (k, v) in top {
        if PERSON_ARGS.contains(&k.as_str()) {
            out.push((k.clone(), v.clone()));
        } else if let Some(inner) = v.as_object() {
            for (k2, v2) in inner {
                if PERSON_ARGS.contains(&k2.as_str()) {
                    out.push((format!("{k}.{k2}"), v2.clone()));
                }
            }
        }
    }
    out
}

/// `POST /api/commands/{name}`
pub async fn run(
    State(s): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let c = caller(&s, peer.ip(), &method, &headers).await?;
    let Some(command) = registry::find(&name) else {
        return Ok(ipc_response(IpcError::new(
            ErrorCode::NotFound,
            format!("there is no command named `{name}`"),
        )));
    };
    if HOST_ONLY.contains(&command.name) {
        return Ok(ipc_response(IpcError::new(
            ErrorCode::DesktopOnly,
            format!(
                "`{name}` is for the machine that serves the project (it chooses which project is served)"
            ),
        )));
    }
    if rank(c.who.role) < role_needed(command) {
        return Err(ApiError::forbidden(format!(
            "`{name}` needs a {}; {} is a {}",
            match role_needed(command) {
                3 => "lead",
                2 => "reviewer",
                _ => "signed-in annotator",
            },
            c.who.annotator,
            c.who.role.as_str()
        )));
    }
    let args: Value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::invalid(format!("the arguments of `{name}` are not JSON: {e}"))
        })?
    };
    for (arg, v) in persons(&args) {
        if v.as_str().is_some_and(|n| n.trim() != c.who.annotator) {
            return Err(ApiError::forbidden(format!(
                "{} may act only as themself, not as {v} (argument `{arg}`)",
                c.who.annotator
            )));
        }
    }
    // What a command shows its viewer is shown to the caller.
    let mut args = args;
    if command.args.iter().any(|a| a.name == "viewer") {
        if !args.is_object() {
            args = Value::Object(Default::default());
        }
        args["viewer"] = Value::String(c.who.annotator.clone());
    }
    // A command marked `#[read]` changes nothing: no live update follows it.
    let changes = !command.reads;
    match s.db.command(name, args).await {
        Ok(v) => {
            if changes {
                s.live.changed(&c.who.annotator, command.name);
            }
            Ok(Json(v).into_response())
        }
        Err(e) => Ok(ipc_response(e)),
    }
}

/// `GET /thumb/{rowid}` and `GET /media/{rowid}`: an item's thumbnail or display bytes, with the
/// desktop protocols' checks (the media must lie inside its dataset's folder, unchanged since
/// import); any refusal is a 404.
pub async fn image(
    s: Arc<Shared>,
    peer: SocketAddr,
    method: Method,
    headers: HeaderMap,
    scheme: &'static str,
    rowid: String,
) -> Result<Response, ApiError> {
    caller(&s, peer.ip(), &method, &headers).await?;
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such image");
    let rowid: i64 = rowid.parse().map_err(|_| not_found())?;
    match s.db.image(scheme, rowid).await {
        Ok(img) => Ok((
            [
                (axum::http::header::CONTENT_TYPE, img.mime),
                (axum::http::header::CACHE_CONTROL, "private, max-age=300"),
            ],
            img.bytes,
        )
            .into_response()),
        Err(e) => Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", e.message)),
    }
}
