//! `GET /reports/status.pdf?plan=&as_of=&lang=&method=`: the status report as a PDF.

use actix_web::{HttpRequest, HttpResponse, web};
use anyhow::Context;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db::DbPool;
use crate::error::{AppError, ErrorEnvelope};
use crate::report::{self, ReportOptions};
use crate::server::params::{Asked, choice, judgement, lang};
use crate::server::{AppState, with_conn, with_conn_heavy};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Only this plan (slug); default every plan.
    pub plan: Option<String>,
    /// Only the targets this department answers for (slug); default every department's.
    pub department: Option<String>,
    /// The date of the view (YYYY-MM-DD). Default: today.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<String>,
    /// Only figures recorded by this date (YYYY-MM-DD): the view as it was known then. Default:
    /// every figure known now. The report form sends it empty when no date is chosen.
    #[param(value_type = Option<String>, pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub known_at: Option<String>,
    /// Judge every target on this district's figures (a region of `targets/regions.toml`).
    pub region: Option<String>,
    /// `zh` (default) or `en`.
    #[param(value_type = Option<crate::present::Lang>)]
    pub lang: Option<String>,
    /// `linear` (default) or `cagr`.
    #[param(value_type = Option<crate::progress::Method>)]
    pub method: Option<String>,
    /// `compact` (default: the summary, one table per plan, charts where there are figures) or
    /// `full` (every overview chart and every target listed with its quote). Empty (as the
    /// report form leaves it): the default, for `group` too.
    #[param(value_type = Option<String>, pattern = r"^(compact|full)?$")]
    pub layout: Option<String>,
    /// What the summary compares with: a report's id, or a date (the newest report made by
    /// then). Default: the previous report.
    pub since: Option<String>,
    /// `plan` (default): a section per plan; `department`: a section per lead department.
    #[param(value_type = Option<String>, pattern = r"^(plan|department)?$")]
    pub group: Option<String>,
}

impl ReportQuery {
    /// The report form leaves its optional fields empty: an empty one asks for nothing.
    fn asked(&self) -> Asked<'_> {
        Asked {
            as_of: self.as_of.as_deref(),
            known_at: self.known_at.as_deref().filter(|v| !v.is_empty()),
            method: self.method.as_deref(),
            region: self.region.as_deref().filter(|v| !v.is_empty()),
        }
    }
}

/// The status report as a PDF.
#[utoipa::path(
    get,
    path = "/reports/status.pdf",

    params(ReportQuery),
    responses(
        (status = 200, description = "the report", content_type = "application/pdf"),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 503, description = "busy with other reports; see Retry-After", body = ErrorEnvelope)
    )
)]
pub async fn status_pdf(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    status(req, pool, state, query, report::Output::Pdf).await
}

/// The status report as an editable Word file: the same contents, charts as images.
#[utoipa::path(
    get,
    path = "/reports/status.docx",
    params(ReportQuery),
    responses(
        (status = 200, description = "the report", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 503, description = "busy with other reports; see Retry-After", body = ErrorEnvelope)
    )
)]
pub async fn status_docx(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    status(req, pool, state, query, report::Output::Docx).await
}

/// A report, or why not: as a page for a browser (the reports page's form opens it), as the
/// error envelope for anything else.
async fn status(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    query: web::Query<ReportQuery>,
    output: report::Output,
) -> Result<HttpResponse, AppError> {
    let browser = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    match report_of(req.clone(), pool, state, query, output).await {
        Err(e) if browser => Ok(crate::web::error_page_for(&req, &e)),
        answer => answer,
    }
}

