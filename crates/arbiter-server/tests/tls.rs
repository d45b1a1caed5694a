//! The server over real TLS on a loopback port: a self-signed certificate kept across restarts,
//! Secure cookies, plain HTTP refused, handshakes that do not hold each other up, and the
//! messages for certificate and key files that cannot be used.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use arbiter_core::access::{self, InviteOptions};
use arbiter_core::Project;
use arbiter_server::tls;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn project(dir: &Path) -> PathBuf {
    let root = dir.join("p");
    Project::create(&root, None, &[]).expect("create");
    root
}

fn invite(root: &Path, name: &str) -> String {
    let mut p = Project::open(root).expect("open");
    access::invite(
        &mut p,
        &InviteOptions {
            name: name.into(),
            role: None,
            expires: "1d".into(),
            base_url: "https://127.0.0.1:8765".into(),
        },
    )
    .expect("invite")
    .token
}

fn cache(root: &Path) -> PathBuf {
    root.join(".arbiter-cache/tls")
}

fn loopback() -> std::collections::BTreeSet<String> {
    tls::machine_names("127.0.0.1".parse().expect("ip"))
}

/// The HTTPS server on a free loopback port, on a runtime of its own.
struct Server {
    port: u16,
    rt: tokio::runtime::Runtime,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    fn start(root: &Path, id: &tls::Identity) -> Server {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let db = arbiter_server::db::Db::open(root, 2).expect("db");
        let config = id.server_config().expect("config");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let done = rt.spawn(tls::serve(
            arbiter_server::Shared::new(db, true),
            listener,
            config,
            async {
                let _ = stopped.await;
            },
        ));
        Server {
            port,
            rt,
            stop: Some(stop),
            done: Some(done),
        }
    }

    fn https(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// A client trusting only `cert_pem`.
fn client(cert_pem: &[u8]) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem).expect("pem"))
        .tls_info(true)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

#[test]
fn a_self_signed_server_answers_over_tls_with_secure_cookies_and_refuses_plain_http() {
    let d = tempfile::tempdir().expect("tmp");
    let root = project(d.path());
    let ana = invite(&root, "ana");
    let bob = invite(&root, "bob");
    let id = tls::self_signed(&cache(&root), &loopback()).expect("self-signed");
    assert!(id.fresh);
    assert_eq!(id.validity_warning(), None);
    let pem = std::fs::read(cache(&root).join("cert.pem")).expect("cert.pem");
    let s = Server::start(&root, &id);
    let c = client(&pem);
    s.rt.block_on(async {
        // A bearer token over HTTPS; the certificate served is the one whose fingerprint
        // `arbiter serve` prints.
        let r = c
            .get(s.https("/api/v1/me"))
            .bearer_auth(&ana)
            .send()
            .await
            .expect("https");
        assert_eq!(r.status(), StatusCode::OK);
        let served = r
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(|i| i.peer_certificate())
            .expect("peer certificate")
            .to_vec();
        assert_eq!(tls::fingerprint(&served), id.fingerprint());
        assert_eq!(id.fingerprint().len(), 32 * 3 - 1);
        assert!(id
            .fingerprint()
            .bytes()
            .all(|b| b == b':' || b.is_ascii_hexdigit() && !b.is_ascii_lowercase()));
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["annotator"], "ana");
        // The same over 127.0.0.1 (the certificate names the address too).
        let r = c
            .get(format!("https://127.0.0.1:{}/api/v1/me", s.port))
            .bearer_auth(&ana)
            .send()
            .await
            .expect("https by address");
        assert_eq!(r.status(), StatusCode::OK);
        // A sign-in link's session cookie carries Secure.
        let r = c
            .post(s.https("/api/signin"))
            .json(&json!({"token": bob}))
            .send()
            .await
            .expect("signin");
        assert_eq!(r.status(), StatusCode::OK);
        let cookie = r.headers()["set-cookie"].to_str().expect("cookie");
        assert!(
            cookie.contains("; Secure") && cookie.contains("HttpOnly"),
            "{cookie}"
        );
        // A client that does not trust the certificate gets no answer.
        let untrusting = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("client");
        assert!(untrusting
            .get(s.https("/api/v1/me"))
            .bearer_auth(&ana)
            .send()
            .await
            .is_err());
        // Plain HTTP to the TLS port: a 400 naming https, and nothing of the API.
        let r = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{}/api/v1/me", s.port))
            .bearer_auth(&ana)
            .send()
            .await
            .expect("plain http answered");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let text = r.text().await.expect("text");
        assert!(text.contains("https://") && !text.contains("ana"), "{text}");
    });
}

