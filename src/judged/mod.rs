//! The read model: targets judged. Loads targets and their actuals through `db` and runs the
//! progress engine; the pages, the API, the CLI, the charts and the reports ask here (charts
//! and reports are handed what this gives them; they never query). Nothing here writes.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

mod duties;
mod live;
mod reporting;
mod snapshot;
mod versions;

use std::sync::Arc;

pub use duties::Duties;
pub use live::{DepartmentView, Judged, View};
pub use reporting::{Arrival, Completeness, DueFigure};
pub use snapshot::Snapshot;
pub use versions::{last_day_in_force, version_in_force};

use crate::db::models::{IndicatorRow, PlanRow, TargetRow};
use crate::db::{DbConn, actuals, queries};
use crate::domain::TargetKind;
use crate::progress::{self, Method, Observation, Point, Progress, Status, TargetSpec};

/// Why targets could not be judged.
#[derive(Debug, thiserror::Error)]
pub enum JudgedError {
    #[error("reading the targets and actuals: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("judging every target at once: {0}")]
    Frame(#[from] polars::error::PolarsError),
    #[error("no database connection: {0}")]
    Pool(String),
}

pub type JudgedResult<T> = Result<T, JudgedError>;

/// What a judgement is made for: the date of the view, the method, and optionally the day the
/// figures were known by and one district to judge on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Judgement {
    /// Figures whose period ends by then count, at their latest revision.
    pub as_of: NaiveDate,
    pub method: Method,
    /// Only revisions recorded by then ("as reported at the time"); `None`: every revision.
    pub known_at: Option<NaiveDate>,
    /// Judge every target on this district's figures instead of its own region's.
    pub region: Option<Arc<str>>,
}

impl Judgement {
    /// A judgement on every figure known now, each target in its own region.
    pub fn on(as_of: NaiveDate, method: Method) -> Judgement {
        Judgement { as_of, method, known_at: None, region: None }
    }
}

/// The progress fields shown in lists (everything but the projection and the reason).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProgressSummary {
    pub status: Status,
    pub method: Method,
    pub as_of: NaiveDate,
    pub achieved_late: bool,
    pub target_value: Option<f64>,
    pub baseline: Option<Point>,
    pub latest: Option<Point>,
    pub progress: Option<f64>,
    pub elapsed: Option<f64>,
    pub pace: Option<f64>,
    pub cagr_ratio: Option<f64>,
    /// Where the target should be on the straight path from baseline to goal, on `expected_on`.
    pub expected: Option<f64>,
    pub expected_on: Option<NaiveDate>,
    /// The goal's band, for an approximate goal or a range.
    pub band: Option<progress::Band>,
}

impl From<&Progress> for ProgressSummary {
    fn from(p: &Progress) -> Self {
        ProgressSummary {
            status: p.status,
            method: p.method,
            as_of: p.as_of,
            achieved_late: p.achieved_late,
            target_value: p.target_value,
            baseline: p.baseline,
            latest: p.latest,
            progress: p.progress,
            elapsed: p.elapsed,
            pace: p.pace,
            cagr_ratio: p.cagr_ratio,
            expected: p.expected,
            expected_on: p.expected_on,
            band: p.band,
        }
    }
}

/// A target with the plan that sets it and the indicator it measures, shared: views and
/// snapshots hold thousands of them and clone them freely.
#[derive(Debug, Clone)]
pub struct Context {
    pub target: Arc<TargetRow>,
    pub plan: Arc<PlanRow>,
    pub indicator: Arc<IndicatorRow>,
    /// The departments that answer for it (slugs), the lead first.
    pub owners: Arc<[String]>,
}

/// A target with its plan, indicator and verdict.
#[derive(Debug, Clone)]
pub struct Assessed {
    pub target: Arc<TargetRow>,
    pub plan: Arc<PlanRow>,
    pub indicator: Arc<IndicatorRow>,
    /// The departments that answer for it (slugs), the lead first.
    pub owners: Arc<[String]>,
    pub summary: ProgressSummary,
}

/// The plan's base period: the catalog's `base_year`, else the year before the horizon starts
/// (never the deadline's year or later).
pub(super) fn base_year(target: &TargetRow, plan: &PlanRow) -> i32 {
    target.base_year.unwrap_or(plan.horizon_start - 1).min(target.deadline_date.year() - 1)
}

