//! Test vectors from the methodology (DESIGN.md, the Open SDG method, OKR tools) as tables.

use chrono::{Datelike, NaiveDate};

use super::*;
use crate::domain::{Comparator, TargetKind};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn year_end(y: i32) -> NaiveDate {
    ymd(y, 12, 31)
}

fn level(comparator: Comparator, value: f64, baseline: Option<(i32, f64)>, deadline: i32) -> TargetSpec {
    TargetSpec {
        kind: TargetKind::Level,
        comparator: Some(comparator),
        value,
        value_max: None,
        tolerance: None,
        relative_change: false,
        reference_year: None,
        deadline: year_end(deadline),
        baseline: baseline.map(|(y, v)| (year_end(y), v)),
        start: ymd(2016, 1, 1),
        base: year_end(2015),
        cumulative: false,
        higher_is_better: true,
        due: None,
    }
}

fn series(points: &[(i32, f64)]) -> Vec<Observation> {
    points.iter().map(|&(y, value)| Observation { date: year_end(y), value }).collect()
}

#[track_caller]
fn close(actual: Option<f64>, expected: f64, what: &str) {
    let actual = actual.unwrap_or_else(|| panic!("{what}: missing"));
    assert!((actual - expected).abs() < 1e-4, "{what}: {actual} ≠ {expected}");
}

#[test]
fn the_reference_cases() {
    let fibre = level(Comparator::AtLeast, 70.0, Some((2015, 54.0)), 2020);
    let energy = TargetSpec {
        kind: TargetKind::Change,
        comparator: Some(Comparator::AtMost),
        value: -14.0,
        relative_change: true,
        reference_year: Some(2020),
        baseline: None,
        deadline: year_end(2025),
        ..fibre.clone()
    };
    struct Case<'a> {
        name: &'a str,
        spec: &'a TargetSpec,
        series: Vec<Observation>,
        as_of: NaiveDate,
        method: Method,
        progress: f64,
        elapsed: f64,
        pace: f64,
        cagr_ratio: Option<f64>,
        status: Status,
    }
    let fibre_2017 = || series(&[(2017, 60.0)]);
    let energy_2023 = || series(&[(2020, 100.0), (2023, 93.0)]);
    #[rustfmt::skip]
    let cases = [
        Case { name: "fibre linear", spec: &fibre, series: fibre_2017(), as_of: ymd(2018, 6, 30), method: Method::Linear,
               progress: 0.375, elapsed: 0.4, pace: 0.9375, cagr_ratio: None, status: Status::AtRisk },
        Case { name: "fibre cagr", spec: &fibre, series: fibre_2017(), as_of: ymd(2018, 6, 30), method: Method::Cagr,
               progress: 0.375, elapsed: 0.4, pace: 0.9375, cagr_ratio: Some(1.0154), status: Status::OnTrack },
        Case { name: "energy cagr", spec: &energy, series: energy_2023(), as_of: ymd(2024, 6, 30), method: Method::Cagr,
               progress: 0.5, elapsed: 0.6, pace: 0.8333, cagr_ratio: Some(0.8044), status: Status::AtRisk },
        Case { name: "energy linear", spec: &energy, series: energy_2023(), as_of: ymd(2024, 6, 30), method: Method::Linear,
               progress: 0.5, elapsed: 0.6, pace: 0.8333, cagr_ratio: None, status: Status::AtRisk },
    ];
    for case in cases {
        let got = assess(case.spec, &case.series, case.as_of, case.method);
        close(got.progress, case.progress, case.name);
        close(got.elapsed, case.elapsed, case.name);
        close(got.pace, case.pace, case.name);
        match case.cagr_ratio {
            Some(r) => close(got.cagr_ratio, r, case.name),
            None => assert_eq!(got.cagr_ratio, None, "{}", case.name),
        }
        assert_eq!(got.status, case.status, "{}: {got:?}", case.name);
    }
    let got = assess(&energy, &series(&[(2020, 100.0), (2023, 93.0)]), ymd(2024, 6, 30), Method::Linear);
    close(got.target_value, 86.0, "比2020年下降14% is 86 % of the 2020 value");
}

#[test]
fn okr_decrease_progress_is_the_share_of_the_distance() {
    // Decrease 100 → 60: actual 80 → 0.5, 70 → 0.75, 50 → 1.25 (achieved).
    let spec = level(Comparator::AtMost, 60.0, Some((2020, 100.0)), 2030);
    for (actual, progress, status) in [(80.0, 0.5, None), (70.0, 0.75, None), (50.0, 1.25, Some(Status::Achieved))] {
        let got = assess(&spec, &series(&[(2025, actual)]), ymd(2026, 1, 1), Method::Linear);
        close(got.progress, progress, &format!("actual {actual}"));
        if let Some(status) = status {
            assert_eq!(got.status, status);
        }
    }
}

