//! Uploads of actuals: POST a CSV (body or multipart field `file`), list and read uploads, and the
//! actuals of an indicator with their revision history.

use actix_multipart::Multipart;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::models::{ActualRow, UploadSummaryRow};
use crate::db::{DbPool, actuals, queries};
use crate::error::{AppError, ErrorEnvelope, Said};
use crate::ingest::{self, Encoding, IngestError, IngestReport, ProblemCount, Problems, UploadRequest};
use crate::server::auth::Caller;
use crate::server::{AppState, read_limited, with_conn, with_conn_heavy, within};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// Validate and report what would change, writing nothing.
    pub dry_run: Option<bool>,
    /// Force the text encoding: `utf-8` or `gb18030` (`gbk`). Default: detected.
    #[param(value_type = Option<EncodingName>)]
    pub encoding: Option<String>,
    /// File name to record for a raw `text/csv` body (multipart uploads carry their own).
    pub name: Option<String>,
    /// The sheet to read of an Excel or OpenDocument file (default: the first).
    pub sheet: Option<String>,
}

/// The encodings an upload may name.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // a schema only: the parameter is read as text and parsed with its aliases
pub(crate) enum EncodingName {
    #[schema(rename = "utf-8")]
    Utf8,
    Gb18030,
    Gbk,
}

/// The file of a multipart form: its name and bytes, from the field `file`.
async fn multipart_file(mut form: Multipart, limit: usize) -> Result<(Option<String>, Vec<u8>), AppError> {
    while let Some(field) = form.next().await {
        let field = field.map_err(|e| crate::server::form_error(e, limit))?;
        if field.name() == Some("file") {
            let name = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
            return Ok((name, read_limited(field, limit).await?));
        }
    }
    Err(AppError::BadRequest {
        message: Said::new("表单中没有文件字段 file", "the multipart form has no field `file`"),
        details: serde_json::json!({ "field": "file" }),
    })
}

/// Room for a multipart form's boundaries and part headers around the file.
const MULTIPART_ENVELOPE: usize = 64 * 1024;
/// The longest file name kept.
const MAX_FILE_NAME_CHARS: usize = 255;

