//! The PDF status report: typst with the bundled fonts, one template
//! (`templates/status.typ`), data passed as inputs, charts embedded as SVG (vector, selectable
//! text; drawn in parallel). The engine is built once and reused. A chart that fails to draw becomes a placeholder
//! and a logged error; the report still comes out. The server lays its reports out in a child
//! process ([`Renderer::Apart`]).

mod data;
mod join;
pub mod summary;
mod word;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::NaiveDateTime;
use typst::foundations::{Bytes, Dict, IntoValue};
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;

pub(crate) use data::target_line;
pub use data::{Group, Layout, Output, ReportData, ReportOptions, TargetLine, charted, gather, narrow};

use crate::charts::Lang;
use crate::domain::{Budget, Stopped};
use crate::judged::Scope;

static TEMPLATE: &str = include_str!("templates/status.typ");

/// The typst engine with the template and fonts, built on first use.
fn engine() -> &'static TypstEngine<TypstTemplateMainFile> {
    static ENGINE: OnceLock<TypstEngine<TypstTemplateMainFile>> = OnceLock::new();
    ENGINE.get_or_init(|| {
        TypstEngine::builder().main_file(TEMPLATE).fonts([crate::charts::REGULAR, crate::charts::BOLD]).build()
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the report could not be laid out: {0}")]
    Layout(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    #[error(transparent)]
    Data(#[from] anyhow::Error),
    #[error("there is no report {0} to compare with")]
    NoSuchReport(i64),
    /// The report `since` names is of another scope, method or time (its reason in both languages).
    #[error("report {0} cannot be compared with: {2}")]
    NotComparable(i64, String, String),
    #[error(transparent)]
    Stopped(#[from] Stopped),
    /// A plan and a department asked together, and the department leads none of its targets.
    #[error("department {department} leads no target of plan {plan}")]
    NothingLed { plan: String, department: String },
}

/// Where a PDF is laid out: in this process (the CLI, tests), or in a child process of this same
/// program (`plantrack render-report`), as the server does. Laying out a large report takes a
/// gigabyte for a few seconds; a child gives all of it back when it exits, where a server's heap
/// would keep much of it. And a child can be stopped when its time is up or its client has gone,
/// which a layout running in a thread of the server cannot.
#[derive(Debug, Clone, Default)]
pub enum Renderer {
    #[default]
    Here,
    Apart {
        program: PathBuf,
        budget: Budget,
    },
}

impl Renderer {
    /// In a child process of `program` when there is one, else here.
    pub fn apart(program: Option<&std::path::Path>, budget: Budget) -> Renderer {
        match program {
            Some(program) => Renderer::Apart { program: program.to_owned(), budget },
            None => Renderer::Here,
        }
    }
}

/// What the server sends its layout process: the report's data (JSON) and its charts (SVG).
#[derive(serde::Serialize, serde::Deserialize)]
struct LayoutJob {
    data: String,
    charts: HashMap<String, String>,
}

/// Lays out the data and charts (SVG bytes by name) as a PDF.
pub fn render(data: &ReportData, charts: HashMap<String, Vec<u8>>) -> Result<Vec<u8>, ReportError> {
    lay_out(serde_json::to_string(data).map_err(|e| ReportError::Data(e.into()))?, charts)
}

/// [`render`] where the renderer says.
fn render_with(
    renderer: &Renderer,
    data: &ReportData,
    charts: HashMap<String, Vec<u8>>,
) -> Result<Vec<u8>, ReportError> {
    match renderer {
        Renderer::Here => render(data, charts),
        Renderer::Apart { program, budget } => render_apart(program, data, charts, budget),
    }
}

/// Lays out a report in a child process (`program render-report`), stopped when the budget runs
/// out or is cancelled.
fn render_apart(
    program: &std::path::Path,
    data: &ReportData,
    charts: HashMap<String, Vec<u8>>,
    budget: &Budget,
) -> Result<Vec<u8>, ReportError> {
    // A program replaced or removed under a running server (an upgrade): the report still comes
    // out, laid out here.
    if !program.is_file() {
        tracing::warn!(program = %program.display(), "no layout process; the report is laid out in the server");
        return render(data, charts);
    }
    let job = LayoutJob {
        data: serde_json::to_string(data).map_err(|e| ReportError::Data(e.into()))?,
        // Charts are SVG text; one that is not is left out and its placeholder shown.
        charts: charts.into_iter().filter_map(|(name, svg)| Some((name, String::from_utf8(svg).ok()?))).collect(),
    };
    let job = serde_json::to_vec(&job).map_err(|e| ReportError::Data(e.into()))?;
    let started = std::time::Instant::now();
    let job_len = job.len();
    let pdf = crate::apart::run(program, &["render-report"], job, budget).map_err(|failed| match failed {
        crate::apart::Failed::Stopped(stopped) => ReportError::Stopped(stopped),
        failed => ReportError::Layout(format!("the layout process failed: {failed}")),
    })?;
    tracing::debug!(elapsed = ?started.elapsed(), bytes = job_len, "report laid out by its own process");
    if pdf.starts_with(b"%PDF") {
        Ok(pdf)
    } else {
        Err(ReportError::Layout("the layout process answered something other than a PDF".to_owned()))
    }
}

/// The `render-report` command: a [`LayoutJob`] from `input`, its PDF to `output`.
pub fn render_piped(mut input: impl Read, mut output: impl Write) -> Result<(), ReportError> {
    return_large_blocks();
    let started = std::time::Instant::now();
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(|e| ReportError::Data(e.into()))?;
    // From a slice, not a reader: serde_json reads a byte at a time through `Read`.
    let job: LayoutJob = serde_json::from_slice(&bytes).map_err(|e| ReportError::Data(e.into()))?;
    drop(bytes);
    tracing::debug!(elapsed = ?started.elapsed(), "report job read");
    let charts = job.charts.into_iter().map(|(name, svg)| (name, svg.into_bytes())).collect();
    let pdf = lay_out(job.data, charts)?;
    output.write_all(&pdf).and_then(|_| output.flush()).map_err(|e| ReportError::Pdf(e.to_string()))
}

/// Has glibc serve every block of 128 KB or more straight from the system and give it back when
/// freed. By default it raises that threshold as large blocks are freed and keeps them in its
/// arenas, one per thread: a layout process that lays out parts one after another then holds the
/// largest of all of them at once (a full 10× report: 779–799 MB at its peak; with this, 438 MB
/// in the same time).
fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's settings; it has no preconditions.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// The most parts laid out at once. A report laid out as one document holds the layout of all its
/// pages until it is written (about a gigabyte at ten times the seed catalog); in parts
/// ([`PlanSection::new_part`]), it holds two parts' at most, and lays them out on two cores.
const PARTS_AT_ONCE: usize = 2;

/// Lays out the report's data (as JSON) and its charts as a PDF: in one document when it is
/// short, else part by part, the parts joined and their footers laid over them.
fn lay_out(json: String, charts: HashMap<String, Vec<u8>>) -> Result<Vec<u8>, ReportError> {
    let started = std::time::Instant::now();
    let charts: HashMap<String, Bytes> = charts.into_iter().map(|(name, svg)| (name, Bytes::new(svg))).collect();
    let cut = cut(&json, &charts)?;
    drop((json, charts));
    let count = cut.parts.len();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, PARTS_AT_ONCE).min(count);
    let nested: Vec<usize> = cut.parts.iter().map(|part| part.nested).collect();
    let queue = std::sync::Mutex::new(cut.parts.into_iter().enumerate());
    let laid_out = std::sync::Mutex::new(Vec::with_capacity(count));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                    let Some((i, part)) = next else { break };
                    let part = lay_out_part(part.json, part.charts, count == 1);
                    laid_out.lock().unwrap_or_else(|e| e.into_inner()).push((i, part));
                }
            });
        }
    });
    let mut laid_out = laid_out.into_inner().unwrap_or_else(|e| e.into_inner());
    laid_out.sort_by_key(|(i, _)| *i);
    let parts: Vec<(Vec<u8>, usize)> = laid_out.into_iter().map(|(_, part)| part).collect::<Result<_, _>>()?;
    tracing::debug!(elapsed = ?started.elapsed(), parts = count, "report laid out");
    let pages = parts.iter().map(|(_, pages)| pages).sum();
    let mut pdfs: Vec<Vec<u8>> = parts.into_iter().map(|(pdf, _)| pdf).collect();
    if count == 1 {
        return Ok(pdfs.remove(0));
    }
    let (footers, _) = lay_out_part(with_part(&cut.common, Vec::new(), Part::footers(pages))?, Dict::new(), false)?;
    let pdf = join::join(&pdfs, &nested, &footers).map_err(ReportError::Pdf)?;
    tracing::debug!(elapsed = ?started.elapsed(), pages, "report parts joined");
    Ok(pdf)
}