#[test]
fn comparators_keep_the_documents_meaning() {
    let as_of = ymd(2020, 6, 30);
    let with =
        |comparator, value, tolerance| TargetSpec { tolerance, ..level(comparator, value, Some((2015, 800.0)), 2020) };
    // (comparator, target, tolerance, actual, achieved)
    let cases = [
        (Comparator::MoreThan, 5000.0, None, 5000.0, false), // 超过5000: 5000 does not meet it
        (Comparator::MoreThan, 5000.0, None, 5001.0, true),
        (Comparator::AtLeast, 5000.0, None, 5000.0, true),
        (Comparator::AtMost, 28.0, None, 28.0, true),
        (Comparator::LessThan, 28.0, None, 28.0, false),
        // ≈ on a higher-is-better indicator: the lower edge reaches it, overshooting is no failure.
        (Comparator::About, 30.0, Some(1.5), 28.5, true),
        (Comparator::About, 30.0, Some(1.5), 28.4, false),
        (Comparator::About, 30.0, Some(1.5), 31.6, true),
        // 60个左右 with no tolerance written: 5 % of 60.
        (Comparator::About, 60.0, None, 57.0, true),
        (Comparator::About, 60.0, None, 56.9, false),
        (Comparator::About, 60.0, None, 64.0, true),
    ];
    for (comparator, value, tolerance, actual, achieved) in cases {
        let got = assess(&with(comparator, value, tolerance), &series(&[(2019, actual)]), as_of, Method::Linear);
        assert_eq!(got.status == Status::Achieved, achieved, "{comparator} {value} with {actual}: {got:?}");
    }
}

#[test]
fn ranges_are_achieved_inside_and_measured_to_the_nearer_bound() {
    let spec = TargetSpec {
        kind: TargetKind::Range,
        value_max: Some(5.0),
        ..level(Comparator::AtLeast, 3.0, Some((2015, 0.0)), 2020)
    };
    let inside = assess(&spec, &series(&[(2018, 4.0)]), ymd(2019, 1, 1), Method::Linear);
    assert_eq!(inside.status, Status::Achieved);
    let below = assess(&spec, &series(&[(2018, 2.0)]), ymd(2019, 1, 1), Method::Linear);
    close(below.progress, 2.0 / 3.0, "towards 3");
}

#[test]
fn milestones_are_done_staged_or_missed() {
    let spec =
        TargetSpec { kind: TargetKind::Milestone, comparator: None, ..level(Comparator::AtLeast, 100.0, None, 2020) };
    let as_of = ymd(2018, 6, 1);
    let at = |value: f64| vec![Observation { date: ymd(2018, 1, 1), value }];
    assert_eq!(assess(&spec, &at(100.0), as_of, Method::Linear).status, Status::Achieved);
    // Half done at 2018-01-01, 2 of 5 years in: pace 0.5 / 0.4 = 1.25.
    let staged = assess(&spec, &at(50.0), as_of, Method::Linear);
    assert_eq!(staged.status, Status::OnTrack, "{staged:?}");
    assert_eq!(assess(&spec, &at(0.0), as_of, Method::Linear).status, Status::OffTrack);
    assert_eq!(assess(&spec, &[], as_of, Method::Linear).status, Status::Awaiting);
    assert_eq!(assess(&spec, &at(50.0), ymd(2021, 3, 1), Method::Linear).status, Status::Missed);
    let cagr = assess(&spec, &at(50.0), as_of, Method::Cagr);
    assert_eq!(cagr.method, Method::Linear, "milestones are judged by linear pace");
}

#[test]
fn after_the_deadline_a_target_is_achieved_on_time_late_or_missed() {
    let spec = level(Comparator::AtLeast, 70.0, Some((2015, 54.0)), 2020);
    let as_of = ymd(2022, 1, 1);
    let on_time = assess(&spec, &series(&[(2020, 71.0), (2021, 69.0)]), as_of, Method::Linear);
    assert_eq!((on_time.status, on_time.achieved_late), (Status::Achieved, false));
    let late = assess(&spec, &series(&[(2020, 66.0), (2021, 72.0)]), as_of, Method::Linear);
    assert_eq!((late.status, late.achieved_late), (Status::Achieved, true));
    let missed = assess(&spec, &series(&[(2020, 66.0), (2021, 68.0)]), as_of, Method::Linear);
    assert_eq!(missed.status, Status::Missed);
    // Due by mid-2016, reported yearly: the 2016 figure is the deadline's own, not a later one.
    let duty = crate::domain::Duty { frequency: crate::domain::Frequency::Annual, due_days: 90, reporter: None };
    let mid_year = TargetSpec {
        deadline: ymd(2016, 6, 30),
        due: Some(crate::domain::DueDates::of(&duty, year_end(2015), ymd(2016, 6, 30), false)),
        ..spec.clone()
    };
    let yearly = assess(&mid_year, &series(&[(2016, 71.0)]), as_of, Method::Linear);
    assert_eq!((yearly.status, yearly.achieved_late), (Status::Achieved, false), "{yearly:?}");
    let next_year = assess(&mid_year, &series(&[(2016, 60.0), (2017, 71.0)]), as_of, Method::Linear);
    assert_eq!((next_year.status, next_year.achieved_late), (Status::Achieved, true));
}

