//! Overview, plan, target and reports pages. Each page is a function of a database connection
//! and its query, so the benchmark times exactly what a request runs.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Datelike, NaiveDate};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{
    self, ProgressRow, dash, header_row, inline_chart, progress_list, status_badge, status_bar, status_counts,
    view_form,
};
use super::{Ctx, PageLang, respond};
use crate::charts;
use crate::db::models::PlanRow;
use crate::db::{DbConn, DbPool, actuals};
use crate::domain::TargetKind;
use crate::error::AppError;
use crate::judged::{self, Assessed, Judged, Judgement};
use crate::present::{
    Lang, attention_rank, department_name, duty_text, figure, percent_text, ratio_text, reason_text, status_label,
    verdict_sentence,
};
use crate::progress::{ALL_STATUSES, Status};
use crate::report::{TargetLine, target_line};
use crate::server::AppState;
use crate::server::params::{self, Asked, judgement};

/// `?as_of=&as_known=&region=&sort=&lang=` of the plan and target pages.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub as_of: Option<String>,
    /// The "as known then" switch: only figures recorded by the view's date.
    pub as_known: Option<String>,
    /// Only figures recorded by this date (what the switch sets, as a link can carry it).
    pub known_at: Option<String>,
    /// One district's figures.
    pub region: Option<String>,
    /// Plan page: `status`, `progress` or `deadline`.
    pub sort: Option<String>,
    /// Plan page: only the targets this department answers for.
    pub department: Option<String>,
    pub lang: Option<String>,
}

impl PageQuery {
    fn judgement(&self, regions: &crate::catalog::Regions) -> Result<Judgement, AppError> {
        page_judgement(
            self.as_of.as_deref(),
            self.as_known.as_deref(),
            self.known_at.as_deref(),
            self.region.as_deref(),
            regions,
        )
    }
}

/// The query that keeps a page's view (date, "as known then", district) on the links it gives:
/// empty for today's own view.
pub(super) fn view_query(judgement: &Judgement) -> String {
    match serde_urlencoded::to_string(view_pairs(judgement)) {
        Ok(query) if !query.is_empty() => format!("?{query}"),
        _ => String::new(),
    }
}

/// The parameters of a page's view that differ from today's own view.
pub(super) fn view_pairs(judgement: &Judgement) -> Vec<(&'static str, String)> {
    let mut pairs = Vec::new();
    if judgement.as_of != judged::today() {
        pairs.push(("as_of", judgement.as_of.to_string()));
    }
    if let Some(known_at) = judgement.known_at {
        pairs.push(("known_at", known_at.to_string()));
    }
    if let Some(region) = &judgement.region {
        pairs.push(("region", region.to_string()));
    }
    pairs
}

/// The departments that answer for a plan's targets, with how many each, most first.
fn plan_owners(
    judged: &Judged,
    plan: &str,
    judgement: &Judgement,
) -> Result<Vec<(std::sync::Arc<crate::db::models::DepartmentRow>, usize)>, AppError> {
    let view = judged.view(judgement)?;
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for a in view.of_plan(plan) {
        for owner in a.owners.iter() {
            *counts.entry(owner.as_str()).or_default() += 1;
        }
    }
    let mut owners: Vec<_> =
        judged.departments().into_iter().filter_map(|d| counts.get(d.slug.as_str()).copied().map(|n| (d, n))).collect();
    owners.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.slug.cmp(&b.0.slug)));
    Ok(owners)
}

/// "应报 12 项：按时 3，逾期报送 2，未报 7（报送率 42%）".
pub(super) fn completeness_sentence(c: &judged::Completeness, lang: PageLang) -> String {
    if c.due == 0 {
        return lang.pick("截至该日尚无应报数据", "no figure was due by this date").to_owned();
    }
    let rate = percent_text(c.rate());
    match lang.lang {
        Lang::Zh => {
            format!("应报 {} 项：按时 {}，逾期报送 {}，未报 {}（报送率 {rate}）", c.due, c.on_time, c.late, c.missing)
        }
        Lang::En => format!(
            "{} figures due: {} on time, {} late, {} missing (reporting rate {rate})",
            c.due, c.on_time, c.late, c.missing
        ),
    }
}

/// A value for a query string.
fn percent_encode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)]).map(|s| s.trim_start_matches('=').to_owned()).unwrap_or_default()
}

/// The judgement a page's view form asks for; its empty fields ask for nothing.
pub(super) fn page_judgement(
    as_of: Option<&str>,
    as_known: Option<&str>,
    known_at: Option<&str>,
    region: Option<&str>,
    regions: &crate::catalog::Regions,
) -> Result<Judgement, AppError> {
    fn given(v: Option<&str>) -> Option<&str> {
        v.filter(|v| !v.is_empty())
    }
    let as_of = given(as_of);
    let today = judged::today().to_string();
    // The switch knows what the date field says: as known on the view's date — today, for a
    // date still to come (what will be known then is not known).
    let known_on = |day: &str| if day <= today.as_str() { day.to_owned() } else { today.clone() };
    let known_day = given(as_known).map(|_| known_on(as_of.unwrap_or(&today)));
    let known_at = given(known_at).or(known_day.as_deref());
    let asked = Asked { as_of, known_at, method: None, region: given(region) };
    judgement(asked, regions)
}

/// `?lang=` only.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LangQuery {
    pub lang: Option<String>,
}

/// `?status=&plan=&as_of=&as_known=&lang=` of the overview.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverviewQuery {
    pub status: Option<String>,
    pub plan: Option<String>,
    /// Only the targets this department answers for.
    pub department: Option<String>,
    pub as_of: Option<String>,
    pub as_known: Option<String>,
    pub known_at: Option<String>,
    pub lang: Option<String>,
}

/// The query string as `T`; a mistake is a 400 page that names it.
pub(super) fn parse_query<T: serde::de::DeserializeOwned>(req: &HttpRequest) -> Result<T, AppError> {
    serde_urlencoded::from_str(req.query_string()).map_err(|e| AppError::bad_query(&e.to_string()))
}

/// What a page reads: every target judged (kept fresh in memory) and the database.
pub struct Reads<'a> {
    pub judged: &'a Judged,
    pub conn: &'a mut DbConn,
}

/// Runs a page function on the blocking pool with a connection, and answers with its HTML.
pub(super) async fn render<Q, F>(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    page: F,
) -> HttpResponse
where
    Q: serde::de::DeserializeOwned + Send + 'static,
    F: FnOnce(&Ctx, &mut Reads, Q) -> Result<Markup, AppError> + Send + 'static,
{
    let ctx = Ctx::of(&req);
    let query = match parse_query::<Q>(&req) {
        Ok(query) => query,
        Err(e) => return super::error_page(&ctx, &e),
    };
    let page_ctx = ctx.clone();
    let judged = state.judged.clone();
    let slot = match state.page_slot().await {
        Ok(slot) => slot,
        Err(e) => return super::error_page(&ctx, &e),
    };
    let result =
        crate::server::with_conn(&pool, move |conn| page(&page_ctx, &mut Reads { judged: &judged, conn }, query)).await;
    drop(slot);
    respond(&ctx, result)
}

