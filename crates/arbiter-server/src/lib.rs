//! `arbiter serve`: a project over HTTP, for annotators in a browser and for scripts.
//!
//! One process holds the project; every write goes through one writer ([`db`]), every request
//! names its caller ([`auth`]: a bearer token or a session cookie made from an invitation's
//! link), and the caller's role bounds what it may do. The stable annotator API for scripts
//! (`/api/v1/…`, documented in `docs/http-api.md`) is in [`api`]; HTTPS is in [`tls`].

pub mod api;
mod assets;
pub mod auth;
pub mod commands;
pub mod db;
pub mod error;
pub mod live;
pub mod tls;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Announcing a running server's address to `arbiter invite` (held while serving).
pub use arbiter_core::access::{announce_serving, Announced};
pub use error::ApiError;

/// What `arbiter serve` is asked for.
#[derive(Debug, Clone)]
pub struct Options {
    pub root: PathBuf,
    pub bind: SocketAddr,
    /// Reading connections (default: 4).
    pub readers: usize,
}

/// What every request shares.
pub struct Shared {
    pub db: db::Db,
    pub limiter: auth::Limiter,
    /// Who is connected, and the updates every listener receives.
    pub live: Arc<live::Live>,
    /// Cookies carry `Secure` (the server speaks TLS).
    pub secure: bool,
    /// When each token was last noted as used (at most once a minute per token).
    touched: Mutex<HashMap<i64, Instant>>,
}

impl Shared {
    pub fn new(db: db::Db, secure: bool) -> Arc<Shared> {
        Arc::new(Shared {
            db,
            limiter: auth::Limiter::default(),
            live: Arc::new(live::Live::default()),
            secure,
            touched: Mutex::new(HashMap::new()),
        })
    }

    /// Start what runs beside the requests: the watcher of inference runs (it ends with the
    /// server).
    pub(crate) fn watch(&self) {
        tokio::spawn(live::watch_jobs(
            self.live.clone(),
            self.db.clone(),
            JOB_PERIOD,
        ));
    }

    /// Note that a token was used (the Team screen's "last seen"), at most once a minute.
    fn seen(&self, token_id: i64) {
        let due = match self.touched.lock() {
            Ok(mut m) => {
                let due = m
                    .get(&token_id)
                    .is_none_or(|t| t.elapsed() >= Duration::from_secs(60));
                if due {
                    m.insert(token_id, Instant::now());
                }
                due
            }
            Err(_) => false,
        };
        if due {
            let db = self.db.clone();
            tokio::spawn(async move {
                let _ = db
                    .write(move |p| arbiter_core::access::touch(p, token_id))
                    .await;
            });
        }
    }
}

/// How often the runs in progress are read for live updates ([`live::watch_jobs`]).
pub const JOB_PERIOD: Duration = Duration::from_millis(500);

/// Serve on `listener` until `shutdown` completes; requests in flight finish first.
pub async fn serve(
    shared: Arc<Shared>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    shared.watch();
    axum::serve(
        listener,
        api::router(shared).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