/// The words a reason is shown with (in English).
fn words(reason: Option<Reason>) -> String {
    crate::present::reason_text(reason.expect("a reason"), crate::present::Lang::En)
}

#[test]
fn what_cannot_be_judged_says_why() {
    let as_of = ymd(2018, 1, 1);
    let no_baseline = level(Comparator::AtLeast, 70.0, None, 2020);
    let one_point = assess(&no_baseline, &series(&[(2017, 60.0)]), as_of, Method::Linear);
    assert_eq!(one_point.status, Status::NotAssessable);
    assert_eq!(one_point.target_value, Some(70.0), "the goal is still shown");
    assert!(words(one_point.reason).contains("no baseline"));
    // No catalog baseline: the base year's figure is the baseline.
    let two = assess(&no_baseline, &series(&[(2015, 54.0), (2017, 60.0)]), as_of, Method::Linear);
    close(two.pace, 0.9375, "baseline from the base year's figure");
    // Never the first upload by accident: 2016 is a figure of the plan, not its baseline.
    let later = assess(&no_baseline, &series(&[(2016, 56.0), (2017, 60.0)]), as_of, Method::Linear);
    assert_eq!((later.status, later.baseline), (Status::NotAssessable, None));
    // Without a baseline it is still judged achieved or missed.
    assert_eq!(assess(&no_baseline, &series(&[(2017, 71.0)]), as_of, Method::Linear).status, Status::Achieved);
    assert_eq!(assess(&no_baseline, &series(&[(2020, 65.0)]), ymd(2021, 6, 1), Method::Linear).status, Status::Missed);

    let across_zero = level(Comparator::AtLeast, 5.0, Some((2015, -2.0)), 2020);
    let got = assess(&across_zero, &series(&[(2017, 1.0)]), as_of, Method::Cagr);
    assert_eq!(got.status, Status::NotAssessable);
    assert!(words(got.reason).contains("positive"));

    let change = TargetSpec {
        kind: TargetKind::Change,
        relative_change: true,
        reference_year: Some(2020),
        value: -14.0,
        ..level(Comparator::AtMost, -14.0, None, 2025)
    };
    let got = assess(&change, &series(&[(2021, 90.0), (2022, 88.0)]), ymd(2023, 1, 1), Method::Linear);
    assert_eq!(got.status, Status::NotAssessable);
    assert!(words(got.reason).contains("reference year 2020"));

    let inverted = level(Comparator::AtLeast, 70.0, Some((2021, 54.0)), 2020);
    let got = assess(&inverted, &series(&[(2017, 60.0)]), as_of, Method::Linear);
    assert_eq!(got.status, Status::NotAssessable);
}

#[test]
fn moving_away_from_the_target_is_regressing() {
    let spec = level(Comparator::AtLeast, 70.0, Some((2015, 54.0)), 2020);
    let got = assess(&spec, &series(&[(2017, 50.0)]), ymd(2018, 1, 1), Method::Linear);
    assert_eq!(got.status, Status::Regressing);
}

#[test]
fn as_of_counts_periods_ended_and_known_at_counts_what_was_recorded() {
    let revisions = [
        Revision { period_end: year_end(2017), value: 60.0, recorded_on: ymd(2018, 2, 1), stated: false },
        Revision { period_end: year_end(2017), value: 62.0, recorded_on: ymd(2018, 9, 1), stated: false },
        Revision { period_end: year_end(2018), value: 65.0, recorded_on: ymd(2019, 2, 1), stated: false },
    ];
    // The view's date counts the periods ended by then, each at its latest revision, whenever
    // it was recorded: history loaded later is seen at every past date.
    let at = |d| observations_as_of(&revisions, d, None);
    assert_eq!(at(ymd(2017, 12, 30)), vec![]);
    assert_eq!(at(ymd(2018, 1, 31)), series(&[(2017, 62.0)]));
    assert_eq!(at(ymd(2019, 3, 1)), series(&[(2017, 62.0), (2018, 65.0)]));
    // "As known then": only the revisions recorded by that day.
    let known = |d, k| observations_as_of(&revisions, d, Some(k));
    assert_eq!(known(ymd(2018, 12, 31), ymd(2018, 1, 31)), vec![]);
    assert_eq!(known(ymd(2018, 12, 31), ymd(2018, 3, 1)), series(&[(2017, 60.0)]));
    assert_eq!(known(ymd(2018, 12, 31), ymd(2018, 12, 31)), series(&[(2017, 62.0)]));
    assert_eq!(known(ymd(2019, 3, 1), ymd(2019, 3, 1)), series(&[(2017, 62.0), (2018, 65.0)]));
    assert_eq!(known(ymd(2018, 6, 30), ymd(2019, 3, 1)), series(&[(2017, 62.0)]));
}