pub(super) async fn overview(req: HttpRequest, pool: web::Data<DbPool>, state: web::Data<AppState>) -> HttpResponse {
    render(req, pool, state, overview_page).await
}

pub(super) async fn plan(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> HttpResponse {
    let slug = slug.into_inner();
    render(req, pool, state, move |ctx, reads, query| plan_page(ctx, reads, &slug, query)).await
}

pub(super) async fn target(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> HttpResponse {
    let slug = slug.into_inner();
    render(req, pool, state, move |ctx, reads, query| target_page(ctx, reads, &slug, query)).await
}

pub(super) async fn document(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> HttpResponse {
    let (name, dir) = (name.into_inner(), state.catalog_paths.documents_dir.clone());
    render(req, pool, state, move |ctx, reads, query| document_page(ctx, reads, &name, &dir, query)).await
}

pub(super) async fn reports(req: HttpRequest, pool: web::Data<DbPool>, state: web::Data<AppState>) -> HttpResponse {
    render(req, pool, state, reports_page).await
}

fn plan_title(plan: &PlanRow, lang: Lang) -> &str {
    if lang == Lang::Zh { &plan.title } else { &plan.title_en }
}

fn status_word(lang: PageLang) -> &'static str {
    lang.pick("状态", "Status")
}

/// `/`: every plan with its counts and a bar of its statuses; filters by status and plan.
pub fn overview_page(ctx: &Ctx, reads: &mut Reads, query: OverviewQuery) -> Result<Markup, AppError> {
    let lang = ctx.lang;
    let judgement = page_judgement(
        query.as_of.as_deref(),
        query.as_known.as_deref(),
        query.known_at.as_deref(),
        None,
        &reads.judged.regions(),
    )?;
    let wanted: Option<Status> = match query.status.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(
            raw.parse()
                .map_err(|reason: String| AppError::bad_parameter("status", format!("未知的状态“{raw}”"), reason))?,
        ),
    };
    let plan_filter = query.plan.as_deref().filter(|p| !p.is_empty());
    // A revised plan shows the version in force on the view's date.
    let plans: Vec<_> = reads.judged.plans().into_iter().filter(|p| p.in_force_on(judgement.as_of)).collect();
    if let Some(slug) = plan_filter
        && !plans.iter().any(|p| p.slug == slug)
    {
        return Err(AppError::bad_parameter("plan", format!("没有规划“{slug}”"), format!("no plan `{slug}`")));
    }
    let department = params::department(query.department.as_deref(), reads.judged)?;
    let departments = reads.judged.departments();
    let view = reads.judged.view(&judgement)?;
    let assessed: Vec<Assessed> = view
        .assessed
        .iter()
        .filter(|a| plan_filter.is_none_or(|f| a.plan.slug == f))
        .filter(|a| params::owned_by(department.as_deref(), &a.owners))
        .cloned()
        .collect();
    let l = lang.lang;
    let totals = judged::count_by_status(assessed.iter().map(|a| &a.summary.status));
    let matching: Vec<&Assessed> = assessed.iter().filter(|a| wanted.is_some_and(|w| a.summary.status == w)).collect();
    let shown_plans: Vec<&PlanRow> = plans
        .iter()
        .map(|p| p.as_ref())
        .filter(|p| plan_filter.is_none_or(|f| p.slug == f))
        .filter(|p| wanted.is_none() || matching.iter().any(|a| a.plan.id == p.id))
        // A department's view: only the plans where it answers for a target.
        .filter(|p| department.is_none() || assessed.iter().any(|a| a.plan.id == p.id))
        .collect();
    let today = judged::today();
    let title = lang.pick("规划目标总览", "Plan targets at a glance");
    let content = html! {
        h1 { (title) }
        (view_form(lang, "/", &judgement, today, &filters_kept(&query), &[]))
        form.filters method="get" action="/" {
            input type="hidden" name="as_of" value=(judgement.as_of);
            label for="status" { (status_word(lang)) }
            select #status name="status" {
                option value="" { (lang.pick("全部", "All")) }
                @for s in ALL_STATUSES {
                    option value=(s.as_str()) selected[wanted == Some(s)] { (status_label(s, l)) }
                }
            }
            label for="plan" { (lang.pick("规划", "Plan")) }
            select #plan name="plan" {
                option value="" { (lang.pick("全部规划", "All plans")) }
                @for p in &plans {
                    option value=(p.slug) selected[plan_filter == Some(p.slug.as_str())] { (plan_title(p, l)) }
                }
            }
            label for="department" { (lang.pick("责任单位", "Department")) }
            select #department name="department" {
                option value="" { (lang.pick("全部单位", "All departments")) }
                @for d in &departments {
                    option value=(d.slug) selected[department.as_deref() == Some(d.slug.as_str())] {
                        (if l == Lang::Zh { &d.name } else { &d.name_en })
                    }
                }
            }
            button type="submit" { (lang.pick("筛选", "Filter")) }
        }
        section aria-labelledby="totals" {
            h2 #totals {
                (lang.pick("全部目标", "All targets")) " " span.muted { (assessed.len()) }
            }
            (status_counts(&totals, l, plan_filter))
        }
        @if let Some(status) = wanted {
            section aria-labelledby="matching" {
                h2 #matching { (status_badge(status, false, l)) " " (matching.len()) }
                (targets_table(lang, &matching, true, &view_query(&judgement)))
            }
        }
        // The plans still running first, the latest issued first: what a planner acts on this
        // week comes before plans whose horizon has passed.
        @let (running, ended) = by_horizon(&shown_plans, judgement.as_of);
        @for (id, heading, group) in [
            ("plans", lang.pick("实施中的规划", "Plans in force"), &running),
            ("ended-plans", lang.pick("期限已过的规划", "Plans past their horizon"), &ended),
        ] {
            @if !group.is_empty() {
                section aria-labelledby=(id) {
                    h2 id=(id) { (heading) " " span.muted { (group.len()) } }
                    (plan_list(lang, group, &assessed, judgement.as_of))
                }
            }
        }
    };
    Ok(layout::page(ctx, title, content))
}

