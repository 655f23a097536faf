//! What every route shares, for the JSON API (`http`) and the pages (`web`) alike: the state the
//! handlers read, database work off the async threads, bounded body reads, who is calling, and the
//! route table in which every route declares who may use it.

pub mod auth;
pub mod client;
pub mod errors;
pub mod metrics;
pub mod params;
pub(crate) mod responses;
pub mod routes;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::web;
use futures_util::StreamExt;
use tokio::sync::Semaphore;

use crate::config::Settings;
use crate::db::DbPool;
use crate::error::{AppError, Said};

pub use errors::ErrorPages;
pub use routes::{Access, DeclaredRoute, Routes, declared_routes};

/// A heavy slot and its sender's turn, held together while the work on a received file runs.
pub struct WorkSlot {
    _heavy: tokio::sync::OwnedSemaphorePermit,
    _turn: tokio::sync::OwnedSemaphorePermit,
}

/// What handlers need besides the pool.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The places actuals may be for.
    pub regions: crate::catalog::Regions,
    pub upload_limit_bytes: usize,
    /// Reads need no token.
    pub public_read: bool,
    /// `/metrics` needs no token.
    pub metrics_public: bool,
    /// Cookies carry `Secure` (the server is reached over HTTPS).
    pub cookie_secure: bool,
    /// The only origin forms are posted from, as browsers write it (`https://host[:port]`);
    /// none: the request's own `Host`.
    pub public_origin: Option<String>,
    /// Slots for heavy work (reports, uploads): more requests wait in line for at most
    /// `queue_wait`, then get 503.
    pub heavy_slots: Arc<Semaphore>,
    /// Slots for receiving a file's body (uploads, plan documents): twice the heavy slots, so at
    /// most that many bodies are held at once, and a client sending slowly holds no heavy slot.
    pub receiving_slots: Arc<Semaphore>,
    /// One body arriving at a time per token: a sender with several slow connections holds one
    /// receiving slot, not all of them, and its further files wait behind its first.
    pub senders: Arc<std::sync::Mutex<HashMap<i64, Arc<Semaphore>>>>,
    /// Where the reports kept are written (`<data_dir>/reports`).
    pub reports_dir: std::path::PathBuf,
    /// Slots for sending a stored upload back (up to 50 MB each): as many as the receiving ones.
    pub sending_slots: Arc<Semaphore>,
    /// The slot for reports a visitor reads (on a public server, without a token): one at a time,
    /// apart from the heavy slots, so visitors keep no upload or office report waiting.
    pub visitor_slots: Arc<Semaphore>,
    /// The slot for reports the office's viewers and uploaders ask for: one at a time, apart from
    /// strangers' and from the heavy slots uploads and administrators' reports take, so a reader
    /// asking in a loop keeps neither waiting.
    pub viewer_slots: Arc<Semaphore>,
    /// Slots for making a page with a database connection: the pool less what uploads, reports
    /// and the refresh after a write need, so strangers asking for pages of new dates cannot take
    /// every connection and leave a department's upload with 503.
    pub page_slots: Arc<Semaphore>,
    /// Slots for drawing PNG charts (up to 4000 × 8000 pixels, 128 MB each): one per core.
    pub drawing_slots: Arc<Semaphore>,
    /// Slots for judging a view the server does not hold (another date, as known on a day, one
    /// district): one per core, so a crowd asking for fresh views cannot starve every other
    /// request — the health check included — of the processors.
    pub judging_slots: Arc<Semaphore>,
    pub queue_wait: Duration,
    /// The longest a request may compute before it is stopped.
    pub work_budget: Duration,
    /// The longest an upload body may take to arrive.
    pub body_timeout: Duration,
    /// The health check's own connection.
    pub health_pool: DbPool,
    /// Connections held open at once, over all workers.
    pub max_connections: usize,
    /// Every target judged, kept fresh.
    pub judged: Arc<crate::judged::Judged>,
    /// Answers kept for the current data generation.
    pub responses: Arc<responses::Responses>,
    /// Who sends the reports and how they are numbered.
    pub report_identity: crate::report::Identity,
    /// The catalog on disk: a publication is validated beside it.
    pub catalog_paths: crate::catalog::CatalogPaths,
    /// The program that lays out PDF reports in a child process (see `report::Renderer`).
    pub report_worker: Option<std::path::PathBuf>,
}

