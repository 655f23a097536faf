//! What the report shows, gathered from the database: plans, targets with their verdicts,
//! counts, and the charts to draw.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use rayon::prelude::*;
use serde::Serialize;

use crate::charts::{self, Lang};
use crate::domain::TargetKind;
use crate::judged::{self, Assessed, Judgement};
use crate::present::{department_name, method_label, status_colour, status_label, verdict_label};
use crate::progress::{ALL_STATUSES, Status};

/// Which report: one plan or all, as of a date, by a method, in a language, in a layout; and
/// what it is compared with.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    pub plan: Option<String>,
    /// Only the targets this department answers for (lead or co-owner).
    pub department: Option<std::sync::Arc<crate::db::models::DepartmentRow>>,
    pub judgement: Judgement,
    pub lang: Lang,
    pub layout: Layout,
    /// A PDF, or an editable Word file.
    pub output: Output,
    /// One section per plan, or per lead department.
    pub group: Group,
    /// The sending unit (setting `report_sender`).
    pub sender: String,
    /// The report's number (setting `report_number`, numbered per year).
    pub number: Option<String>,
    /// The previous report, as named on the page, and what it judged.
    pub previous: Option<(String, super::summary::Snapshot)>,
    /// Where the PDF is laid out.
    pub renderer: super::Renderer,
}

impl ReportOptions {
    pub fn new(plan: Option<String>, judgement: Judgement, lang: Lang) -> ReportOptions {
        ReportOptions {
            plan,
            department: None,
            judgement,
            lang,
            layout: Layout::default(),
            output: Output::Pdf,
            group: Group::Plan,
            sender: String::new(),
            number: None,
            previous: None,
            renderer: super::Renderer::Here,
        }
    }
}

/// How the targets are grouped after the first page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    #[default]
    Plan,
    /// By the lead department of each target (the targets no text assigns last).
    Department,
}

impl std::str::FromStr for Group {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "plan" => Ok(Group::Plan),
            "department" => Ok(Group::Department),
            other => Err(format!("unknown grouping `{other}`: use plan or department")),
        }
    }
}

/// What the report is written as.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Output {
    #[default]
    Pdf,
    /// An editable Word file (.docx), charts as PNG.
    Docx,
}

/// The most charts a compact report draws per section: a report sent upward shows the targets
/// that need a decision; every target is still in its section's table. Also what keeps a report
/// of a large catalog to seconds.
const COMPACT_CHARTS: usize = 6;

/// The targets a compact section charts (their indices): those with figures that need attention
/// (missed, regressing, off track, at risk) and the binding ones with figures, most urgent first.
fn compact_charts(rows: &[judged::Assessed]) -> std::collections::HashSet<usize> {
    use crate::progress::Status;
    let needs_attention = |a: &judged::Assessed| {
        matches!(a.summary.status, Status::Missed | Status::Regressing | Status::OffTrack | Status::AtRisk)
            || a.target.binding == Some(true)
    };
    let mut eligible: Vec<usize> =
        (0..rows.len()).filter(|&i| rows[i].summary.latest.is_some() && needs_attention(&rows[i])).collect();
    eligible.sort_by_key(|&i| crate::present::attention_rank(rows[i].summary.status));
    eligible.into_iter().take(COMPACT_CHARTS).collect()
}

/// Whether a target has anything to draw: a figure, or a baseline to draw its path from.
fn has_chart(a: &Assessed) -> bool {
    a.summary.latest.is_some() || a.summary.baseline.is_some_and(|_| a.target.kind != TargetKind::Milestone)
}

/// Which rows of a section get a chart: compact, the few that need a decision; full, every
/// target with something to draw.
fn charted_rows(rows: &[Assessed], layout: Layout) -> Vec<bool> {
    match layout {
        Layout::Compact => {
            let chosen = compact_charts(rows);
            (0..rows.len()).map(|i| chosen.contains(&i)).collect()
        }
        Layout::Full => rows.iter().map(has_chart).collect(),
    }
}

