//! Per-target assessment, in two stages the all-targets frame mirrors: reduce the series to a few
//! facts, then judge the facts.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::time::{date_from_decimal_year, decimal_year};
use super::{Method, Observation, Point, Progress, Projection, Reason, Revision, Status, TargetSpec};
use crate::domain::{Comparator, TargetKind};

/// The series as known on `as_of`: periods ended by then, each at the value recorded last by
/// then. A revision recorded later does not change an earlier report.
pub fn observations_as_of(revisions: &[Revision], as_of: NaiveDate) -> Vec<Observation> {
    let mut known: BTreeMap<NaiveDate, (NaiveDate, f64)> = BTreeMap::new();
    for r in revisions.iter().filter(|r| r.period_end <= as_of && r.recorded_on <= as_of) {
        match known.get(&r.period_end) {
            Some(&(recorded_on, _)) if recorded_on > r.recorded_on => {}
            _ => {
                known.insert(r.period_end, (r.recorded_on, r.value));
            }
        }
    }
    known.into_iter().map(|(date, (_, value))| Observation { date, value }).collect()
}

/// Stage one: what the judgement needs from a series sorted by date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct SeriesFacts {
    pub first: Option<Point>,
    pub latest: Option<Point>,
    /// The last value at or before the deadline.
    pub latest_by_deadline: Option<Point>,
    /// The last value within the reference year of a change target.
    pub reference: Option<Point>,
}

pub(super) fn series_facts(spec: &TargetSpec, series: &[Observation]) -> SeriesFacts {
    let point = |o: &Observation| Point { date: o.date, value: o.value };
    SeriesFacts {
        first: series.first().map(point),
        latest: series.last().map(point),
        latest_by_deadline: series.iter().rev().find(|o| o.date <= spec.deadline).map(point),
        reference: spec.reference_year.and_then(|y| series.iter().rev().find(|o| o.date.year() == y).map(point)),
    }
}

/// The goal a value is measured against: a threshold, a band, or a value within a tolerance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Goal {
    Threshold(Comparator, f64),
    Band(f64, f64),
}

impl Goal {
    pub fn is_met_by(&self, v: f64) -> bool {
        match *self {
            Goal::Threshold(Comparator::AtLeast, t) => v >= t,
            // 超过 is strict: 5000 does not meet 超过5000.
            Goal::Threshold(Comparator::MoreThan, t) => v > t,
            Goal::Threshold(Comparator::AtMost, t) => v <= t,
            Goal::Threshold(Comparator::LessThan, t) => v < t,
            // ≈ is a band around the value; `About` never reaches here.
            Goal::Threshold(Comparator::About, t) => v == t,
            Goal::Band(lo, hi) => lo <= v && v <= hi,
        }
    }

    /// The value progress is measured towards: the threshold, or a band's bound nearer to `v`.
    pub fn aim(&self, v: f64) -> f64 {
        match *self {
            Goal::Threshold(_, t) => t,
            Goal::Band(lo, hi) => {
                if (v - lo).abs() <= (v - hi).abs() {
                    lo
                } else {
                    hi
                }
            }
        }
    }

    /// A single value for display: a band's middle.
    pub fn headline(&self) -> f64 {
        match *self {
            Goal::Threshold(_, t) => t,
            Goal::Band(lo, hi) => (lo + hi) / 2.0,
        }
    }
}

