//! The routes: sign-in and sign-out for browsers, and the stable annotator API for scripts
//! (`docs/http-api.md`). Every handler names its caller first ([`crate::auth::caller`]); an
//! annotator acts only as themself (no route takes another person's name).

use std::net::SocketAddr;
use std::sync::Arc;

use arbiter_core::access;
use arbiter_core::annotators::Role;
use arbiter_core::review::{self, QueueLabel};
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::auth::{caller, csrf_of, COOKIE};
use crate::error::ApiError;
use crate::Shared;

type St = State<Arc<Shared>>;

/// The server's routes.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/signin", post(sign_in))
        .route("/api/signout", post(sign_out))
        .route("/api/session", get(session))
        .route("/api/v1/me", get(me))
        .route("/api/v1/queues", get(queues))
        .route("/api/v1/queues/{name}/next", post(next))
        .route("/api/v1/annotations", post(annotate_item))
        .route("/api/commands/{name}", post(crate::commands::run))
        .route("/api/events", get(crate::live::events))
        // One rowid; anything else under these (`..`, `%2e`, more segments) is a 404.
        .route("/thumb/{*rowid}", get(thumb))
        .route("/media/{*rowid}", get(media))
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such address")
            }),
        )
        .fallback(crate::assets::serve)
        .with_state(shared)
}

async fn thumb(
    State(s): St,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    Path(rowid): Path<String>,
) -> Result<Response, ApiError> {
    crate::commands::image(s, peer, method, headers, "thumb", rowid).await
}

async fn media(
    State(s): St,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    Path(rowid): Path<String>,
) -> Result<Response, ApiError> {
    crate::commands::image(s, peer, method, headers, "media", rowid).await
}

/// A JSON body, or a 400 naming what is wrong with it.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t)
        .map_err(|e| ApiError::invalid(format!("the request body: {}", e.body_text())))
}

#[derive(Debug, Serialize)]
struct Me {
    annotator: String,
    role: Role,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    token: String,
}

#[derive(Debug, Serialize)]
struct SessionInfo {
    annotator: String,
    role: Role,
    /// The token a browser sends in `X-CSRF-Token` with every request that changes state.
    csrf: String,
}

/// A browser opens an invitation's link: its token becomes a session (an HttpOnly,
/// SameSite=Strict cookie; Secure under TLS).
async fn sign_in(
    State(s): St,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    b: Result<Json<SignIn>, JsonRejection>,
) -> Result<Response, ApiError> {
    let b = body(b)?;
    s.limiter.check(peer.ip())?;
    let (who, session) = match s.db.write(move |p| access::sign_in(p, &b.token)).await {
        Ok(x) => x,
        Err(e) => {
            s.limiter.failed(peer.ip());
            return Err(e);
        }
    };
    let cookie = format!(
        "{COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/{}",
        if s.secure { "; Secure" } else { "" }
    );
    let mut r = Json(SessionInfo {
        annotator: who.annotator,
        role: who.role,
        csrf: csrf_of(&session),
    })
    .into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::internal(e.to_string()))?,
    );
    Ok(r)
}

/// The signed-in browser's person and CSRF token (a page reloaded asks again).
async fn session(
    State(s): St,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
) -> Result<Json<SessionInfo>, ApiError> {
    let c = caller(&s, peer.ip(), &method, &headers).await?;
    if !c.session {
        return Err(ApiError::invalid("a bearer token has no browser session"));
    }
    let token = crate::auth::session_token(&headers).unwrap_or_default();
    Ok(Json(SessionInfo {
        annotator: c.who.annotator,
        role: c.who.role,
        csrf: csrf_of(&token),
    }))
}