/// The targets a report of `scope` charts: the only ones its scope works out in full
/// ([`judged::InFull::Chosen`]).
pub fn charted(scope: &judged::Scope, options: &ReportOptions) -> std::collections::HashSet<String> {
    let assessed: Vec<Assessed> =
        scope.assessed.iter().filter(|a| in_department(options, &a.owners)).cloned().collect();
    groups(&scope.plans, &assessed, &scope.departments, options)
        .into_iter()
        .flat_map(|group| {
            let charted = charted_rows(&group.rows, options.layout);
            group.rows.into_iter().zip(charted).filter(|(_, charted)| *charted).map(|(a, _)| a.target.slug.clone())
        })
        .collect()
}

/// Whether a target with these owners is in the report: every target, or the department's.
/// A department's report holds the targets it leads (牵头, the first owner): sent upward, a
/// report charging it with the targets it only supports would charge it with others' delays.
fn in_department(options: &ReportOptions, owners: &[String]) -> bool {
    options.department.as_ref().is_none_or(|department| owners.first() == Some(&department.slug))
}

/// `compact` (the default): the summary, one table per plan, charts of the targets with figures
/// and of binding ones, two to a row. `full`: every plan's overview chart too, every chart full
/// width, and the targets without data listed with their quotes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    #[default]
    Compact,
    Full,
}

impl std::str::FromStr for Layout {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "compact" => Ok(Layout::Compact),
            "full" => Ok(Layout::Full),
            other => Err(format!("unknown layout `{other}`: use compact or full")),
        }
    }
}

/// The first page's contents.
#[derive(Debug, Serialize)]
pub struct SummaryData {
    pub changes: Option<super::summary::Changes>,
    pub problems: Vec<super::summary::Problem>,
    pub problems_total: usize,
    pub owing: Vec<super::summary::Owing>,
    /// Departments with figures missing, listed or not.
    pub owing_total: usize,
}

#[derive(Debug, Serialize)]
pub struct ReportData {
    pub title: String,
    pub scope: String,
    pub sender: String,
    pub number: String,
    pub layout: Layout,
    pub group: Group,
    pub summary: SummaryData,
    pub lang: &'static str,
    pub as_of: String,
    pub generated_at: String,
    /// When it was made, in UTC as document properties write it (2026-12-07T08:00:00Z).
    pub made_utc: String,
    pub vintage: String,
    pub method_label: String,
    pub target_count: usize,
    pub plans: Vec<PlanSection>,
    pub totals: Vec<usize>,
    pub statuses: Vec<StatusLegend>,
    pub status_colors: HashMap<&'static str, String>,
    /// The rest of the one palette: muted, faint, rule, head, ink.
    pub colors: HashMap<&'static str, String>,
    pub labels: HashMap<&'static str, serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct PlanSection {
    pub slug: String,
    /// Starts a new part: a report of many targets is laid out in parts of about
    /// [`ROWS_PER_RUN`] rows, each a document of its own (so on a new page).
    pub new_part: bool,
    /// How many charts the plan's overview takes (`plan:{slug}:{i}`), one per page at most.
    pub overview_charts: usize,
    pub title: String,
    pub doc_number: String,
    pub issued: String,
    pub horizon: String,
    pub source: String,
    /// The line under the section's title: 文号 · 印发 · 规划期, or a department's count.
    pub facts: String,
    pub counts: Vec<usize>,
    pub targets: Vec<TargetLine>,
}

#[derive(Debug, Serialize)]
pub struct TargetLine {
    pub slug: String,
    pub name: String,
    pub baseline: String,
    pub latest: String,
    pub goal: String,
    pub deadline: String,
    pub progress: String,
    pub status: &'static str,
    pub label: &'static str,
    pub charted: bool,
    pub line: i32,
    /// In a section of many plans (by department): the plan the line is in (its 文号, else its
    /// title), written before the line; empty in a plan's own section.
    pub cited_in: String,
    pub quote: String,
    /// The plan's 文号 and source file, for the citation.
    pub doc: String,
    pub source: String,
    /// A charted 累计 target measured on totals less its base year's: what was taken off (empty
    /// for the rest).
    pub counted: String,
}

#[derive(Debug, Serialize)]
pub struct StatusLegend {
    pub status: &'static str,
    pub label: &'static str,
    pub meaning: String,
}

