//! `arbiter serve`: the project over HTTP until Ctrl-C (or SIGTERM).

use anyhow::{Context, Result};

use crate::commands::project_dir;
use crate::{Cli, ServeArgs};

pub fn run(cli: &Cli, a: &ServeArgs) -> Result<()> {
    let dir = project_dir(cli);
    let root = dir.canonicalize().unwrap_or(dir);
    let db = arbiter_server::db::Db::open(&root, usize::from(a.readers))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(a.bind)
            .await
            .with_context(|| format!("cannot listen on {} (is another server using it?)", a.bind))?;
        let addr = listener.local_addr()?;
        let url = format!("http://{addr}");
        if cli.json {
            println!(
                "{}",
                serde_json::json!({ "url": url, "project": root.display().to_string() })
            );
        } else {
            println!(
                "Serving {} at {url}\nInvite people with `arbiter invite NAME --url {url}`; Ctrl-C stops.",
                root.display()
            );
        }
        if !addr.ip().is_loopback() {
            eprintln!(
                "warning: serving on {addr} without TLS: sign-in links, tokens and labels cross the network unencrypted; use this only on a network you trust"
            );
        }
        let shared = arbiter_server::Shared::new(db, false);
        arbiter_server::serve(shared, listener, stop())
            .await
            .context("the server stopped")
    })
}

/// Ctrl-C or SIGTERM.
async fn stop() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
