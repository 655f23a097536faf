//! Rows as stored (`PlanRow`) and what the catalog writes (`PlanForm`), in Lemmy's naming.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{departments, indicators, plans, targets};
use crate::domain;
use crate::domain::{Comparator, TargetKind};

/// Kinds and comparators are stored as text and read back as the enums they are: a stored value
/// the code does not know is an error naming it, never a default.
macro_rules! stored_as_text {
    ($type:ty) => {
        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $type
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                text.parse::<$type>().map_err(|reason| format!("a stored {}: {reason}", stringify!($type)).into())
            }
        }

        impl<DB> diesel::deserialize::Queryable<diesel::sql_types::Text, DB> for $type
        where
            DB: diesel::backend::Backend,
            $type: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            type Row = Self;
            fn build(row: Self) -> diesel::deserialize::Result<Self> {
                Ok(row)
            }
        }
    };
}

stored_as_text!(TargetKind);
stored_as_text!(Comparator);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub title_en: String,
    pub doc_number: Option<String>,
    pub issued: Option<NaiveDate>,
    pub horizon_start: i32,
    pub horizon_end: i32,
    pub source_file: String,
    pub source_line: Option<i32>,
    pub retired_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    /// A revised plan's version is in force from this day (see `domain::Plan`).
    pub in_force_from: Option<NaiveDate>,
    pub in_force_until: Option<NaiveDate>,
}

impl PlanRow {
    /// The years the plan covers as people write them: 2016–2020, or 2017 for a plan of one year.
    pub fn horizon_text(&self) -> String {
        if self.horizon_start == self.horizon_end {
            self.horizon_start.to_string()
        } else {
            format!("{}–{}", self.horizon_start, self.horizon_end)
        }
    }

    /// Whether this version of the plan was in force on `date`: issued by then (a view of 2021
    /// knows nothing of a plan of 2024) and not yet replaced by a later version.
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        let from = self.in_force_from.or(self.issued);
        from.is_none_or(|from| from <= date) && self.in_force_until.is_none_or(|until| date < until)
    }
}

#[derive(Debug, Clone, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = plans, treat_none_as_null = true)]
pub struct PlanForm {
    pub slug: String,
    pub title: String,
    pub title_en: String,
    pub doc_number: Option<String>,
    pub issued: Option<NaiveDate>,
    pub horizon_start: i32,
    pub horizon_end: i32,
    pub source_file: String,
    pub source_line: Option<i32>,
    pub retired_at: Option<NaiveDateTime>,
    pub in_force_from: Option<NaiveDate>,
    pub in_force_until: Option<NaiveDate>,
}

impl From<&domain::Plan> for PlanForm {
    fn from(p: &domain::Plan) -> Self {
        PlanForm {
            slug: p.slug.clone(),
            title: p.title.clone(),
            title_en: p.title_en.clone(),
            doc_number: p.doc_number.clone(),
            issued: p.issued,
            horizon_start: p.horizon_start,
            horizon_end: p.horizon_end,
            source_file: p.source_file.clone(),
            source_line: p.source_line,
            retired_at: None,
            in_force_from: p.in_force_from,
            in_force_until: p.in_force_until,
        }
    }
}

impl From<&PlanRow> for PlanForm {
    fn from(r: &PlanRow) -> Self {
        PlanForm {
            slug: r.slug.clone(),
            title: r.title.clone(),
            title_en: r.title_en.clone(),
            doc_number: r.doc_number.clone(),
            issued: r.issued,
            horizon_start: r.horizon_start,
            horizon_end: r.horizon_end,
            source_file: r.source_file.clone(),
            source_line: r.source_line,
            retired_at: r.retired_at,
            in_force_from: r.in_force_from,
            in_force_until: r.in_force_until,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = indicators)]
pub struct IndicatorRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub name_en: String,
    pub unit: String,
    pub higher_is_better: bool,
    pub can_be_negative: bool,
    pub notes: Option<String>,
    pub retired_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub notes_en: Option<String>,
    /// `sum` or `mean`: how the city's figure follows from the districts' (none: it does not).
    pub aggregate: Option<String>,
    /// The catalog's reporting duty (none: the defaults).
    pub report_frequency: Option<String>,
    pub report_due_days: Option<i32>,
    pub reporter: Option<String>,
}

impl IndicatorRow {
    /// How the city's figure follows from the districts', if it does.
    pub fn aggregation(&self) -> Option<crate::domain::Aggregate> {
        self.aggregate.as_deref().and_then(|a| a.parse().ok())
    }

    /// Whether the city's figure is the sum of its districts': a district's is a part of the
    /// city's total, never held against the city's goal.
    pub fn sums_districts(&self) -> bool {
        self.aggregation() == Some(crate::domain::Aggregate::Sum)
    }
}

