//! The TOML shapes of `targets/*.toml`, exactly as written. Nearly every field is optional here so
//! that validation can report every missing field at once instead of serde's first.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(super) struct RawFile {
    pub plan: Option<toml::Value>,
    #[serde(default)]
    pub indicator: Vec<toml::Value>,
    #[serde(default)]
    pub target: Vec<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlan {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub title_en: Option<String>,
    pub doc_number: Option<String>,
    pub issued: Option<RawDate>,
    pub horizon: Option<[i32; 2]>,
    pub source: Option<String>,
    pub line: Option<i32>,
    /// A published plan's version: in force from / until (excluded) these days.
    pub in_force_from: Option<RawDate>,
    pub in_force_until: Option<RawDate>,
    /// The reporting duty of the indicators this file defines, unless one says otherwise.
    pub reporting: Option<RawDuty>,
}

/// A reporting duty as written: `{ frequency = "annual", due_days = 90, reporter = "ndrc" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDuty {
    pub frequency: Option<String>,
    pub due_days: Option<u32>,
    pub reporter: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIndicator {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub name_en: Option<String>,
    pub unit: Option<String>,
    pub higher_is_better: Option<bool>,
    #[serde(default)]
    pub can_be_negative: bool,
    pub notes: Option<String>,
    pub notes_en: Option<String>,
    pub aggregate: Option<String>,
    pub reporting: Option<RawDuty>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum RawDeadline {
    Year(i32),
    Date(RawDate),
}

/// A TOML date. Read through `toml::Value` a date may arrive as its text, so both are accepted;
/// only a plain `YYYY-MM-DD` passes validation.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum RawDate {
    Datetime(toml::value::Datetime),
    Text(String),
}

impl RawDate {
    pub fn to_date(&self) -> Option<chrono::NaiveDate> {
        let text = match self {
            RawDate::Datetime(d) => d.to_string(),
            RawDate::Text(t) => t.clone(),
        };
        chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBaseline {
    pub value: f64,
    pub year: i32,
    pub line: i32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCitation {
    pub line: i32,
    pub quote: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTarget {
    pub slug: Option<String>,
    pub indicator: Option<String>,
    pub name: Option<String>,
    pub name_en: Option<String>,
    pub kind: Option<String>,
    pub comparator: Option<String>,
    pub value: Option<f64>,
    pub value_max: Option<f64>,
    pub unit: Option<String>,
    pub unit_read: Option<String>,
    pub tolerance: Option<f64>,
    pub reference_year: Option<i32>,
    pub deadline: Option<RawDeadline>,
    #[serde(default)]
    pub deadline_implied: bool,
    pub baseline: Option<RawBaseline>,
    #[serde(default)]
    pub stretch: bool,
    pub binding: Option<bool>,
    pub region: Option<String>,
    pub source: Option<RawCitation>,
    pub owners: Option<Vec<String>>,
    pub owners_line: Option<i32>,
    #[serde(default)]
    pub cumulative: bool,
    pub base_year: Option<i32>,
    pub notes: Option<String>,
    pub notes_en: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawDepartments {
    #[serde(default)]
    pub department: Vec<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDepartment {
    pub slug: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub name_en: Option<String>,
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRegions {
    pub default: String,
    pub districts: Vec<String>,
}