impl AppState {
    pub fn new(
        settings: &Settings,
        regions: crate::catalog::Regions,
        judged: Arc<crate::judged::Judged>,
    ) -> anyhow::Result<AppState> {
        Ok(AppState {
            regions,
            upload_limit_bytes: settings.upload_limit_bytes,
            public_read: settings.public_read,
            metrics_public: settings.metrics_public.unwrap_or(settings.public_read),
            cookie_secure: settings.cookie_secure,
            public_origin: settings.public_origin.as_deref().map(origin_of).transpose()?,
            heavy_slots: Arc::new(Semaphore::new(settings.heavy_jobs.max(1))),
            receiving_slots: Arc::new(Semaphore::new(2 * settings.heavy_jobs.max(1))),
            senders: Arc::default(),
            reports_dir: settings.data_dir.join("reports"),
            visitor_slots: Arc::new(Semaphore::new(1)),
            viewer_slots: Arc::new(Semaphore::new(1)),
            sending_slots: Arc::new(Semaphore::new(2 * settings.heavy_jobs.max(1))),
            drawing_slots: Arc::new(Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))),
            judging_slots: Arc::new(Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))),
            page_slots: Arc::new(Semaphore::new(page_slots(settings.pool_size as usize, settings.heavy_jobs))),
            queue_wait: Duration::from_secs_f64(settings.queue_wait_seconds.max(0.0)),
            work_budget: Duration::from_secs_f64(settings.work_budget_seconds.max(0.1)),
            body_timeout: Duration::from_secs_f64(settings.body_timeout_seconds.max(0.1)),
            health_pool: crate::db::health_pool(&settings.database_url)?,
            max_connections: settings.max_connections.max(1),
            judged,
            responses: Arc::default(),
            report_identity: crate::report::Identity {
                sender: settings.report_sender.clone(),
                number: settings.report_number.clone(),
            },
            catalog_paths: settings.catalog_paths(),
            report_worker: settings.report_worker.clone(),
        })
    }

    /// Every target's verdict for a date and method (judged off the async threads when it is
    /// not today's, which is kept ready).
    pub async fn view(&self, judgement: &crate::judged::Judgement) -> Result<Arc<crate::judged::View>, AppError> {
        let (judged, judgement) = (self.judged.clone(), judgement.clone());
        Ok(web::block(move || judged.view(&judgement)).await??)
    }

    /// One target in full, or 404.
    pub async fn one(
        &self,
        slug: String,
        judgement: &crate::judged::Judgement,
    ) -> Result<crate::judged::AssessedOne, AppError> {
        let (judged, judgement) = (self.judged.clone(), judgement.clone());
        web::block(move || judged.one(&slug, &judgement).ok_or_else(|| AppError::not_found("target", slug))).await?
    }

    /// After a write on this server: its pages show it at once, not at the next poll.
    pub async fn refresh(&self) {
        let judged = self.judged.clone();
        match web::block(move || judged.refresh()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "the judgements could not be refreshed after a write"),
            Err(e) => tracing::warn!(error = %e, "the refresh after a write failed"),
        }
    }

    /// A slot for heavy work, or 503 with `Retry-After` when every slot stayed busy too long.
    pub async fn heavy_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        self.slot_of(&self.heavy_slots).await
    }

    /// A slot for receiving a file's body, or 503 as [`AppState::heavy_slot`].
    pub async fn receiving_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        self.slot_of(&self.receiving_slots).await
    }

    /// A file's body read in a receiving slot (so only so many are held at once, and one per
    /// token), then a heavy slot for the work on it: a client sending slowly keeps no report
    /// waiting, and one token's slow files keep no other token's waiting. The token's turn is
    /// held through the work too: two large files of one token would otherwise take every heavy
    /// slot for minutes while everyone else's uploads and reports got 503.
    pub async fn received<T>(
        &self,
        token_id: i64,
        read: impl Future<Output = Result<T, AppError>>,
    ) -> Result<(T, WorkSlot), AppError> {
        let own_turn = self.sender_turn(token_id).await?;
        let receiving = self.receiving_slot().await?;
        let body = read.await?;
        let heavy = self.heavy_slot().await?;
        drop(receiving);
        Ok((body, WorkSlot { _heavy: heavy, _turn: own_turn }))
    }

    /// This token's turn to send a body and have it worked on, waiting for its previous one as
    /// long as for any slot.
    async fn sender_turn(&self, token_id: i64) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        let turn = {
            let mut senders = self.senders.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            // Tokens no request holds or waits for are forgotten, so the map stays as small as the
            // number of tokens sending right now.
            senders.retain(|_, turn| Arc::strong_count(turn) > 1);
            senders.entry(token_id).or_insert_with(|| Arc::new(Semaphore::new(1))).clone()
        };
        let busy = Said::new(
            "此令牌的上一份文件仍在传送或处理中，请等它完成再发送",
            "this token's previous file is still arriving or being worked on: send the next one after it",
        );
        self.wait_for(&turn, busy).await
    }

    /// A slot for sending a stored file back, or 503 as [`AppState::heavy_slot`].
    pub async fn sending_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        self.slot_of(&self.sending_slots).await
    }

    /// The slot for a visitor's report, or 503 as [`AppState::heavy_slot`].
    pub async fn visitor_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        self.slot_of(&self.visitor_slots).await
    }

    /// The slot for a viewer's report, or 503 as [`AppState::heavy_slot`].
    pub async fn viewer_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        self.slot_of(&self.viewer_slots).await
    }

    /// A slot for making a page, or 503 as [`AppState::heavy_slot`].
    pub async fn page_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        let busy = Said::new("服务器正忙，请稍后再试", "the server is busy: try again shortly");
        self.wait_for(&self.page_slots, busy).await
    }

    /// A slot for judging this view when it is not held in memory (`None`: it is, and costs
    /// nothing), or 503 as [`AppState::heavy_slot`]. Held while the answer is worked out.
    pub async fn judging_slot(
        &self,
        judgement: &crate::judged::Judgement,
    ) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, AppError> {
        if self.judged.holds(judgement) {
            return Ok(None);
        }
        let busy = Said::new("服务器正忙，请稍后再试", "the server is busy: try again shortly");
        self.wait_for(&self.judging_slots, busy).await.map(Some)
    }

    /// A slot for drawing a PNG, or 503 as [`AppState::heavy_slot`].
    pub async fn drawing_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        self.slot_of(&self.drawing_slots).await
    }

    async fn slot_of(&self, slots: &Arc<Semaphore>) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        let busy = Said::new(
            "服务器正忙于其他报告和上传，请稍后再试",
            "the server is busy with other reports and uploads: try again shortly",
        );
        self.wait_for(slots, busy).await
    }

    /// A permit of `slots`, waited for at most the queue wait; else 503 saying `busy`.
    async fn wait_for(
        &self,
        slots: &Arc<Semaphore>,
        busy: Said,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        match tokio::time::timeout(self.queue_wait, slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(AppError::Busy(busy)),
        }
    }
}

