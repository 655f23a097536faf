//! What every form of the pages shares. Forms post as multipart (the upload form carries a
//! file); a per-browser random value, in a SameSite=Strict cookie and in a hidden field, stops
//! other sites posting them (double submit), and an `Origin` from another site is refused too.

use actix_multipart::Multipart;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::{HOST, ORIGIN};
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;

use std::time::Duration;

use crate::error::{AppError, Said};
use crate::server::{AppState, within};

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
pub(super) fn csrf_cookie(value: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(CSRF_COOKIE, value.to_owned())
        .path("/")
        .http_only(true)
        .secure(secure)
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
    /// The sheet of a spreadsheet (empty: the first).
    pub sheet: String,
    pub file_name: Option<String>,
    pub file: Option<Vec<u8>>,
    /// The previewed file, base64, on commit.
    pub content: Option<String>,
    pub sha256: String,
    /// Where the sign-in form goes back to.
    pub next: Option<String>,
    /// Every other field, in the order posted (the review form's per-candidate fields).
    pub fields: Vec<(String, String)>,
}

/// The most fields of other names a form may carry (a review form has about 15 per candidate).
const MAX_OTHER_FIELDS: usize = 40_000;
/// Room for the boundaries and part headers of that many fields, on top of the fields' contents.
const MOST_HEADER_BYTES: usize = MAX_OTHER_FIELDS * 128;

/// A posted form, read in two steps: the head fields first (the secret and the token, a few KB), so a
/// post from another site or with a wrong token is refused before its file is read; then the
/// file and the rest.
pub(super) struct FormReader {
    multipart: Multipart,
    data: FormData,
    limit: usize,
    total: usize,
    /// The large field met while reading the small ones, not read yet.
    pending: Option<actix_multipart::Field>,
}

/// The fields read before the form is checked (its secret, the token typed in, where to go
/// back to); the site's forms put them first, and everything from the first other field on is
/// read only once the form's secret and caller were checked.
fn is_head(name: &str) -> bool {
    matches!(name, "csrf" | "token" | "next")
}

/// How long the fields a form is checked by may take to arrive: a browser sends them at once,
/// first in the body. Anyone can start a form post with a made-up secret; one that then dawdles
/// holds its connection this long, not for the whole body's time (thousands of those ran the
/// server out of file handles).
const HEAD_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The most a field read before the check may hold: a stranger's post costs no more than this.
const HEAD_FIELD_BYTES: usize = 4096;

impl FormReader {
    fn new(req: &HttpRequest, payload: web::Payload, limit: usize) -> FormReader {
        FormReader {
            // Contents count against `limit` field by field; the whole body, headers and all,
            // against this.
            multipart: Multipart::new(
                req.headers(),
                crate::server::bounded_body(payload, limit + limit.min(MOST_HEADER_BYTES)),
            ),
            data: FormData::default(),
            limit,
            total: 0,
            pending: None,
        }
    }

    async fn read_field(&mut self, mut field: actix_multipart::Field, most: usize) -> Result<(), AppError> {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            self.data.file_name = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
        }
        // The limit is for the whole form: each field may take what the earlier ones left.
        let limit = self.limit;
        let most = most.min(limit - self.total);
        let bytes = crate::server::read_limited(&mut field, most).await.map_err(|e| match e {
            AppError::PayloadTooLarge { .. } if most < limit - self.total => {
                AppError::bad_parameter(&name, "此字段过长", format!("the field is longer than {most} bytes"))
            }
            AppError::PayloadTooLarge { .. } => AppError::PayloadTooLarge { limit },
            other => other,
        })?;
        self.total += bytes.len();
        let text = || String::from_utf8_lossy(&bytes).trim().to_owned();
        let data = &mut self.data;
        match name.as_str() {
            "file" => data.file = Some(bytes),
            "csrf" => data.csrf = text(),
            "token" => data.token = text(),
            "encoding" => data.encoding = text(),
            "sheet" => data.sheet = text(),
            "file_name" => data.file_name = Some(text()),
            "content" => data.content = Some(text()),
            "sha256" => data.sha256 = text(),
            "next" => data.next = Some(text()),
            _ if data.fields.len() >= MAX_OTHER_FIELDS => {
                return Err(AppError::bad_request("表单的字段过多", "the form has too many fields"));
            }
            _ => data.fields.push((name, text())),
        }
        Ok(())
    }

    async fn next_field(&mut self) -> Result<Option<actix_multipart::Field>, AppError> {
        match self.multipart.next().await {
            None => Ok(None),
            Some(field) => field.map(Some).map_err(|e| crate::server::form_error(e, self.limit)),
        }
    }

    /// Reads the head fields, up to the first other one, each at most [`HEAD_FIELD_BYTES`].
    async fn read_head(&mut self) -> Result<&FormData, AppError> {
        while let Some(field) = self.next_field().await? {
            if !is_head(field.name().unwrap_or_default()) {
                self.pending = Some(field);
                break;
            }
            self.read_field(field, HEAD_FIELD_BYTES).await?;
        }
        Ok(&self.data)
    }

    /// Reads the first field after the head and everything after it.
    async fn read_rest(mut self) -> Result<FormData, AppError> {
        if let Some(field) = self.pending.take() {
            self.read_field(field, usize::MAX).await?;
        }
        while let Some(field) = self.next_field().await? {
            self.read_field(field, usize::MAX).await?;
        }
        Ok(self.data)
    }
}

