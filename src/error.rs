//! One error type for requests. Policy: `QueryResult` inside `db`, `AppError` in handlers,
//! `anyhow` outside the request cycle (start-up, CLI). Every error answers with the JSON envelope
//! `{"error": {"code", "message", "details"}}`; internal causes are logged, never sent.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{what} `{slug}` not found")]
    NotFound { what: &'static str, slug: String },
    #[error("{message}")]
    BadRequest { message: String, details: Value },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("the upload is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the upload has {} problem(s); nothing was written", .problems.total)]
    InvalidUpload { upload_id: Option<i64>, problems: crate::ingest::Problems },
    #[error("{method} is not allowed here; this address answers {allow}")]
    MethodNotAllowed { method: String, allow: String },
    #[error("{0}")]
    Timeout(String),
    /// Too much work in line: try again shortly.
    #[error("{0}")]
    Busy(String),
    /// The work took longer than its budget and was stopped.
    #[error("{0}")]
    TooSlow(String),
    #[error("the database is unavailable: try again shortly")]
    Unavailable(#[source] anyhow::Error),
    #[error("the database's storage is full: nothing was written; an administrator must free space")]
    StorageFull(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// Nothing by that name (echoed at most 200 characters long).
    pub fn not_found(what: &'static str, slug: impl Into<String>) -> AppError {
        AppError::NotFound { what, slug: crate::ingest::clip(&slug.into()) }
    }

    pub fn bad_parameter(parameter: &str, reason: impl Into<String>) -> AppError {
        let reason = crate::ingest::clip(&reason.into());
        AppError::BadRequest {
            message: format!("query parameter `{parameter}`: {reason}"),
            details: serde_json::json!({ "parameter": parameter, "reason": reason }),
        }
    }

    /// Seconds after which a retry may succeed, for the errors that pass.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            AppError::Busy(_) | AppError::TooSlow(_) => Some(5),
            AppError::Unavailable(_) => Some(10),
            _ => None,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound { .. } => "not_found",
            AppError::BadRequest { .. } => "bad_request",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::PayloadTooLarge { .. } => "payload_too_large",
            AppError::InvalidUpload { .. } => "invalid_upload",
            AppError::MethodNotAllowed { .. } => "method_not_allowed",
            AppError::Timeout(_) => "timeout",
            AppError::Busy(_) => "busy",
            AppError::TooSlow(_) => "too_slow",
            AppError::StorageFull(_) => "storage_full",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    fn details(&self) -> Value {
        match self {
            AppError::NotFound { what, slug } => serde_json::json!({ "kind": what, "slug": slug }),
            AppError::BadRequest { details, .. } => details.clone(),
            AppError::PayloadTooLarge { limit } => serde_json::json!({ "limit_bytes": limit }),
            AppError::InvalidUpload { upload_id, problems } => {
                let mut details = serde_json::to_value(problems).unwrap_or(Value::Null);
                if let Some(object) = details.as_object_mut() {
                    object.insert("upload_id".to_owned(), serde_json::json!(upload_id));
                }
                details
            }
            AppError::MethodNotAllowed { allow, .. } => serde_json::json!({ "allow": allow }),
            _ => Value::Null,
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match crate::db::failure_kind(&e) {
            crate::db::Failure::StorageFull => AppError::StorageFull(e.into()),
            crate::db::Failure::Unreachable => AppError::Unavailable(e.into()),
            crate::db::Failure::Other => AppError::Internal(e.into()),
        }
    }
}

impl From<crate::judged::JudgedError> for AppError {
    fn from(e: crate::judged::JudgedError) -> Self {
        match e {
            crate::judged::JudgedError::Db(e) => e.into(),
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(e.into())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

/// The JSON error envelope.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[schema(value_type = Object)]
    pub details: Value,
}

impl ErrorEnvelope {
    pub fn new(code: &str, message: impl Into<String>, details: Value) -> ErrorEnvelope {
        // Always an object, so that clients (and the schema) need no special case for "nothing".
        let details = if details.is_null() { serde_json::json!({}) } else { details };
        ErrorEnvelope { error: ErrorBody { code: code.to_owned(), message: message.into(), details } }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::InvalidUpload { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            AppError::Busy(_) | AppError::TooSlow(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::StorageFull(_) => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) | AppError::Unavailable(cause) | AppError::StorageFull(cause) = self {
            tracing::error!(error = ?cause, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        if let Some(seconds) = self.retry_after() {
            response.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(ErrorEnvelope::new(self.code(), self.to_string(), self.details()))
    }
}
