//! Read handlers: extract, query inside `web::block`, map to JSON.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{
    CountedFrom, DistrictFigure, Health, IndicatorDetailDto, IndicatorDto, PlanDetailDto, PlanDto, TargetDetailDto,
    TargetDto, status_counts,
};
use crate::db::{self, DbPool, queries};
use crate::error::{AppError, ErrorEnvelope};
use crate::ingest::clip;
use crate::judged::{self, Judgement};
use crate::progress::{Method, Point, Status};
use crate::server::params::{Asked, judgement};
use crate::server::{AppState, with_conn};

/// `?as_of=&method=`: the date and method of a judgement.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct JudgementQuery {
    /// The date of the view (YYYY-MM-DD): figures for periods ended by then count, at their
    /// latest revision. Default: today.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<String>,
    /// Only figures recorded by this date (YYYY-MM-DD): the view as it was known then. Default:
    /// every figure known now.
    #[param(value_type = Option<String>, format = Date)]
    pub known_at: Option<String>,
    /// Judge every target on this district's figures (a region of `targets/regions.toml`).
    pub region: Option<String>,
    /// `linear` (default) or `cagr`.
    #[param(value_type = Option<Method>)]
    pub method: Option<String>,
}

impl JudgementQuery {
    fn asked(&self) -> Asked<'_> {
        Asked {
            as_of: self.as_of.as_deref(),
            known_at: self.known_at.as_deref(),
            method: self.method.as_deref(),
            region: self.region.as_deref(),
        }
    }

    fn judgement(&self, state: &AppState) -> Result<Judgement, AppError> {
        judgement(self.asked(), &state.regions)
    }
}

/// A filter given empty names nothing: it is no filter.
fn given(filter: Option<String>) -> Option<String> {
    filter.filter(|f| !f.is_empty())
}

/// Liveness and database reachability.
#[utoipa::path(
    get,
    path = "/healthz",
    responses(
    (status = 200, body = Health),
    (status = 503, description = "database unreachable", body = Health)
))]
pub async fn healthz(state: web::Data<crate::server::AppState>, main_pool: web::Data<DbPool>) -> HttpResponse {
    // Never waits long: its own connection within a second, an answer within two, or "down" — a
    // load balancer probing with a short timeout sees a clear 503 rather than its own timeout.
    let pool = state.health_pool.clone();
    let ping = web::block(move || {
        let mut conn = pool.get_timeout(HEALTH_POOL_WAIT)?;
        db::ping(&mut conn).map_err(AppError::from)
    });
    // The requests' own pool: all of it in use means pages and uploads are waiting for it.
    let pooled = main_pool.state();
    let (connections, connections_in_use) = (pooled.connections, pooled.connections - pooled.idle_connections);
    let busy = connections_in_use >= main_pool.max_size();
    match tokio::time::timeout(HEALTH_ANSWER_WITHIN, ping).await {
        Ok(Ok(Ok(()))) => HttpResponse::Ok().json(Health {
            status: if busy { "busy" } else { "ok" },
            database: "ok",
            connections,
            connections_in_use,
            judging: state.judged.judging(),
        }),
        outcome => {
            if let Ok(Ok(Err(e))) = &outcome {
                tracing::warn!(error = %e, "health check: database");
            }
            HttpResponse::ServiceUnavailable().insert_header((actix_web::http::header::RETRY_AFTER, "10")).json(
                Health {
                    status: "degraded",
                    database: "down",
                    connections,
                    connections_in_use,
                    judging: state.judged.judging(),
                },
            )
        }
    }
}

/// How long the health check waits for a pooled connection, and for its whole answer.
const HEALTH_POOL_WAIT: std::time::Duration = std::time::Duration::from_secs(1);
const HEALTH_ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// Every current plan with its number of targets.
#[utoipa::path(
    get,
    path = "/api/v1/plans",
    responses((status = 200, body = [PlanDto])))]