/// One document of a report: its PDF and its number of pages. Its layout is dropped here.
fn lay_out_part(json: String, charts: Dict, tagged: bool) -> Result<(Vec<u8>, usize), ReportError> {
    let mut inputs = Dict::new();
    inputs.insert("data".into(), json.into_value());
    inputs.insert("charts".into(), charts.into_value());
    let document: PagedDocument =
        engine().compile_with_input(inputs).output.map_err(|e| ReportError::Layout(format!("{e:?}")))?;
    let options = typst_pdf::PdfOptions { tagged, ..Default::default() };
    let pdf = typst_pdf::pdf(&document, &options).map_err(|e| ReportError::Pdf(format!("{e:?}")))?;
    Ok((pdf, document.pages().len()))
}

/// What of the report a part holds and how its pages are numbered (the template's `data.part`).
#[derive(serde::Serialize)]
struct Part {
    /// The first page: the summary and the list of plans.
    front: bool,
    /// The method, at the end.
    end: bool,
    /// "page": its own footer; "none": none (laid over after); "only": the footers alone.
    footer: &'static str,
    /// For "only": how many pages.
    pages: usize,
}

impl Part {
    fn footers(pages: usize) -> Part {
        Part { front: false, end: false, footer: "only", pages }
    }
}

/// A report's data cut into parts: what every part shares, and each part's data and charts.
struct Cut {
    common: serde_json::Value,
    parts: Vec<PartData>,
}