/// A report starts a new part (laid out on its own, see `report::lay_out`) after about this many
/// table rows, a chart counting as [`ROWS_PER_CHART`] rows. Parts are laid out two at a time,
/// each dropped once written, so a report's layout holds two parts' pages, not all of them. At
/// ten times the seed catalog (compact, 7 000 rows, 2 cores): one document 3.7–4.9 s and a
/// 1.05 GB layout process; parts of 1 000 rows 3.0 s and 550–630 MB; of 500 rows 3.0 s and
/// 400–500 MB, the PDF 5–8 % larger (each part has its own font subsets).
pub(super) const ROWS_PER_RUN: usize = 500;

/// What a chart weighs in a part against a table row. A full report charts every target with a
/// figure: at ten times the seed catalog, parts cut by rows alone took its layout process to
/// 1.06–1.08 GB, weighing a chart as 10 rows to 780–800 MB (as 20: no less, and slower).
pub(super) const ROWS_PER_CHART: usize = 10;

/// A report of up to this weight in rows is laid out as one document, tagged as a whole (a report
/// in parts carries no structure tags): every report of the seed catalog is.
const ONE_DOCUMENT_ROWS: usize = 4_000;

/// Which sections (of these weights in rows) start a new part: none in a report of up to
/// [`ONE_DOCUMENT_ROWS`], else the first after every [`ROWS_PER_RUN`] rows or more.
fn runs(sizes: impl Iterator<Item = usize>) -> Vec<bool> {
    let sizes: Vec<usize> = sizes.collect();
    if sizes.iter().sum::<usize>() <= ONE_DOCUMENT_ROWS {
        return vec![false; sizes.len()];
    }
    let mut rows_in_run = 0;
    sizes
        .into_iter()
        .map(|size| {
            let new_part = rows_in_run >= ROWS_PER_RUN;
            rows_in_run = if new_part { 0 } else { rows_in_run } + size;
            new_part
        })
        .collect()
}

/// The most rows an overview chart has: one part fits the width of a page and its height.
const OVERVIEW_ROWS_PER_PAGE: usize = 30;

/// A chart to draw for the report.
pub enum ChartJob {
    Plan(charts::PlanOverview),
    /// A target's chart and its size in pixels (a compact report's, two to a row, are drawn
    /// smaller so their text prints as large as a full report's).
    Target(Box<charts::TargetChart>, (u32, u32)),
}

impl ChartJob {
    /// The chart as PNG, for the Word copy.
    pub fn draw_png(&self) -> Result<Vec<u8>, charts::ChartError> {
        match self {
            ChartJob::Plan(overview) => overview.png(800, overview.natural_height()),
            ChartJob::Target(chart, (width, height)) => chart.png(*width, *height),
        }
    }

    /// The chart as SVG: vector in the PDF, its text selectable.
    pub fn draw(&self) -> Result<Vec<u8>, charts::ChartError> {
        match self {
            ChartJob::Plan(overview) => overview.svg(800, overview.natural_height()),
            ChartJob::Target(chart, (width, height)) => chart.svg(*width, *height),
        }
        .map(String::into_bytes)
    }
}

