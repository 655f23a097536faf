//! The HTTP interface: one route table, the error envelope for extractor failures, OpenAPI.

pub mod dto;
mod handlers;

use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::OpenApi;

use crate::error::{AppError, ErrorEnvelope};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "plantrack",
        description = "Targets of government plans, their actuals and progress"
    ),
    paths(
        handlers::healthz,
        handlers::list_plans,
        handlers::get_plan,
        handlers::list_indicators,
        handlers::get_indicator,
        handlers::list_targets,
        handlers::get_target,
    ),
    components(schemas(ErrorEnvelope))
)]
pub struct ApiDoc;

/// Every route of the application, in one place.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|err, _req| {
        // serde names the offending field ("unknown field `foo`", "invalid digit … `as_of`").
        AppError::BadRequest {
            message: format!("bad query parameter: {err}"),
            details: serde_json::json!({ "reason": err.to_string() }),
        }
        .into()
    }))
    .app_data(web::PathConfig::default().error_handler(|err, _req| {
        AppError::BadRequest {
            message: format!("bad path: {err}"),
            details: serde_json::Value::Null,
        }
        .into()
    }))
    .service(handlers::healthz)
    .service(handlers::list_plans)
    .service(handlers::get_plan)
    .service(handlers::list_indicators)
    .service(handlers::get_indicator)
    .service(handlers::list_targets)
    .service(handlers::get_target)
    .route("/api/openapi.json", web::get().to(openapi_json))
    .default_service(web::to(not_found));
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(ApiDoc::openapi().to_json().unwrap_or_default())
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    HttpResponse::NotFound().json(ErrorEnvelope::new(
        "not_found",
        format!("no route for {} {}", req.method(), req.path()),
        serde_json::Value::Null,
    ))
}