/// End this browser's session and clear its cookie.
async fn sign_out(
    State(s): St,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let c = caller(&s, peer.ip(), &method, &headers).await?;
    if c.session {
        let id = c.who.token_id;
        s.db.write(move |p| access::sign_out(p, id)).await?;
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("arbiter_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    Ok(r)
}

/// `GET /api/v1/me`
async fn me(
    State(s): St,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
) -> Result<Json<Me>, ApiError> {
    let c = caller(&s, peer.ip(), &method, &headers).await?;
    Ok(Json(Me {
        annotator: c.who.annotator,
        role: c.who.role,
    }))
}

/// `GET /api/v1/queues`
async fn queues(
    State(s): St,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
) -> Result<Json<Vec<review::QueueSummary>>, ApiError> {
    caller(&s, peer.ip(), &method, &headers).await?;
    Ok(Json(s.db.read(review::summaries).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Next {
    #[serde(default)]
    n: Option<usize>,
}

/// The most items one claim hands out.
pub const MAX_CLAIM: usize = 50;

#[derive(Debug, Serialize)]
struct Claimed {
    item_id: String,
    position: i64,
    score: f64,
    needed: i64,
    /// Unix seconds: the claim lapses then, and the item may go to someone else.
    lease_until: f64,
    /// A text item's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    /// An image item's address on this server (`/media/{rowid}`, with the caller's token).
    #[serde(skip_serializing_if = "Option::is_none")]
    media: Option<String>,
}

/// What a script needs to label `a`: a text item's text, an image item's `/media` address.
fn claimed(p: &arbiter_core::Project, a: review::Assigned) -> arbiter_core::Result<Claimed> {
    let item = arbiter_core::items::get(p, a.item)?;
    Ok(Claimed {
        item_id: a.item_id,
        position: a.position,
        score: a.score,
        needed: a.needed,
        lease_until: a.lease_until,
        media: item
            .path
            .is_some()
            .then(|| format!("/media/{}", item.rowid)),
        text: item.text,
    })
}

#[derive(Debug, Serialize)]
struct NextItems {
    items: Vec<Claimed>,
}

/// `POST /api/v1/queues/{name}/next` `{"n"}`: claim the caller's next items (their unexpired
/// claims first), each with its text or its media's address.
async fn next(
    State(s): St,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    Path(name): Path<String>,
    b: Option<Json<Next>>,
) -> Result<Json<NextItems>, ApiError> {
    let c = caller(&s, peer.ip(), &method, &headers).await?;
    let n = b.map(|Json(b)| b).unwrap_or_default().n.unwrap_or(1);
    if n == 0 || n > MAX_CLAIM {
        return Err(ApiError::invalid(format!(
            "n = {n}: claim from 1 to {MAX_CLAIM} items at a time"
        )));
    }
    let who = c.who.annotator;
    let by = who.clone();
    let items =
        s.db.write(move |p| {
            let q = review::find(p, &name)?;
            let assigned = review::next_n(p, q.id, &who, n)?;
            assigned.into_iter().map(|a| claimed(p, a)).collect()
        })
        .await?;
    s.live.changed(&by, "claims");
    Ok(Json(NextItems { items }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewLabel {
    item_id: String,
    queue: String,
    label: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    seconds: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Recorded {
    uid: String,
}

/// `POST /api/v1/annotations`: a label by the caller, through a queue; 201 once committed.
/// With a `reason` it is an override (reviewers and leads).
async fn annotate_item(
    State(s): St,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    b: Result<Json<NewLabel>, JsonRejection>,
) -> Result<(StatusCode, Json<Recorded>), ApiError> {
    let c = caller(&s, peer.ip(), &method, &headers).await?;
    let b = body(b)?;
    if b.reason.as_deref().is_some_and(|r| !r.trim().is_empty()) && c.who.role == Role::Annotator {
        return Err(ApiError::forbidden(format!(
            "{} is an annotator: a label with a reason is a reviewer's override",
            c.who.annotator
        )));
    }
    let l = QueueLabel {
        queue: b.queue,
        item_id: b.item_id,
        annotator: c.who.annotator,
        label: b.label,
        reason: b.reason,
        note: b.note,
        seconds: b.seconds,
    };
    let by = l.annotator.clone();
    let uid = s.db.write(move |p| review::record_in_queue(p, &l)).await?;
    s.live.changed(&by, "annotations");
    Ok((StatusCode::CREATED, Json(Recorded { uid })))
}
