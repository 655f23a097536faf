//! Reports: scheduled ones claimed by period, then finished with their file; every report made
//! (scheduled or asked for) kept with a snapshot of what it judged, numbered per year.

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
    /// What it judged (JSON): the next report's "since" compares with it.
    #[serde(skip)]
    pub snapshot: Option<String>,
    /// Its number, as the settings' pattern makes it (沪规划报〔2026〕3号).
    pub number: Option<String>,
    pub known_at: Option<NaiveDate>,
    pub department: Option<String>,
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

/// Records the file a report asked for was written to, unless one was already (the same report
/// asked for again is the same file).
pub fn keep_file(conn: &mut DbConn, id: i64, path: &str, size: i64) -> QueryResult<()> {
    diesel::update(reports::table.find(id).filter(reports::file_path.is_null()))
        .set((reports::file_path.eq(Some(path)), reports::size_bytes.eq(Some(size))))
        .execute(conn)
        .map(|_| ())
}

/// The newest `limit` reports, newest first.
pub fn list(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<ReportRow>> {
    reports::table.order(reports::id.desc()).limit(limit).select(ReportRow::as_select()).load(conn)
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<ReportRow>> {
    reports::table.find(id).select(ReportRow::as_select()).first(conn).optional()
}

/// What a made report is kept as.
#[derive(Debug, Clone)]
pub struct Made<'a> {
    /// The same report made twice (same scope, view and data) is kept once.
    pub key: &'a str,
    pub plan: Option<&'a str>,
    pub department: Option<&'a str>,
    pub as_of: NaiveDate,
    pub known_at: Option<NaiveDate>,
    pub lang: &'a str,
    pub method: &'a str,
    pub snapshot: &'a str,
}

/// The report kept under this key, if one was.
pub fn by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<ReportRow>> {
    reports::table.filter(reports::period_key.eq(key)).select(ReportRow::as_select()).first(conn).optional()
}

/// Keeps a report made on request (once per key); answers its id and number.
pub fn keep(
    conn: &mut DbConn,
    made: &Made,
    number: impl FnOnce(i64) -> Option<String>,
    now: NaiveDateTime,
) -> QueryResult<(i64, Option<String>)> {
    super::write_tx(conn, |conn| {
        if let Some(row) = reports::table
            .filter(reports::period_key.eq(made.key))
            .select(ReportRow::as_select())
            .first(conn)
            .optional()?
        {
            return Ok((row.id, row.number));
        }
        let number = number(made_this_year(conn, now)? + 1);
        let values = (
            reports::period_key.eq(made.key),
            reports::plan.eq(made.plan),
            reports::department.eq(made.department),
            reports::as_of.eq(made.as_of),
            reports::known_at.eq(made.known_at),
            reports::lang.eq(made.lang),
            reports::method.eq(made.method),
            reports::status.eq("done"),
            reports::created_at.eq(now),
            reports::finished_at.eq(Some(now)),
            reports::snapshot.eq(Some(made.snapshot)),
            reports::number.eq(number.as_deref()),
        );
        diesel::insert_into(reports::table).values(values).execute(conn)?;
        let id = reports::table.filter(reports::period_key.eq(made.key)).select(reports::id).first(conn)?;
        Ok((id, number))
    })
}

/// Records the snapshot and number of a scheduled report being made.
pub fn describe(conn: &mut DbConn, id: i64, snapshot: &str, number: Option<&str>) -> QueryResult<()> {
    diesel::update(reports::table.find(id))
        .set((reports::snapshot.eq(Some(snapshot)), reports::number.eq(number)))
        .execute(conn)
        .map(|_| ())
}

/// How many reports were numbered in `now`'s year (UTC).
pub fn made_this_year(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<i64> {
    use chrono::Datelike;
    let start = NaiveDate::from_ymd_opt(now.year(), 1, 1).unwrap_or_default().and_hms_opt(0, 0, 0).unwrap_or_default();
    reports::table.filter(reports::created_at.ge(start)).filter(reports::number.is_not_null()).count().get_result(conn)
}

/// What a report covers, for finding the one before it: a report on one plan is compared with
/// the last one on that plan, not with the last one on another.
pub struct ReportScope<'a> {
    pub plan: Option<&'a str>,
    pub department: Option<&'a str>,
    pub method: &'a str,
    /// The date the report judges: it is compared with one judging that day or earlier.
    pub as_of: NaiveDate,
    /// The day the report shows figures as known on, if any: it is compared only with a report
    /// made by that day's end, which knew no more.
    pub known_at: Option<NaiveDate>,
}

impl ReportScope<'_> {
    /// When the reports it may be compared with were made before, as known on its day: the end
    /// of that day (Beijing time); a report made since knew more.
    pub fn known_until(&self) -> Option<NaiveDateTime> {
        self.known_at.map(crate::clock::day_ends_utc)
    }
}

/// The report to compare with: of the kept ones of the same scope other than `key` that judged
/// the figures as recorded (no `known_at`) on the same date or before (made at or before `until`,
/// when given, and before the scope's [`ReportScope::known_until`]), the one of the latest date,
/// the newest of those; or the one with this id. A look at 1990 made today is no "last report".
pub fn previous(
    conn: &mut DbConn,
    key: &str,
    scope: &ReportScope,
    id: Option<i64>,
    until: Option<NaiveDateTime>,
) -> QueryResult<Option<ReportRow>> {
    if let Some(id) = id {
        return reports::table
            .find(id)
            .filter(reports::snapshot.is_not_null())
            .select(ReportRow::as_select())
            .first(conn)
            .optional();
    }
    let mut query = reports::table
        .filter(reports::snapshot.is_not_null())
        .filter(reports::period_key.ne(key))
        .order((reports::as_of.desc(), reports::created_at.desc(), reports::id.desc()))
        .select(ReportRow::as_select())
        .into_boxed();
    if let Some(until) = until {
        query = query.filter(reports::created_at.le(until));
    }
    if let Some(known_until) = scope.known_until() {
        query = query.filter(reports::created_at.lt(known_until));
    }
    query = match scope.plan {
        Some(plan) => query.filter(reports::plan.eq(plan)),
        None => query.filter(reports::plan.is_null()),
    };
    query = match scope.department {
        Some(department) => query.filter(reports::department.eq(department)),
        None => query.filter(reports::department.is_null()),
    };
    query
        .filter(reports::method.eq(scope.method))
        .filter(reports::known_at.is_null())
        .filter(reports::as_of.le(scope.as_of))
        .first(conn)
        .optional()
}
