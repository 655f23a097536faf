//! Who answers for each target and who owes which figure: the owners the catalog names, and each
//! indicator's reporting duty — an administrator's, else the catalog's, else the defaults, with
//! the lead owner of its first target as the reporter when none is named.

use std::collections::HashMap;

use diesel::prelude::*;

use chrono::NaiveDate;

use crate::db::models::{PlanRow, TargetRow};
use crate::db::schema::{indicators, plans, targets};
use crate::db::{DbConn, queries};
use crate::domain::{DEFAULT_DUE_DAYS, DEFAULT_FREQUENCY, Duty, Frequency};

#[derive(Debug, Clone, Default)]
pub struct Duties {
    by_indicator: HashMap<i64, Duty>,
    owners: HashMap<String, Vec<String>>,
    /// Indicators whose figures are running totals (a 累计 target measures them from 0): the day
    /// they count from — the start of the earliest such plan, so one series serves every plan.
    totals_since: HashMap<i64, NaiveDate>,
}

/// Each indicator a current 累计 target (one without a stated baseline) is measured on: the day
/// after the earliest such target's base year ends.
fn totals_since(conn: &mut DbConn) -> QueryResult<HashMap<i64, NaiveDate>> {
    let cumulative: Vec<(TargetRow, PlanRow)> = targets::table
        .inner_join(plans::table)
        .filter(targets::retired_at.is_null())
        .filter(targets::cumulative.eq(true))
        .filter(targets::baseline_value.is_null())
        .select((TargetRow::as_select(), PlanRow::as_select()))
        .load(conn)?;
    let mut since: HashMap<i64, NaiveDate> = HashMap::new();
    for (target, plan) in cumulative {
        let Some(day) = NaiveDate::from_ymd_opt(super::base_year(&target, &plan) + 1, 1, 1) else { continue };
        since.entry(target.indicator_id).and_modify(|d| *d = (*d).min(day)).or_insert(day);
    }
    Ok(since)
}

/// A duty as stored (catalog columns or an override), with the defaults for what is not.
fn stored(frequency: Option<&str>, due_days: Option<i32>, reporter: Option<String>) -> Duty {
    Duty {
        frequency: frequency.and_then(|f| f.parse::<Frequency>().ok()).unwrap_or(DEFAULT_FREQUENCY),
        due_days: due_days.and_then(|d| u32::try_from(d).ok()).unwrap_or(DEFAULT_DUE_DAYS),
        reporter,
    }
}

impl Duties {
    pub fn load(conn: &mut DbConn) -> QueryResult<Duties> {
        let mut owners: HashMap<String, Vec<String>> = HashMap::new();
        for (target, department) in queries::target_owners(conn)? {
            owners.entry(target).or_default().push(department);
        }
        type CatalogDuty = (i64, String, Option<String>, Option<i32>, Option<String>);
        let catalog: Vec<CatalogDuty> = indicators::table
            .filter(indicators::retired_at.is_null())
            .select((
                indicators::id,
                indicators::slug,
                indicators::report_frequency,
                indicators::report_due_days,
                indicators::reporter,
            ))
            .load(conn)?;
        let overrides: HashMap<String, queries::DutyOverride> =
            queries::duty_overrides(conn)?.into_iter().map(|o| (o.indicator_slug.clone(), o)).collect();
        // The lead owner of each indicator's first target (catalog order) reports it by default.
        let mut lead: HashMap<i64, String> = HashMap::new();
        let current: Vec<(String, i64)> = targets::table
            .filter(targets::retired_at.is_null())
            .order(targets::id)
            .select((targets::slug, targets::indicator_id))
            .load(conn)?;
        for (slug, indicator) in current {
            if let Some(first) = owners.get(&slug).and_then(|o| o.first()) {
                lead.entry(indicator).or_insert_with(|| first.clone());
            }
        }
        let by_indicator = catalog
            .into_iter()
            .map(|(id, slug, frequency, due_days, reporter)| {
                let mut duty = match overrides.get(&slug) {
                    Some(o) => stored(Some(&o.frequency), Some(o.due_days), o.reporter.clone()),
                    None => stored(frequency.as_deref(), due_days, reporter),
                };
                if duty.reporter.is_none() {
                    duty.reporter = lead.get(&id).cloned();
                }
                (id, duty)
            })
            .collect();
        Ok(Duties { by_indicator, owners, totals_since: totals_since(conn)? })
    }

    /// The day an indicator's figures count from, when they are running totals.
    pub fn totals_since(&self, indicator_id: i64) -> Option<NaiveDate> {
        self.totals_since.get(&indicator_id).copied()
    }

    /// The duty of an indicator (the defaults for one the catalog no longer has).
    pub fn of(&self, indicator_id: i64) -> Duty {
        self.by_indicator.get(&indicator_id).cloned().unwrap_or_else(|| stored(None, None, None))
    }

    /// A target's owners, the lead first.
    pub fn owners_of(&self, target_slug: &str) -> &[String] {
        self.owners.get(target_slug).map(Vec::as_slice).unwrap_or_default()
    }
}
