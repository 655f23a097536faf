//! The outbox of reminders: each notice made once (its key, per webhook), claimed by one replica
//! at a time with a lease, delivered once, retried with backoff; and the status each target had
//! when the reminders last looked.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{notifications, target_marks};

/// Where a notice stands.
pub const PENDING: &str = "pending";
pub const DELIVERING: &str = "delivering";
pub const DELIVERED: &str = "delivered";
/// Given up after the last attempt.
pub const FAILED: &str = "failed";
/// Recorded with no webhook to deliver it to.
pub const UNSENT: &str = "unsent";

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: i64,
    pub dedupe_key: String,
    /// due_soon, overdue or status_changed.
    pub kind: String,
    pub department: Option<String>,
    /// The notice as JSON (what a `json` webhook receives).
    #[schema(value_type = Object)]
    #[serde(serialize_with = "as_json")]
    pub payload: String,
    pub created_at: NaiveDateTime,
    /// pending, delivering, delivered, failed or unsent (no webhook).
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    #[serde(skip)]
    pub claimed_until: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    /// The webhook's name (none: no webhook was set).
    pub webhook: Option<String>,
}

fn as_json<S: serde::Serializer>(payload: &str, s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    serde_json::from_str::<serde_json::Value>(payload).unwrap_or(serde_json::Value::Null).serialize(s)
}

/// A notice to record: once per key and webhook, however often it is offered.
#[derive(Debug, Clone)]
pub struct Notice {
    pub key: String,
    pub kind: &'static str,
    pub department: Option<String>,
    pub payload: serde_json::Value,
}

/// Records each notice for each webhook that takes it (`None`: no webhook, recorded as unsent);
/// a notice already recorded is left as it is. Answers how many were new.
pub fn enqueue(
    conn: &mut DbConn,
    notices: &[Notice],
    webhooks: &[(String, Option<String>)],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut added = 0;
    for notice in notices {
        let payload = notice.payload.to_string();
        let targets: Vec<Option<&str>> = if webhooks.is_empty() {
            vec![None]
        } else {
            webhooks
                .iter()
                .filter(|(_, department)| department.is_none() || *department == notice.department)
                .map(|(name, _)| Some(name.as_str()))
                .collect()
        };
        for webhook in targets {
            let key = match webhook {
                Some(name) => format!("{}@{name}", notice.key),
                None => notice.key.clone(),
            };
            let row = (
                notifications::dedupe_key.eq(key),
                notifications::kind.eq(notice.kind),
                notifications::department.eq(&notice.department),
                notifications::payload.eq(&payload),
                notifications::created_at.eq(now),
                notifications::state.eq(if webhook.is_some() { PENDING } else { UNSENT }),
                notifications::attempts.eq(0),
                notifications::next_attempt_at.eq(now),
                notifications::webhook.eq(webhook),
            );
            added += match conn {
                DbConn::Sqlite(c) => diesel::insert_or_ignore_into(notifications::table).values(row).execute(c)?,
                DbConn::Pg(c) => {
                    diesel::insert_into(notifications::table).values(row).on_conflict_do_nothing().execute(c)?
                }
            };
        }
    }
    Ok(added)
}

/// Takes up to `limit` notices due for delivery — pending ones whose time has come, and those a
/// replica claimed and did not finish within its lease — each by a compare-and-set, so that two
/// replicas never hold the same notice. Answers the notices now held until `until`.
pub fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    let candidates: Vec<NotificationRow> = notifications::table
        .filter(
            (notifications::state.eq(PENDING).and(notifications::next_attempt_at.le(now)))
                .or(notifications::state.eq(DELIVERING).and(notifications::claimed_until.lt(now))),
        )
        .order(notifications::id)
        .limit(limit)
        .select(NotificationRow::as_select())
        .load(conn)?;
    let mut held = Vec::with_capacity(candidates.len());
    for mut row in candidates {
        let unchanged = notifications::table
            .filter(notifications::id.eq(row.id))
            .filter(notifications::state.eq(&row.state))
            .filter(notifications::attempts.eq(row.attempts));
        let taken = match row.claimed_until {
            Some(lease) => diesel::update(unchanged.filter(notifications::claimed_until.eq(lease)))
                .set((notifications::state.eq(DELIVERING), notifications::claimed_until.eq(until)))
                .execute(conn)?,
            None => diesel::update(unchanged.filter(notifications::claimed_until.is_null()))
                .set((notifications::state.eq(DELIVERING), notifications::claimed_until.eq(until)))
                .execute(conn)?,
        };
        if taken == 1 {
            row.state = DELIVERING.to_owned();
            row.claimed_until = Some(until);
            held.push(row);
        }
    }
    Ok(held)
}

