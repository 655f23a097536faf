//! What every form of the pages shares. Forms post as multipart (the upload form carries a
//! file); a per-browser random value, in a SameSite=Strict cookie and in a hidden field, stops
//! other sites posting them (double submit), and an `Origin` from another site is refused too.

use actix_multipart::Multipart;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::{HOST, ORIGIN};
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;

use crate::error::AppError;

const CSRF_COOKIE: &str = "plantrack_csrf";

fn new_csrf_value() -> Result<String, AppError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The browser's form secret, if it has one.
pub(super) fn existing_secret(req: &HttpRequest) -> Option<String> {
    req.cookie(CSRF_COOKIE).map(|c| c.value().to_owned()).filter(|v| v.len() == 32)
}

/// The browser's form secret: the cookie's, or a new one to set.
pub(super) fn csrf_value(req: &HttpRequest) -> Result<(String, bool), AppError> {
    match existing_secret(req) {
        Some(value) => Ok((value, false)),
        None => Ok((new_csrf_value()?, true)),
    }
}

/// Kept as long as a sign-in lasts, so the sign-out form still has it after a browser restart.
pub(super) fn csrf_cookie(value: &str) -> Cookie<'static> {
    Cookie::build(CSRF_COOKIE, value.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::hours(crate::server::auth::SESSION_HOURS))
        .finish()
}

/// The form's fields and file.
#[derive(Debug, Default)]
pub(super) struct FormData {
    pub csrf: String,
    pub token: String,
    pub encoding: String,
    pub file_name: Option<String>,
    pub file: Option<Vec<u8>>,
    /// The previewed file, base64, on commit.
    pub content: Option<String>,
    pub sha256: String,
    /// Where the sign-in form goes back to.
    pub next: Option<String>,
}

async fn read_form(mut form: Multipart, limit: usize) -> Result<FormData, AppError> {
    let mut data = FormData::default();
    let mut total = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| AppError::BadRequest {
            message: format!("the form could not be read: {e}"),
            details: serde_json::Value::Null,
        })?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            data.file_name = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
        }
        // The limit is for the whole form: each field may take what the earlier ones left.
        let bytes = crate::server::read_limited(&mut field, limit - total).await.map_err(|e| match e {
            AppError::PayloadTooLarge { .. } => AppError::PayloadTooLarge { limit },
            other => other,
        })?;
        total += bytes.len();
        let text = || String::from_utf8_lossy(&bytes).trim().to_owned();
        match name.as_str() {
            "file" => data.file = Some(bytes),
            "csrf" => data.csrf = text(),
            "token" => data.token = text(),
            "encoding" => data.encoding = text(),
            "file_name" => data.file_name = Some(text()),
            "content" => data.content = Some(text()),
            "sha256" => data.sha256 = text(),
            "next" => data.next = Some(text()),
            _ => {}
        }
    }
    Ok(data)
}

fn refused() -> AppError {
    AppError::Forbidden("the form has expired or came from another site: open the page again and retry".into())
}

/// A post from this site's own form: the secret matches the cookie and no other origin sent it.
fn check_same_site(req: &HttpRequest, form: &FormData) -> Result<(), AppError> {
    let cookie = req.cookie(CSRF_COOKIE).ok_or_else(refused)?;
    if form.csrf.is_empty() || cookie.value() != form.csrf {
        return Err(refused());
    }
    if let Some(origin) = req.headers().get(ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = req.headers().get(HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        if origin_host != host {
            return Err(refused());
        }
    }
    Ok(())
}

/// The form as posted by this site's own page, or why it is refused.
pub(super) async fn posted_form(req: &HttpRequest, payload: web::Payload, limit: usize) -> Result<FormData, AppError> {
    // Without the browser's secret there is nothing to read the form for.
    existing_secret(req).ok_or_else(refused)?;
    let form = read_form(Multipart::new(req.headers(), payload), limit).await?;
    check_same_site(req, &form)?;
    Ok(form)
}
