//! The project behind the server: one writer and a pool of readers.
//!
//! Every write runs on one thread that owns the writing connection, one job after another, so
//! two requests never contend for SQLite's write lock ("database is locked" cannot reach a
//! client); a job's reply is sent after its transaction committed (`synchronous=FULL`), so an
//! acknowledged write survives a crash. Reads run on blocking threads, each with a connection of
//! its own from the pool (WAL readers neither block the writer nor each other): the stable API's
//! reads, and the commands the registry marks `#[read]` (on connections that refuse writes, so
//! a command marked wrongly fails instead of writing beside the writer).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arbiter_commands::state::AppState;
use arbiter_core::Project;

use crate::error::ApiError;

type Job = Box<dyn FnOnce(&mut Project) + Send>;

#[derive(Clone)]
pub struct Db {
    root: PathBuf,
    writer: std::sync::mpsc::Sender<Job>,
    readers: Arc<Mutex<Vec<Project>>>,
    /// The desktop app's command surface over the same project (its commands run on the
    /// writer thread, one after another, like every other write).
    state: Arc<AppState>,
    /// The same surface on reading connections, for the commands marked `#[read]`.
    command_readers: Arc<Mutex<Vec<AppState>>>,
}

impl Db {
    /// Open the project for writing (refused when it is read-only here) and `readers`
    /// connections for reading.
    pub fn open(root: &Path, readers: usize) -> arbiter_core::Result<Db> {
        let mut writer = Project::open(root)?;
        let root = writer.root().to_path_buf();
        let root = root.as_path();
        if writer.is_read_only() {
            return Err(arbiter_core::Error::InvalidArgument(format!(
                "{}: the project cannot be written here (a read-only folder or file); serve a copy in a folder you can write to",
                root.display()
            )));
        }
        let pool = (0..readers.max(1))
            .map(|_| Project::open(root))
            .collect::<arbiter_core::Result<Vec<_>>>()?;
        // The command surface over the same project, opened without a window's lock (the
        // lead's desktop app may keep the project open beside the server).
        let state = AppState::new(writer.cache_dir().join("server"));
        state
            .open_served(root)
            .map_err(|e| arbiter_core::Error::InvalidArgument(e.message))?;
        let command_readers = (0..readers.max(1))
            .map(|_| reader_state(&writer.cache_dir(), root))
            .collect::<arbiter_core::Result<Vec<_>>>()?;
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("arbiter-writer".into())
            .spawn(move || {
                for job in rx {
                    job(&mut writer);
                }
            })
            .map_err(|e| arbiter_core::Error::InvalidArgument(format!("no writer thread: {e}")))?;
        Ok(Db {
            root: root.to_path_buf(),
            writer: tx,
            readers: Arc::new(Mutex::new(pool)),
            state: Arc::new(state),
            command_readers: Arc::new(Mutex::new(command_readers)),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Run `f` on the writer, after the writes queued before it; its result once committed.
    pub async fn write<R, F>(&self, f: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Project) -> arbiter_core::Result<R> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.writer
            .send(Box::new(move |p| {
                let _ = tx.send(f(p));
            }))
            .map_err(|_| ApiError::internal("the writer stopped; restart `arbiter serve`"))?;
        rx.await
            .map_err(|_| ApiError::internal("the writer stopped; restart `arbiter serve`"))?
            .map_err(ApiError::from)
    }

    /// Run a command of the command surface: one marked `#[read]` on a reading connection, on a
    /// blocking thread; any other on the writer (after the writes queued before it).
    pub async fn command(
        &self,
        name: String,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, arbiter_commands::dto::IpcError> {
        let stopped = || {
            arbiter_commands::dto::IpcError::new(
                arbiter_commands::dto::ErrorCode::Internal,
                "the writer stopped; restart `arbiter serve`",
            )
        };
        if arbiter_commands::registry::find(&name).is_some_and(|c| c.reads) {
            let (root, pool) = (self.root.clone(), self.command_readers.clone());
            let cache = self.root.join(".arbiter-cache");
            return tokio::task::spawn_blocking(move || {
                let taken = pool.lock().map_err(|_| poisoned())?.pop();
                let state = match taken {
                    Some(s) => s,
                    None => reader_state(&cache, &root)?,
                };
                let r = arbiter_commands::dispatch(&state, &name, args);
                let history = state.take_history();
                pool.lock().map_err(|_| poisoned())?.push(state);
                Ok::<_, arbiter_core::Error>((r, history))
            })
            .await
            .map_err(|e| {
                arbiter_commands::dto::IpcError::new(
                    arbiter_commands::dto::ErrorCode::Internal,
                    format!("a read failed: {e}"),
                )
            })?
            .map_err(arbiter_commands::dto::IpcError::from)
            .map(|(r, history)| {
                // A report's agreement goes into the history on the writer, after the reply.
                if let Some(h) = history {
                    let _ = self.writer.send(Box::new(move |p| {
                        if let Err(e) = h.record(p) {
                            eprintln!("warning: the agreement history was not recorded: {e}");
                        }
                    }));
                }
                r
            })?;
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        let state = self.state.clone();
        self.writer
            .send(Box::new(move |_| {
                let _ = tx.send(arbiter_commands::dispatch(&state, &name, args));
            }))
            .map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }

    /// A thumbnail or the display bytes of an item's media (`scheme` "thumb" or "media"), with
    /// the same checks as the desktop app's protocols, on a blocking thread.
    pub async fn image(
        &self,
        scheme: &'static str,
        rowid: i64,
    ) -> Result<arbiter_core::media::Encoded, arbiter_commands::dto::IpcError> {
        let state = self.state.clone();
        tokio::task::spawn_blocking(move || state.image(scheme, rowid))
            .await
            .map_err(|e| {
                arbiter_commands::dto::IpcError::new(
                    arbiter_commands::dto::ErrorCode::Internal,
                    e.to_string(),
                )
            })?
    }

    /// Run `f` on a reading connection, on a blocking thread.
    pub async fn read<R, F>(&self, f: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce(&Project) -> arbiter_core::Result<R> + Send + 'static,
    {
        let (root, pool) = (self.root.clone(), self.readers.clone());
        tokio::task::spawn_blocking(move || {
            let taken = pool.lock().map_err(|_| poisoned())?.pop();
            let p = match taken {
                Some(p) => p,
                None => Project::open(&root)?,
            };
            let r = f(&p);
            pool.lock().map_err(|_| poisoned())?.push(p);
            r
        })
        .await
        .map_err(|e| ApiError::internal(format!("a read failed: {e}")))?
        .map_err(ApiError::from)
    }
}

/// The command surface on a connection that refuses writes.
fn reader_state(cache: &Path, root: &Path) -> arbiter_core::Result<AppState> {
    let state = AppState::new(cache.join("server"));
    state
        .open_served_reader(root)
        .map_err(|e| arbiter_core::Error::InvalidArgument(e.message))?;
    Ok(state)
}

fn poisoned() -> arbiter_core::Error {
    arbiter_core::Error::InvalidArgument("the reader pool failed; restart `arbiter serve`".into())
}