#[test]
fn projections_follow_the_trend() {
    let spec = level(Comparator::AtLeast, 70.0, Some((2015, 54.0)), 2020);
    let two = assess(&spec, &series(&[(2017, 60.0)]), ymd(2018, 1, 1), Method::Linear);
    let p = two.projection.unwrap();
    assert_eq!((p.fit, p.points), ("two_points", 2));
    close(Some(p.value_at_deadline), 69.0, "54 + 3 a year for 5 years");
    let reach = p.reaches_target_on.expect("the trend reaches 70, after the deadline");
    assert!(reach > year_end(2020) && reach.year() == 2021, "{reach}");
    let three = assess(&spec, &series(&[(2016, 57.5), (2017, 60.0)]), ymd(2018, 1, 1), Method::Linear);
    let p = three.projection.unwrap();
    assert_eq!(p.fit, "least_squares");
    close(Some(p.slope_per_year), 3.0, "slope of 54, 57.5, 60");
    close(Some(p.value_at_deadline), 57.0 + 1.0 / 6.0 + 12.0, "fitted line at 2020");
    let falling = assess(&spec, &series(&[(2016, 53.0), (2017, 52.0)]), ymd(2018, 1, 1), Method::Linear);
    assert_eq!(falling.projection.unwrap().reaches_target_on, None, "not at this trend");
    // Past the deadline with no figure since 2018: the trend reached 70 before today, which is said.
    let duty = crate::domain::Duty { frequency: crate::domain::Frequency::Annual, due_days: 90, reporter: None };
    let due = Some(crate::domain::DueDates::of(&duty, year_end(2015), year_end(2020), false));
    let spec = TargetSpec { due, ..spec };
    let overdue = assess(&spec, &series(&[(2016, 57.5), (2018, 63.5)]), ymd(2021, 6, 1), Method::Linear);
    assert_eq!(overdue.status, Status::Overdue, "{overdue:?}");
    let reach = overdue.projection.unwrap().reaches_target_on.expect("the trend passed 70 after 2018");
    assert!(reach > year_end(2018) && reach < ymd(2021, 6, 1), "{reach}");
}

mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::progress::frame::assess_all;

    fn date_strategy(from: i32, to: i32) -> impl Strategy<Value = NaiveDate> {
        (from..=to, 1u32..=12, prop_oneof![Just(0u32), 1u32..=28]).prop_map(|(y, m, d)| {
            // Mostly period ends (the usual case), sometimes a day inside the month.
            if d == 0 { crate::domain::Period::Month(y, m).end() } else { ymd(y, m, d) }
        })
    }

    fn comparator_strategy() -> impl Strategy<Value = Comparator> {
        prop_oneof![
            Just(Comparator::AtLeast),
            Just(Comparator::MoreThan),
            Just(Comparator::AtMost),
            Just(Comparator::LessThan),
            Just(Comparator::About)
        ]
    }

    fn kind_strategy() -> impl Strategy<Value = TargetKind> {
        prop_oneof![
            Just(TargetKind::Level),
            Just(TargetKind::Change),
            Just(TargetKind::Range),
            Just(TargetKind::Milestone)
        ]
    }

    /// Values on a coarse grid, so equalities (actual = target, baseline = target) happen.
    fn value_strategy() -> impl Strategy<Value = f64> {
        prop_oneof![(-20i32..=200).prop_map(|v| v as f64), (-2000i32..=20000).prop_map(|v| v as f64 / 100.0)]
    }

    fn spec_strategy() -> impl Strategy<Value = TargetSpec> {
        (
            kind_strategy(),
            comparator_strategy(),
            value_strategy(),
            0.0f64..50.0,
            prop::option::of(0.0f64..10.0),
            any::<bool>(),
            2012i32..=2024,
            date_strategy(2014, 2030),
            prop::option::of((date_strategy(2010, 2026), value_strategy())),
            (date_strategy(2010, 2020), date_strategy(2009, 2020), any::<bool>(), any::<bool>(), any::<bool>()),
        )
            .prop_map(
                |(
                    kind,
                    comparator,
                    value,
                    width,
                    tolerance,
                    relative,
                    reference_year,
                    deadline,
                    baseline,
                    (start, base, cumulative, higher_is_better, with_duty),
                )| {
                    // A yearly duty: a deadline inside a year is measured by that year's figure.
                    let duty = crate::domain::Duty {
                        frequency: crate::domain::Frequency::Annual,
                        due_days: 90,
                        reporter: None,
                    };
                    let milestone = kind == TargetKind::Milestone;
                    let due = with_duty.then(|| crate::domain::DueDates::of(&duty, base, deadline, milestone));
                    TargetSpec {
                        kind,
                        comparator: (kind != TargetKind::Milestone).then_some(comparator),
                        value: if kind == TargetKind::Milestone { 100.0 } else { value },
                        value_max: (kind == TargetKind::Range).then_some(value + width),
                        tolerance: tolerance.or((comparator == Comparator::About).then_some(1.0)),
                        relative_change: relative,
                        reference_year: (kind == TargetKind::Change).then_some(reference_year),
                        deadline,
                        baseline,
                        start,
                        base,
                        cumulative,
                        higher_is_better,
                        due,
                    }
                },
            )
    }

    fn series_strategy() -> impl Strategy<Value = Vec<Observation>> {
        prop::collection::btree_map(date_strategy(2010, 2032), value_strategy(), 0..8)
            .prop_map(|m| m.into_iter().map(|(date, value)| Observation { date, value }).collect())
    }

    fn method_strategy() -> impl Strategy<Value = Method> {
        prop_oneof![Just(Method::Linear), Just(Method::Cagr)]
    }

    fn same(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(x), Some(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
            (None, None) => true,
            _ => false,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn the_frame_agrees_exactly_with_each_target_alone(
            targets in prop::collection::vec((spec_strategy(), series_strategy()), 1..12),
            as_of in date_strategy(2012, 2034),
            method in method_strategy(),
        ) {
            let specs: Vec<TargetSpec> = targets.iter().map(|(s, _)| s.clone()).collect();
            let series: Vec<&[Observation]> = targets.iter().map(|(_, o)| o.as_slice()).collect();
            let all = assess_all(&specs, &series, as_of, method).unwrap();
            for (i, (spec, observations)) in targets.iter().enumerate() {
                let one = Progress { projection: None, ..assess(spec, observations, as_of, method) };
                prop_assert_eq!(&all[i], &one, "target {}: {:?} {:?}", i, spec, observations);
            }
        }

        #[test]
        fn more_progress_never_gives_a_worse_status(
            baseline in 1.0f64..100.0,
            distance in 1.0f64..100.0,
            a in 0.01f64..250.0,
            b in 0.01f64..250.0,
            method in method_strategy(),
            rising in any::<bool>(),
        ) {
            // Towards a higher target (≥) or a lower one (≤), a value further along never ranks lower.
            let (target, comparator) = if rising { (baseline + distance, Comparator::AtLeast) } else { ((baseline - distance).max(0.5), Comparator::AtMost) };
            prop_assume!(target != baseline);
            let spec = level(comparator, target, Some((2015, baseline)), 2025);
            let status = |v: f64| assess(&spec, &series(&[(2019, v)]), ymd(2020, 1, 1), method).status;
            let (less, more) = if rising == (a < b) { (a, b) } else { (b, a) };
            let (s_less, s_more) = (status(less), status(more));
            prop_assert!(s_more >= s_less, "{:?} for {} but {:?} for {} (target {} from {})", s_more, more, s_less, less, target, baseline);
        }

        #[test]
        fn lower_is_better_mirrors_higher_is_better(
            baseline in -100.0f64..100.0,
            target in -100.0f64..100.0,
            actual in -150.0f64..150.0,
            strict in any::<bool>(),
        ) {
            prop_assume!(target != baseline);
            let (up, down) = if strict { (Comparator::MoreThan, Comparator::LessThan) } else { (Comparator::AtLeast, Comparator::AtMost) };
            let higher = assess(&level(up, target, Some((2015, baseline)), 2025), &series(&[(2019, actual)]), ymd(2020, 1, 1), Method::Linear);
            let lower = assess(&level(down, -target, Some((2015, -baseline)), 2025), &series(&[(2019, -actual)]), ymd(2020, 1, 1), Method::Linear);
            prop_assert_eq!(higher.status, lower.status);
            prop_assert!(same(higher.progress, lower.progress) && same(higher.pace, lower.pace));
        }
    }
}

#[test]
fn a_baseline_alone_is_no_data_even_after_the_deadline() {
    let spec = level(Comparator::AtLeast, 70.0, Some((2015, 54.0)), 2020);
    let got = assess(&spec, &series(&[(2015, 54.0)]), ymd(2026, 1, 1), Method::Linear);
    assert_eq!(got.status, Status::Awaiting, "{got:?}");
    assert!(words(got.reason).contains("since the baseline"));
}

#[test]
fn a_goal_met_at_the_baseline_and_lost_since_is_regressing() {
    // 1 215 brand first stores in the base year against ≥ 800 by 2028, then 850, 760: the fall
    // below the goal is no progress along a path that runs downhill.
    let stores = level(Comparator::AtLeast, 800.0, Some((2023, 1215.0)), 2028);
    let got =
        assess(&stores, &series(&[(2023, 1215.0), (2024, 850.0), (2025, 760.0)]), ymd(2026, 1, 1), Method::Linear);
    assert_eq!(got.status, Status::Regressing, "{got:?}");
    assert!(words(got.reason).contains("already met the goal"), "{got:?}");
    assert_eq!(got.expected, None, "no downhill path to expect");
    let holding = assess(&stores, &series(&[(2023, 1215.0), (2024, 850.0)]), ymd(2025, 1, 1), Method::Linear);
    assert_eq!(holding.status, Status::Achieved, "{holding:?}");
}

