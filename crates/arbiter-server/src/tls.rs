//! HTTPS for `arbiter serve`: the certificate (PEM files given by the user, or a self-signed one
//! made for this machine and kept in `<project>/.arbiter-cache/tls/`), its SHA-256 fingerprint,
//! and a listener that does TLS handshakes off the accept loop (rustls with the ring provider).
//!
//! A slow or silent client never holds up other connections: each handshake runs in its own
//! task, bounded in time and in number; a plain-HTTP request to the TLS port gets a 400 naming
//! the `https://` scheme instead of a reset.

use std::collections::BTreeSet;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
pub use rustls::ServerConfig;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// A handshake not finished by then closes its connection.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes in progress at once; more connections wait in the kernel's backlog.
const MAX_HANDSHAKES: usize = 256;
/// A self-signed certificate lasts this long (Apple's clients refuse more than 825 days)…
const SELF_SIGNED_DAYS: i64 = 365;
/// …and is made anew when it has less than this left.
const RENEW_BEFORE_DAYS: i64 = 7;

/// Why the server cannot serve HTTPS.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS certificate {}: {source}; give --tls-cert a readable PEM file (or use --tls-self-signed)", path.display())]
    ReadCert { path: PathBuf, source: io::Error },
    #[error("cannot read the TLS key {}: {source}; give --tls-key the certificate's private key as a readable PEM file", path.display())]
    ReadKey { path: PathBuf, source: io::Error },
    #[error("{} holds no PEM certificate (a block starting -----BEGIN CERTIFICATE-----){hint}", path.display())]
    NotPemCert { path: PathBuf, hint: &'static str },
    #[error("{} holds no PEM private key (a block starting -----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY){hint}", path.display())]
    NotPemKey { path: PathBuf, hint: &'static str },
    #[error("{} is not valid PEM ({source}); give the file as its issuer sent it, in PEM form", path.display())]
    BadPem { path: PathBuf, source: pem::Error },
    #[error("the certificate in {} cannot be read ({detail}); give --tls-cert an X.509 server certificate in PEM form", path.display())]
    BadCert { path: PathBuf, detail: String },
    #[error("the key in {} cannot be used ({detail}); give --tls-key an RSA, ECDSA (P-256/P-384) or Ed25519 private key in PEM form", path.display())]
    BadKey { path: PathBuf, detail: String },
    #[error("the key in {} does not match the certificate in {}: give --tls-key the private key the certificate was made for", key.display(), cert.display())]
    KeyMismatch { cert: PathBuf, key: PathBuf },
    #[error("cannot keep the self-signed certificate in {}: {source}; check that the project folder is writable", dir.display())]
    Cache { dir: PathBuf, source: io::Error },
    #[error("cannot make a self-signed certificate: {0}")]
    Generate(String),
}

/// A certificate chain and its private key, ready to serve.
pub struct Identity {
    /// The leaf first, then the intermediates (as the file lists them).
    pub chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    /// Where the certificate came from (shown in warnings).
    pub cert_path: PathBuf,
    /// The leaf's validity period, when it could be read.
    pub not_before: Option<jiff::Timestamp>,
    pub not_after: Option<jiff::Timestamp>,
    /// A self-signed certificate made at this start (not found in the cache).
    pub fresh: bool,
}

impl Identity {
    /// The leaf certificate's SHA-256 fingerprint, `AA:BB:…` (what browsers show).
    pub fn fingerprint(&self) -> String {
        self.chain
            .first()
            .map_or_else(String::new, |c| fingerprint(c))
    }

    /// A warning when the leaf is expired or not yet valid (clients will refuse it).
    pub fn validity_warning(&self) -> Option<String> {
        let now = jiff::Timestamp::now();
        let path = self.cert_path.display();
        if let Some(end) = self.not_after.filter(|end| *end < now) {
            return Some(format!(
                "the certificate {path} expired on {end}: browsers and scripts will refuse it; renew it (or use --tls-self-signed)"
            ));
        }
        if let Some(start) = self.not_before.filter(|start| *start > now) {
            return Some(format!(
                "the certificate {path} is not valid before {start}: clients will refuse it until then (is this machine's clock right?)"
            ));
        }
        None
    }

    /// The rustls configuration serving this identity over HTTP/1.1.
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Generate(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), self.key.clone_key())
            .map_err(|e| TlsError::BadCert {
                path: self.cert_path.clone(),
                detail: e.to_string(),
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// SHA-256 of a certificate's DER, as colon-separated upper-case hex pairs.
pub fn fingerprint(cert: &[u8]) -> String {
    Sha256::digest(cert)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Load a PEM certificate chain and its private key, checking that they belong together.
pub fn load(cert: &Path, key: &Path) -> Result<Identity, TlsError> {
    let cert_pem = std::fs::read(cert).map_err(|source| TlsError::ReadCert {
        path: cert.to_path_buf(),
        source,
    })?;
    let key_pem = std::fs::read(key).map_err(|source| TlsError::ReadKey {
        path: key.to_path_buf(),
        source,
    })?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsError::BadPem {
            path: cert.to_path_buf(),
            source,
        })?;
    if chain.is_empty() {
        let hint = if PrivateKeyDer::from_pem_slice(&cert_pem).is_ok() {
            ": it holds a private key; did you swap --tls-cert and --tls-key?"
        } else if cert_pem.first() == Some(&0x30) {
            ": it looks like DER; convert it with `openssl x509 -inform der -in FILE -out cert.pem`"
        } else {
            ""
        };
        return Err(TlsError::NotPemCert {
            path: cert.to_path_buf(),
            hint,
        });
    }
    let private = match PrivateKeyDer::from_pem_slice(&key_pem) {
        Ok(k) => k,
        Err(pem::Error::NoItemsFound) => {
            let text = String::from_utf8_lossy(&key_pem);
            let hint = if text.contains("ENCRYPTED") {
                ": it is encrypted; decrypt it with `openssl pkey -in FILE -out key.pem`"
            } else if text.contains("-----BEGIN CERTIFICATE-----") {
                ": it holds a certificate; did you swap --tls-cert and --tls-key?"
            } else {
                ""
            };
            return Err(TlsError::NotPemKey {
                path: key.to_path_buf(),
                hint,
            });
        }
        Err(source) => {
            return Err(TlsError::BadPem {
                path: key.to_path_buf(),
                source,
            })
        }
    };
    let provider = rustls::crypto::ring::default_provider();
    let signer = provider
        .key_provider
        .load_private_key(private.clone_key())
        .map_err(|e| TlsError::BadKey {
            path: key.to_path_buf(),
            detail: e.to_string(),
        })?;
    match rustls::sign::CertifiedKey::new(chain.clone(), signer).keys_match() {
        Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {}
        Err(rustls::Error::InconsistentKeys(_)) => {
            return Err(TlsError::KeyMismatch {
                cert: cert.to_path_buf(),
                key: key.to_path_buf(),
            })
        }
        Err(e) => {
            return Err(TlsError::BadCert {
                path: cert.to_path_buf(),
                detail: e.to_string(),
            })
        }
    }
    let (not_before, not_after) = match validity(&chain[0]) {
        Some((a, b)) => (Some(a), Some(b)),
        None => (None, None),
    };
    Ok(Identity {
        chain,
        key: private,
        cert_path: cert.to_path_buf(),
        not_before,
        not_after,
        fresh: false,
    })
}

/// The names a self-signed certificate for this machine covers: localhost, the loopback
/// addresses, `bind` when it is a specific address, and the hostname (and `<hostname>.local`).
pub fn machine_names(bind: IpAddr) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = ["localhost", "127.0.0.1", "::1"]
        .into_iter()
        .map(String::from)
        .collect();
    if !bind.is_unspecified() {
        names.insert(bind.to_string());
    }
    if let Some(host) = hostname() {
        if !host.contains('.') {
            names.insert(format!("{host}.local"));
        }
        names.insert(host);
    }
    names
}

/// This machine's hostname (lower case), when it is a usable DNS name other than localhost.
pub fn hostname() -> Option<String> {
    let host = gethostname::gethostname().to_string_lossy().to_lowercase();
    let valid = !host.is_empty()
        && host.len() <= 253
        && host != "localhost"
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    valid.then_some(host)
}

/// The self-signed certificate kept in `dir` when it is valid for at least a week more and
/// covers `names`; otherwise a new one (covering `names` and what the old one covered), saved
/// there so that the fingerprint annotators checked stays the same across restarts.
pub fn self_signed(dir: &Path, names: &BTreeSet<String>) -> Result<Identity, TlsError> {
    let (cert_path, key_path, names_path) = (
        dir.join("cert.pem"),
        dir.join("key.pem"),
        dir.join("names.txt"),
    );
    let now = jiff::Timestamp::now();
    let renew_at = now + jiff::SignedDuration::from_hours(24 * RENEW_BEFORE_DAYS);
    let kept: BTreeSet<String> = std::fs::read_to_string(&names_path)
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default();
    let mut all = names.clone();
    if let Ok(id) = load(&cert_path, &key_path) {
        let lasting = id.not_after.is_some_and(|end| end > renew_at)
            && id.not_before.is_some_and(|start| start <= now);
        if lasting && names.is_subset(&kept) {
            return Ok(id);
        }
        if lasting {
            all.extend(kept);
        }
    }
    let cache = |source| TlsError::Cache {
        dir: dir.to_path_buf(),
        source,
    };
    let generate = |e: rcgen::Error| TlsError::Generate(e.to_string());
    let mut params =
        rcgen::CertificateParams::new(all.iter().cloned().collect::<Vec<_>>()).map_err(generate)?;
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("Arbiter on {host}"));
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "Arbiter (self-signed)");
    params.is_ca = rcgen::IsCa::ExplicitNoCa;
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    let day = |t: jiff::Timestamp| {
        let d = t.to_zoned(jiff::tz::TimeZone::UTC).date();
        rcgen::date_time_ymd(i32::from(d.year()), d.month() as u8, d.day() as u8)
    };
    params.not_before = day(now - jiff::SignedDuration::from_hours(24));
    params.not_after = day(now + jiff::SignedDuration::from_hours(24 * SELF_SIGNED_DAYS));
    let key = rcgen::KeyPair::generate().map_err(generate)?;
    let cert = params.self_signed(&key).map_err(generate)?;
    std::fs::create_dir_all(dir).map_err(cache)?;
    write_private(&key_path, key.serialize_pem().as_bytes()).map_err(cache)?;
    std::fs::write(&cert_path, cert.pem()).map_err(cache)?;
    let listed: String = all.iter().map(|n| format!("{n}\n")).collect();
    std::fs::write(&names_path, listed).map_err(cache)?;
    let mut id = load(&cert_path, &key_path)?;
    id.fresh = true;
    Ok(id)
}

