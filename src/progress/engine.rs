//! Per-target assessment, in two stages the all-targets frame mirrors: reduce the series to a few
//! facts, then judge the facts.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::time::{date_from_decimal_year, decimal_year};
use super::{Band, Method, Observation, Point, Progress, Projection, Reason, Revision, Status, TargetSpec};
use crate::domain::{Aggregate, Comparator, TargetKind};

/// The series for a view: periods ended by `as_of`, each at its latest revision — or, with
/// `known_at`, at the latest revision recorded by then ("as reported at the time"). History
/// uploaded today therefore counts at every past `as_of`.
pub fn observations_as_of(revisions: &[Revision], as_of: NaiveDate, known_at: Option<NaiveDate>) -> Vec<Observation> {
    let mut known: BTreeMap<NaiveDate, (NaiveDate, f64)> = BTreeMap::new();
    let recorded = |r: &&Revision| known_at.is_none_or(|k| r.recorded_on <= k);
    for r in revisions.iter().filter(|r| r.period_end <= as_of).filter(recorded) {
        match known.get(&r.period_end) {
            Some(&(recorded_on, _)) if recorded_on > r.recorded_on => {}
            _ => {
                known.insert(r.period_end, (r.recorded_on, r.value));
            }
        }
    }
    known.into_iter().map(|(date, (_, value))| Observation { date, value }).collect()
}

/// Running totals counted from an earlier day, recounted from `base` (the end of a base year):
/// the last total reported in that year, and every figure from then on less it — so the total
/// reads 0 at the base. `None` when no total was reported in the base year.
pub fn counted_from(series: Vec<Observation>, base: NaiveDate) -> Option<(Observation, Vec<Observation>)> {
    let total = *series.iter().rev().find(|o| o.date.year() == base.year())?;
    let rebased = series
        .into_iter()
        .filter(|o| o.date >= total.date)
        .map(|o| Observation { date: o.date, value: o.value - total.value })
        .collect();
    Some((total, rebased))
}

/// A city series completed from its districts': each period the city did not report but every
/// district did gets their sum or mean. Periods some district lacks stay empty.
pub fn with_district_totals(
    city: Vec<Observation>,
    districts: &[Vec<Observation>],
    how: Aggregate,
) -> Vec<Observation> {
    let Some((first, rest)) = districts.split_first() else { return city };
    let mut merged: BTreeMap<NaiveDate, f64> = city.into_iter().map(|o| (o.date, o.value)).collect();
    for o in first {
        if merged.contains_key(&o.date) {
            continue;
        }
        let values: Option<Vec<f64>> = rest
            .iter()
            .map(|series| series.binary_search_by_key(&o.date, |x| x.date).ok().map(|i| series[i].value))
            .collect();
        if let Some(values) = values {
            let total = o.value + values.iter().sum::<f64>();
            let figure = match how {
                Aggregate::Sum => total,
                Aggregate::Mean => total / districts.len() as f64,
            };
            merged.insert(o.date, figure);
        }
    }
    merged.into_iter().map(|(date, value)| Observation { date, value }).collect()
}

/// Stage one: what the judgement needs from a series sorted by date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct SeriesFacts {
    pub first: Option<Point>,
    pub latest: Option<Point>,
    /// The last value at or before the deadline, or of the period that holds it.
    pub latest_by_deadline: Option<Point>,
    /// The last value within the reference year of a change target.
    pub reference: Option<Point>,
    /// The last value within the plan's base year.
    pub base_period: Option<Point>,
}

pub(super) fn series_facts(spec: &TargetSpec, series: &[Observation]) -> SeriesFacts {
    let point = |o: &Observation| Point { date: o.date, value: o.value };
    let last_in = |year: i32| series.iter().rev().find(|o| o.date.year() == year).map(point);
    SeriesFacts {
        first: series.first().map(point),
        latest: series.last().map(point),
        latest_by_deadline: series.iter().rev().find(|o| spec.counts_by_deadline(o.date)).map(point),
        reference: spec.reference_year.and_then(last_in),
        base_period: last_in(spec.base.year()),
    }
}

