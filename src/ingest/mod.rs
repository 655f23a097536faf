//! Uploads of actuals — CSV, Excel and OpenDocument, long or wide — decode or read the sheet,
//! parse (polars), validate every row, then commit atomically. Every way in — HTTP, the web
//! form, the CLI, the inbox, the seed files — goes through [`ingest`].

mod decode;
mod parse;
mod problems;
pub mod sheet;
mod shown;
mod validate;

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::catalog::Regions;
use crate::db::models::{UploadForm, UploadSummaryRow};
use crate::db::{DbConn, access, actuals, changes, queries, write_tx};
use crate::domain::{Budget, Frequency, Period, Stopped};

pub use decode::{Encoding, decode as decode_text};
pub use parse::column_zh;
pub use problems::{ProblemCount, ProblemLog, Problems, RowError, Why, clip, why};

/// What validation needs to know about an indicator.
#[derive(Debug, Clone)]
pub struct IndicatorInfo {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub unit: String,
    pub can_be_negative: bool,
    /// Measured in percent complete: accepts 完成 / 未完成.
    pub is_milestone: bool,
    /// The first year of the earliest plan with a target on it: figures from long before are
    /// refused (see [`oldest_period_years`]).
    pub earliest_year: Option<i32>,
    /// How often its figure is reported: a figure of a shorter period is flagged.
    pub frequency: Frequency,
    /// The department that reports it, by name (said to another department that sends it).
    pub reporter: Option<String>,
}

static OLDEST_PERIOD_YEARS: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(20);

/// How many years before an indicator's earliest plan a figure may be (setting
/// `oldest_period_years`, default 20): a 1900 or a 2106 typed for 2016 is caught.
pub fn oldest_period_years() -> i32 {
    OLDEST_PERIOD_YEARS.load(std::sync::atomic::Ordering::Relaxed)
}

pub fn set_oldest_period_years(years: u32) {
    OLDEST_PERIOD_YEARS.store(years.min(1000) as i32, std::sync::atomic::Ordering::Relaxed);
}

#[cfg(test)]
impl IndicatorInfo {
    fn test(slug: &str, unit: &str, is_milestone: bool) -> IndicatorInfo {
        IndicatorInfo {
            id: 1,
            slug: slug.to_owned(),
            name: slug.to_owned(),
            unit: unit.to_owned(),
            can_be_negative: false,
            is_milestone,
            earliest_year: None,
            frequency: Frequency::Annual,
            reporter: None,
        }
    }
}

/// The catalog facts an upload is checked against.
#[derive(Debug, Clone)]
pub struct Reference {
    pub indicators: Vec<IndicatorInfo>,
    /// Targets' names (as the plan pages show them) with their indicator's id: a clerk may name
    /// a figure by either. Names two targets on different indicators share are left out.
    pub target_names: Vec<(String, i64)>,
    pub regions: Regions,
    pub today: NaiveDate,
}

impl Reference {
    pub fn load(conn: &mut DbConn, regions: Regions, today: NaiveDate) -> diesel::QueryResult<Reference> {
        let milestones: HashSet<i64> = actuals::milestone_indicator_ids(conn)?.into_iter().collect();
        let mut earliest: HashMap<i64, i32> = HashMap::new();
        let mut names: HashMap<String, Option<i64>> = HashMap::new();
        for (name, indicator, horizon_start) in queries::target_names(conn)? {
            let year = earliest.entry(indicator).or_insert(horizon_start);
            *year = (*year).min(horizon_start);
            names
                .entry(name)
                .and_modify(|id| {
                    if *id != Some(indicator) {
                        *id = None;
                    }
                })
                .or_insert(Some(indicator));
        }
        let target_names = names.into_iter().filter_map(|(name, id)| id.map(|id| (name, id))).collect();
        let duties = crate::judged::Duties::load(conn)?;
        let departments: HashMap<String, String> =
            queries::list_departments(conn)?.into_iter().map(|d| (d.slug, d.name)).collect();
        let indicators = queries::list_indicators(conn)?
            .into_iter()
            .map(|row| {
                let duty = duties.of(row.id);
                IndicatorInfo {
                    is_milestone: milestones.contains(&row.id),
                    earliest_year: earliest.get(&row.id).copied(),
                    frequency: duty.frequency,
                    reporter: duty.reporter.map(|slug| departments.get(&slug).cloned().unwrap_or(slug)),
                    id: row.id,
                    slug: row.slug,
                    name: row.name,
                    unit: row.unit,
                    can_be_negative: row.can_be_negative,
                }
            })
            .collect();
        Ok(Reference { indicators, target_names, regions, today })
    }
}

/// A valid row, ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidRow<'r> {
    pub line: usize,
    pub indicator_id: i64,
    /// Borrowed from the reference: a million rows name a handful of regions.
    pub region: &'r str,
    pub period: Period,
    pub value: f64,
    pub note: Option<String>,
    pub source: Option<String>,
    /// A figure in % written as 0 < v ≤ 1 without a % sign: 0.401 where 40.1 % was meant, most
    /// likely (Excel shows a fraction so when the cell is not formatted as a percentage).
    pub fraction_of_percent: bool,
}