/// What one part is laid out from.
struct PartData {
    /// The template's `data`, as JSON.
    json: String,
    charts: Dict,
    /// How many of the part's first outline items go on under the previous part's last: a
    /// compact report's plans are headings of the second level, under the list of plans.
    nested: usize,
}

/// Cuts the report's data (JSON) at each plan section that starts a new part
/// ([`PlanSection::new_part`]). The first part holds the first page with its list of every plan
/// (`index`), the last the method; a full report's plan overviews follow the first page, in parts
/// of their own when there are many. Each part takes only its own charts.
fn cut(json: &str, charts: &HashMap<String, Bytes>) -> Result<Cut, ReportError> {
    use serde_json::{Value, json};
    let mut common: Value = serde_json::from_str(json).map_err(|e| ReportError::Data(e.into()))?;
    let plans = match common.get_mut("plans").map(Value::take) {
        Some(Value::Array(plans)) => plans,
        _ => Vec::new(),
    };
    let index: Vec<Value> = plans
        .iter()
        .map(|p| json!({"slug": p["slug"], "title": p["title"], "counts": p["counts"], "overview_charts": p["overview_charts"]}))
        .collect();
    let mut runs: Vec<Vec<Value>> = vec![Vec::new()];
    for plan in plans {
        if plan["new_part"] == true && runs.last().is_some_and(|run| !run.is_empty()) {
            runs.push(Vec::new());
        }
        runs.last_mut().expect("a run").push(plan);
    }
    // (overviews, plans) of each part: the overviews before any plan.
    let overviews = overview_runs(&index);
    let mut contents: Vec<(Vec<Value>, Vec<Value>)> = Vec::new();
    if overviews.len() > 1 {
        contents.extend(overviews.into_iter().map(|run| (run, Vec::new())));
        contents.extend(runs.into_iter().map(|run| (Vec::new(), run)));
    } else {
        let mut overviews = overviews.into_iter();
        for run in runs {
            contents.push((overviews.next().unwrap_or_default(), run));
        }
    }
    let count = contents.len();
    let mut parts = Vec::with_capacity(count);
    for (i, (overviews, plans)) in contents.into_iter().enumerate() {
        let front = i == 0;
        let mut names: Vec<String> = Vec::new();
        for plan in &overviews {
            let slug = plan["slug"].as_str().unwrap_or_default();
            let drawn = plan["overview_charts"].as_u64().unwrap_or(0);
            names.extend((0..drawn).map(|i| format!("plan:{slug}:{i}")));
        }
        for plan in &plans {
            let targets = plan["targets"].as_array().map(Vec::as_slice).unwrap_or_default();
            let charted = targets.iter().filter(|t| t["charted"] == true);
            names.extend(charted.map(|t| format!("target:{}", t["slug"].as_str().unwrap_or_default())));
        }
        let mut part_charts = Dict::new();
        for name in names {
            if let Some(svg) = charts.get(&name) {
                part_charts.insert(name.into(), svg.clone().into_value());
            }
        }
        let footer = if count == 1 { "page" } else { "none" };
        let part = Part { front, end: i + 1 == count, footer, pages: 0 };
        let nested = if !front && index.len() > 1 && common["layout"] == "compact" { plans.len() } else { 0 };
        common["index"] = if front { Value::Array(index.clone()) } else { Value::Array(Vec::new()) };
        common["overviews"] = Value::Array(overviews);
        parts.push(PartData { json: with_part(&common, plans, part)?, charts: part_charts, nested });
    }
    common["index"] = Value::Array(Vec::new());
    common["overviews"] = Value::Array(Vec::new());
    Ok(Cut { common, parts })
}