/// The goal a value is measured against: a comparator and a value, and for a band (≈ or a
/// range) the far edge the goal may overshoot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Goal {
    comparator: Comparator,
    value: f64,
    far_edge: Option<f64>,
}

impl Goal {
    fn threshold(comparator: Comparator, value: f64) -> Goal {
        Goal { comparator, value, far_edge: None }
    }

    /// Whether `v` meets the goal, at the figures' precision (see [`super::EDGE`]).
    pub fn is_met_by(&self, v: f64) -> bool {
        let t = self.value;
        let slack = super::EDGE * t.abs().max(v.abs()).max(1.0);
        match self.comparator {
            Comparator::AtLeast => v >= t - slack,
            // 超过 is strict: 5000 does not meet 超过5000.
            Comparator::MoreThan => v > t + slack,
            Comparator::AtMost => v <= t + slack,
            Comparator::LessThan => v < t - slack,
            // A band is read as its near edge (see `band`); an exact ≈ is met only by the value.
            Comparator::About => super::same_value(v, t),
        }
    }

    /// The value progress is measured towards.
    pub fn aim(&self) -> f64 {
        self.value
    }

    /// The band's two edges, low first (`None`: a threshold, not a band).
    pub fn edges(&self) -> Option<Band> {
        self.far_edge.map(|far| Band { low: self.value.min(far), high: self.value.max(far) })
    }

    /// `v` lies beyond the far edge of a band.
    fn overshot_by(&self, v: f64) -> bool {
        self.far_edge.is_some_and(|far| match self.comparator {
            Comparator::AtMost | Comparator::LessThan => v < far && !super::same_value(v, far),
            _ => v > far && !super::same_value(v, far),
        })
    }
}

/// A band (≈ or a range) as the indicator's direction reads it: on a higher-is-better indicator
/// its lower edge is the goal and overshooting it is no failure; mirrored for lower-is-better.
fn band(spec: &TargetSpec, lo: f64, hi: f64) -> Goal {
    if spec.higher_is_better {
        Goal { comparator: Comparator::AtLeast, value: lo, far_edge: Some(hi) }
    } else {
        Goal { comparator: Comparator::AtMost, value: hi, far_edge: Some(lo) }
    }
}

/// The baseline of a level or range target: the catalog's; else a total built up during the
/// plan starts from 0; else the figure for the plan's base year — never simply the first figure
/// uploaded.
fn baseline_of(spec: &TargetSpec, facts: &SeriesFacts) -> Option<Point> {
    spec.baseline.map(|(date, value)| Point { date, value }).or(if spec.cumulative {
        Some(Point { date: spec.base, value: 0.0 })
    } else {
        facts.base_period
    })
}

/// The goal and the baseline a target is judged against, or why it cannot be.
pub(super) fn goal_and_baseline(spec: &TargetSpec, facts: &SeriesFacts) -> Result<(Goal, Option<Point>), Reason> {
    let catalog_baseline = spec.baseline.map(|(date, value)| Point { date, value });
    let threshold = |value: f64, tolerance: Option<f64>| match spec.comparator {
        Some(Comparator::About) => {
            let tolerance = tolerance.unwrap_or(value.abs() * super::ABOUT_TOLERANCE);
            band(spec, value - tolerance, value + tolerance)
        }
        Some(c) => Goal::threshold(c, value),
        None => Goal::threshold(Comparator::AtLeast, value),
    };
    match spec.kind {
        TargetKind::Level => Ok((threshold(spec.value, spec.tolerance), baseline_of(spec, facts))),
        TargetKind::Range => {
            Ok((band(spec, spec.value, spec.value_max.unwrap_or(spec.value)), baseline_of(spec, facts)))
        }
        TargetKind::Milestone => Ok((
            Goal::threshold(Comparator::AtLeast, spec.value),
            Some(catalog_baseline.unwrap_or(Point { date: spec.start, value: 0.0 })),
        )),
        TargetKind::Change => {
            let year = spec.reference_year.ok_or(Reason::NoReferenceYear)?;
            let reference = catalog_baseline
                .filter(|b| b.date.year() == year)
                .or(facts.reference)
                .ok_or(Reason::NoReferenceActual(year))?;
            let r = reference.value;
            // 下降5%左右 is about the fall: ±5 % of the change (a fall of 4.75–5.25 %), not of the
            // value the change leads to (which would take any fall of 0.25 % as met).
            let change = if spec.relative_change { r * spec.value / 100.0 } else { spec.value };
            let tolerance = match spec.tolerance {
                Some(t) if spec.relative_change => (r * t / 100.0).abs(),
                Some(t) => t,
                None => (change * super::ABOUT_TOLERANCE).abs(),
            };
            Ok((threshold(r + change, Some(tolerance)), Some(reference)))
        }
    }
}