/// A figure that passed every check but that a person should look at before it is written.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Doubt {
    /// `fraction_of_percent`, `reverts_a_correction` (a figure set back to one corrected since),
    /// `hundredfold_revision`, `hundredfold_jump` (a new figure 50 times the one before it),
    /// `percent_over_100`, `fractional_count` or `shorter_period` (a half-year's figure of an
    /// indicator reported yearly: judged as the latest figure, a part of the year's total would
    /// read as falling behind).
    pub code: &'static str,
    pub reason: String,
    pub reason_zh: String,
}

impl Doubt {
    /// `old_value`: the figure this one revises; `reverted`: when this row's figure was itself
    /// replaced, if it was; `before`: the figure of the period before it, for a new one. The
    /// likeliest slip is named first.
    fn of(
        row: &ValidRow,
        old_value: Option<f64>,
        reverted: Option<NaiveDateTime>,
        before: Option<f64>,
        indicator: Option<&IndicatorInfo>,
    ) -> Option<Doubt> {
        let shown = crate::present::format_number;
        let unit = indicator.map_or("", |i| i.unit.as_str());
        if row.fraction_of_percent {
            let meant = shown(row.value * 100.0);
            return Some(Doubt {
                code: "fraction_of_percent",
                reason: format!("read as {} %: if {meant} % is meant, write {meant} or {meant}%", shown(row.value)),
                reason_zh: format!("按 {}% 读取；如应为 {meant}%，请填写 {meant} 或 {meant}%", shown(row.value)),
            });
        }
        if let (Some(old), Some(at)) = (old_value, reverted) {
            let at = crate::clock::shown(at);
            return Some(Doubt {
                code: "reverts_a_correction",
                reason: format!(
                    "sets {} back to {}, a figure corrected on {at}: check that this file is not an older copy",
                    shown(old),
                    shown(row.value)
                ),
                reason_zh: format!(
                    "把 {} 改回 {}：{} 已于 {at} 被更正，请确认这不是旧版文件",
                    shown(old),
                    shown(row.value),
                    shown(row.value)
                ),
            });
        }
        let far_off = |other: f64| {
            let ratio = (row.value / other).abs();
            (other != 0.0 && row.value != 0.0 && !(1.0 / REVISION_FACTOR..=REVISION_FACTOR).contains(&ratio))
                .then_some(ratio)
        };
        if let Some(old) = old_value
            && let Some(ratio) = far_off(old)
        {
            return Some(Doubt {
                code: "hundredfold_revision",
                reason: format!(
                    "revises {} to {}, {} times the figure it replaces: check the unit and the decimal point",
                    shown(old),
                    shown(row.value),
                    shown(ratio)
                ),
                reason_zh: format!(
                    "把 {} 修订为 {}，是原数值的 {} 倍：请核对单位和小数点",
                    shown(old),
                    shown(row.value),
                    shown(ratio)
                ),
            });
        }
        if old_value.is_none()
            && let Some(before) = before
            && let Some(ratio) = far_off(before)
        {
            return Some(Doubt {
                code: "hundredfold_jump",
                reason: format!(
                    "{} is {} times the figure of the period before ({}): check the unit and the decimal point",
                    shown(row.value),
                    shown(ratio),
                    shown(before)
                ),
                reason_zh: format!(
                    "{} 是上一期数值（{}）的 {} 倍：请核对单位和小数点",
                    shown(row.value),
                    shown(before),
                    shown(ratio)
                ),
            });
        }
        if unit == "%" && row.value > 100.0 && !indicator.is_some_and(|i| i.can_be_negative) {
            return Some(Doubt {
                code: "percent_over_100",
                reason: format!("{}% is more than the whole: check the figure and the unit", shown(row.value)),
                reason_zh: format!("{}% 超过了 100%：请核对数值和单位", shown(row.value)),
            });
        }
        if COUNTED_UNITS.contains(&unit) && row.value.fract() != 0.0 {
            return Some(Doubt {
                code: "fractional_count",
                reason: format!("{} {unit}: a count with a fraction; check the decimal point", shown(row.value)),
                reason_zh: format!("{}{unit}：个数带小数，请核对小数点", shown(row.value)),
            });
        }
        let frequency = indicator?.frequency;
        (!frequency.is_covered_by(&row.period)).then(|| {
            let whole = frequency.period_label(frequency.period_end_of(row.period.end()));
            let (zh, en) = crate::present::frequency_words(frequency);
            Doubt {
                code: "shorter_period",
                reason: format!(
                    "{}: a shorter period than this indicator's, reported {en}; if the figure is the whole \
                     period's, write the period as {whole}",
                    row.period
                ),
                reason_zh: format!("{} 短于该指标的报送周期（{zh}报送）：如是整期的数值，期间请写 {whole}", row.period),
            }
        })
    }
}

/// Units that count whole things: a figure in them with a fraction is a slip more often than not.
pub(crate) const COUNTED_UNITS: [&str; 16] =
    ["个", "家", "项", "座", "所", "件", "次", "台", "名", "人", "户", "处", "条", "张", "套", "辆"];

