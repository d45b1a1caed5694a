//! The server over real HTTP on a loopback port: who may do what, what a claimed item carries
//! (its text, or its image's address), and fifty clients at once.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use arbiter_core::access::{self, InviteOptions};
use arbiter_core::annotators::Role;
use arbiter_core::Project;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Wine (178 items) with a forest run and a saved queue "q": every item needs `k` labels.
fn project(dir: &Path, k: usize) -> PathBuf {
    let root = dir.join("p");
    let mut p = Project::create(&root, None, &[]).expect("create");
    let imported = arbiter_core::dataset::import(
        &mut p,
        &arbiter_core::dataset::ImportOptions {
            source: fixtures().join("tabular/wine.csv"),
            ..Default::default()
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("import");
    let model = arbiter_core::model::add(
        &mut p,
        &arbiter_core::model::AddOptions {
            file: fixtures().join("models/wine_forest.onnx"),
            ..Default::default()
        },
    )
    .expect("model");
    let run = arbiter_core::predict::predict(
        &mut p,
        &arbiter_core::predict::PredictOptions {
            model: model.name,
            dataset: imported.dataset,
            batch_size: 64,
            device: arbiter_core::model::runtime::Device::Cpu,
            resume: None,
            decode: None,
            cuda: Default::default(),
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("run")
    .run;
    save_queue(&mut p, run, k);
    root
}

/// A saved random queue "q" over `run`: every item needs `k` labels.
fn save_queue(p: &mut Project, run: i64, k: usize) {
    arbiter_core::review::create(
        p,
        &arbiter_core::review::QueueCreate {
            name: "q".into(),
            spec: arbiter_core::queue::QueueSpec {
                run,
                strategy: arbiter_core::queue::Strategy::Random,
                other_run: None,
                threshold: None,
                seed: 7,
                calibrated: false,
            },
            limit: None,
            overlap_share: 1.0,
            overlap_k: k,
            blind: false,
            lease_seconds: 600,
            assign: Vec::new(),
            gold: Default::default(),
        },
    )
    .expect("queue");
}

fn invite(root: &Path, name: &str, role: Option<Role>) -> String {
    let mut p = Project::open(root).expect("open");
    access::invite(
        &mut p,
        &InviteOptions {
            name: name.into(),
            role,
            expires: "1d".into(),
            base_url: "http://127.0.0.1:8765".into(),
        },
    )
    .expect("invite")
    .token
}

/// The server on a free loopback port, on a runtime of its own; its base URL.
struct Server {
    url: String,
    db: arbiter_server::db::Db,
    rt: tokio::runtime::Runtime,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    fn start(root: &Path) -> Server {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("runtime");
        let db = arbiter_server::db::Db::open(root, 4).expect("db");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        rt.spawn(arbiter_server::serve(
            arbiter_server::Shared::new(db.clone(), false),
            listener,
            async {
                let _ = stopped.await;
            },
        ));
        Server {
            url,
            db,
            rt,
            stop: Some(stop),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

async fn call(
    c: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut r = c.request(method, url);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.expect("send");
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    (status, v, headers)
}

#[test]
fn every_request_names_its_caller_and_the_role_and_csrf_bound_it() {
    let d = tempfile::tempdir().expect("tmp");
    let root = project(d.path(), 1);
    let ana = invite(&root, "ana", None);
    let bob = invite(&root, "bob", None);
    let rev = invite(&root, "rev", Some(Role::Reviewer));
    let s = Server::start(&root);
    let c = reqwest::Client::new();
    let u = |path: &str| format!("{}{path}", s.url);
    let bearer = |t: &str| format!("Bearer {t}");
    let (get, post) = (reqwest::Method::GET, reqwest::Method::POST);
    s.rt.block_on(async {
        // No token, a wrong one: 401, with the error document.
        let (st, v, _) = call(&c, get.clone(), u("/api/v1/me"), &[], None).await;
        assert_eq!(
            (st, v["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("unauthorized"))
        );
        let (st, _, _) = call(
            &c,
            get.clone(),
            u("/api/v1/queues"),
            &[("authorization", "Bearer arb_wrong")],
            None,
        )
        .await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        // A bearer token: who, the queues.
        let auth = bearer(&ana);
        let (st, v, _) = call(
            &c,
            get.clone(),
            u("/api/v1/me"),
            &[("authorization", &auth)],
            None,
        )
        .await;
        assert_eq!(
            (st, v),
            (
                StatusCode::OK,
                json!({"annotator": "ana", "role": "annotator"})
            )
        );
        let (_, v, _) = call(
            &c,
            get.clone(),
            u("/api/v1/queues"),
            &[("authorization", &auth)],
            None,
        )
        .await;
        assert_eq!(
            v,
            json!([{"name": "q", "strategy": "random", "total": 178, "done": 0}])
        );
        // Claim and label as oneself; an annotator's override is forbidden.
        let (st, v, _) = call(
            &c,
            post.clone(),
            u("/api/v1/queues/q/next"),
            &[("authorization", &auth)],
            Some(json!({"n": 2})),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let item = v["items"][0]["item_id"].as_str().expect("item").to_string();
        assert_eq!(v["items"].as_array().map(Vec::len), Some(2));
        let label = json!({"item_id": item, "queue": "q", "label": "class_0"});
        let (st, v, _) = call(
            &c,
            post.clone(),
            u("/api/v1/annotations"),
            &[("authorization", &auth)],
            Some(label.clone()),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        assert_eq!(v["uid"].as_str().map(str::len), Some(36));
        let over =
            json!({"item_id": item, "queue": "q", "label": "class_1", "reason": "model_wrong"});
        let (st, v, _) = call(
            &c,
            post.clone(),
            u("/api/v1/annotations"),
            &[("authorization", &auth)],
            Some(over.clone()),
        )
        .await;
        assert_eq!(
            (st, v["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden")),
            "{v}"
        );
        let (st, v, _) = call(
            &c,
            post.clone(),
            u("/api/v1/annotations"),
            &[("authorization", &bearer(&rev))],
            Some(over),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "a reviewer overrides: {v}");
        // Bad requests name what is wrong; unknown queues and items are 404.
        for (path, body, status) in [
            (
                "/api/v1/annotations",
                json!({"item": 1}),
                StatusCode::BAD_REQUEST,
            ),
            (
                "/api/v1/annotations",
                json!({"item_id": item, "queue": "q", "label": "nope"}),
                StatusCode::BAD_REQUEST,
            ),
            (
                "/api/v1/annotations",
                json!({"item_id": "no_such", "queue": "q", "label": "class_0"}),
                StatusCode::NOT_FOUND,
            ),
            (
                "/api/v1/annotations",
                json!({"item_id": item, "queue": "zz", "label": "class_0"}),
                StatusCode::NOT_FOUND,
            ),
            (
                "/api/v1/queues/zz/next",
                json!({"n": 1}),
                StatusCode::NOT_FOUND,
            ),
            (
                "/api/v1/queues/q/next",
                json!({"n": 0}),
                StatusCode::BAD_REQUEST,
            ),
            (
                "/api/v1/queues/q/next",
                json!({"n": 51}),
                StatusCode::BAD_REQUEST,
            ),
        ] {
            let (st, v, _) = call(
                &c,
                post.clone(),
                u(path),
                &[("authorization", &auth)],
                Some(body.clone()),
            )
            .await;
            assert_eq!(st, status, "{path} {body}: {v}");
            assert!(v["code"].is_string() && v["message"].is_string(), "{v}");
        }
        // A browser: the link's token becomes an HttpOnly, SameSite=Strict session cookie.
        let (st, v, h) = call(
            &c,
            post.clone(),
            u("/api/signin"),
            &[],
            Some(json!({"token": bob})),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["annotator"], "bob");
        let cookie = h["set-cookie"].to_str().expect("cookie").to_string();
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Strict")
                && !cookie.contains("Secure"),
            "{cookie}"
        );
        let session = cookie.split(';').next().expect("pair").to_string();
        let csrf = v["csrf"].as_str().expect("csrf").to_string();
        let (st, v, _) = call(
            &c,
            post.clone(),
            u("/api/signin"),
            &[],
            Some(json!({"token": bob})),
        )
        .await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "a link signs in once: {v}");
        let (st, v, _) = call(
            &c,
            get.clone(),
            u("/api/v1/me"),
            &[("cookie", &session)],
            None,
        )
        .await;
        assert_eq!((st, v["annotator"].as_str()), (StatusCode::OK, Some("bob")));
        // A change of state with the cookie needs the page's CSRF token.
        let next = u("/api/v1/queues/q/next");
        let (st, v, _) = call(
            &c,
            post.clone(),
            next.clone(),
            &[("cookie", &session)],
            Some(json!({"n": 1})),
        )
        .await;
        assert_eq!(
            (st, v["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden")),
            "{v}"
        );
        let (st, _, _) = call(
            &c,
            post.clone(),
            next.clone(),
            &[("cookie", &session), ("x-csrf-token", "00")],
            Some(json!({"n": 1})),
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, v, _) = call(
            &c,
            post.clone(),
            next.clone(),
            &[("cookie", &session), ("x-csrf-token", &csrf)],
            Some(json!({"n": 1})),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let (_, v, _) = call(
            &c,
            get.clone(),
            u("/api/session"),
            &[("cookie", &session)],
            None,
        )
        .await;
        assert_eq!(v["csrf"].as_str(), Some(csrf.as_str()));
        // Signing out ends the session (the invitation still serves scripts).
        let (st, _, _) = call(
            &c,
            post.clone(),
            u("/api/signout"),
            &[("cookie", &session), ("x-csrf-token", &csrf)],
            None,
        )
        .await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        let (st, _, _) = call(
            &c,
            get.clone(),
            u("/api/v1/me"),
            &[("cookie", &session)],
            None,
        )
        .await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        let (st, _, _) = call(
            &c,
            get.clone(),
            u("/api/v1/me"),
            &[("authorization", &bearer(&bob))],
            None,
        )
        .await;
        assert_eq!(st, StatusCode::OK);
    });
    // Revoked and expired tokens are refused.
    {
        let mut p = Project::open(&root).expect("open");
        access::revoke(&mut p, "ana").expect("revoke");
        let db = rusqlite::Connection::open(root.join("arbiter.db")).expect("db");
        db.execute(
            "UPDATE access_tokens SET expires_at = '2000-01-01T00:00:00.000Z'
             WHERE annotator_id = (SELECT id FROM annotators WHERE name = 'rev')",
            [],
        )
        .expect("expire");
    }
    s.rt.block_on(async {
        for t in [&ana, &rev] {
            let (st, v, _) = call(
                &c,
                get.clone(),
                u("/api/v1/me"),
                &[("authorization", &bearer(t))],
                None,
            )
            .await;
            assert_eq!(
                (st, v["code"].as_str()),
                (StatusCode::UNAUTHORIZED, Some("unauthorized"))
            );
        }
        // Failed attempts from one address are limited.
        let mut statuses = Vec::new();
        for _ in 0..arbiter_server::auth::MAX_FAILURES + 2 {
            let (st, _, _) = call(
                &c,
                post.clone(),
                u("/api/signin"),
                &[],
                Some(json!({"token": "arb_guess"})),
            )
            .await;
            statuses.push(st);
        }
        assert!(
            statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
            "{statuses:?}"
        );
        // … whatever the token, while the limit lasts — as `rate_limited`, not `unauthorized`
        // (the browser app keeps a session it gets this for: it is not a sign-out).
        let (st, v, _) = call(
            &c,
            get.clone(),
            u("/api/v1/me"),
            &[("authorization", &bearer(&bob))],
            None,
        )
        .await;
        assert_eq!(
            (st, v["code"].as_str()),
            (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
        );
        assert!(
            v["message"]
                .as_str()
                .is_some_and(|m| m.contains("try again in")),
            "{v}"
        );
    });
}

#[test]
fn fifty_clients_at_once_never_exceed_k_and_every_201_is_stored() {
    let d = tempfile::tempdir().expect("tmp");
    let root = project(d.path(), 2);
    let tokens: Vec<String> = (0..50)
        .map(|i| invite(&root, &format!("a{i:02}"), None))
        .collect();
    let s = Server::start(&root);
    let base = Arc::new(s.url.clone());
    let acknowledged: Vec<(String, String, String)> = s.rt.block_on(async {
        let mut tasks = Vec::new();
        for t in tokens {
            let base = base.clone();
            tasks.push(tokio::spawn(async move {
                let c = reqwest::Client::new();
                let auth = format!("Bearer {t}");
                let mut mine = Vec::new();
                loop {
                    let (st, v, _) = call(
                        &c,
                        reqwest::Method::POST,
                        format!("{base}/api/v1/queues/q/next"),
                        &[("authorization", &auth)],
                        Some(json!({"n": 1})),
                    )
                    .await;
                    assert_eq!(st, StatusCode::OK, "{v}");
                    let Some(item) = v["items"][0]["item_id"].as_str().map(str::to_string) else {
                        break;
                    };
                    let (st, v, _) = call(
                        &c,
                        reqwest::Method::POST,
                        format!("{base}/api/v1/annotations"),
                        &[("authorization", &auth)],
                        Some(json!({"item_id": item, "queue": "q", "label": "class_1"})),
                    )
                    .await;
                    assert!(!st.is_server_error(), "{st}: {v}");
                    assert_eq!(st, StatusCode::CREATED, "{v}");
                    mine.push((v["uid"].as_str().expect("uid").to_string(), item, t.clone()));
                }
                mine
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.expect("client"));
        }
        all
    });
    drop(s);
    // Every acknowledged label is in the database; no item has more than its 2 labels.
    assert_eq!(acknowledged.len(), 178 * 2);
    let db = rusqlite::Connection::open(root.join("arbiter.db")).expect("db");
    let stored: HashSet<String> = db
        .prepare("SELECT uid FROM annotations WHERE kind = 'label'")
        .expect("p")
        .query_map([], |r| r.get(0))
        .expect("q")
        .map(|r| r.expect("uid"))
        .collect();
    let mut per_item: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (uid, item, who) in &acknowledged {
        assert!(stored.contains(uid), "acknowledged {uid} is stored");
        per_item.entry(item).or_default().insert(who);
    }
    assert_eq!(per_item.len(), 178);
    assert!(
        per_item.values().all(|w| w.len() == 2),
        "two different people per item"
    );
    let over: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM (SELECT item_id FROM annotations WHERE kind = 'label' GROUP BY item_id HAVING COUNT(DISTINCT annotator_id) > 2)",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(over, 0);
}

/// A project made from a Label Studio fixture (`image_classification.json` over the digits, or
/// `text_classification.json`) with a saved queue "q" over its first imported run, each item
/// needing 3 labels (the fixtures' own labels leave every item open).
fn labelstudio_project(dir: &Path, fixture: &str) -> PathBuf {
    let root = dir.join(fixture);
    let s = arbiter_core::labelstudio::import(
        &root,
        &arbiter_core::labelstudio::ImportOptions {
            file: fixtures().join("labelstudio").join(fixture),
            dataset: None,
            images_root: Some(fixtures().join("digits")),
            label_config: None,
        },
    )
    .expect("import");
    save_queue(&mut Project::open(&root).expect("open"), s.runs[0].run, 3);
    root
}

/// The items `POST /api/v1/queues/q/next` `{"n": 10}` hands ana in the project at `root`, and
/// what `GET`ting each one's `media` answers (status, content type).
fn claim_all(root: &Path) -> (Vec<Value>, Vec<(StatusCode, String)>) {
    let token = invite(root, "ana", None);
    let s = Server::start(root);
    let c = reqwest::Client::new();
    let auth = format!("Bearer {token}");
    s.rt.block_on(async {
        let (st, v, _) = call(
            &c,
            reqwest::Method::POST,
            format!("{}/api/v1/queues/q/next", s.url),
            &[("authorization", &auth)],
            Some(json!({"n": 10})),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let items = v["items"].as_array().expect("items").clone();
        let mut media = Vec::new();
        for it in &items {
            if let Some(m) = it["media"].as_str() {
                media.push(image(&c, &format!("{}{m}", s.url), &auth).await);
            }
        }
        (items, media)
    })
}

#[test]
fn a_claimed_item_carries_its_text_or_the_address_of_its_image() {
    let d = tempfile::tempdir().expect("tmp");
    // Text items: the text, no media.
    let (items, media) = claim_all(&labelstudio_project(d.path(), "text_classification.json"));
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["item_id"], "201");
    assert_eq!(
        items[0]["text"],
        "The battery lasts two days and charging is quick."
    );
    assert!(items[0].get("media").is_none(), "{items:?}");
    assert!(media.is_empty());
    // Image items: the /media address of each, which serves the image to the same caller.
    let root = labelstudio_project(d.path(), "image_classification.json");
    let (items, media) = claim_all(&root);
    assert_eq!(items.len(), 4, "{items:?}");
    let db = rusqlite::Connection::open(root.join("arbiter.db")).expect("db");
    for it in &items {
        let id = it["item_id"].as_str().expect("id");
        let rowid: i64 = db
            .query_row("SELECT id FROM items WHERE ext_id = ?1", [id], |r| r.get(0))
            .expect("rowid");
        assert_eq!(it["media"], format!("/media/{rowid}"), "{it}");
        assert!(it.get("text").is_none(), "{it}");
    }
    assert_eq!(
        media,
        vec![(StatusCode::OK, "image/png".to_string()); 4],
        "every image fetched"
    );
}

/// The status of `GET path` sent as written (no client normalises its `..` or `%2e`).
async fn raw_status(base: &str, path: &str, auth: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.expect("write");
    let mut head = vec![0u8; 12];
    s.read_exact(&mut head).await.expect("status line");
    String::from_utf8_lossy(&head[9..12])
        .parse()
        .expect("status")
}

/// The thumbnail and the media of an item, by rowid, over HTTP with `auth`.
async fn image(c: &reqwest::Client, url: &str, auth: &str) -> (StatusCode, String) {
    let r = c
        .get(url)
        .header("authorization", auth)
        .send()
        .await
        .expect("send");
    let status = r.status();
    let mime = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, mime)
}

#[test]
fn the_command_surface_over_http_keeps_roles_and_people_and_serves_only_media_inside_the_root() {
    let d = tempfile::tempdir().expect("tmp");
    let root = project(d.path(), 1);
    // An image folder of three digits beside the wine rows.
    let pics = d.path().join("pics");
    std::fs::create_dir_all(&pics).expect("dir");
    for n in 0..3 {
        let name = format!("digit_000{n}.png");
        std::fs::copy(
            fixtures().join("digits-unlabeled").join(&name),
            pics.join(&name),
        )
        .expect("copy");
    }
    {
        let mut p = Project::open(&root).expect("open");
        arbiter_core::dataset::import(
            &mut p,
            &arbiter_core::dataset::ImportOptions {
                source: pics.clone(),
                ..Default::default()
            },
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .expect("import pics");
    }
    // The last image is swapped for a link to a file outside the folder after import.
    std::fs::remove_file(pics.join("digit_0002.png")).expect("rm");
    std::os::unix::fs::symlink("/etc/hostname", pics.join("digit_0002.png")).expect("symlink");
    let rowids: Vec<i64> = rusqlite::Connection::open(root.join("arbiter.db"))
        .expect("db")
        .prepare("SELECT id FROM items WHERE ext_id LIKE 'digit_%' ORDER BY ext_id")
        .expect("p")
        .query_map([], |r| r.get(0))
        .expect("q")
        .map(|r| r.expect("id"))
        .collect();
    assert_eq!(rowids.len(), 3);
    let wine_row: i64 = 1;
    let ana = invite(&root, "ana", None);
    let lea = invite(&root, "lea", Some(Role::Lead));
    let s = Server::start(&root);
    let c = reqwest::Client::new();
    let u = |path: &str| format!("{}{path}", s.url);
    let (a, l) = (format!("Bearer {ana}"), format!("Bearer {lea}"));
    let post = reqwest::Method::POST;
    let cmd = |name: &str| u(&format!("/api/commands/{name}"));
    s.rt.block_on(async {
        // Reading, and acting as oneself.
        let (st, v, _) = call(&c, post.clone(), cmd("list_queues"), &[("authorization", &a)], None).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let queue = v[0]["id"].as_i64().expect("queue id");
        let mine = json!({"queue": queue, "annotator": "ana", "n": 1});
        let (st, v, _) = call(&c, post.clone(), cmd("next_items"), &[("authorization", &a)], Some(mine)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let rowid = v[0]["rowid"].as_i64().or_else(|| v[0]["item"]["rowid"].as_i64());
        assert!(rowid.is_some() || v[0].is_object(), "{v}");
        // … never as someone else, at the top level or inside a request.
        let theirs = json!({"queue": queue, "annotator": "lea", "n": 1});
        let (st, v, _) = call(&c, post.clone(), cmd("next_items"), &[("authorization", &a)], Some(theirs)).await;
        assert_eq!((st, v["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{v}");
        let request = json!({"request": {"rowid": wine_row, "annotator": "lea", "label": "class_0", "queue": queue}});
        let (st, v, _) = call(&c, post.clone(), cmd("annotate"), &[("authorization", &a)], Some(request)).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
        // Roles: an annotator cannot change the rule, add people or write files here; a lead can.
        let rule = json!({"rule": {"mode": "unanimous", "minAnnotators": 2}, "lead": "ana"});
        let (st, v, _) = call(&c, post.clone(), cmd("set_decision_rule"), &[("authorization", &a)], Some(rule)).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
        for (name, args) in [
            ("add_annotator", json!({"name": "zed", "role": "annotator"})),
            ("export_annotations", json!({"out": d.path().join("events.csv").to_string_lossy()})),
            ("get_decision", json!({"rowid": wine_row})),
            // Quality control: the agreement target, escalations and reasons are not an annotator's.
            ("set_agreement_target", json!({"target": {"statistic": "gwet_ac1", "min": 0.5, "on": "estimate"}, "lead": "ana"})),
            ("list_escalations", json!({})),
            ("act_on_escalation", json!({"request": {"rowid": wine_row, "actor": "ana", "verb": "send_back", "label": null, "reason": null, "note": "again", "to": null}})),
            ("add_reason", json!({"code": "blurry", "description": "Out of focus", "lead": "ana"})),
            ("retire_reason", json!({"code": "other", "lead": "ana"})),
        ] {
            let (st, v, _) = call(&c, post.clone(), cmd(name), &[("authorization", &a)], Some(args)).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{name}: {v}");
        }
        let target = json!({"target": {"statistic": "gwet_ac1", "min": 0.5, "on": "estimate"}, "lead": "lea"});
        let (st, v, _) = call(&c, post.clone(), cmd("set_agreement_target"), &[("authorization", &l)], Some(target)).await;
        assert_eq!((st, v["target"]["statistic"].as_str()), (StatusCode::OK, Some("gwet_ac1")), "{v}");
        let (st, v, _) = call(&c, post.clone(), cmd("get_agreement_target"), &[("authorization", &a)], Some(json!({}))).await;
        assert_eq!((st, v["status"].as_str()), (StatusCode::OK, Some("insufficient")), "{v}");
        let out = d.path().join("events.csv");
        let (st, v, _) = call(&c, post.clone(), cmd("export_annotations"), &[("authorization", &l)], Some(json!({"out": out.to_string_lossy()}))).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert!(out.exists());
        // Reads run beside the writer: with the writer held up by a long job, the queues, the
        // items and the report still answer (on the writer they would wait for it, and the
        // timeout would fail the test).
        let history_before = {
            let (st, v, _) = call(&c, post.clone(), cmd("agreement_history"), &[("authorization", &l)], None).await;
            assert_eq!(st, StatusCode::OK, "{v}");
            v.as_array().map(Vec::len).expect("history")
        };
        let (hold, held) = std::sync::mpsc::channel::<()>();
        let (started, writer_busy) = tokio::sync::oneshot::channel::<()>();
        let db = s.db.clone();
        let long_write = tokio::spawn(async move {
            db.write(move |_| {
                let _ = started.send(());
                let _ = held.recv();
                Ok(())
            })
            .await
        });
        writer_busy.await.expect("the writer took the job");
        for (name, args) in [
            ("list_queues", json!({})),
            ("project_report", json!({"run": null})),
            ("get_decision", json!({"rowid": wine_row})),
        ] {
            let r = tokio::time::timeout(
                std::time::Duration::from_secs(60),
                call(&c, post.clone(), cmd(name), &[("authorization", &l)], Some(args)),
            )
            .await;
            let Ok((st, v, _)) = r else {
                let _ = hold.send(());
                panic!("{name} waited for the writer");
            };
            assert_eq!(st, StatusCode::OK, "{name}: {v}");
        }
        hold.send(()).expect("release the writer");
        // The gold answers reach a lead only: an annotator's report has no gold details.
        let gold = d.path().join("gold.csv");
        std::fs::write(&gold, "item_id,label\nwine_000,class_0\n").expect("gold");
        s.db.write(move |p| {
            arbiter_core::gold::add(
                p,
                &arbiter_core::gold::AddOptions {
                    source: arbiter_core::gold::Source::File(gold),
                    dataset: Some("wine".into()),
                    share: None,
                    count: None,
                    seed: 1,
                    by: None,
                },
            )
        })
        .await
        .expect("gold");
        let label = json!({"request": {"rowid": wine_row, "annotator": "ana", "kind": "label",
            "label": "class_1", "flag": null, "reason": null, "note": null, "seconds": 1.0,
            "predictionShown": false, "source": "manual", "queue": null, "run": null}});
        let (st, v, _) = call(&c, post.clone(), cmd("annotate"), &[("authorization", &a)], Some(label)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let report = json!({"run": null});
        let (_, lead_view, _) = call(&c, post.clone(), cmd("project_report"), &[("authorization", &l)], Some(report.clone())).await;
        assert_eq!(lead_view["gold"]["annotators"][0]["missed"][0]["gold"], "class_0", "{lead_view}");
        let (_, ana_view, _) = call(&c, post.clone(), cmd("project_report"), &[("authorization", &a)], Some(report)).await;
        assert_eq!(ana_view["gold"]["annotators"], json!([]), "{}", ana_view["gold"]);
        let mine = ana_view["annotators"].as_array().expect("rows").iter().find(|r| r["annotator"] == "ana").expect("ana");
        assert_eq!((mine["gold"]["items"].as_u64(), mine["gold"]["correct"].as_u64()), (Some(1), Some(0)));
        // Nor does browsing show an annotator the answers: no given or final labels while the
        // project has gold, and no filtering by them; a lead sees them.
        let (_, datasets, _) = call(&c, post.clone(), cmd("list_datasets"), &[("authorization", &a)], None).await;
        let wine = datasets.as_array().expect("datasets").iter().find(|d| d["name"] == "wine").expect("wine");
        let version = wine["versions"][0]["id"].clone();
        let query = |label: Value| json!({"query": {"versionId": version, "offset": 0, "limit": 5, "label": label,
            "run": null, "predicted": null, "sort": "source"}});
        let (st, page, _) = call(&c, post.clone(), cmd("list_items"), &[("authorization", &a)], Some(query(Value::Null))).await;
        assert_eq!(st, StatusCode::OK, "{page}");
        for item in page["items"].as_array().expect("items") {
            assert!(item["label"].is_null() && item["finalLabel"].is_null() && item["review"].is_null(), "{item}");
        }
        let (_, filtered, _) = call(&c, post.clone(), cmd("list_items"), &[("authorization", &a)], Some(query(json!("class_0")))).await;
        assert_eq!(filtered["total"], page["total"], "the label filter is ignored for an annotator");
        let (_, one, _) = call(&c, post.clone(), cmd("get_item"), &[("authorization", &a)], Some(json!({"rowid": wine_row}))).await;
        assert!(one["label"].is_null() && one["labelsHidden"] == true, "{one}");
        // Nor by naming a lead as the viewer.
        let (st, v, _) = call(&c, post.clone(), cmd("get_item"), &[("authorization", &a)], Some(json!({"rowid": wine_row, "viewer": "lea"}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
        let (_, lead_page, _) = call(&c, post.clone(), cmd("list_items"), &[("authorization", &l)], Some(query(json!("class_0")))).await;
        assert_eq!(lead_page["items"][0]["label"], "class_0", "{lead_page}");
        assert!(lead_page["total"].as_u64() < page["total"].as_u64());
        long_write.await.expect("join").expect("the long job");
        // The report's agreement was recorded by the writer once it was free (a job queued
        // after the long one, so this write waits for it).
        s.db.write(|_| Ok(())).await.expect("after the history");
        let (st, v, _) = call(&c, post.clone(), cmd("agreement_history"), &[("authorization", &l)], None).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v.as_array().map(Vec::len), Some(history_before + 1), "{v}");
        // The host's own commands, desktop-only ones and unknown names.
        for (name, code, status) in [
            ("open_project", "desktop_only", StatusCode::BAD_REQUEST),
            ("recent_projects", "desktop_only", StatusCode::BAD_REQUEST),
            ("pick_folder", "desktop_only", StatusCode::BAD_REQUEST),
            ("start_run", "desktop_only", StatusCode::BAD_REQUEST),
            ("no_such_command", "not_found", StatusCode::NOT_FOUND),
        ] {
            let (st, v, _) = call(&c, post.clone(), cmd(name), &[("authorization", &l)], Some(json!({}))).await;
            assert_eq!((st, v["code"].as_str()), (status, Some(code)), "{name}: {v}");
        }
        // Media: inside the dataset's folder only; anything else is a 404.
        let (st, mime) = image(&c, &u(&format!("/media/{}", rowids[0])), &a).await;
        assert_eq!((st, mime.as_str()), (StatusCode::OK, "image/png"));
        let (st, mime) = image(&c, &u(&format!("/thumb/{}", rowids[1])), &a).await;
        assert_eq!(st, StatusCode::OK, "{mime}");
        for path in [
            format!("/media/{}", rowids[2]),
            format!("/thumb/{}", rowids[2]),
            format!("/media/{wine_row}"),
            "/media/..%2F..%2Fetc%2Fhostname".to_string(),
            "/media/%2e%2e".to_string(),
            "/media//etc/hostname".to_string(),
            "/media/../../etc/hostname".to_string(),
            "/media/99999".to_string(),
        ] {
            assert_eq!(raw_status(&s.url, &path, &a).await, 404, "{path}");
        }
        // Without a caller, no image.
        let r = c.get(u(&format!("/media/{}", rowids[0]))).send().await.expect("send");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        // The UI answers every path outside the API (it routes itself); the API's unknown
        // paths are JSON 404s.
        let root_page = c.get(u("/")).send().await.expect("/");
        let status = root_page.status();
        let index = root_page.text().await.expect("text");
        let signin = c.get(u("/signin")).send().await.expect("/signin");
        assert_eq!(signin.status(), status);
        assert_eq!(signin.text().await.expect("text"), index);
        let (st, v, _) = call(&c, reqwest::Method::GET, u("/api/nothing"), &[], None).await;
        assert_eq!((st, v["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    });
}

/// The next SSE event's data (JSON) from a streaming response; comments (keep-alives) skipped.
async fn next_event(r: &mut reqwest::Response, buf: &mut String) -> Value {
    loop {
        if let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let data: String = block
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            if !data.is_empty() {
                return serde_json::from_str(&data).expect("event JSON");
            }
            continue;
        }
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), r.chunk())
            .await
            .unwrap_or_else(|_| panic!("no event within 10 s; so far: {buf:?}"))
            .expect("chunk")
            .expect("the stream goes on");
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[test]
fn listeners_see_who_is_connected_and_what_changed() {
    let d = tempfile::tempdir().expect("tmp");
    let root = project(d.path(), 1);
    let ana = invite(&root, "ana", None);
    let bob = invite(&root, "bob", None);
    let s = Server::start(&root);
    let c = reqwest::Client::new();
    let url = s.url.clone();
    s.rt.block_on(async {
        let r = c
            .get(format!("{url}/api/events"))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "no caller, no stream");
        let mut r = c
            .get(format!("{url}/api/events"))
            .header("authorization", format!("Bearer {ana}"))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "text/event-stream");
        let mut buf = String::new();
        let first = next_event(&mut r, &mut buf).await;
        assert_eq!(first["type"], "presence");
        assert_eq!(
            first["people"],
            json!([{"annotator": "ana", "role": "annotator", "connections": 1}])
        );
        // Bob connects too, then claims and labels: ana's stream hears each.
        let mut rb = c
            .get(format!("{url}/api/events"))
            .header("authorization", format!("Bearer {bob}"))
            .send()
            .await
            .expect("send");
        let mut seen = Vec::new();
        while seen
            .last()
            .map(|e: &Value| e["people"].as_array().map(Vec::len))
            != Some(Some(2))
        {
            seen.push(next_event(&mut r, &mut buf).await);
        }
        let auth = format!("Bearer {bob}");
        let (_, v, _) = call(
            &c,
            reqwest::Method::POST,
            format!("{url}/api/v1/queues/q/next"),
            &[("authorization", &auth)],
            Some(json!({"n": 1})),
        )
        .await;
        let item = v["items"][0]["item_id"].as_str().expect("item").to_string();
        let (st, _, _) = call(
            &c,
            reqwest::Method::POST,
            format!("{url}/api/v1/annotations"),
            &[("authorization", &auth)],
            Some(json!({"item_id": item, "queue": "q", "label": "class_2"})),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED);
        let claims = next_event(&mut r, &mut buf).await;
        assert_eq!(
            claims,
            json!({"type": "changed", "by": "bob", "what": "claims"})
        );
        let saved = next_event(&mut r, &mut buf).await;
        assert_eq!(
            saved,
            json!({"type": "changed", "by": "bob", "what": "annotations"})
        );
        // A command that changes the project is heard; one that reads is not.
        let (st, _, _) = call(
            &c,
            reqwest::Method::POST,
            format!("{url}/api/commands/list_queues"),
            &[("authorization", &auth)],
            None,
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        let (st, v, _) = call(
            &c,
            reqwest::Method::POST,
            format!("{url}/api/commands/undo"),
            &[("authorization", &auth)],
            Some(json!({"annotator": "bob", "queue": null})),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let undone = next_event(&mut r, &mut buf).await;
        assert_eq!(
            undone,
            json!({"type": "changed", "by": "bob", "what": "undo"})
        );
        // Bob leaves: ana hears that only she is left.
        drop(rb.chunk().await);
        drop(rb);
        let mut left = next_event(&mut r, &mut buf).await;
        while left["type"] != "presence" {
            left = next_event(&mut r, &mut buf).await;
        }
        assert_eq!(
            left["people"],
            json!([{"annotator": "ana", "role": "annotator", "connections": 1}])
        );
    });
}

/// A run started by another process (here another connection, as `arbiter predict` or the
/// desktop app would) shows on every listener's stream: its progress while it runs, then its
/// end and a `changed … runs`.
#[test]
fn listeners_follow_an_inference_run_started_elsewhere() {
    let d = tempfile::tempdir().expect("tmp");
    let root = project(d.path(), 1);
    let ana = invite(&root, "ana", None);
    let s = Server::start(&root);
    let c = reqwest::Client::new();
    let url = s.url.clone();
    let (paused, pause) = std::sync::mpsc::channel::<u64>();
    let (go_on, resume) = std::sync::mpsc::channel::<()>();
    let runner = {
        let root = root.clone();
        std::thread::spawn(move || {
            let mut p = Project::open(&root).expect("open");
            let mut first = true;
            arbiter_core::predict::predict(
                &mut p,
                &arbiter_core::predict::PredictOptions {
                    model: "wine_forest".into(),
                    dataset: "wine".into(),
                    batch_size: 16,
                    device: arbiter_core::model::runtime::Device::Cpu,
                    resume: None,
                    decode: None,
                    cuda: Default::default(),
                },
                &mut |progress| {
                    // Hold the run after its first batch until the listener saw it.
                    if first && progress.done > 0 {
                        first = false;
                        paused.send(progress.done).expect("paused");
                        resume.recv().expect("resume");
                    }
                },
                &AtomicBool::new(false),
            )
            .expect("run")
        })
    };
    s.rt.block_on(async {
        let mut r = c
            .get(format!("{url}/api/events"))
            .header("authorization", format!("Bearer {ana}"))
            .send()
            .await
            .expect("send");
        let mut buf = String::new();
        assert_eq!(next_event(&mut r, &mut buf).await["type"], "presence");
        let done_at_pause = tokio::task::spawn_blocking(move || pause.recv().expect("pause"))
            .await
            .expect("join");
        let mut job = next_event(&mut r, &mut buf).await;
        while job["type"] != "job" {
            job = next_event(&mut r, &mut buf).await;
        }
        assert_eq!(job["kind"], "run");
        assert_eq!(job["status"], "running", "{job}");
        assert_eq!(job["model"], "wine_forest@1", "{job}");
        assert_eq!(job["dataset"], "wine@1", "{job}");
        assert_eq!(job["total"], 178, "{job}");
        let done = job["done"].as_u64().expect("done");
        assert!(done > 0 && done <= done_at_pause && done < 178, "{job}");
        go_on.send(()).expect("go on");
        let mut end = next_event(&mut r, &mut buf).await;
        while end["type"] == "job" && end["status"] == "running" {
            end = next_event(&mut r, &mut buf).await;
        }
        assert_eq!(end["type"], "job", "{end}");
        assert_eq!(end["status"], "done", "{end}");
        assert_eq!(end["done"], 178, "{end}");
        assert_eq!(
            next_event(&mut r, &mut buf).await,
            json!({"type": "changed", "by": "", "what": "runs"})
        );
    });
    let summary = runner.join().expect("runner");
    assert_eq!(summary.items, 178);
}
