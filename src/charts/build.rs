//! From assessed targets to charts.

use super::{ChartGoal, Lang, OverviewRow, PlanOverview, TargetChart};
use crate::db::models::{IndicatorRow, PlanRow, TargetRow};
use crate::domain::TargetKind;
use crate::judged::{Assessed, AssessedOne};
use crate::progress::Point;

/// The goal as the chart draws it, in the indicator's unit: the engine's band or value.
fn goal(target: &TargetRow, p: &crate::progress::Progress) -> ChartGoal {
    match (target.kind, p.band, p.target_value) {
        (TargetKind::Milestone, _, _) => ChartGoal::Milestone,
        (_, Some(band), _) => ChartGoal::Band(band.low, band.high),
        (_, None, Some(value)) => ChartGoal::Line(value),
        // A change is a value only once the reference year's figure is known.
        (_, None, None) => ChartGoal::Unknown,
    }
}

/// "实际光纤入户率 ≥ 70%（2020）" — the indicator's name and the goal as the document writes it.
pub fn title(target: &TargetRow, indicator: &IndicatorRow, lang: Lang) -> String {
    let kind = target.kind;
    let written = crate::present::goal_of(lang, target, &indicator.unit);
    let reference = match (kind, target.reference_year, lang) {
        (TargetKind::Change, Some(y), Lang::Zh) => format!("比{y}年"),
        (TargetKind::Change, Some(y), Lang::En) => format!("vs {y} "),
        _ => String::new(),
    };
    match (kind, lang) {
        (TargetKind::Milestone, Lang::Zh) => format!("{}（{}）", target.name, target.deadline),
        (TargetKind::Milestone, Lang::En) => format!("{} ({})", target.name_en, target.deadline),
        (_, Lang::Zh) => format!("{} {reference}{written}（{}）", indicator.name, target.deadline),
        (_, Lang::En) => format!("{} {reference}{written} ({})", indicator.name_en, target.deadline),
    }
}

pub fn target_chart(one: &AssessedOne, lang: Lang) -> TargetChart {
    let crate::judged::Context { target, indicator, .. } = &one.target;
    let p = &one.progress;
    let unit = if target.kind == TargetKind::Milestone { "%".to_owned() } else { indicator.unit.clone() };
    TargetChart::new(
        title(target, indicator, lang),
        unit,
        lang,
        goal(target, p),
        target.deadline_date,
        p,
        thinned(&one.series),
    )
    .from_plan_start(chrono::NaiveDate::from_ymd_opt(one.target.plan.horizon_start, 1, 1))
}

/// The most figures a target chart draws. 800 pixels show no more, and an indicator reported daily
/// for years (160 000 figures) drew a 1 MB chart on every page view.
const MOST_DRAWN: usize = 400;

/// The series as drawn: every figure when there are few; else, in each of `MOST_DRAWN / 2` runs of
/// neighbouring figures, its lowest and highest (in date order), so the line keeps its extremes.
pub(super) fn thinned(series: &[crate::progress::Observation]) -> Vec<Point> {
    let point = |o: &crate::progress::Observation| Point { date: o.date, value: o.value };
    if series.len() <= MOST_DRAWN {
        return series.iter().map(point).collect();
    }
    let runs = MOST_DRAWN / 2;
    let mut drawn = Vec::with_capacity(MOST_DRAWN + 2);
    for run in 0..runs {
        let part = &series[run * series.len() / runs..(run + 1) * series.len() / runs];
        let by_value =
            |a: &&crate::progress::Observation, b: &&crate::progress::Observation| a.value.total_cmp(&b.value);
        let (Some(low), Some(high)) = (part.iter().min_by(by_value), part.iter().max_by(by_value)) else { continue };
        let (first, second) = if low.date <= high.date { (low, high) } else { (high, low) };
        drawn.push(point(first));
        if second.date != first.date {
            drawn.push(point(second));
        }
    }
    // The latest figure is what the page and the legend speak of: always drawn.
    if let Some(last) = series.last()
        && drawn.last().is_none_or(|p| p.date != last.date)
    {
        drawn.push(point(last));
    }
    drawn
}

