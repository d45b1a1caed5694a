//! Who is asking: a bearer token (scripts) or a session cookie (browsers), checked on every
//! request; a request that changes state with a cookie must also carry the session's CSRF token
//! (`X-CSRF-Token`), which a page of another site cannot know. Failed sign-ins and unknown
//! tokens are limited per client address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use arbiter_core::access::{self, Principal};
use axum::http::{HeaderMap, Method};
use sha2::Digest;

use crate::error::ApiError;
use crate::Shared;

/// The session cookie's name.
pub const COOKIE: &str = "arbiter_session";
/// The header a browser's state-changing request carries its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Failed attempts allowed per client address in [`WINDOW`].
pub const MAX_FAILURES: u32 = 10;
pub const WINDOW: Duration = Duration::from_secs(60);

/// A signed-in request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub who: Principal,
    /// The session's token (a browser), for signing out.
    pub session: bool,
}

/// The CSRF token of a session: derived from the session's token, so the server keeps
/// nothing, and a page that cannot read the HttpOnly cookie cannot compute it.
pub fn csrf_of(session_token: &str) -> String {
    sha2::Sha256::digest(format!("arbiter-csrf:{session_token}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The session token a browser's cookie carries.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers)
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// Failed attempts by client address.
#[derive(Default)]
pub struct Limiter {
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl Limiter {
    /// Refused when `ip` failed too often lately.
    pub fn check(&self, ip: IpAddr) -> Result<(), ApiError> {
        let mut m = self
            .failures
            .lock()
            .map_err(|_| ApiError::internal("limiter"))?;
        if let Some((n, since)) = m.get(&ip).copied() {
            let age = since.elapsed();
            if age >= WINDOW {
                m.remove(&ip);
            } else if n >= MAX_FAILURES {
                return Err(ApiError::new(
                    axum::http::StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!(
                        "too many failed sign-ins from this address; try again in {} s",
                        (WINDOW - age).as_secs().max(1)
                    ),
                ));
            }
        }
        Ok(())
    }

    pub fn failed(&self, ip: IpAddr) {
        if let Ok(mut m) = self.failures.lock() {
            let e = m.entry(ip).or_insert((0, Instant::now()));
            if e.1.elapsed() >= WINDOW {
                *e = (0, Instant::now());
            }
            e.0 += 1;
        }
    }
}

/// The caller of a request, or why not.
pub async fn caller(
    shared: &Shared,
    ip: IpAddr,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Caller, ApiError> {
    let (token, session) = match (bearer(headers), cookie(headers)) {
        (Some(t), _) => (t, false),
        (None, Some(c)) => (c, true),
        (None, None) => {
            return Err(ApiError::unauthorized(
                "sign in first: open the link of your invitation, or send `Authorization: Bearer TOKEN`",
            ))
        }
    };
    shared.limiter.check(ip)?;
    let t = token.clone();
    let who = match shared.db.read(move |p| access::authenticate(p, &t)).await {
        Ok(who) => who,
        Err(e) => {
            shared.limiter.failed(ip);
            return Err(e);
        }
    };
    if session && (who.kind != access::TokenKind::Session) {
        return Err(ApiError::unauthorized("sign in again"));
    }
    let changes_state = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if session && changes_state {
        let sent = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if sent != csrf_of(&token) {
            return Err(ApiError::forbidden(
                "this request lacks the page's CSRF token (X-CSRF-Token); reload the page",
            ));
        }
    }
    shared.seen(who.token_id);
    Ok(Caller { who, session })
}