pub async fn list_plans(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let view = state.view(&judgement(Asked::default(), &state.regions)?).await?;
    let plans: Vec<PlanDto> = state
        .judged
        .plans()
        .iter()
        .filter(|p| p.in_force_on(crate::judged::today()))
        .map(|p| {
            let statuses: Vec<&Status> = view.of_plan(&p.slug).map(|a| &a.summary.status).collect();
            PlanDto {
                status_counts: Some(status_counts(judged::count_by_status(statuses.iter().copied()))),
                ..PlanDto::new(p, statuses.len() as i64)
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(plans))
}

/// One plan with its targets.
#[utoipa::path(
    get,
    path = "/api/v1/plans/{slug}",

    params(("slug" = String, Path, description = "plan slug"), JudgementQuery),
    responses(
        (status = 200, body = PlanDetailDto),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)
    )
)]
pub async fn get_plan(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<JudgementQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    // A revised plan: the version in force on the view's date.
    let (plan, judgement) = state
        .judged
        .plan_shown(&slug, &query.judgement(&state)?, query.asked().date_asked())
        .ok_or_else(|| AppError::not_found("plan", &slug))?;
    let _judging = state.judging_slot(&judgement).await?;
    let view = state.view(&judgement).await?;
    let assessed: Vec<&judged::Assessed> = view.of_plan(&plan.slug).collect();
    let counts = judged::count_by_status(assessed.iter().map(|a| &a.summary.status));
    let completeness = state.judged.plan_completeness(&plan.slug, &judgement);
    Ok(HttpResponse::Ok().json(PlanDetailDto {
        completeness,
        plan: PlanDto::new(&plan, assessed.len() as i64),
        as_of: judgement.as_of,
        known_at: judgement.known_at,
        method: judgement.method,
        status_counts: status_counts(counts),
        targets: assessed.into_iter().map(TargetDto::assessed).collect(),
    }))
}

/// Every current indicator.
#[utoipa::path(
    get,
    path = "/api/v1/indicators",
    responses((status = 200, body = [IndicatorDto])))]
pub async fn list_indicators(pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let indicators =
        with_conn(&pool, |conn| Ok(queries::list_indicators(conn)?.iter().map(IndicatorDto::from).collect::<Vec<_>>()))
            .await?;
    Ok(HttpResponse::Ok().json(indicators))
}