#[test]
fn a_silent_client_does_not_hold_up_the_handshakes_of_others() {
    let d = tempfile::tempdir().expect("tmp");
    let root = project(d.path());
    let ana = invite(&root, "ana");
    let id = tls::self_signed(&cache(&root), &loopback()).expect("self-signed");
    let pem = std::fs::read(cache(&root).join("cert.pem")).expect("cert.pem");
    let s = Server::start(&root, &id);
    let c = client(&pem);
    s.rt.block_on(async {
        // Connections that never send a ClientHello (and one that stops halfway).
        let mut silent = Vec::new();
        for _ in 0..3 {
            silent.push(
                tokio::net::TcpStream::connect(("127.0.0.1", s.port))
                    .await
                    .expect("connect"),
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let t = Instant::now();
        let r = c
            .get(s.https("/api/v1/me"))
            .bearer_auth(&ana)
            .send()
            .await
            .expect("answered while others are silent");
        assert_eq!(r.status(), StatusCode::OK);
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
        drop(silent);
    });
}

#[test]
fn shutting_down_finishes_the_request_in_flight_and_closes_the_port() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let d = tempfile::tempdir().expect("tmp");
    let root = project(d.path());
    let bob = invite(&root, "bob");
    let id = tls::self_signed(&cache(&root), &loopback()).expect("self-signed");
    let mut s = Server::start(&root, &id);
    let port = s.port;
    let done = s.done.take().expect("task");
    let stop = s.stop.take().expect("stop");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(id.chain[0].clone()).expect("root");
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    s.rt.block_on(async {
        // A sign-in whose body is half sent when the shutdown comes…
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        let mut conn = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
            .connect("localhost".try_into().expect("name"), tcp)
            .await
            .expect("handshake");
        let body = json!({ "token": bob }).to_string();
        let (first, rest) = body.split_at(body.len() / 2);
        let head = format!(
            "POST /api/signin HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{first}",
            body.len()
        );
        conn.write_all(head.as_bytes()).await.expect("head");
        conn.flush().await.expect("flush");
        tokio::time::sleep(Duration::from_millis(200)).await;
        stop.send(()).expect("stop");
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!done.is_finished(), "the server waits for the request in flight");
        // …is answered in full, then the server stops.
        conn.write_all(rest.as_bytes()).await.expect("rest");
        conn.flush().await.expect("flush");
        let mut response = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), conn.read_to_end(&mut response))
            .await
            .expect("the response");
        let response = String::from_utf8_lossy(&response);
        assert!(
            response.starts_with("HTTP/1.1 200") && response.contains("\"annotator\":\"bob\""),
            "{response}"
        );
        let result = tokio::time::timeout(Duration::from_secs(10), done)
            .await
            .expect("the server stops")
            .expect("task");
        assert!(result.is_ok(), "{result:?}");
        // The accept loop ended with the server: the port is closed.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err());
    });
}