async fn report_of(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    query: web::Query<ReportQuery>,
    output: report::Output,
) -> Result<HttpResponse, AppError> {
    let judgement = judgement(query.asked(), &state.regions)?;
    let lang = lang(query.lang.as_deref())?;
    use actix_web::http::header::DispositionType;
    let (extension, content_type, disposition) = match output {
        report::Output::Pdf => ("pdf", "application/pdf", DispositionType::Inline),
        report::Output::Docx => (
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            DispositionType::Attachment,
        ),
    };
    let department = crate::server::params::department(query.department.as_deref(), &state.judged)?
        .and_then(|slug| state.judged.departments().into_iter().find(|d| d.slug == slug));
    let name = file_name(&state, query.plan.as_deref(), department.as_ref(), lang, judgement.as_of, extension);
    // The planning office (an administrator's token or signed-in browser) makes the reports
    // that are kept and numbered; anyone else reads one that is not — otherwise a viewer could
    // use up the office's numbers, fill its database and plant the report the next one compares
    // with. With reads closed, the route guard has checked the caller already.
    use crate::server::auth::{Role, require};
    let caller = require(&req, &pool, Role::Viewer, true).await.ok();
    let kept = if caller.as_ref().is_some_and(|c| c.role >= Role::Admin) {
        report::Kept::Asked
    } else {
        report::Kept::NotKept
    };
    let layout = choice("layout", query.layout.as_deref(), |raw| format!("未知的版式“{raw}”：请用 compact 或 full"))?;
    let since =
        choice("since", query.since.as_deref(), |raw| format!("“{raw}”既不是报告编号也不是日期（YYYY-MM-DD）"))?;
    // A revised plan named: the version in force on the report's date.
    let plan = query
        .plan
        .clone()
        .filter(|p| !p.is_empty())
        .map(|p| state.judged.plan_shown(&p, &judgement, true).map_or(p, |(shown, _)| shown.slug.clone()));
    let mut options = ReportOptions::new(plan, judgement, lang);
    options.department = department;
    options.layout = layout;
    options.output = output;
    options.group =
        choice("group", query.group.as_deref(), |raw| format!("未知的分组“{raw}”：请用 plan 或 department"))?;
    let identity = state.report_identity.clone();
    // A report takes a second and a few hundred MB: a few at a time, the rest wait or get 503.
    // Visitors' reports (no token, no sign-in) one at a time in a slot of their own, viewers' and
    // uploaders' in another: a stranger or a reader asking again and again keeps no upload waiting,
    // and the office's readers wait behind no stranger.
    let _slot = match caller.as_ref().map(|c| c.role) {
        None => state.visitor_slot().await?,
        // An uploader's reports are read like a viewer's: a clerk asking again and again keeps
        // no other department's upload and no office report waiting.
        Some(Role::Viewer | Role::Uploader) => state.viewer_slot().await?,
        Some(Role::Admin) => state.heavy_slot().await?,
    };
    // Laid out in a child process, stopped when the time is up or the client has gone.
    let (budget, watch) = crate::server::client::budget_for(&req, state.work_budget);
    options.renderer = report::Renderer::apart(state.report_worker.as_deref(), budget);
    let judged = state.judged.clone();
    let reports_dir = state.reports_dir.clone();
    let pdf = with_conn_heavy(&pool, move |conn| {
        let started = std::time::Instant::now();
        let vintage = crate::db::actuals::newest_upload_at(conn, options.judgement.known_at)?;
        let in_full = |scope: &crate::judged::Scope| crate::report::charted(scope, &options);
        let scope = judged
            .scope(options.plan.as_deref(), &options.judgement, vintage, crate::judged::InFull::Chosen(&in_full))?
            .ok_or_else(|| AppError::not_found("plan", options.plan.clone().unwrap_or_default()))?;
        tracing::debug!(elapsed = ?started.elapsed(), targets = scope.assessed.len(), "report scope judged");
        match report::make(conn, scope, options, since, &identity, kept, crate::now()) {
            Ok(made) => {
                if let Some(id) = made.id {
                    report::keep_file(conn, &reports_dir, id, extension, &made.pdf).map_err(kept_file_failed)?;
                }
                Ok(made.pdf)
            }
            Err(report::ReportError::NoSuchReport(id)) => Err(AppError::bad_parameter(
                "since",
                format!("没有编号为 {id} 的报告"),
                format!("there is no report {id}"),
            )),
            Err(report::ReportError::NotComparable(_, zh, en)) => Err(AppError::bad_parameter("since", zh, en)),
            Err(report::ReportError::NothingLed { plan, department }) => Err(AppError::bad_parameter(
                "department",
                format!("{department}不牵头规划“{plan}”的任何目标：请只选规划或只选部门"),
                format!("{department} leads no target of plan `{plan}`: choose the plan or the department alone"),
            )),
            Err(report::ReportError::Stopped(stopped)) => {
                Err(AppError::TooSlow(crate::error::Said::new(stopped.zh(), stopped.to_string())))
            }
            Err(e) => Err(AppError::Internal(anyhow::anyhow!("report: {e}"))),
        }
    })
    .await;
    watch.finished();
    let pdf = pdf?;
    Ok(HttpResponse::Ok().content_type(content_type).insert_header(crate::server::named(disposition, &name)).body(pdf))
}

/// `状态报告-上海市推进智慧城市建设“十三五”规划-2026-12-06.pdf`: what it covers, as of when.
fn file_name(
    state: &AppState,
    plan: Option<&str>,
    department: Option<&std::sync::Arc<crate::db::models::DepartmentRow>>,
    lang: crate::present::Lang,
    as_of: chrono::NaiveDate,
    extension: &str,
) -> String {
    let plan =
        plan.filter(|p| !p.is_empty()).and_then(|slug| state.judged.plans().into_iter().find(|p| p.slug == slug));
    match lang {
        crate::present::Lang::Zh => {
            let covers = match (&plan, department) {
                (Some(plan), _) => plan.title.clone(),
                (None, Some(department)) => department.name.clone(),
                (None, None) => "全部规划".to_owned(),
            };
            format!("状态报告-{covers}-{as_of}.{extension}")
        }
        crate::present::Lang::En => {
            let covers = plan.map(|p| p.slug.clone()).or(department.map(|d| d.slug.clone()));
            format!("status-report-{}-{as_of}.{extension}", covers.unwrap_or_else(|| "all-plans".to_owned()))
        }
    }
}

