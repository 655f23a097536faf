//! Read handlers: extract, query inside `web::block`, map to JSON.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{
    Health, IndicatorDetailDto, IndicatorDto, PlanDetailDto, PlanDto, TargetDetailDto, TargetDto, status_counts,
};
use super::with_conn;
use crate::db::{self, DbPool, queries};
use crate::error::{AppError, ErrorEnvelope};
use crate::progress::{Method, Point, Status};
use crate::status::{self, Judgement};

/// `?as_of=&method=`: the date and method of a judgement.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct JudgementQuery {
    /// Judge as of this date (YYYY-MM-DD); only actuals known then count. Default: today.
    pub as_of: Option<String>,
    /// `linear` (default) or `cagr`.
    pub method: Option<String>,
}

impl JudgementQuery {
    fn judgement(&self) -> Result<Judgement, AppError> {
        judgement(self.as_of.as_deref(), self.method.as_deref())
    }
}

/// `?lang=`: Chinese unless `en` is asked for.
pub(super) fn lang(raw: Option<&str>) -> Result<crate::charts::Lang, AppError> {
    match raw {
        None | Some("") => Ok(crate::charts::Lang::Zh),
        Some(raw) => raw.parse().map_err(|reason: String| AppError::bad_parameter("lang", reason)),
    }
}

pub(crate) fn judgement(as_of: Option<&str>, method: Option<&str>) -> Result<Judgement, AppError> {
    let as_of = match as_of {
        None | Some("") => status::today(),
        Some(raw) => chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| AppError::bad_parameter("as_of", format!("`{raw}` is not a date: write YYYY-MM-DD")))?,
    };
    let method = match method {
        None | Some("") => Method::Linear,
        Some(raw) => raw.parse().map_err(|reason: String| AppError::bad_parameter("method", reason))?,
    };
    Ok(Judgement { as_of, method })
}

/// Liveness and database reachability.
#[utoipa::path(responses(
    (status = 200, body = Health),
    (status = 503, description = "database unreachable", body = ErrorEnvelope)
))]
#[get("/healthz")]
pub async fn healthz(pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    with_conn(&pool, |conn| db::ping(conn).map_err(|e| AppError::Unavailable(e.into()))).await?;
    Ok(HttpResponse::Ok().json(Health { status: "ok", database: "ok" }))
}