/// The goal and the baseline a target is judged against, or why it cannot be.
pub(super) fn goal_and_baseline(spec: &TargetSpec, facts: &SeriesFacts) -> Result<(Goal, Option<Point>), Reason> {
    let catalog_baseline = spec.baseline.map(|(date, value)| Point { date, value });
    let around = |value: f64, tolerance: f64| Goal::Band(value - tolerance, value + tolerance);
    let threshold = |value: f64, tolerance: Option<f64>| match spec.comparator {
        Some(Comparator::About) => around(value, tolerance.unwrap_or(0.0)),
        Some(c) => Goal::Threshold(c, value),
        None => Goal::Threshold(Comparator::AtLeast, value),
    };
    match spec.kind {
        TargetKind::Level => {
            let baseline = catalog_baseline.or(match (facts.first, facts.latest) {
                (Some(first), Some(latest)) if first.date < latest.date => Some(first),
                _ => None,
            });
            Ok((threshold(spec.value, spec.tolerance), baseline))
        }
        TargetKind::Range => {
            Ok((Goal::Band(spec.value, spec.value_max.unwrap_or(spec.value)), catalog_baseline.or(facts.first)))
        }
        TargetKind::Milestone => Ok((
            Goal::Threshold(Comparator::AtLeast, spec.value),
            Some(catalog_baseline.unwrap_or(Point { date: spec.start, value: 0.0 })),
        )),
        TargetKind::Change => {
            let year = spec.reference_year.ok_or(Reason::NoReferenceYear)?;
            let reference = catalog_baseline
                .filter(|b| b.date.year() == year)
                .or(facts.reference)
                .ok_or(Reason::NoReferenceActual(year))?;
            let r = reference.value;
            let (value, tolerance) = if spec.relative_change {
                (r * (1.0 + spec.value / 100.0), spec.tolerance.map(|t| (r * t / 100.0).abs()))
            } else {
                (r + spec.value, spec.tolerance)
            };
            Ok((threshold(value, tolerance), Some(reference)))
        }
    }
}

/// Stage two: the judgement of the facts. Kept free of the series so the frame can mirror it.
pub(super) fn judge(spec: &TargetSpec, facts: &SeriesFacts, as_of: NaiveDate, method: Method) -> Progress {
    let mut out = Progress {
        status: Status::NoData,
        // A milestone is always judged by linear pace.
        method: if spec.kind == TargetKind::Milestone { Method::Linear } else { method },
        as_of,
        achieved_late: false,
        baseline: None,
        latest: facts.latest,
        target_value: None,
        progress: None,
        elapsed: None,
        pace: None,
        cagr_ratio: None,
        projection: None,
        reason: None,
    };
    // The goal is known without data (a target of 70 % is 70 % before the first figure).
    let resolved = goal_and_baseline(spec, facts);
    if let Ok((goal, baseline)) = &resolved {
        out.target_value = Some(goal.headline());
        out.baseline = *baseline;
    }
    let Some(latest) = facts.latest else {
        out.reason = Some(Reason::NoActual);
        return out;
    };
    let (goal, baseline) = match resolved {
        Ok(found) => found,
        Err(reason) => {
            out.status = Status::NotAssessable;
            out.reason = Some(reason);
            return out;
        }
    };

    // Achievement first, before any rate: the comparator holding now (or by the deadline).
    let decided = if as_of > spec.deadline {
        if facts.latest_by_deadline.is_some_and(|p| goal.is_met_by(p.value)) {
            Some(Status::Achieved)
        } else if goal.is_met_by(latest.value) {
            out.achieved_late = true;
            Some(Status::Achieved)
        } else {
            Some(Status::Missed)
        }
    } else if goal.is_met_by(latest.value) {
        Some(Status::Achieved)
    } else {
        None
    };

    let score = pace_and_ratio(spec, &goal, baseline, latest, method, &mut out);
    // Only the baseline itself is known: the target's period has no figure yet, whatever the
    // deadline says. (A baseline that already meets the goal was decided above.)
    // Likewise when every figure predates the plan: a 2016 plan is not judged by 2015 alone.
    let nothing_since_baseline =
        baseline.is_some_and(|b| latest.date <= b.date && spec.deadline > b.date) || latest.date < spec.start;

    out.status = match (decided, score) {
        (Some(Status::Achieved), _) => Status::Achieved,
        _ if nothing_since_baseline => {
            out.reason = Some(Reason::NothingSinceBaseline);

            Status::NoData
        }
        (Some(status), _) => status,

        (None, Ok(score)) => Status::from_score(score),
        (None, Err(reason)) => {
            out.reason = Some(reason);
            Status::NotAssessable
        }
    };
    out
}

