//! Reads for the API: current (not retired) catalog items with their plan and indicator.

use diesel::prelude::*;

use super::DbConn;
use super::models::{DepartmentRow, IndicatorRow, PlanRow, TargetRow};
use super::schema::{departments, duty_changes, indicators, plans, regions, target_owners, targets};

/// A target with the plan that sets it and the indicator it measures.
pub type TargetWithContext = (TargetRow, PlanRow, IndicatorRow);

/// The city and its districts as the catalog last listed them (empty names before any sync).
pub fn regions(conn: &mut DbConn) -> QueryResult<crate::catalog::Regions> {
    let rows: Vec<(String, bool)> =
        regions::table.select((regions::name, regions::is_city)).order(regions::position).load(conn)?;
    let default = rows.iter().find(|(_, city)| *city).map(|(n, _)| n.clone()).unwrap_or_default();
    let districts = rows.into_iter().filter(|(_, city)| !city).map(|(n, _)| n).collect();
    Ok(crate::catalog::Regions { default, districts })
}

pub fn list_plans(conn: &mut DbConn) -> QueryResult<Vec<PlanRow>> {
    plans::table
        .filter(plans::retired_at.is_null())
        .order((plans::horizon_start, plans::slug))
        .select(PlanRow::as_select())
        .load(conn)
}

pub fn plan_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<PlanRow>> {
    plans::table
        .filter(plans::slug.eq(slug))
        .filter(plans::retired_at.is_null())
        .select(PlanRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_indicators(conn: &mut DbConn) -> QueryResult<Vec<IndicatorRow>> {
    indicators::table
        .filter(indicators::retired_at.is_null())
        .order(indicators::slug)
        .select(IndicatorRow::as_select())
        .load(conn)
}

pub fn indicator_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<IndicatorRow>> {
    indicators::table
        .filter(indicators::slug.eq(slug))
        .filter(indicators::retired_at.is_null())
        .select(IndicatorRow::as_select())
        .first(conn)
        .optional()
}

/// Current targets, optionally of one plan and/or one indicator (by slug), in catalog order.
/// Every current target's name, indicator and plan's first year: what an upload needs of them.
pub fn target_names(conn: &mut DbConn) -> QueryResult<Vec<(String, i64, i32)>> {
    targets::table
        .inner_join(plans::table)
        .filter(targets::retired_at.is_null())
        .select((targets::name, targets::indicator_id, plans::horizon_start))
        .load(conn)
}

pub fn list_targets(
    conn: &mut DbConn,
    plan: Option<&str>,
    indicator: Option<&str>,
) -> QueryResult<Vec<TargetWithContext>> {
    let mut query = targets::table
        .inner_join(plans::table)
        .inner_join(indicators::table)
        .filter(targets::retired_at.is_null())
        .select((TargetRow::as_select(), PlanRow::as_select(), IndicatorRow::as_select()))
        .order(targets::id)
        .into_boxed();
    if let Some(plan) = plan {
        query = query.filter(plans::slug.eq(plan.to_owned()));
    }
    if let Some(indicator) = indicator {
        query = query.filter(indicators::slug.eq(indicator.to_owned()));
    }
    query.load(conn)
}

pub fn target_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<TargetWithContext>> {
    targets::table
        .inner_join(plans::table)
        .inner_join(indicators::table)
        .filter(targets::slug.eq(slug))
        .filter(targets::retired_at.is_null())
        .select((TargetRow::as_select(), PlanRow::as_select(), IndicatorRow::as_select()))
        .first(conn)
        .optional()
}

/// The current departments, in catalog order of their kind, then by slug.
pub fn list_departments(conn: &mut DbConn) -> QueryResult<Vec<DepartmentRow>> {
    departments::table
        .filter(departments::retired_at.is_null())
        .order((departments::kind, departments::slug))
        .select(DepartmentRow::as_select())
        .load(conn)
}

/// Every target's owners: (target slug, department slug), lead first.
pub fn target_owners(conn: &mut DbConn) -> QueryResult<Vec<(String, String)>> {
    target_owners::table
        .order((target_owners::target_slug, target_owners::position))
        .select((target_owners::target_slug, target_owners::department_slug))
        .load(conn)
}

/// A duty an administrator set for an indicator, from the time it was recorded.
#[derive(Debug, Clone, Queryable)]
pub struct DutyChange {
    pub indicator_slug: String,
    pub frequency: String,
    pub due_days: i32,
    pub reporter: Option<String>,
    pub recorded_at: chrono::NaiveDateTime,
    pub recorded_by: String,
}

/// Every duty an administrator set, oldest first: the last of an indicator's is its duty now.
pub fn duty_changes(conn: &mut DbConn) -> QueryResult<Vec<DutyChange>> {
    duty_changes::table
        .order((duty_changes::recorded_at, duty_changes::id))
        .select((
            duty_changes::indicator_slug,
            duty_changes::frequency,
            duty_changes::due_days,
            duty_changes::reporter,
            duty_changes::recorded_at,
            duty_changes::recorded_by,
        ))
        .load(conn)
}

/// Sets an indicator's duty from now on; the earlier ones stay for views as known before. The
/// same duty set again changes nothing and is not kept twice (`false`). The caller records the
/// change.
pub fn set_duty(conn: &mut DbConn, duty: &DutyChange) -> QueryResult<bool> {
    let last: Option<(String, i32, Option<String>)> = duty_changes::table
        .filter(duty_changes::indicator_slug.eq(&duty.indicator_slug))
        .order((duty_changes::recorded_at.desc(), duty_changes::id.desc()))
        .select((duty_changes::frequency, duty_changes::due_days, duty_changes::reporter))
        .first(conn)
        .optional()?;
    if last == Some((duty.frequency.clone(), duty.due_days, duty.reporter.clone())) {
        return Ok(false);
    }
    diesel::insert_into(duty_changes::table)
        .values((
            duty_changes::indicator_slug.eq(&duty.indicator_slug),
            duty_changes::frequency.eq(&duty.frequency),
            duty_changes::due_days.eq(duty.due_days),
            duty_changes::reporter.eq(&duty.reporter),
            duty_changes::recorded_at.eq(duty.recorded_at),
            duty_changes::recorded_by.eq(&duty.recorded_by),
        ))
        .execute(conn)?;
    Ok(true)
}