/// A revision this many times larger or smaller than the figure it replaces is more likely a
/// slip (a unit, a decimal point, a % typed as a fraction) than a correction.
const REVISION_FACTOR: f64 = 50.0;

/// A file that passed every check.
#[derive(Debug)]
pub struct Prepared<'r> {
    pub rows: Vec<ValidRow<'r>>,
    pub how: HowRead,
    /// Rows left without a value (a template's rows not filled in yet), passed over.
    pub unfilled: usize,
}

/// How a file was read: its format, its text encoding or sheet, and its first records as read.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct HowRead {
    /// `csv`, `xlsx`, `xls` or `ods`.
    pub format: &'static str,
    #[schema(value_type = Option<String>)]
    pub encoding: Option<Encoding>,
    /// The sheet read (a spreadsheet's).
    pub sheet: Option<String>,
    /// The first records as read — after the header was found and a wide table unpivoted.
    pub first_rows: Vec<ReadRow>,
}

/// One record as read, before any check.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ReadRow {
    pub line: usize,
    pub cell: Option<String>,
    pub indicator: Option<String>,
    pub period: Option<String>,
    pub region: Option<String>,
    pub value: Option<String>,
}

/// How many records as read a preview shows.
const FIRST_ROWS: usize = 10;

/// The first records with a value — a template filled in part opens with rows left empty, which
/// show nothing of how the figures were read — or, when none has one, the first records.
fn first_rows(table: &parse::Table) -> Vec<ReadRow> {
    let text = |name: &str, i: usize| table.column(name).and_then(|c| c.get(i)).map(clip);
    let filled: Vec<usize> =
        (0..table.len()).filter(|&i| text("value", i).is_some_and(|v| !v.trim().is_empty())).take(FIRST_ROWS).collect();
    let shown = if filled.is_empty() { (0..table.len().min(FIRST_ROWS)).collect() } else { filled };
    shown
        .into_iter()
        .map(|i| ReadRow {
            line: table.lines[i],
            cell: table.origin.as_ref().and_then(|o| o.cell(i, "value", table.lines[i])),
            indicator: text("indicator", i),
            period: text("period", i),
            region: text("region", i),
            value: text("value", i),
        })
        .collect()
}

/// Why a file was not prepared: its problems, or the work was stopped.
#[derive(Debug)]
pub enum NotPrepared {
    Invalid(Problems),
    Stopped(Stopped),
}

impl From<Problems> for NotPrepared {
    fn from(problems: Problems) -> Self {
        NotPrepared::Invalid(problems)
    }
}

impl From<Stopped> for NotPrepared {
    fn from(stopped: Stopped) -> Self {
        NotPrepared::Stopped(stopped)
    }
}

/// Reads the file's table: a spreadsheet's sheet (the first, or `sheet`), else decoded text.
fn read(
    bytes: &[u8],
    encoding: Option<Encoding>,
    sheet: Option<&str>,
    budget: &Budget,
) -> Result<(parse::Table, HowRead), NotPrepared> {
    match sheet::kind_of(bytes) {
        Some(kind) => {
            let grid = sheet::read_workbook(bytes, kind, sheet, budget)?;
            let name = grid.sheet.clone();
            let table = sheet::table_from_grid(grid)?;
            let how = HowRead { format: table.format, encoding: None, sheet: name, first_rows: Vec::new() };
            Ok((table, how))
        }
        None => {
            let decoded = decode::decode(bytes, encoding).map_err(Problems::file)?;
            let table = parse::read_table(&decoded.text)?;
            let how = HowRead { format: "csv", encoding: Some(decoded.encoding), sheet: None, first_rows: Vec::new() };
            Ok((table, how))
        }
    }
}

/// Reads and validates; all problems or all rows.
pub fn prepare<'r>(
    bytes: &[u8],
    encoding: Option<Encoding>,
    sheet: Option<&str>,
    reference: &'r Reference,
    budget: &Budget,
) -> Result<Prepared<'r>, NotPrepared> {
    budget.check()?;
    let (table, mut how) = read(bytes, encoding, sheet, budget)?;
    how.first_rows = first_rows(&table);
    if table.len() == 0 {
        let why = why("no_rows", "the file has a header but no data rows", "文件只有表头，没有数据行");
        return Err(NotPrepared::Invalid(Problems::file(why)));
    }
    budget.check()?;
    let unfilled = validate::unfilled_rows(&table);
    if unfilled == table.len() {
        let why = why(
            "no_values",
            format!("no row has a value ({unfilled} rows with the value left empty): fill in the figures, then upload"),
            format!("没有一行填写了数值（{unfilled} 行数值为空）：请填写数值后再上传"),
        );
        return Err(NotPrepared::Invalid(Problems { first_rows: how.first_rows, ..Problems::file(why) }));
    }
    let (rows, problems) = validate::validate_rows(&table, reference, budget)?;
    if problems.is_empty() {
        Ok(Prepared { rows, how, unfilled })
    } else {
        Err(NotPrepared::Invalid(Problems { first_rows: how.first_rows, ..problems.finish() }))
    }
}