/// Write a file only its owner may read (the private key).
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let _ = std::fs::remove_file(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    io::Write::write_all(&mut options.open(path)?, bytes)
}

/// The certificate's validity period (notBefore, notAfter), read from its DER.
fn validity(cert: &[u8]) -> Option<(jiff::Timestamp, jiff::Timestamp)> {
    // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
    //   serialNumber INTEGER, signature SEQUENCE, issuer SEQUENCE, validity SEQUENCE, … } … }
    let (tag, cert, _) = der(cert)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, mut tbs, _) = der(cert)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, _, rest) = der(tbs)?;
    if tag == 0xA0 {
        tbs = rest;
    }
    for expected in [0x02, 0x30, 0x30] {
        let (tag, _, rest) = der(tbs)?;
        if tag != expected {
            return None;
        }
        tbs = rest;
    }
    let (tag, validity, _) = der(tbs)?;
    if tag != 0x30 {
        return None;
    }
    let (t1, start, rest) = der(validity)?;
    let (t2, end, _) = der(rest)?;
    Some((der_time(t1, start)?, der_time(t2, end)?))
}

/// One DER element: its tag, its content and what follows it.
fn der(buf: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = buf.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        rest = &rest[n..];
        len
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// A UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn der_time(tag: u8, text: &[u8]) -> Option<jiff::Timestamp> {
    let text = std::str::from_utf8(text).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 if text.len() == 12 => {
            let yy: i16 = text[..2].parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &text[2..])
        }
        0x18 if text.len() == 14 => (text[..4].parse().ok()?, &text[4..]),
        _ => return None,
    };
    let n = |i: usize| rest.get(i..i + 2)?.parse::<i8>().ok();
    jiff::civil::DateTime::new(year, n(0)?, n(2)?, n(4)?, n(6)?, n(8)?, 0)
        .ok()?
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// Accepts TCP connections and hands on those whose TLS handshake succeeded; the handshakes
/// run in their own tasks, so a slow one blocks no other accept.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Start accepting on `tcp` (within a Tokio runtime); stops when the listener is dropped.
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        tokio::spawn(accept_loop(tcp, TlsAcceptor::from(config), tx));
        Ok(TlsListener { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept loop ended (it does only when this listener is dropped).
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}

async fn accept_loop(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let handshakes = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let permit = tokio::select! {
            p = handshakes.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return,
            },
            () = tx.closed() => return,
        };
        let (stream, peer) = tokio::select! {
            r = tcp.accept() => match r {
                Ok(conn) => conn,
                Err(e) => {
                    // As axum does: a connection that failed is skipped; running out of file
                    // descriptors (or the like) pauses accepting for a moment.
                    if !matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionRefused
                            | io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                    ) {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    continue;
                }
            },
            () = tx.closed() => return,
        };
        let (acceptor, tx) = (acceptor.clone(), tx.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let handshake = async {
                if plain_http(&stream).await {
                    refuse_plain_http(stream).await;
                    return None;
                }
                acceptor.accept(stream).await.ok()
            };
            if let Ok(Some(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
                let _ = tx.send((tls, peer)).await;
            }
        });
    }
}