pub fn plan_overview(plan: &PlanRow, assessed: &[Assessed], lang: Lang) -> PlanOverview {
    let title = match lang {
        Lang::Zh => format!("{}：目标进度", plan.title),
        Lang::En => format!("{}: progress of targets", plan.title_en),
    };
    let rows = assessed
        .iter()
        .map(|a| OverviewRow {
            name: if lang == Lang::Zh { a.target.name.clone() } else { a.target.name_en.clone() },
            status: a.summary.status,
            progress: a.summary.progress,
            expected: expected_share(&a.summary),
        })
        .collect();
    PlanOverview::new(title, lang, rows)
}

/// The districts' latest figures on a target's indicator, against the target's goal.
pub fn district_chart(one: &AssessedOne, lang: Lang) -> Option<super::DistrictChart> {
    if one.districts.is_empty() {
        return None;
    }
    let crate::judged::Context { indicator, .. } = &one.target;
    let title = match lang {
        Lang::Zh => format!("{}：各区最新数据", indicator.name),
        Lang::En => format!("{}: latest figure of each district", indicator.name_en),
    };
    let rows = one.districts.iter().map(|(d, o)| (d.clone(), o.value)).collect();
    // A city total made of the districts' figures is no goal for any one district.
    let city_total = indicator.sums_districts();
    let goal = one.progress.target_value.filter(|_| one.target.target.kind != TargetKind::Milestone && !city_total);
    Some(super::DistrictChart::new(title, indicator.unit.clone(), lang, rows, goal, indicator.higher_is_better))
}

/// How much of the distance the straight path has covered by the view's date.
pub fn expected_share(s: &crate::judged::ProgressSummary) -> Option<f64> {
    // Beside a share covered, the share due when it was measured — what the status weighs it
    // against (83 % covered, 67 % due then: on track), not the share due today.
    if s.progress.is_some() && s.elapsed.is_some() {
        return s.elapsed;
    }
    let (base, aim, expected) = (s.baseline?.value, s.target_value?, s.expected?);
    (aim != base).then(|| (expected - base) / (aim - base))
}

/// One rendered chart of the catalog: its file stem and SVG and PNG bytes.
pub struct Rendered {
    pub name: String,
    pub svg: String,
    pub png: Vec<u8>,
}

/// A chart that could not be drawn: its name and why.
pub type Failure = (String, String);

/// Every target's chart and every plan's overview, at 800×480 (overviews at their natural
/// height), from the judged targets handed in. A chart that fails is reported by name; the
/// others still come out.
pub fn render_all(
    plans: &[std::sync::Arc<PlanRow>],
    assessed: &[Assessed],
    full: Vec<AssessedOne>,
    lang: Lang,
) -> (Vec<Rendered>, Vec<Failure>) {
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for one in full {
        let name = format!("targets/{}", one.target.target.slug);
        let chart = target_chart(&one, lang);
        match (chart.svg(800, 480), chart.png(800, 480)) {
            (Ok(svg), Ok(png)) => done.push(Rendered { name, svg, png }),
            (Err(e), _) | (_, Err(e)) => failed.push((name, e.to_string())),
        }
    }
    for plan in plans {
        let rows: Vec<Assessed> = assessed.iter().filter(|a| a.plan.id == plan.id).cloned().collect();
        let overview = plan_overview(plan, &rows, lang);
        let height = overview.natural_height();
        let name = format!("plans/{}", plan.slug);
        match (overview.svg(800, height), overview.png(800, height)) {
            (Ok(svg), Ok(png)) => done.push(Rendered { name, svg, png }),
            (Err(e), _) | (_, Err(e)) => failed.push((name, e.to_string())),
        }
    }
    (done, failed)
}
