//! Errors answered as the caller can read them: a browser gets a page in its language (with a
//! title and a way back), an API client the JSON envelope. The pages (`web`) render the page;
//! they hand their renderer over as app data, so `server` and `http` need not know them.

use actix_web::http::header::ACCEPT;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use crate::error::AppError;

/// Renders an error as an HTML page (registered by the app as `web::Data<ErrorPages>`).
#[derive(Clone, Copy)]
pub struct ErrorPages(pub fn(&HttpRequest, &AppError) -> HttpResponse);

/// A browser navigating asks for `text/html`; `fetch`, curl and API clients do not.
pub fn wants_html(req: &HttpRequest) -> bool {
    req.headers().get_all(ACCEPT).filter_map(|v| v.to_str().ok()).any(|v| v.contains("text/html"))
}

/// The error as a page for a browser (when the app has pages), else as the JSON envelope.
pub fn answer(req: &HttpRequest, error: &AppError) -> HttpResponse {
    match req.app_data::<web::Data<ErrorPages>>() {
        Some(pages) if wants_html(req) => (pages.0)(req, error),
        _ => error.error_response(),
    }
}