/// The body of an upload: a multipart form's file, or the whole body.
async fn upload_body(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<(Option<String>, Vec<u8>), AppError> {
    let declared: Option<usize> =
        req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let is_multipart = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    // A form's boundaries and headers come on top of the file the limit is for.
    let envelope = if is_multipart { MULTIPART_ENVELOPE } else { 0 };
    if declared.is_some_and(|n| n > limit + envelope) {
        return Err(AppError::PayloadTooLarge { limit });
    }
    if is_multipart {
        let body = crate::server::bounded_body(payload, limit + envelope);
        multipart_file(Multipart::new(req.headers(), body), limit).await
    } else {
        Ok((None, read_limited(payload, limit).await?))
    }
}

/// An upload that did not finish, as the error the API answers.
pub(crate) fn ingest_error(e: IngestError) -> AppError {
    match e {
        IngestError::Invalid { upload_id, problems } => AppError::InvalidUpload { upload_id, problems },
        IngestError::NotYours { problems } => AppError::NotYours { problems },
        IngestError::Stopped(stopped) => AppError::TooSlow(Said::new(stopped.zh(), stopped.to_string())),
        IngestError::ClaimedElsewhere => {
            AppError::Internal(anyhow::anyhow!("an upload that is not from the inbox met an inbox claim"))
        }
        IngestError::Db(e) => e.into(),
    }
}

/// Uploads a CSV of actuals. Answers 201 with what changed, 200 for a dry run or bytes already
/// uploaded (the original upload), 422 with the problems (nothing written).
#[utoipa::path(
    post,
    path = "/api/v1/uploads",
    params(UploadQuery),
    request_body(content = String, content_type = "text/csv", description = "CSV: indicator,period,value[,region,note,source]"),
    responses(
        (status = 201, body = IngestReport),
        (status = 200, description = "dry run, or the same bytes uploaded before", body = IngestReport),
        (status = 400, body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
        (status = 408, description = "the body did not arrive in time", body = ErrorEnvelope),
        (status = 413, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
        (status = 503, description = "busy, too slow or the database is away; see Retry-After", body = ErrorEnvelope),
        (status = 507, description = "the database's storage is full", body = ErrorEnvelope)
    ),
    security(("token" = []))
)]
pub async fn create_upload(
    req: HttpRequest,
    payload: web::Payload,
    query: web::Query<UploadQuery>,
    caller: Caller,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let encoding: Option<Encoding> = match query.encoding.as_deref() {
        None => None,
        Some(raw) => Some(raw.parse().map_err(|reason: String| {
            AppError::bad_parameter(
                "encoding",
                format!("未知的编码“{}”：请用 utf-8 或 gb18030", crate::ingest::clip(raw)),
                reason,
            )
        })?),
    };
    let ((file_name, bytes), _slot) = state
        .received(caller.token_id, within(state.body_timeout, upload_body(&req, payload, state.upload_limit_bytes)))
        .await?;
    let file_name = file_name.or_else(|| query.name.clone()).filter(|n| !n.trim().is_empty());
    let request = UploadRequest {
        file_name: file_name
            .map(|n| crate::domain::shown_file_name(&n).chars().take(MAX_FILE_NAME_CHARS).collect())
            .unwrap_or_else(|| "upload.csv".to_owned()),
        bytes,
        allowed_indicators: caller.department.as_deref().map(|d| state.judged.indicators_reported_by(d)),
        uploaded_by: caller.name,
        channel: "http".to_owned(),
        encoding,
        sheet: query.sheet.clone(),
        dry_run: query.dry_run.unwrap_or(false),
        inbox_claim: None,
    };
    let regions = state.regions.clone();
    let (budget, watch) = crate::server::client::budget_for(&req, state.work_budget);
    let result =
        with_conn_heavy(&pool, move |conn| Ok(ingest::ingest(conn, &request, &regions, crate::now(), &budget))).await;
    watch.finished();
    match result? {
        Ok(report) if report.dry_run || report.duplicate => Ok(HttpResponse::Ok().json(report)),
        Ok(report) => {
            // Judged again before the answer: every page shows the new figures at once.
            state.refresh().await;
            Ok(HttpResponse::Created().json(report))
        }
        Err(e) => Err(ingest_error(e)),
    }
}

/// An upload as listed: everything but the raw bytes and the problems (see `problems_url`).
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadDto {
    pub id: i64,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub uploaded_by: String,
    pub channel: String,
    pub rows_total: i32,
    pub rows_new: i32,
    pub rows_revised: i32,
    pub rows_unchanged: i32,
    /// `committed` or `rejected`.
    pub outcome: String,
    /// Problems found (a rejected upload).
    pub error_count: i32,
    pub raw_url: String,
    pub problems_url: String,
}

impl From<UploadSummaryRow> for UploadDto {
    fn from(u: UploadSummaryRow) -> Self {
        UploadDto {
            raw_url: format!("/api/v1/uploads/{}/raw", u.id),
            problems_url: format!("/api/v1/uploads/{}/problems", u.id),
            id: u.id,
            file_name: u.file_name,
            sha256: u.sha256,
            size_bytes: u.size_bytes,
            received_at: u.received_at.and_utc(),
            uploaded_by: u.uploaded_by,
            channel: u.channel,
            rows_total: u.rows_total,
            rows_new: u.rows_new,
            rows_revised: u.rows_revised,
            rows_unchanged: u.rows_unchanged,
            outcome: u.outcome,
            error_count: u.error_count,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadListQuery {
    /// At most this many uploads (1–1000, default 200).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Only uploads older than this one (its id): the `next_before` of the previous page.
    pub before: Option<i64>,
}

/// One page of uploads, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadPage {
    /// Every upload there is.
    pub total: i64,
    pub uploads: Vec<UploadDto>,
    /// Pass as `before` for the next page; null on the last page.
    pub next_before: Option<i64>,
}

/// Uploads, newest first, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/uploads",
    params(UploadListQuery),
    responses((status = 200, body = UploadPage), (status = 400, body = ErrorEnvelope))
)]
pub async fn list_uploads(
    pool: web::Data<DbPool>,
    query: web::Query<UploadListQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = query.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::bad_parameter(
            "limit",
            format!("{limit} 不在 1–1000 之间"),
            format!("{limit} is outside 1–1000"),
        ));
    }
    let before = query.before;
    let (total, rows) = with_conn(&pool, move |conn| {
        Ok::<_, AppError>((actuals::count_uploads(conn)?, actuals::list_uploads(conn, limit, before)?))
    })
    .await?;
    let next_before = (rows.len() as i64 == limit).then(|| rows.last().map(|u| u.id)).flatten();
    let uploads = rows.into_iter().map(UploadDto::from).collect();
    Ok(HttpResponse::Ok().json(UploadPage { total, uploads, next_before }))
}

