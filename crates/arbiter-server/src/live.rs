//! Live updates over Server-Sent Events (`GET /api/events`): who is connected, and what changed
//! (after every write: a label saved, items claimed, a command that changes the project), so
//! every browser refreshes its queue progress and lists without polling. Each update is one SSE
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
    /// The project changed: `what` is `annotations`, `claims`, or the command that changed it.
    Changed { by: String, what: String },
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
