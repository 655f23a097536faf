//! Every target at once, in one polars frame: for lists, status counts and reports.
//!
//! The series of all targets go into one long frame whose reductions (first, latest, latest by
//! the deadline, the reference year's value) are polars group-bys; the judgement (achievement,
//! progress, elapsed, pace, CAGR ratio, bands) is column arithmetic over one row per target. A
//! property test holds it to exactly what [`super::assess`] says of each target alone.

use polars::prelude::*;

use super::engine::{Goal, SeriesFacts, goal_and_baseline};
use super::time::decimal_year;
use super::{Method, Observation, Point, Status, TargetSpec};
use crate::domain::{Comparator, TargetKind};

/// One row per target, in input order.
#[derive(Debug, Clone)]
pub struct StatusFrame {
    pub frame: DataFrame,
}

const STATUS_CODES: [Status; 8] = super::ALL_STATUSES;

fn status_code(status: Status) -> u32 {
    STATUS_CODES.iter().position(|s| *s == status).unwrap_or(0) as u32
}

impl StatusFrame {
    /// Statuses in target order.
    pub fn statuses(&self) -> PolarsResult<Vec<Status>> {
        Ok(self.frame.column("status")?.u32()?.into_no_null_iter().map(|c| STATUS_CODES[c as usize]).collect())
    }

    pub fn column_f64(&self, name: &str) -> PolarsResult<Vec<Option<f64>>> {
        Ok(self.frame.column(name)?.f64()?.iter().collect())
    }

    /// A point from a pair of columns (decimal year, value).
    pub fn points(&self, t: &str, value: &str) -> PolarsResult<Vec<Option<Point>>> {
        let (ts, vs) = (self.column_f64(t)?, self.column_f64(value)?);
        Ok(ts
            .into_iter()
            .zip(vs)
            .map(|(t, value)| Some(Point { date: super::time::date_from_decimal_year(t?)?, value: value? }))
            .collect())
    }

    pub fn achieved_late(&self) -> PolarsResult<Vec<bool>> {
        Ok(self.frame.column("achieved_late")?.bool()?.iter().map(|b| b.unwrap_or(false)).collect())
    }

    /// How many targets have each status.
    pub fn counts(&self) -> PolarsResult<Vec<(Status, usize)>> {
        let statuses = self.statuses()?;
        Ok(STATUS_CODES.iter().map(|s| (*s, statuses.iter().filter(|x| *x == s).count())).collect())
    }
}

/// The long frame of every target's observations: target index, decimal year, year, value.
fn observations_frame(series: &[&[Observation]]) -> PolarsResult<DataFrame> {
    let rows: usize = series.iter().map(|s| s.len()).sum();
    let (mut idx, mut t, mut year, mut value) =
        (Vec::with_capacity(rows), Vec::with_capacity(rows), Vec::with_capacity(rows), Vec::with_capacity(rows));
    for (i, observations) in series.iter().enumerate() {
        for o in *observations {
            idx.push(i as u32);
            t.push(decimal_year(o.date));
            year.push(chrono::Datelike::year(&o.date));
            value.push(o.value);
        }
    }
    DataFrame::new_infer_height(vec![
        Column::new("idx".into(), idx),
        Column::new("t".into(), t),
        Column::new("year".into(), year),
        Column::new("value".into(), value),
    ])
}

/// Per target: (t, value) of the first and last observation, by the deadline, and in the
/// reference year — each a selection over the long frame, aligned to the target order.
struct Reduced {
    first: TimesAndValues,
    latest: TimesAndValues,
    by_deadline: TimesAndValues,
    reference: TimesAndValues,
}

/// One (decimal year, value) per target, `None` where a target has no such observation.
type TimesAndValues = (Vec<Option<f64>>, Vec<Option<f64>>);

/// The first or last row of each target in a frame sorted by target then time: the rows where
/// the target index differs from the row before (first) or after (last). Spread over `n` targets.
fn per_target(frame: &DataFrame, n: usize, last: bool) -> PolarsResult<TimesAndValues> {
    let idx = frame.column("idx")?.u32()?;
    let neighbour = idx.shift(if last { -1 } else { 1 });
    let edge = or_false(idx.not_equal_missing(&neighbour));
    let rows = frame.filter(&edge)?;
    let (mut t, mut v) = (vec![None; n], vec![None; n]);
    let (idx, ts, vs) = (rows.column("idx")?.u32()?, rows.column("t")?.f64()?, rows.column("value")?.f64()?);
    for ((i, ti), vi) in idx.iter().zip(ts.iter()).zip(vs.iter()) {
        if let Some(i) = i {
            t[i as usize] = ti;
            v[i as usize] = vi;
        }
    }
    Ok((t, v))
}

