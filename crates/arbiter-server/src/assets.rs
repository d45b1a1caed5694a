//! The web UI, embedded at build time (`build.rs`): its files by path, and `index.html` for
//! every other path that is not the API's (the UI routes itself, e.g. `/signin`).

use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The UI's file at `uri`, or its `index.html`.
pub async fn serve(uri: Uri) -> Response {
    let path = uri.path();
    let found = ASSETS
        .iter()
        .find(|(p, _, _)| *p == path)
        .or_else(|| ASSETS.iter().find(|(p, _, _)| *p == "/index.html"));
    match found {
        Some((p, mime, bytes)) => {
            let cache = if *p == "/index.html" {
                "no-cache"
            } else {
                "public, max-age=31536000, immutable"
            };
            (
                [(header::CONTENT_TYPE, *mime), (header::CACHE_CONTROL, cache)],
                *bytes,
            )
                .into_response()
        }
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "This server was built without its web UI: run `npm ci && npm run build` in ui/, then build Arbiter again. The API under /api works.",
        )
            .into_response(),
    }
}
