//! The HTTP interface: one route table, the error envelope for extractor failures, OpenAPI.

pub(crate) mod auth;
mod charts;
pub mod dto;
pub(crate) mod handlers;
mod reports;
mod uploads;

pub(crate) use uploads::read_limited;

/// What handlers need besides the pool: the places actuals may be for and the upload rules.
#[derive(Debug, Clone)]
pub struct AppState {
    pub regions: crate::catalog::Regions,
    pub upload_limit_bytes: usize,
    pub public_read: bool,
}

use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::OpenApi;

use crate::error::{AppError, ErrorEnvelope};

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

/// Runs a blocking database closure on actix's thread pool with a pooled connection.
pub(crate) async fn with_conn<T, F>(pool: &web::Data<crate::db::DbPool>, f: F) -> Result<T, AppError>
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
        AppError::BadRequest { message: format!("bad path: {err}"), details: serde_json::Value::Null }.into()
    }))
    .service(handlers::healthz)
    .service(handlers::list_plans)
    .service(handlers::get_plan)
    .service(handlers::list_indicators)
    .service(handlers::get_indicator)
    .service(handlers::list_targets)
    .service(handlers::get_target)
    .service(uploads::create_upload)
    .service(uploads::list_uploads)
    .service(uploads::get_upload)
    .service(uploads::get_upload_raw)
    .service(uploads::indicator_actuals)
    .service(charts::target_chart)
    .service(charts::plan_chart)
    .service(reports::status_pdf)
    .service(reports::list_reports)
    .service(reports::get_report)
    .route("/api/openapi.json", web::get().to(openapi_json))
    .default_service(web::to(not_found));
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(ApiDoc::openapi().to_json().unwrap_or_default())
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    HttpResponse::NotFound().json(ErrorEnvelope::new(
        "not_found",
        format!("no route for {} {}", req.method(), req.path()),
        serde_json::Value::Null,
    ))
}

/// With `public_read = false`, every read of data (API, charts, reports, pages) needs a viewer token;
/// writes check their own role.
pub async fn guard_reads(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let public = req.app_data::<web::Data<AppState>>().is_none_or(|s| s.public_read);
    let path = req.path();
    let page = path == "/" || ["/plans/", "/targets/", "/uploads", "/reports"].iter().any(|p| path.starts_with(p));
    let data_path = page || ["/api/v1/", "/charts/"].iter().any(|p| path.starts_with(p));
    let guarded = !public && req.method() == actix_web::http::Method::GET && data_path;
    if guarded {
        let pool = req.app_data::<web::Data<crate::db::DbPool>>().cloned();
        if let Some(pool) = pool
            && let Err(e) = auth::require(req.request(), &pool, crate::auth::Role::Viewer).await
        {
            // A browser on a page is sent to sign in, and brought back afterwards.
            if page && matches!(e, AppError::Unauthorized(_)) {
                let to = format!("/signin?{}", serde_urlencoded::to_string([("next", path)]).unwrap_or_default());
                return Ok(req.into_response(HttpResponse::SeeOther().insert_header(("Location", to)).finish()));
            }
            return Ok(req.error_response(e));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
