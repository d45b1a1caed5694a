//! `arbiter serve` over HTTPS: the options, the https URL and fingerprint it prints (the same
//! across restarts with --tls-self-signed), and the messages for unusable certificate files;
//! and `--dev`, for developing the web UI.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Stdio};

use super::*;

/// A running `arbiter serve` (and its stdout), killed when dropped.
struct Serving(Child, BufReader<ChildStdout>);

impl Serving {
    /// The next line the server printed.
    fn line(&mut self) -> String {
        let mut line = String::new();
        self.1.read_line(&mut line).expect("a line");
        line
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `arbiter serve` with `args`; its first line on stdout, and the process.
fn serve(p: &str, args: &[&str]) -> (String, Serving) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_arbiter"))
        .args(["--project", p, "serve"])
        .args(args)
        .env_remove("ARBITER_PROJECT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut s = Serving(child, out);
    (s.line(), s)
}

/// What the server wrote on stderr until it was killed.
fn stderr_of(mut s: Serving) -> String {
    let _ = s.0.kill();
    let _ = s.0.wait();
    let mut err = String::new();
    if let Some(mut e) = s.0.stderr.take() {
        e.read_to_string(&mut err).expect("stderr");
    }
    err
}

#[test]
fn serve_with_a_self_signed_certificate_prints_its_https_url_and_fingerprint() {
    let (_d, p) = new_project(None);
    let token = ok_json(&["--json", "--project", &p, "invite", "ana"])["token"]
        .as_str()
        .expect("token")
        .to_string();
    let (line, server) = serve(
        &p,
        &["--json", "--bind", "127.0.0.1:0", "--tls-self-signed"],
    );
    let doc: Value = serde_json::from_str(&line).expect(&line);
    let url = doc["url"].as_str().expect("url").to_string();
    let printed = doc["tls_fingerprint"].as_str().expect("tls_fingerprint");
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    // The server presents the certificate whose fingerprint was printed; a client trusting it
    // reaches the API.
    let pem = std::fs::read(Path::new(&p).join(".arbiter-cache/tls/cert.pem")).expect("cert");
    let c = reqwest::blocking::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem"))
        .tls_info(true)
        .build()
        .expect("client");
    let r = c
        .get(format!("{url}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .expect("https");
    assert_eq!(r.status().as_u16(), 200);
    let served = r
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|i| i.peer_certificate())
        .expect("peer certificate")
        .to_vec();
    assert_eq!(printed, arbiter_server::tls::fingerprint(&served));
    // An invitation made while it serves links to it (https), not to the default address;
    // once it stops (killed here), to the default again.
    let link = ok_json(&["--json", "--project", &p, "invite", "ben"])["url"]
        .as_str()
        .expect("url")
        .to_string();
    assert!(
        link.starts_with(&format!("{url}/")),
        "{link} is not under {url}"
    );
    drop(server);
    let link = ok_json(&["--json", "--project", &p, "invite", "cy"])["url"]
        .as_str()
        .expect("url")
        .to_string();
    assert!(link.starts_with("http://127.0.0.1:8765/"), "{link}");
    // Restarted: the same certificate, and the human form shows the fingerprint too.
    let (first, mut server) = serve(&p, &["--bind", "127.0.0.1:0", "--tls-self-signed"]);
    assert!(first.contains("at https://127.0.0.1:"), "{first}");
    let (heading, shown) = (server.line(), server.line());
    assert!(heading.contains("SHA-256 fingerprint"), "{heading}");
    assert_eq!(shown.trim(), printed);
}

#[test]
fn the_no_tls_warning_is_printed_only_without_tls() {
    let (_d, p) = new_project(None);
    let (line, server) = serve(&p, &["--bind", "0.0.0.0:0", "--tls-self-signed"]);
    let port = line.trim().rsplit(':').next().expect("port").to_string();
    // All addresses: the URL names the machine, as its certificate does.
    let host = arbiter_server::tls::hostname().unwrap_or_else(|| "0.0.0.0".into());
    assert!(line.contains(&format!("https://{host}:")), "{line}");
    // Once the server answers (plain HTTP gets its 400), any warning has been printed.
    let r = reqwest::blocking::get(format!("http://127.0.0.1:{port}/")).expect("answered");
    assert_eq!(r.status().as_u16(), 400);
    let err = stderr_of(server);
    assert!(!err.contains("without TLS"), "{err}");
    let (line, mut server) = serve(&p, &["--bind", "0.0.0.0:0"]);
    assert!(line.contains("http://0.0.0.0:"), "{line}");
    let mut warning = String::new();
    BufReader::new(server.0.stderr.take().expect("stderr"))
        .read_line(&mut warning)
        .expect("stderr");
    assert!(
        warning.contains("without TLS") && warning.contains("--tls-self-signed"),
        "{warning}"
    );
}

#[test]
fn serve_refuses_tls_options_and_files_it_cannot_use() {
    let (d, p) = new_project(None);
    let e = fails(&["--project", &p, "serve", "--tls-cert", "c.pem"]);
    assert!(e.contains("--tls-key"), "{e}");
    let e = fails(&["--project", &p, "serve", "--tls-key", "k.pem"]);
    assert!(e.contains("--tls-cert"), "{e}");
    let (doc, _) = fails_json(&[
        "--project",
        &p,
        "serve",
        "--tls-self-signed",
        "--tls-cert",
        "c.pem",
        "--tls-key",
        "k.pem",
    ]);
    assert_eq!(doc["error"]["code"], "usage", "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot be used with")),
        "{doc}"
    );
    // Files: missing, not PEM, a key of another certificate.
    let missing = d.path().join("missing.pem").to_string_lossy().into_owned();
    let (doc, status) = fails_json(&[
        "--project",
        &p,
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--tls-cert",
        &missing,
        "--tls-key",
        &missing,
    ]);
    let m = doc["error"]["message"].as_str().expect("message");
    assert_eq!(
        (doc["error"]["code"].as_str(), status),
        (Some("invalid_input"), 4)
    );
    assert!(m.contains(&missing) && m.contains("--tls-cert"), "{m}");
    let text = d.path().join("notes.txt");
    std::fs::write(&text, "not a certificate\n").expect("write");
    let text = text.to_string_lossy().into_owned();
    let a = d.path().join("a");
    let b = d.path().join("b");
    let names = arbiter_server::tls::machine_names("127.0.0.1".parse().expect("ip"));
    arbiter_server::tls::self_signed(&a, &names).expect("a");
    arbiter_server::tls::self_signed(&b, &names).expect("b");
    let cert_a = a.join("cert.pem").to_string_lossy().into_owned();
    let key_b = b.join("key.pem").to_string_lossy().into_owned();
    let e = fails(&[
        "--project",
        &p,
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--tls-cert",
        &text,
        "--tls-key",
        &key_b,
    ]);
    assert!(
        e.contains(&text) && e.contains("holds no PEM certificate"),
        "{e}"
    );
    let e = fails(&[
        "--project",
        &p,
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--tls-cert",
        &cert_a,
        "--tls-key",
        &key_b,
    ]);
    assert!(
        e.contains(&key_b) && e.contains(&cert_a) && e.contains("does not match"),
        "{e}"
    );
}

#[test]
fn serve_dev_signs_a_lead_and_an_annotator_in_through_the_vite_server_on_loopback_only() {
    let (_d, p) = new_project(None);
    let (line, server) = serve(&p, &["--json", "--bind", "127.0.0.1:0", "--dev"]);
    let doc: Value = serde_json::from_str(&line).expect(&line);
    let url = doc["url"].as_str().expect("url").to_string();
    assert_eq!(doc["dev"]["ui"], "http://localhost:1420");
    let c = reqwest::blocking::Client::new();
    for (who, role) in [("lead", "lead"), ("annotator", "annotator")] {
        let link = doc["dev"][who]["url"].as_str().expect("link");
        // The link opens the Vite dev server, which proxies /api to this server.
        assert!(
            link.starts_with("http://localhost:1420/signin#token="),
            "{link}"
        );
        let token = link.rsplit("#token=").next().expect("token");
        let r = c
            .post(format!("{url}/api/signin"))
            .json(&serde_json::json!({ "token": token }))
            .send()
            .expect("signin");
        assert_eq!(r.status().as_u16(), 200, "{who}");
        let me: Value = c
            .get(format!("{url}/api/v1/me"))
            .bearer_auth(doc["dev"][who]["token"].as_str().expect("token"))
            .send()
            .expect("me")
            .json()
            .expect("json");
        assert_eq!(me["role"], role, "{me}");
        assert_eq!(me["annotator"], format!("dev-{who}"));
    }
    drop(server);
    // A second start adds nobody: the same two people, with new links.
    let (line, server) = serve(&p, &["--bind", "127.0.0.1:0", "--dev"]);
    assert!(line.contains("for UI development"), "{line}");
    drop(server);
    let people = ok_json(&["--json", "--project", &p, "annotators", "list"]);
    let names: Vec<&str> = people
        .as_array()
        .expect("annotators")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(
        names.iter().filter(|n| n.starts_with("dev-")).count(),
        2,
        "{names:?}"
    );
    // Never beyond this machine, and nothing written when refused.
    let e = fails(&["--project", &p, "serve", "--dev", "--bind", "0.0.0.0:0"]);
    assert!(
        e.contains("--dev serves only this machine") && e.contains("127.0.0.1:0"),
        "{e}"
    );
    let e = fails(&["--project", &p, "serve", "--dev", "--tls-self-signed"]);
    assert!(e.contains("--tls-self-signed"), "{e}");
}

#[test]
fn a_port_already_in_use_is_an_io_error_naming_the_address() {
    let (_d, p) = new_project(None);
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = busy.local_addr().expect("addr").to_string();
    let (e, status) = fails_json(&["--project", &p, "serve", "--bind", &addr]);
    assert_eq!(e["error"]["code"], "io", "{e}");
    assert_eq!(status, 10);
    let msg = e["error"]["message"].as_str().expect("message");
    assert!(
        msg.contains(&format!("cannot listen on {addr}")) && msg.contains("another server"),
        "{msg}"
    );
}
