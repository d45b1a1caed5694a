//! The server the desktop app runs for browsers (`arbiter serve` inside the app, started and
//! stopped from the Team screen): one at a time, over the open project, stopped when the project
//! closes or another opens.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use arbiter_commands::dto::*;

type Res<T> = Result<T, IpcError>;

struct Running {
    url: String,
    bind: String,
    exposed: bool,
    root: PathBuf,
    shared: Arc<arbiter_server::Shared>,
    stop: tokio::sync::oneshot::Sender<()>,
    /// The address announced to `arbiter invite` (None: another process serves the project).
    _announced: Option<arbiter_server::Announced>,
}

/// The app's server, if it runs (managed by Tauri).
#[derive(Default)]
pub struct Serving(Mutex<Option<Running>>);

fn invalid(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, message)
}

/// This machine's address on its network (the interface a packet out would leave by; nothing
/// is sent), for a link others can open when the server listens on every interface.
fn lan_address() -> Option<IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    s.local_addr()
        .ok()
        .map(|a| a.ip())
        .filter(|ip| !ip.is_unspecified())
}

impl Serving {
    fn dto(r: &Running) -> ServingDto {
        ServingDto {
            url: r.url.clone(),
            bind: r.bind.clone(),
            exposed: r.exposed,
            connected: r
                .shared
                .live
                .present()
                .into_iter()
                .map(|p| ConnectedDto {
                    annotator: p.annotator,
                    role: p.role.into(),
                    connections: p.connections,
                })
                .collect(),
        }
    }

    pub fn status(&self) -> Option<ServingDto> {
        self.0.lock().ok()?.as_ref().map(Self::dto)
    }

    /// Serve the project at `root` on `bind` (`ADDRESS:PORT`).
    pub async fn start(&self, root: PathBuf, bind: &str) -> Res<ServingDto> {
        let addr: SocketAddr = bind.trim().parse().map_err(|_| {
            invalid(format!(
                "{bind:?} is not an address and port: give e.g. 0.0.0.0:8765 (every network of this computer) or 127.0.0.1:8765 (this computer only)"
            ))
        })?;
        if let Some(r) = self
            .0
            .lock()
            .map_err(|_| invalid("serving state"))?
            .as_ref()
        {
            if r.root == root {
                return Ok(Self::dto(r));
            }
        }
        self.stop();
        let open_root = root.clone();
        let db = tauri::async_runtime::spawn_blocking(move || {
            arbiter_server::db::Db::open(&open_root, 4)
        })
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))??;
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            IpcError::new(
                ErrorCode::Io,
                format!("cannot listen on {addr}: {e} (is another server using that port? choose another)"),
            )
        })?;
        let local = listener
            .local_addr()
            .map_err(|e| IpcError::new(ErrorCode::Io, e.to_string()))?;
        let host = if local.ip().is_unspecified() {
            lan_address().unwrap_or(IpAddr::from([127, 0, 0, 1]))
        } else {
            local.ip()
        };
        let url = format!("http://{}", SocketAddr::new(host, local.port()));
        // Invitations made elsewhere (`arbiter invite`) link here while this serves.
        let announced = arbiter_server::announce_serving(&root, &url)
            .map_err(|e| IpcError::new(ErrorCode::Io, e.to_string()))?;
        let shared = arbiter_server::Shared::new(db, false);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tauri::async_runtime::spawn(arbiter_server::serve(shared.clone(), listener, async {
            let _ = stopped.await;
        }));
        let running = Running {
            url,
            bind: local.to_string(),
            exposed: !local.ip().is_loopback(),
            root,
            shared,
            stop,
            _announced: announced,
        };
        let dto = Self::dto(&running);
        *self.0.lock().map_err(|_| invalid("serving state"))? = Some(running);
        Ok(dto)
    }

    /// Stop serving (requests in flight finish); nothing when no server runs.
    pub fn stop(&self) {
        if let Ok(mut g) = self.0.lock() {
            if let Some(r) = g.take() {
                let _ = r.stop.send(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// The status line of `GET /api/v1/me` without a token, or the connection's error.
    fn status_of(url: &str) -> std::io::Result<String> {
        let addr = url.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr)?;
        s.write_all(
            format!("GET /api/v1/me HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )?;
        let mut text = String::new();
        s.read_to_string(&mut text)?;
        Ok(text.lines().next().unwrap_or_default().to_string())
    }

    #[test]
    fn the_app_serves_its_project_until_stopped_and_refuses_a_bad_address() {
        let d = tempfile::tempdir().expect("tmp");
        let root = d.path().join("p");
        arbiter_core::Project::create(&root, None, &[]).expect("create");
        let serving = Serving::default();
        assert!(serving.status().is_none());
        let bad = tauri::async_runtime::block_on(serving.start(root.clone(), "localhost"))
            .expect_err("not an address");
        assert_eq!(bad.code, ErrorCode::InvalidInput);
        let on = tauri::async_runtime::block_on(serving.start(root.clone(), "127.0.0.1:0"))
            .expect("serving");
        assert!(
            on.url.starts_with("http://127.0.0.1:") && !on.exposed,
            "{on:?}"
        );
        assert!(status_of(&on.url).expect("answer").contains("401"));
        // Starting again on the same project keeps the running server.
        let again = tauri::async_runtime::block_on(serving.start(root.clone(), "127.0.0.1:0"))
            .expect("again");
        assert_eq!(again.url, on.url);
        assert_eq!(serving.status().map(|s| s.url), Some(on.url.clone()));
        // `arbiter invite` links to it while it serves, and no longer once it stopped.
        assert_eq!(
            arbiter_core::access::serving_url(&root),
            Some(on.url.clone())
        );
        serving.stop();
        assert!(serving.status().is_none());
        assert_eq!(arbiter_core::access::serving_url(&root), None);
        let mut closed = false;
        for _ in 0..50 {
            if status_of(&on.url).is_err() {
                closed = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(closed, "the port closes once stopped");
    }
}