/// The plans whose horizon runs to the date's year or later, and those past it; each the latest
/// issued first.
fn by_horizon<'a>(plans: &[&'a PlanRow], as_of: NaiveDate) -> (Vec<&'a PlanRow>, Vec<&'a PlanRow>) {
    let mut plans = plans.to_vec();
    plans.sort_by(|a, b| {
        let issued = |p: &PlanRow| (p.issued, p.horizon_start);
        issued(b).cmp(&issued(a)).then_with(|| a.slug.cmp(&b.slug))
    });
    plans.into_iter().partition(|p| p.horizon_end >= as_of.year())
}

/// The overview's plans, each with its status bar and counts and its chart on demand.
fn plan_list(lang: PageLang, plans: &[&PlanRow], assessed: &[Assessed], as_of: NaiveDate) -> Markup {
    let l = lang.lang;
    html! {
        ul.plans {
            @for plan in plans {
                @let rows: Vec<&Assessed> = assessed.iter().filter(|a| a.plan.id == plan.id).collect();
                @let counts = judged::count_by_status(rows.iter().map(|a| &a.summary.status));
                @let summary = counts_sentence(&counts, lang);
                li.plan {
                    h3 { a href={ "/plans/" (plan.slug) } { (plan_title(plan, l)) } }
                    p.meta {
                        (layout::marked_chinese(plan.doc_number.as_deref().unwrap_or("—"), l)) " · "
                        (plan.horizon_text()) " · "
                        (rows.len()) " " (lang.pick("个目标", "targets"))
                    }
                    (status_bar(&counts, &summary))
                    (status_counts(&counts, l, Some(&plan.slug)))
                    // The full chart only when asked for: loaded lazily, so the overview stays small.
                    details.chart {
                        summary { (lang.pick("目标进度图", "Progress chart")) }
                        img src={ "/charts/plans/" (plan.slug) ".svg?lang=" (l.code()) "&as_of=" (as_of) }
                            loading="lazy" width="800"
                            alt={ (plan_title(plan, l)) (lang.pick("：", ": ")) (summary) };
                    }
                }
            }
        }
    }
}

/// The overview's filters, kept when the date changes.
fn filters_kept(query: &OverviewQuery) -> Vec<(&'static str, &str)> {
    let mut kept = Vec::new();
    if let Some(s) = query.status.as_deref().filter(|s| !s.is_empty()) {
        kept.push(("status", s));
    }
    if let Some(p) = query.plan.as_deref().filter(|p| !p.is_empty()) {
        kept.push(("plan", p));
    }
    if let Some(d) = query.department.as_deref().filter(|d| !d.is_empty()) {
        kept.push(("department", d));
    }
    kept
}

/// "已实现 3，逾期未报 20" — the bar's text for screen readers.
pub(super) fn counts_sentence(counts: &[(Status, usize)], lang: PageLang) -> String {
    let parts: Vec<String> =
        counts.iter().filter(|(_, n)| *n > 0).map(|(s, n)| format!("{} {n}", status_label(*s, lang.lang))).collect();
    parts.join(lang.pick("，", ", "))
}

/// A table of targets: name (linked), goal, deadline, baseline, latest, progress, status.
pub(super) fn targets_table(lang: PageLang, rows: &[&Assessed], with_plan: bool, view: &str) -> Markup {
    let l = lang.lang;
    let columns = [
        lang.pick("目标", "Target"),
        lang.pick("规划", "Plan"),
        lang.pick("目标值", "Goal"),
        lang.pick("期限", "Due"),
        lang.pick("基期值", "Baseline"),
        lang.pick("最新实际值", "Latest"),
        lang.pick("进度", "Progress"),
        status_word(lang),
    ];
    html! {
        // Under 600 px each row is a card with its own labels (style.css): no sideways scrolling.
        table.cards {
            (layout::caption(lang.pick("目标及其进度", "Targets and their progress")))
            thead {
                tr {
                    @for (i, column) in columns.iter().enumerate() {
                        @if i != 1 || with_plan { th scope="col" { (column) } }
                    }
                }
            }
            tbody {
                @for a in rows {
                    @let line: TargetLine = target_line(a, l);
                    tr {
                        th.name scope="row" data-label=(columns[0]) { a href={ "/targets/" (line.slug) (view) } { (layout::marked_chinese(&line.name, l)) } }
                        @if with_plan { td data-label=(columns[1]) { a href={ "/plans/" (a.plan.slug) (view) } { (plan_title(&a.plan, l)) } } }
                        td data-label=(columns[2]) { (layout::marked_chinese(&line.goal, l)) }
                        td.num data-label=(columns[3]) { (line.deadline) }
                        td.num data-label=(columns[4]) { (line.baseline) }
                        td.num data-label=(columns[5]) { (line.latest) }
                        td.num data-label=(columns[6]) { (line.progress) }
                        td data-label=(columns[7]) { (status_badge(a.summary.status, a.summary.achieved_late, l)) }
                    }
                }
            }
        }
    }
}

/// How the plan page orders its targets.
#[derive(Debug, Clone, Copy, PartialEq)]
enum SortBy {
    Catalog,
    Status,
    Progress,
    Deadline,
}

impl SortBy {
    fn parse(raw: Option<&str>) -> Result<SortBy, AppError> {
        match raw {
            None | Some("") => Ok(SortBy::Catalog),
            Some("status") => Ok(SortBy::Status),
            Some("progress") => Ok(SortBy::Progress),
            Some("deadline") => Ok(SortBy::Deadline),
            Some(other) => Err(AppError::bad_parameter(
                "sort",
                format!("未知的排序“{other}”：可按 status、progress 或 deadline 排序"),
                format!("unknown order `{other}`: use status, progress or deadline"),
            )),
        }
    }

    /// Worst first for status and progress (what needs attention), soonest first for deadlines.
    fn apply(self, rows: &mut [&Assessed]) {
        match self {
            SortBy::Catalog => {}
            SortBy::Status => rows.sort_by_key(|a| a.summary.status),
            SortBy::Progress => rows.sort_by(|a, b| {
                let key = |a: &Assessed| a.summary.progress.unwrap_or(f64::INFINITY);
                key(a).total_cmp(&key(b))
            }),
            SortBy::Deadline => rows.sort_by_key(|a| a.target.deadline_date),
        }
    }
}

/// The last day a version was in force, given the day the next took over.
fn last_day(replaced_on: NaiveDate) -> String {
    replaced_on.pred_opt().unwrap_or(replaced_on).to_string()
}

/// The other versions of a target of a revised plan: the one in force (for an earlier version)
/// and the earlier ones with the day each was in force until (for the one in force).
#[derive(Default)]
struct TargetVersions {
    current: Option<String>,
    earlier: Vec<(String, NaiveDate)>,
}

