//! Answers that are a function of the judged data only (the pages and API views of plans,
//! targets, indicators and charts) are made once per data generation and day, then served from
//! memory: with an ETag of that generation, a browser or client that has the answer gets 304
//! without any work at all.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::body::{BodySize, BoxBody, MessageBody, SizedStream};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, ETAG, HeaderMap, HeaderValue, IF_NONE_MATCH, SET_COOKIE, VARY,
};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;

use super::AppState;

/// The most bytes of answers kept (the entries of older generations go first).
const KEPT_BYTES: usize = 64 * 1024 * 1024;
/// No single answer larger than this is kept (a list of every target at once, say).
const LARGEST_KEPT: usize = 4 * 1024 * 1024;

/// What makes two requests get the same answer: the address, and what the page shows
/// differently by browser (its language, and whether it is signed in).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    path: String,
    query: String,
    /// The language cookie as the pages read it: any other value is no language, and makes no
    /// answer of its own (a client sending a new cookie each time must not fill the memory).
    lang: Option<&'static str>,
    signed_in: bool,
}

impl Key {
    fn of(req: &ServiceRequest) -> Key {
        Key {
            path: req.path().to_owned(),
            query: req.query_string().to_owned(),
            lang: req.cookie("lang").and_then(|c| c.value().parse::<crate::present::Lang>().ok()).map(|l| l.code()),
            signed_in: req.cookie(super::auth::SESSION_COOKIE).is_some(),
        }
    }

    /// What keeping an answer under this key costs besides its body.
    fn bytes(&self) -> usize {
        self.path.len() + self.query.len() + std::mem::size_of::<Key>() + std::mem::size_of::<Kept>()
    }

    fn etag(&self, generation: i64, date: NaiveDate) -> String {
        let hash = foldhash::fast::FixedState::with_seed(0x706c_616e).hash_one(self);
        format!("W/\"{generation:x}-{date}-{hash:016x}\"")
    }
}

struct Kept {
    generation: i64,
    date: NaiveDate,
    /// The answer's own headers (its type, a total count …).
    headers: HeaderMap,
    body: Bytes,
    /// The body gzipped, made the first time a client asks for it and then kept with it.
    gzipped: OnceLock<Bytes>,
}

impl Kept {
    fn new(generation: i64, date: NaiveDate, headers: HeaderMap, body: Bytes) -> Kept {
        Kept { generation, date, headers, body, gzipped: OnceLock::new() }
    }

    /// What keeping it costs, counting room for its gzipped copy.
    fn bytes(&self) -> usize {
        2 * self.body.len()
            + self.headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 32).sum::<usize>()
    }

    fn gzipped(&self) -> Bytes {
        self.gzipped.get_or_init(|| gzip(&self.body)).clone()
    }
}

pub(crate) fn gzip(body: &[u8]) -> Bytes {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::default());
    // Writing to memory cannot fail.
    let _ = encoder.write_all(body);
    Bytes::from(encoder.finish().unwrap_or_default())
}

/// Answers larger than this are not compressed per request.
const LARGEST_COMPRESSED_PER_REQUEST: u64 = 512 * 1024;

/// Large answers go as they are and in pieces. As they are: the compression layer compresses an
/// answer anew for every request that asks, which is cheap for a page but costs a font, a PDF or
/// a raw upload of megabytes a second of work for a request of a few bytes (kept answers carry
/// their own gzipped copy, the fonts theirs; PDFs, Office files and PNGs are compressed already).
/// In pieces: an answer handed over whole is copied whole into each connection's write buffer, so
/// two hundred clients fetching the 6 MB font held 1.4 GB; a piece at a time, a connection holds
/// one piece while its client reads.
pub async fn large_answers_as_they_are(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?;
    let size = match response.response().body().size() {
        BodySize::Sized(n) if n > LARGEST_COMPRESSED_PER_REQUEST => Some(n),
        BodySize::Stream => None,
        _ => return Ok(response.map_into_boxed_body()),
    };
    let mut response = response.map_body(|_, body| match (size, body.try_into_bytes()) {
        (Some(n), Ok(bytes)) => BoxBody::new(SizedStream::new(n, in_pieces(bytes))),
        (None, Ok(bytes)) => BoxBody::new(bytes),
        (_, Err(body)) => BoxBody::new(body),
    });
    if !response.headers().contains_key(CONTENT_ENCODING) {
        response.headers_mut().insert(CONTENT_ENCODING, HeaderValue::from_static("identity"));
    }
    Ok(response)
}