#[test]
fn a_figure_from_before_the_plan_does_not_achieve_it() {
    // An indicator shared with a 2016–2020 plan: its 2015 figure already meets the 2021–2025
    // plan's goal, and nothing since has been reported.
    let later_plan =
        TargetSpec { start: ymd(2021, 1, 1), base: year_end(2020), ..level(Comparator::AtLeast, 70.0, None, 2025) };
    let got = assess(&later_plan, &series(&[(2015, 75.0)]), ymd(2023, 6, 30), Method::Linear);
    assert_eq!(got.status, Status::Awaiting, "{got:?}");
    assert!(words(got.reason).contains("since the baseline"));
    let duty = crate::domain::Duty { frequency: crate::domain::Frequency::Annual, due_days: 90, reporter: None };
    let due = crate::domain::DueDates::of(&duty, year_end(2020), year_end(2025), false);
    let overdue = TargetSpec { due: Some(due), ..later_plan.clone() };
    let got = assess(&overdue, &series(&[(2015, 75.0)]), ymd(2026, 6, 30), Method::Linear);
    assert_eq!(got.status, Status::Overdue, "{got:?}");
    // The plan's own base-year figure meeting the goal is achievement from the start.
    let got = assess(&later_plan, &series(&[(2015, 60.0), (2020, 75.0)]), ymd(2023, 6, 30), Method::Linear);
    assert_eq!(got.status, Status::Achieved, "{got:?}");
}

#[test]
fn band_edges_hold_at_the_figures_precision() {
    // Coal share 34 → 32.56 against ≤ 30 over 2015–2020, three years in: pace 0.6 exactly.
    let coal = level(Comparator::AtMost, 30.0, Some((2015, 34.0)), 2020);
    let got = assess(&coal, &series(&[(2018, 32.56)]), ymd(2019, 1, 1), Method::Linear);
    assert_eq!(got.status, Status::AtRisk, "{got:?}");
    for (score, status) in [
        (ON_TRACK, Status::OnTrack),
        (ON_TRACK - 1e-12, Status::OnTrack),
        (ON_TRACK - 1e-6, Status::AtRisk),
        (AT_RISK, Status::AtRisk),
        (0.5999999999999991, Status::AtRisk),
        (AT_RISK - 1e-6, Status::OffTrack),
        (0.0, Status::OffTrack),
        (-1e-12, Status::OffTrack),
        (-1e-6, Status::Regressing),
    ] {
        assert_eq!(Status::from_score(score), status, "score {score}");
    }
}

#[test]
fn a_relative_change_is_met_exactly_at_its_edge() {
    // Energy per unit of GDP 14 % below 2020 by 2025, on several reference values: the actual
    // written to the figures' precision meets it.
    for reference in [0.42, 0.37, 1.0, 0.555, 12.3, 3.7, 100.0] {
        let spec = TargetSpec {
            kind: TargetKind::Change,
            relative_change: true,
            reference_year: Some(2020),
            ..level(Comparator::AtMost, -14.0, Some((2020, reference)), 2025)
        };
        let exact: f64 = format!("{:.6}", reference * 0.86).parse().unwrap();
        let got = assess(&spec, &series(&[(2025, exact)]), ymd(2026, 6, 1), Method::Linear);
        assert_eq!(got.status, Status::Achieved, "reference {reference}, actual {exact}: {got:?}");
        let short = assess(&spec, &series(&[(2025, exact * 1.001)]), ymd(2026, 6, 1), Method::Linear);
        assert_eq!(short.status, Status::Missed, "reference {reference}");
    }
}

#[test]
fn about_a_change_is_a_band_around_the_change_not_around_the_value() {
    // 煤炭消费量下降5%左右 against 2020's 4300: a fall of 4.75–5.25 %, so 4074.25–4095.75.
    let coal = TargetSpec {
        kind: TargetKind::Change,
        relative_change: true,
        reference_year: Some(2020),
        higher_is_better: false,
        ..level(Comparator::About, -5.0, Some((2020, 4300.0)), 2025)
    };
    let at = |v: f64| assess(&coal, &series(&[(2025, v)]), ymd(2026, 6, 1), Method::Linear);
    let band = at(4090.0).band.expect("a band");
    close(Some(band.low), 4074.25, "low edge");
    close(Some(band.high), 4095.75, "high edge");
    assert_eq!(at(4090.0).status, Status::Achieved);
    assert_eq!(at(4280.0).status, Status::Missed, "a fall of 0.5 % is not about 5 %");
    close(at(4200.0).progress, 100.0 / 204.25, "progress towards the near edge");
    // 提高2个百分点左右 on 60 %: 61.9–62.1.
    let points = TargetSpec { relative_change: false, higher_is_better: true, value: 2.0, ..coal.clone() };
    let points = TargetSpec { baseline: Some((year_end(2020), 60.0)), ..points };
    let band = assess(&points, &series(&[(2025, 62.0)]), ymd(2026, 6, 1), Method::Linear).band.expect("a band");
    close(Some(band.low), 61.9, "low edge");
    close(Some(band.high), 62.1, "high edge");
}