/// The plans whose overview charts (a full report's) each part shows: as many charts as a part's
/// worth of rows weighs ([`data::ROWS_PER_CHART`]), a plan's charts never split.
fn overview_runs(index: &[serde_json::Value]) -> Vec<Vec<serde_json::Value>> {
    let per_part = data::ROWS_PER_RUN / data::ROWS_PER_CHART;
    let mut runs: Vec<Vec<serde_json::Value>> = Vec::new();
    let mut in_run = 0;
    for plan in index.iter().filter(|p| p["overview_charts"].as_u64().is_some_and(|n| n > 0)) {
        let drawn = plan["overview_charts"].as_u64().unwrap_or(0) as usize;
        if runs.is_empty() || in_run >= per_part {
            runs.push(Vec::new());
            in_run = 0;
        }
        runs.last_mut().expect("a run").push(plan.clone());
        in_run += drawn;
    }
    runs
}

/// The data of one part: what all share, its plans and what it is.
fn with_part(common: &serde_json::Value, plans: Vec<serde_json::Value>, part: Part) -> Result<String, ReportError> {
    let mut data = common.clone();
    data["plans"] = serde_json::Value::Array(plans);
    data["part"] = serde_json::to_value(part).map_err(|e| ReportError::Data(e.into()))?;
    serde_json::to_string(&data).map_err(|e| ReportError::Data(e.into()))
}

/// Draws the charts of the judged `scope` and renders the PDF.
pub fn generate(scope: Scope, options: &ReportOptions, generated_at: NaiveDateTime) -> Result<Vec<u8>, ReportError> {
    write(narrow(scope, options), options, generated_at)
}

/// The report of a scope already narrowed to the options' department, as PDF or Word.
fn write(scope: Scope, options: &ReportOptions, generated_at: NaiveDateTime) -> Result<Vec<u8>, ReportError> {
    if options.output == Output::Docx {
        let (data, charts) = gather(scope, options, generated_at, &|job| job.draw_png());
        let sized = charts
            .into_iter()
            .map(|(name, png)| {
                let (w, h) = png_size(&png);
                (name, (png, w, h))
            })
            .collect();
        return word::docx(&data, &sized);
    }
    let started = std::time::Instant::now();
    let (data, charts) = gather(scope, options, generated_at, &|job| job.draw());
    tracing::debug!(elapsed = ?started.elapsed(), charts = charts.len(), "report data and charts");
    render_with(&options.renderer, &data, charts)
}