/// One upload, with its problems counted by kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadDetailDto {
    #[serde(flatten)]
    pub upload: UploadDto,
    /// The problems counted by code and column (empty for a committed upload).
    pub problem_summary: Vec<ProblemCount>,
}

/// One upload.
#[utoipa::path(
    get,
    path = "/api/v1/uploads/{id}",
    params(("id" = i64, Path, description = "upload id")),
    responses((status = 200, body = UploadDetailDto), (status = 400, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope))
)]
pub async fn get_upload(
    req: actix_web::HttpRequest,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    // The first problem's reason may quote a cell (a name, a phone number): for the office only,
    // like the problems themselves; a visitor sees the kinds and counts.
    use crate::server::auth::{Role, require};
    let may_read_cells = require(&req, &pool, Role::Viewer, true).await.is_ok();
    let (upload, problems) = with_conn(&pool, move |conn| {
        let upload = actuals::upload_by_id(conn, id)?.ok_or_else(|| AppError::not_found("upload", id.to_string()))?;
        Ok((upload, actuals::upload_problems(conn, id)?.flatten()))
    })
    .await?;
    let mut problem_summary = problems.map(|p| Problems::from_stored(&p).summary).unwrap_or_default();
    if !may_read_cells {
        for count in &mut problem_summary {
            count.reason.clear();
            count.reason_zh.clear();
        }
    }
    Ok(HttpResponse::Ok().json(UploadDetailDto { upload: UploadDto::from(upload), problem_summary }))
}

/// A rejected upload's problems: every one counted, the first 1000 listed.
#[utoipa::path(
    get,
    path = "/api/v1/uploads/{id}/problems",
    params(("id" = i64, Path, description = "upload id")),
    responses(
        (status = 200, body = Problems),
        (status = 400, body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)
    ),
    security(("token" = []))
)]
pub async fn get_upload_problems(pool: web::Data<DbPool>, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let stored = with_conn(&pool, move |conn| {
        actuals::upload_problems(conn, id)?.ok_or_else(|| AppError::not_found("upload", id.to_string()))
    })
    .await?;
    Ok(HttpResponse::Ok().json(stored.map(|p| Problems::from_stored(&p)).unwrap_or_default()))
}

/// A file up to this size is sent back without a sending slot: a clerk's sheet of figures is a
/// few KB to a few hundred.
const SMALL_RAW_BYTES: i64 = 1 << 20;