#[test]
fn bands_are_read_by_the_indicators_direction() {
    let about = |higher_is_better| TargetSpec {
        tolerance: Some(1.5),
        higher_is_better,
        ..level(Comparator::About, 30.0, Some((2015, 20.0)), 2020)
    };
    let at = |spec: &TargetSpec, v: f64| assess(spec, &series(&[(2018, v)]), ymd(2019, 1, 1), Method::Linear);
    // Higher is better: the lower edge reaches it; beyond the upper edge is achieved, and said.
    assert_eq!(at(&about(true), 28.5).status, Status::Achieved);
    let beyond = at(&about(true), 40.0);
    assert_eq!((beyond.status, beyond.reason), (Status::Achieved, Some(Reason::BeyondBand)));
    assert_eq!(at(&about(true), 30.0).reason, None);
    // Lower is better, from above: the upper edge reaches it, below the lower edge is no failure.
    let down = TargetSpec { baseline: Some((year_end(2015), 40.0)), ..about(false) };
    assert_eq!(at(&down, 31.5).status, Status::Achieved);
    assert_ne!(at(&down, 31.6).status, Status::Achieved);
    assert_eq!(at(&down, 20.0).reason, Some(Reason::BeyondBand));
    // A range on a higher-is-better indicator: 64 against 55–60 is achieved, not on track at 120 %.
    let range = TargetSpec {
        kind: TargetKind::Range,
        value_max: Some(60.0),
        ..level(Comparator::AtLeast, 55.0, Some((2015, 40.0)), 2020)
    };
    let over = at(&range, 64.0);
    assert_eq!((over.status, over.reason), (Status::Achieved, Some(Reason::BeyondBand)));
    // Progress is measured towards the near edge.
    close(at(&range, 47.5).progress, 0.5, "half way to 55");
    // After the deadline, overshooting never makes it missed.
    let late = assess(&range, &series(&[(2020, 64.0)]), ymd(2021, 6, 1), Method::Linear);
    assert_eq!(late.status, Status::Achieved);
}

#[test]
fn a_goal_equal_to_its_reference_regresses_or_is_missed_on_a_decline() {
    // 不减少: 0 % change on 2020's 100.
    let hold = TargetSpec {
        kind: TargetKind::Change,
        relative_change: true,
        reference_year: Some(2020),
        ..level(Comparator::AtLeast, 0.0, Some((2020, 100.0)), 2025)
    };
    let at = |v: f64, as_of| assess(&hold, &series(&[(2022, v)]), as_of, Method::Linear);
    assert_eq!(at(95.0, ymd(2023, 1, 1)).status, Status::Regressing);
    assert_eq!(at(100.0, ymd(2023, 1, 1)).status, Status::Achieved);
    assert_eq!(at(95.0, ymd(2026, 6, 1)).status, Status::Missed);
}

#[test]
fn a_total_built_up_during_the_plan_counts_from_zero() {
    // 五年建设筹措床位12万张以上 (2024–2028): 30 000 by 2024, 50 000 by 2025.
    let beds = TargetSpec {
        cumulative: true,
        base: year_end(2023),
        start: ymd(2024, 1, 1),
        ..level(Comparator::AtLeast, 120_000.0, None, 2028)
    };
    let got = assess(&beds, &series(&[(2024, 30_000.0), (2025, 50_000.0)]), ymd(2026, 1, 1), Method::Linear);
    assert_eq!(got.baseline, Some(Point { date: year_end(2023), value: 0.0 }));
    assert_eq!(got.status, Status::OnTrack, "{got:?}");
    close(got.progress, 50_000.0 / 120_000.0, "from zero");
}

