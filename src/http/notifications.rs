//! `GET /api/v1/notifications`: the reminders outbox, newest first, with each notice's delivery.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::DbPool;
use crate::db::notifications::{self, NotificationRow};
use crate::error::{AppError, ErrorEnvelope};
use crate::ingest::clip;
use crate::server::with_conn;

const STATES: [&str; 5] = [
    notifications::PENDING,
    notifications::DELIVERING,
    notifications::DELIVERED,
    notifications::FAILED,
    notifications::UNSENT,
];

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    /// Only notices in this state: pending, delivering, delivered, failed or unsent (no webhook).
    pub state: Option<String>,
    /// At most this many (1–1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Skip this many (default 0).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    /// How many notices match.
    pub total: i64,
    pub notifications: Vec<NotificationRow>,
}

/// The reminders: figures falling due, figures overdue, targets that turned off track, missed
/// or achieved; one entry per notice and webhook, with its delivery state and attempts.
#[utoipa::path(
    get,
    path = "/api/v1/notifications",
    params(NotificationQuery),
    responses((status = 200, body = NotificationPage), (status = 400, body = ErrorEnvelope))
)]
pub async fn list_notifications(
    pool: web::Data<DbPool>,
    query: web::Query<NotificationQuery>,
) -> Result<HttpResponse, AppError> {
    let NotificationQuery { state, limit, offset } = query.into_inner();
    let state = state.filter(|s| !s.is_empty());
    if let Some(s) = &state
        && !STATES.contains(&s.as_str())
    {
        return Err(AppError::bad_parameter(
            "state",
            format!("未知的状态“{}”：可选 {}", clip(s), STATES.join("、")),
            format!("unknown state `{}`: use {}", clip(s), STATES.join(", ")),
        ));
    }
    let limit = limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::bad_parameter("limit", "须在 1–1000 之间", "must be 1–1000"));
    }
    let offset = offset.unwrap_or(0);
    if offset < 0 {
        return Err(AppError::bad_parameter("offset", "不能为负数", "cannot be negative"));
    }
    let (rows, total) =
        with_conn(&pool, move |conn| Ok(notifications::list(conn, state.as_deref(), limit, offset)?)).await?;
    Ok(HttpResponse::Ok().json(NotificationPage { total, notifications: rows }))
}