/// Fills progress, elapsed, pace and the CAGR ratio; returns the score the bands apply to.
fn pace_and_ratio(
    spec: &TargetSpec,
    goal: &Goal,
    baseline: Option<Point>,
    latest: Point,
    method: Method,
    out: &mut Progress,
) -> Result<f64, Reason> {
    let Some(base) = baseline else {
        return Err(Reason::OnePointNoBaseline);
    };
    let (t0, t, t_deadline) = (decimal_year(base.date), decimal_year(latest.date), decimal_year(spec.deadline));
    if t_deadline <= t0 {
        return Err(Reason::DeadlineNotAfterBaseline);
    }
    if t <= t0 {
        return Err(Reason::NoActualAfterBaseline);
    }
    let (b, v) = (base.value, latest.value);
    let aim = goal.aim(v);
    if aim == b {
        return Err(Reason::TargetEqualsBaseline);
    }
    let progress = (v - b) / (aim - b);
    let elapsed = (t - t0) / (t_deadline - t0);
    let pace = progress / elapsed;
    out.progress = Some(progress);
    out.elapsed = Some(elapsed);
    out.pace = Some(pace);
    if method == Method::Linear || spec.kind == TargetKind::Milestone {
        if method == Method::Cagr {
            out.method = Method::Linear;
            out.reason = Some(Reason::MilestoneIsLinear);
        }
        return Ok(pace);
    }
    // No growth rate across zero or from zero (Open SDG: values must share a sign).
    if b <= 0.0 || v <= 0.0 || aim <= 0.0 {
        return Err(Reason::CagrNeedsPositive);
    }
    let observed = (v / b).powf(1.0 / (t - t0)) - 1.0;
    let required = (aim / b).powf(1.0 / (t_deadline - t0)) - 1.0;
    if required == 0.0 {
        return Err(Reason::CagrRequiredZero);
    }
    let ratio = observed / required;
    out.cagr_ratio = Some(ratio);
    Ok(ratio)
}

/// Least squares through the baseline and the actuals since (two points: the line through them).
pub(super) fn project(spec: &TargetSpec, series: &[Observation], progress: &Progress) -> Option<Projection> {
    let base = progress.baseline?;
    let mut points: Vec<(f64, f64)> = Vec::new();
    if series.iter().all(|o| o.date != base.date) {
        points.push((decimal_year(base.date), base.value));
    }
    points.extend(series.iter().filter(|o| o.date >= base.date).map(|o| (decimal_year(o.date), o.value)));
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    if sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let at = |x: f64| mean_y + slope * (x - mean_x);
    let latest = progress.latest?;
    let reaches_target_on = match (progress.status, progress.target_value) {
        (Status::Achieved, _) | (_, None) => None,
        (_, Some(_)) if slope == 0.0 => None,
        (_, Some(_)) => {
            let (goal, _) = goal_and_baseline(spec, &series_facts(spec, series)).ok()?;
            let aim = goal.aim(latest.value);
            let x = mean_x + (aim - mean_y) / slope;
            if x >= decimal_year(latest.date) { date_from_decimal_year(x) } else { None }
        }
    };
    Some(Projection {
        fit: if points.len() >= 3 { "least_squares" } else { "two_points" },
        points: points.len(),
        value_at_deadline: at(decimal_year(spec.deadline)),
        reaches_target_on,
        slope_per_year: slope,
    })
}

/// Assesses one target from its series (already as of the date: see [`observations_as_of`]).
pub fn assess(spec: &TargetSpec, series: &[Observation], as_of: NaiveDate, method: Method) -> Progress {
    let facts = series_facts(spec, series);
    let mut progress = judge(spec, &facts, as_of, method);
    progress.projection = project(spec, series, &progress);
    progress
}
