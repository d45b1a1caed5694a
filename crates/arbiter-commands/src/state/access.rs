//! The Team screen's invitations for `arbiter serve`: invite (the link and token shown once),
//! list invitations and sessions, revoke someone's access.

use arbiter_core::access;

use super::{no_project, AppState};
use crate::dto::*;

impl AppState {
    pub fn invite_annotator(&self, r: &InviteRequest) -> Result<InvitedDto, IpcError> {
        let mut guard = self.lock();
        let p = guard.as_mut().ok_or_else(no_project)?;
        let served = access::serving_url(p.root());
        Ok(access::invite(
            p,
            &access::InviteOptions {
                name: r.name.clone(),
                role: r.role.map(Into::into),
                expires: r.expires.clone(),
                base_url: r
                    .url
                    .clone()
                    .filter(|u| !u.trim().is_empty())
                    .or(served)
                    .unwrap_or_else(|| access::DEFAULT_BASE_URL.into()),
            },
        )?
        .into())
    }

    pub fn list_access(&self) -> Result<Vec<AccessDto>, IpcError> {
        self.with_project(|p| Ok(access::list(p)?.into_iter().map(Into::into).collect()))
    }

    pub fn revoke_access(&self, name: &str) -> Result<RevokedDto, IpcError> {
        let mut guard = self.lock();
        let p = guard.as_mut().ok_or_else(no_project)?;
        Ok(access::revoke(p, name)?.into())
    }
}
