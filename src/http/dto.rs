//! JSON shapes of the read API. Every payload names things in Chinese and English.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::models::{IndicatorRow, PlanRow, TargetRow};
use crate::domain::{Comparator, TargetKind};
use crate::judged::{Assessed, ProgressSummary};
use crate::present::{Lang, goal_as_written};
use crate::progress::{Method, Point, Progress, Status};

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDto {
    pub slug: String,
    pub title: String,
    pub title_en: String,
    /// 文号, e.g. 沪府发〔2016〕80号.
    pub doc_number: Option<String>,
    pub issued: Option<NaiveDate>,
    /// First and last year the plan covers.
    pub horizon: [i32; 2],
    pub source_document: String,
    pub source_line: Option<i32>,
    pub target_count: i64,
    /// Targets per status as of today (linear method).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_counts: Option<Vec<StatusCount>>,
}

impl PlanDto {
    pub fn new(row: &PlanRow, target_count: i64) -> PlanDto {
        PlanDto {
            slug: row.slug.clone(),
            title: row.title.clone(),
            title_en: row.title_en.clone(),
            doc_number: row.doc_number.clone(),
            issued: row.issued,
            horizon: [row.horizon_start, row.horizon_end],
            source_document: row.source_file.clone(),
            source_line: row.source_line,
            target_count,
            status_counts: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDetailDto {
    #[serde(flatten)]
    pub plan: PlanDto,
    pub as_of: NaiveDate,
    /// Only figures recorded by this date counted (absent: every figure known now).
    pub known_at: Option<NaiveDate>,
    pub method: Method,
    pub status_counts: Vec<StatusCount>,
    /// The figures its targets call for: due by the date, on time, late, missing.
    pub completeness: crate::judged::Completeness,
    pub targets: Vec<TargetDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorDto {
    pub slug: String,
    pub name: String,
    pub name_en: String,
    pub unit: String,
    pub higher_is_better: bool,
    pub notes: Option<String>,
    pub notes_en: Option<String>,
    /// How the city's figure follows from the districts' when the city reports none: `sum` or
    /// `mean` (absent: it does not).
    pub aggregate: Option<String>,
}

impl From<&IndicatorRow> for IndicatorDto {
    fn from(row: &IndicatorRow) -> Self {
        IndicatorDto {
            slug: row.slug.clone(),
            name: row.name.clone(),
            name_en: row.name_en.clone(),
            unit: row.unit.clone(),
            higher_is_better: row.higher_is_better,
            notes: row.notes.clone(),
            notes_en: row.notes_en.clone(),
            aggregate: row.aggregate.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorDetailDto {
    #[serde(flatten)]
    pub indicator: IndicatorDto,
    /// How often its figure is due, how many days after each period, and who reports it.
    pub duty: crate::domain::Duty,
    pub targets: Vec<TargetDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanRef {
    pub slug: String,
    pub title: String,
    pub title_en: String,
    pub doc_number: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorRef {
    pub slug: String,
    pub name: String,
    pub name_en: String,
    pub unit: String,
    pub higher_is_better: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BaselineDto {
    /// In the indicator's unit.
    pub value: f64,
    pub year: i32,
    /// Line of the source document that states it.
    pub line: i32,
}

/// Where the goal is written: document, line and the verbatim words.
#[derive(Debug, Serialize, ToSchema)]
pub struct CitationDto {
    pub document: String,
    pub doc_number: Option<String>,
    pub line: i32,
    pub quote: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetDto {
    pub slug: String,
    pub name: String,
    pub name_en: String,
    pub plan: PlanRef,
    pub indicator: IndicatorRef,
    pub kind: TargetKind,
    pub comparator: Option<Comparator>,
    /// In `unit`: the indicator's (a figure written in 万 or 亿 is scaled to it; a milestone and
    /// a relative change: percent).
    pub value: f64,
    pub value_max: Option<f64>,
    /// The unit `value`, `value_max` and the baseline are in.
    pub unit: String,
    /// The unit as the document writes it (万平方米 where `unit` is 平方米): see `as_written`.
    pub unit_as_written: String,
    /// The goal as written, e.g. "≥ 70%".
    pub as_written: String,
    pub tolerance: Option<f64>,
    pub reference_year: Option<i32>,
    /// A year (2020) or a date (2017-06-30), as the document gives it.
    pub deadline: String,
    pub deadline_date: NaiveDate,
    pub deadline_implied: bool,
    pub baseline: Option<BaselineDto>,
    pub stretch: bool,
    pub binding: Option<bool>,
    pub region: String,
    pub citation: CitationDto,
    pub notes: Option<String>,
    pub notes_en: Option<String>,
    /// A total built up during the plan: counted from 0 at the plan's start.
    pub cumulative: bool,
    /// The plan's base year, when it is not the year before the horizon.
    pub base_year: Option<i32>,
    /// The departments that answer for it (slugs of `GET /api/v1/departments`), the lead first,
    /// as the plan's text names them.
    pub owners: Vec<String>,
    /// The verdict as of the requested date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<ProgressSummary>,
}

impl TargetDto {
    pub fn new(target: &TargetRow, plan: &PlanRow, indicator: &IndicatorRow, owners: &[String]) -> TargetDto {
        let (kind, comparator) = (target.kind, target.comparator);
        TargetDto {
            slug: target.slug.clone(),
            name: target.name.clone(),
            name_en: target.name_en.clone(),
            plan: PlanRef {
                slug: plan.slug.clone(),
                title: plan.title.clone(),
                title_en: plan.title_en.clone(),
                doc_number: plan.doc_number.clone(),
            },
            indicator: IndicatorRef {
                slug: indicator.slug.clone(),
                name: indicator.name.clone(),
                name_en: indicator.name_en.clone(),
                unit: indicator.unit.clone(),
                higher_is_better: indicator.higher_is_better,
            },
            kind,
            comparator,
            value: target.value,
            value_max: target.value_max,
            unit: target.value_unit(&indicator.unit).to_owned(),
            unit_as_written: target.unit.clone(),
            as_written: goal_as_written(kind, comparator, target.value, target.value_max, target.scale, &target.unit),
            tolerance: target.tolerance,
            reference_year: target.reference_year,
            deadline: target.deadline.clone(),
            deadline_date: target.deadline_date,
            deadline_implied: target.deadline_implied,
            baseline: match (target.baseline_value, target.baseline_year, target.baseline_line) {
                (Some(value), Some(year), Some(line)) => Some(BaselineDto { value, year, line }),
                _ => None,
            },
            stretch: target.stretch,
            binding: target.binding,
            region: target.region.clone(),
            citation: CitationDto {
                document: plan.source_file.clone(),
                doc_number: plan.doc_number.clone(),
                line: target.source_line,
                quote: target.source_quote.clone(),
            },
            notes: target.notes.clone(),
            notes_en: target.notes_en.clone(),
            cumulative: target.cumulative,
            base_year: target.base_year,
            owners: owners.to_vec(),
            progress: None,
        }
    }

    pub fn assessed(a: &Assessed) -> TargetDto {
        TargetDto { progress: Some(a.summary.clone()), ..TargetDto::new(&a.target, &a.plan, &a.indicator, &a.owners) }
    }
}

/// One target in full: the verdict with its projection and reason, and the series it rests on.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetDetailDto {
    #[serde(flatten)]
    pub target: TargetDto,
    pub assessment: Progress,
    /// The actuals the verdict rests on (as of the date, latest revision of each period); for a
    /// target with `counted_from`, the reported totals less the total it counts from.
    pub series: Vec<Point>,
    /// A 累计 target whose indicator's totals count from an earlier plan's start: the reported
    /// total it counts from (`total` absent while that figure has not come).
    pub counted_from: Option<CountedFrom>,
    /// The latest figure of each district on the indicator (as of the date), in catalog order.
    pub districts: Vec<DistrictFigure>,
    /// Only figures recorded by this date counted (absent: every figure known now).
    pub known_at: Option<NaiveDate>,
    /// The district the target was judged on instead of its own region (absent: its own).
    pub judged_in: Option<String>,
}

/// Where a target's own total starts on its indicator's running totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountedFrom {
    /// The day the indicator's reported totals count from.
    pub totals_since: NaiveDate,
    /// The end of the target's base year: its own total is 0 here.
    pub base: NaiveDate,
    /// The reported total taken off every later figure.
    pub total: Option<Point>,
}

/// One district's latest figure.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictFigure {
    pub region: String,
    pub date: NaiveDate,
    pub value: f64,
}

/// How many targets have each status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCount {
    pub status: Status,
    pub label: &'static str,
    pub count: usize,
}

pub fn status_counts(counts: Vec<(Status, usize)>) -> Vec<StatusCount> {
    counts
        .into_iter()
        .map(|(status, count)| StatusCount { status, label: crate::present::status_label(status, Lang::Zh), count })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`; `busy` when every connection of the pool is in use (requests wait for one, and get
    /// 503 past `queue_wait_seconds`); `degraded` when the database is down.
    pub status: &'static str,
    pub database: &'static str,
    /// The pool's connections, and how many are in use now.
    pub connections: u32,
    pub connections_in_use: u32,
    /// Views not held in memory (another date, as known on a day) being judged right now: at
    /// most one per core, the rest wait for a slot.
    pub judging: usize,
}
