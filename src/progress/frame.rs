//! Every target at once: for lists, status counts and reports.
//!
//! The series of all targets go into one long polars frame whose reductions (first, latest,
//! latest by the deadline, the reference and base years' values) are selections over the sorted rows; each
//! target's facts are then judged by the one rule the per-target engine uses ([`judge`]), so the
//! two can never disagree. A property test holds them to that.

use polars::prelude::*;

use super::engine::{SeriesFacts, judge};
use super::time::{date_from_decimal_year, decimal_year};
use super::{Method, Observation, Point, Progress, TargetSpec};

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
    base_period: TimesAndValues,
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
    // The end of the period holding the deadline: its figure is the deadline's own (TargetSpec::counts_by_deadline).
    let deadline_periods =
        Float64Chunked::from_vec("p".into(), specs.iter().map(|s| decimal_year(s.deadline_period_end())).collect());
    let reference_years: Int32Chunked = specs.iter().map(|s| s.reference_year).collect();
    let base_years: Int32Chunked = specs.iter().map(|s| Some(chrono::Datelike::year(&s.base))).collect();
    let row_deadline = deadlines.take(idx)?;
    let row_deadline_period = deadline_periods.take(idx)?;
    let row_reference_year = reference_years.take(idx)?;
    let row_base_year = base_years.take(idx)?;
    let t = obs.column("t")?.f64()?;
    let year = obs.column("year")?.i32()?;
    let by_deadline = obs.filter(&(t.lt_eq(&row_deadline) | t.equal(&row_deadline_period)))?;
    let in_reference_year = obs.filter(&year.equal(&row_reference_year).fill_null_with_values(false)?)?;
    let in_base_year = obs.filter(&year.equal(&row_base_year).fill_null_with_values(false)?)?;
    Ok(Reduced {
        first: per_target(obs, n, false)?,
        latest: per_target(obs, n, true)?,
        by_deadline: per_target(&by_deadline, n, true)?,
        reference: per_target(&in_reference_year, n, true)?,
        base_period: per_target(&in_base_year, n, true)?,
    })
}

fn or_false(mask: BooleanChunked) -> BooleanChunked {
    mask.fill_null_with_values(false).expect("a boolean column fills")
}

/// Assesses every target; `series[i]` is target i's observations as of the date, sorted. The
/// verdicts come without projections (lists do not show them; [`super::assess`] gives them).
pub fn assess_all(
    specs: &[TargetSpec],
    series: &[&[Observation]],
    as_of: chrono::NaiveDate,
    method: Method,
) -> PolarsResult<Vec<Progress>> {
    let obs = observations_frame(series)?;
    let reduced = reduce(&obs, specs)?;
    let point = |(ts, vs): &TimesAndValues, i: usize| match (ts[i], vs[i]) {
        (Some(t), Some(value)) => date_from_decimal_year(t).map(|date| Point { date, value }),
        _ => None,
    };
    Ok(specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let facts = SeriesFacts {
                first: point(&reduced.first, i),
                latest: point(&reduced.latest, i),
                latest_by_deadline: point(&reduced.by_deadline, i),
                reference: point(&reduced.reference, i),
                base_period: point(&reduced.base_period, i),
            };
            judge(spec, &facts, as_of, method)
        })
        .collect())
}
