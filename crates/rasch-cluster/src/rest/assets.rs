//! Rasch's own dashboard: a page, three scripts and a style sheet (`dashboard/`), embedded in
//! the binary with `include_str!` and served at `/` and `/dashboard/…`, so it works offline and
//! needs no CDN.

use super::reply::not_found;
use axum::extract::Path;
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Response};

/// `GET /` and `/index.html`.
pub(super) async fn index() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], include_str!("dashboard/index.html")).into_response()
}

/// `GET /dashboard/:file`: one of the embedded scripts or the style sheet.
pub(super) async fn file(Path(name): Path<String>, uri: Uri) -> Response {
    let (kind, body) = match name.as_str() {
        "lib.js" => ("text/javascript; charset=utf-8", include_str!("dashboard/lib.js")),
        "job.js" => ("text/javascript; charset=utf-8", include_str!("dashboard/job.js")),
        "app.js" => ("text/javascript; charset=utf-8", include_str!("dashboard/app.js")),
        "app.css" => ("text/css; charset=utf-8", include_str!("dashboard/app.css")),
        _ => return not_found(uri).await,
    };
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}