#[test]
fn the_self_signed_certificate_is_kept_across_restarts_and_renewed_when_needed() {
    let d = tempfile::tempdir().expect("tmp");
    let dir = d.path().join("tls");
    let first = tls::self_signed(&dir, &loopback()).expect("first");
    let again = tls::self_signed(&dir, &loopback()).expect("again");
    assert!(first.fresh && !again.fresh);
    assert_eq!(first.fingerprint(), again.fingerprint());
    let names = std::fs::read_to_string(dir.join("names.txt")).expect("names");
    for n in ["localhost", "127.0.0.1", "::1"] {
        assert!(names.lines().any(|l| l == n), "{names}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("key.pem"))
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the key is the owner's only: {mode:o}");
    }
    // Another bind address: a certificate that covers it and the old names; going back keeps it.
    let lan = tls::machine_names("192.0.2.7".parse().expect("ip"));
    let wider = tls::self_signed(&dir, &lan).expect("wider");
    assert!(wider.fresh);
    assert_ne!(wider.fingerprint(), first.fingerprint());
    let back = tls::self_signed(&dir, &loopback()).expect("back");
    assert!(!back.fresh);
    assert_eq!(back.fingerprint(), wider.fingerprint());
    // A missing key, or an expired certificate: made anew.
    std::fs::remove_file(dir.join("key.pem")).expect("rm");
    let remade = tls::self_signed(&dir, &loopback()).expect("remade");
    assert!(remade.fresh);
    let (cert, key) = expired_pair();
    std::fs::write(dir.join("cert.pem"), cert).expect("cert");
    std::fs::write(dir.join("key.pem"), key).expect("key");
    let renewed = tls::self_signed(&dir, &loopback()).expect("renewed");
    assert!(renewed.fresh);
    assert_eq!(renewed.validity_warning(), None);
}

/// A certificate for localhost that expired in 2021, and its key.
fn expired_pair() -> (String, String) {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).expect("params");
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = params.self_signed(&key).expect("cert");
    (cert.pem(), key.serialize_pem())
}

fn pair() -> (rcgen::Certificate, rcgen::KeyPair) {
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
        .expect("params")
        .self_signed(&key)
        .expect("cert");
    (cert, key)
}

fn load_error(cert: &Path, key: &Path) -> String {
    match tls::load(cert, key) {
        Ok(_) => panic!("{} and {} were accepted", cert.display(), key.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn certificate_and_key_files_that_cannot_be_used_are_refused_naming_the_file() {
    let d = tempfile::tempdir().expect("tmp");
    let f = |name: &str, bytes: &[u8]| {
        let p = d.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        p
    };
    let (cert, key) = pair();
    let (_, other_key) = pair();
    let cert_pem = f("cert.pem", cert.pem().as_bytes());
    let key_pem = f("key.pem", key.serialize_pem().as_bytes());
    let other = f("other.pem", other_key.serialize_pem().as_bytes());
    let missing = d.path().join("missing.pem");
    let s = |p: &Path| p.display().to_string();

    let ok = tls::load(&cert_pem, &key_pem).expect("a matching pair");
    assert_eq!(ok.fingerprint(), tls::fingerprint(cert.der()));
    assert_eq!(ok.validity_warning(), None);

    let e = load_error(&missing, &key_pem);
    assert!(
        e.contains(&s(&missing)) && e.contains("--tls-cert") && e.contains("No such file"),
        "{e}"
    );
    let e = load_error(&cert_pem, &missing);
    assert!(e.contains(&s(&missing)) && e.contains("--tls-key"), "{e}");
    let text = f("notes.txt", b"hello, not a certificate\n");
    let e = load_error(&text, &key_pem);
    assert!(
        e.contains(&s(&text)) && e.contains("holds no PEM certificate"),
        "{e}"
    );
    let der = f("cert.der", cert.der());
    let e = load_error(&der, &key_pem);
    assert!(
        e.contains(&s(&der)) && e.contains("openssl x509 -inform der"),
        "{e}"
    );
    let e = load_error(&key_pem, &cert_pem);
    assert!(
        e.contains(&s(&key_pem)) && e.contains("swap --tls-cert and --tls-key"),
        "{e}"
    );
    let e = load_error(&cert_pem, &text);
    assert!(
        e.contains(&s(&text)) && e.contains("holds no PEM private key"),
        "{e}"
    );
    let encrypted = f(
        "enc.pem",
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    );
    let e = load_error(&cert_pem, &encrypted);
    assert!(e.contains(&s(&encrypted)) && e.contains("encrypted"), "{e}");
    let e = load_error(&cert_pem, &other);
    assert!(
        e.contains(&s(&other))
            && e.contains(&s(&cert_pem))
            && e.contains("does not match the certificate"),
        "{e}"
    );
    // An expired certificate loads, with a warning naming it and the date.
    let (expired_cert, expired_key) = expired_pair();
    let old = f("old.pem", expired_cert.as_bytes());
    let old_key = f("old-key.pem", expired_key.as_bytes());
    let w = tls::load(&old, &old_key)
        .expect("an expired pair loads")
        .validity_warning()
        .expect("a warning");
    assert!(
        w.contains(&s(&old)) && w.contains("expired on 2021-01-01"),
        "{w}"
    );
}
