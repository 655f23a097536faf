//! The progress engine: how far each target has come, whether it is on pace, and where its trend
//! leads. Pure: plain domain values in, plain results out.
//!
//! For a numeric target with baseline b (at t0), target T (due tD) and latest actual v (at t):
//! progress = (v − b) / (T − b), elapsed = (t − t0) / (tD − t0), pace = progress / elapsed
//! (时间过半、任务过半). The `cagr` method (Open SDG / Eurostat) uses instead the ratio of the observed
//! to the required compound annual growth rate. Both are banded at 0.95 / 0.6 / 0
//! ([`Status::from_score`]), and the rule that turns facts into a verdict is written once
//! (`engine::judge`): the all-targets frame reduces the series in polars and then applies it.

mod engine;
pub mod frame;
mod time;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

pub use engine::{assess, counted_from, observations_as_of, with_district_totals};
#[cfg(test)]
mod tests;

pub use time::{date_from_decimal_year, decimal_year};

use crate::domain::{Comparator, TargetKind};

/// How pace is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Share of the distance covered over share of the time used.
    #[default]
    Linear,
    /// Observed CAGR over required CAGR.
    Cagr,
}

impl std::str::FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "linear" => Ok(Method::Linear),
            "cagr" => Ok(Method::Cagr),
            other => Err(format!("unknown method `{other}`: use linear or cagr")),
        }
    }
}

impl Method {
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Linear => "linear",
            Method::Cagr => "cagr",
        }
    }
}

/// The verdict on a target. Ordered from worst to best among the assessed statuses, so that
/// "more progress never gives a worse status" can be stated as an ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Deadline passed, not achieved.
    Missed,
    /// Moving away from the target (pace < 0).
    Regressing,
    /// 0 ≤ pace < 0.6.
    OffTrack,
    /// 0.6 ≤ pace < 0.95.
    AtRisk,
    /// pace ≥ 0.95.
    OnTrack,
    /// The comparator holds.
    Achieved,
    /// No figure yet, and none is due yet.
    Awaiting,
    /// 逾期未报: a figure the target calls for is past its due date and missing. Not missed:
    /// the outcome is unknown.
    Overdue,
    /// Data exists but the rules cannot judge it (see `reason`).
    NotAssessable,
}

pub const ALL_STATUSES: [Status; 9] = [
    Status::Achieved,
    Status::OnTrack,
    Status::AtRisk,
    Status::OffTrack,
    Status::Regressing,
    Status::Missed,
    Status::Overdue,
    Status::Awaiting,
    Status::NotAssessable,
];

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Achieved => "achieved",
            Status::OnTrack => "on_track",
            Status::AtRisk => "at_risk",
            Status::OffTrack => "off_track",
            Status::Regressing => "regressing",
            Status::Missed => "missed",
            Status::Awaiting => "awaiting",
            Status::Overdue => "overdue",
            Status::NotAssessable => "not_assessable",
        }
    }

    /// The band a pace (or CAGR ratio) falls in, compared at the precision the figures have:
    /// 34 → 32.56 against 30 is a pace of 0.6, not 0.5999999999999991.
    pub fn from_score(score: f64) -> Status {
        if score >= ON_TRACK - EDGE {
            Status::OnTrack
        } else if score >= AT_RISK - EDGE {
            Status::AtRisk
        } else if score >= -EDGE {
            Status::OffTrack
        } else {
            Status::Regressing
        }
    }
}

impl std::str::FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_STATUSES.iter().copied().find(|st| st.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = ALL_STATUSES.iter().map(Status::as_str).collect();
            format!("unknown status `{s}`: use one of {}", names.join(", "))
        })
    }
}

/// Pace bands (DESIGN.md, Progress; the Open SDG thresholds).
pub const ON_TRACK: f64 = 0.95;
pub const AT_RISK: f64 = 0.6;