fn labels(lang: Lang) -> HashMap<&'static str, serde_json::Value> {
    let zh = lang == Lang::Zh;
    let pick = |a: &str, b: &str| serde_json::Value::from(if zh { a } else { b });
    let method_text: Vec<&str> = if zh {
        vec![
            "每个数值目标以基期值 b（t0 年）、目标值 T（期限 tD）和最新实际值 v（时间 t）衡量：完成进度 = (v − b) / (T − b)，即已完成的距离占全部距离的比例；时间进度 = (t − t0) / (tD − t0)；进度时间比 = 完成进度 / 时间进度（“时间过半、任务过半”即为 1）。表中“应达”为按计划在最新实际值之时应完成的比例，即当时的时间进度，状态据此判断。",
            "基期值：目录中的基期值；否则取规划基期年（规划期前一年，或目录注明的基期年）的实际值；规划期内累计的量（累计、新增、五年筹措等）从规划开始时的 0 起算。不以首次上传的数值充当基期。没有基期值的目标仍比较实际值与目标值、判断是否实现，但不计算进度时间比。",
            "“超过”“突破”为严格大于，“达到”“以上”“不低于”为大于等于，“控制在”“以内”“不超过”为小于等于；“左右”“约”按目标值 ±5% 的区间理解（原文另有写明的从其写法）。区间按指标方向判断：越高越好的指标达到区间下沿即为实现，超出区间不算未实现（注明“超出目标区间”）；越低越好的指标反之。“比某年下降/增长”的目标以该年实际值换算为目标值；比较时按数据的精度，不因浮点误差改变结论。",
            "年均增长率法（联合国可持续发展目标数据平台和欧盟统计局的做法）：R = 实际年均增长率 / 所需年均增长率，分档同上；先判断是否已实现，不跨零计算增长率。里程碑按完成百分比（100 = 完成）以线性进度判断。期限已过的目标只判断“已实现”或“到期未实现”（其后达到的注明）。",
            "截至日期：计入期间在该日期前结束的数据，每期取最新修订；选择“按当时已知的数据”时只计入在该日期前已录入的数据。所有目标值均引自文件原文的具体行。",
        ]
    } else {
        vec![
            "Each numeric target is measured by its baseline b (year t0), target T (deadline tD) and latest actual v (at t): progress = (v − b) / (T − b), the share of the distance covered; elapsed = (t − t0) / (tD − t0); pace = progress / elapsed. The share \"due\" beside progress is what the straight path called for when the latest figure was measured, its elapsed share; the status weighs progress against it.",
            "Baseline: the catalog's; else the figure for the plan's base year (the year before its horizon, or the catalog's base year); a total built up during the plan (累计, 新增, 五年筹措 …) starts from 0 at the plan's start. The first figure uploaded is never taken as the baseline. A target without one is still compared with its goal (achieved or missed) but gets no pace.",
            "超过/突破 are strict (>), 达到/以上/不低于 are ≥, 控制在/以内/不超过 are ≤; 左右/约 is read as ±5 % of the value unless the text says otherwise. Bands follow the indicator's direction: on a higher-is-better indicator the lower edge achieves it and overshooting is no failure (noted as beyond the band); mirrored for lower-is-better. A change against a year is converted with that year's actual; comparisons are made at the figures' precision.",
            "CAGR method (Open SDG / Eurostat): R = observed CAGR / required CAGR, same bands; achievement is checked first; no growth rate across zero. Milestones are judged by percent complete with linear pace. Past its deadline a target is only achieved or missed (reached later is noted).",
            "As of: figures for periods ended by that date count, each at its latest revision; \"as known then\" counts only figures recorded by that date. Every target cites the line of the document it comes from.",
        ]
    };
    HashMap::from([
        ("as_of", pick("截至日期", "As of")),
        ("generated", pick("生成时间（北京时间）", "Generated (Beijing time)")),
        ("vintage", pick("数据截至（最新上传，北京时间）", "Data vintage (newest upload, Beijing time)")),
        ("method", pick("评估方法", "Method")),
        ("plans", pick("规划文件数", "Plans")),
        ("targets", pick("目标数", "Targets")),
        ("summary", pick("总体情况", "Summary")),
        ("total_words", pick("纳入本报告的目标共 {n} 个：", "{n} targets in this report: ")),
        ("changes_heading", pick("与上次报告相比", "Since the previous report")),
        (
            "no_previous",
            pick(
                "没有可比较的上次报告（同一范围、截至日期不晚于本报告的报告尚无）。",
                "There is no previous report to compare with (none of this scope judging this date or earlier).",
            ),
        ),
        ("list_sep", pick("；", "; ")),
        ("was", pick("上次", "Was")),
        ("now", pick("本次", "Now")),
        ("problems_heading", pick("主要问题", "Main problems")),
        (
            "no_problems",
            pick(
                "没有到期未实现、逾期未报、倒退、滞后或存在风险的目标。",
                "No target is missed, overdue, regressing, off track or at risk.",
            ),
        ),
        (
            "problems_note",
            pick(
                "共 {n} 项，按约束性在前、到期未实现与逾期未报在前、期限近者在前，列出前 {k} 项：",
                "{n} in all; binding first, then missed and overdue, nearest deadline first; the first {k}:",
            ),
        ),
        ("binding_note", pick("★ 约束性指标", "★ binding target")),
        (
            "listed_note",
            pick(
                "共 {n} 项，列出前 {k} 项（到期未实现、新实现在前）；全部见完整版报告或网页。",
                "{n} in all; the first {k} (newly missed and newly achieved first); the full report or the pages list them all.",
            ),
        ),
        (
            "owing_note",
            pick(
                "共 {n} 个单位，列出未报最多的前 {k} 个；全部见“责任单位”页面。",
                "{n} in all; the {k} with most missing; the departments page lists them all.",
            ),
        ),
        ("owner", pick("牵头单位", "Lead")),
        ("owing_heading", pick("逾期未报的数据（按报送单位）", "Overdue figures by reporting department")),
        ("department", pick("单位", "Department")),
        ("due", pick("应报", "Due")),
        ("missing", pick("未报", "Missing")),
        ("rate", pick("报送率", "Rate")),
        ("by_plan", pick("各规划目标状态", "Targets by plan")),
        ("by_department", pick("各牵头单位目标状态", "Targets by lead department")),
        ("plan", pick("规划", "Plan")),
        ("all_plans", pick("全部规划", "All plans")),
        ("issued", pick("印发", "issued")),
        ("horizon", pick("规划期", "horizon")),
        ("indicator", pick("目标", "Target")),
        ("baseline", pick("基期值", "Baseline")),
        ("latest", pick("最新实际值", "Latest actual")),
        ("target", pick("目标值", "Goal")),
        ("deadline", pick("期限", "Due")),
        ("progress", pick("进度", "Progress")),
        ("status", pick("状态", "Status")),
        ("citation", pick("出处", "Source")),
        ("line", pick("第", "line")),
        ("line_suffix", pick(" 行", "")),
        ("no_chart_heading", pick("暂无数据的目标", "Targets without data")),
        (
            "no_chart_note",
            pick(
                "以下目标截至报告日期没有任何数据，不绘制图表。",
                "These targets have no figure at all as of the report date; no chart is drawn.",
            ),
        ),
        ("method_heading", pick("附录：进度与状态的计算方法", "Appendix: how status is computed")),
        ("method_text", serde_json::Value::from(method_text)),
        ("chart_missing", pick("图表未能生成", "chart could not be drawn")),
        (
            "cover_note",
            pick(
                "本报告由 plantrack 根据规划原文和上传数据自动生成。",
                "Generated by plantrack from the plan documents and uploaded figures.",
            ),
        ),
    ])
}