/// A PNG's width and height, from its header.
fn png_size(png: &[u8]) -> (u32, u32) {
    let at = |i: usize| png.get(i..i + 4).and_then(|b| b.try_into().ok()).map(u32::from_be_bytes).unwrap_or(1);
    (at(16), at(20))
}

/// Why a report named by its number cannot be what this one compares with: the summary counts
/// targets that came or went and what changed, which only means something within one scope and
/// method, against figures as they are known now, and from an earlier date.
fn not_comparable(
    row: &crate::db::reports::ReportRow,
    scope: &crate::db::reports::ReportScope,
) -> Option<(String, String)> {
    let shown = |value: Option<&str>| value.unwrap_or("—").to_owned();
    if row.plan.as_deref() != scope.plan || row.department.as_deref() != scope.department {
        return Some((
            format!(
                "报告 {} 的范围（规划 {}，部门 {}）与本报告不同，无法比较",
                row.id,
                shown(row.plan.as_deref()),
                shown(row.department.as_deref())
            ),
            format!(
                "report {} covers another scope (plan {}, department {}): it cannot be compared with",
                row.id,
                shown(row.plan.as_deref()),
                shown(row.department.as_deref())
            ),
        ));
    }
    if row.method != scope.method {
        return Some((
            format!("报告 {} 用另一种方法（{}）评估，无法比较", row.id, row.method),
            format!("report {} was judged by another method ({}): it cannot be compared with", row.id, row.method),
        ));
    }
    if row.known_at.is_some() {
        return Some((
            format!("报告 {} 按当时已知的数据编制，无法比较", row.id),
            format!("report {} shows figures as known on an earlier day: it cannot be compared with", row.id),
        ));
    }
    if let (Some(day), Some(known_until)) = (scope.known_at, scope.known_until())
        && row.created_at >= known_until
    {
        let made = crate::clock::shown(row.created_at);
        return Some((
            format!("报告 {} 制作于 {made}（北京时间），晚于本报告所按已知数据的 {day}，无法比较", row.id),
            format!(
                "report {} was made on {made} (Beijing time), after {day}, the day this one shows figures as known on: it cannot be compared with",
                row.id
            ),
        ));
    }
    (row.as_of > scope.as_of).then(|| {
        (
            format!("报告 {} 截至 {}，晚于本报告的 {}，无法比较", row.id, row.as_of, scope.as_of),
            format!(
                "report {} is as of {}, after this one's {}: it cannot be compared with",
                row.id, row.as_of, scope.as_of
            ),
        )
    })
}

/// What "since" a report compares with: the previous report kept (the default), a report by
/// its id, or the newest one made by a date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Since {
    #[default]
    Previous,
    Report(i64),
    Date(chrono::NaiveDate),
}

impl std::str::FromStr for Since {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(id) = s.parse::<i64>() {
            return Ok(Since::Report(id));
        }
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Since::Date)
            .map_err(|_| format!("`{s}` is neither a report id nor a date (YYYY-MM-DD)"))
    }
}

/// Who sends the reports and how they are numbered (settings `report_sender`, `report_number`).
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub sender: String,
    /// `沪规划报〔{year}〕{n}号`: `{year}` and `{n}` (the report's place in its year) filled in.
    pub number: String,
}

impl Identity {
    fn number(&self, year: i32, n: i64) -> Option<String> {
        (!self.number.trim().is_empty())
            .then(|| self.number.replace("{year}", &year.to_string()).replace("{n}", &n.to_string()))
    }
}

/// A report made, and the id and number it is kept under (none for a visitor's).
pub struct Made {
    pub pdf: Vec<u8>,
    pub id: Option<i64>,
    pub number: Option<String>,
}