#[derive(Debug, Clone, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = indicators, treat_none_as_null = true)]
pub struct IndicatorForm {
    pub slug: String,
    pub name: String,
    pub name_en: String,
    pub unit: String,
    pub higher_is_better: bool,
    pub can_be_negative: bool,
    pub notes: Option<String>,
    pub retired_at: Option<NaiveDateTime>,
    pub notes_en: Option<String>,
    pub aggregate: Option<String>,
    pub report_frequency: Option<String>,
    pub report_due_days: Option<i32>,
    pub reporter: Option<String>,
}

impl From<&domain::Indicator> for IndicatorForm {
    fn from(i: &domain::Indicator) -> Self {
        IndicatorForm {
            slug: i.slug.clone(),
            name: i.name.clone(),
            name_en: i.name_en.clone(),
            unit: i.unit.clone(),
            higher_is_better: i.higher_is_better,
            can_be_negative: i.can_be_negative,
            notes: i.notes.clone(),
            retired_at: None,
            notes_en: i.notes_en.clone(),
            aggregate: i.aggregate.map(|a| a.as_str().to_owned()),
            report_frequency: i.duty.as_ref().map(|d| d.frequency.as_str().to_owned()),
            report_due_days: i.duty.as_ref().map(|d| d.due_days as i32),
            reporter: i.duty.as_ref().and_then(|d| d.reporter.clone()),
        }
    }
}