/// Stage two: the judgement of the facts. Kept free of the series so the frame can mirror it.
pub(super) fn judge(spec: &TargetSpec, facts: &SeriesFacts, as_of: NaiveDate, method: Method) -> Progress {
    // A milestone is always judged by linear pace.
    let method = if spec.kind == TargetKind::Milestone { Method::Linear } else { method };
    let mut out = Progress { latest: facts.latest, ..Progress::unjudged(method, as_of) };
    // The goal is known without data (a target of 70 % is 70 % before the first figure), and
    // so is where it should be by now.
    let resolved = goal_and_baseline(spec, facts);
    if let Ok((goal, baseline)) = &resolved {
        out.target_value = Some(goal.aim());
        out.band = goal.edges();
        out.baseline = *baseline;
        // A baseline that already meets the goal has no path to follow: the goal is to hold it.
        out.expected = baseline.filter(|b| !goal.is_met_by(b.value)).map(|b| expected_by(spec, b, goal.aim(), as_of));
        out.expected_on = out.expected.map(|_| as_of.min(spec.deadline));
    }
    let Some(latest) = facts.latest else {
        out.status = waiting(spec, as_of, true);
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
            match spec.due {
                // Missed only on the deadline's own figure: without it the outcome is unknown —
                // overdue once that figure is late, still judged by its pace until then.
                Some(due) if latest.date < due.deadline_period_end && latest.date < spec.deadline => {
                    (as_of > due.deadline_due).then_some(Status::Overdue)
                }
                _ => Some(Status::Missed),
            }
        }
    } else if goal.is_met_by(latest.value) {
        Some(Status::Achieved)
    } else {
        None
    };

    let score = pace_and_ratio(spec, &goal, baseline, latest, method, &mut out);
    // Judged by its pace, the target is weighed where it stood on its latest figure's date:
    // where it should have been then, not today (a year's figure lags by a year).
    if let (Some(base), Some(_)) = (baseline, out.elapsed) {
        let on = latest.date.min(spec.deadline);
        out.expected = Some(expected_by(spec, base, goal.aim(), on));
        out.expected_on = Some(on);
    }
    // Only the baseline itself is known: the target's period has no figure yet, whatever the
    // deadline says. (A baseline that already meets the goal was decided above.)
    // Likewise when every figure predates the plan: a 2016 plan is not judged by 2015 alone.
    let nothing_since_baseline =
        baseline.is_some_and(|b| latest.date <= b.date && spec.deadline > b.date) || latest.date < spec.start;
    // A figure older than the plan's own starting point (an indicator shared with an earlier
    // plan: its 2015 figure under a 2021–2025 goal) says nothing about this plan, even when it
    // meets the goal. A milestone completed before is done, though.
    let predates_start =
        spec.kind != TargetKind::Milestone && latest.date < spec.base && baseline.is_none_or(|b| latest.date < b.date);

    out.status = match (decided, score) {
        (Some(Status::Achieved), _) if !predates_start => {
            if goal.overshot_by(latest.value) {
                out.reason = Some(Reason::BeyondBand);
            }
            Status::Achieved
        }
        _ if nothing_since_baseline => {
            out.reason = Some(Reason::NothingSinceBaseline);
            waiting(spec, as_of, false)
        }
        (Some(status), _) => status,
        (None, Ok(score)) => Status::from_score(score),
        // A goal of "no less than before" (不减少, growth above 0) not met: the value fell.
        (None, Err(Reason::TargetEqualsBaseline)) => Status::Regressing,
        (None, Err(Reason::BaselineMetGoal)) => {
            out.reason = Some(Reason::BaselineMetGoal);
            Status::Regressing
        }
        (None, Err(reason)) => {
            out.reason = Some(reason);
            Status::NotAssessable
        }
    };
    out
}

