use super::*;
use crate::error::ErrorCode;

fn project(dir: &std::path::Path) -> crate::Project {
    crate::Project::create(&dir.join("p"), None, &[]).expect("create")
}

fn options(name: &str, role: Option<Role>, expires: &str) -> InviteOptions {
    InviteOptions {
        name: name.into(),
        role,
        expires: expires.into(),
        base_url: "http://10.0.0.5:8765/".into(),
    }
}

#[test]
fn an_invitation_signs_in_once_serves_scripts_and_ends_when_revoked() {
    let d = tempfile::tempdir().expect("tmp");
    let mut p = project(d.path());
    let inv = invite(&mut p, &options("ana", None, "7d")).expect("invite");
    assert_eq!((inv.annotator.as_str(), inv.role), ("ana", Role::Annotator));
    assert_eq!(
        inv.url,
        format!("http://10.0.0.5:8765/signin#token={}", inv.token)
    );
    assert!(
        inv.token.starts_with("arb_") && inv.token.len() == 47,
        "{}",
        inv.token
    );
    // The annotator was created with the invitation.
    let names: Vec<String> = crate::annotators::annotators(&p)
        .expect("annotators")
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["ana"]);
    // A bearer token for scripts, any number of times.
    for _ in 0..2 {
        let who = authenticate(&p, &inv.token).expect("bearer");
        assert_eq!(
            (who.annotator.as_str(), who.kind),
            ("ana", TokenKind::Invite)
        );
    }
    // A browser signs in once: the session has its own token.
    let (who, session) = sign_in(&mut p, &inv.token).expect("sign in");
    assert_eq!(
        (who.annotator.as_str(), who.kind),
        ("ana", TokenKind::Session)
    );
    assert_ne!(session, inv.token);
    let again = sign_in(&mut p, &inv.token).expect_err("a link signs in one browser");
    assert_eq!(again.code(), ErrorCode::Unauthorized);
    assert!(again.to_string().contains("used already"), "{again}");
    // A session's token is not a sign-in link.
    assert_eq!(
        sign_in(&mut p, &session).expect_err("session").code(),
        ErrorCode::Unauthorized
    );
    assert_eq!(
        authenticate(&p, &session).expect("session").role,
        Role::Annotator
    );
    // The invitation still serves scripts after the sign-in.
    authenticate(&p, &inv.token).expect("bearer after sign-in");
    let listed = list(&p).expect("list");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].kind, TokenKind::Session);
    assert!(listed[1].signed_in_at.is_some() && listed.iter().all(|a| a.status == "active"));
    // Revoked: the invitation and the session end together.
    let r = revoke(&mut p, "ana").expect("revoke");
    assert_eq!((r.invites, r.sessions), (1, 1));
    for t in [&inv.token, &session] {
        let e = authenticate(&p, t).expect_err("revoked");
        assert_eq!(e.code(), ErrorCode::Unauthorized);
    }
    assert!(list(&p)
        .expect("list")
        .iter()
        .all(|a| a.status == "revoked"));
    // A new invitation works again; the old token stays refused.
    let fresh = invite(&mut p, &options("ana", None, "1h")).expect("again");
    authenticate(&p, &fresh.token).expect("fresh");
    assert!(authenticate(&p, &inv.token).is_err());
    let actions: Vec<String> = crate::audit::recent(&p, 10)
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in ["access.invite", "access.sign_in", "access.revoke"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

#[test]
fn unknown_and_expired_tokens_get_one_answer_and_tokens_are_stored_hashed() {
    let d = tempfile::tempdir().expect("tmp");
    let mut p = project(d.path());
    let inv = invite(&mut p, &options("rev", Some(Role::Reviewer), "1m")).expect("invite");
    assert_eq!(
        authenticate(&p, &inv.token).expect("ok").role,
        Role::Reviewer
    );
    let unknown = authenticate(&p, "arb_nothing").expect_err("unknown");
    // Expired: the invitation's time moved into the past.
    p.conn()
        .execute(
            "UPDATE access_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 seconds')",
            [],
        )
        .expect("age");
    let expired = authenticate(&p, &inv.token).expect_err("expired");
    assert_eq!(unknown.to_string(), expired.to_string());
    assert_eq!(expired.code(), ErrorCode::Unauthorized);
    assert_eq!(
        sign_in(&mut p, &inv.token)
            .expect_err("expired link")
            .code(),
        ErrorCode::Unauthorized
    );
    assert_eq!(list(&p).expect("list")[0].status, "expired");
    // The database holds the token's SHA-256, never the token.
    let stored: String = p
        .conn()
        .query_row("SELECT token_sha256 FROM access_tokens", [], |r| r.get(0))
        .expect("row");
    assert_eq!(stored, digest(&inv.token));
    drop(p);
    let bytes = std::fs::read(d.path().join("p").join(crate::store::DB_FILE)).expect("db");
    let wal = std::fs::read(d.path().join("p").join("arbiter.db-wal")).unwrap_or_default();
    let secret = inv.token.as_bytes();
    for b in [&bytes, &wal] {
        assert!(
            !b.windows(secret.len()).any(|w| w == secret),
            "the token is stored"
        );
    }
}

#[test]
fn bad_invitations_are_refused_and_write_nothing() {
    let d = tempfile::tempdir().expect("tmp");
    let mut p = project(d.path());
    crate::annotators::add_annotator(&p, "lea", Role::Lead).expect("lead");
    for (o, says) in [
        (
            options("lea", Some(Role::Annotator), "7d"),
            "is a lead in this project",
        ),
        (options("ana", None, "7"), "--expires \"7\""),
        (options("ana", None, "0d"), "from 1m to 365d"),
        (options("ana", None, "366d"), "from 1m to 365d"),
        (options("ana", None, "-3h"), "from 1m to 365d"),
        (options("ana", None, "9999999999999999w"), "--expires"),
        (options("", None, "7d"), "needs a name"),
        (
            InviteOptions {
                base_url: "10.0.0.5:8765".into(),
                ..options("ana", None, "7d")
            },
            "--url",
        ),
    ] {
        let e = invite(&mut p, &o).expect_err("refused");
        assert_eq!(e.code(), ErrorCode::InvalidInput, "{e}");
        assert!(e.to_string().contains(says), "{e} should say {says}");
    }
    assert!(list(&p).expect("list").is_empty());
    assert_eq!(crate::annotators::annotators(&p).expect("a").len(), 1);
    // Without --role, an existing annotator keeps theirs.
    assert_eq!(
        invite(&mut p, &options("lea", None, "2w"))
            .expect("lead")
            .role,
        Role::Lead
    );
    let e = revoke(&mut p, "nobody").expect_err("unknown");
    assert_eq!(e.code(), ErrorCode::NotFound);
    assert_eq!(parse_expiry("90m").expect("90m"), 5400);
    assert_eq!(parse_expiry(" 2w ").expect("2w"), 14 * 86_400);
}

#[test]
fn a_running_server_announces_its_address_until_it_stops() {
    let dir = tempfile::tempdir().expect("dir");
    let root = dir.path();
    assert_eq!(serving_url(root), None, "nothing served yet");
    let held = announce_serving(root, "https://lab.local:8765")
        .expect("announce")
        .expect("first server");
    assert_eq!(serving_url(root).as_deref(), Some("https://lab.local:8765"));
    // A second server of the same project leaves the first one's address.
    assert!(announce_serving(root, "http://127.0.0.1:9000")
        .expect("second")
        .is_none());
    assert_eq!(serving_url(root).as_deref(), Some("https://lab.local:8765"));
    drop(held);
    // Stopped (or died): the address left on disk is not taken for a running server.
    assert!(root.join(".arbiter-cache/serve.url").exists());
    assert_eq!(serving_url(root), None);
}
