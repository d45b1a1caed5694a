//! `arbiter serve`: the project over HTTP (or HTTPS: `--tls-cert`/`--tls-key`,
//! `--tls-self-signed`) until Ctrl-C (or SIGTERM); `--dev` for developing the web UI against a
//! demo project.

use anyhow::{Context, Result};
use arbiter_server::tls;

use crate::commands::project_dir;
use crate::{Cli, ServeArgs};

pub fn run(cli: &Cli, a: &ServeArgs) -> Result<()> {
    let dir = project_dir(cli);
    let root = dir.canonicalize().unwrap_or(dir);
    if a.dev && !a.bind.ip().is_loopback() {
        return Err(arbiter_core::Error::InvalidArgument(format!(
            "--dev serves only this machine (it signs people in without an invitation you sent): bind a loopback address such as 127.0.0.1:{}, not {}",
            a.bind.port(),
            a.bind
        ))
        .into());
    }
    let dev = if a.dev {
        Some(dev_links(cli, &a.dev_ui)?)
    } else {
        None
    };
    let db = arbiter_server::db::Db::open(&root, usize::from(a.readers))?;
    let tls = tls_identity(&root, a)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(a.bind)
            .await
            .with_context(|| format!("cannot listen on {} (is another server using it?)", a.bind))?;
        let addr = listener.local_addr()?;
        let url = match (&tls, tls::hostname()) {
            // All addresses: the hostname, which the certificate names (0.0.0.0 it cannot).
            (Some(_), Some(host)) if addr.ip().is_unspecified() => {
                format!("https://{host}:{}", addr.port())
            }
            (Some(_), _) => format!("https://{addr}"),
            (None, _) => format!("http://{addr}"),
        };
        // `arbiter invite` without --url links here while the server runs — unless the URL
        // names no machine (every address over plain HTTP: http://0.0.0.0:…).
        let _announced = if tls.is_none() && addr.ip().is_unspecified() {
            None
        } else {
            arbiter_core::access::announce_serving(&root, &url)?
        };
        let fingerprint = tls.as_ref().map(|(id, _)| id.fingerprint());
        if cli.json {
            let mut doc = serde_json::json!({ "url": url, "project": root.display().to_string() });
            if let Some(f) = &fingerprint {
                doc["tls_fingerprint"] = f.as_str().into();
            }
            if let Some((lead, annotator)) = &dev {
                doc["dev"] = serde_json::json!({ "ui": a.dev_ui, "lead": lead, "annotator": annotator });
            }
            println!("{doc}");
        } else if let Some((lead, annotator)) = &dev {
            println!("Serving {} at {url} for UI development", root.display());
            println!(
                "In ui/: ARBITER_SERVE={url} npm run dev\nThen open, as the lead dev-lead:\n  {}\nor as the annotator dev-annotator (another browser profile):\n  {}\nEach link signs one browser in, once; Ctrl-C stops.",
                lead.url, annotator.url
            );
        } else {
            println!("Serving {} at {url}", root.display());
            if let (Some((id, _)), Some(f)) = (&tls, &fingerprint) {
                let origin = if a.tls_self_signed {
                    if id.fresh { "self-signed, made now" } else { "self-signed" }
                } else {
                    "from --tls-cert"
                };
                println!("TLS certificate ({origin}) SHA-256 fingerprint:\n  {f}");
                if a.tls_self_signed {
                    println!(
                        "Browsers warn about a self-signed certificate: check that they show this fingerprint before going on."
                    );
                }
            }
            println!("Invite people with `arbiter invite NAME --url {url}`; Ctrl-C stops.");
        }
        match tls {
            None => {
                if !addr.ip().is_loopback() {
                    eprintln!(
                        "warning: serving on {addr} without TLS: sign-in links, tokens and labels cross the network unencrypted; use --tls-cert/--tls-key or --tls-self-signed, or only a network you trust"
                    );
                }
                let shared = arbiter_server::Shared::new(db, false);
                arbiter_server::serve(shared, listener, stop()).await
            }
            Some((_, config)) => {
                let shared = arbiter_server::Shared::new(db, true);
                arbiter_server::tls::serve(shared, listener, config, stop()).await
            }
        }
        .context("the server stopped")
    })
}

/// `--dev`: one-day sign-in links for `dev-lead` (a lead) and `dev-annotator`, added when
/// missing, opening the Vite dev server at `ui`.
fn dev_links(
    cli: &Cli,
    ui: &str,
) -> Result<(arbiter_core::access::Invited, arbiter_core::access::Invited)> {
    let mut p = crate::commands::open(cli)?;
    let mut one = |name: &str, role| {
        arbiter_core::access::invite(
            &mut p,
            &arbiter_core::access::InviteOptions {
                name: name.into(),
                role: Some(role),
                expires: "1d".into(),
                base_url: ui.to_string(),
            },
        )
    };
    let lead = one("dev-lead", arbiter_core::annotators::Role::Lead)?;
    let annotator = one("dev-annotator", arbiter_core::annotators::Role::Annotator)?;
    Ok((lead, annotator))
}

/// The certificate asked for, and its server configuration; a warning when it is expired.
fn tls_identity(
    root: &std::path::Path,
    a: &ServeArgs,
) -> Result<Option<(tls::Identity, std::sync::Arc<tls::ServerConfig>)>> {
    let id = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => tls::load(cert, key).map_err(input_error)?,
        _ if a.tls_self_signed => tls::self_signed(
            &root.join(".arbiter-cache").join("tls"),
            &tls::machine_names(a.bind.ip()),
        )
        .map_err(input_error)?,
        _ => return Ok(None),
    };
    if let Some(w) = id.validity_warning() {
        eprintln!("warning: {w}");
    }
    let config = id.server_config().map_err(input_error)?;
    Ok(Some((id, config)))
}

/// A certificate or key file the user gave that cannot be used is bad input (`invalid_input`).
fn input_error(e: tls::TlsError) -> anyhow::Error {
    match e {
        tls::TlsError::Cache { .. } | tls::TlsError::Generate(_) => e.into(),
        e => arbiter_core::Error::InvalidArgument(e.to_string()).into(),
    }
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