fn reduce(obs: &DataFrame, specs: &[TargetSpec]) -> PolarsResult<Reduced> {
    let n = specs.len();
    let idx = obs.column("idx")?.u32()?;
    // Each observation's target deadline and reference year, gathered by target index.
    let deadlines = Float64Chunked::from_vec("d".into(), specs.iter().map(|s| decimal_year(s.deadline)).collect());
    let reference_years: Int32Chunked = specs.iter().map(|s| s.reference_year).collect();
    let row_deadline = deadlines.take(idx)?;
    let row_reference_year = reference_years.take(idx)?;
    let t = obs.column("t")?.f64()?;
    let year = obs.column("year")?.i32()?;
    let by_deadline = obs.filter(&t.lt_eq(&row_deadline))?;
    let in_reference_year = obs.filter(&year.equal(&row_reference_year).fill_null_with_values(false)?)?;
    Ok(Reduced {
        first: per_target(obs, n, false)?,
        latest: per_target(obs, n, true)?,
        by_deadline: per_target(&by_deadline, n, true)?,
        reference: per_target(&in_reference_year, n, true)?,
    })
}

/// Goal and baseline per target, from the reduced facts (the catalog's rules, shared with the
/// per-target engine), as columns.
struct Goals {
    resolved: BooleanChunked,
    comparator: UInt32Chunked,
    lo: Float64Chunked,
    hi: Float64Chunked,
    headline: Float64Chunked,
    baseline_t: Float64Chunked,
    baseline_v: Float64Chunked,
}

const BAND: u32 = 4;

fn comparator_code(c: Comparator) -> u32 {
    match c {
        Comparator::AtLeast => 0,
        Comparator::MoreThan => 1,
        Comparator::AtMost => 2,
        Comparator::LessThan => 3,
        Comparator::About => BAND,
    }
}

fn goals(specs: &[TargetSpec], reduced: &Reduced) -> Goals {
    let point = |t: Option<f64>, v: Option<f64>| match (t, v) {
        (Some(t), Some(value)) => super::time::date_from_decimal_year(t).map(|date| Point { date, value }),
        _ => None,
    };
    struct Row {
        resolved: bool,
        comparator: u32,
        lo: Option<f64>,
        hi: Option<f64>,
        headline: Option<f64>,
        baseline_t: Option<f64>,
        baseline_v: Option<f64>,
    }
    let mut out: Vec<Row> = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let facts = SeriesFacts {
            first: point(reduced.first.0[i], reduced.first.1[i]),
            latest: point(reduced.latest.0[i], reduced.latest.1[i]),
            latest_by_deadline: point(reduced.by_deadline.0[i], reduced.by_deadline.1[i]),
            reference: point(reduced.reference.0[i], reduced.reference.1[i]),
        };
        out.push(match goal_and_baseline(spec, &facts) {
            Err(_) => Row {
                resolved: false,
                comparator: 0,
                lo: None,
                hi: None,
                headline: None,
                baseline_t: None,
                baseline_v: None,
            },
            Ok((goal, baseline)) => {
                let (code, lo, hi) = match goal {
                    Goal::Threshold(c, t) => (comparator_code(c), t, t),
                    Goal::Band(lo, hi) => (BAND, lo, hi),
                };
                let (bt, bv) = baseline.map_or((None, None), |b| (Some(decimal_year(b.date)), Some(b.value)));
                Row {
                    resolved: true,
                    comparator: code,
                    lo: Some(lo),
                    hi: Some(hi),
                    headline: Some(goal.headline()),
                    baseline_t: bt,
                    baseline_v: bv,
                }
            }
        });
    }
    Goals {
        resolved: out.iter().map(|r| r.resolved).collect(),
        comparator: out.iter().map(|r| Some(r.comparator)).collect(),
        lo: out.iter().map(|r| r.lo).collect(),
        hi: out.iter().map(|r| r.hi).collect(),
        headline: out.iter().map(|r| r.headline).collect(),
        baseline_t: out.iter().map(|r| r.baseline_t).collect(),
        baseline_v: out.iter().map(|r| r.baseline_v).collect(),
    }
}

fn or_false(mask: BooleanChunked) -> BooleanChunked {
    mask.fill_null_with_values(false).expect("a boolean column fills")
}

/// Whether `x` meets each target's goal, column-wise.
fn meets(x: &Float64Chunked, g: &Goals) -> BooleanChunked {
    let is = |code: u32| g.comparator.equal(code);
    let at_least = &is(0) & &x.gt_eq(&g.lo);
    let more_than = &is(1) & &x.gt(&g.lo);
    let at_most = &is(2) & &x.lt_eq(&g.lo);
    let less_than = &is(3) & &x.lt(&g.lo);
    let band = &(&is(BAND) & &x.gt_eq(&g.lo)) & &x.lt_eq(&g.hi);
    or_false(&(&(&(&at_least | &more_than) | &at_most) | &less_than) | &band)
}

/// Elementwise over two columns, null where either is.
fn zip_map(a: &Float64Chunked, b: &Float64Chunked, f: impl Fn(f64, f64) -> f64) -> Float64Chunked {
    a.iter().zip(b.iter()).map(|(a, b)| Some(f(a?, b?))).collect()
}