fn target_versions(reads: &Reads, context: &judged::Context) -> TargetVersions {
    let (target, plan) = (&context.target, &context.plan);
    if plan.in_force_until.is_some() {
        let current = crate::catalog::version_of(&target.slug).to_owned();
        let exists = current != target.slug && reads.judged.has_target(&current);
        return TargetVersions { current: exists.then_some(current), earlier: Vec::new() };
    }
    let earlier = reads
        .judged
        .earlier_versions(plan)
        .into_iter()
        .filter_map(|version| {
            let slug = format!("{}{}", target.slug, &version.slug[plan.slug.len()..]);
            let until = version.in_force_until?;
            reads.judged.has_target(&slug).then_some((slug, until))
        })
        .collect();
    TargetVersions { current: None, earlier }
}

/// `/plans/{slug}`: the document's facts, its overview chart and its targets.
pub fn plan_page(ctx: &Ctx, reads: &mut Reads, slug: &str, query: PageQuery) -> Result<Markup, AppError> {
    let lang = ctx.lang;
    let judgement = query.judgement(&reads.judged.regions())?;
    let sort = SortBy::parse(query.sort.as_deref())?;
    // The version of a revised plan the view shows: the one in force on its date.
    let (plan, by) = reads
        .judged
        .plan_shown(slug, &judgement, Asked::as_of(query.as_of.as_deref()).date_asked())
        .ok_or_else(|| AppError::not_found("plan", slug))?;
    if plan.slug != slug || by.as_of != judgement.as_of {
        let as_of = if by.as_of != judgement.as_of { Some(by.as_of.to_string()) } else { query.as_of.clone() };
        return plan_page(ctx, reads, &plan.slug, PageQuery { as_of, ..query });
    }
    let versions = reads.judged.earlier_versions(&plan);
    let department = params::department(query.department.as_deref(), reads.judged)?;
    let assessed: Vec<Assessed> = reads
        .judged
        .view(&judgement)?
        .of_plan(slug)
        .filter(|a| params::owned_by(department.as_deref(), &a.owners))
        .cloned()
        .collect();
    let completeness = reads.judged.plan_completeness(slug, &judgement);
    let owners = plan_owners(reads.judged, slug, &judgement)?;
    let indicator_ids: Vec<i64> = assessed.iter().map(|a| a.indicator.id).collect();
    let districts = reads.judged.districts_reporting(&indicator_ids);
    let l = lang.lang;
    let counts = judged::count_by_status(assessed.iter().map(|a| &a.summary.status));
    let view = view_query(&judgement);
    let mut by_attention: Vec<&Assessed> = assessed.iter().collect();
    by_attention.sort_by(|a, b| {
        attention_rank(a.summary.status)
            .cmp(&attention_rank(b.summary.status))
            .then_with(|| a.target.name.cmp(&b.target.name))
    });
    let bars: Vec<ProgressRow> = by_attention
        .iter()
        .map(|a| ProgressRow {
            href: format!("/targets/{}{view}", a.target.slug),
            name: if l == Lang::Zh { &a.target.name } else { &a.target.name_en },
            status: a.summary.status,
            achieved_late: a.summary.achieved_late,
            progress: a.summary.progress,
            expected: charts::expected_share(&a.summary),
        })
        .collect();
    let mut rows: Vec<&Assessed> = assessed.iter().collect();
    sort.apply(&mut rows);
    let action = format!("/plans/{}", plan.slug);
    let kept: Vec<(&str, &str)> = department.as_deref().map(|d| ("department", d)).into_iter().collect();
    let department_part =
        department.as_deref().map(|d| format!("&department={}", percent_encode(d))).unwrap_or_default();
    let sort_link = |by: &str| format!("{action}?sort={by}{department_part}{}", view.replacen('?', "&", 1));
    let title = plan_title(&plan, l);
    // A superseded version of a revised plan: its own slug ends in -v{n}; the current one has none.
    let current_version = plan.in_force_until.map(|_| crate::catalog::version_of(&plan.slug));
    let content = html! {
        h1 { (title) }
        @if let (Some(until), Some(current)) = (plan.in_force_until, current_version) {
            p.note {
                (lang.pick("这是规划的旧版本，", "This is an earlier version of the plan, replaced on "))
                (until.to_string())
                (lang.pick(" 起由修订版取代：", " by the revision: "))
                a href={ "/plans/" (current) } { (lang.pick("现行版本", "the version in force")) }
            }
        }
        @if let Some(from) = plan.in_force_from {
            p.note {
                (lang.pick("修订版，自 ", "Revised version, in force from ")) (from.to_string()) (lang.pick(" 起施行。", "."))
                @for (n, earlier) in versions.iter().enumerate() {
                    (if n == 0 { lang.pick("此前的版本：", " Earlier versions: ") } else { lang.pick("、", ", ") })
                    a href={ "/plans/" (earlier.slug) } { (earlier.slug) }
                    // Its last day in force: the day before the next version took over.
                    @if let Some(until) = earlier.in_force_until { (lang.pick("（施行至 ", " (in force through ")) (last_day(until)) (lang.pick("）", ")")) }
                }
            }
        }
        dl.facts {
            dt { (lang.pick("文号", "Document number")) } dd { (layout::marked_chinese(plan.doc_number.as_deref().unwrap_or("—"), l)) }
            dt { (lang.pick("印发日期", "Issued")) } dd { (dash(plan.issued.map(|d| d.to_string()))) }
            dt { (lang.pick("规划期", "Horizon")) } dd { (plan.horizon_text()) }
            dt { (lang.pick("原文", "Source text")) }
            dd {
                a href={ "/documents/" (percent_encode(&plan.source_file)) "#L" (plan.source_line.unwrap_or(1)) } { code { (plan.source_file) } }
                @if let Some(line) = plan.source_line { ", " (lang.pick("第 ", "line ")) (line) (lang.pick(" 行", "")) }
            }
            @if l == Lang::Zh { dt { "英文标题" } dd lang="en" { (plan.title_en) } }
            dt { (lang.pick("数据报送", "Figures reported")) }
            dd {
                (completeness_sentence(&completeness, lang))
                " · " (lang.pick("报送模板：", "template: "))
                a href={ "/plans/" (plan.slug) "/template.xlsx" } download { "Excel" } " · "
                a href={ "/plans/" (plan.slug) "/template.csv" } download { "CSV" }
            }
        }
        (view_form(lang, &action, &judgement, judged::today(), &kept, &districts))
        @if !owners.is_empty() {
            form.filters method="get" action=(action) {
                @for (name, value) in view_pairs(&judgement) { input type="hidden" name=(name) value=(value); }
                label for="department" { (lang.pick("责任单位", "Department")) }
                select #department name="department" {
                    option value="" { (lang.pick("全部单位", "All departments")) }
                    @for (d, count) in &owners {
                        option value=(d.slug) selected[department.as_deref() == Some(d.slug.as_str())] {
                            (if l == Lang::Zh { &d.name } else { &d.name_en }) " (" (count) ")"
                        }
                    }
                }
                button type="submit" { (lang.pick("筛选", "Filter")) }
            }
        }
        (status_counts(&counts, l, Some(&plan.slug)))
        h2 #bars { (lang.pick("目标进度", "Progress of targets")) }
        p.muted { (counts_sentence(&counts, lang)) }
        (progress_list(lang, &bars))
        h2 #targets { (lang.pick("目标", "Targets")) " " span.muted { (rows.len()) } }
        p.sort {
            (lang.pick("排序：", "Sort by: "))
            @for (by, label, key) in [
                (SortBy::Catalog, lang.pick("原文顺序", "document order"), ""),
                (SortBy::Status, status_word(lang), "status"),
                (SortBy::Progress, lang.pick("进度", "progress"), "progress"),
                (SortBy::Deadline, lang.pick("期限", "deadline"), "deadline"),
            ] {
                @if by == sort { strong aria-current="true" { (label) } } @else { a href=(sort_link(key)) { (label) } }
                " "
            }
        }
        (targets_table(lang, &rows, false, &view))
    };
    Ok(layout::page(ctx, title, content))
}

