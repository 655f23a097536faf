//! One target chart as SVG and as an 800×480 PNG (the reference fibre target), and a plan
//! overview of 50 rows. Every chart of the seed catalog is timed by `bench/charts.sh`.
//! Run: cargo bench --bench charts

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use plantrack::charts::{ChartGoal, Lang, OverviewRow, PlanOverview, TargetChart};
use plantrack::progress::{Method, Observation, Point, TargetSpec, assess};

fn fibre() -> TargetChart {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    let spec = TargetSpec {
        kind: plantrack::domain::TargetKind::Level,
        comparator: Some(plantrack::domain::Comparator::AtLeast),
        value: 70.0,
        value_max: None,
        tolerance: None,
        relative_change: false,
        reference_year: None,
        deadline: d(2020, 12, 31),
        baseline: Some((d(2015, 12, 31), 54.0)),
        start: d(2016, 9, 19),
        base: d(2015, 12, 31),
        cumulative: false,
        higher_is_better: true,
        due: None,
    };
    let series: Vec<Observation> =
        [(2016, 56.0), (2017, 60.0), (2018, 63.0)].map(|(y, value)| Observation { date: d(y, 12, 31), value }).to_vec();
    let progress = assess(&spec, &series, d(2019, 6, 30), Method::Linear);
    TargetChart::new(
        "实际光纤入户率 ≥ 70%（2020）".to_owned(),
        "%".to_owned(),
        Lang::Zh,
        ChartGoal::Line(70.0),
        spec.deadline,
        &progress,
        series.iter().map(|o| Point { date: o.date, value: o.value }).collect(),
    )
}

fn bench(c: &mut Criterion) {
    let chart = fibre();
    // The first draw registers the font; time the steady state.
    chart.png(800, 480).unwrap();
    let mut group = c.benchmark_group("charts");
    group.bench_function("target chart svg 800x480", |b| b.iter(|| chart.svg(800, 480).unwrap()));
    group.bench_function("target chart png 800x480", |b| b.iter(|| chart.png(800, 480).unwrap()));
    let rows: Vec<OverviewRow> = (0..50)
        .map(|i| OverviewRow {
            name: format!("目标 {i} 实际光纤入户率达到百分之七十"),
            status: plantrack::progress::ALL_STATUSES[i % 8],
            progress: Some(i as f64 / 40.0),
            expected: Some(0.6),
        })
        .collect();
    let overview = PlanOverview::new("上海市推进智慧城市建设“十三五”规划".to_owned(), Lang::Zh, rows);
    let height = overview.natural_height();
    group.bench_function("plan overview svg, 50 targets", |b| b.iter(|| overview.svg(800, height).unwrap()));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