/// Assesses every target; `series[i]` is target i's observations as of the date, sorted.
pub fn assess_all(
    specs: &[TargetSpec],
    series: &[&[Observation]],
    as_of: chrono::NaiveDate,
    method: Method,
) -> PolarsResult<StatusFrame> {
    let obs = observations_frame(series)?;
    let reduced = reduce(&obs, specs)?;
    let g = goals(specs, &reduced);

    let v = Float64Chunked::from_iter_options("v".into(), reduced.latest.1.iter().copied());
    let t = Float64Chunked::from_iter_options("t".into(), reduced.latest.0.iter().copied());
    let by_deadline = Float64Chunked::from_iter_options("dv".into(), reduced.by_deadline.1.iter().copied());
    let deadline = Float64Chunked::from_vec("dl".into(), specs.iter().map(|s| decimal_year(s.deadline)).collect());
    let milestone: BooleanChunked = specs.iter().map(|s| s.kind == TargetKind::Milestone).collect();
    let has_latest = v.is_not_null();

    // Achievement first: on time, late, or missed once the deadline has passed.
    let passed = deadline.lt(decimal_year(as_of));
    let met_now = meets(&v, &g);
    let met_by_deadline = meets(&by_deadline, &g);
    let achieved_on_time = &passed & &met_by_deadline;
    let achieved_late = &(&passed & &!&met_by_deadline) & &met_now;
    let missed = &(&passed & &!&met_by_deadline) & &!&met_now;
    let achieved = &(&achieved_on_time | &achieved_late) | &(&!&passed & &met_now);

    // Progress towards the aim: the threshold, or the band's bound nearer to the actual.
    let to_lo = zip_map(&v, &g.lo, |v, lo| (v - lo).abs());
    let to_hi = zip_map(&v, &g.hi, |v, hi| (v - hi).abs());
    let nearer_lo = or_false(to_lo.lt_eq(&to_hi));
    let band_aim = g.lo.zip_with(&nearer_lo, &g.hi)?;
    let aim = band_aim.zip_with(&g.comparator.equal(BAND), &g.lo)?;
    let (b, t0) = (&g.baseline_v, &g.baseline_t);
    let start = Float64Chunked::from_vec("start".into(), specs.iter().map(|s| decimal_year(s.start)).collect());
    let before_start = t.lt(&start);
    let nothing_since_baseline = or_false(&(&t.lt_eq(t0) & &deadline.gt(t0)) | &before_start);

    let measurable = or_false(&(&(&deadline.gt(t0) & &t.gt(t0)) & &aim.not_equal(b)) & &b.is_not_null());
    let none = Float64Chunked::full_null("none".into(), specs.len());
    let progress = (&(&v - b) / &(&aim - b)).zip_with(&measurable, &none)?;
    let elapsed = (&(&t - t0) / &(&deadline - t0)).zip_with(&measurable, &none)?;
    let pace = &progress / &elapsed;

    // CAGR ratio: never across or from zero; milestones keep linear pace.
    let use_cagr = method == Method::Cagr;
    let positive = or_false(&(&b.gt(0.0) & &v.gt(0.0)) & &aim.gt(0.0));
    let observed = zip_map(&zip_map(&v, b, |v, b| v / b), &zip_map(&t, t0, |t, t0| 1.0 / (t - t0)), f64::powf) - 1.0;
    let required =
        zip_map(&zip_map(&aim, b, |a, b| a / b), &zip_map(&deadline, t0, |d, t0| 1.0 / (d - t0)), f64::powf) - 1.0;
    let cagr_ok = or_false(&(&(&measurable & &positive) & &!&milestone) & &required.not_equal(0.0));
    let ratio = (&observed / &required).zip_with(&cagr_ok, &none)?;
    let ratio = if use_cagr { ratio } else { none.clone() };
    let score = if use_cagr { ratio.zip_with(&!&milestone, &pace)? } else { pace.clone() };

    // Status, in the engine's order of precedence.
    let band = |s: Option<f64>| s.map(Status::from_score);
    let mut status = Vec::with_capacity(specs.len());
    for i in 0..specs.len() {
        let s = if !has_latest.get(i).unwrap_or(false) {
            Status::NoData
        } else if !g.resolved.get(i).unwrap_or(false) {
            Status::NotAssessable
        } else if achieved.get(i).unwrap_or(false) {
            Status::Achieved
        } else if nothing_since_baseline.get(i).unwrap_or(false) {
            Status::NoData
        } else if missed.get(i).unwrap_or(false) {
            Status::Missed
        } else {
            band(score.get(i)).unwrap_or(Status::NotAssessable)
        };
        status.push(status_code(s));
    }
    let frame = DataFrame::new_infer_height(vec![
        Column::new("status".into(), status),
        Column::new("achieved_late".into(), achieved_late.fill_null_with_values(false)?.into_series()),
        Column::new("target_value".into(), g.headline.into_series()),
        Column::new("progress".into(), progress.into_series()),
        Column::new("elapsed".into(), elapsed.into_series()),
        Column::new("pace".into(), pace.into_series()),
        Column::new("cagr_ratio".into(), ratio.into_series()),
        Column::new("latest_t".into(), reduced.latest.0),
        Column::new("latest_value".into(), reduced.latest.1),
        Column::new("baseline_t".into(), g.baseline_t.into_series()),
        Column::new("baseline_value".into(), g.baseline_v.into_series()),
    ])?;
    Ok(StatusFrame { frame })
}
