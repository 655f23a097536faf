//! The HTTP interface: one route table, the error envelope for extractor failures, OpenAPI.

mod charts;
pub mod departments;
pub mod drafts;
pub mod dto;
pub(crate) mod handlers;
mod notifications;
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
        departments::list_departments,
        departments::get_department,
        departments::set_duty,
        notifications::list_notifications,
        uploads::create_upload,
        uploads::list_uploads,
        uploads::get_upload,
        uploads::get_upload_problems,
        uploads::get_upload_raw,
        uploads::indicator_actuals,
        charts::target_chart,
        charts::plan_chart,
        reports::status_pdf,
        reports::status_docx,
        reports::list_reports,
        reports::get_report,
        drafts::create_draft,
        drafts::list_drafts,
        drafts::get_draft,
        drafts::draft_text,
        drafts::publish_draft,
    ),
    components(schemas(
        ErrorEnvelope,
        crate::present::Lang,
        crate::progress::Method,
        uploads::EncodingName,
        crate::report::Layout,
        crate::report::Group
    )),
    modifiers(&CommonAnswers)
)]
pub struct ApiDoc;

/// The answers every operation can give, added to each so that none goes undocumented: 400 for a
/// parameter that is not valid, 401/403 when reads are closed, 404 for a path naming nothing,
/// 503 while the database is away or the server busy; and the bearer token scheme.
struct CommonAnswers;

impl utoipa::Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorEnvelope"))).build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [&mut item.get, &mut item.post, &mut item.put].into_iter().flatten();
            for operation in operations {
                let has_parameters = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let mut common = vec![
                    ("401", "a token is needed (reads are not public, or this writes)"),
                    ("403", "the token's role is too low"),
                    ("503", "the database is away or the server is busy: see Retry-After"),
                ];
                if has_parameters || path.contains('{') {
                    common.push(("400", "a parameter is not valid (the message names it)"));
                }
                if path.contains('{') {
                    common.push(("404", "nothing by that name or id"));
                }
                for (status, description) in common {
                    operation.responses.responses.entry(status.to_owned()).or_insert_with(|| error(description).into());
                }
            }
        }
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme("token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        }
    }
}

/// The largest JSON body taken (a reviewed plan of 2 000 targets is about 1 MB).
const JSON_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// The API's routes, each with who may use it.
pub fn routes(routes: &mut Routes) {
    routes.configure(|config| {
        config
            .app_data(web::QueryConfig::default().error_handler(|err, req| {
                // serde names the offending field ("unknown field `foo`", "invalid digit … `as_of`").
                answered(req, AppError::bad_query(&err.to_string()))
            }))
            .app_data(web::PathConfig::default().error_handler(|err, req| {
                let reason = crate::ingest::clip(&err.to_string());
                answered(req, AppError::bad_request(format!("地址有误：{reason}"), format!("bad path: {reason}")))
            }))
            // JSON bodies (a reporting duty, a reviewed plan): the envelope for every refusal.
            .app_data(web::JsonConfig::default().limit(JSON_BODY_LIMIT).error_handler(|err, req| {
                use actix_web::error::JsonPayloadError;
                let error = match &err {
                    JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                        AppError::PayloadTooLarge { limit: JSON_BODY_LIMIT }
                    }
                    JsonPayloadError::ContentType => AppError::bad_request(
                        "请求体须为 JSON（Content-Type: application/json）",
                        "the body must be JSON (Content-Type: application/json)",
                    ),
                    other => {
                        let reason = crate::ingest::clip(&other.to_string());
                        AppError::bad_request(format!("JSON 请求体有误：{reason}"), format!("bad JSON body: {reason}"))
                    }
                };
                answered(req, error)
            }));
    });
    routes.at("/healthz").get(Access::Public, handlers::healthz).add();
    routes.at("/metrics").get(Access::Metrics, crate::server::metrics::metrics_text).add();
    routes.at("/api/openapi.json").get(Access::Read, openapi_json).kept().add();
    routes.at("/api/v1/plans").get(Access::Read, handlers::list_plans).kept().add();
    routes.at("/api/v1/plans/{slug}").get(Access::Read, handlers::get_plan).kept().add();
    routes.at("/api/v1/indicators").get(Access::Read, handlers::list_indicators).kept().add();
    routes.at("/api/v1/indicators/{slug}").get(Access::Read, handlers::get_indicator).kept().add();
    routes.at("/api/v1/indicators/{slug}/actuals").get(Access::Read, uploads::indicator_actuals).kept().add();
    routes.at("/api/v1/targets").get(Access::Read, handlers::list_targets).kept().add();
    routes.at("/api/v1/targets/{slug}").get(Access::Read, handlers::get_target).kept().add();
    routes.at("/api/v1/departments").get(Access::Read, departments::list_departments).kept().add();
    routes.at("/api/v1/departments/{slug}").get(Access::Read, departments::get_department).kept().add();
    routes.at("/api/v1/notifications").get(Access::Read, notifications::list_notifications).add();
    routes.at("/api/v1/indicators/{slug}/duty").put(Access::Token(Role::Admin), departments::set_duty).add();
    routes
        .at("/api/v1/plan-drafts")
        .get(Access::Token(Role::Admin), drafts::list_drafts)
        .post(Access::Token(Role::Admin), drafts::create_draft)
        .add();
    routes.at("/api/v1/plan-drafts/{id}").get(Access::Token(Role::Admin), drafts::get_draft).add();
    routes.at("/api/v1/plan-drafts/{id}/text").get(Access::Token(Role::Admin), drafts::draft_text).add();
    routes.at("/api/v1/plan-drafts/{id}/publish").post(Access::Token(Role::Admin), drafts::publish_draft).add();
    routes
        .at("/api/v1/uploads")
        .get(Access::Read, uploads::list_uploads)
        .post(Access::Token(Role::Uploader), uploads::create_upload)
        .add();
    routes.at("/api/v1/uploads/{id}").get(Access::Read, uploads::get_upload).add();
    // A refused file's problems quote its cells: as restricted as its bytes.
    routes.at("/api/v1/uploads/{id}/problems").get(Access::Restricted, uploads::get_upload_problems).add();
    routes.at("/api/v1/uploads/{id}/raw").get(Access::Restricted, uploads::get_upload_raw).add();
    routes.at("/charts/targets/{file}").get(Access::Read, charts::target_chart).kept().add();
    routes.at("/charts/plans/{file}").get(Access::Read, charts::plan_chart).kept().add();
    routes.at("/reports/status.pdf").get(Access::Read, reports::status_pdf).add();
    routes.at("/reports/status.docx").get(Access::Read, reports::status_docx).add();
    routes.at("/api/v1/reports").get(Access::Read, reports::list_reports).add();
    routes.at("/api/v1/reports/{id}").get(Access::Read, reports::get_report).add();
}

/// An extractor's error as its caller reads it: a page for a browser (`/uploads/abc` typed into
/// the address bar), the JSON envelope for an API client.
fn answered(req: &actix_web::HttpRequest, error: AppError) -> actix_web::Error {
    let response = crate::server::errors::answer(req, &error);
    actix_web::error::InternalError::from_response(error, response).into()
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(ApiDoc::openapi().to_json().unwrap_or_default())
}

/// Any address no route answers.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    let (method, path) = (req.method(), crate::ingest::clip(req.path()));
    HttpResponse::NotFound().json(ErrorEnvelope::new(
        "not_found",
        format!("没有地址 {method} {path}"),
        format!("no route for {method} {path}"),
        serde_json::Value::Null,
    ))
}