/// Whether a report made is kept: numbered, listed, and compared with by the next one of its scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// A scheduled report, whose row was claimed before it was made.
    OnSchedule(i64),
    /// Asked for by someone of the office (a token, a signed-in browser, the CLI).
    Asked,
    /// Read by a visitor of a public server: compared with the last report kept, not kept itself,
    /// so visitors neither use up the office's report numbers nor fill its database.
    NotKept,
}

/// Makes a report and, as `kept` says, keeps it (with what it judged, numbered in its year); the
/// summary says what changed since the report `since` names — by default the last one kept of the
/// same scope (plan, department, method). The same report asked for again is kept once.
pub fn make(
    conn: &mut crate::db::DbConn,
    scope: Scope,
    mut options: ReportOptions,
    since: Since,
    identity: &Identity,
    kept: Kept,
    mut now: NaiveDateTime,
) -> Result<Made, ReportError> {
    use chrono::Datelike;
    use sha2::Digest;
    let scope = narrow(scope, &options);
    // An empty report titled with every plan would say nothing of what was asked.
    if let (Some(plan), Some(department), true) = (&options.plan, &options.department, scope.assessed.is_empty()) {
        return Err(ReportError::NothingLed { plan: plan.clone(), department: department.name.clone() });
    }
    let judgement = &options.judgement;
    let snapshot = summary::Snapshot::of(&scope.assessed, judgement.as_of);
    let snapshot_json = serde_json::to_string(&snapshot).map_err(|e| ReportError::Data(e.into()))?;
    let department = options.department.as_ref().map(|d| d.slug.clone());
    // What it compares with is part of what was asked: a report compared with another one is
    // another report, with a number of its own.
    let asked = format!(
        "{:?}|{:?}|{}|{:?}|{:?}|{}|{}|{:?}|{:?}|{}|{since:?}",
        options.plan,
        department,
        judgement.as_of,
        judgement.known_at,
        judgement.region,
        judgement.method.as_str(),
        options.lang.code(),
        options.layout,
        options.group,
        identity.sender,
    );
    // What it reports beside the verdicts: the figures owed and how they came (a duty changed
    // changes them), and the newest upload it knows of.
    let owed: String = scope
        .figures
        .iter()
        .map(|f| format!("{}:{}:{}:{}:{:?};", f.indicator.id, f.region, f.period_end, f.due_on, f.arrival))
        .collect();
    let key = format!(
        "made:{:x}",
        sha2::Sha256::digest(format!("{asked}|{snapshot_json}|{owed}|{:?}", scope.vintage).as_bytes())
    );
    let mut until = match since {
        // The reports made by the end of that day in the office.
        Since::Date(day) => Some(crate::clock::day_ends_utc(day) - chrono::Duration::microseconds(1)),
        _ => None,
    };
    let data_error = |e: diesel::result::Error| ReportError::Data(e.into());
    // The same report asked for again is the one numbered then, word for word: made as of the
    // time it was first made, compared with what came before it — not with reports made since.
    if kept == Kept::Asked
        && let Some(first) = crate::db::reports::by_key(conn, &key).map_err(data_error)?
    {
        now = first.created_at;
        let before_it = first.created_at - chrono::Duration::microseconds(1);
        until = Some(until.map_or(before_it, |u| u.min(before_it)));
    }
    let wanted = match since {
        Since::Report(id) => Some(id),
        _ => None,
    };
    let same_scope = crate::db::reports::ReportScope {
        plan: options.plan.as_deref(),
        department: department.as_deref(),
        method: judgement.method.as_str(),
        as_of: judgement.as_of,
        known_at: judgement.known_at,
    };
    let previous = crate::db::reports::previous(conn, &key, &same_scope, wanted, until).map_err(data_error)?;
    match (since, &previous) {
        (Since::Report(id), None) => return Err(ReportError::NoSuchReport(id)),
        (Since::Report(id), Some(row)) => {
            if let Some((zh, en)) = not_comparable(row, &same_scope) {
                return Err(ReportError::NotComparable(id, zh, en));
            }
        }
        _ => {}
    }
    let made = crate::db::reports::Made {
        key: &key,
        plan: options.plan.as_deref(),
        department: department.as_deref(),
        as_of: judgement.as_of,
        known_at: judgement.known_at,
        lang: options.lang.code(),
        method: judgement.method.as_str(),
        snapshot: &snapshot_json,
    };
    let year = crate::clock::local(now).year();
    let (id, number) = match kept {
        // A scheduled report's row exists already: it is described, not kept twice.
        Kept::OnSchedule(id) => {
            let n = crate::db::reports::made_this_year(conn, now).map_err(data_error)? + 1;
            let number = identity.number(year, n);
            crate::db::reports::describe(conn, id, &snapshot_json, number.as_deref()).map_err(data_error)?;
            (Some(id), number)
        }
        Kept::Asked => {
            let (id, number) =
                crate::db::reports::keep(conn, &made, |n| identity.number(year, n), now).map_err(data_error)?;
            (Some(id), number)
        }
        Kept::NotKept => (None, None),
    };
    options.previous = previous.and_then(|row| {
        let snapshot: summary::Snapshot = serde_json::from_str(row.snapshot.as_deref()?).ok()?;
        let shown = crate::clock::shown(row.created_at);
        let label = match (row.number, options.lang) {
            (Some(number), _) => format!("{number}（{shown}）"),
            (None, Lang::Zh) => format!("{}（{shown}，截至 {}）", unnumbered_name(row.id, Lang::Zh), row.as_of),
            (None, Lang::En) => format!("{} ({shown}, as of {})", unnumbered_name(row.id, Lang::En), row.as_of),
        };
        Some((label, snapshot))
    });
    // Without a numbering format a kept report is still named as the reports list and the next
    // report's comparison name it.
    options.number = number.clone().or_else(|| id.map(|id| unnumbered_name(id, options.lang)));
    options.sender = identity.sender.clone();
    tracing::debug!("report kept, its summary compared with the previous one");
    let pdf = write(scope, &options, now)?;
    Ok(Made { pdf, id, number })
}

