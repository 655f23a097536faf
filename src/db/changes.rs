//! The numbered changes to the data judgements stand on (`data_changes`): written in the same
//! transaction as the change, read by every replica to know whether, and what, to refresh.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::data_changes;

/// How long changes are kept: a replica further behind than that reloads everything.
const KEPT_DAYS: i64 = 7;

/// What changed: the actuals of some indicators, or anything (the catalog).
#[derive(Debug, Clone, PartialEq)]
pub enum Changed {
    Indicators(Vec<i64>),
    Everything,
}

/// Records a change; call it inside the transaction that makes it, as late as possible. On
/// PostgreSQL the numbers are handed out under a lock held until the commit, so they are in
/// commit order: a replica that has seen number n has seen every change before it.
pub fn record(conn: &mut DbConn, changed: &Changed, now: NaiveDateTime) -> QueryResult<()> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({})", super::CHANGES_LOCK_KEY)).execute(c)?;
    }
    let indicator_ids = match changed {
        Changed::Indicators(ids) => Some(serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned())),
        Changed::Everything => None,
    };
    diesel::delete(data_changes::table.filter(data_changes::changed_at.lt(now - chrono::Duration::days(KEPT_DAYS))))
        .execute(conn)?;
    diesel::insert_into(data_changes::table)
        .values((data_changes::changed_at.eq(now), data_changes::indicator_ids.eq(indicator_ids)))
        .execute(conn)
        .map(|_| ())
}

/// The number of the newest change (0 before the first).
pub fn newest(conn: &mut DbConn) -> QueryResult<i64> {
    Ok(data_changes::table.select(diesel::dsl::max(data_changes::id)).first::<Option<i64>>(conn)?.unwrap_or(0))
}

/// The newest change's number and everything that changed after change `after`, merged:
/// `Everything` also when changes in between are no longer kept (or a number was skipped).
pub fn since(conn: &mut DbConn, after: i64) -> QueryResult<(i64, Changed)> {
    let rows: Vec<(i64, Option<String>)> = data_changes::table
        .filter(data_changes::id.gt(after))
        .order(data_changes::id)
        .select((data_changes::id, data_changes::indicator_ids))
        .load(conn)?;
    let newest = rows.last().map_or(after, |(id, _)| *id);
    if after > 0 && rows.first().is_some_and(|(id, _)| *id != after + 1) {
        return Ok((newest, Changed::Everything));
    }
    let mut ids = Vec::new();
    for (_, list) in rows {
        match list.and_then(|l| serde_json::from_str::<Vec<i64>>(&l).ok()) {
            Some(list) => ids.extend(list),
            None => return Ok((newest, Changed::Everything)),
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok((newest, Changed::Indicators(ids)))
}
