//! Rasch's own dashboard: a page, a script and a style sheet (`dashboard/`), embedded in the
//! binary with `include_str!` and served at `/`, so it works offline and needs no CDN.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// `GET /` and `/index.html`.
pub(super) async fn index() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], include_str!("dashboard/index.html")).into_response()
}

/// `GET /dashboard/app.js`.
pub(super) async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("dashboard/app.js")).into_response()
}

/// `GET /dashboard/app.css`.
pub(super) async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("dashboard/app.css")).into_response()
}
