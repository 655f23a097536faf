//! Departments: who answers for which targets, which figures they owe, and how they reported
//! (DHIS2's reporting rates); an indicator's reporting duty, which an administrator may change.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::{StatusCount, TargetDto, status_counts};
use super::uploads::UploadDto;
use crate::db::{self, DbPool, queries};
use crate::domain::{Duty, Frequency, MAX_DUE_DAYS};
use crate::error::{AppError, ErrorEnvelope};
use crate::judged::{self, Arrival, Completeness, DepartmentView, DueFigure};
use crate::server::auth::Caller;
use crate::server::params::{Asked, judgement};
use crate::server::{AppState, with_conn};

/// How far ahead a department's page looks for figures falling due.
pub const UPCOMING_DAYS: u64 = 90;

/// `?as_of=&known_at=`: the date of the view.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DepartmentQuery {
    /// The date of the view (YYYY-MM-DD). Default: today.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<String>,
    /// Only figures recorded by this date. Default: every figure known now.
    #[param(value_type = Option<String>, format = Date)]
    pub known_at: Option<String>,
}

impl DepartmentQuery {
    fn judgement(&self, state: &AppState) -> Result<judged::Judgement, AppError> {
        let asked = Asked { as_of: self.as_of.as_deref(), known_at: self.known_at.as_deref(), ..Asked::default() };
        judgement(asked, &state.regions)
    }
}

/// One figure a department owes.
#[derive(Debug, Serialize, ToSchema)]
pub struct FigureDto {
    pub indicator: String,
    pub indicator_name: String,
    pub unit: String,
    pub region: String,
    /// As an upload writes it: 2020, 2020-Q3, 2020-07 …
    pub period: String,
    pub period_end: NaiveDate,
    pub due_on: NaiveDate,
    pub received_on: Option<NaiveDate>,
    pub arrival: Arrival,
    pub reporter: Option<String>,
    /// The targets that call for it.
    pub targets: Vec<String>,
    /// A target is measured from it: its base or reference year (基期).
    pub base_period: bool,
}

impl From<&DueFigure> for FigureDto {
    fn from(f: &DueFigure) -> Self {
        FigureDto {
            indicator: f.indicator.slug.clone(),
            indicator_name: f.indicator.name.clone(),
            unit: f.indicator.unit.clone(),
            region: f.region.clone(),
            period: f.period.clone(),
            period_end: f.period_end,
            due_on: f.due_on,
            received_on: f.received_on,
            arrival: f.arrival,
            reporter: f.reporter.clone(),
            targets: f.targets.clone(),
            base_period: f.starting,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentDto {
    pub slug: String,
    pub name: String,
    pub name_en: String,
    /// 市级部门, 区政府 or 其他.
    pub kind: String,
    /// Targets it answers for (lead or co-owner).
    pub targets: usize,
    pub status_counts: Vec<StatusCount>,
    /// Figures it reports: due by the date, on time, late, missing.
    pub completeness: Completeness,
    /// The share of due figures that came, on time or late (absent: none was due).
    pub reporting_rate: Option<f64>,
    /// Figures due and missing (逾期未报).
    pub overdue: usize,
    /// The newest day a figure it reports arrived.
    pub last_received: Option<NaiveDate>,
}

impl From<&DepartmentView> for DepartmentDto {
    fn from(v: &DepartmentView) -> Self {
        let d = &v.department;
        DepartmentDto {
            slug: d.slug.clone(),
            name: d.name.clone(),
            name_en: d.name_en.clone(),
            kind: d.kind.clone(),
            targets: v.owned.len(),
            status_counts: status_counts(judged::count_by_status(v.owned.iter().map(|a| &a.summary.status))),
            completeness: v.completeness,
            reporting_rate: v.completeness.rate(),
            overdue: v.completeness.missing,
            last_received: v.last_received,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentDetailDto {
    #[serde(flatten)]
    pub department: DepartmentDto,
    pub as_of: NaiveDate,
    /// Only figures recorded by this date counted (absent: every figure known now).
    pub known_at: Option<NaiveDate>,
    pub owned: Vec<TargetDto>,
    /// Figures due and missing, oldest first.
    pub overdue_figures: Vec<FigureDto>,
    /// Figures falling due in the next 90 days.
    pub upcoming: Vec<FigureDto>,
    /// The newest uploads with figures it reports.
    pub uploads: Vec<UploadDto>,
}

/// Every department that answers for a target or reports a figure, with its completeness.
#[utoipa::path(
    get,
    path = "/api/v1/departments",
    params(DepartmentQuery),
    responses((status = 200, body = [DepartmentDto]), (status = 400, body = ErrorEnvelope))
)]
pub async fn list_departments(
    state: web::Data<AppState>,
    query: web::Query<DepartmentQuery>,
) -> Result<HttpResponse, AppError> {
    let judgement = query.judgement(&state)?;
    let _judging = state.judging_slot(&judgement).await?;
    let judged = state.judged.clone();
    let views = web::block(move || judged.department_views(&judgement)).await??;
    Ok(HttpResponse::Ok().json(views.iter().map(DepartmentDto::from).collect::<Vec<_>>()))
}

/// One department: its targets, its overdue figures, what falls due in the next 90 days, its uploads.
#[utoipa::path(
    get,
    path = "/api/v1/departments/{slug}",
    params(("slug" = String, Path, description = "department slug"), DepartmentQuery),
    responses(
        (status = 200, body = DepartmentDetailDto),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)
    )
)]
pub async fn get_department(
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<DepartmentQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let judgement = query.judgement(&state)?;
    let (as_of, known_at) = (judgement.as_of, judgement.known_at);
    let _judging = state.judging_slot(&judgement).await?;
    let judged = state.judged.clone();
    let wanted = slug.clone();
    let view = web::block(move || judged.department_view(&wanted, &judgement))
        .await??
        .ok_or_else(|| AppError::not_found("department", &slug))?;
    let mut indicator_ids: Vec<i64> = view.figures.iter().map(|f| f.indicator.id).collect();
    indicator_ids.sort_unstable();
    indicator_ids.dedup();
    let uploads = with_conn(&pool, move |conn| Ok(db::actuals::uploads_touching(conn, &indicator_ids, 20)?)).await?;
    Ok(HttpResponse::Ok().json(DepartmentDetailDto {
        department: DepartmentDto::from(&view),
        as_of,
        known_at,
        owned: view.owned.iter().map(TargetDto::assessed).collect(),
        overdue_figures: view.figures.iter().filter(|f| f.arrival == Arrival::Missing).map(FigureDto::from).collect(),
        upcoming: upcoming(&view.figures, as_of).map(FigureDto::from).collect(),
        uploads: uploads.into_iter().map(UploadDto::from).collect(),
    }))
}

/// The figures falling due in the next [`UPCOMING_DAYS`] days and not yet in on the view's date
/// (one sent after that date was still to come then).
pub fn upcoming(figures: &[DueFigure], as_of: NaiveDate) -> impl Iterator<Item = &DueFigure> {
    let until = as_of.checked_add_days(chrono::Days::new(UPCOMING_DAYS)).unwrap_or(as_of);
    figures.iter().filter(move |f| f.arrival == Arrival::Upcoming && f.due_on <= until)
}

/// An indicator's reporting duty, as an administrator sets it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DutyInput {
    /// annual, semiannual, quarterly or monthly.
    pub frequency: String,
    /// Days after a period's end when its figure is due (0–548).
    pub due_days: u32,
    /// The reporting department (slug); absent: the lead owner of the indicator's targets.
    pub reporter: Option<String>,
}