/// The bytes of an upload exactly as received. A viewer token (or better) even when reads are
/// public: a department's own file may carry names and phone numbers.
#[utoipa::path(
    get,
    path = "/api/v1/uploads/{id}/raw",
    params(("id" = i64, Path, description = "upload id")),
    responses(
        (status = 200, content_type = "application/octet-stream", body = String),
        (status = 400, body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 410, description = "a refused file whose bytes were not kept", body = ErrorEnvelope)
    ),
    security(("token" = []))
)]
pub async fn get_upload_raw(
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (size, received) = with_conn(&pool, move |conn| {
        actuals::upload_raw_size(conn, id)?.ok_or_else(|| AppError::not_found("upload", id.to_string()))
    })
    .await?;
    if size == 0 && received > 0 {
        return Err(AppError::NotKept);
    }
    // A raw file may be 50 MB: a few in memory at once, each for at most the body timeout, however
    // slowly its client reads. A small one is sent without a slot, so readers that never read
    // hold no one else's small file back.
    let slot = if size > SMALL_RAW_BYTES { Some(state.sending_slot().await?) } else { None };
    let (name, raw) = with_conn(&pool, move |conn| {
        actuals::upload_raw(conn, id)?.ok_or_else(|| AppError::not_found("upload", id.to_string()))
    })
    .await?;
    let size = raw.len() as u64;
    let body = crate::server::sent_within(raw, slot, state.body_timeout);
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header(crate::server::attachment(&name))
        .body(actix_web::body::SizedStream::new(size, body)))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ActualsQuery {
    /// Include superseded revisions (with their uploads and times).
    pub history: Option<bool>,
    /// Only this region (default: every region).
    pub region: Option<String>,
    /// At most this many (1–5 000, default 1 000); `X-Total-Count` says how many there are, and
    /// `offset` pages through the rest.
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<i64>,
    /// Skip this many (default 0).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActualDto {
    pub region: String,
    pub period: String,
    pub period_end: chrono::NaiveDate,
    pub value: f64,
    pub note: Option<String>,
    pub source: Option<String>,
    pub upload_id: Option<i64>,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    /// Set on a revision that a later upload replaced.
    pub superseded_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<ActualRow> for ActualDto {
    fn from(a: ActualRow) -> Self {
        ActualDto {
            region: a.region,
            period: a.period,
            period_end: a.period_end,
            value: a.value,
            note: a.note,
            source: a.source,
            upload_id: a.upload_id,
            recorded_at: a.recorded_at.and_utc(),
            superseded_at: a.superseded_at.map(|t| t.and_utc()),
        }
    }
}

/// The most actuals one answer holds (each ~120 bytes of JSON), and how many when not asked: an
/// answer of 100 000 rows was 20 MB and held a database connection for seconds, so a few
/// strangers asking at once left none for anyone else.
const MAX_ACTUALS_PAGE: i64 = 5_000;
const DEFAULT_ACTUALS_PAGE: i64 = 1_000;

/// An indicator's actuals (current values; every revision with `?history=true`).
#[utoipa::path(
    get,
    path = "/api/v1/indicators/{slug}/actuals",

    params(("slug" = String, Path, description = "indicator slug"), ActualsQuery),
    responses((status = 200, body = [ActualDto]), (status = 404, body = ErrorEnvelope))
)]
pub async fn indicator_actuals(
    pool: web::Data<DbPool>,
    slug: web::Path<String>,
    query: web::Query<ActualsQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let ActualsQuery { history, region, limit, offset } = query.into_inner();
    let limit = limit.unwrap_or(DEFAULT_ACTUALS_PAGE);
    if !(1..=MAX_ACTUALS_PAGE).contains(&limit) {
        return Err(AppError::bad_parameter(
            "limit",
            format!("{limit} 不在 1–{MAX_ACTUALS_PAGE} 之间（用 offset 翻页）"),
            format!("{limit} is outside 1–{MAX_ACTUALS_PAGE} (page with offset)"),
        ));
    }
    let offset = offset.unwrap_or(0);
    if offset < 0 {
        return Err(AppError::bad_parameter("offset", "不能为负数", "must not be negative"));
    }
    let filter = actuals::ActualsFilter { history: history.unwrap_or(false), region, limit: Some(limit), offset };
    // Written as JSON off the request threads too: a page of thousands of rows is work.
    let (total, body) = with_conn(&pool, move |conn| {
        let indicator =
            queries::indicator_by_slug(conn, &slug)?.ok_or_else(|| AppError::not_found("indicator", &slug))?;
        let total = actuals::count_actuals_of_indicator(conn, indicator.id, &filter)?;
        let rows: Vec<ActualDto> =
            actuals::actuals_of_indicator(conn, indicator.id, &filter)?.into_iter().map(ActualDto::from).collect();
        let body = serde_json::to_vec(&rows).map_err(|e| AppError::Internal(e.into()))?;
        Ok::<_, AppError>((total, body))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("X-Total-Count", total.to_string()))
        .content_type(actix_web::http::header::ContentType::json())
        .body(body))
}
