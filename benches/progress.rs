//! Status for 10 000 targets × 120 monthly periods each, all at once in the polars frame.
//! Run: cargo bench --bench progress

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use plantrack::domain::{Comparator, Period, TargetKind};
use plantrack::progress::frame::assess_all;
use plantrack::progress::{Method, Observation, TargetSpec};

const TARGETS: usize = 10_000;
const PERIODS: usize = 120;

/// A deterministic mix of kinds, comparators and trends (a small LCG, no randomness crate).
fn workload() -> (Vec<TargetSpec>, Vec<Vec<Observation>>) {
    let mut seed: u64 = 0x5eed;
    let mut next = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as f64 / (1u64 << 31) as f64
    };
    let kinds = [TargetKind::Level, TargetKind::Change, TargetKind::Range, TargetKind::Milestone];
    let comparators = [Comparator::AtLeast, Comparator::MoreThan, Comparator::AtMost, Comparator::About];
    let mut specs = Vec::with_capacity(TARGETS);
    let mut series = Vec::with_capacity(TARGETS);
    for i in 0..TARGETS {
        let kind = kinds[i % kinds.len()];
        let start = 50.0 + 50.0 * next();
        let slope = (next() - 0.3) * 0.5;
        specs.push(TargetSpec {
            kind,
            comparator: Some(comparators[i % comparators.len()]),
            value: if kind == TargetKind::Milestone { 100.0 } else { start * (1.0 + next()) },
            value_max: Some(start * 2.5),
            tolerance: Some(1.0),
            relative_change: true,
            reference_year: Some(2016),
            deadline: NaiveDate::from_ymd_opt(2030, 12, 31).unwrap(),
            baseline: Some((NaiveDate::from_ymd_opt(2015, 12, 31).unwrap(), start)),
            start: NaiveDate::from_ymd_opt(2016, 1, 1).unwrap(),
            base: NaiveDate::from_ymd_opt(2015, 12, 31).unwrap(),
            cumulative: false,
            higher_is_better: true,
            due: None,
        });
        series.push(
            (0..PERIODS)
                .map(|m| Observation {
                    date: Period::Month(2016 + (m / 12) as i32, (m % 12) as u32 + 1).end(),
                    value: (start + slope * m as f64 + next()).max(0.1),
                })
                .collect(),
        );
    }
    (specs, series)
}

fn bench(c: &mut Criterion) {
    let (specs, series) = workload();
    let slices: Vec<&[Observation]> = series.iter().map(Vec::as_slice).collect();
    let as_of = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let mut group = c.benchmark_group("progress");
    group.sample_size(20);
    group.bench_function("assess_all 10k targets x 120 periods (linear)", |b| {
        b.iter(|| assess_all(&specs, &slices, as_of, Method::Linear).unwrap())
    });
    group.bench_function("assess_all 10k targets x 120 periods (cagr)", |b| {
        b.iter(|| assess_all(&specs, &slices, as_of, Method::Cagr).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