/// Sets an indicator's reporting duty (admin); it wins over the catalog's from then on.
#[utoipa::path(
    put,
    path = "/api/v1/indicators/{slug}/duty",
    params(("slug" = String, Path, description = "indicator slug")),
    request_body = DutyInput,
    responses(
        (status = 200, body = Duty),
        (status = 400, body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
        (status = 403, description = "an administrator's token is needed", body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)
    ),
    security(("token" = []))
)]
pub async fn set_duty(
    caller: Caller,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    input: web::Json<DutyInput>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let input = input.into_inner();
    let frequency: Frequency = input
        .frequency
        .parse()
        .map_err(|en: String| AppError::bad_field("frequency", "可选 annual、semiannual、quarterly 或 monthly", en))?;
    if input.due_days > MAX_DUE_DAYS {
        return Err(AppError::bad_field(
            "due_days",
            format!("不能超过 {MAX_DUE_DAYS} 天"),
            format!("at most {MAX_DUE_DAYS} days"),
        ));
    }
    if let Some(reporter) = &input.reporter
        && !state.judged.departments().iter().any(|d| &d.slug == reporter)
    {
        return Err(AppError::bad_field(
            "reporter",
            format!("没有部门“{}”", crate::ingest::clip(reporter)),
            format!("no department `{}`", crate::ingest::clip(reporter)),
        ));
    }
    let duty = Duty { frequency, due_days: input.due_days, reporter: input.reporter.clone() };
    let stored = queries::DutyChange {
        indicator_slug: slug.clone(),
        frequency: frequency.as_str().to_owned(),
        due_days: input.due_days as i32,
        reporter: input.reporter,
        recorded_at: crate::now(),
        recorded_by: caller.name.clone(),
    };
    let (indicator_id, changed) = with_conn(&pool, move |conn| {
        db::write_tx(conn, |conn| {
            let Some(indicator) = queries::indicator_by_slug(conn, &stored.indicator_slug)? else {
                return Err(AppError::not_found("indicator", &stored.indicator_slug));
            };
            if !queries::set_duty(conn, &stored)? {
                return Ok((indicator.id, false));
            }
            // Every judgement may change: what is due, and so what is overdue.
            db::changes::record(conn, &db::changes::Changed::Everything, stored.recorded_at)?;
            let details = format!("{} every {} due {} days", stored.indicator_slug, stored.frequency, stored.due_days);
            db::access::audit(
                conn,
                &stored.recorded_by,
                "duty.set",
                &stored.indicator_slug,
                Some(details),
                stored.recorded_at,
            )?;
            Ok((indicator.id, true))
        })
    })
    .await?;
    if changed {
        state.refresh().await;
    }
    // The duty as it now stands: a reporter left out is the lead owner's, as the indicator says.
    let duty = Duty { reporter: duty.reporter.or_else(|| state.judged.duty_of(indicator_id, None).reporter), ..duty };
    Ok(HttpResponse::Ok().json(duty))
}