/// The tolerance of an approximate goal (左右, 约) whose text gives none: 5 % of the value.
pub const ABOUT_TOLERANCE: f64 = 0.05;

/// How far apart two numbers may be and still count as equal: floating point, not the figures,
/// makes 0.42 × (1 − 14 %) come out as 0.36119999999999997.
pub const EDGE: f64 = 1e-9;

/// `a` and `b` equal at the figures' precision (relative to their size).
pub fn same_value(a: f64, b: f64) -> bool {
    (a - b).abs() <= EDGE * a.abs().max(b.abs()).max(1.0)
}

/// What the engine needs to know about a target, values in the indicator's unit.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetSpec {
    pub kind: TargetKind,
    pub comparator: Option<Comparator>,
    pub value: f64,
    pub value_max: Option<f64>,
    pub tolerance: Option<f64>,
    /// A change written in % (relative to the reference year's value); otherwise absolute.
    pub relative_change: bool,
    pub reference_year: Option<i32>,
    pub deadline: NaiveDate,
    /// The baseline the catalog states: (date, value).
    pub baseline: Option<(NaiveDate, f64)>,
    /// When the plan starts: a milestone with no baseline starts at 0 % then.
    pub start: NaiveDate,
    /// The end of the plan's base year (the year before its horizon, or the catalog's): without
    /// a stated baseline, the figure for that year is the baseline.
    pub base: NaiveDate,
    /// A total built up during the plan (累计, 新增 …): it starts from 0 at the base.
    pub cumulative: bool,
    /// The indicator's direction: an approximate goal or a range is reached from this side.
    pub higher_is_better: bool,
    /// When its figures fall due (`None`: no duty known; a missing figure is only awaited).
    pub due: Option<crate::domain::DueDates>,
}

impl TargetSpec {
    /// The end of the reporting period that holds the deadline (the deadline itself without a
    /// duty): a yearly figure for 2016 is the figure of a goal due by 2016-06-30, as the plan
    /// measured it — not a figure come after it.
    pub fn deadline_period_end(&self) -> NaiveDate {
        self.due.map_or(self.deadline, |due| due.deadline_period_end.max(self.deadline))
    }

    /// Whether a figure for the period ending on `date` counts as the goal's by its deadline:
    /// ended by then, or the figure of the period that holds it.
    pub fn counts_by_deadline(&self, date: NaiveDate) -> bool {
        date <= self.deadline || date == self.deadline_period_end()
    }

    /// The end of the year whose figure the target is measured from, when the catalog does not
    /// state it: a change's reference year (比2020年下降14% needs the 2020 figure), a level's or
    /// range's base year. `None` when the catalog states it or the target starts from 0 (a
    /// milestone, a total built up during the plan) — as the engine reads its goal and baseline.
    pub fn starting_year_end(&self) -> Option<NaiveDate> {
        let year_end = |year: i32| NaiveDate::from_ymd_opt(year, 12, 31);
        let stated_year = self.baseline.map(|(date, _)| date.year());
        match self.kind {
            TargetKind::Milestone => None,
            TargetKind::Change => self.reference_year.filter(|&year| stated_year != Some(year)).and_then(year_end),
            TargetKind::Level | TargetKind::Range => (stated_year.is_none() && !self.cumulative).then_some(self.base),
        }
    }
}

/// One measured value of the target's series, at the end of its period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Observation {
    pub date: NaiveDate,
    pub value: f64,
}

/// An actual as stored: its period's end, when it was recorded, and when (if ever) superseded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Revision {
    pub period_end: NaiveDate,
    pub value: f64,
    pub recorded_on: NaiveDate,
    /// Stated by a plan's own text (a seed figure): known, but no department's report.
    pub stated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Point {
    pub date: NaiveDate,
    pub value: f64,
}

/// The two edges of a goal band, in the indicator's unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Band {
    pub low: f64,
    pub high: f64,
}