/// No figure to judge by: overdue once the first figure the target calls for is past its due
/// date, else awaited. With no figure at all that is the figure it is measured from, if it needs
/// one; with the baseline in, the first figure after it.
fn waiting(spec: &TargetSpec, as_of: NaiveDate, nothing_at_all: bool) -> Status {
    let first_due = |due: crate::domain::DueDates| match due.starting_due {
        Some(starting) if nothing_at_all => starting.min(due.first_due),
        _ => due.first_due,
    };
    if spec.due.is_some_and(|due| as_of > first_due(due)) { Status::Overdue } else { Status::Awaiting }
}

/// The value on the straight path from the baseline to the goal at `as_of` (时间过半、任务过半).
fn expected_by(spec: &TargetSpec, baseline: Point, aim: f64, as_of: NaiveDate) -> f64 {
    let (t0, t_deadline) = (decimal_year(baseline.date), decimal_year(spec.deadline));
    let share = if t_deadline > t0 { ((decimal_year(as_of) - t0) / (t_deadline - t0)).clamp(0.0, 1.0) } else { 1.0 };
    baseline.value + (aim - baseline.value) * share
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
        return Err(Reason::NoBaseline);
    };
    let (t0, t, t_deadline) = (decimal_year(base.date), decimal_year(latest.date), decimal_year(spec.deadline));
    if t_deadline <= t0 {
        return Err(Reason::DeadlineNotAfterBaseline);
    }
    if t <= t0 {
        return Err(Reason::NoActualAfterBaseline);
    }
    let (b, v) = (base.value, latest.value);
    let aim = goal.aim();
    if super::same_value(aim, b) {
        return Err(Reason::TargetEqualsBaseline);
    }
    // Met at the start and not now (achievement is decided before this): the distance to the
    // goal runs the other way, and a fall would read as progress.
    if goal.is_met_by(b) {
        return Err(Reason::BaselineMetGoal);
    }
    let progress = (v - b) / (aim - b);
    // Time used never exceeds the plan's time: a figure after the deadline is judged as
    // achieved or missed, not by pace.
    let elapsed = ((t - t0) / (t_deadline - t0)).min(1.0);
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
    let reaches_target_on = match progress.target_value {
        None => None,
        Some(_) if slope == 0.0 => None,
        Some(aim) => {
            let x = mean_x + (aim - mean_y) / slope;
            // A crossing before the latest figure is no forecast (that figure falls short). One
            // after it but already past is what the trend says of a figure still to come.
            if x >= decimal_year(latest.date) { date_from_decimal_year(x) } else { None }
        }
    };
    let mut value_at_deadline = at(decimal_year(spec.deadline));
    if spec.kind == TargetKind::Milestone {
        // A milestone is complete at 100 %: no trend takes it further.
        value_at_deadline = value_at_deadline.clamp(0.0, 100.0);
    }
    Some(Projection {
        fit: if points.len() >= 3 { "least_squares" } else { "two_points" },
        points: points.len(),
        value_at_deadline,
        reaches_target_on,
        slope_per_year: slope,
    })
}

/// Assesses one target from its series (already as of the date: see [`observations_as_of`]).
pub fn assess(spec: &TargetSpec, series: &[Observation], as_of: NaiveDate, method: Method) -> Progress {
    let facts = series_facts(spec, series);
    let mut progress = judge(spec, &facts, as_of, method);
    // Only a target still open has a trend worth projecting; an achieved or missed one states
    // what happened instead.
    if !matches!(progress.status, Status::Achieved | Status::Missed) {
        progress.projection = project(spec, series, &progress);
    }
    progress
}