/// The most figures a target page lists (a series of monthly figures over decades fits; the
/// API pages through the rest).
const REVISIONS_SHOWN: i64 = 2_000;

/// The most figures due and not in that a target page names (a monthly duty over years owes many).
const MISSING_LISTED: usize = 4;

/// The revisions as known on a day (the office's): those recorded by then, current unless
/// revised by then — a view as known on a day shows no later correction.
fn as_known_on(
    revisions: Vec<crate::db::models::ActualRow>,
    known_at: Option<chrono::NaiveDate>,
) -> Vec<crate::db::models::ActualRow> {
    let Some(known_at) = known_at else { return revisions };
    let known = |at: chrono::NaiveDateTime| crate::clock::local_date(at) <= known_at;
    revisions
        .into_iter()
        .filter(|r| known(r.recorded_at))
        .map(|mut r| {
            r.superseded_at = r.superseded_at.filter(|&at| known(at));
            r
        })
        .collect()
}

/// `/targets/{slug}`: the chart, the goal as written with its citation, the numbers and how
/// they were judged, the projection, and every figure with its revisions.
pub fn target_page(ctx: &Ctx, reads: &mut Reads, slug: &str, query: PageQuery) -> Result<Markup, AppError> {
    let lang = ctx.lang;
    let judgement = query.judgement(&reads.judged.regions())?;
    if query.sort.is_some() {
        return Err(AppError::bad_parameter("sort", "只有规划页的目标可以排序", "only a plan's targets can be sorted"));
    }
    // The version of a revised plan the view shows: the one in force on its date.
    let (shown, by) = reads
        .judged
        .target_shown(slug, &judgement, Asked::as_of(query.as_of.as_deref()).date_asked())
        .ok_or_else(|| AppError::not_found("target", slug))?;
    if shown != slug || by.as_of != judgement.as_of {
        let as_of = if by.as_of != judgement.as_of { Some(by.as_of.to_string()) } else { query.as_of.clone() };
        return target_page(ctx, reads, &shown, PageQuery { as_of, ..query });
    }
    let one = reads.judged.one(slug, &judgement).ok_or_else(|| AppError::not_found("target", slug))?;
    let districts = reads.judged.districts_reporting(&[one.target.indicator.id]);
    let l = lang.lang;
    let judged::Context { target, plan, indicator, .. } = &one.target;
    let p = &one.progress;
    let title = charts::title(target, indicator, l);
    let drawn = charts::target_chart(&one, l);
    let chart = drawn.svg(800, 400).map_err(|e| AppError::Internal(e.into()))?;
    let narrow_chart = drawn.svg(400, 340).map_err(|e| AppError::Internal(e.into()))?;
    // The figures listed are those the verdict stands on: the district asked for, or the target's own.
    let shown_region = judgement.region.as_deref().unwrap_or(&target.region).to_owned();
    let district_chart = match charts::district_chart(&one, l) {
        Some(chart) => Some((
            chart.svg(800).map_err(|e| AppError::Internal(e.into()))?,
            chart.svg(400).map_err(|e| AppError::Internal(e.into()))?,
            chart,
        )),
        None => None,
    };
    let filter = actuals::ActualsFilter {
        history: true,
        region: Some(shown_region.clone()),
        limit: Some(REVISIONS_SHOWN),
        offset: 0,
    };
    let revisions = as_known_on(actuals::actuals_of_indicator(reads.conn, indicator.id, &filter)?, judgement.known_at);
    let later: Vec<&crate::db::models::ActualRow> =
        revisions.iter().filter(|r| r.superseded_at.is_none() && r.period_end > judgement.as_of).collect();
    let later_count = later.len();
    let milestone = target.kind == TargetKind::Milestone;
    let unit = if milestone { "%" } else { indicator.unit.as_str() };
    let value = |v: f64| figure(v, unit);
    let point = |pt: Option<crate::progress::Point>| dash(pt.map(|pt| format!("{} ({})", value(pt.value), pt.date)));
    let action = format!("/targets/{}", target.slug);
    let departments = reads.judged.departments();
    let duty = reads.judged.duty_of(indicator.id, judgement.known_at);
    let versions = target_versions(reads, &one.target);
    // Figures this target calls for that are due and not in: its status may rest on an older one
    // ("on track" on the 2024 figure while the 2025 one is months late), which a planner must see.
    let missing: Vec<crate::judged::DueFigure> = reads
        .judged
        .figures(&judgement)
        .into_iter()
        .filter(|f| f.arrival == crate::judged::Arrival::Missing && f.targets.iter().any(|t| *t == target.slug))
        .collect();
    let goal = crate::present::goal_shown(p, target, &indicator.unit, l);
    let content = html! {
        p.crumbs { a href={ "/plans/" (plan.slug) } { (plan_title(plan, l)) } }
        h1 { (title) }
        p.lead { (layout::marked_chinese(if l == Lang::Zh { &target.name } else { &target.name_en }, l)) " " (status_badge(p.status, p.achieved_late, l)) }
        @if let (Some(until), Some(current)) = (plan.in_force_until, &versions.current) {
            p.note {
                (lang.pick("这是目标在规划旧版本中的写法，施行至 ", "This is the target as an earlier version of the plan set it, in force through "))
                (last_day(until)) (lang.pick("；", "; "))
                a href={ "/targets/" (current) } { (lang.pick("现行版本", "the version in force")) }
            }
        }
        // A goal a revision added, viewed as of a day before the revision took over.
        @if let Some(from) = plan.in_force_from.filter(|from| *from > judgement.as_of && versions.earlier.is_empty()) {
            p.note {
                (lang.pick("此目标由 ", "This target was added by the revision in force from "))
                (from.to_string()) (lang.pick(" 起施行的修订版新增，此日期规划中还没有它。", "; on this date the plan did not have it yet."))
            }
        }
        @if !versions.earlier.is_empty() {
            p.note {
                (lang.pick("规划修订前的写法：", "As earlier versions of the plan set it: "))
                @for (i, (earlier, until)) in versions.earlier.iter().enumerate() {
                    @if i > 0 { (lang.pick("、", ", ")) }
                    a href={ "/targets/" (earlier) } { (earlier) }
                    (lang.pick("（至 ", " (until ")) (until.to_string()) (lang.pick("）", ")"))
                }
            }
        }
        (view_form(lang, &action, &judgement, judged::today(), &[], &districts))
        (inline_chart(&chart, &narrow_chart, ("#actuals", lang.pick("图中的全部数值见“实际值及修订记录”表", "Every figure in the chart: the table of actuals and their revisions"))))
        section aria-labelledby="source" {
            h2 #source { (lang.pick("原文", "As written")) }
            blockquote lang="zh-CN" { (target.source_quote) }
            p.cite {
                (layout::marked_chinese(plan.doc_number.as_deref().unwrap_or(""), l)) " "
                a href={ "/documents/" (percent_encode(&plan.source_file)) "#L" (target.source_line) } {
                    code { (plan.source_file) } ", " (lang.pick("第 ", "line ")) (target.source_line) (lang.pick(" 行", ""))
                }
                @if target.deadline_implied { " · " (lang.pick("期限按规划期末推定", "deadline implied by the plan's horizon")) }
            }
            @if let Some(notes) = if l == Lang::Zh { &target.notes } else { &target.notes_en } { p.note { (layout::marked_chinese(notes, l)) } }
            @if !one.target.owners.is_empty() {
                p.owners {
                    (lang.pick("责任单位：", "Answerable: "))
                    @for (i, owner) in one.target.owners.iter().enumerate() {
                        @if i > 0 { (lang.pick("、", ", ")) }
                        a href={ "/departments/" (owner) } { (department_name(&departments, owner, l).unwrap_or(owner)) }
                        @if i == 0 && one.target.owners.len() > 1 { (lang.pick("（牵头）", " (lead)")) }
                    }
                }
            }
            p.note {
                (lang.pick("数据报送：", "Figures: "))
                (duty_text(&duty, duty.reporter.as_deref().map(|r| department_name(&departments, r, l).unwrap_or(r)), l))
            }
        }
        section aria-labelledby="progress" {
            h2 #progress { (lang.pick("进度", "Progress")) }
            dl.facts {
                dt { (lang.pick("基期值", "Baseline")) }
                dd {
                    (point(p.baseline))
                    // The catalog gives none: the figure reported for the plan's base year stands in.
                    // (A milestone starts at 0 % complete when its plan does: nothing stands in.)
                    @if p.baseline.is_some() && target.baseline_value.is_none() && !target.cumulative && target.kind != TargetKind::Milestone && one.rebased.is_none() {
                        (lang.pick("（规划未给基期值，取基期年份的实际值）", " (the plan states none: the figure reported for its base year)"))
                    }
                    @if let Some(rebased) = &one.rebased { (crate::present::rebased_text(rebased, unit, l)) }
                }
                dt { (lang.pick("最新实际值", "Latest actual")) } dd { (point(p.latest)) }
                dt { (lang.pick("目标值", "Goal")) } dd { (goal) " · " (target.deadline) }
                @if let (Some(expected), Some(on)) = (p.expected, p.expected_on) {
                    dt { @if l == Lang::Zh { "按计划 " (on) " 应达到" } @else { "Expected on " (on) } } dd { (value(expected)) }
                }
                dt { (lang.pick("完成进度", "Progress")) } dd { (percent_text(p.progress)) }
                dt { (lang.pick("时间进度", "Time elapsed")) } dd { (percent_text(p.elapsed)) }
                // A closed target is judged by its deadline: its pace would only confuse.
                @if !matches!(p.status, Status::Achieved | Status::Missed) {
                    dt { (lang.pick("进度时间比", "Pace")) } dd { (ratio_text(p.pace)) }
                }
                @if judgement.region.is_some() || target.region != reads.judged.regions().default {
                    dt { (lang.pick("地区", "Region")) } dd { (shown_region) }
                }
                @if let Some(known_at) = judgement.known_at {
                    dt { (lang.pick("按当时已知", "As known on")) } dd { (known_at) }
                }
                @if p.cagr_ratio.is_some() { dt { (lang.pick("CAGR 比", "CAGR ratio")) } dd { (ratio_text(p.cagr_ratio)) } }
            }
            p.method { (verdict_sentence(p, &goal, unit, l)) }
            @if !missing.is_empty() {
                p.note {
                    (lang.pick("应报未报：", "Due and not in: "))
                    @for (i, f) in missing.iter().take(MISSING_LISTED).enumerate() {
                        @if i > 0 { (lang.pick("；", "; ")) }
                        (f.period) (lang.pick("（应于 ", " (due ")) (f.due_on.to_string()) (lang.pick(" 前报送）", ")"))
                    }
                    @if missing.len() > MISSING_LISTED {
                        (lang.pick("等 ", " and more: ")) (missing.len()) (lang.pick(" 项", " in all"))
                    }
                    @if p.status == Status::Overdue {
                        (lang.pick("。", "."))
                    } @else {
                        (lang.pick("。上面的判断依据已有的数据。", ". The verdict above rests on the figures in."))
                    }
                }
            }
            @if let Some(reason) = p.reason { p.note { (reason_text(reason, l)) } }
            // A figure for a period still running counts from the period's end (2026 → 2026-12-31):
            // said, so a figure uploaded today for this year is not taken for lost.
            @if let Some(later) = later.first() {
                p.note {
                    (lang.pick("另有 ", "")) (later_count) (lang.pick(" 个数据的期末在截至日期之后（如 ", " figure(s) end after the view's date (e.g. "))
                    (later.period) (lang.pick(" 的数据按 ", ", counted from ")) (later.period_end.to_string())
                    (lang.pick(" 计入），此日期的判断尚不计入；选更晚的截至日期可看到它。", "): not yet counted on this date; choose a later date to see it."))
                }
            }
            @if let Some(projection) = &p.projection {
                h3 { (lang.pick("趋势预测", "Projection")) }
                p {
                    (lang.pick("按", "By ")) (projection.points) (lang.pick(" 个数据点的趋势（", " points ("))
                    (if projection.fit == "least_squares" { lang.pick("最小二乘", "least squares") } else { lang.pick("两点连线", "line through two points") })
                    (lang.pick("），期限时约为 ", "), the value at the deadline would be about "))
                    strong { (value(projection.value_at_deadline)) }
                    @match projection.reaches_target_on {
                        // A date already past: no figure has come since to show it.
                        Some(date) if date <= p.as_of => {
                            (lang.pick("；按此趋势应已于 ", "; at this trend the goal was reached on ")) strong { (date) }
                            (lang.pick(" 前后达标，尚无数据证实", " or so, with no figure yet to show it"))
                        }
                        Some(date) => { (lang.pick("；预计达标日期 ", "; the goal would be reached on ")) strong { (date) } }
                        None => { (lang.pick("；按此趋势不会达标", "; at this trend the goal is not reached")) }
                    }
                    (lang.pick("。", "."))
                }
            }
        }
        @if let Some((wide, narrow, chart)) = &district_chart {
            section aria-labelledby="districts" {
                h2 #districts { (lang.pick("各区最新数据", "Latest figure of each district")) }
                @if indicator.sums_districts() {
                    p.note { (lang.pick("各区数据相加为全市数：目标是全市的，不逐区比较。", "The districts' figures add up to the city's: the goal is the city's, not each district's.")) }
                }
                (inline_chart(wide, narrow, ("#district-figures", lang.pick("各区数值见下表", "Each district's figure: the table below"))))
                table.cards #district-figures {
                    (layout::caption(lang.pick("各区最新数据", "Latest figure of each district")))
                    (header_row(lang, &[("地区", "District"), ("期间", "Period"), ("数值", "Value"), ("是否达到目标", "Meets the goal")]))
                    tbody {
                        @for (district, figure_) in &chart.rows {
                            @let period = one.districts.iter().find(|(d, _)| d == district).map(|(_, o)| o.date.to_string()).unwrap_or_default();
                            tr {
                                th.name scope="row" data-label=(lang.pick("地区", "District")) {
                                    a href={ "/targets/" (target.slug) "?region=" (percent_encode(district)) } { (district) }
                                }
                                td.num data-label=(lang.pick("期间", "Period")) { (period) }
                                td.num data-label=(lang.pick("数值", "Value")) { (value(*figure_)) }
                                td data-label=(lang.pick("是否达到目标", "Meets the goal")) {
                                    @match chart.goal {
                                        Some(_) if chart.meets(*figure_) => (lang.pick("是", "yes")),
                                        Some(_) => (lang.pick("否", "no")),
                                        None => "—",
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="actuals" {
            h2 #actuals { (lang.pick("实际值及修订记录", "Actuals and their revisions")) }
            @if revisions.is_empty() {
                p { (lang.pick("尚无实际值。", "No actuals yet.")) }
            } @else {
                div.scroll tabindex="0" role="region" aria-label=(lang.pick("实际值及修订记录", "Actuals and their revisions")) {
                    table {
                        (layout::caption(lang.pick("实际值及修订记录", "Actuals and their revisions")))
                        (header_row(lang, &[("期间", "Period"), ("数值", "Value"), ("录入时间", "Recorded"), ("来源", "Source"), ("状态", "State")]))
                        tbody {
                            @for a in &revisions {
                                tr.superseded[a.superseded_at.is_some()] {
                                    th.num scope="row" { (a.period) }
                                    // As stored, not rounded: this is where a clerk checks what was taken in.
                                    td.num { (crate::present::format_number(a.value)) (unit) }
                                    td.num { (crate::clock::shown(a.recorded_at)) }
                                    td {
                                        @if let Some(id) = a.upload_id { a href={ "/uploads/" (id) } { "#" (id) } " " }
                                        (layout::marked_chinese(a.source.as_deref().unwrap_or(""), l))
                                        @if let Some(note) = &a.note { " · " (layout::marked_chinese(note, l)) }
                                    }
                                    td {
                                        @match a.superseded_at {
                                            Some(at) => { (lang.pick("已被修订 ", "revised ")) (crate::clock::shown(at)) }
                                            None => { (lang.pick("当前", "current")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(ctx, &title, content))
}

/// `/documents/{name}`: a plan's source text as the catalog cites it, each line numbered and
/// addressable (`#L35`), so a reader checks a quote in its place. Only a text some plan cites is
/// shown: the seed gazette's file, or a published plan's stored text.
pub fn document_page(
    ctx: &Ctx,
    reads: &mut Reads,
    name: &str,
    documents_dir: &std::path::Path,
    _: LangQuery,
) -> Result<Markup, AppError> {
    let lang = ctx.lang;
    let citing: Vec<std::sync::Arc<PlanRow>> =
        reads.judged.plans().into_iter().filter(|p| p.source_file == name).collect();
    if citing.is_empty() {
        return Err(AppError::not_found("document", name));
    }
    // The name is one a plan cites, not a path a visitor wrote: a file of the documents folder,
    // else a published plan's text.
    let text = match std::fs::read_to_string(documents_dir.join(name)) {
        Ok(text) => text,
        Err(_) => {
            crate::db::drafts::document_text(reads.conn, name)?.ok_or_else(|| AppError::not_found("document", name))?
        }
    };
    let l = lang.lang;
    let title = format!("{}{name}", lang.pick("原文：", "Source text: "));
    let content = html! {
        h1 { (title) }
        p {
            (lang.pick("本文件所载规划：", "Plans in this text: "))
            @for (i, plan) in citing.iter().enumerate() {
                @if i > 0 { (lang.pick("；", "; ")) }
                a href={ "/plans/" (plan.slug) } { (plan_title(plan, l)) }
                @if let Some(number) = &plan.doc_number { " " (layout::marked_chinese(number, l)) }
            }
        }
        p.note { (lang.pick("每个目标引用的行号即下列行号。", "The line a target cites is the line of this number.")) }
        ol.source lang="zh-CN" {
            @for (i, line) in text.lines().enumerate() {
                li id={ "L" (i + 1) } { (line) }
            }
        }
    };
    Ok(layout::page(ctx, &title, content))
}

/// `/reports`: a form for the report (PDF or Word, any scope and view), the reports written on
/// the schedule and those the office made.
pub fn reports_page(ctx: &Ctx, reads: &mut Reads, _: LangQuery) -> Result<Markup, AppError> {
    let lang = ctx.lang;
    let plans = reads.judged.plans();
    let departments = reads.judged.departments();
    let regions = reads.judged.regions();
    let (scheduled, asked): (Vec<_>, Vec<_>) = crate::db::reports::list(reads.conn, LISTED_REPORTS)?
        .into_iter()
        .partition(|r| !r.period_key.starts_with("made:"));
    let l = lang.lang;
    let title = lang.pick("状态报告", "Status reports");
    let covers = |r: &crate::db::reports::ReportRow| -> String {
        match (&r.plan, &r.department) {
            (Some(slug), _) => {
                plans.iter().find(|p| &p.slug == slug).map_or(slug.clone(), |p| plan_title(p, l).to_owned())
            }
            (None, Some(slug)) => crate::present::department_name(&departments, slug, l).unwrap_or(slug).to_owned(),
            (None, None) => lang.pick("全部规划", "All plans").to_owned(),
        }
    };
    let content = html! {
        h1 { (title) }
        form.stack method="get" action="/reports/status.pdf" {
            label for="plan" { (lang.pick("规划", "Plan")) }
            select #plan name="plan" {
                option value="" { (lang.pick("全部规划", "All plans")) }
                @for p in &plans { option value=(p.slug) { (plan_title(p, l)) } }
            }
            label for="department" { (lang.pick("牵头单位（可选）", "Lead department (optional)")) }
            select #department name="department" {
                option value="" { (lang.pick("全部单位", "Every department")) }
                @for d in &departments { option value=(d.slug) { (if l == Lang::Zh { &d.name } else { &d.name_en }) } }
            }
            label for="as_of" { (lang.pick("截至日期（必填）", "As of (required)")) }
            input #as_of type="date" name="as_of" value=(judged::today()) max=(judged::today()) required;
            label for="known_at" { (lang.pick("只计入此日前录入的数据（可选）", "Only figures recorded by (optional)")) }
            input #known_at type="date" name="known_at" max=(judged::today());
            @if !regions.districts.is_empty() {
                label for="region" { (lang.pick("地区（可选）", "District (optional)")) }
                select #region name="region" {
                    option value="" { (lang.pick("各目标本身的地区", "each target's own")) }
                    @for district in &regions.districts { option value=(district) { (district) } }
                }
            }
            label for="method" { (lang.pick("评估方法", "Method")) }
            select #method name="method" {
                option value="linear" { (lang.pick("线性进度（进度时间比）", "linear pace")) }
                option value="cagr" { (lang.pick("年均增长率之比（CAGR）", "CAGR ratio")) }
            }
            label for="layout" { (lang.pick("版式", "Layout")) }
            select #layout name="layout" {
                option value="compact" { (lang.pick("简版（摘要、每个规划一张表）", "compact (summary, one table per plan)")) }
                option value="full" { (lang.pick("完整版（每个目标一节）", "full (a section per target)")) }
            }
            label for="group" { (lang.pick("分组", "Grouped by")) }
            select #group name="group" {
                option value="plan" { (lang.pick("按规划", "plan")) }
                option value="department" { (lang.pick("按牵头单位", "lead department")) }
            }
            label for="since" { (lang.pick("与哪份报告比较（报告编号或日期，可选；默认为同一范围的上一份）", "Compare with (a report's number or a date, optional; default the last one of the same scope)")) }
            input #since type="text" name="since" inputmode="numeric" autocomplete="off";
            label for="lang" { (lang.pick("报告语言", "Report language")) }
            select #lang name="lang" {
                option value="zh" selected[l == Lang::Zh] { "中文" }
                option value="en" selected[l == Lang::En] { "English" }
            }
            div.actions {
                button type="submit" { (lang.pick("生成 PDF", "Make the PDF")) }
                " "
                button type="submit" formaction="/reports/status.docx" { (lang.pick("生成 Word 文件（可编辑）", "Make the Word file (editable)")) }
            }
        }
        h2 { (lang.pick("已出具的报告", "Reports made")) }
        @if asked.is_empty() {
            p { (lang.pick("尚无。管理员（持令牌或登录）生成的报告会编号保存，下一份同一范围的报告与它比较。", "None yet. A report made by an administrator (token or signed in) is numbered and kept; the next one of the same scope compares with it.")) }
        } @else {
            div.scroll tabindex="0" role="region" aria-label=(lang.pick("已出具的报告", "Reports made")) { table {
                (layout::caption(lang.pick("已出具的报告", "Reports made")))
                (header_row(lang, &[("编号", "Number"), ("范围", "Scope"), ("截至日期", "As of"), ("语言", "Language"), ("生成时间（北京时间）", "Made (Beijing time)"), ("文件", "File")]))
                tbody {
                    @for r in &asked {
                        tr {
                            th scope="row" { (r.number.clone().unwrap_or_else(|| crate::report::unnumbered_name(r.id, l))) }
                            td { (covers(r)) }
                            td.num {
                                (r.as_of)
                                @if let Some(known_at) = r.known_at { br; span.muted { (lang.pick("按 ", "as known on ")) (known_at) (lang.pick(" 时已知", "")) } }
                            }
                            td { (if r.lang == "en" { "English" } else { "中文" }) }
                            td.num { (crate::clock::shown(r.created_at)) }
                            td {
                                @if let Some(path) = &r.file_path {
                                    a href={ "/api/v1/reports/" (r.id) } { (if path.ends_with(".docx") { "Word" } else { "PDF" }) }
                                } @else {
                                    "—"
                                }
                            }
                        }
                    }
                }
            } }
        }
        h2 { (lang.pick("定期报告", "Scheduled reports")) }
        @if scheduled.is_empty() {
            p { (lang.pick("尚未配置或尚未生成定期报告（由管理员在设置文件中配置）。", "No scheduled report yet (see the report_schedule setting).")) }
        } @else {
            div.scroll tabindex="0" role="region" aria-label=(lang.pick("定期报告", "Scheduled reports")) { table {
                (layout::caption(lang.pick("定期报告", "Scheduled reports")))
                (header_row(lang, &[("期次", "Period"), ("截至日期", "As of"), ("状态", "State"), ("文件", "File")]))
                tbody {
                    @for r in &scheduled {
                        tr {
                            th scope="row" { (schedule_period(&r.period_key, lang)) }
                            td.num { (r.as_of) }
                            td {
                                (match r.status.as_str() {
                                    "done" => lang.pick("已完成", "done"),
                                    "running" => lang.pick("生成中", "being made"),
                                    _ => lang.pick("失败", "failed"),
                                })
                                @if let Some(e) = &r.error { " · " (e) }
                            }
                            td { @if r.status == "done" { a href={ "/api/v1/reports/" (r.id) } { "PDF" } } }
                        }
                    }
                }
            } }
        }
    };
    Ok(layout::page(ctx, title, content))
}

/// The reports the page lists at most.
const LISTED_REPORTS: i64 = 100;

/// `daily:2026-12-06` → 2026-12-06 日报; `monthly:2026-12` → 2026-12 月报.
fn schedule_period(key: &str, lang: PageLang) -> String {
    match key.split_once(':') {
        Some(("daily", day)) => format!("{day} {}", lang.pick("日报", "daily")),
        Some(("monthly", month)) => format!("{month} {}", lang.pick("月报", "monthly")),
        _ => key.to_owned(),
    }
}