/// Runs a blocking database closure on actix's thread pool with a pooled connection.
pub async fn with_conn<T, F>(pool: &web::Data<DbPool>, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut crate::db::DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}

/// [`with_conn`] for a report or an upload: afterwards the connection's cache and the freed heap
/// go back to the system, so the server returns near its resting size.
pub async fn with_conn_heavy<T, F>(pool: &web::Data<DbPool>, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut crate::db::DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let result = with_conn(pool, move |conn| {
        let result = f(conn);
        if let Err(e) = crate::db::shrink_caches(conn) {
            tracing::warn!(error = %e, "the connection's cache could not be shrunk");
        }
        result
    })
    .await;
    release_memory();
    result
}

/// Reads a body stream into memory, refusing it as soon as it passes `limit` bytes.
pub async fn read_limited<S, E>(mut stream: S, limit: usize) -> Result<Vec<u8>, AppError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::bad_request(format!("无法读取上传的内容：{e}"), format!("the upload could not be read: {e}"))
        })?;
        if bytes.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge { limit });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// A request's body that ends in an overflow error once more than `max` bytes have come, however
/// it is framed (a chunked body declares no length): a multipart form's every field and header
/// count, not only its file.
pub fn bounded_body(
    payload: web::Payload,
    max: usize,
) -> impl futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin + 'static {
    let mut seen = 0usize;
    payload.map(move |chunk| {
        let chunk = chunk?;
        seen += chunk.len();
        if seen > max { Err(actix_web::error::PayloadError::Overflow) } else { Ok(chunk) }
    })
}

/// A multipart form that could not be read, as the error to answer: 413 when it was too large,
/// else 400 saying so in Chinese (the parser's own words in English).
pub fn form_error(error: actix_multipart::MultipartError, limit: usize) -> AppError {
    match error {
        actix_multipart::MultipartError::Payload(actix_web::error::PayloadError::Overflow) => {
            AppError::PayloadTooLarge { limit }
        }
        error => AppError::bad_request(
            "无法读取表单：内容不符合 multipart/form-data 格式",
            format!("the multipart form could not be read: {error}"),
        ),
    }
}

/// `read` within `timeout`: a body that trickles in slower than that is refused with 408.
pub async fn within<T>(timeout: Duration, read: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    tokio::time::timeout(timeout, read).await.unwrap_or_else(|_| {
        let seconds = timeout.as_secs();
        Err(AppError::Timeout(Said::new(
            format!("上传内容未在 {seconds} 秒内传完"),
            format!("the upload did not arrive within {seconds} s"),
        )))
    })
}

/// `attachment` with the name as given (RFC 6266 `filename*`) and an ASCII fallback.
pub fn attachment(name: &str) -> header::ContentDisposition {
    named(header::DispositionType::Attachment, name)
}

