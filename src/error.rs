//! One error type for requests. Policy: `QueryResult` inside `db`, `AppError` in handlers,
//! `anyhow` outside the request cycle (start-up, CLI). Every error answers with the JSON envelope
//! `{"error": {"code", "message", "message_en", "details"}}`; internal causes are logged, never sent.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::Value;

use crate::present::Lang;

/// What an error says, in Chinese and in English: a page shows the one of its language, the
/// JSON envelope carries both (`message` in Chinese, `message_en`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Said {
    pub zh: String,
    pub en: String,
}

impl Said {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Said {
        Said { zh: zh.into(), en: en.into() }
    }

    pub fn pick(&self, lang: Lang) -> &str {
        if lang == Lang::Zh { &self.zh } else { &self.en }
    }
}

impl std::fmt::Display for Said {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{what} `{slug}` not found")]
    NotFound { what: &'static str, slug: String },
    #[error("{message}")]
    BadRequest { message: Said, details: Value },
    /// A refused file whose bytes were not kept (its sender's daily allowance was used up).
    #[error("this refused file was not kept: its sender had sent more refused files that day than are kept")]
    NotKept,
    #[error("{0}")]
    Unauthorized(Said),
    #[error("{0}")]
    Forbidden(Said),
    #[error("what was sent is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the upload has {} problem(s); nothing was written", .problems.total)]
    InvalidUpload { upload_id: Option<i64>, problems: crate::ingest::Problems },
    /// Rows of indicators the uploader's department does not report.
    #[error("{} row(s) are figures your department does not report; nothing was written", .problems.total)]
    NotYours { problems: crate::ingest::Problems },
    /// Well-formed but unusable content (a document with no text, a plan that does not validate).
    #[error("{message}")]
    Unprocessable { code: &'static str, message: Said, details: Value },
    /// A request body sent compressed: decompressing it would cost more than its size says.
    #[error(
        "request bodies are taken as they are: Content-Encoding `{encoding}` is not accepted; send the body uncompressed"
    )]
    EncodedBody { encoding: String },
    #[error("{method} is not allowed here; this address answers {allow}")]
    MethodNotAllowed { method: String, allow: String },
    #[error("{0}")]
    Timeout(Said),
    /// Too much work in line: try again shortly.
    #[error("{0}")]
    Busy(Said),
    /// The work took longer than its budget and was stopped.
    #[error("{0}")]
    TooSlow(Said),
    #[error("the database is unavailable: try again shortly")]
    Unavailable(#[source] anyhow::Error),
    #[error("the server's storage is full: nothing was written; an administrator must free space")]
    StorageFull(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// A kind of thing, as a Chinese reader names it.
fn kind_zh(what: &str) -> &str {
    match what {
        "plan" => "规划",
        "target" => "目标",
        "indicator" => "指标",
        "upload" => "上传记录",
        "report" => "报告",
        "address" => "地址",
        "token" => "令牌",
        "department" => "部门",
        "draft" => "草稿",
        "chart" => "图表",
        "report file" => "报告文件",
        "template" => "模板",
        "document" => "原文",
        other => other,
    }
}

impl AppError {
    /// Nothing by that name (echoed at most 200 characters long).
    pub fn not_found(what: &'static str, slug: impl Into<String>) -> AppError {
        AppError::NotFound { what, slug: crate::ingest::clip(&slug.into()) }
    }

    /// What the error says in one language.
    pub fn message(&self, lang: Lang) -> String {
        let zh = match self {
            AppError::NotFound { what, slug } => format!("未找到{}“{slug}”", kind_zh(what)),
            AppError::BadRequest { message: said, .. }
            | AppError::Unauthorized(said)
            | AppError::Forbidden(said)
            | AppError::Timeout(said)
            | AppError::Busy(said)
            | AppError::TooSlow(said) => said.zh.clone(),
            AppError::PayloadTooLarge { limit } => format!("发送的内容超过 {limit} 字节的上限"),
            AppError::NotKept => {
                "这份被拒绝的文件未保存：发送者当天被拒绝的文件已超过保存额度（其问题清单仍在）".to_owned()
            }
            AppError::Unprocessable { message, .. } => message.zh.clone(),
            AppError::InvalidUpload { problems, .. } => format!("文件有 {} 处问题，未写入任何数据", problems.total),
            AppError::NotYours { problems } => {
                format!("{} 行是你的部门不负责报送的指标，未写入任何数据", problems.total)
            }
            AppError::MethodNotAllowed { method, allow } => format!("此地址不接受 {method}，只接受 {allow}"),
            AppError::EncodedBody { encoding } => {
                format!("请求内容须按原样发送：不接受压缩编码（Content-Encoding: {encoding}），请发送未压缩的内容")
            }
            AppError::Unavailable(_) => "数据库暂时不可用，请稍后再试".to_owned(),
            AppError::StorageFull(_) => "服务器存储空间已满，未写入任何数据；请管理员释放空间".to_owned(),
            AppError::Internal(_) => "服务器内部错误".to_owned(),
        };
        match lang {
            Lang::Zh => zh,
            Lang::En => self.to_string(),
        }
    }

    /// A query parameter that cannot be used: which one, and why (in both languages).
    pub fn bad_parameter(parameter: &str, zh: impl Into<String>, en: impl Into<String>) -> AppError {
        let (zh, en) = (crate::ingest::clip(&zh.into()), crate::ingest::clip(&en.into()));
        AppError::BadRequest {
            message: Said::new(format!("参数 {parameter} 有误：{zh}"), format!("query parameter `{parameter}`: {en}")),
            details: serde_json::json!({ "parameter": parameter, "reason": en, "reason_zh": zh }),
        }
    }

    /// A field of a JSON body that cannot be used: which one, and why (in both languages).
    pub fn bad_field(field: &str, zh: impl Into<String>, en: impl Into<String>) -> AppError {
        let (zh, en) = (crate::ingest::clip(&zh.into()), crate::ingest::clip(&en.into()));
        AppError::BadRequest {
            message: Said::new(
                format!("请求内容中的 {field} 有误：{zh}"),
                format!("field `{field}` of the body: {en}"),
            ),
            details: serde_json::json!({ "field": field, "reason": en, "reason_zh": zh }),
        }
    }

    /// A query string that does not parse (serde's words, which are English, read for a Chinese
    /// reader as well).
    pub fn bad_query(reason: &str) -> AppError {
        let reason = crate::ingest::clip(reason);
        let zh = match reason.strip_prefix("unknown field `").and_then(|rest| rest.split_once('`')) {
            Some((field, _)) => format!("没有名为“{field}”的参数"),
            None => "查询参数有误：参数的写法或取值不合规则".to_owned(),
        };
        AppError::BadRequest {
            message: Said::new(zh, format!("bad query parameter: {reason}")),
            details: serde_json::json!({ "reason": reason }),
        }
    }

    /// A request that cannot be used, with what is wrong (in both languages).
    pub fn bad_request(zh: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError::BadRequest { message: Said::new(zh, en), details: Value::Null }
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
            AppError::NotKept => "not_kept",
            AppError::InvalidUpload { .. } => "invalid_upload",
            AppError::NotYours { .. } => "not_your_indicators",
            AppError::MethodNotAllowed { .. } => "method_not_allowed",
            AppError::EncodedBody { .. } => "encoded_body",
            AppError::Unprocessable { code, .. } => code,
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
            AppError::NotYours { problems } => serde_json::to_value(problems).unwrap_or(Value::Null),
            AppError::MethodNotAllowed { allow, .. } => serde_json::json!({ "allow": allow }),
            AppError::EncodedBody { encoding } => serde_json::json!({ "content_encoding": encoding }),
            AppError::Unprocessable { details, .. } => details.clone(),
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
    /// What went wrong, in Chinese.
    pub message: String,
    /// The same in English.
    pub message_en: String,
    #[schema(value_type = Object)]
    pub details: Value,
}

impl ErrorEnvelope {
    pub fn new(code: &str, message: impl Into<String>, message_en: impl Into<String>, details: Value) -> ErrorEnvelope {
        // Always an object, so that clients (and the schema) need no special case for "nothing".
        let details = if details.is_null() { serde_json::json!({}) } else { details };
        ErrorEnvelope {
            error: ErrorBody { code: code.to_owned(), message: message.into(), message_en: message_en.into(), details },
        }
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
            AppError::NotKept => StatusCode::GONE,
            AppError::InvalidUpload { .. } | AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotYours { .. } => StatusCode::FORBIDDEN,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::EncodedBody { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
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
        response.json(ErrorEnvelope::new(self.code(), self.message(Lang::Zh), self.to_string(), self.details()))
    }
}
