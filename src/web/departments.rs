//! `/departments`: who answers for the targets and who owes which figure, like DHIS2's reporting
//! rates; `/departments/{slug}`: one department's targets, overdue figures, what falls due next
//! and its uploads; `/departments/{slug}/template.csv`: the figures it owes, ready to fill in.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, caption, dash, header_row, status_bar, status_counts_within, view_form};
use super::pages::{
    PageQuery, Reads, completeness_sentence, counts_sentence, page_judgement, render, targets_table, view_query,
};
use super::{Ctx, PageLang};
use crate::db::{DbPool, actuals};
use crate::error::AppError;
use crate::http::departments::upcoming;
use crate::judged::{self, Arrival, DepartmentView, DueFigure, Judgement};
use crate::present::template::{self, TemplateRow};
use crate::present::{Lang, attention_rank, percent_text};
use crate::server::AppState;
use crate::server::params::{Asked, judgement};

pub(super) async fn list(req: HttpRequest, pool: web::Data<DbPool>, state: web::Data<AppState>) -> HttpResponse {
    render(req, pool, state, departments_page).await
}

pub(super) async fn one(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> HttpResponse {
    let slug = slug.into_inner();
    render(req, pool, state, move |ctx, reads, query| department_page(ctx, reads, &slug, query)).await
}

fn name(view: &DepartmentView, lang: Lang) -> &str {
    if lang == Lang::Zh { &view.department.name } else { &view.department.name_en }
}

fn kind_label(kind: &str, lang: Lang) -> &str {
    match (kind, lang) {
        (_, Lang::Zh) => kind,
        ("区政府", Lang::En) => "district government",
        ("市级部门", Lang::En) => "municipal department",
        _ => "other",
    }
}

/// `/departments`: every department with targets or figures, most missing figures first.
pub fn departments_page(ctx: &Ctx, reads: &mut Reads, query: PageQuery) -> Result<Markup, AppError> {
    let lang = ctx.lang;
    let l = lang.lang;
    let judgement = page_view(&query, reads)?;
    let mut views = reads.judged.department_views(&judgement)?;
    views.sort_by(|a, b| {
        b.completeness
            .missing
            .cmp(&a.completeness.missing)
            .then_with(|| worst(a).cmp(&worst(b)))
            .then_with(|| a.department.slug.cmp(&b.department.slug))
    });
    // Every figure due, as the report counts them: those no department is named to report too.
    let figures = reads.judged.figures(&judgement);
    let all = judged::Completeness::of(figures.iter());
    let unassigned = judged::Completeness::of(figures.iter().filter(|f| f.reporter.is_none()));
    let link_view = view_query(&judgement);
    let title = lang.pick("责任单位", "Departments");
    let columns = [
        ("单位", "Department"),
        ("负责目标", "Targets"),
        ("目标状态", "Status of targets"),
        ("应报", "Due"),
        ("按时", "On time"),
        ("逾期报送", "Late"),
        ("逾期未报", "Overdue"),
        ("报送率", "Reporting rate"),
        ("最近报送", "Last figure"),
    ];
    let content = html! {
        h1 { (title) }
        p.muted {
            (lang.pick(
                "各单位负责的目标（牵头或协同），以及应由其报送的数据：截至所选日期应报多少、按时报送多少、逾期报送多少、仍未报送多少。",
                "The targets each department answers for (as lead or co-owner), and the figures it reports: how many were due by the date, how many came on time, late, or not at all.",
            ))
        }
        (view_form(lang, "/departments", &judgement, judged::today(), &[], &[]))
        p { strong { (lang.pick("全部数据：", "All figures: ")) } (completeness_sentence(&all, lang)) }
        @if unassigned.due > 0 {
            p.note {
                (lang.pick("其中未指定报送单位的：", "Of these, with no department named to report them: "))
                (completeness_sentence(&unassigned, lang))
                (lang.pick("。这些指标的目标没有写明责任单位；管理员可为指标指定报送单位。", ". Their targets name no responsible unit; an administrator can name the reporter of an indicator (PUT /api/v1/indicators/{slug}/duty)."))
            }
        }
        table.cards {
            (caption(lang.pick("各责任单位的目标与数据报送", "Each department's targets and figures")))
            (header_row(lang, &columns))
            tbody {
                @for v in &views {
                    @let counts = judged::count_by_status(v.owned.iter().map(|a| &a.summary.status));
                    @let c = &v.completeness;
                    tr {
                        th.name scope="row" data-label=(lang.pick(columns[0].0, columns[0].1)) {
                            a href={ "/departments/" (v.department.slug) (link_view) } { (name(v, l)) }
                            br; span.muted { (kind_label(&v.department.kind, l)) }
                        }
                        td.num data-label=(lang.pick(columns[1].0, columns[1].1)) { (v.owned.len()) }
                        td data-label=(lang.pick(columns[2].0, columns[2].1)) {
                            @if !v.owned.is_empty() {
                                (status_bar(&counts, &counts_sentence(&counts, lang)))
                                (status_counts_within(&counts, l, &format!("&department={}", v.department.slug)))
                            }
                        }
                        td.num data-label=(lang.pick(columns[3].0, columns[3].1)) { (c.due) }
                        td.num data-label=(lang.pick(columns[4].0, columns[4].1)) { (c.on_time) }
                        td.num data-label=(lang.pick(columns[5].0, columns[5].1)) { (c.late) }
                        td.num data-label=(lang.pick(columns[6].0, columns[6].1)) {
                            @if c.missing > 0 { strong.overdue { (c.missing) } } @else { "0" }
                        }
                        td.num data-label=(lang.pick(columns[7].0, columns[7].1)) { (percent_text(c.rate())) }
                        td.num data-label=(lang.pick(columns[8].0, columns[8].1)) { (dash(v.last_received.map(|d| d.to_string()))) }
                    }
                }
            }
        }
    };
    Ok(layout::page(ctx, title, content))
}

/// The most urgent status among a department's targets, for ordering.
fn worst(view: &DepartmentView) -> usize {
    view.owned.iter().map(|a| attention_rank(a.summary.status)).min().unwrap_or(usize::MAX)
}

/// The view the department pages take: a date and "as known then" (no district: a department's
/// figures are its own regions').
fn page_view(query: &PageQuery, reads: &Reads) -> Result<Judgement, AppError> {
    if query.sort.is_some() || query.department.is_some() || query.region.as_deref().is_some_and(|r| !r.is_empty()) {
        return Err(AppError::bad_request(
            "部门页只接受 as_of、as_known、known_at 与 lang 参数",
            "the department pages take as_of, as_known, known_at and lang only",
        ));
    }
    page_judgement(
        query.as_of.as_deref(),
        query.as_known.as_deref(),
        query.known_at.as_deref(),
        None,
        &reads.judged.regions(),
    )
}

/// `/departments/{slug}`: its targets, its overdue figures, what falls due in the next 90 days,
/// its uploads, and the template of what it owes.
pub fn department_page(ctx: &Ctx, reads: &mut Reads, slug: &str, query: PageQuery) -> Result<Markup, AppError> {
    let lang = ctx.lang;
    let l = lang.lang;
    let judgement = page_view(&query, reads)?;
    let view =
        reads.judged.department_view(slug, &judgement)?.ok_or_else(|| AppError::not_found("department", slug))?;
    let as_of = judgement.as_of;
    let overdue: Vec<&DueFigure> = view.figures.iter().filter(|f| f.arrival == Arrival::Missing).collect();
    // What the plans still running call for comes first; a plan past its horizon still needs its
    // last figures (achieved or missed), but a 2016 plan's backlog should not bury this year's.
    let plans = reads.judged.plans();
    let year = chrono::Datelike::year(&as_of);
    let running =
        |f: &&DueFigure| f.plans.iter().any(|p| plans.iter().any(|row| &row.slug == p && row.horizon_end >= year));
    let (overdue_running, overdue_ended): (Vec<&DueFigure>, Vec<&DueFigure>) =
        overdue.iter().copied().partition(running);
    let next: Vec<&DueFigure> = upcoming(&view.figures, as_of).collect();
    let mut indicator_ids: Vec<i64> = view.figures.iter().map(|f| f.indicator.id).collect();
    indicator_ids.sort_unstable();
    indicator_ids.dedup();
    let uploads = actuals::uploads_touching(reads.conn, &indicator_ids, 20)?;
    let mut owned: Vec<&judged::Assessed> = view.owned.iter().collect();
    owned.sort_by_key(|a| attention_rank(a.summary.status));
    let counts = judged::count_by_status(owned.iter().map(|a| &a.summary.status));
    // Targets it answers for whose figures another department (or nobody named) reports: their
    // 逾期未报 is a figure missing, not necessarily one this department owes.
    let reported_elsewhere = owned
        .iter()
        .filter(|a| reads.judged.duty_of(a.target.indicator_id, judgement.known_at).reporter.as_deref() != Some(slug))
        .count();
    let link_view = view_query(&judgement);
    let labels = target_labels(reads.judged, &overdue, l);
    let title = name(&view, l).to_owned();
    let figure_columns = [("指标", "Indicator"), ("期间", "Period"), ("地区", "Region"), ("应报日期", "Due on")];
    let content = html! {
        h1 { (title) }
        dl.facts {
            dt { (lang.pick("类型", "Kind")) } dd { (kind_label(&view.department.kind, l)) }
            @if l == Lang::Zh { dt { "英文名称" } dd lang="en" { (view.department.name_en) } }
            dt { (lang.pick("数据报送", "Figures reported")) } dd { (completeness_sentence(&view.completeness, lang)) }
            dt { (lang.pick("最近报送", "Last figure")) } dd { (dash(view.last_received.map(|d| d.to_string()))) }
        }
        (view_form(lang, &format!("/departments/{slug}"), &judgement, judged::today(), &[], &[]))
        p {
            (lang.pick("下载报送模板：", "Download the reporting template: "))
            a href={ "/departments/" (slug) "/template.xlsx" (link_view) } download { "Excel" }
            " · "
            a href={ "/departments/" (slug) "/template.csv" (link_view) } download { "CSV" }
            " "
            span.muted {
                (lang.pick(
                    "：每项应报数据一行，填好数值列后即可在“数据上传”页上传。",
                    ": one row per figure owed; fill in the value column and upload it on the Uploads page.",
                ))
            }
        }
        section aria-labelledby="overdue" {
            h2 #overdue { (lang.pick("逾期未报的数据", "Overdue figures")) " " span.muted { (overdue.len()) } }
            @if overdue.is_empty() {
                p { (lang.pick("没有逾期未报的数据。", "No figure is overdue.")) }
            } @else {
                @if overdue_running.is_empty() {
                    p { (lang.pick("在施规划没有逾期未报的数据。", "No figure of a plan still running is overdue.")) }
                } @else {
                    (overdue_table(lang, &overdue_running, as_of, &link_view, &labels, lang.pick("在施规划逾期未报的数据", "Overdue figures of plans still running")))
                }
                @if !overdue_ended.is_empty() {
                    details {
                        summary {
                            (lang.pick("规划期已结束的规划：", "Plans past their horizon: ")) (overdue_ended.len())
                            (lang.pick(" 项逾期未报（补报后可判断目标是否实现）", " overdue figures (sent late, they still tell whether a target was met)"))
                        }
                        (overdue_table(lang, &overdue_ended, as_of, &link_view, &labels, lang.pick("已结束规划逾期未报的数据", "Overdue figures of plans past their horizon")))
                    }
                }
            }
        }
        section aria-labelledby="upcoming" {
            h2 #upcoming { (lang.pick("未来 90 天应报", "Due in the next 90 days")) " " span.muted { (next.len()) } }
            @if next.is_empty() {
                p { (lang.pick("未来 90 天没有应报的数据。", "Nothing falls due in the next 90 days.")) }
            } @else {
                table.cards {
                    (caption(lang.pick("未来 90 天应报的数据", "Figures due in the next 90 days")))
                    (header_row(lang, &figure_columns))
                    tbody { @for f in &next { tr { (figure_cells(lang, f, &figure_columns)) } } }
                }
            }
        }
        section aria-labelledby="owned" {
            h2 #owned { (lang.pick("负责的目标", "Targets it answers for")) " " span.muted { (owned.len()) } }
            (status_counts_within(&counts, l, &format!("&department={slug}")))
            @if reported_elsewhere > 0 {
                p.note {
                    (match l {
                        Lang::Zh => format!("其中 {reported_elsewhere} 个目标的数据由其他单位报送或未指定报送单位：这些目标“逾期未报”是数据未到，不一定是本单位未报；本单位应报的数据见上文。"),
                        Lang::En => format!("The figures of {reported_elsewhere} of these targets are reported by another department or by none named: their 'overdue' means a figure has not come, not necessarily one this department owes; the figures it owes are listed above."),
                    })
                }
            }
            (targets_table(lang, &owned, true, &link_view))
        }
        section aria-labelledby="uploads" {
            h2 #uploads { (lang.pick("最近的上传", "Recent uploads")) }
            @if uploads.is_empty() {
                p { (lang.pick("还没有含其数据的上传。", "No upload has brought its figures yet.")) }
            } @else {
                ul {
                    @for u in &uploads {
                        li {
                            a href={ "/uploads/" (u.id) } { (u.file_name) }
                            " · " (crate::clock::shown(u.received_at)) " · " (u.uploaded_by)
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(ctx, &title, content))
}

/// How a link to a target reads in a list of figures: its deadline and goal ("2025年 ≥ 8000项"),
/// with its plan's title to hover; by target slug.
type TargetLabels = std::collections::HashMap<String, (String, String)>;

fn target_labels(judged: &judged::Judged, figures: &[&DueFigure], l: Lang) -> TargetLabels {
    let mut wanted: Vec<&str> = figures.iter().flat_map(|f| f.targets.iter().map(String::as_str)).collect();
    wanted.sort_unstable();
    wanted.dedup();
    wanted
        .into_iter()
        .filter_map(|slug| judged.context(slug))
        .map(|a| {
            let goal = crate::present::goal_of(l, &a.target, &a.indicator.unit);
            // A deadline is a year (2025) or a day (2026-12-31).
            let deadline = &a.target.deadline;
            let mut label = match l {
                Lang::Zh if deadline.len() == 4 => format!("{deadline}年 {goal}"),
                Lang::Zh => format!("{deadline} {goal}"),
                Lang::En => format!("{deadline}: {goal}"),
            };
            // An earlier version of a revised plan still owed it (it fell due while in force).
            if a.plan.in_force_until.is_some() {
                label.push_str(if l == Lang::Zh { "（旧版本）" } else { " (earlier version)" });
            }
            let plan = if l == Lang::Zh { &a.plan.title } else { &a.plan.title_en };
            (a.target.slug.clone(), (label, plan.clone()))
        })
        .collect()
}

/// Overdue figures: what, for when, due on, days late, and the targets that call for them.
fn overdue_table(
    lang: PageLang,
    figures: &[&DueFigure],
    as_of: NaiveDate,
    link_view: &str,
    labels: &TargetLabels,
    title: &str,
) -> Markup {
    let figure_columns = [("指标", "Indicator"), ("期间", "Period"), ("地区", "Region"), ("应报日期", "Due on")];
    html! {
        table.cards {
            (caption(title))
            (header_row(lang, &[figure_columns[0], figure_columns[1], figure_columns[2], figure_columns[3], ("逾期天数", "Days late"), ("相关目标", "Targets")]))
            tbody {
                @for f in figures {
                    tr {
                        (figure_cells(lang, f, &figure_columns))
                        td.num data-label=(lang.pick("逾期天数", "Days late")) { ((as_of - f.due_on).num_days()) }
                        td data-label=(lang.pick("相关目标", "Targets")) {
                            @for (i, t) in f.targets.iter().enumerate() {
                                @if i > 0 { br; }
                                @match labels.get(t) {
                                    Some((label, plan)) => a href={ "/targets/" (t) (link_view) } title=(plan) { (label) },
                                    None => a href={ "/targets/" (t) (link_view) } { (t) },
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn figure_cells(lang: PageLang, f: &DueFigure, columns: &[(&'static str, &'static str); 4]) -> Markup {
    let label = |i: usize| lang.pick(columns[i].0, columns[i].1);
    let indicator = if lang.lang == Lang::Zh { &f.indicator.name } else { &f.indicator.name_en };
    html! {
        th.name scope="row" data-label=(label(0)) { (indicator) " " span.muted { "（" (f.indicator.unit) "）" } }
        td.num data-label=(label(1)) {
            (f.period)
            @if f.starting { " " span.muted { (lang.pick("（基期）", "(base year)")) } }
        }
        td data-label=(label(2)) { (f.region) }
        td.num data-label=(label(3)) { (f.due_on) }
    }
}

/// `?as_of=&known_at=&lang=` of a template.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateQuery {
    pub as_of: Option<String>,
    pub known_at: Option<String>,
    pub lang: Option<String>,
}

/// The figures owed on a date: overdue ones and those falling due in the next 90 days whose
/// period has ended (a period still running cannot be reported yet).
pub fn owed(figures: &[DueFigure], as_of: NaiveDate) -> Vec<&DueFigure> {
    // Oldest due first, as the figures come: every missing one is due before any upcoming one.
    let mut owed: Vec<&DueFigure> = figures.iter().filter(|f| f.arrival == Arrival::Missing).collect();
    owed.extend(upcoming(figures, as_of).filter(|f| f.period_end <= as_of));
    owed
}

/// Whose template: a department's (the figures it reports) or a plan's (its targets' figures).
#[derive(Debug, Clone, Copy)]
enum Whose {
    Department,
    Plan,
}

pub(super) async fn department_template(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    template(req, state, Whose::Department, path.into_inner()).await
}

pub(super) async fn plan_template(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    template(req, state, Whose::Plan, path.into_inner()).await
}

/// `…/template.csv` or `…/template.xlsx`: the figures owed, ready to fill in and upload.
async fn template(
    req: HttpRequest,
    state: web::Data<AppState>,
    whose: Whose,
    (slug, file): (String, String),
) -> Result<HttpResponse, AppError> {
    let xlsx = match file.as_str() {
        "template.csv" => false,
        "template.xlsx" => true,
        _ => return Err(AppError::not_found("template", &file)),
    };
    let query: TemplateQuery = super::pages::parse_query(&req)?;
    let lang = crate::server::params::lang(query.lang.as_deref())?;
    let asked = Asked {
        as_of: query.as_of.as_deref().filter(|v| !v.is_empty()),
        known_at: query.known_at.as_deref().filter(|v| !v.is_empty()),
        ..Asked::default()
    };
    let judgement = judgement(asked, &state.regions)?;
    let as_of = judgement.as_of;
    let judged = state.judged.clone();
    let wanted = slug.clone();
    let (title, file_name, rows) = web::block(move || -> Result<_, AppError> {
        let (name, figures) = match whose {
            Whose::Department => {
                let view = judged
                    .department_view(&wanted, &judgement)?
                    .ok_or_else(|| AppError::not_found("department", &wanted))?;
                let name =
                    if lang == Lang::Zh { view.department.name.clone() } else { view.department.name_en.clone() };
                (name, view.figures)
            }
            Whose::Plan => {
                let plan = judged
                    .plans()
                    .into_iter()
                    .find(|p| p.slug == wanted)
                    .ok_or_else(|| AppError::not_found("plan", &wanted))?;
                let figures = judged.figures(&judgement).into_iter().filter(|f| f.plans.contains(&wanted)).collect();
                (if lang == Lang::Zh { plan.title.clone() } else { plan.title_en.clone() }, figures)
            }
        };
        let rows: Vec<TemplateRow> = owed(&figures, as_of)
            .into_iter()
            .map(|f| TemplateRow {
                indicator: if lang == Lang::Zh { f.indicator.name.clone() } else { f.indicator.slug.clone() },
                period: f.period.clone(),
                region: f.region.clone(),
                unit: f.indicator.unit.clone(),
                total_since: f.total_since,
            })
            .collect();
        let title = match lang {
            Lang::Zh => format!("{name} 数据报送模板（截至 {as_of}，共 {} 项）", rows.len()),
            Lang::En => format!("{name}: figures owed as of {as_of} ({})", rows.len()),
        };
        let file_name = match lang {
            Lang::Zh => format!("{name}数据报送模板-{as_of}"),
            Lang::En => format!("{wanted}-figures-owed-{as_of}"),
        };
        Ok((title, file_name, rows))
    })
    .await??;
    let failed = |e: String| AppError::Internal(anyhow::anyhow!("template: {e}"));
    let (body, content_type) = if xlsx {
        let regions = state.regions.all();
        let bytes = template::xlsx(&rows, &regions, &title, lang).map_err(|e| failed(e.to_string()))?;
        (bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    } else {
        (template::csv(&rows, lang).map_err(|e| failed(e.to_string()))?, "text/csv; charset=utf-8")
    };
    let extension = if xlsx { "xlsx" } else { "csv" };
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header(crate::server::attachment(&format!("{file_name}.{extension}")))
        .body(body))
}