/// Who sent a file and how.
#[derive(Debug, Clone)]
pub struct UploadRequest {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub uploaded_by: String,
    /// `http`, `web`, `cli`, `inbox` or `seed`.
    pub channel: String,
    pub encoding: Option<Encoding>,
    /// The sheet of a spreadsheet to read (default: the first).
    pub sheet: Option<String>,
    pub dry_run: bool,
    /// For an inbox file: the claim written in the same transaction as the upload, so that a
    /// crash before the commit leaves the file to be taken again.
    pub inbox_claim: Option<InboxClaim>,
    /// A department's uploader may write only the indicators it reports (their ids, sorted);
    /// `None`: any indicator.
    pub allowed_indicators: Option<Vec<i64>>,
}

impl UploadRequest {
    /// Delivered by the server itself (the seed figures, the inbox), not sent by a person: the
    /// same bytes are the same delivery, taken once.
    fn delivered_once(&self) -> bool {
        matches!(self.channel.as_str(), "seed" | "inbox")
    }
}

/// An inbox file's claim: its name and time (`name@mtime`), and which replica took it.
#[derive(Debug, Clone)]
pub struct InboxClaim {
    pub key: String,
    pub replica: String,
}

/// What an upload changes (or, in a dry run, would change) for one row.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RowChange {
    pub line: usize,
    /// The indicator's slug.
    pub indicator: String,
    /// Its Chinese name and unit, as the pages show them (the value is in this unit, converted
    /// from the row's own where only the magnitude differed).
    pub indicator_name: String,
    pub unit: String,
    pub region: String,
    pub period: String,
    /// `new`, `revised` or `unchanged`.
    pub change: &'static str,
    pub value: f64,
    /// The current value a revision replaces.
    pub old_value: Option<f64>,
    /// Why a person should look at this figure before it is written (it is written all the same).
    pub doubt: Option<Doubt>,
}

