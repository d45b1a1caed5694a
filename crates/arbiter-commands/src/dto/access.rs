//! The Team screen's types for `arbiter serve`: invitations (a sign-in link and token, shown
//! once), the list of invitations and sessions, a revocation, and the server the desktop app
//! runs (its address and who is connected).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use arbiter_core::access;

use super::Role;

/// Invite someone to label in a browser.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InviteRequest {
    pub name: String,
    /// A new annotator's role (default annotator); an existing one keeps theirs.
    pub role: Option<Role>,
    /// `7d`, `12h`, `30m`, `2w` (up to 365d).
    pub expires: String,
    /// The server's address as the invited person's browser reaches it (default: the running
    /// server's, else http://127.0.0.1:8765).
    pub url: Option<String>,
}

/// A new invitation: the link and token are shown now, once.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InvitedDto {
    pub annotator: String,
    pub role: Role,
    pub url: String,
    pub token: String,
    pub expires_at: String,
}

impl From<access::Invited> for InvitedDto {
    fn from(i: access::Invited) -> Self {
        InvitedDto {
            annotator: i.annotator,
            role: i.role.into(),
            url: i.url,
            token: i.token,
            expires_at: i.expires_at,
        }
    }
}

/// One invitation or browser session (never its token).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccessDto {
    pub annotator: String,
    pub role: Role,
    /// `invite` or `session`.
    pub kind: String,
    pub created_at: String,
    pub expires_at: String,
    /// `active`, `expired` or `revoked`.
    pub status: String,
    pub signed_in_at: Option<String>,
    pub last_used_at: Option<String>,
}

impl From<access::Access> for AccessDto {
    fn from(a: access::Access) -> Self {
        AccessDto {
            annotator: a.annotator,
            role: a.role.into(),
            kind: match a.kind {
                access::TokenKind::Invite => "invite".into(),
                access::TokenKind::Session => "session".into(),
            },
            created_at: a.created_at,
            expires_at: a.expires_at,
            status: a.status,
            signed_in_at: a.signed_in_at,
            last_used_at: a.last_used_at,
        }
    }
}

/// What a revocation ended.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RevokedDto {
    pub annotator: String,
    #[ts(type = "number")]
    pub invites: u64,
    #[ts(type = "number")]
    pub sessions: u64,
}

impl From<access::Revoked> for RevokedDto {
    fn from(r: access::Revoked) -> Self {
        RevokedDto {
            annotator: r.annotator,
            invites: r.invites,
            sessions: r.sessions,
        }
    }
}

/// Someone connected to the server the app runs.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectedDto {
    pub annotator: String,
    pub role: Role,
    pub connections: u32,
}

/// The server the desktop app runs for browsers.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ServingDto {
    /// `http://ADDRESS:PORT` as bound (an unspecified address names this machine's).
    pub url: String,
    pub bind: String,
    /// Listening on more than this machine without TLS: say so.
    pub exposed: bool,
    pub connected: Vec<ConnectedDto>,
}