fn refused() -> AppError {
    AppError::Forbidden(Said::new(
        "表单已过期或来自其他网站：请重新打开页面后再试",
        "the form has expired or came from another site: open the page again and retry",
    ))
}

/// A post from this site's own form: the secret matches the cookie and no other origin sent it.
fn check_same_site(req: &HttpRequest, form: &FormData) -> Result<(), AppError> {
    let cookie = req.cookie(CSRF_COOKIE).ok_or_else(refused)?;
    if form.csrf.is_empty() || cookie.value() != form.csrf {
        return Err(refused());
    }
    if let Some(origin) = req.headers().get(ORIGIN).and_then(|v| v.to_str().ok()) {
        let public_origin = req.app_data::<web::Data<AppState>>().and_then(|s| s.public_origin.as_deref());
        let ours = match public_origin {
            Some(public_origin) => origin == public_origin,
            None => {
                let host = req.headers().get(HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
                origin.split_once("://").is_some_and(|(_, origin_host)| origin_host == host)
            }
        };
        if !ours {
            return Err(refused());
        }
    }
    Ok(())
}

/// The form as posted by this site's own page (at most `limit` bytes, within `timeout`), or why
/// it is refused.
pub(super) async fn posted_form(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
    timeout: Duration,
) -> Result<FormData, AppError> {
    within(timeout, async {
        let reader = checked_form(req, payload, limit).await?;
        reader.read_rest().await
    })
    .await
}

/// A form whose head fields were read and whose secret and origin were checked: the caller
/// checks its token before [`FormReader::read_rest`] reads the file.
pub(super) async fn checked_form(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<FormReader, AppError> {
    // Without the browser's secret there is nothing to read the form for.
    existing_secret(req).ok_or_else(refused)?;
    let mut reader = FormReader::new(req, payload, limit);
    check_same_site(req, crate::server::within(HEAD_WAIT, reader.read_head()).await?)?;
    Ok(reader)
}

impl FormReader {
    pub(super) fn data(&self) -> &FormData {
        &self.data
    }

    pub(super) async fn finish(self) -> Result<FormData, AppError> {
        self.read_rest().await
    }
}

/// The browser's session, if it signed in.
pub(super) fn session_of(req: &HttpRequest) -> Option<String> {
    req.cookie(crate::server::auth::SESSION_COOKIE).map(|c| c.value().to_owned()).filter(|v| !v.is_empty())
}

/// A form whose secret was checked and whose caller holds `role`: the token typed into it, else
/// the browser's session. Its large fields are not read yet ([`FormReader::finish`]).
pub(super) async fn form_of(
    req: &HttpRequest,
    payload: web::Payload,
    pool: &web::Data<crate::db::DbPool>,
    limit: usize,
    role: crate::server::auth::Role,
) -> Result<(crate::server::auth::Caller, FormReader), AppError> {
    use crate::server::auth::{authenticate, check_role, session_caller};
    let reader = checked_form(req, payload, limit).await?;
    let token = reader.data().token.clone();
    // The token typed in, else the browser's session: either way after the form's secret.
    let session = session_of(req).filter(|_| token.trim().is_empty());
    let caller = crate::server::with_conn(pool, move |conn| {
        let caller = match session {
            Some(session) => session_caller(conn, &session, crate::now())?,
            None => authenticate(conn, &token)?,
        };
        check_role(caller, role)
    })
    .await?;
    Ok((caller, reader))
}