impl From<&IndicatorRow> for IndicatorForm {
    fn from(r: &IndicatorRow) -> Self {
        IndicatorForm {
            slug: r.slug.clone(),
            name: r.name.clone(),
            name_en: r.name_en.clone(),
            unit: r.unit.clone(),
            higher_is_better: r.higher_is_better,
            can_be_negative: r.can_be_negative,
            notes: r.notes.clone(),
            retired_at: r.retired_at,
            notes_en: r.notes_en.clone(),
            aggregate: r.aggregate.clone(),
            report_frequency: r.report_frequency.clone(),
            report_due_days: r.report_due_days,
            reporter: r.reporter.clone(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = targets)]
pub struct TargetRow {
    pub id: i64,
    pub slug: String,
    pub plan_id: i64,
    pub indicator_id: i64,
    pub name: String,
    pub name_en: String,
    pub kind: TargetKind,
    pub comparator: Option<Comparator>,
    pub value: f64,
    pub value_max: Option<f64>,
    pub unit: String,
    pub scale: f64,
    pub tolerance: Option<f64>,
    pub reference_year: Option<i32>,
    pub deadline: String,
    pub deadline_date: NaiveDate,
    pub deadline_implied: bool,
    pub baseline_value: Option<f64>,
    pub baseline_year: Option<i32>,
    pub baseline_line: Option<i32>,
    pub stretch: bool,
    pub binding: Option<bool>,
    pub region: String,
    pub source_line: i32,
    pub source_quote: String,
    pub notes: Option<String>,
    pub retired_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    /// A total built up during the plan: counted from 0 at its start.
    pub cumulative: bool,
    pub base_year: Option<i32>,
    pub notes_en: Option<String>,
}

impl TargetRow {
    /// The unit its value (and baseline) is stored in: the indicator's, once a figure written in
    /// 万 or 亿 was scaled; percent for a milestone and for a change written in %.
    pub fn value_unit<'a>(&'a self, indicator_unit: &'a str) -> &'a str {
        match self.kind {
            TargetKind::Milestone => "%",
            TargetKind::Change if self.unit.trim() == "%" => "%",
            _ => indicator_unit,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = targets, treat_none_as_null = true)]
pub struct TargetForm {
    pub slug: String,
    pub plan_id: i64,
    pub indicator_id: i64,
    pub name: String,
    pub name_en: String,
    pub kind: String,
    pub comparator: Option<String>,
    pub value: f64,
    pub value_max: Option<f64>,
    pub unit: String,
    pub scale: f64,
    pub tolerance: Option<f64>,
    pub reference_year: Option<i32>,
    pub deadline: String,
    pub deadline_date: NaiveDate,
    pub deadline_implied: bool,
    pub baseline_value: Option<f64>,
    pub baseline_year: Option<i32>,
    pub baseline_line: Option<i32>,
    pub stretch: bool,
    pub binding: Option<bool>,
    pub region: String,
    pub source_line: i32,
    pub source_quote: String,
    pub notes: Option<String>,
    pub retired_at: Option<NaiveDateTime>,
    pub cumulative: bool,
    pub base_year: Option<i32>,
    pub notes_en: Option<String>,
}

impl TargetForm {
    pub fn new(t: &domain::Target, plan_id: i64, indicator_id: i64) -> Self {
        TargetForm {
            slug: t.slug.clone(),
            plan_id,
            indicator_id,
            name: t.name.clone(),
            name_en: t.name_en.clone(),
            kind: t.kind.as_str().to_owned(),
            comparator: t.comparator.map(|c| c.symbol().to_owned()),
            value: t.value,
            value_max: t.value_max,
            unit: t.unit.clone(),
            scale: t.scale,
            tolerance: t.tolerance,
            reference_year: t.reference_year,
            deadline: t.deadline.to_string(),
            deadline_date: t.deadline.date(),
            deadline_implied: t.deadline_implied,
            baseline_value: t.baseline.as_ref().map(|b| b.value),
            baseline_year: t.baseline.as_ref().map(|b| b.year),
            baseline_line: t.baseline.as_ref().map(|b| b.line),
            stretch: t.stretch,
            binding: t.binding,
            region: t.region.clone(),
            source_line: t.source.line,
            source_quote: t.source.quote.clone(),
            notes: t.notes.clone(),
            retired_at: None,
            cumulative: t.cumulative,
            base_year: t.base_year,
            notes_en: t.notes_en.clone(),
        }
    }
}

impl From<&TargetRow> for TargetForm {
    fn from(r: &TargetRow) -> Self {
        TargetForm {
            slug: r.slug.clone(),
            plan_id: r.plan_id,
            indicator_id: r.indicator_id,
            name: r.name.clone(),
            name_en: r.name_en.clone(),
            kind: r.kind.as_str().to_owned(),
            comparator: r.comparator.map(|c| c.symbol().to_owned()),
            value: r.value,
            value_max: r.value_max,
            unit: r.unit.clone(),
            scale: r.scale,
            tolerance: r.tolerance,
            reference_year: r.reference_year,
            deadline: r.deadline.clone(),
            deadline_date: r.deadline_date,
            deadline_implied: r.deadline_implied,
            baseline_value: r.baseline_value,
            baseline_year: r.baseline_year,
            baseline_line: r.baseline_line,
            stretch: r.stretch,
            binding: r.binding,
            region: r.region.clone(),
            source_line: r.source_line,
            source_quote: r.source_quote.clone(),
            notes: r.notes.clone(),
            retired_at: r.retired_at,
            cumulative: r.cumulative,
            base_year: r.base_year,
            notes_en: r.notes_en.clone(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = super::schema::uploads)]
pub struct UploadSummaryRow {
    pub id: i64,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub received_at: NaiveDateTime,
    pub uploaded_by: String,
    pub channel: String,
    pub rows_total: i32,
    pub rows_new: i32,
    pub rows_revised: i32,
    pub rows_unchanged: i32,
    pub outcome: String,
    /// Problems found (a rejected upload).
    pub error_count: i32,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = super::schema::uploads)]
pub struct UploadForm<'a> {
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub size_bytes: i64,
    pub received_at: NaiveDateTime,
    pub uploaded_by: &'a str,
    pub channel: &'a str,
    pub rows_total: i32,
    pub rows_new: i32,
    pub rows_revised: i32,
    pub rows_unchanged: i32,
    pub outcome: &'a str,
    pub error_report: Option<String>,
    pub error_count: i32,
    pub raw: &'a [u8],
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = super::schema::actuals)]
pub struct ActualRow {
    pub id: i64,
    pub indicator_id: i64,
    pub region: String,
    pub period: String,
    pub period_end: NaiveDate,
    pub value: f64,
    pub note: Option<String>,
    pub source: Option<String>,
    pub upload_id: Option<i64>,
    pub recorded_at: NaiveDateTime,
    pub superseded_at: Option<NaiveDateTime>,
}

/// A department as stored: who answers for targets and reports figures.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = departments)]
pub struct DepartmentRow {
    #[serde(skip)]
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub name_en: String,
    pub kind: String,
    /// Other spellings, as a JSON list.
    #[serde(skip)]
    pub aliases: String,
    #[serde(skip)]
    pub retired_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = departments, treat_none_as_null = true)]
pub struct DepartmentForm {
    pub slug: String,
    pub name: String,
    pub name_en: String,
    pub kind: String,
    pub aliases: String,
    pub retired_at: Option<NaiveDateTime>,
}

impl From<&domain::Department> for DepartmentForm {
    fn from(d: &domain::Department) -> Self {
        DepartmentForm {
            slug: d.slug.clone(),
            name: d.name.clone(),
            name_en: d.name_en.clone(),
            kind: d.kind.as_str().to_owned(),
            aliases: serde_json::to_string(&d.aliases).unwrap_or_else(|_| "[]".to_owned()),
            retired_at: None,
        }
    }
}

impl From<&DepartmentRow> for DepartmentForm {
    fn from(r: &DepartmentRow) -> Self {
        DepartmentForm {
            slug: r.slug.clone(),
            name: r.name.clone(),
            name_en: r.name_en.clone(),
            kind: r.kind.clone(),
            aliases: r.aliases.clone(),
            retired_at: r.retired_at,
        }
    }
}