/// A kept report's file, written once: the reports page links it, so the office finds the
/// report it sent upward as it was sent (from the server or the command line alike).
pub fn keep_file(
    conn: &mut crate::db::DbConn,
    dir: &std::path::Path,
    id: i64,
    extension: &str,
    bytes: &[u8],
) -> anyhow::Result<()> {
    let kept = crate::db::reports::by_id(conn, id)?.and_then(|row| row.file_path);
    if kept.is_some_and(|stored| kept_path(dir, &stored).exists()) {
        return Ok(());
    }
    let name = format!("made-{id}.{extension}");
    write_whole(dir, &name, bytes)
        .map_err(|e| anyhow::Error::new(e).context(format!("keeping report {id} in {}", dir.display())))?;
    // The name alone: the data folder may be restored elsewhere.
    crate::db::reports::keep_file(conn, id, &name, bytes.len() as i64)?;
    Ok(())
}

/// Writes a report's file aside and renames it: a full disk or a crash leaves no part of a file
/// under its name.
pub fn write_whole(dir: &std::path::Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let aside = dir.join(format!(".{name}.{}-{n}.partial", std::process::id()));
    let written = std::fs::File::create_new(&aside).and_then(|mut file| {
        std::io::Write::write_all(&mut file, bytes)?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&aside, dir.join(name)));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&aside);
    }
    renamed
}

/// Where a kept report's file is: its name in `dir` (older rows hold a whole path, used while it
/// exists).
pub fn kept_path(dir: &std::path::Path, stored: &str) -> std::path::PathBuf {
    let stored = std::path::Path::new(stored);
    if stored.is_absolute() && stored.exists() {
        return stored.to_path_buf();
    }
    dir.join(stored.file_name().unwrap_or_default())
}

/// A kept report's name when no numbering format is set: its id. The reports list, the report's
/// own header and the next report's comparison all name it so.
pub fn unnumbered_name(id: i64, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("第 {id} 号报告"),
        Lang::En => format!("Report #{id}"),
    }
}

#[cfg(test)]
mod tests;
