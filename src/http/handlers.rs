//! Read handlers: extract, query inside `web::block`, map to JSON.

use std::collections::HashMap;

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{Health, IndicatorDetailDto, IndicatorDto, PlanDetailDto, PlanDto, TargetDto};
use crate::db::{self, DbPool, queries};
use crate::error::{AppError, ErrorEnvelope};

/// Runs a blocking database closure on actix's thread pool with a pooled connection.
async fn with_conn<T, F>(pool: &web::Data<DbPool>, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut db::DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}

/// Liveness and database reachability.
#[utoipa::path(responses(
    (status = 200, body = Health),
    (status = 503, description = "database unreachable", body = ErrorEnvelope)
))]
#[get("/healthz")]
pub async fn healthz(pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    with_conn(&pool, |conn| {
        db::ping(conn).map_err(|e| AppError::Unavailable(e.into()))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok",
        database: "ok",
    }))
}

/// Every current plan with its number of targets.
#[utoipa::path(responses((status = 200, body = [PlanDto])))]
#[get("/api/v1/plans")]
pub async fn list_plans(pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let plans = with_conn(&pool, |conn| {
        let counts: HashMap<i64, i64> = queries::target_counts_by_plan(conn)?.into_iter().collect();
        let plans = queries::list_plans(conn)?;
        Ok(plans
            .iter()
            .map(|p| PlanDto::new(p, counts.get(&p.id).copied().unwrap_or(0)))
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(plans))
}

/// One plan with its targets.
#[utoipa::path(
    params(("slug" = String, Path, description = "plan slug")),
    responses((status = 200, body = PlanDetailDto), (status = 404, body = ErrorEnvelope))
)]
#[get("/api/v1/plans/{slug}")]
pub async fn get_plan(
    pool: web::Data<DbPool>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let plan = with_conn(&pool, move |conn| {
        let plan = queries::plan_by_slug(conn, &slug)?
            .ok_or_else(|| AppError::not_found("plan", &slug))?;
        let targets: Vec<TargetDto> = queries::list_targets(conn, Some(&slug), None)?
            .iter()
            .map(|(t, p, i)| TargetDto::new(t, p, i))
            .collect();
        Ok(PlanDetailDto {
            plan: PlanDto::new(&plan, targets.len() as i64),
            targets,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(plan))
}

/// Every current indicator.
#[utoipa::path(responses((status = 200, body = [IndicatorDto])))]
#[get("/api/v1/indicators")]
pub async fn list_indicators(pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let indicators = with_conn(&pool, |conn| {
        Ok(queries::list_indicators(conn)?
            .iter()
            .map(IndicatorDto::from)
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(indicators))
}

/// One indicator with the targets of every plan set on it.
#[utoipa::path(
    params(("slug" = String, Path, description = "indicator slug")),
    responses((status = 200, body = IndicatorDetailDto), (status = 404, body = ErrorEnvelope))
)]
#[get("/api/v1/indicators/{slug}")]
pub async fn get_indicator(
    pool: web::Data<DbPool>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let indicator = with_conn(&pool, move |conn| {
        let row = queries::indicator_by_slug(conn, &slug)?
            .ok_or_else(|| AppError::not_found("indicator", &slug))?;
        let targets = queries::list_targets(conn, None, Some(&slug))?
            .iter()
            .map(|(t, p, i)| TargetDto::new(t, p, i))
            .collect();
        Ok(IndicatorDetailDto {
            indicator: IndicatorDto::from(&row),
            targets,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(indicator))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TargetFilter {
    /// Only targets of this plan (slug).
    pub plan: Option<String>,
    /// Only targets on this indicator (slug).
    pub indicator: Option<String>,
}

/// Current targets, filtered by plan and/or indicator.
#[utoipa::path(
    params(TargetFilter),
    responses((status = 200, body = [TargetDto]), (status = 400, body = ErrorEnvelope))
)]
#[get("/api/v1/targets")]
pub async fn list_targets(
    pool: web::Data<DbPool>,
    filter: web::Query<TargetFilter>,
) -> Result<HttpResponse, AppError> {
    let TargetFilter { plan, indicator } = filter.into_inner();
    let targets = with_conn(&pool, move |conn| {
        // A filter naming nothing that exists is a mistake, not an empty answer.
        if let Some(plan) = &plan
            && queries::plan_by_slug(conn, plan)?.is_none()
        {
            return Err(AppError::bad_parameter("plan", format!("no plan `{plan}`")));
        }
        if let Some(indicator) = &indicator
            && queries::indicator_by_slug(conn, indicator)?.is_none()
        {
            return Err(AppError::bad_parameter(
                "indicator",
                format!("no indicator `{indicator}`"),
            ));
        }
        let rows = queries::list_targets(conn, plan.as_deref(), indicator.as_deref())?;
        Ok(rows
            .iter()
            .map(|(t, p, i)| TargetDto::new(t, p, i))
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(targets))
}

/// One target with its citation.
#[utoipa::path(
    params(("slug" = String, Path, description = "target slug")),
    responses((status = 200, body = TargetDto), (status = 404, body = ErrorEnvelope))
)]
#[get("/api/v1/targets/{slug}")]
pub async fn get_target(
    pool: web::Data<DbPool>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let target = with_conn(&pool, move |conn| {
        let (t, p, i) = queries::target_by_slug(conn, &slug)?
            .ok_or_else(|| AppError::not_found("target", &slug))?;
        Ok(TargetDto::new(&t, &p, &i))
    })
    .await?;
    Ok(HttpResponse::Ok().json(target))
}
