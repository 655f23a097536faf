//! Drafts of new plans: send a plan's text, get its candidate targets, publish the reviewed ones.
//! Publishing validates the plan as a catalog file beside every other (quotes verbatim on the
//! stored text) and writes it with the catalog sync in one transaction: all of it, or nothing.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::{DbPool, drafts};
use crate::error::{AppError, ErrorEnvelope};
use crate::intake::publish::PublishRequest;
use crate::intake::{self, Draft};
use crate::server::auth::Caller;
use crate::server::{AppState, read_limited, with_conn, within};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DraftQuery {
    /// The document's file name, kept with the draft.
    pub name: Option<String>,
}

/// A stored draft: its id and where to review it, then the draft itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftAnswer {
    pub id: i64,
    pub file_name: String,
    /// The review page.
    pub review_url: String,
    /// The header as read (title, 文号, issue date, horizon), the number of lines, the format.
    #[schema(value_type = crate::intake::DraftDocument)]
    pub document: serde_json::Value,
    /// In line order; `line` counts from 1 in the stored text and `quote` is a verbatim part of it.
    #[schema(value_type = Vec<crate::intake::Candidate>)]
    pub candidates: serde_json::Value,
    /// Set when no candidate was found: why, in Chinese and English.
    pub note: Option<String>,
    pub note_en: Option<String>,
    pub published_slug: Option<String>,
}

/// Drafts the targets of a plan text: plain text (UTF-8 or GB18030), .docx, .html or a PDF with a
/// text layer, at most 5 MB. The text is stored with numbered lines; every candidate cites one.
#[utoipa::path(
    post,
    path = "/api/v1/plan-drafts",
    params(DraftQuery),
    request_body(content = String, content_type = "application/octet-stream", description = "the plan document"),
    responses(
        (status = 201, body = DraftAnswer),
        (status = 408, description = "the body did not arrive in time", body = ErrorEnvelope),
        (status = 413, body = ErrorEnvelope),
        (status = 422, description = "no text could be read from the document", body = ErrorEnvelope)
    ),
    security(("token" = []))
)]
pub async fn create_draft(
    req: actix_web::HttpRequest,
    payload: web::Payload,
    query: web::Query<DraftQuery>,
    caller: Caller,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let limit = intake::MAX_DOCUMENT_BYTES;
    let (bytes, _slot) =
        state.received(caller.token_id, within(state.body_timeout, read_limited(payload, limit))).await?;
    let name = query.into_inner().name;
    let text = read_sent(&req, &state, bytes).await?;
    let answer = with_conn(&pool, move |conn| {
        let (id, file_name, draft) = intake::draft_and_keep(conn, &text, name.as_deref(), &caller.name)?;
        Ok(answer_of(id, file_name, &draft, None))
    })
    .await?;
    Ok(HttpResponse::Created().json(answer))
}

/// Reads a document sent over the network ([`intake::read_sent`]) in a blocking thread, within
/// the work budget and for as long as its client waits.
pub(crate) async fn read_sent(
    req: &actix_web::HttpRequest,
    state: &AppState,
    bytes: Vec<u8>,
) -> Result<intake::DocumentText, AppError> {
    let (budget, watch) = crate::server::client::budget_for(req, state.work_budget);
    let text = web::block(move || intake::read_sent(&bytes, &budget)).await?;
    watch.finished();
    text
}

fn answer_of(id: i64, file_name: String, draft: &Draft, published_slug: Option<String>) -> DraftAnswer {
    let note = draft.empty_note();
    DraftAnswer {
        id,
        file_name,
        review_url: format!("/plans/drafts/{id}"),
        document: serde_json::to_value(&draft.document).unwrap_or_default(),
        candidates: serde_json::to_value(&draft.candidates).unwrap_or_default(),
        note: note.as_ref().map(|n| n.zh.clone()),
        note_en: note.map(|n| n.en),
        published_slug,
    }
}

/// A stored draft as it was answered when it was made.
#[utoipa::path(
    get,
    path = "/api/v1/plan-drafts/{id}",
    params(("id" = i64, Path, description = "the draft's id")),
    responses((status = 200, body = DraftAnswer)),
    security(("token" = []))
)]
pub async fn get_draft(id: web::Path<String>, pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let id = crate::server::params::draft_id(&id)?;
    let row = with_conn(&pool, move |conn| Ok(drafts::draft(conn, id)?)).await?;
    let row = row.ok_or_else(|| AppError::not_found("draft", id.to_string()))?;
    let draft: serde_json::Value = serde_json::from_str(&row.draft).map_err(anyhow::Error::from)?;
    let note = draft["candidates"].as_array().is_some_and(|c| c.is_empty()).then(intake::empty_note);
    Ok(HttpResponse::Ok().json(DraftAnswer {
        id: row.id,
        file_name: row.file_name,
        review_url: format!("/plans/drafts/{}", row.id),
        document: draft["document"].clone(),
        candidates: draft["candidates"].clone(),
        note: note.as_ref().map(|n| n.zh.clone()),
        note_en: note.map(|n| n.en),
        published_slug: row.published_slug,
    }))
}

/// The text a draft cites, as stored: one line per line, numbered from 1.
#[utoipa::path(
    get,
    path = "/api/v1/plan-drafts/{id}/text",
    params(("id" = i64, Path, description = "the draft's id")),
    responses((status = 200, content_type = "text/plain", body = String)),
    security(("token" = []))
)]
pub async fn draft_text(id: web::Path<String>, pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let id = crate::server::params::draft_id(&id)?;
    let row = with_conn(&pool, move |conn| Ok(drafts::draft(conn, id)?)).await?;
    let row = row.ok_or_else(|| AppError::not_found("draft", id.to_string()))?;
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(row.text))
}

/// Publishes the reviewed targets of a draft as a plan (or a new version of it). The plan is
/// validated exactly as a file in `targets/`; on any problem nothing is stored and the answer
/// lists every problem.
#[utoipa::path(
    post,
    path = "/api/v1/plan-drafts/{id}/publish",
    params(("id" = i64, Path, description = "the draft's id")),
    request_body = PublishRequest,
    responses(
        (status = 201, body = intake::publish::Published),
        (status = 422, description = "the plan does not validate: details.problems lists why", body = ErrorEnvelope)
    ),
    security(("token" = []))
)]
pub async fn publish_draft(
    id: web::Path<String>,
    input: web::Json<PublishRequest>,
    caller: Caller,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id = crate::server::params::draft_id(&id)?;
    let request = input.into_inner();
    let paths = state.catalog_paths.clone();
    // Validating the whole catalog is heavy work, taken in turn as on the review page.
    let _slot = state.heavy_slot().await?;
    let published =
        with_conn(&pool, move |conn| intake::publish::publish_draft(conn, id, &request, &paths, &caller.name)).await?;
    state.refresh().await;
    Ok(HttpResponse::Created().json(published))
}

/// Drafts, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/plan-drafts",
    responses((status = 200, body = Vec<DraftSummary>)),
    security(("token" = []))
)]
pub async fn list_drafts(pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let rows = with_conn(&pool, |conn| Ok(drafts::recent_drafts(conn, 200)?)).await?;
    let list: Vec<DraftSummary> = rows
        .into_iter()
        .map(|r| DraftSummary {
            id: r.id,
            file_name: r.file_name,
            format: r.format,
            created_by: r.created_by,
            created_at: r.created_at.and_utc(),
            published_slug: r.published_slug,
            review_url: format!("/plans/drafts/{}", r.id),
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DraftSummary {
    pub id: i64,
    pub file_name: String,
    pub format: String,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub published_slug: Option<String>,
    pub review_url: String,
}
