//! Embeds the built web UI (`ui/dist`, made by `npm run build` in `ui/`) into the server: a
//! generated table of (path, content type, bytes) included at compile time. Without a built UI
//! the table is empty and the server says how to build it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn mime(p: &Path) -> &'static str {
    match p.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let dist = manifest.join("../../ui/dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    let mut all = Vec::new();
    files(&dist, &mut all);
    for f in &all {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    let mut code = String::from("/// The built UI: (path from the root, content type, bytes).\npub static ASSETS: &[(&str, &str, &[u8])] = &[\n");
    for f in &all {
        let rel = f.strip_prefix(&dist).expect("inside dist");
        let web = format!("/{}", rel.to_string_lossy().replace('\\', "/"));
        let abs = f.canonicalize().expect("canonical");
        let _ = writeln!(
            code,
            "    ({web:?}, {:?}, include_bytes!({:?})),",
            mime(f),
            abs.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("out dir")).join("assets.rs");
    std::fs::write(out, code).expect("write assets.rs");
}