/// Request bodies are taken only as they are. actix-web's JSON extractor decompresses a body
/// sent with `Content-Encoding` before its size limit is checked: 61 KB of zstd became 2.3 GB in
/// the server. No client of this API needs to compress what it sends (uploads are files, already
/// compressed where it matters), so any encoding but `identity` is refused before the body is read.
pub async fn bodies_as_they_are(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let encoding = req.headers().get(CONTENT_ENCODING).map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned());
    match encoding {
        Some(encoding) if !encoding.eq_ignore_ascii_case("identity") => {
            let encoding = crate::ingest::clip(&encoding);
            Ok(req.error_response(crate::error::AppError::EncodedBody { encoding }).map_into_boxed_body())
        }
        _ => Ok(next.call(req).await?.map_into_boxed_body()),
    }
}

/// Each refused or failed request is logged, with its method, path (not its query: it may be
/// long, or hold what a user typed), client and request id (every answer carries its id in
/// `X-Request-Id`): an operator sees who is turned away and why. Refusals of a sign-in or a
/// token (401, 403) at `warn`, the rest at `info`; the cause of a server error is logged where
/// it happens.
pub async fn refusals_logged(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let method = req.method().clone();
    let path = crate::ingest::clip(req.path());
    let client = req.peer_addr().map_or_else(|| "-".to_owned(), |a| a.ip().to_string());
    let mut response = next.call(req).await?;
    let status = response.status();
    // The id the request's span was given, inside; sent back too, so a user reporting an error
    // can quote the line it was logged on.
    let request_id = actix_web::HttpMessage::extensions(response.request())
        .get::<tracing_actix_web::RequestId>()
        .map_or_else(|| "-".to_owned(), ToString::to_string);
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(actix_web::http::header::HeaderName::from_static("x-request-id"), value);
    }
    if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
        tracing::warn!(status = status.as_u16(), %method, path, client, request_id, "request refused");
    } else if status.is_client_error() || status.is_server_error() {
        tracing::info!(status = status.as_u16(), %method, path, client, request_id, "request failed");
    }
    Ok(response)
}

/// A body as pieces of [`super::SENT_PIECE_BYTES`], each a view of it (no copy).
fn in_pieces(bytes: Bytes) -> impl futures_util::Stream<Item = Result<Bytes, std::convert::Infallible>> {
    let starts = (0..bytes.len()).step_by(super::SENT_PIECE_BYTES);
    futures_util::stream::iter(
        starts.map(move |start| Ok(bytes.slice(start..(start + super::SENT_PIECE_BYTES).min(bytes.len())))),
    )
}

/// Answers smaller than this go as they are: compressing them saves nothing worth the work.
const SMALLEST_COMPRESSED: usize = 1024;

/// Whether the client takes gzip (`Accept-Encoding: gzip`, not `gzip;q=0`).
pub(crate) fn takes_gzip(headers: &HeaderMap) -> bool {
    let accepted = headers.get(ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or_default();
    accepted.split(',').any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let refused =
            parts.any(|p| p.replace(' ', "").starts_with("q=0") && !p.contains(|c: char| ('1'..='9').contains(&c)));
        (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
    })
}

/// A kept answer as the client takes it: gzipped once and kept so (not compressed again for every
/// request, which let one client's stream of requests cost the server a hundred times its own
/// work), else as it is — marked so, for the compression layer to leave it be.
fn answer_of(kept: &Kept, gzip_taken: bool) -> HttpResponse {
    let gzipped = gzip_taken && kept.body.len() >= SMALLEST_COMPRESSED;
    let mut response = HttpResponse::Ok().body(if gzipped { kept.gzipped() } else { kept.body.clone() });
    *response.headers_mut() = kept.headers.clone();
    let headers = response.headers_mut();
    headers.insert(CONTENT_ENCODING, HeaderValue::from_static(if gzipped { "gzip" } else { "identity" }));
    headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

/// The answers kept, for the current generation and day.
#[derive(Default)]
pub struct Responses {
    kept: Mutex<(HashMap<Key, Arc<Kept>>, usize)>,
}

impl std::fmt::Debug for Responses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responses").finish_non_exhaustive()
    }
}

