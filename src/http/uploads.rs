//! Uploads of actuals: POST a CSV (body or multipart field `file`), list and read uploads, and the
//! actuals of an indicator with their revision history.

use actix_multipart::Multipart;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::require;
use super::{AppState, with_conn};
use crate::auth::Role;
use crate::db::models::{ActualRow, UploadSummaryRow};
use crate::db::{DbPool, actuals, queries};
use crate::error::{AppError, ErrorEnvelope};
use crate::ingest::{self, Encoding, IngestError, IngestReport, UploadRequest};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// Validate and report what would change, writing nothing.
    pub dry_run: Option<bool>,
    /// Force the text encoding: `utf-8` or `gb18030` (`gbk`). Default: detected.
    pub encoding: Option<String>,
    /// File name to record for a raw `text/csv` body (multipart uploads carry their own).
    pub name: Option<String>,
}

/// Reads a stream into memory, refusing it as soon as it passes the limit.
pub(crate) async fn read_limited<S, E>(mut stream: S, limit: usize) -> Result<Vec<u8>, AppError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest {
            message: format!("the upload could not be read: {e}"),
            details: serde_json::Value::Null,
        })?;
        if bytes.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge { limit });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The file of a multipart form: its name and bytes, from the field `file`.
async fn multipart_file(mut form: Multipart, limit: usize) -> Result<(Option<String>, Vec<u8>), AppError> {
    while let Some(field) = form.next().await {
        let field = field.map_err(|e| AppError::BadRequest {
            message: format!("the multipart form could not be read: {e}"),
            details: serde_json::Value::Null,
        })?;
        if field.name() == Some("file") {
            let name = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
            return Ok((name, read_limited(field, limit).await?));
        }
    }
    Err(AppError::BadRequest {
        message: "the multipart form has no field `file`".to_owned(),
        details: serde_json::json!({ "field": "file" }),
    })
}

/// Uploads a CSV of actuals. Answers 201 with what changed, 200 for a dry run or bytes already
/// uploaded (the original upload), 422 with every bad row (nothing written).
#[utoipa::path(
    params(UploadQuery),
    request_body(content = String, content_type = "text/csv", description = "CSV: indicator,period,value[,region,note,source]"),
    responses(
        (status = 201, body = IngestReport),
        (status = 200, description = "dry run, or the same bytes uploaded before", body = IngestReport),
        (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
        (status = 413, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)
    )
)]
#[post("/api/v1/uploads")]
pub async fn create_upload(
    req: HttpRequest,
    payload: web::Payload,
    query: web::Query<UploadQuery>,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let caller = require(&req, &pool, Role::Uploader).await?;
    let limit = state.upload_limit_bytes;
    let declared: Option<usize> =
        req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(AppError::PayloadTooLarge { limit });
    }
    let encoding: Option<Encoding> = match query.encoding.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(raw.parse().map_err(|reason: String| AppError::bad_parameter("encoding", reason))?),
    };
    let is_multipart = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (file_name, bytes) = if is_multipart {
        multipart_file(Multipart::new(req.headers(), payload), limit).await?
    } else {
        (None, read_limited(payload, limit).await?)
    };
    let request = UploadRequest {
        file_name: file_name.or_else(|| query.name.clone()).unwrap_or_else(|| "upload.csv".to_owned()),
        bytes,
        uploaded_by: caller.name,
        channel: "http".to_owned(),
        encoding,
        dry_run: query.dry_run.unwrap_or(false),
    };
    let regions = state.regions.clone();
    let result =
        with_conn(&pool, move |conn| Ok::<_, AppError>(ingest::ingest(conn, &request, &regions, crate::now()))).await?;
    match result {
        Ok(report) if report.dry_run || report.duplicate => Ok(HttpResponse::Ok().json(report)),
        Ok(report) => Ok(HttpResponse::Created().json(report)),
        Err(IngestError::Invalid { upload_id, errors }) => Err(AppError::InvalidUpload { upload_id, errors }),
        Err(IngestError::Db(e)) => Err(e.into()),
    }
}

