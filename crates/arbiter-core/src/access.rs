//! Access for `arbiter serve`: invitations and the sessions they become.
//!
//! An invitation gives one annotator (created with the invitation when new) a random 256-bit
//! token, shown once. It serves twice: as a sign-in link a browser opens once — the link's token
//! becomes a session with a token of its own — and as a bearer token for scripts until it
//! expires or is revoked. Only each token's SHA-256 is stored, so a copy of the database gives
//! nobody access. Revoking an annotator's access ends their invitations and their sessions.
//! Access belongs to this machine: it is not among the events replicas exchange.
//!
//! Which unknown, expired or revoked token was given is never said (one message for all);
//! rate limits, cookies and CSRF are the server's.

use base64::Engine as _;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use sha2::Digest;

use crate::annotators::{find_annotator, Role};
use crate::error::{Error, Result};
use crate::time::NOW_SQL;

/// Where a sign-in link points when no address is given: `arbiter serve`'s default bind.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8765";

/// Held while this machine serves the project (`arbiter serve`, or the app's Team screen): an
/// OS lock on `.arbiter-cache/serve.lock`, with the address people reach the server at in
/// `.arbiter-cache/serve.url`, so an invitation made while it runs (`arbiter invite` without
/// `--url`) links to it — https under TLS, the LAN address — rather than to the default. The lock
/// goes with the value or with the process, however it ends, so a server that died is never
/// taken for a running one.
#[derive(Debug)]
pub struct Announced {
    _lock: std::fs::File,
}

fn serve_files(root: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = root.join(".arbiter-cache");
    (dir.join("serve.lock"), dir.join("serve.url"))
}

/// Say that the project at `root` is served at `url`, for as long as the value lives. `None`
/// when another process already serves it (its address stays the one invitations use).
pub fn announce_serving(root: &std::path::Path, url: &str) -> Result<Option<Announced>> {
    let (lock, at) = serve_files(root);
    if let Some(dir) = lock.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let Some(file) = crate::store::try_lock_file(&lock)? else {
        return Ok(None);
    };
    std::fs::write(&at, url).map_err(|e| Error::io(&at, e))?;
    Ok(Some(Announced { _lock: file }))
}

/// The address the project at `root` is served at now, if a server (of any process on this
/// machine) announced one and still runs.
pub fn serving_url(root: &std::path::Path) -> Option<String> {
    let (lock, at) = serve_files(root);
    if !lock.exists() {
        return None;
    }
    match crate::store::try_lock_file(&lock) {
        // Nobody holds it: no server runs (the lock is let go at once).
        Ok(Some(_)) | Err(_) => None,
        Ok(None) => std::fs::read_to_string(&at)
            .ok()
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty()),
    }
}

/// The longest an invitation may last.
pub const MAX_EXPIRY_SECONDS: i64 = 365 * crate::time::DAY;

/// What `arbiter invite` is asked for.
#[derive(Debug, Clone)]
pub struct InviteOptions {
    pub name: String,
    /// The role of a new annotator (default: annotator); for an existing one, it must be theirs.
    pub role: Option<Role>,
    /// How long the invitation lasts, e.g. `7d`, `12h`, `30m`, `2w`.
    pub expires: String,
    /// The server's address as the invited person's browser reaches it.
    pub base_url: String,
}

/// A new invitation: the token is shown here once and never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invited {
    pub annotator: String,
    pub role: Role,
    /// The sign-in link (the token in its fragment, which a browser never sends to a server).
    pub url: String,
    pub token: String,
    pub expires_at: String,
}

/// Whose token it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub annotator_id: i64,
    pub annotator: String,
    pub role: Role,
    /// The token's row (a session's or an invitation's).
    #[serde(skip)]
    pub token_id: i64,
    pub kind: TokenKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    Invite,
    Session,
}

impl TokenKind {
    fn parse(s: &str) -> Result<TokenKind> {
        match s {
            "invite" => Ok(TokenKind::Invite),
            "session" => Ok(TokenKind::Session),
            o => Err(Error::InvalidArgument(format!("token kind {o:?}"))),
        }
    }
}

/// One invitation or session, as `arbiter invite --list` and the Team screen show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Access {
    pub annotator: String,
    pub role: Role,
    pub kind: TokenKind,
    pub created_at: String,
    pub expires_at: String,
    /// `active`, `expired` or `revoked`.
    pub status: String,
    /// An invitation's link, when a browser used it.
    pub signed_in_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// What `arbiter invite --revoke NAME` ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revoked {
    pub annotator: String,
    pub invites: u64,
    pub sessions: u64,
}

