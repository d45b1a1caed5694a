//! `arbiter invite …`: sign-in links and tokens for `arbiter serve`, their revocation and list.

use anyhow::Result;
use arbiter_core::access;

use crate::commands::open;
use crate::output::{json, table};
use crate::{Cli, InviteArgs};

pub fn run(cli: &Cli, a: &InviteArgs) -> Result<()> {
    let mut p = open(cli)?;
    if a.list {
        let all = access::list(&p)?;
        if cli.json {
            return json(&all);
        }
        if all.is_empty() {
            println!("No invitations yet: `arbiter invite NAME` makes one.");
            return Ok(());
        }
        let rows = all
            .iter()
            .map(|x| {
                vec![
                    x.annotator.clone(),
                    x.role.as_str().into(),
                    match x.kind {
                        access::TokenKind::Invite => "invitation".into(),
                        access::TokenKind::Session => "browser session".into(),
                    },
                    x.status.clone(),
                    x.expires_at.clone(),
                    x.last_used_at.clone().unwrap_or_else(|| "—".into()),
                ]
            })
            .collect();
        table(
            &[
                "annotator",
                "role",
                "what",
                "status",
                "expires",
                "last used",
            ],
            rows,
        );
        return Ok(());
    }
    let name = a.name.as_deref().unwrap_or_default();
    if a.revoke {
        let r = access::revoke(&mut p, name)?;
        if cli.json {
            return json(&r);
        }
        println!(
            "Revoked {}'s access: {} invitation(s) and {} browser session(s) ended.",
            r.annotator, r.invites, r.sessions
        );
        return Ok(());
    }
    let served = access::serving_url(p.root());
    let inv = access::invite(
        &mut p,
        &access::InviteOptions {
            name: name.to_string(),
            role: a.role,
            expires: a.expires.clone(),
            // The running server's address (https under TLS), else the default bind's.
            base_url: a
                .url
                .clone()
                .or(served)
                .unwrap_or_else(|| access::DEFAULT_BASE_URL.into()),
        },
    )?;
    if cli.json {
        return json(&inv);
    }
    println!(
        "Invited {} ({}) until {}.\n\nSign-in link (signs in one browser, once):\n  {}\n\nToken for scripts (`Authorization: Bearer …`, until it expires or `arbiter invite --revoke {}`):\n  {}\n\nBoth are shown only now; send them privately.",
        inv.annotator,
        inv.role.as_str(),
        inv.expires_at,
        inv.url,
        inv.annotator,
        inv.token
    );
    Ok(())
}
