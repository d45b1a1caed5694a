//! Live updates over Server-Sent Events (`GET /api/events`): who is connected, what changed
//! (after every write: a label saved, items claimed, a command that changes the project), so
//! every browser refreshes its queue progress and lists without polling, and the progress of
//! inference runs ([`watch_jobs`]: whoever started them, the desktop app or `arbiter predict`). Each update is one SSE
//! event whose `data` is a JSON object with a `type`; a comment every 15 s keeps proxies from
//! closing an idle stream.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arbiter_core::annotators::Role;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method};
use axum::response::sse::{Event, KeepAlive, Sse};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::auth::caller;
use crate::error::ApiError;
use crate::Shared;

/// One person connected (one or more browser tabs or scripts listening).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Present {
    pub annotator: String,
    pub role: Role,
    pub connections: u32,
}

/// An update sent to every listener.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Update {
    /// Everyone connected now.
    Presence { people: Vec<Present> },
    /// The project changed: `what` is `annotations`, `claims`, `runs`, or the command that
    /// changed it.
    Changed { by: String, what: String },
    /// An inference run's progress; `status` is `running` until its last update (`done`,
    /// `failed`, `cancelled` or `interrupted`).
    Job {
        kind: &'static str,
        run: i64,
        model: String,
        dataset: String,
        done: u64,
        failed: u64,
        total: u64,
        status: String,
    },
}

/// The listeners and their people.
pub struct Live {
    tx: broadcast::Sender<Update>,
    people: Mutex<BTreeMap<String, Present>>,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            tx: broadcast::channel(256).0,
            people: Mutex::new(BTreeMap::new()),
        }
    }
}

impl Live {
    /// Everyone connected now, by name.
    pub fn present(&self) -> Vec<Present> {
        self.people
            .lock()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Tell every listener.
    pub fn send(&self, u: Update) {
        let _ = self.tx.send(u);
    }

    /// The project changed.
    pub fn changed(&self, by: &str, what: &str) {
        self.send(Update::Changed {
            by: by.to_string(),
            what: what.to_string(),
        });
    }

    fn join(self: &Arc<Self>, annotator: &str, role: Role) -> Presence {
        if let Ok(mut m) = self.people.lock() {
            m.entry(annotator.to_string())
                .or_insert(Present {
                    annotator: annotator.to_string(),
                    role,
                    connections: 0,
                })
                .connections += 1;
        }
        self.send(Update::Presence {
            people: self.present(),
        });
        Presence {
            live: self.clone(),
            annotator: annotator.to_string(),
        }
    }
}

/// A listener's place in the presence list, given up when its stream ends.
struct Presence {
    live: Arc<Live>,
    annotator: String,
}

impl Drop for Presence {
    fn drop(&mut self) {
        if let Ok(mut m) = self.live.people.lock() {
            if let Some(p) = m.get_mut(&self.annotator) {
                p.connections -= 1;
                if p.connections == 0 {
                    m.remove(&self.annotator);
                }
            }
        }
        self.live.send(Update::Presence {
            people: self.live.present(),
        });
    }
}

impl Live {
    /// Whether anyone listens.
    fn listened(&self) -> bool {
        self.tx.receiver_count() > 0
    }
}

/// Every `period`, while anyone listens, read the runs in progress and send each one's progress
/// when it moved, and its last state once it is no longer running (then `changed … runs`, so
/// lists of runs and predictions refresh). Ends when `live` has no other owner.
pub async fn watch_jobs(live: Arc<Live>, db: crate::db::Db, period: Duration) {
    let mut last: BTreeMap<i64, arbiter_core::predict::Running> = BTreeMap::new();
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if Arc::strong_count(&live) == 1 {
            return;
        }
        if !live.listened() && last.is_empty() {
            continue;
        }
        let Ok(now) = db.read(arbiter_core::predict::running).await else {
            continue;
        };
        let job = |r: &arbiter_core::predict::Running, status: String| Update::Job {
            kind: "run",
            run: r.run,
            model: r.model.clone(),
            dataset: r.dataset.clone(),
            done: r.done,
            failed: r.failed,
            total: r.total,
            status,
        };
        for r in &now {
            if last.get(&r.run) != Some(r) {
                live.send(job(r, "running".into()));
            }
        }
        let ended: Vec<arbiter_core::predict::Running> = last
            .values()
            .filter(|r| !now.iter().any(|n| n.run == r.run))
            .cloned()
            .collect();
        for r in ended {
            let id = r.run;
            let end = db
                .read(move |p| {
                    Ok(arbiter_core::predict::runs(p)?
                        .into_iter()
                        .find(|s| s.run == id))
                })
                .await
                .ok()
                .flatten();
            let (status, done, failed) = match end {
                Some(s) => (s.status.as_str().to_string(), s.items, s.failed),
                None => ("failed".to_string(), r.done, r.failed),
            };
            live.send(job(
                &arbiter_core::predict::Running { done, failed, ..r },
                status,
            ));
            live.changed("", "runs");
        }
        last = now.into_iter().map(|r| (r.run, r)).collect();
    }
}

fn event(u: &Update) -> Event {
    Event::default().data(serde_json::to_string(u).unwrap_or_else(|_| "{}".into()))
}

/// `GET /api/events`: the stream of updates, starting with who is connected.
pub async fn events(
    State(s): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
) -> Result<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let c = caller(&s, peer.ip(), &method, &headers).await?;
    let rx = s.live.tx.subscribe();
    let presence = s.live.join(&c.who.annotator, c.who.role);
    let first = Update::Presence {
        people: s.live.present(),
    };
    let stream = futures_util::stream::unfold(
        (Some(first), rx, presence),
        |(first, mut rx, presence)| async move {
            if let Some(u) = first {
                return Some((Ok(event(&u)), (None, rx, presence)));
            }
            loop {
                match rx.recv().await {
                    Ok(u) => return Some((Ok(event(&u)), (None, rx, presence))),
                    // A slow listener missed some: what changed is re-read on the next one.
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