impl Responses {
    fn get(&self, key: &Key, generation: i64, date: NaiveDate) -> Option<Arc<Kept>> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.0.get(key).filter(|k| k.generation == generation && k.date == date).cloned()
    }

    /// Keeps an answer; what is kept is counted with its key and headers, not its body alone, so
    /// many small answers to long addresses are bounded as one large one is.
    fn put(&self, key: Key, kept: Arc<Kept>) {
        let cost = key.bytes() + kept.bytes();
        if cost > LARGEST_KEPT {
            return;
        }
        let mut guard = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let (entries, bytes) = &mut *guard;
        // Answers of an older generation or day are of no more use.
        if entries.values().any(|k| k.generation != kept.generation || k.date != kept.date) {
            entries.retain(|_, k| k.generation == kept.generation && k.date == kept.date);
            *bytes = entries.iter().map(|(key, k)| key.bytes() + k.bytes()).sum();
        }
        if *bytes + cost > KEPT_BYTES {
            entries.clear();
            *bytes = 0;
        }
        *bytes += cost;
        let replaced_cost = key.bytes();
        if let Some(old) = entries.insert(key, kept) {
            *bytes -= replaced_cost + old.bytes();
        }
    }
}

/// Serves a kept answer (or 304), or runs the handler and keeps what it answers.
pub(super) async fn serve_kept(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let (generation, date) = state.judged.generation();
    let key = Key::of(&req);
    let etag = key.etag(generation, date);
    let revalidate = |response: &mut HttpResponse| {
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&etag) {
            headers.insert(ETAG, value);
        }
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, max-age=0, must-revalidate"));
    };
    let known = req.headers().get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v == etag);
    if known {
        let mut response = HttpResponse::new(StatusCode::NOT_MODIFIED);
        revalidate(&mut response);
        return Ok(req.into_response(response));
    }
    let gzip_taken = takes_gzip(req.headers());
    if let Some(kept) = state.responses.get(&key, generation, date) {
        let mut response = answer_of(&kept, gzip_taken);
        revalidate(&mut response);
        return Ok(req.into_response(response));
    }
    let response = next.call(req).await?;
    // A language chosen just now sets a cookie: that answer is the browser's own, not kept.
    if response.status() != StatusCode::OK || response.headers().contains_key(SET_COOKIE) {
        return Ok(response.map_into_boxed_body());
    }
    let (request, response) = response.into_parts();
    let headers = response.headers().clone();
    let body = actix_web::body::to_bytes(response.into_body()).await.map_err(|e| {
        actix_web::error::ErrorInternalServerError(format!("an answer could not be read: {}", e.into()))
    })?;
    let kept = Arc::new(Kept::new(generation, date, headers, body));
    state.responses.put(key, kept.clone());
    let mut fresh = answer_of(&kept, gzip_taken);
    revalidate(&mut fresh);
    Ok(ServiceResponse::new(request, fresh))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(body: &'static [u8]) -> Kept {
        let date = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        Kept::new(1, date, HeaderMap::new(), Bytes::from_static(body))
    }

    #[test]
    fn a_language_cookie_the_pages_do_not_read_makes_no_answer_of_its_own() {
        let with = |cookie: &str| {
            let request = actix_web::test::TestRequest::get()
                .uri("/api/v1/plans")
                .cookie(actix_web::cookie::Cookie::new("lang", cookie.to_owned()))
                .to_srv_request();
            Key::of(&request)
        };
        assert_eq!(with(&"x".repeat(100_000)), with("garbage"));
        assert_ne!(with("en"), with("zh"));
    }

    #[test]
    fn small_answers_to_long_addresses_are_counted_with_their_addresses() {
        let responses = Responses::default();
        for i in 0..2_000 {
            let key = Key { path: format!("/api/v1/x{i}"), query: "q".repeat(100_000), lang: None, signed_in: false };
            responses.put(key, Arc::new(kept(b"[]")));
        }
        let (entries, bytes) = &*responses.kept.lock().unwrap();
        let counted: usize = entries.iter().map(|(key, k)| key.bytes() + k.bytes()).sum();
        assert_eq!(*bytes, counted);
        assert!(counted <= KEPT_BYTES, "{counted}");
        assert!(entries.len() < 2_000, "{}", entries.len());
    }
}