/// Where the trend leads.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Projection {
    /// `least_squares` (3 points or more) or `two_points`.
    pub fit: &'static str,
    pub points: usize,
    /// Value the trend gives at the deadline.
    pub value_at_deadline: f64,
    /// When the trend reaches the target, after the latest figure; `None`: not at this trend. It
    /// can be before `as_of` when no figure has come since (the trend says it should be reached).
    pub reaches_target_on: Option<NaiveDate>,
    /// Slope in units per year.
    pub slope_per_year: f64,
}

/// The engine's full answer for one target.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub status: Status,
    pub method: Method,
    pub as_of: NaiveDate,
    /// Achieved, but only after the deadline.
    pub achieved_late: bool,
    pub baseline: Option<Point>,
    pub latest: Option<Point>,
    /// The value to reach, in the indicator's unit (for a change: computed from the reference year).
    pub target_value: Option<f64>,
    pub progress: Option<f64>,
    pub elapsed: Option<f64>,
    pub pace: Option<f64>,
    /// Observed CAGR / required CAGR (method `cagr`).
    pub cagr_ratio: Option<f64>,
    /// Where the target should be on the straight path from baseline to goal, on `expected_on`:
    /// the latest figure's date when the target is judged by its pace (the date its time
    /// elapsed is measured to), else the view's date.
    pub expected: Option<f64>,
    pub expected_on: Option<NaiveDate>,
    /// An approximate goal (左右) or a range as the band it is: `target_value` is its near edge.
    pub band: Option<Band>,
    pub projection: Option<Projection>,
    /// Why the engine could not judge, or how it read the data (a code; `present` has the words).
    #[schema(value_type = Option<String>)]
    pub reason: Option<Reason>,
}

impl Progress {
    /// A verdict with nothing found yet: awaiting, no figures, no goal worked out.
    pub fn unjudged(method: Method, as_of: NaiveDate) -> Progress {
        Progress {
            status: Status::Awaiting,
            method,
            as_of,
            achieved_late: false,
            baseline: None,
            latest: None,
            target_value: None,
            progress: None,
            elapsed: None,
            pace: None,
            cagr_ratio: None,
            expected: None,
            expected_on: None,
            band: None,
            projection: None,
            reason: None,
        }
    }
}

/// Why a target could not be judged, or how it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    NoActual,
    NothingSinceBaseline,
    /// No baseline in the catalog and no figure for the plan's base year.
    NoBaseline,
    /// Achieved, and beyond the upper edge of its band.
    BeyondBand,
    NoReferenceYear,
    NoReferenceActual(i32),
    DeadlineNotAfterBaseline,
    NoActualAfterBaseline,
    TargetEqualsBaseline,
    /// The baseline already met the goal and the latest figure no longer does.
    BaselineMetGoal,
    MilestoneIsLinear,
    CagrNeedsPositive,
    CagrRequiredZero,
    /// A district's figure of an indicator the districts add up to the city's: a part of the
    /// city's total, not held against the city's goal.
    PartOfCityTotal,
}

impl Reason {
    pub fn code(&self) -> &'static str {
        match self {
            Reason::NoActual => "no_actual",
            Reason::NothingSinceBaseline => "nothing_since_baseline",
            Reason::NoBaseline => "no_baseline",
            Reason::BeyondBand => "beyond_band",
            Reason::NoReferenceYear => "no_reference_year",
            Reason::NoReferenceActual(_) => "no_reference_actual",
            Reason::DeadlineNotAfterBaseline => "deadline_not_after_baseline",
            Reason::NoActualAfterBaseline => "no_actual_after_baseline",
            Reason::TargetEqualsBaseline => "target_equals_baseline",
            Reason::BaselineMetGoal => "baseline_met_goal",
            Reason::MilestoneIsLinear => "milestone_is_linear",
            Reason::CagrNeedsPositive => "cagr_needs_positive",
            Reason::CagrRequiredZero => "cagr_required_zero",
            Reason::PartOfCityTotal => "part_of_city_total",
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}