/// The view's date, and what else narrows it: "2018-06-30（按当时已知 2018-06-30 · 浦东新区）".
fn view_words(judgement: &judged::Judgement, lang: Lang) -> String {
    let mut narrowed = Vec::new();
    if let Some(known_at) = judgement.known_at {
        narrowed.push(match lang {
            Lang::Zh => format!("按 {known_at} 时已知的数据"),
            Lang::En => format!("as known on {known_at}"),
        });
    }
    if let Some(region) = &judgement.region {
        narrowed.push(region.to_string());
    }
    match (narrowed.is_empty(), lang) {
        (true, _) => judgement.as_of.to_string(),
        (false, Lang::Zh) => format!("{}（{}）", judgement.as_of, narrowed.join("，")),
        (false, Lang::En) => format!("{} ({})", judgement.as_of, narrowed.join(", ")),
    }
}

fn with_unit(value: f64, unit: &str) -> String {
    crate::present::figure(value, unit)
}

/// The unit a target's figures are shown in beside its goal, and what a figure in the indicator's
/// unit is divided by for it: a level or range written in 万平方米 shows 4.8万平方米, not 48000平方米
/// beside "≥ 5万平方米". A change is shown in the indicator's unit (its goal is a share), and a
/// milestone in percent complete.
fn shown_unit(a: &Assessed) -> (&str, f64) {
    let t = &a.target;
    match t.kind {
        TargetKind::Milestone => ("%", 1.0),
        TargetKind::Level | TargetKind::Range if t.scale.is_finite() && t.scale > 0.0 && t.scale != 1.0 => {
            (t.unit.as_str(), t.scale)
        }
        _ => (a.indicator.unit.as_str(), 1.0),
    }
}

/// The goal as written; an approximate one (左右) also as the band it is read as.
fn goal_line(a: &Assessed, lang: Lang) -> String {
    let t = &a.target;
    let written = crate::present::goal_of(lang, t, &a.indicator.unit);
    match (t.comparator, a.summary.band) {
        (Some(crate::domain::Comparator::About), Some(band)) => {
            let (unit, scale) = shown_unit(a);
            let (low, high) = (band.low / scale, band.high / scale);
            match lang {
                Lang::Zh => format!("{written}（{}）", crate::present::band_text(low, high, unit, "—")),
                Lang::En => format!("{written} ({})", crate::present::band_text(low, high, unit, "–")),
            }
        }
        _ => written,
    }
}