/// What the engine needs of a stored target.
pub fn spec_of(target: &TargetRow, plan: &PlanRow, indicator: &IndicatorRow) -> TargetSpec {
    let (kind, comparator) = (target.kind, target.comparator);
    let year_end = |y: i32| NaiveDate::from_ymd_opt(y, 12, 31);
    let start =
        plan.issued.or_else(|| NaiveDate::from_ymd_opt(plan.horizon_start, 1, 1)).unwrap_or(target.deadline_date);
    let base = year_end(base_year(target, plan)).unwrap_or(start);
    TargetSpec {
        kind,
        comparator,
        value: target.value,
        value_max: target.value_max,
        tolerance: target.tolerance,
        relative_change: kind == TargetKind::Change && target.unit.trim() == "%",
        reference_year: target.reference_year,
        deadline: target.deadline_date,
        baseline: match (target.baseline_year.and_then(year_end), target.baseline_value) {
            (Some(date), Some(value)) => Some((date, value)),
            _ => None,
        },
        start,
        base,
        cumulative: target.cumulative,
        higher_is_better: indicator.higher_is_better,
        // Set by the reporting duty (see `Snapshot`).
        due: None,
    }
}

/// One target in full: its verdict with projection and reason, and its actuals.
pub struct AssessedOne {
    pub target: Context,
    pub progress: Progress,
    pub series: Vec<Observation>,
    /// The latest figure of each district on the target's indicator, in catalog order.
    pub districts: Vec<(String, Observation)>,
    /// Measured on running totals counted from an earlier plan's start: its figures less the total
    /// at its base.
    pub rebased: Option<Rebased>,
}

/// How a target's figures were rebased (see `AssessedOne::rebased`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rebased {
    /// The day the indicator's reported totals count from.
    pub since: NaiveDate,
    /// The end of the target's base year: its own total counts from here.
    pub base: NaiveDate,
    /// The reported total then, taken off every later figure; `None` while it has not come.
    pub total: Option<Observation>,
}

/// Judges every (current) target of a plan and/or indicator at once, reading them afresh.
pub fn assess_list(
    conn: &mut DbConn,
    plan: Option<&str>,
    indicator: Option<&str>,
    judgement: &Judgement,
) -> JudgedResult<Vec<Assessed>> {
    Snapshot::load(conn, plan, indicator)?.judge(judgement)
}

/// One target in full, read afresh.
pub fn assess_one(conn: &mut DbConn, slug: &str, judgement: &Judgement) -> JudgedResult<Option<AssessedOne>> {
    let Some(target) = queries::target_by_slug(conn, slug)? else { return Ok(None) };
    let snapshot = Snapshot::of(conn, vec![target])?;
    Ok(snapshot.one(0, judgement))
}

/// Every (current) target of a plan, or of all plans, in full.
pub fn assess_each(conn: &mut DbConn, plan: Option<&str>, judgement: &Judgement) -> JudgedResult<Vec<AssessedOne>> {
    let snapshot = Snapshot::load(conn, plan, None)?;
    Ok((0..snapshot.targets.len()).filter_map(|i| snapshot.one(i, judgement)).collect())
}

/// Everything judged for a scope (one plan or all): what reports and chart sets are drawn from.
pub struct Scope {
    pub plans: Vec<Arc<PlanRow>>,
    /// Every target's verdict, for lists and counts.
    pub assessed: Vec<Assessed>,
    /// The targets [`InFull`] chose, in full (projection and series), for charts.
    pub full: Vec<AssessedOne>,
    /// When the newest committed upload arrived: how fresh the figures are.
    pub vintage: Option<chrono::NaiveDateTime>,
    /// The figures its targets call for, with how they came.
    pub figures: Vec<DueFigure>,
    pub departments: Vec<Arc<crate::db::models::DepartmentRow>>,
}

/// Which targets of a scope are worked out in full (projection, series, districts' figures):
/// those that will be charted. A report of a large catalog charts a few per section, and working
/// out the rest would cost the time and memory of every series for nothing.
#[derive(Clone, Copy)]
pub enum InFull<'a> {
    Every,
    /// The slugs chosen from the scope's verdicts (`full` still empty when it is asked).
    Chosen(&'a (dyn Fn(&Scope) -> std::collections::HashSet<String> + Sync)),
}

/// The scope of one plan (`None` when there is no such plan) or of all plans, read afresh.
pub fn scope(
    conn: &mut DbConn,
    plan: Option<&str>,
    judgement: &Judgement,
    in_full: InFull,
) -> JudgedResult<Option<Scope>> {
    let vintage = actuals::newest_upload_at(conn, judgement.known_at)?;
    Snapshot::load(conn, plan, None)?.scope(plan, judgement, vintage, in_full)
}

/// Counts per status, every status listed (zeros included), in the order of [`progress::ALL_STATUSES`].
pub fn count_by_status<'a>(statuses: impl Iterator<Item = &'a Status>) -> Vec<(Status, usize)> {
    let mut counts: HashMap<Status, usize> = HashMap::new();
    for s in statuses {
        *counts.entry(*s).or_default() += 1;
    }
    progress::ALL_STATUSES.iter().map(|s| (*s, counts.get(s).copied().unwrap_or(0))).collect()
}

/// "As of" when none is given: today, in the office's time zone.
pub fn today() -> NaiveDate {
    crate::clock::today()
}