#[test]
fn the_expected_value_lies_on_the_straight_path() {
    let spec = level(Comparator::AtLeast, 70.0, Some((2015, 54.0)), 2020);
    // Judged by its pace, a target is weighed on its latest figure's date, as its time elapsed
    // is: two of five years by the 2017 figure, 54 + 16 × 0.4 — not three by the view's date.
    let got = assess(&spec, &series(&[(2017, 60.0)]), year_end(2018), Method::Linear);
    assert!((got.expected.unwrap() - 60.4).abs() < 0.05, "{got:?}");
    assert_eq!((got.expected_on, got.elapsed.map(|e| (e * 10.0).round())), (Some(year_end(2017)), Some(4.0)));
    // Known before any figure: where it should be by the view's date (three of five years) …
    let empty = assess(&spec, &[], year_end(2018), Method::Linear);
    assert!((empty.expected.unwrap() - 63.6).abs() < 0.05, "{empty:?}");
    assert_eq!(empty.expected_on, Some(year_end(2018)));
    // … and past the deadline the path ends at the goal.
    let late = assess(&spec, &[], ymd(2023, 1, 1), Method::Linear);
    assert_eq!((late.expected, late.expected_on), (Some(70.0), Some(year_end(2020))));
}

#[test]
fn closed_targets_state_what_happened_not_where_a_trend_leads() {
    let spec = level(Comparator::AtLeast, 25.0, Some((2015, 10.0)), 2020);
    let achieved = assess(&spec, &series(&[(2016, 20.0), (2017, 50.0)]), ymd(2018, 1, 1), Method::Linear);
    assert_eq!((achieved.status, achieved.projection), (Status::Achieved, None));
    let missed = assess(&spec, &series(&[(2016, 12.0), (2019, 15.0)]), ymd(2026, 1, 1), Method::Linear);
    assert_eq!((missed.status, missed.projection), (Status::Missed, None));
    // An open target whose trend reached the goal before the view's date offers no past date.
    let open = assess(&spec, &series(&[(2016, 11.0), (2017, 12.0)]), ymd(2018, 1, 1), Method::Linear);
    if let Some(date) = open.projection.and_then(|p| p.reaches_target_on) {
        assert!(date >= ymd(2018, 1, 1));
    }
}

#[test]
fn milestones_and_elapsed_stay_within_their_scale() {
    let spec =
        TargetSpec { kind: TargetKind::Milestone, comparator: None, ..level(Comparator::AtLeast, 100.0, None, 2020) };
    let fast = assess(
        &spec,
        &[Observation { date: ymd(2017, 1, 1), value: 60.0 }, Observation { date: ymd(2018, 1, 1), value: 90.0 }],
        ymd(2018, 6, 1),
        Method::Linear,
    );
    let projection = fast.projection.expect("a trend");
    assert!(projection.value_at_deadline <= 100.0, "{projection:?}");
    // A figure long after the deadline: elapsed is the plan's whole time, not 3100 %.
    let late = assess(
        &level(Comparator::AtLeast, 70.0, Some((2015, 54.0)), 2016),
        &series(&[(2040, 60.0)]),
        ymd(2041, 1, 1),
        Method::Linear,
    );
    assert!(late.elapsed.is_none_or(|e| e <= 1.0), "{late:?}");
}

#[test]
fn a_missing_figure_is_awaited_until_it_is_due_then_overdue_not_missed() {
    use crate::domain::{DueDates, Duty, Frequency};
    let duty = Duty { frequency: Frequency::Annual, due_days: 90, reporter: None };
    let spec = TargetSpec {
        due: Some(DueDates::of(&duty, year_end(2015), year_end(2020), false)),
        ..level(Comparator::AtLeast, 70.0, Some((2015, 54.0)), 2020)
    };
    // The 2016 figure is due on 2017-03-31.
    assert_eq!(assess(&spec, &[], ymd(2017, 3, 31), Method::Linear).status, Status::Awaiting);
    assert_eq!(assess(&spec, &[], ymd(2017, 4, 1), Method::Linear).status, Status::Overdue);
    // Past the deadline with figures up to 2018 only: the 2020 figure decides; it is due
    // 2021-03-31, judged by pace until then, overdue after — never "missed" without it.
    let up_to_2018 = series(&[(2016, 56.0), (2018, 60.0)]);
    let before_due = assess(&spec, &up_to_2018, ymd(2021, 2, 1), Method::Linear);
    assert!(matches!(before_due.status, Status::AtRisk | Status::OffTrack | Status::OnTrack), "{before_due:?}");
    assert_eq!(assess(&spec, &up_to_2018, ymd(2021, 4, 1), Method::Linear).status, Status::Overdue);
    // With the deadline's figure: missed or achieved.
    let with_2020 = series(&[(2016, 56.0), (2020, 66.0)]);
    assert_eq!(assess(&spec, &with_2020, ymd(2021, 4, 1), Method::Linear).status, Status::Missed);
    // A milestone is overdue once its completion is late.
    let milestone = TargetSpec {
        kind: TargetKind::Milestone,
        comparator: None,
        due: Some(DueDates::of(&duty, year_end(2015), year_end(2018), true)),
        ..level(Comparator::AtLeast, 100.0, None, 2018)
    };
    assert_eq!(assess(&milestone, &[], ymd(2019, 3, 31), Method::Linear).status, Status::Awaiting);
    assert_eq!(assess(&milestone, &[], ymd(2019, 4, 1), Method::Linear).status, Status::Overdue);
}