/// The share covered, and the share due by now on the straight path.
fn progress_line(s: &judged::ProgressSummary, lang: Lang) -> String {
    let share = |v: f64| format!("{:.0}%", v * 100.0);
    match (s.progress, charts::expected_share(s), lang) {
        (Some(p), Some(e), Lang::Zh) => format!("{}（应达 {}）", share(p), share(e)),
        (Some(p), Some(e), Lang::En) => format!("{} ({} due)", share(p), share(e)),
        (Some(p), None, _) => share(p),
        (None, _, _) => "—".to_owned(),
    }
}

pub(crate) fn target_line(a: &Assessed, lang: Lang) -> TargetLine {
    let t = &a.target;
    let s = &a.summary;
    let kind = t.kind;
    let (unit, scale) = shown_unit(a);
    let shown = |value: f64| with_unit(value / scale, unit);
    TargetLine {
        slug: t.slug.clone(),
        name: if lang == Lang::Zh { t.name.clone() } else { t.name_en.clone() },
        // A milestone's baseline is its 0 % at the plan's start: nothing a reader needs to see.
        baseline: s
            .baseline
            .filter(|_| kind != TargetKind::Milestone)
            .map(|b| format!("{} ({})", shown(b.value), b.date.format("%Y")))
            .unwrap_or_else(|| "—".to_owned()),
        latest: s.latest.map(|p| format!("{} ({})", shown(p.value), p.date)).unwrap_or_else(|| "—".to_owned()),
        goal: goal_line(a, lang),
        deadline: t.deadline.clone(),
        progress: progress_line(s, lang),
        status: s.status.as_str(),
        label: verdict_label(s.status, s.achieved_late, lang),
        charted: has_chart(a),
        line: t.source_line,
        cited_in: String::new(),
        quote: t.source_quote.clone(),
        doc: a.plan.doc_number.clone().unwrap_or_default(),
        source: a.plan.source_file.clone(),
        counted: String::new(),
    }
}

fn counts(statuses: impl Iterator<Item = Status>) -> Vec<usize> {
    let statuses: Vec<Status> = statuses.collect();
    ALL_STATUSES.iter().map(|s| statuses.iter().filter(|x| *x == s).count()).collect()
}

/// One section of the report: a plan's targets, or a lead department's.
struct Grouped<'a> {
    plan: Option<&'a crate::db::models::PlanRow>,
    rows: Vec<Assessed>,
    title: String,
    facts: String,
}

fn groups<'a>(
    plans: &'a [std::sync::Arc<crate::db::models::PlanRow>],
    assessed: &[Assessed],
    departments: &[std::sync::Arc<crate::db::models::DepartmentRow>],
    options: &ReportOptions,
) -> Vec<Grouped<'a>> {
    let lang = options.lang;
    let labels = labels(lang);
    let word = |key: &str| labels.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    match options.group {
        Group::Plan => plans
            .iter()
            .map(|plan| {
                let issued = plan.issued.map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned());
                let facts = [
                    plan.doc_number.clone().unwrap_or_default(),
                    format!("{} {issued}", word("issued")),
                    format!("{} {}", word("horizon"), plan.horizon_text()),
                ]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · ");
                Grouped {
                    plan: Some(plan.as_ref()),
                    rows: assessed.iter().filter(|a| a.plan.id == plan.id).cloned().collect(),
                    title: if lang == Lang::Zh { plan.title.clone() } else { plan.title_en.clone() },
                    facts,
                }
            })
            .collect(),
        Group::Department => {
            let mut by: Vec<(Option<&str>, Vec<Assessed>)> = Vec::new();
            for a in assessed {
                let lead = a.owners.first().map(String::as_str);
                match by.iter_mut().find(|(d, _)| *d == lead) {
                    Some((_, rows)) => rows.push(a.clone()),
                    None => by.push((lead, vec![a.clone()])),
                }
            }
            // The departments with most targets first; the targets no text assigns last.
            by.sort_by_key(|(d, rows)| (d.is_none(), std::cmp::Reverse(rows.len())));
            by.into_iter()
                .map(|(lead, rows)| {
                    let title = match (lead.and_then(|slug| department_name(departments, slug, lang)), lang) {
                        (Some(name), _) => name.to_owned(),
                        (None, Lang::Zh) => "未指定责任单位".to_owned(),
                        (None, Lang::En) => "No department named".to_owned(),
                    };
                    let facts = match lang {
                        Lang::Zh => format!("牵头 {} 个目标", rows.len()),
                        Lang::En => format!("lead on {} targets", rows.len()),
                    };
                    Grouped { plan: None, rows, title, facts }
                })
                .collect()
        }
    }
}

