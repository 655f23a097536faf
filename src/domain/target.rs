use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::period::last_day_of_month;

/// How a target reads its indicator's figures: as running totals (`Some(true)`) when it is 累计 /
/// 新增 with no stated baseline — measured from 0 — else as each period's own (`Some(false)`). A
/// milestone reads none (`None`): it has a measure of its own. One indicator is read one way only,
/// or its reporters could not tell which figure to send.
pub fn reads_running_totals(kind: TargetKind, cumulative: bool, stated_baseline: bool) -> Option<bool> {
    (kind != TargetKind::Milestone).then_some(cumulative && !stated_baseline)
}

/// How a target is judged (DESIGN.md, target kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// The latest actual satisfies the comparator.
    Level,
    /// The change against the reference year's actual satisfies the comparator.
    Change,
    /// The latest actual lies between `value` and `value_max`.
    Range,
    /// A deliverable, measured in percent complete (100 = done).
    Milestone,
}

impl TargetKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            TargetKind::Level => "level",
            TargetKind::Change => "change",
            TargetKind::Range => "range",
            TargetKind::Milestone => "milestone",
        }
    }
}

impl FromStr for TargetKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "level" => Ok(TargetKind::Level),
            "change" => Ok(TargetKind::Change),
            "range" => Ok(TargetKind::Range),
            "milestone" => Ok(TargetKind::Milestone),
            other => Err(format!("unknown kind `{other}`: use level, change, range or milestone")),
        }
    }
}

/// The comparison a goal asks for, with the document's wording kept:
/// 超过/突破 are strict (5000 does not meet 超过5000); 达到/以上/不低于 are `>=`;
/// 控制在/以内/不超过 are `<=`; 左右/约 is approximate, within a tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Comparator {
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = ">")]
    MoreThan,
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = "<")]
    LessThan,
    #[serde(rename = "≈")]
    About,
}

impl Comparator {
    pub fn symbol(&self) -> &'static str {
        match self {
            Comparator::AtLeast => ">=",
            Comparator::MoreThan => ">",
            Comparator::AtMost => "<=",
            Comparator::LessThan => "<",
            Comparator::About => "≈",
        }
    }

    /// The symbol as a reader expects it in a title: ≥ 70%.
    pub fn display_symbol(&self) -> &'static str {
        match self {
            Comparator::AtLeast => "≥",
            Comparator::MoreThan => ">",
            Comparator::AtMost => "≤",
            Comparator::LessThan => "<",
            Comparator::About => "≈",
        }
    }
}

impl FromStr for Comparator {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            ">=" | "≥" => Ok(Comparator::AtLeast),
            ">" => Ok(Comparator::MoreThan),
            "<=" | "≤" => Ok(Comparator::AtMost),
            "<" => Ok(Comparator::LessThan),
            "≈" | "~" => Ok(Comparator::About),
            other => Err(format!("unknown comparator `{other}`: use >=, >, <=, < or ≈")),
        }
    }
}

impl fmt::Display for Comparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// When a goal is due: a year means the end of that year; a date means that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deadline {
    Year(i32),
    Date(NaiveDate),
}

impl Deadline {
    pub fn date(&self) -> NaiveDate {
        match *self {
            Deadline::Year(y) => last_day_of_month(y, 12),
            Deadline::Date(d) => d,
        }
    }

    pub fn year(&self) -> i32 {
        use chrono::Datelike;
        match *self {
            Deadline::Year(y) => y,
            Deadline::Date(d) => d.year(),
        }
    }
}

impl fmt::Display for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Deadline::Year(y) => write!(f, "{y}"),
            Deadline::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
        }
    }
}

impl FromStr for Deadline {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(year) = s.parse::<i32>() {
            return Ok(Deadline::Year(year));
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Deadline::Date)
            .map_err(|_| format!("`{s}` is not a deadline: write a year (2020) or a date (2020-06-30)"))
    }
}

/// The starting point a document states for a goal, in the indicator's canonical unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Baseline {
    pub value: f64,
    pub year: i32,
    /// Line of the plan's document that states it.
    pub line: i32,
}

impl Baseline {
    /// A baseline year is read at its end, like a period.
    pub fn date(&self) -> NaiveDate {
        last_day_of_month(self.year, 12)
    }
}

/// Where a goal is written: the line of the plan's document and a verbatim quote of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Citation {
    pub line: i32,
    pub quote: String,
}

/// A goal set by a plan on an indicator. Values are in the indicator's canonical unit, except a
/// relative change (`unit == "%"` on a change target), which is a signed percentage.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub slug: String,
    pub plan: String,
    pub indicator: String,
    pub name: String,
    pub name_en: String,
    pub kind: TargetKind,
    pub comparator: Option<Comparator>,
    pub value: f64,
    pub value_max: Option<f64>,
    /// The unit as the document writes it, kept for display.
    pub unit: String,
    /// Factor from the written unit to the indicator's unit (10000 for 万户 → 户).
    pub scale: f64,
    pub tolerance: Option<f64>,
    pub reference_year: Option<i32>,
    pub deadline: Deadline,
    pub deadline_implied: bool,
    pub baseline: Option<Baseline>,
    pub stretch: bool,
    pub binding: Option<bool>,
    pub region: String,
    pub source: Citation,
    /// Who answers for it (department slugs, the lead first), named on `owners_line`.
    pub owners: Vec<String>,
    pub owners_line: Option<i32>,
    /// A total built up during the plan (累计, 新增, 五年…筹措): counted from 0 at the plan's start.
    pub cumulative: bool,
    /// The plan's base year when it is not the year before its horizon.
    pub base_year: Option<i32>,
    /// Notes in Chinese, and in English.
    pub notes: Option<String>,
    pub notes_en: Option<String>,
}

impl Target {
    /// A change target written in % is relative to the reference year's value; any other unit
    /// (万户, 个百分点 …) is an absolute change.
    pub fn is_relative_change(&self) -> bool {
        self.kind == TargetKind::Change && self.unit.trim() == "%"
    }

    /// The value as the document writes it (in `unit`).
    pub fn written_value(&self) -> f64 {
        self.value / self.scale
    }
}
