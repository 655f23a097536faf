//! The HTTP interface: one route table, the error envelope for extractor failures, OpenAPI.

mod charts;
pub mod dto;
pub(crate) mod handlers;
mod reports;
mod uploads;

use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::OpenApi;

use crate::error::{AppError, ErrorEnvelope};
use crate::server::auth::Role;
use crate::server::{Access, Routes};

#[derive(OpenApi)]
#[openapi(
    info(title = "plantrack", description = "Targets of government plans, their actuals and progress"),
    paths(
        handlers::healthz,
        handlers::list_plans,
        handlers::get_plan,
        handlers::list_indicators,
        handlers::get_indicator,
        handlers::list_targets,
        handlers::get_target,
        uploads::create_upload,
        uploads::list_uploads,
        uploads::get_upload,
        uploads::get_upload_raw,
        uploads::indicator_actuals,
        charts::target_chart,
        charts::plan_chart,
        reports::status_pdf,
        reports::list_reports,
        reports::get_report,
    ),
    components(schemas(ErrorEnvelope))
)]
pub struct ApiDoc;

/// The API's routes, each with who may use it.
pub fn routes(routes: &mut Routes) {
    routes.configure(|config| {
        config
            .app_data(web::QueryConfig::default().error_handler(|err, _req| {
                // serde names the offending field ("unknown field `foo`", "invalid digit … `as_of`").
                AppError::BadRequest {
                    message: format!("bad query parameter: {err}"),
                    details: serde_json::json!({ "reason": err.to_string() }),
                }
                .into()
            }))
            .app_data(web::PathConfig::default().error_handler(|err, _req| {
                AppError::BadRequest { message: format!("bad path: {err}"), details: serde_json::Value::Null }.into()
            }));
    });
    routes.at("/healthz").get(Access::Public, handlers::healthz).add();
    routes.at("/metrics").get(Access::Metrics, crate::server::metrics::metrics_text).add();
    routes.at("/api/openapi.json").get(Access::Read, openapi_json).add();
    routes.at("/api/v1/plans").get(Access::Read, handlers::list_plans).add();
    routes.at("/api/v1/plans/{slug}").get(Access::Read, handlers::get_plan).add();
    routes.at("/api/v1/indicators").get(Access::Read, handlers::list_indicators).add();
    routes.at("/api/v1/indicators/{slug}").get(Access::Read, handlers::get_indicator).add();
    routes.at("/api/v1/indicators/{slug}/actuals").get(Access::Read, uploads::indicator_actuals).add();
    routes.at("/api/v1/targets").get(Access::Read, handlers::list_targets).add();
    routes.at("/api/v1/targets/{slug}").get(Access::Read, handlers::get_target).add();
    routes
        .at("/api/v1/uploads")
        .get(Access::Read, uploads::list_uploads)
        .post(Access::Token(Role::Uploader), uploads::create_upload)
        .add();
    routes.at("/api/v1/uploads/{id}").get(Access::Read, uploads::get_upload).add();
    routes.at("/api/v1/uploads/{id}/problems").get(Access::Read, uploads::get_upload_problems).add();
    routes.at("/api/v1/uploads/{id}/raw").get(Access::Read, uploads::get_upload_raw).add();
    routes.at("/charts/targets/{file}").get(Access::Read, charts::target_chart).add();
    routes.at("/charts/plans/{file}").get(Access::Read, charts::plan_chart).add();
    routes.at("/reports/status.pdf").get(Access::Read, reports::status_pdf).add();
    routes.at("/api/v1/reports").get(Access::Read, reports::list_reports).add();
    routes.at("/api/v1/reports/{id}").get(Access::Read, reports::get_report).add();
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(ApiDoc::openapi().to_json().unwrap_or_default())
}

/// Any address no route answers.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    HttpResponse::NotFound().json(ErrorEnvelope::new(
        "not_found",
        format!("no route for {} {}", req.method(), req.path()),
        serde_json::Value::Null,
    ))
}