/// The scope narrowed to the department asked for (its targets, their plans and figures).
pub fn narrow(scope: judged::Scope, options: &ReportOptions) -> judged::Scope {
    let judged::Scope { mut plans, mut assessed, mut full, vintage, mut figures, departments } = scope;
    if let Some(department) = &options.department {
        assessed.retain(|a| in_department(options, &a.owners));
        full.retain(|one| in_department(options, &one.target.owners));
        plans.retain(|p| assessed.iter().any(|a| a.plan.id == p.id));
        figures.retain(|f| f.reporter.as_deref() == Some(department.slug.as_str()));
    }
    judged::Scope { plans, assessed, full, vintage, figures, departments }
}

/// The report's data and its charts (SVG bytes by name), of a scope already [`narrow`]ed to the
/// options' department. `draw` renders each chart; a chart it fails on is left out (the template
/// shows a placeholder) and the error is logged.
pub fn gather(
    scope: judged::Scope,
    options: &ReportOptions,
    generated_at: NaiveDateTime,
    draw: &(dyn Fn(&ChartJob) -> Result<Vec<u8>, charts::ChartError> + Sync),
) -> (ReportData, HashMap<String, Vec<u8>>) {
    let lang = options.lang;
    let judgement = &options.judgement;
    let judged::Scope { plans, assessed, full, vintage, figures, departments } = scope;
    let compact = options.layout == Layout::Compact;
    let mut full: HashMap<String, judged::AssessedOne> =
        full.into_iter().map(|one| (one.target.target.slug.clone(), one)).collect();
    let mut jobs: Vec<(String, ChartJob)> = Vec::new();
    let mut sections = Vec::new();
    let groups = groups(&plans, &assessed, &departments, options);
    let charted: Vec<Vec<bool>> = groups.iter().map(|g| charted_rows(&g.rows, options.layout)).collect();
    let weights =
        groups.iter().zip(&charted).map(|(g, c)| g.rows.len() + ROWS_PER_CHART * c.iter().filter(|c| **c).count());
    let new_parts = runs(weights);
    for ((group, new_part), charted) in groups.into_iter().zip(new_parts).zip(charted) {
        let Grouped { plan, rows, title, facts } = group;
        // A long plan's overview continues over pages: no row is ever cut off.
        let overview_parts = match plan {
            Some(plan) if !compact => charts::plan_overview(plan, &rows, lang).parts(OVERVIEW_ROWS_PER_PAGE),
            _ => Vec::new(),
        };
        let slug = plan.map(|p| p.slug.clone()).unwrap_or_else(|| format!("group-{}", sections.len()));
        let overview_charts = overview_parts.len();
        for (i, part) in overview_parts.into_iter().enumerate() {
            jobs.push((format!("plan:{slug}:{i}"), ChartJob::Plan(part)));
        }
        let mut targets: Vec<TargetLine> = rows.iter().map(|a| target_line(a, lang)).collect();
        if plan.is_none() {
            for (line, a) in targets.iter_mut().zip(&rows) {
                let title = if lang == Lang::Zh { &a.plan.title } else { &a.plan.title_en };
                line.cited_in = a.plan.doc_number.clone().unwrap_or_else(|| title.clone());
            }
        }
        for (line, charted) in targets.iter_mut().zip(charted) {
            line.charted = charted;
        }
        for line in targets.iter_mut().filter(|l| l.charted) {
            if let Some(one) = full.remove(&line.slug) {
                if let Some(rebased) = &one.rebased {
                    let unit = &one.target.indicator.unit;
                    line.counted = crate::present::rebased_text(rebased, unit, lang).trim().to_owned();
                }
                // Two to a row in a compact report: at half the page, 800 pixels would print
                // their text at ~4 pt; at 480 it prints at ~6.5 pt.
                let size = if compact { (480, 300) } else { (800, 400) };
                let chart = ChartJob::Target(Box::new(charts::target_chart(&one, lang)), size);
                jobs.push((format!("target:{}", line.slug), chart));
            }
        }
        sections.push(PlanSection {
            slug,
            new_part,
            overview_charts,
            title,
            doc_number: plan.and_then(|p| p.doc_number.clone()).unwrap_or_default(),
            issued: plan.and_then(|p| p.issued).map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned()),
            horizon: plan.map(|p| p.horizon_text()).unwrap_or_default(),
            source: plan.map(|p| p.source_file.clone()).unwrap_or_default(),
            facts,
            counts: counts(rows.iter().map(|a| a.summary.status)),
            targets,
        });
    }
    // Drawn on every core: each chart is independent of the others.
    let chart_bytes: HashMap<String, Vec<u8>> = jobs
        .par_iter()
        .filter_map(|(name, job)| match draw(job) {
            Ok(svg) => Some((name.clone(), svg)),
            Err(e) => {
                tracing::error!(chart = %name, error = %e, "a report chart could not be drawn; a placeholder stands in");
                None
            }
        })
        .collect();
    let vintage = vintage.map(crate::clock::shown).unwrap_or_else(|| "—".to_owned());
    let (title, scope) = match (lang, plans.as_slice()) {
        (Lang::Zh, [one]) if options.plan.is_some() => ("规划目标进展情况报告".to_owned(), one.title.clone()),
        (Lang::En, [one]) if options.plan.is_some() => {
            ("Status report on plan targets".to_owned(), one.title_en.clone())
        }
        (Lang::Zh, all) => ("规划目标进展情况报告".to_owned(), format!("全部 {} 个规划文件", all.len())),
        (Lang::En, all) => ("Status report on plan targets".to_owned(), format!("All {} plan documents", all.len())),
    };
    let scope = match (&options.department, lang) {
        (None, _) => scope,
        (Some(d), Lang::Zh) => format!("{scope} · {}牵头的目标", d.name),
        (Some(d), Lang::En) => format!("{scope} · targets led by {}", d.name_en),
    };
    let (problems, problems_total) = super::summary::problems(&assessed, &departments, lang);
    let (owing, owing_total) = super::summary::owing(&figures, &departments, lang);
    let summary = SummaryData {
        changes: options
            .previous
            .as_ref()
            .map(|(label, previous)| super::summary::changes(previous, label.clone(), &assessed, lang)),
        problems,
        problems_total,
        owing,
        owing_total,
    };
    let data = ReportData {
        title,
        scope,
        sender: options.sender.clone(),
        number: options.number.clone().unwrap_or_default(),
        layout: options.layout,
        group: options.group,
        summary,
        lang: lang.code(),
        as_of: view_words(judgement, lang),
        generated_at: crate::clock::shown(generated_at),
        made_utc: generated_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        vintage,
        method_label: method_label(judgement.method, lang).to_owned(),
        target_count: assessed.len(),
        totals: counts(assessed.iter().map(|a| a.summary.status)),
        plans: sections,
        statuses: ALL_STATUSES
            .iter()
            .map(|s| StatusLegend {
                status: s.as_str(),
                label: status_label(*s, lang),
                meaning: crate::present::status_meaning(*s, lang),
            })
            .collect(),
        status_colors: ALL_STATUSES.iter().map(|s| (s.as_str(), status_colour(*s).hex())).collect(),
        colors: crate::present::palette::report_colours(),
        labels: labels(lang),
    };
    (data, chart_bytes)
}

#[cfg(test)]
mod runs_tests {
    use super::*;

    #[test]
    fn a_long_report_starts_a_new_part_after_each_run_of_rows_and_a_short_one_is_one_document() {
        assert_eq!(runs([3000, 150, 50, 10, 800, 1, 1].into_iter()), [false, true, false, false, false, true, false]);
        assert!(runs([300, 150, 50, 10, 800, 1, 1].into_iter()).iter().all(|b| !b), "a short report: one document");
        let seed = runs(std::iter::repeat_n(20 + 6 * ROWS_PER_CHART, 35));
        assert!(seed.iter().all(|b| !b), "the seed catalog's 700 rows and its charts: one document");
        let large = runs(std::iter::repeat_n(20, 350));
        assert_eq!(large.iter().filter(|b| **b).count(), 13, "7 000 rows: fourteen parts");
    }
}