/// Every current plan with its number of targets.
#[utoipa::path(responses((status = 200, body = [PlanDto])))]
#[get("/api/v1/plans")]
pub async fn list_plans(pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let plans = with_conn(&pool, |conn| {
        let assessed = status::assess_list(conn, None, None, judgement(None, None)?)?;
        let plans = queries::list_plans(conn)?;
        Ok(plans
            .iter()
            .map(|p| {
                let statuses = assessed.iter().filter(|a| a.plan.id == p.id).map(|a| &a.summary.status);
                let statuses: Vec<&Status> = statuses.collect();
                PlanDto {
                    status_counts: Some(status_counts(status::count_by_status(statuses.iter().copied()))),
                    ..PlanDto::new(p, statuses.len() as i64)
                }
            })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(plans))
}

/// One plan with its targets.
#[utoipa::path(
    params(("slug" = String, Path, description = "plan slug"), JudgementQuery),
    responses(
        (status = 200, body = PlanDetailDto),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)
    )
)]
#[get("/api/v1/plans/{slug}")]
pub async fn get_plan(
    pool: web::Data<DbPool>,
    slug: web::Path<String>,
    query: web::Query<JudgementQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let judgement = query.judgement()?;
    let plan = with_conn(&pool, move |conn| {
        let plan = queries::plan_by_slug(conn, &slug)?.ok_or_else(|| AppError::not_found("plan", &slug))?;
        let assessed = status::assess_list(conn, Some(&slug), None, judgement)?;
        let counts = status::count_by_status(assessed.iter().map(|a| &a.summary.status));
        Ok(PlanDetailDto {
            plan: PlanDto::new(&plan, assessed.len() as i64),
            as_of: judgement.as_of,
            method: judgement.method,
            status_counts: status_counts(counts),
            targets: assessed.iter().map(TargetDto::assessed).collect(),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(plan))
}

/// Every current indicator.
#[utoipa::path(responses((status = 200, body = [IndicatorDto])))]
#[get("/api/v1/indicators")]
pub async fn list_indicators(pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let indicators =
        with_conn(&pool, |conn| Ok(queries::list_indicators(conn)?.iter().map(IndicatorDto::from).collect::<Vec<_>>()))
            .await?;
    Ok(HttpResponse::Ok().json(indicators))
}

/// One indicator with the targets of every plan set on it.
#[utoipa::path(
    params(("slug" = String, Path, description = "indicator slug")),
    responses((status = 200, body = IndicatorDetailDto), (status = 404, body = ErrorEnvelope))
)]
#[get("/api/v1/indicators/{slug}")]
pub async fn get_indicator(pool: web::Data<DbPool>, slug: web::Path<String>) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let indicator = with_conn(&pool, move |conn| {
        let row = queries::indicator_by_slug(conn, &slug)?.ok_or_else(|| AppError::not_found("indicator", &slug))?;
        let targets =
            queries::list_targets(conn, None, Some(&slug))?.iter().map(|(t, p, i)| TargetDto::new(t, p, i)).collect();
        Ok(IndicatorDetailDto { indicator: IndicatorDto::from(&row), targets })
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
    /// Only targets with this status (achieved, on_track, at_risk, off_track, regressing, missed, no_data, not_assessable).
    pub status: Option<String>,
    /// Judge as of this date (YYYY-MM-DD). Default: today.
    pub as_of: Option<String>,
    /// `linear` (default) or `cagr`.
    pub method: Option<String>,
}

/// Current targets, filtered by plan and/or indicator.
#[utoipa::path(
    params(TargetFilter),
    responses((status = 200, body = [TargetDto]), (status = 400, body = ErrorEnvelope))
)]
#[get("/api/v1/targets")]
pub async fn list_targets(pool: web::Data<DbPool>, filter: web::Query<TargetFilter>) -> Result<HttpResponse, AppError> {
    let TargetFilter { plan, indicator, status: wanted, as_of, method } = filter.into_inner();
    let judgement = judgement(as_of.as_deref(), method.as_deref())?;
    let wanted: Option<Status> = match wanted.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(raw.parse().map_err(|reason: String| AppError::bad_parameter("status", reason))?),
    };
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
            return Err(AppError::bad_parameter("indicator", format!("no indicator `{indicator}`")));
        }
        let assessed = status::assess_list(conn, plan.as_deref(), indicator.as_deref(), judgement)?;
        Ok(assessed
            .iter()
            .filter(|a| wanted.is_none_or(|w| a.summary.status == w))
            .map(TargetDto::assessed)
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(targets))
}

/// One target with its citation, its verdict (with projection) and the series it rests on.
#[utoipa::path(
    params(("slug" = String, Path, description = "target slug"), JudgementQuery),
    responses(
        (status = 200, body = TargetDetailDto),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)
    )
)]
#[get("/api/v1/targets/{slug}")]
pub async fn get_target(
    pool: web::Data<DbPool>,
    slug: web::Path<String>,
    query: web::Query<JudgementQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let judgement = query.judgement()?;
    let target = with_conn(&pool, move |conn| {
        let one = status::assess_one(conn, &slug, judgement)?.ok_or_else(|| AppError::not_found("target", &slug))?;
        let (t, p, i) = &one.target;
        Ok(TargetDetailDto {
            target: TargetDto {
                progress: Some(status::ProgressSummary::from(&one.progress)),
                ..TargetDto::new(t, p, i)
            },
            series: one.series.iter().map(|o| Point { date: o.date, value: o.value }).collect(),
            assessment: one.progress,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(target))
}