/// A report made: on the schedule (its PDF kept) or on request (what it judged kept, for the
/// next report's "since").
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReportDto {
    pub id: i64,
    /// `daily:2026-12-06` or `monthly:2026-12` on the schedule; `made:…` on request.
    pub period_key: String,
    /// Its number (setting `report_number`).
    pub number: Option<String>,
    /// What the report's own header, the reports page and the next report call it: its number,
    /// or without a numbering format "第 {id} 号报告" (in the report's language).
    pub name: String,
    pub known_at: Option<chrono::NaiveDate>,
    pub department: Option<String>,
    pub plan: Option<String>,
    pub as_of: chrono::NaiveDate,
    pub lang: String,
    pub method: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    pub size_bytes: Option<i64>,
    pub error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<crate::db::reports::ReportRow> for ReportDto {
    fn from(r: crate::db::reports::ReportRow) -> Self {
        ReportDto {
            id: r.id,
            period_key: r.period_key,
            name: r.number.clone().unwrap_or_else(|| {
                let lang = if r.lang == "en" { crate::present::Lang::En } else { crate::present::Lang::Zh };
                crate::report::unnumbered_name(r.id, lang)
            }),
            number: r.number,
            known_at: r.known_at,
            department: r.department,
            plan: r.plan,
            as_of: r.as_of,
            lang: r.lang,
            method: r.method,
            status: r.status,
            size_bytes: r.size_bytes,
            error: r.error,
            created_at: r.created_at.and_utc(),
            finished_at: r.finished_at.map(|t| t.and_utc()),
        }
    }
}

/// The reports listed at most: the newest, which a planner looks for.
const LISTED_REPORTS: i64 = 500;

/// The reports kept (on the schedule, or asked for with a token or signed in), the newest 500
/// first.
#[utoipa::path(
    get,
    path = "/api/v1/reports",
    responses((status = 200, body = [ReportDto])))]
pub async fn list_reports(pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let rows = with_conn(&pool, move |conn| Ok::<_, AppError>(crate::db::reports::list(conn, LISTED_REPORTS)?)).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(ReportDto::from).collect::<Vec<_>>()))
}

/// A report that could not be kept: a full disk is said as such (507), nothing else is.
fn kept_file_failed(e: anyhow::Error) -> AppError {
    let full = e
        .chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::StorageFull || io.kind() == std::io::ErrorKind::QuotaExceeded);
    if full { AppError::StorageFull(e) } else { AppError::Internal(e) }
}

/// One kept report's file as it was made: a scheduled report's PDF, or the PDF or Word file an
/// administrator asked for first.
#[utoipa::path(
    get,
    path = "/api/v1/reports/{id}",

    params(("id" = i64, Path, description = "report id")),
    responses(
        (status = 200, content_type = "application/pdf"),
        (status = 200, content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (status = 404, body = ErrorEnvelope)
    )
)]
pub async fn get_report(
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let row = with_conn(&pool, move |conn| {
        crate::db::reports::by_id(conn, id)?.ok_or_else(|| AppError::not_found("report", id.to_string()))
    })
    .await?;
    // Reports made before their files were kept, and scheduled ones still being made or failed.
    let stored = row.file_path.ok_or_else(|| AppError::not_found("report file", id.to_string()))?;
    let docx = stored.ends_with(".docx");
    let path = report::kept_path(&state.reports_dir, &stored);
    let bytes = web::block(move || std::fs::read(&path).with_context(|| format!("reading {}", path.display())))
        .await?
        .map_err(AppError::Internal)?;
    // A file changed since it was kept is not handed out as the numbered report.
    if row.size_bytes.is_some_and(|size| size != bytes.len() as i64) {
        return Err(AppError::Internal(anyhow::anyhow!(
            "report {id}: the kept file holds {} bytes, {:?} were kept",
            bytes.len(),
            row.size_bytes
        )));
    }
    let (content_type, extension) = if docx {
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
    } else {
        ("application/pdf", "pdf")
    };
    let name = match &row.number {
        Some(number) => format!("{number}.{extension}"),
        None => format!("report-{id}.{extension}"),
    };
    use actix_web::http::header::DispositionType;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(crate::server::named(DispositionType::Attachment, &name))
        .body(bytes))
}

#[cfg(test)]
mod tests {
    use super::kept_file_failed;
    use crate::error::AppError;

    #[test]
    fn a_report_not_kept_for_a_full_disk_is_said_as_such() {
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        let error = kept_file_failed(anyhow::Error::new(full).context("keeping report 7"));
        assert!(matches!(error, AppError::StorageFull(_)), "{error:?}");
        // The report's file, not the database, ran out of room: the message names neither wrongly.
        let said = error.message(crate::present::Lang::Zh);
        assert!(said.starts_with("服务器存储空间已满"), "{said}");
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(matches!(kept_file_failed(anyhow::Error::new(denied)), AppError::Internal(_)));
    }
}