/// The notice held under `lease` went through. Answers false when the lease had run out and
/// another replica took the notice meanwhile (it then finishes it).
pub fn delivered(conn: &mut DbConn, id: i64, lease: NaiveDateTime, now: NaiveDateTime) -> QueryResult<bool> {
    let changed = diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::state.eq(DELIVERING))
            .filter(notifications::claimed_until.eq(lease)),
    )
    .set((
        notifications::state.eq(DELIVERED),
        notifications::delivered_at.eq(Some(now)),
        notifications::claimed_until.eq(None::<NaiveDateTime>),
        notifications::attempts.eq(notifications::attempts + 1),
        notifications::last_error.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The attempt under `lease` failed: try again at `retry_at`, or give up when `None`.
pub fn attempt_failed(
    conn: &mut DbConn,
    id: i64,
    lease: NaiveDateTime,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    let error: String = error.chars().take(500).collect();
    let target = notifications::table
        .filter(notifications::id.eq(id))
        .filter(notifications::state.eq(DELIVERING))
        .filter(notifications::claimed_until.eq(lease));
    let changed = match retry_at {
        Some(at) => diesel::update(target)
            .set((
                notifications::state.eq(PENDING),
                notifications::next_attempt_at.eq(at),
                notifications::claimed_until.eq(None::<NaiveDateTime>),
                notifications::attempts.eq(notifications::attempts + 1),
                notifications::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                notifications::state.eq(FAILED),
                notifications::claimed_until.eq(None::<NaiveDateTime>),
                notifications::attempts.eq(notifications::attempts + 1),
                notifications::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// The newest notices first, optionally in one state; and how many there are in all.
pub fn list(
    conn: &mut DbConn,
    state: Option<&str>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<NotificationRow>, i64)> {
    let mut query = notifications::table.into_boxed();
    let mut count = notifications::table.into_boxed();
    if let Some(state) = state {
        query = query.filter(notifications::state.eq(state.to_owned()));
        count = count.filter(notifications::state.eq(state.to_owned()));
    }
    let rows = query
        .order(notifications::id.desc())
        .limit(limit)
        .offset(offset)
        .select(NotificationRow::as_select())
        .load(conn)?;
    Ok((rows, count.count().get_result(conn)?))
}

/// The status each target had when the reminders last looked.
pub fn marks(conn: &mut DbConn) -> QueryResult<HashMap<String, String>> {
    Ok(target_marks::table
        .select((target_marks::target_slug, target_marks::status))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// Remembers these statuses.
pub fn set_marks(conn: &mut DbConn, marks: &[(String, String)], now: NaiveDateTime) -> QueryResult<()> {
    for chunk in marks.chunks(500) {
        let slugs: Vec<&str> = chunk.iter().map(|(s, _)| s.as_str()).collect();
        diesel::delete(target_marks::table.filter(target_marks::target_slug.eq_any(&slugs))).execute(conn)?;
        let rows: Vec<_> = chunk
            .iter()
            .map(|(slug, status)| {
                (target_marks::target_slug.eq(slug), target_marks::status.eq(status), target_marks::marked_at.eq(now))
            })
            .collect();
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(target_marks::table).values(rows).execute(c)?,
            DbConn::Pg(c) => diesel::insert_into(target_marks::table).values(rows).execute(c)?,
        };
    }
    Ok(())
}