/// Listing more rows than this in an answer helps nobody; counts are always complete.
const LISTED_CHANGES: usize = 1_000;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IngestReport {
    /// The upload's id (`null` in a dry run).
    pub upload_id: Option<i64>,
    /// True when the same bytes were uploaded before: nothing changed, the original is answered.
    pub duplicate: bool,
    pub dry_run: bool,
    pub file_name: String,
    pub sha256: String,
    /// How the file was read: format, encoding or sheet, the first records as read.
    #[serde(flatten)]
    pub how: HowRead,
    pub rows_total: usize,
    pub rows_new: usize,
    pub rows_revised: usize,
    pub rows_unchanged: usize,
    /// Rows whose value was left empty (a template's rows not filled in yet): passed over, not
    /// counted in `rows_total`.
    pub rows_unfilled: usize,
    /// New and revised rows (the first 1000), then the revisions' old values.
    pub changes: Vec<RowChange>,
    /// New and revised rows with a doubt (all of them, listed or not).
    pub rows_doubtful: usize,
    pub changes_truncated: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("the upload has {} problem(s); nothing was written", .problems.total)]
    Invalid { upload_id: Option<i64>, problems: Problems },
    /// Rows of indicators the uploader's department does not report: nothing was written.
    #[error("{} row(s) are figures your department does not report; nothing was written", .problems.total)]
    NotYours { problems: Problems },
    #[error(transparent)]
    Stopped(#[from] Stopped),
    /// Another replica claimed the same inbox file first.
    #[error("another server took this inbox file")]
    ClaimedElsewhere,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Above this many rows written, PostgreSQL's statistics are refreshed at once: the query planner
/// would otherwise go on planning for the table as it was until autovacuum gets to it.
const ANALYZE_AFTER_ROWS: usize = 10_000;

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Ingests one file: validates it, then writes the upload and its actuals in one transaction.
/// Rejected files are recorded with their error report and write no actuals; the same bytes
/// uploaded again, when they would change nothing, answer with the original upload — but a file
/// a person sends again after a later upload revised its figures puts them back (it is checked
/// against the figures as they are now, not by its fingerprint alone); a dry run writes nothing.
/// Files delivered by the server itself (the seed figures at every start, the inbox) are taken
/// once by their bytes: a restart must not undo the corrections made since.
pub fn ingest(
    conn: &mut DbConn,
    request: &UploadRequest,
    regions: &Regions,
    now: NaiveDateTime,
    budget: &Budget,
) -> Result<IngestReport, IngestError> {
    let sha256 = sha256_hex(&request.bytes);
    if request.delivered_once()
        && let Some(original) = actuals::committed_upload_by_sha(conn, &sha256)?
    {
        return Ok(duplicate_report(original, request.dry_run));
    }
    let reference = Reference::load(conn, regions.clone(), crate::clock::local_date(now))?;
    let started = std::time::Instant::now();
    let prepared = match prepare(&request.bytes, request.encoding, request.sheet.as_deref(), &reference, budget) {
        Ok(prepared) => prepared,
        Err(NotPrepared::Stopped(stopped)) => return Err(stopped.into()),
        Err(NotPrepared::Invalid(problems)) => {
            let upload_id =
                if request.dry_run { None } else { Some(record_rejection(conn, request, &sha256, &problems, now)?) };
            return Err(IngestError::Invalid { upload_id, problems });
        }
    };
    tracing::debug!(elapsed = ?started.elapsed(), "file checked");
    let indicators: HashMap<i64, &IndicatorInfo> = reference.indicators.iter().map(|i| (i.id, i)).collect();
    if let Some(allowed) = &request.allowed_indicators {
        let mut refused = problems::ProblemLog::default();
        let names: HashMap<i64, &str> = reference.indicators.iter().map(|i| (i.id, i.name.as_str())).collect();
        for row in prepared.rows.iter().filter(|r| allowed.binary_search(&r.indicator_id).is_err()) {
            let slug = indicators.get(&row.indicator_id).map(|i| i.slug.as_str()).unwrap_or_default();
            let name = names.get(&row.indicator_id).copied().unwrap_or_default();
            // A name that quotes itself (“互联网+”产业投资基金规模) is not quoted again.
            let quoted = if name.contains('“') { name.to_owned() } else { format!("“{name}”") };
            let reporter = indicators.get(&row.indicator_id).and_then(|i| i.reporter.as_deref());
            let (who_zh, who_en) = match reporter {
                Some(who) => (format!("由{who}报送"), format!("{who} reports it")),
                None => ("尚未指定报送单位".to_owned(), "no department is named to report it".to_owned()),
            };
            refused.push(RowError::at(
                row.line,
                Some("indicator"),
                Some(name),
                problems::why(
                    "indicator_not_reported",
                    format!("your department does not report {slug}: {who_en}"),
                    format!("你的部门不负责报送{quoted}：该指标{who_zh}（见“责任单位”页面）"),
                ),
            ));
        }
        if !refused.is_empty() {
            return Err(IngestError::NotYours { problems: refused.finish() });
        }
    }
    if request.dry_run {
        let plan = plan_changes(conn, &prepared.rows, &indicators)?;
        if plan.changes_nothing()
            && let Some(original) = actuals::committed_upload_by_sha(conn, &sha256)?
        {
            return Ok(duplicate_report(original, true));
        }
        return Ok(plan.report(request, sha256, prepared.how, prepared.unfilled, None));
    }
    budget.check()?;
    let committed = std::time::Instant::now();
    let mut indicator_ids: Vec<i64> = prepared.rows.iter().map(|r| r.indicator_id).collect();
    indicator_ids.sort_unstable();
    indicator_ids.dedup();
    let report = write_tx::<_, IngestError>(conn, |conn| {
        // Uploads of the same bytes, or of figures for the same indicators, take turns here:
        // the later one then sees what the earlier one wrote (a duplicate, or current values
        // to revise) instead of failing on a unique index.
        actuals::lock_for_upload(conn, &sha256, &indicator_ids)?;
        if request.delivered_once()
            && let Some(original) = actuals::committed_upload_by_sha(conn, &sha256)?
        {
            return Ok(duplicate_report(original, false));
        }
        let started = std::time::Instant::now();
        let plan = plan_changes(conn, &prepared.rows, &indicators)?;
        tracing::debug!(elapsed = ?started.elapsed(), "changes planned");
        if plan.changes_nothing()
            && let Some(original) = actuals::committed_upload_by_sha(conn, &sha256)?
        {
            return Ok(duplicate_report(original, false));
        }
        let upload_id = actuals::insert_upload(
            conn,
            &UploadForm {
                file_name: &request.file_name,
                sha256: &sha256,
                size_bytes: request.bytes.len() as i64,
                received_at: now,
                uploaded_by: &request.uploaded_by,
                channel: &request.channel,
                rows_total: plan.total as i32,
                rows_new: plan.new as i32,
                rows_revised: plan.revised as i32,
                rows_unchanged: plan.unchanged as i32,
                outcome: "committed",
                error_report: None,
                error_count: 0,
                raw: &request.bytes,
            },
        )?;
        claim(conn, request, &sha256, upload_id, now)?;
        tracing::debug!(elapsed = ?started.elapsed(), "upload recorded");
        actuals::supersede(conn, &plan.superseded_ids, now)?;
        // Inserted in index order, so each index insert lands next to the previous one instead
        // of at a random page (a million-row upload: several times faster).
        let order = index_order(&prepared.rows, &plan.to_write, &reference.regions);
        tracing::debug!(elapsed = ?started.elapsed(), rows = order.len(), "rows ordered");
        // Built a batch at a time: a million rows' values at once would cost ~100 MB more.
        for batch in order.chunks(actuals::COPY_CHUNK_ROWS) {
            budget.check()?;
            let values: Vec<actuals::NewActual> = batch
                .par_iter()
                .map(|&(_, i)| {
                    let row = &prepared.rows[i as usize];
                    actuals::NewActual(
                        row.indicator_id,
                        row.region,
                        row.period.to_string(),
                        row.period.end(),
                        row.value,
                        row.note.as_deref(),
                        row.source.as_deref(),
                    )
                })
                .collect();
            actuals::insert_actuals(conn, Some(upload_id), now, &values)?;
        }
        tracing::debug!(elapsed = ?started.elapsed(), "rows inserted");
        if !plan.to_write.is_empty() {
            changes::record(conn, &changes::Changed::Indicators(indicator_ids.clone()), now)?;
        }
        access::audit(
            conn,
            &request.uploaded_by,
            "upload.commit",
            &format!("upload {upload_id} ({})", clip(&request.file_name)),
            Some(format!("{} new, {} revised, {} unchanged", plan.new, plan.revised, plan.unchanged)),
            now,
        )?;
        Ok(plan.report(request, sha256.clone(), prepared.how, prepared.unfilled, Some(upload_id)))
    });
    tracing::debug!(elapsed = ?committed.elapsed(), "transaction ended");
    let report = report?;
    if report.rows_new + report.rows_revised >= ANALYZE_AFTER_ROWS {
        actuals::refresh_statistics(conn)?;
    }
    Ok(report)
}

/// Writes the inbox claim of `request`, if it has one; another replica's claim stops the upload.
fn claim(
    conn: &mut DbConn,
    request: &UploadRequest,
    sha256: &str,
    upload_id: i64,
    now: NaiveDateTime,
) -> Result<(), IngestError> {
    match &request.inbox_claim {
        Some(c) if !access::claim_inbox_file(conn, &c.key, sha256, &c.replica, upload_id, now)? => {
            Err(IngestError::ClaimedElsewhere)
        }
        _ => Ok(()),
    }
}

/// The rows to write, in the order of the indexes on (indicator, region, period): one integer
/// key per row, sorted in parallel (comparing the fields themselves cost ~0.3 s a million rows).
fn index_order(rows: &[ValidRow], to_write: &[usize], regions: &Regions) -> Vec<(u64, u32)> {
    let mut names: Vec<&str> =
        std::iter::once(regions.default.as_str()).chain(regions.districts.iter().map(String::as_str)).collect();
    names.sort_unstable();
    let rank: validate::FastMap<&str, u64> = names.iter().enumerate().map(|(i, r)| (*r, i as u64)).collect();
    let epoch = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
    let mut keyed: Vec<(u64, u32)> = to_write
        .par_iter()
        .map(|&i| {
            let row = &rows[i];
            let day = (row.period.end() - epoch).num_days().clamp(0, 0xff_ffff) as u64;
            let region = rank.get(row.region).copied().unwrap_or(0xff);
            (((row.indicator_id as u64) << 32) | (region << 24) | day, i as u32)
        })
        .collect();
    keyed.par_sort_unstable();
    keyed
}

/// The most bytes of refused files kept per sender in a day. A refused file is kept so the office
/// can see what was sent; past this its problems are kept without its bytes, so one sender sending
/// refused files again and again cannot fill the disk (50 MB refused in 3 s, all day long).
pub const REJECTED_BYTES_KEPT_PER_DAY: i64 = 64 << 20;

fn record_rejection(
    conn: &mut DbConn,
    request: &UploadRequest,
    sha256: &str,
    problems: &Problems,
    now: NaiveDateTime,
) -> Result<i64, IngestError> {
    write_tx(conn, |conn| {
        let size = request.bytes.len() as i64;
        let sent_today = actuals::rejected_bytes_since(conn, &request.uploaded_by, now - chrono::Duration::days(1))?;
        let kept: &[u8] = if sent_today + size <= REJECTED_BYTES_KEPT_PER_DAY { &request.bytes } else { &[] };
        let id = actuals::insert_upload(
            conn,
            &UploadForm {
                file_name: &request.file_name,
                sha256,
                size_bytes: request.bytes.len() as i64,
                received_at: now,
                uploaded_by: &request.uploaded_by,
                channel: &request.channel,
                rows_total: 0,
                rows_new: 0,
                rows_revised: 0,
                rows_unchanged: 0,
                outcome: "rejected",
                error_report: serde_json::to_string(problems).ok(),
                error_count: i32::try_from(problems.total).unwrap_or(i32::MAX),
                raw: kept,
            },
        )?;
        claim(conn, request, sha256, id, now)?;
        let subject = format!("upload {id} ({})", clip(&request.file_name));
        access::audit(
            conn,
            &request.uploaded_by,
            "upload.reject",
            &subject,
            Some(format!("{} problem(s)", problems.total)),
            now,
        )?;
        Ok(id)
    })
}

fn duplicate_report(original: UploadSummaryRow, dry_run: bool) -> IngestReport {
    IngestReport {
        upload_id: Some(original.id),
        duplicate: true,
        dry_run,
        file_name: original.file_name,
        sha256: original.sha256,
        how: HowRead::default(),
        rows_total: original.rows_total as usize,
        rows_new: 0,
        rows_revised: 0,
        rows_unchanged: original.rows_total as usize,
        rows_unfilled: 0,
        changes: Vec::new(),
        rows_doubtful: 0,
        changes_truncated: false,
    }
}

/// How each row relates to the current values.
struct ChangePlan {
    total: usize,
    new: usize,
    revised: usize,
    unchanged: usize,
    /// Indexes of rows to insert (new and revised).
    to_write: Vec<usize>,
    superseded_ids: Vec<i64>,
    changes: Vec<RowChange>,
    doubtful: usize,
}

impl ChangePlan {
    /// Every row gives the value that is current already.
    fn changes_nothing(&self) -> bool {
        self.new == 0 && self.revised == 0
    }
}

fn plan_changes(
    conn: &mut DbConn,
    rows: &[ValidRow],
    indicators: &HashMap<i64, &IndicatorInfo>,
) -> diesel::QueryResult<ChangePlan> {
    let mut indicator_ids: Vec<i64> = rows.iter().map(|r| r.indicator_id).collect();
    indicator_ids.sort_unstable();
    indicator_ids.dedup();
    let stored = actuals::current_values(conn, &indicator_ids)?;
    let current: validate::FastMap<(i64, &str, Period), (i64, f64)> = stored
        .iter()
        .filter_map(|c| Some(((c.indicator_id, c.region.as_str(), c.period.parse().ok()?), (c.id, c.value))))
        .collect();
    // Each series' stored figures in period order, for the figure before a new one.
    let mut series: validate::FastMap<(i64, &str), Vec<(chrono::NaiveDate, f64)>> = validate::FastMap::default();
    for ((indicator, region, period), (_, value)) in &current {
        series.entry((*indicator, *region)).or_default().push((period.end(), *value));
    }
    for figures in series.values_mut() {
        figures.sort_by_key(|(end, _)| *end);
    }
    let before = |row: &ValidRow| {
        let figures = series.get(&(row.indicator_id, row.region))?;
        let at = figures.partition_point(|(end, _)| *end < row.period.end());
        at.checked_sub(1).map(|i| figures[i].1)
    };
    // A revision back to a figure that was itself corrected (an older copy of a file sent again
    // after the correction) is flagged: the figures replaced before, of the indicators revised.
    let mut revised_ids: Vec<i64> = rows
        .iter()
        .filter(|r| current.get(&(r.indicator_id, r.region, r.period)).is_some_and(|&(_, v)| v != r.value))
        .map(|r| r.indicator_id)
        .collect();
    revised_ids.sort_unstable();
    revised_ids.dedup();
    let replaced_rows = actuals::replaced_values(conn, &revised_ids)?;
    let mut replaced: validate::FastMap<(i64, &str, Period, u64), NaiveDateTime> = validate::FastMap::default();
    for (indicator, region, period, value, at) in &replaced_rows {
        let Ok(period) = period.parse::<Period>() else { continue };
        let when = replaced.entry((*indicator, region.as_str(), period, value.to_bits())).or_insert(*at);
        *when = (*when).max(*at);
    }
    let mut plan = ChangePlan {
        total: rows.len(),
        new: 0,
        revised: 0,
        unchanged: 0,
        to_write: Vec::new(),
        superseded_ids: Vec::new(),
        changes: Vec::new(),
        doubtful: 0,
    };
    for (index, row) in rows.iter().enumerate() {
        let (change, old_value) = match current.get(&(row.indicator_id, row.region, row.period)) {
            None => {
                plan.new += 1;
                plan.to_write.push(index);
                ("new", None)
            }
            Some(&(_, old)) if old == row.value => {
                plan.unchanged += 1;
                ("unchanged", None)
            }
            Some(&(id, old)) => {
                plan.revised += 1;
                plan.to_write.push(index);
                plan.superseded_ids.push(id);
                ("revised", Some(old))
            }
        };
        let doubt = if change == "unchanged" {
            None
        } else {
            let reverted = old_value
                .and_then(|_| replaced.get(&(row.indicator_id, row.region, row.period, row.value.to_bits())).copied());
            Doubt::of(row, old_value, reverted, before(row), indicators.get(&row.indicator_id).copied())
        };
        plan.doubtful += usize::from(doubt.is_some());
        if change != "unchanged" && plan.changes.len() < LISTED_CHANGES {
            let indicator = indicators.get(&row.indicator_id);
            plan.changes.push(RowChange {
                line: row.line,
                indicator: indicator.map(|i| i.slug.clone()).unwrap_or_default(),
                indicator_name: indicator.map(|i| i.name.clone()).unwrap_or_default(),
                unit: indicator.map(|i| i.unit.clone()).unwrap_or_default(),
                region: row.region.to_string(),
                period: row.period.to_string(),
                change,
                value: row.value,
                old_value,
                doubt,
            });
        }
    }
    Ok(plan)
}

impl ChangePlan {
    fn report(
        self,
        request: &UploadRequest,
        sha256: String,
        how: HowRead,
        unfilled: usize,
        upload_id: Option<i64>,
    ) -> IngestReport {
        IngestReport {
            upload_id,
            duplicate: false,
            dry_run: request.dry_run,
            file_name: request.file_name.clone(),
            sha256,
            how,
            rows_total: self.total,
            rows_new: self.new,
            rows_revised: self.revised,
            rows_unchanged: self.unchanged,
            rows_unfilled: unfilled,
            changes_truncated: self.new + self.revised > self.changes.len(),
            changes: self.changes,
            rows_doubtful: self.doubtful,
        }
    }
}

/// Loads `seed/actuals/*.csv` (in name order) through the upload path. Files already loaded are
/// recognised by their bytes and change nothing, so this runs at every start.
pub fn load_seed_actuals(
    conn: &mut DbConn,
    dir: &std::path::Path,
    regions: &Regions,
    now: NaiveDateTime,
) -> anyhow::Result<Vec<IngestReport>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    let mut reports = Vec::new();
    for path in files {
        let request = UploadRequest {
            file_name: path.file_name().unwrap_or_default().to_string_lossy().into_owned(),
            bytes: std::fs::read(&path)?,
            uploaded_by: "seed".to_owned(),
            channel: "seed".to_owned(),
            encoding: None,
            sheet: None,
            dry_run: false,
            inbox_claim: None,
            allowed_indicators: None,
        };
        match ingest(conn, &request, regions, now, &Budget::unlimited()) {
            Ok(report) => reports.push(report),
            Err(IngestError::Invalid { problems, .. }) => {
                let listed: Vec<String> =
                    problems.errors.iter().map(|e| format!("line {}: {}", e.line, e.reason)).collect();
                anyhow::bail!("seed file {} is invalid:\n  {}", path.display(), listed.join("\n  "));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(reports)
}

/// A fact two seed files report differently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedConflict {
    pub indicator: String,
    pub region: String,
    pub period: String,
    /// (file:line, value) of each report, in file order.
    pub reports: Vec<(String, f64)>,
}

/// The seed files passed: their row count and the facts they disagree on.
#[derive(Debug)]
pub struct SeedCheck {
    pub rows: usize,
    pub conflicts: Vec<SeedConflict>,
}

/// The problems of one file, by name.
pub type FileProblems = (String, Problems);

/// Checks the seed CSVs against the catalog without a database: every row valid (the problems of
/// each file otherwise), and the facts that different files report differently.
pub fn check_seed_files(
    dir: &std::path::Path,
    catalog: &crate::catalog::Catalog,
    today: NaiveDate,
) -> Result<SeedCheck, Vec<FileProblems>> {
    let milestones: HashSet<&str> = catalog
        .targets
        .iter()
        .filter(|t| t.kind == crate::domain::TargetKind::Milestone)
        .map(|t| t.indicator.as_str())
        .collect();
    let reference = Reference {
        indicators: catalog
            .indicators
            .iter()
            .enumerate()
            .map(|(index, i)| IndicatorInfo {
                id: index as i64,
                slug: i.slug.clone(),
                name: i.name.clone(),
                unit: i.unit.clone(),
                can_be_negative: i.can_be_negative,
                is_milestone: milestones.contains(i.slug.as_str()),
                earliest_year: None,
                frequency: i.duty.as_ref().map_or(crate::domain::DEFAULT_FREQUENCY, |d| d.frequency),
                reporter: None,
            })
            .collect(),
        target_names: Vec::new(),
        regions: catalog.regions.clone(),
        today,
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "csv"));
    files.sort();
    let mut problems = Vec::new();
    /// Each fact (indicator, region, period) with every (file:line, value) that reports it.
    type Reports<'a> = HashMap<(i64, &'a str, Period), Vec<(String, f64)>>;
    let mut facts: Reports = HashMap::new();

    let mut rows_total = 0;
    for path in &files {
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                let why = why("unreadable", format!("cannot read: {e}"), format!("无法读取：{e}"));
                problems.push((name, Problems::file(why)));
                continue;
            }
        };
        match prepare(&bytes, None, None, &reference, &Budget::unlimited()) {
            Ok(prepared) => {
                rows_total += prepared.rows.len();
                for row in prepared.rows {
                    facts
                        .entry((row.indicator_id, row.region, row.period))
                        .or_default()
                        .push((format!("{name}:{}", row.line), row.value));
                }
            }
            Err(NotPrepared::Invalid(found)) => problems.push((name, found)),
            Err(NotPrepared::Stopped(stopped)) => {
                let why = why("stopped", stopped.to_string(), "检查被中止");
                problems.push((name, Problems::file(why)));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut conflicts: Vec<SeedConflict> = facts
        .into_iter()
        .filter(|(_, reports)| reports.iter().any(|(_, v)| *v != reports[0].1))
        .map(|((indicator, region, period), reports)| SeedConflict {
            indicator: reference.indicators[indicator as usize].slug.clone(),
            region: region.to_string(),
            period: period.to_string(),
            reports,
        })
        .collect();
    conflicts.sort_by(|a, b| (&a.indicator, &a.period).cmp(&(&b.indicator, &b.period)));
    Ok(SeedCheck { rows: rows_total, conflicts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_shows_the_rows_filled_in_not_the_templates_empty_ones() {
        let mut csv = "指标,期间,数值\n".to_owned();
        for year in 2015..2027 {
            csv.push_str(&format!("实际光纤入户率,{year},\n"));
        }
        csv.push_str("开放数据集,2025,5200\n");
        let rows = first_rows(&parse::read_table(&csv).unwrap());
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!((rows[0].line, rows[0].value.as_deref()), (14, Some("5200")));
        // Nothing filled in: the first rows, as read.
        let empty = first_rows(&parse::read_table("指标,期间,数值\n实际光纤入户率,2020,\n").unwrap());
        assert_eq!(empty.len(), 1);
    }
}