/// A file shown or saved (`kind`) under this name: as given in `filename*`, with an ASCII fallback.
pub fn named(kind: header::DispositionType, name: &str) -> header::ContentDisposition {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let mut parameters = vec![header::DispositionParam::Filename(ascii)];
    if !name.is_ascii() {
        parameters.push(header::DispositionParam::FilenameExt(header::ExtendedValue {
            charset: header::Charset::Ext("UTF-8".to_owned()),
            language_tag: None,
            value: name.as_bytes().to_vec(),
        }));
    }
    header::ContentDisposition { disposition: kind, parameters }
}

/// A large body sent in pieces while its slot is held, for at most `deadline`: then the slot and
/// the body's memory are given back whether the client has read it or not, and the connection is
/// closed when next written to. A client reading slowly, or not at all, holds neither for longer.
pub fn sent_within(body: Vec<u8>, slot: Option<tokio::sync::OwnedSemaphorePermit>, deadline: Duration) -> TimedBody {
    let held = Arc::new(std::sync::Mutex::new(Some((body, slot))));
    let expiring = Arc::downgrade(&held);
    actix_web::rt::spawn(async move {
        tokio::time::sleep(deadline).await;
        if let Some(held) = expiring.upgrade() {
            held.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        }
    });
    TimedBody { held, sent: 0 }
}

/// See [`sent_within`].
pub struct TimedBody {
    held: Arc<std::sync::Mutex<Option<HeldBody>>>,
    sent: usize,
}

/// A body being sent and the slot it is sent in; taken away when its time is up.
type HeldBody = (Vec<u8>, Option<tokio::sync::OwnedSemaphorePermit>);

/// The pieces a [`TimedBody`] is sent in: copies, so no piece waiting in a socket keeps the body.
pub(crate) const SENT_PIECE_BYTES: usize = 64 * 1024;

impl futures_util::Stream for TimedBody {
    type Item = Result<web::Bytes, std::io::Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let sent = self.sent;
        let mut held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let piece = match held.as_ref() {
            None => Some(Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "not read in time"))),
            Some((body, _)) if sent >= body.len() => {
                held.take();
                None
            }
            Some((body, _)) => {
                let end = (sent + SENT_PIECE_BYTES).min(body.len());
                Some(Ok(web::Bytes::copy_from_slice(&body[sent..end])))
            }
        };
        drop(held);
        if let Some(Ok(bytes)) = &piece {
            self.sent += bytes.len();
        }
        std::task::Poll::Ready(piece)
    }
}

impl Drop for TimedBody {
    /// A client gone before the end gives the slot and the memory back at once.
    fn drop(&mut self) {
        self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    }
}

/// Gives memory that large jobs freed back to the system: glibc keeps freed pages in its
/// per-thread arenas otherwise, and a server that made one big report would stay that size.
fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages to the kernel; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// How many pages may hold a connection at once: the pool less one per heavy slot and one for
/// the refresh after a write, and at least one.
fn page_slots(pool_size: usize, heavy_jobs: usize) -> usize {
    pool_size.saturating_sub(heavy_jobs.max(1) + 1).max(1)
}

/// An address as a browser's `Origin` header writes it: `https://plans.example.gov.cn` from
/// `https://Plans.Example.gov.cn/`; an address with a path, a query or a user is refused.
pub fn origin_of(address: &str) -> anyhow::Result<String> {
    let refused = |why: &str| anyhow::anyhow!("public_origin {address:?}: {why}");
    let url = reqwest::Url::parse(address.trim()).map_err(|e| refused(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(refused("not an http(s) address"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(refused("only scheme, host and port, as https://plans.example.gov.cn"));
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn a_public_origin_is_written_as_browsers_write_it_and_nothing_else_is_taken() {
        assert_eq!(origin_of("https://Plans.Example.gov.cn/").unwrap(), "https://plans.example.gov.cn");
        assert_eq!(origin_of("http://10.0.0.5:8080").unwrap(), "http://10.0.0.5:8080");
        assert_eq!(origin_of("https://plans.example.gov.cn:443").unwrap(), "https://plans.example.gov.cn");
        assert_eq!(origin_of("https://规划.中国").unwrap(), "https://xn--wbrs17k.xn--fiqs8s");
        for wrong in [
            "plans.example.gov.cn",
            "ftp://plans.example.gov.cn",
            "https://plans.example.gov.cn/app",
            "https://u@plans.example.gov.cn",
            "https://plans.example.gov.cn/?a=1",
            "",
        ] {
            let error = origin_of(wrong).unwrap_err().to_string();
            assert!(error.contains("public_origin"), "{wrong}: {error}");
        }
    }
}