/// An upload as listed: everything but the raw bytes.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadDto {
    pub id: i64,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub received_at: chrono::NaiveDateTime,
    pub uploaded_by: String,
    pub channel: String,
    pub rows_total: i32,
    pub rows_new: i32,
    pub rows_revised: i32,
    pub rows_unchanged: i32,
    /// `committed` or `rejected`.
    pub outcome: String,
    #[schema(value_type = Object)]
    pub errors: Option<serde_json::Value>,
    pub raw_url: String,
}

impl From<UploadSummaryRow> for UploadDto {
    fn from(u: UploadSummaryRow) -> Self {
        UploadDto {
            raw_url: format!("/api/v1/uploads/{}/raw", u.id),
            errors: u.error_report.as_deref().and_then(|r| serde_json::from_str(r).ok()),
            id: u.id,
            file_name: u.file_name,
            sha256: u.sha256,
            size_bytes: u.size_bytes,
            received_at: u.received_at,
            uploaded_by: u.uploaded_by,
            channel: u.channel,
            rows_total: u.rows_total,
            rows_new: u.rows_new,
            rows_revised: u.rows_revised,
            rows_unchanged: u.rows_unchanged,
            outcome: u.outcome,
        }
    }
}

/// Every upload, newest first.
#[utoipa::path(responses((status = 200, body = [UploadDto])))]
#[get("/api/v1/uploads")]
pub async fn list_uploads(pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let uploads = with_conn(&pool, move |conn| Ok::<_, AppError>(actuals::list_uploads(conn)?)).await?;
    Ok(HttpResponse::Ok().json(uploads.into_iter().map(UploadDto::from).collect::<Vec<_>>()))
}

/// One upload with its error report.
#[utoipa::path(
    params(("id" = i64, Path, description = "upload id")),
    responses((status = 200, body = UploadDto), (status = 404, body = ErrorEnvelope))
)]
#[get("/api/v1/uploads/{id}")]
pub async fn get_upload(pool: web::Data<DbPool>, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let upload = with_conn(&pool, move |conn| {
        actuals::upload_by_id(conn, id)?.ok_or_else(|| AppError::not_found("upload", id.to_string()))
    })
    .await?;
    Ok(HttpResponse::Ok().json(UploadDto::from(upload)))
}

/// The bytes of an upload exactly as received.
#[utoipa::path(
    params(("id" = i64, Path, description = "upload id")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = ErrorEnvelope))
)]
#[get("/api/v1/uploads/{id}/raw")]
pub async fn get_upload_raw(pool: web::Data<DbPool>, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (name, raw) = with_conn(&pool, move |conn| {
        actuals::upload_raw(conn, id)?.ok_or_else(|| AppError::not_found("upload", id.to_string()))
    })
    .await?;
    let ascii_name: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    Ok(HttpResponse::Ok()
        .content_type("text/csv")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{ascii_name}\"")))
        .body(raw))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ActualsQuery {
    /// Include superseded revisions (with their uploads and times).
    pub history: Option<bool>,
    /// Only this region (default: every region).
    pub region: Option<String>,
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
    pub recorded_at: chrono::NaiveDateTime,
    /// Set on a revision that a later upload replaced.
    pub superseded_at: Option<chrono::NaiveDateTime>,
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
            recorded_at: a.recorded_at,
            superseded_at: a.superseded_at,
        }
    }
}

/// An indicator's actuals (current values; every revision with `?history=true`).
#[utoipa::path(
    params(("slug" = String, Path, description = "indicator slug"), ActualsQuery),
    responses((status = 200, body = [ActualDto]), (status = 404, body = ErrorEnvelope))
)]
#[get("/api/v1/indicators/{slug}/actuals")]
pub async fn indicator_actuals(
    pool: web::Data<DbPool>,
    slug: web::Path<String>,
    query: web::Query<ActualsQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let ActualsQuery { history, region } = query.into_inner();
    let rows = with_conn(&pool, move |conn| {
        let indicator =
            queries::indicator_by_slug(conn, &slug)?.ok_or_else(|| AppError::not_found("indicator", &slug))?;
        let rows = actuals::actuals_of_indicator(conn, indicator.id, history.unwrap_or(false))?;
        Ok::<_, AppError>(
            rows.into_iter().filter(|a| region.as_ref().is_none_or(|r| &a.region == r)).collect::<Vec<_>>(),
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(ActualDto::from).collect::<Vec<_>>()))
}
