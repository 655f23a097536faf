//! Scheduled reports: claimed by period, then finished with their file.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::DbConn;
use super::schema::reports;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    pub id: i64,
    pub period_key: String,
    pub plan: Option<String>,
    pub as_of: NaiveDate,
    pub lang: String,
    pub method: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    #[serde(skip)]
    pub file_path: Option<String>,
    pub size_bytes: Option<i64>,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// Claims the report of a period; `None` when another replica (or an earlier run) has it.
pub fn claim(
    conn: &mut DbConn,
    period_key: &str,
    as_of: NaiveDate,
    lang: &str,
    method: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    let values = (
        reports::period_key.eq(period_key),
        reports::as_of.eq(as_of),
        reports::lang.eq(lang),
        reports::method.eq(method),
        reports::status.eq("running"),
        reports::created_at.eq(now),
    );
    let inserted = match conn {
        DbConn::Sqlite(c) => diesel::insert_or_ignore_into(reports::table).values(values).execute(c)?,
        DbConn::Pg(c) => diesel::insert_into(reports::table).values(values).on_conflict_do_nothing().execute(c)?,
    };
    if inserted == 0 {
        return Ok(None);
    }
    reports::table.filter(reports::period_key.eq(period_key)).select(reports::id).first(conn).map(Some)
}

pub fn finish(
    conn: &mut DbConn,
    id: i64,
    outcome: Result<(String, i64), String>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let (status, path, size, error) = match outcome {
        Ok((path, size)) => ("done", Some(path), Some(size), None),
        Err(error) => ("failed", None, None, Some(error)),
    };
    diesel::update(reports::table.find(id))
        .set((
            reports::status.eq(status),
            reports::file_path.eq(path),
            reports::size_bytes.eq(size),
            reports::error.eq(error),
            reports::finished_at.eq(Some(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<ReportRow>> {
    reports::table.order(reports::id.desc()).select(ReportRow::as_select()).load(conn)
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<ReportRow>> {
    reports::table.find(id).select(ReportRow::as_select()).first(conn).optional()
}
