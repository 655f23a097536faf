//! The read model: targets judged. Loads targets and their actuals through `db` and runs the
//! progress engine; the pages, the API, the CLI, the charts and the reports ask here (charts
//! and reports are handed what this gives them; they never query). Nothing here writes.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::db::models::{IndicatorRow, PlanRow, TargetRow};
use crate::db::{DbConn, actuals, queries};
use crate::domain::TargetKind;
use crate::progress::{self, Method, Observation, Point, Progress, Revision, Status, TargetSpec};

/// Why targets could not be judged.
#[derive(Debug, thiserror::Error)]
pub enum JudgedError {
    #[error("reading the targets and actuals: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("judging every target at once: {0}")]
    Frame(#[from] polars::error::PolarsError),
}

pub type JudgedResult<T> = Result<T, JudgedError>;

/// The date and method a judgement is made for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judgement {
    pub as_of: NaiveDate,
    pub method: Method,
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
        }
    }
}

/// A target with its plan, indicator and verdict.
#[derive(Debug, Clone)]
pub struct Assessed {
    pub target: TargetRow,
    pub plan: PlanRow,
    pub indicator: IndicatorRow,
    pub summary: ProgressSummary,
}

/// What the engine needs of a stored target.
pub fn spec_of(target: &TargetRow, plan: &PlanRow) -> TargetSpec {
    let (kind, comparator) = (target.kind, target.comparator);
    let year_end = |y: i32| NaiveDate::from_ymd_opt(y, 12, 31);
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
        start: plan
            .issued
            .or_else(|| NaiveDate::from_ymd_opt(plan.horizon_start, 1, 1))
            .unwrap_or(target.deadline_date),
    }
}

/// Each target's series as of the date, from the stored revisions of its indicator and region.
fn series_for(
    targets: &[queries::TargetWithContext],
    revisions: &[actuals::RevisionRow],
    as_of: NaiveDate,
) -> Vec<Vec<Observation>> {
    let mut by_series: HashMap<(i64, &str), Vec<Revision>> = HashMap::new();
    for r in revisions {
        by_series.entry((r.indicator_id, r.region.as_str())).or_default().push(Revision {
            period_end: r.period_end,
            value: r.value,
            recorded_on: r.recorded_at.date(),
        });
    }
    targets
        .iter()
        .map(|(t, _, _)| {
            by_series
                .get(&(t.indicator_id, t.region.as_str()))
                .map(|revs| progress::observations_as_of(revs, as_of))
                .unwrap_or_default()
        })
        .collect()
}

/// Judges every (current) target of a plan and/or indicator at once, with the polars frame.
pub fn assess_list(
    conn: &mut DbConn,
    plan: Option<&str>,
    indicator: Option<&str>,
    judgement: Judgement,
) -> JudgedResult<Vec<Assessed>> {
    let targets = queries::list_targets(conn, plan, indicator)?;
    let mut indicator_ids: Vec<i64> = targets.iter().map(|(t, _, _)| t.indicator_id).collect();
    indicator_ids.sort_unstable();
    indicator_ids.dedup();
    let revisions = actuals::revisions_of(conn, &indicator_ids)?;
    let series = series_for(&targets, &revisions, judgement.as_of);
    let specs: Vec<TargetSpec> = targets.iter().map(|(t, p, _)| spec_of(t, p)).collect();
    let slices: Vec<&[Observation]> = series.iter().map(Vec::as_slice).collect();
    let verdicts = progress::frame::assess_all(&specs, &slices, judgement.as_of, judgement.method)?;
    Ok(targets
        .into_iter()
        .zip(verdicts)
        .map(|((target, plan, indicator), verdict)| Assessed {
            summary: ProgressSummary::from(&verdict),
            target,
            plan,
            indicator,
        })
        .collect())
}

/// One target in full: its verdict with projection and reason, and its actuals.
pub struct AssessedOne {
    pub target: queries::TargetWithContext,
    pub progress: Progress,
    pub series: Vec<Observation>,
}

pub fn assess_one(conn: &mut DbConn, slug: &str, judgement: Judgement) -> JudgedResult<Option<AssessedOne>> {
    let Some(target) = queries::target_by_slug(conn, slug)? else { return Ok(None) };
    let revisions = actuals::revisions_of(conn, &[target.0.indicator_id])?;
    let series = series_for(std::slice::from_ref(&target), &revisions, judgement.as_of).remove(0);
    let spec = spec_of(&target.0, &target.1);
    let progress = progress::assess(&spec, &series, judgement.as_of, judgement.method);
    Ok(Some(AssessedOne { target, progress, series }))
}

/// Every (current) target of a plan, or of all plans, in full: one read of the actuals for all.
pub fn assess_each(conn: &mut DbConn, plan: Option<&str>, judgement: Judgement) -> JudgedResult<Vec<AssessedOne>> {
    let targets = queries::list_targets(conn, plan, None)?;
    let mut indicator_ids: Vec<i64> = targets.iter().map(|(t, _, _)| t.indicator_id).collect();
    indicator_ids.sort_unstable();
    indicator_ids.dedup();
    let revisions = actuals::revisions_of(conn, &indicator_ids)?;
    let series = series_for(&targets, &revisions, judgement.as_of);
    Ok(targets
        .into_iter()
        .zip(series)
        .map(|(target, series)| {
            let spec = spec_of(&target.0, &target.1);
            let progress = progress::assess(&spec, &series, judgement.as_of, judgement.method);
            AssessedOne { target, progress, series }
        })
        .collect())
}

/// Everything judged for a scope (one plan or all): what reports and chart sets are drawn from.
pub struct Scope {
    pub plans: Vec<PlanRow>,
    /// Every target's verdict, for lists and counts.
    pub assessed: Vec<Assessed>,
    /// Every target in full (projection and series), for charts.
    pub full: Vec<AssessedOne>,
    /// When the newest committed upload arrived: how fresh the figures are.
    pub vintage: Option<chrono::NaiveDateTime>,
}

/// The scope of one plan (`None` when there is no such plan) or of all plans.
pub fn scope(conn: &mut DbConn, plan: Option<&str>, judgement: Judgement) -> JudgedResult<Option<Scope>> {
    let plans = match plan {
        Some(slug) => match queries::plan_by_slug(conn, slug)? {
            Some(one) => vec![one],
            None => return Ok(None),
        },
        None => queries::list_plans(conn)?,
    };
    Ok(Some(Scope {
        plans,
        assessed: assess_list(conn, plan, None, judgement)?,
        full: assess_each(conn, plan, judgement)?,
        vintage: actuals::newest_upload_at(conn)?,
    }))
}

/// Counts per status, every status listed (zeros included), in the order of [`progress::ALL_STATUSES`].
pub fn count_by_status<'a>(statuses: impl Iterator<Item = &'a Status>) -> Vec<(Status, usize)> {
    let mut counts: HashMap<Status, usize> = HashMap::new();
    for s in statuses {
        *counts.entry(*s).or_default() += 1;
    }
    progress::ALL_STATUSES.iter().map(|s| (*s, counts.get(s).copied().unwrap_or(0))).collect()
}

/// "As of" when none is given: today, in the server's time zone.
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}