/// One indicator with the targets of every plan set on it.
#[utoipa::path(
    get,
    path = "/api/v1/indicators/{slug}",

    params(("slug" = String, Path, description = "indicator slug")),
    responses((status = 200, body = IndicatorDetailDto), (status = 404, body = ErrorEnvelope))
)]
pub async fn get_indicator(
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let judged = state.judged.clone();
    let indicator = with_conn(&pool, move |conn| {
        let row = queries::indicator_by_slug(conn, &slug)?.ok_or_else(|| AppError::not_found("indicator", &slug))?;
        let targets = queries::list_targets(conn, None, Some(&slug))?
            .iter()
            .map(|(t, p, i)| TargetDto::new(t, p, i, &judged.owners_of(&t.slug)))
            .collect();
        Ok(IndicatorDetailDto { duty: judged.duty_of(row.id, None), indicator: IndicatorDto::from(&row), targets })
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
    /// Only targets with this status.
    #[param(value_type = Option<Status>)]
    pub status: Option<String>,
    /// Only targets this department answers for, as lead or co-owner (slug).
    pub department: Option<String>,
    /// The date of the view (YYYY-MM-DD). Default: today.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<String>,
    /// Only figures recorded by this date (YYYY-MM-DD): the view as it was known then. Default:
    /// every figure known now.
    #[param(value_type = Option<String>, format = Date)]
    pub known_at: Option<String>,
    /// Judge every target on this district's figures (a region of `targets/regions.toml`).
    pub region: Option<String>,
    /// `linear` (default) or `cagr`.
    #[param(value_type = Option<Method>)]
    pub method: Option<String>,
    /// At most this many (1–10 000, default 200); `X-Total-Count` says how many match.
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<usize>,
    /// Skip this many (default 0).
    pub offset: Option<usize>,
}

/// Current targets, filtered by plan and/or indicator.
#[utoipa::path(
    get,
    path = "/api/v1/targets",

    params(TargetFilter),
    responses((status = 200, body = [TargetDto]), (status = 400, body = ErrorEnvelope))
)]
pub async fn list_targets(
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    filter: web::Query<TargetFilter>,
) -> Result<HttpResponse, AppError> {
    let TargetFilter { plan, indicator, status: wanted, department, as_of, known_at, region, method, limit, offset } =
        filter.into_inner();
    let department = crate::server::params::department(department.as_deref(), &state.judged)?;
    let (plan, indicator) = (given(plan), given(indicator));
    let asked = Asked {
        as_of: as_of.as_deref(),
        known_at: known_at.as_deref(),
        method: method.as_deref(),
        region: region.as_deref(),
    };
    let judgement = judgement(asked, &state.regions)?;
    // A revised plan named: the version in force on the view's date (an earlier version named
    // without a date: as of its last day in force).
    let (plan, judgement) = match plan.map(|p| (state.judged.plan_shown(&p, &judgement, asked.date_asked()), p)) {
        Some((Some((shown, by)), _)) => (Some(shown.slug.clone()), by),
        Some((None, p)) => (Some(p), judgement),
        None => (None, judgement),
    };
    let wanted: Option<Status> = match wanted.as_deref() {
        None => None,
        Some(raw) => Some(raw.parse().map_err(|reason: String| {
            AppError::bad_parameter("status", format!("未知的状态“{}”", clip(raw)), clip(&reason))
        })?),
    };
    let limit = limit.unwrap_or(200);
    if !(1..=10_000).contains(&limit) {
        return Err(AppError::bad_parameter(
            "limit",
            format!("{limit} 不在 1–10000 之间"),
            format!("{limit} is outside 1–10000"),
        ));
    }
    // A filter naming nothing that exists is a mistake, not an empty answer.
    if let Some(plan) = &plan
        && !state.judged.plans().iter().any(|p| &p.slug == plan)
    {
        return Err(AppError::bad_parameter(
            "plan",
            format!("没有规划“{}”", clip(plan)),
            format!("no plan `{}`", clip(plan)),
        ));
    }
    if let Some(name) = indicator.clone() {
        let known = with_conn(&pool, move |conn| Ok(queries::indicator_by_slug(conn, &name)?.is_some())).await?;
        if !known {
            let name = indicator.as_deref().unwrap_or_default();
            return Err(AppError::bad_parameter(
                "indicator",
                format!("没有指标“{}”", clip(name)),
                format!("no indicator `{}`", clip(name)),
            ));
        }
    }
    let _judging = state.judging_slot(&judgement).await?;
    let view = state.view(&judgement).await?;
    let matching: Vec<&judged::Assessed> = view
        .assessed
        .iter()
        .filter(|a| plan.as_ref().is_none_or(|p| &a.plan.slug == p))
        .filter(|a| indicator.as_ref().is_none_or(|i| &a.indicator.slug == i))
        .filter(|a| wanted.is_none_or(|w| a.summary.status == w))
        .filter(|a| crate::server::params::owned_by(department.as_deref(), &a.owners))
        .collect();
    let total = matching.len();
    let page: Vec<TargetDto> =
        matching.into_iter().skip(offset.unwrap_or(0)).take(limit).map(TargetDto::assessed).collect();
    Ok(HttpResponse::Ok().insert_header(("X-Total-Count", total.to_string())).json(page))
}

/// One target with its citation, its verdict (with projection) and the series it rests on.
#[utoipa::path(
    get,
    path = "/api/v1/targets/{slug}",

    params(("slug" = String, Path, description = "target slug"), JudgementQuery),
    responses(
        (status = 200, body = TargetDetailDto),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)
    )
)]
pub async fn get_target(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<JudgementQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    // A revised plan's target: the version in force on the view's date.
    let (slug, judgement) = state
        .judged
        .target_shown(&slug, &query.judgement(&state)?, query.asked().date_asked())
        .ok_or_else(|| AppError::not_found("target", &slug))?;
    let one = state.one(slug, &judgement).await?;
    let judged::Context { target: t, plan: p, indicator: i, .. } = &one.target;
    Ok(HttpResponse::Ok().json(TargetDetailDto {
        target: TargetDto {
            progress: Some(judged::ProgressSummary::from(&one.progress)),
            ..TargetDto::new(t, p, i, &one.target.owners)
        },
        series: one.series.iter().map(|o| Point { date: o.date, value: o.value }).collect(),
        counted_from: one.rebased.map(|r| CountedFrom {
            totals_since: r.since,
            base: r.base,
            total: r.total.map(|o| Point { date: o.date, value: o.value }),
        }),
        districts: one
            .districts
            .iter()
            .map(|(region, o)| DistrictFigure { region: region.clone(), date: o.date, value: o.value })
            .collect(),
        known_at: judgement.known_at,
        judged_in: judgement.region.as_deref().map(str::to_owned),
        assessment: one.progress,
    }))
}
