//! Who answers for each target and who owes which figure: the owners the catalog names, and each
//! indicator's reporting duty — an administrator's, else the catalog's, else the defaults, with
//! the lead owner of its first target as the reporter when none is named. An administrator's
//! duties are kept in the order they were set, so a view as known on an earlier day counts by the
//! duty known then.

use std::collections::HashMap;

use diesel::prelude::*;

use chrono::NaiveDate;

use crate::db::models::{PlanRow, TargetRow};
use crate::db::schema::{indicators, plans, targets};
use crate::db::{DbConn, queries};
use crate::domain::{DEFAULT_DUE_DAYS, DEFAULT_FREQUENCY, Duty, Frequency};

#[derive(Debug, Clone, Default)]
pub struct Duties {
    /// Each indicator's duties, oldest first, each with the day it was known from (Beijing
    /// time): the catalog's from the start, then each an administrator set.
    by_indicator: HashMap<i64, Vec<(NaiveDate, Duty)>>,
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
        let mut set: HashMap<String, Vec<queries::DutyChange>> = HashMap::new();
        for change in queries::duty_changes(conn)? {
            set.entry(change.indicator_slug.clone()).or_default().push(change);
        }
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
                let catalog = (NaiveDate::MIN, stored(frequency.as_deref(), due_days, reporter));
                let changes = set.get(&slug).into_iter().flatten().map(|c| {
                    let duty = stored(Some(&c.frequency), Some(c.due_days), c.reporter.clone());
                    (crate::clock::local_date(c.recorded_at), duty)
                });
                let mut duties: Vec<(NaiveDate, Duty)> = std::iter::once(catalog).chain(changes).collect();
                for (_, duty) in &mut duties {
                    if duty.reporter.is_none() {
                        duty.reporter = lead.get(&id).cloned();
                    }
                }
                (id, duties)
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
        self.known_on(indicator_id, None)
    }

    /// The duty of an indicator as known on a day (`None`: now).
    pub fn known_on(&self, indicator_id: i64, day: Option<NaiveDate>) -> Duty {
        let duties = self.by_indicator.get(&indicator_id).map(Vec::as_slice).unwrap_or_default();
        let known = duties.iter().rev().find(|(from, _)| day.is_none_or(|day| *from <= day));
        // A day before even the catalog's: the catalog's, which was there from the start.
        known.or(duties.first()).map_or_else(|| stored(None, None, None), |(_, duty)| duty.clone())
    }

    /// Whether an indicator's duty was set anew after a day: a view as known on it counts by an
    /// earlier duty.
    pub fn changed_after(&self, indicator_id: i64, day: NaiveDate) -> bool {
        self.by_indicator.get(&indicator_id).and_then(|d| d.last()).is_some_and(|(from, _)| *from > day)
    }

    /// A target's owners, the lead first.
    pub fn owners_of(&self, target_slug: &str) -> &[String] {
        self.owners.get(target_slug).map(Vec::as_slice).unwrap_or_default()
    }
}