/// Whether the client's first byte starts an HTTP request rather than a TLS record (0x16).
async fn plain_http(stream: &TcpStream) -> bool {
    let mut first = [0u8; 1];
    matches!(stream.peek(&mut first).await, Ok(1) if first[0].is_ascii_uppercase())
}

/// Tell a plain-HTTP client to use https (nothing of the request is read or acted on).
async fn refuse_plain_http(mut stream: TcpStream) {
    let body = "This Arbiter server speaks HTTPS only: use https:// in the address.\n";
    let response = format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Serve over TLS on `listener` until `shutdown` completes; requests in flight finish first.
pub async fn serve(
    shared: Arc<crate::Shared>,
    listener: TcpListener,
    config: Arc<ServerConfig>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    // `tap_io` (doing nothing) gives the listener axum's `ConnectInfo<SocketAddr>`.
    let listener = TlsListener::new(listener, config)?.tap_io(|_| {});
    shared.watch();
    axum::serve(
        listener,
        crate::api::router(shared).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_is_read_from_the_der() {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).expect("params");
        params.not_before = rcgen::date_time_ymd(2020, 1, 2);
        params.not_after = rcgen::date_time_ymd(2051, 3, 4);
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("cert");
        let (a, b) = validity(cert.der()).expect("validity");
        assert_eq!(a.to_string(), "2020-01-02T00:00:00Z");
        assert_eq!(b.to_string(), "2051-03-04T00:00:00Z");
    }
}