/// A duration as people write it: a whole number and a unit, `m`, `h`, `d` or `w` (`90m`, `12h`,
/// `7d`, `2w`), from one minute to a year; in seconds.
pub fn parse_expiry(text: &str) -> Result<i64> {
    let t = text.trim();
    let bad = || {
        Error::InvalidArgument(format!(
            "--expires {text:?}: give a number and a unit, m, h, d or w (e.g. 7d, 12h, 30m), from 1m to 365d"
        ))
    };
    let unit = t.chars().last().ok_or_else(bad)?;
    let seconds = match unit {
        'm' => 60,
        'h' => 3600,
        'd' => crate::time::DAY,
        'w' => 7 * crate::time::DAY,
        _ => return Err(bad()),
    };
    let n: i64 = t[..t.len() - 1].parse().map_err(|_| bad())?;
    let total = n.checked_mul(seconds).ok_or_else(bad)?;
    if !(60..=MAX_EXPIRY_SECONDS).contains(&total) {
        return Err(bad());
    }
    Ok(total)
}

/// A new random token (`arb_` and 43 characters of URL-safe base64: 256 bits).
fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::InvalidArgument(format!("no random numbers on this system: {e}")))?;
    Ok(format!(
        "arb_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

/// The stored form of a token.
fn digest(token: &str) -> String {
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `base` as a link's start: http(s), no trailing slash.
fn base_url(base: &str) -> Result<String> {
    let b = base.trim().trim_end_matches('/');
    let rest = b
        .strip_prefix("http://")
        .or_else(|| b.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(b.to_string()),
        _ => Err(Error::InvalidArgument(format!(
            "--url {base:?}: give the server's address as the invited person's browser reaches it, e.g. http://192.168.1.20:8765"
        ))),
    }
}

/// Invite an annotator (created when new, with the role given or `annotator`), in one
/// transaction with its audit entry.
pub fn invite(project: &mut crate::Project, o: &InviteOptions) -> Result<Invited> {
    let seconds = parse_expiry(&o.expires)?;
    let base = base_url(&o.base_url)?;
    let tx = project
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let name = o.name.trim();
    let annotator = match find_annotator(&tx, name)? {
        Some(a) => {
            if let Some(role) = o.role.filter(|r| *r != a.role) {
                return Err(Error::InvalidArgument(format!(
                    "{name:?} is a {} in this project, not a {}; invite them without --role (their role stays {})",
                    a.role.as_str(),
                    role.as_str(),
                    a.role.as_str()
                )));
            }
            a
        }
        None => crate::annotators::add_annotator_in(&tx, name, o.role.unwrap_or(Role::Annotator))?,
    };
    let token = new_token()?;
    let expires_at: String = tx.query_row(
        "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?1)",
        [format!("+{seconds} seconds")],
        |r| r.get(0),
    )?;
    tx.execute(
        &format!(
            "INSERT INTO access_tokens (annotator_id, kind, token_sha256, created_at, expires_at)
             VALUES (?1, 'invite', ?2, {NOW_SQL}, ?3)"
        ),
        rusqlite::params![annotator.id, digest(&token), expires_at],
    )?;
    crate::audit::record(
        &tx,
        "arbiter",
        "access.invite",
        &serde_json::json!({ "annotator": annotator.name, "role": annotator.role.as_str(),
            "expires_at": expires_at }),
    )?;
    tx.commit()?;
    Ok(Invited {
        url: format!("{base}/signin#token={token}"),
        annotator: annotator.name,
        role: annotator.role,
        token,
        expires_at,
    })
}

/// End every invitation and session of `name`, in one transaction with its audit entry.
pub fn revoke(project: &mut crate::Project, name: &str) -> Result<Revoked> {
    let tx = project
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let a = find_annotator(&tx, name.trim())?.ok_or_else(|| Error::NotFound {
        what: "annotator",
        name: name.trim().to_string(),
    })?;
    let ended = |kind: &str| -> Result<u64> {
        Ok(tx.execute(
            &format!(
                "UPDATE access_tokens SET revoked_at = {NOW_SQL}
                 WHERE annotator_id = ?1 AND kind = ?2 AND revoked_at IS NULL"
            ),
            rusqlite::params![a.id, kind],
        )? as u64)
    };
    let invites = ended("invite")?;
    let sessions = ended("session")?;
    crate::audit::record(
        &tx,
        "arbiter",
        "access.revoke",
        &serde_json::json!({ "annotator": a.name, "invites": invites, "sessions": sessions }),
    )?;
    tx.commit()?;
    Ok(Revoked {
        annotator: a.name,
        invites,
        sessions,
    })
}

/// Every invitation and session, newest first.
pub fn list(project: &crate::Project) -> Result<Vec<Access>> {
    let conn = project.conn();
    let mut stmt = conn.prepare(&format!(
        "SELECT a.name, a.role, t.kind, t.created_at, t.expires_at,
                CASE WHEN t.revoked_at IS NOT NULL THEN 'revoked'
                     WHEN t.expires_at <= {NOW_SQL} THEN 'expired' ELSE 'active' END,
                t.signed_in_at, t.last_used_at
         FROM access_tokens t JOIN annotators a ON a.id = t.annotator_id
         ORDER BY t.id DESC"
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (annotator, role, kind, created_at, expires_at, status, signed_in_at, last_used_at) =
            row?;
        out.push(Access {
            annotator,
            role: Role::parse(&role)?,
            kind: TokenKind::parse(&kind)?,
            created_at,
            expires_at,
            status,
            signed_in_at,
            last_used_at,
        });
    }
    Ok(out)
}

/// The one answer for a token that does not give access, whatever the reason.
fn refused() -> Error {
    Error::Unauthorized(
        "this sign-in link or token is unknown, expired or revoked; ask the project's lead for a new invitation (`arbiter invite NAME`)".into(),
    )
}

/// Whose `token` is (an invitation's, used as a bearer token, or a session's), if it is known,
/// unexpired and not revoked. Reads only.
pub fn authenticate(project: &crate::Project, token: &str) -> Result<Principal> {
    authenticate_in(project.conn(), token)
}

fn authenticate_in(conn: &Connection, token: &str) -> Result<Principal> {
    let row: Option<(i64, String, String, i64, String)> = conn
        .prepare_cached(&format!(
            "SELECT a.id, a.name, a.role, t.id, t.kind FROM access_tokens t
             JOIN annotators a ON a.id = t.annotator_id
             WHERE t.token_sha256 = ?1 AND t.revoked_at IS NULL AND t.expires_at > {NOW_SQL}"
        ))?
        .query_row([digest(token.trim())], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let (annotator_id, annotator, role, token_id, kind) = row.ok_or_else(refused)?;
    Ok(Principal {
        annotator_id,
        annotator,
        role: Role::parse(&role)?,
        token_id,
        kind: TokenKind::parse(&kind)?,
    })
}

/// A browser's sign-in with an invitation's link: once per invitation. Gives the session's
/// token (valid while the invitation is: until it expires or is revoked).
pub fn sign_in(project: &mut crate::Project, invite_token: &str) -> Result<(Principal, String)> {
    let tx = project
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let p = authenticate_in(&tx, invite_token)?;
    if p.kind != TokenKind::Invite {
        return Err(refused());
    }
    let used: Option<String> = tx.query_row(
        "SELECT signed_in_at FROM access_tokens WHERE id = ?1",
        [p.token_id],
        |r| r.get(0),
    )?;
    if used.is_some() {
        return Err(Error::Unauthorized(
            "this sign-in link was used already (a link signs in one browser); ask the project's lead for a new invitation".into(),
        ));
    }
    tx.execute(
        &format!("UPDATE access_tokens SET signed_in_at = {NOW_SQL} WHERE id = ?1"),
        [p.token_id],
    )?;
    let session = new_token()?;
    tx.execute(
        &format!(
            "INSERT INTO access_tokens (annotator_id, kind, token_sha256, invite_id, created_at, expires_at)
             SELECT annotator_id, 'session', ?2, id, {NOW_SQL}, expires_at FROM access_tokens WHERE id = ?1"
        ),
        rusqlite::params![p.token_id, digest(&session)],
    )?;
    let id = tx.last_insert_rowid();
    crate::audit::record(
        &tx,
        &p.annotator,
        "access.sign_in",
        &serde_json::json!({ "annotator": p.annotator }),
    )?;
    tx.commit()?;
    Ok((
        Principal {
            token_id: id,
            kind: TokenKind::Session,
            ..p
        },
        session,
    ))
}

/// End one browser session (signing out); its invitation stays valid.
pub fn sign_out(project: &crate::Project, token_id: i64) -> Result<()> {
    project.conn().execute(
        &format!(
            "UPDATE access_tokens SET revoked_at = {NOW_SQL}
             WHERE id = ?1 AND kind = 'session' AND revoked_at IS NULL"
        ),
        [token_id],
    )?;
    Ok(())
}

/// Note that a token was used (the Team screen's "last seen"); the server calls it at most
/// once a minute per token.
pub fn touch(project: &crate::Project, token_id: i64) -> Result<()> {
    project.conn().execute(
        &format!("UPDATE access_tokens SET last_used_at = {NOW_SQL} WHERE id = ?1"),
        [token_id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests;
