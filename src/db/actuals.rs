//! Actuals and the uploads that bring them. A new value for an (indicator, region, period)
//! supersedes the current one, which stays with its upload and timestamps.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::models::{ActualForm, ActualRow, UploadForm, UploadSummaryRow};
use super::schema::{actuals, targets, uploads};

/// SQLite allows 32 766 bound values per statement, PostgreSQL 65 535; an actual has 9 columns.
pub const INSERT_CHUNK_ROWS: usize = 3_000;
/// Ids per `IN (…)` list.
const ID_CHUNK: usize = 5_000;

pub fn committed_upload_by_sha(conn: &mut DbConn, sha256: &str) -> QueryResult<Option<UploadSummaryRow>> {
    uploads::table
        .filter(uploads::sha256.eq(sha256))
        .filter(uploads::outcome.eq("committed"))
        .order(uploads::id)
        .select(UploadSummaryRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts an upload and returns its id. There is no RETURNING on both backends, so the row is
/// found again by its content and time, inside the caller's transaction.
pub fn insert_upload(conn: &mut DbConn, form: &UploadForm) -> QueryResult<i64> {
    diesel::insert_into(uploads::table).values(form).execute(conn)?;
    uploads::table
        .filter(uploads::sha256.eq(form.sha256))
        .filter(uploads::received_at.eq(form.received_at))
        .filter(uploads::file_name.eq(form.file_name))
        .order(uploads::id.desc())
        .select(uploads::id)
        .first(conn)
}

/// The current value of one (indicator, region, period).
#[derive(Debug, Clone, Queryable)]
pub struct CurrentValue {
    pub id: i64,
    pub indicator_id: i64,
    pub region: String,
    pub period: String,
    pub value: f64,
}

/// Current values of the given indicators.
pub fn current_values(conn: &mut DbConn, indicator_ids: &[i64]) -> QueryResult<Vec<CurrentValue>> {
    let mut all = Vec::new();
    for chunk in indicator_ids.chunks(ID_CHUNK) {
        all.extend(
            actuals::table
                .filter(actuals::superseded_at.is_null())
                .filter(actuals::indicator_id.eq_any(chunk))
                .select((actuals::id, actuals::indicator_id, actuals::region, actuals::period, actuals::value))
                .load::<CurrentValue>(conn)?,
        );
    }
    Ok(all)
}

pub fn supersede(conn: &mut DbConn, ids: &[i64], at: NaiveDateTime) -> QueryResult<()> {
    for chunk in ids.chunks(ID_CHUNK) {
        diesel::update(actuals::table.filter(actuals::id.eq_any(chunk)))
            .set(actuals::superseded_at.eq(Some(at)))
            .execute(conn)?;
    }
    Ok(())
}

/// Multi-row inserts in chunks. The MultiConnection enum cannot batch, so each backend is named.
pub fn insert_actuals(conn: &mut DbConn, rows: &[ActualForm]) -> QueryResult<()> {
    for chunk in rows.chunks(INSERT_CHUNK_ROWS) {
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(actuals::table).values(chunk).execute(c)?,
            DbConn::Pg(c) => diesel::insert_into(actuals::table).values(chunk).execute(c)?,
        };
    }
    Ok(())
}

/// Indicator ids that some milestone target measures (their values are percent complete).
pub fn milestone_indicator_ids(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    targets::table
        .filter(targets::kind.eq("milestone"))
        .filter(targets::retired_at.is_null())
        .select(targets::indicator_id)
        .distinct()
        .load(conn)
}

/// Every revision of an indicator's actuals (current and superseded), oldest period first.
pub fn actuals_of_indicator(conn: &mut DbConn, indicator_id: i64, history: bool) -> QueryResult<Vec<ActualRow>> {
    let mut query = actuals::table
        .filter(actuals::indicator_id.eq(indicator_id))
        .order((actuals::region, actuals::period_end, actuals::recorded_at, actuals::id))
        .select(ActualRow::as_select())
        .into_boxed();
    if !history {
        query = query.filter(actuals::superseded_at.is_null());
    }
    query.load(conn)
}

/// Every revision of the given indicators' actuals: (indicator, region, period end, value,
/// recorded at), in period order. The progress engine picks what was known on its date.
#[derive(Debug, Clone, Queryable)]
pub struct RevisionRow {
    pub indicator_id: i64,
    pub region: String,
    pub period_end: chrono::NaiveDate,
    pub value: f64,
    pub recorded_at: NaiveDateTime,
}

pub fn revisions_of(conn: &mut DbConn, indicator_ids: &[i64]) -> QueryResult<Vec<RevisionRow>> {
    let mut all = Vec::new();
    for chunk in indicator_ids.chunks(ID_CHUNK) {
        all.extend(
            actuals::table
                .filter(actuals::indicator_id.eq_any(chunk))
                .order((actuals::indicator_id, actuals::period_end, actuals::recorded_at))
                .select((
                    actuals::indicator_id,
                    actuals::region,
                    actuals::period_end,
                    actuals::value,
                    actuals::recorded_at,
                ))
                .load::<RevisionRow>(conn)?,
        );
    }
    Ok(all)
}

pub fn list_uploads(conn: &mut DbConn) -> QueryResult<Vec<UploadSummaryRow>> {
    uploads::table.order(uploads::id.desc()).select(UploadSummaryRow::as_select()).load(conn)
}

pub fn upload_by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<UploadSummaryRow>> {
    uploads::table.find(id).select(UploadSummaryRow::as_select()).first(conn).optional()
}

/// File name and raw bytes of an upload.
pub fn upload_raw(conn: &mut DbConn, id: i64) -> QueryResult<Option<(String, Vec<u8>)>> {
    uploads::table.find(id).select((uploads::file_name, uploads::raw)).first(conn).optional()
}

/// The newest committed upload's time: the data vintage.
pub fn newest_upload_at(conn: &mut DbConn) -> QueryResult<Option<NaiveDateTime>> {
    uploads::table.filter(uploads::outcome.eq("committed")).select(diesel::dsl::max(uploads::received_at)).first(conn)
}
