//! Actuals and the uploads that bring them. A new value for an (indicator, region, period)
//! supersedes the current one, which stays with its upload and timestamps.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::models::{ActualRow, UploadForm, UploadSummaryRow};
use super::schema::{actuals, plans, targets, uploads};

/// Ids per `IN (…)` list.
const ID_CHUNK: usize = 5_000;

pub fn committed_upload_by_sha(conn: &mut DbConn, sha256: &str) -> QueryResult<Option<UploadSummaryRow>> {
    uploads::table
        .filter(uploads::sha256.eq(sha256))
        .filter(uploads::outcome.eq("committed"))
        .order(uploads::id.desc())
        .select(UploadSummaryRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts an upload and returns its id. There is no RETURNING on both backends, so the row is
/// found again by its content and time, inside the caller's transaction.
pub fn insert_upload(conn: &mut DbConn, form: &UploadForm) -> QueryResult<i64> {
    let name = crate::domain::shown_file_name(form.file_name);
    let form = UploadForm { file_name: &name, error_report: form.error_report.clone(), ..*form };
    diesel::insert_into(uploads::table).values(&form).execute(conn)?;
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

/// What `load` reads for the ids, an `IN (…)` list of at most [`ID_CHUNK`] at a time.
fn per_chunk<T>(ids: &[i64], mut load: impl FnMut(&[i64]) -> QueryResult<Vec<T>>) -> QueryResult<Vec<T>> {
    let mut all = Vec::new();
    for chunk in ids.chunks(ID_CHUNK) {
        all.extend(load(chunk)?);
    }
    Ok(all)
}

/// Current values of the given indicators.
pub fn current_values(conn: &mut DbConn, indicator_ids: &[i64]) -> QueryResult<Vec<CurrentValue>> {
    per_chunk(indicator_ids, |chunk| {
        actuals::table
            .filter(actuals::superseded_at.is_null())
            .filter(actuals::indicator_id.eq_any(chunk))
            .select((actuals::id, actuals::indicator_id, actuals::region, actuals::period, actuals::value))
            .load::<CurrentValue>(conn)
    })
}

/// A figure a later one replaced: (indicator, region, period, value, when it was replaced).
pub type ReplacedValue = (i64, String, String, f64, NaiveDateTime);

/// The figures later ones replaced, of these indicators.
pub fn replaced_values(conn: &mut DbConn, indicator_ids: &[i64]) -> QueryResult<Vec<ReplacedValue>> {
    per_chunk(indicator_ids, |chunk| {
        actuals::table
            .filter(actuals::superseded_at.is_not_null())
            .filter(actuals::indicator_id.eq_any(chunk))
            .select((
                actuals::indicator_id,
                actuals::region,
                actuals::period,
                actuals::value,
                actuals::superseded_at.assume_not_null(),
            ))
            .load::<ReplacedValue>(conn)
    })
}

pub fn supersede(conn: &mut DbConn, ids: &[i64], at: NaiveDateTime) -> QueryResult<()> {
    for chunk in ids.chunks(ID_CHUNK) {
        diesel::update(actuals::table.filter(actuals::id.eq_any(chunk)))
            .set(actuals::superseded_at.eq(Some(at)))
            .execute(conn)?;
    }
    Ok(())
}

/// The values of one new actual; the upload and the time are the same for a whole file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewActual<'a>(
    pub i64,
    pub &'a str,
    pub String,
    pub chrono::NaiveDate,
    pub f64,
    pub Option<&'a str>,
    pub Option<&'a str>,
);

/// Rows per statement of a bulk insert.
pub const INSERT_CHUNK_ROWS: usize = 20_000;

const SQLITE_BULK_INSERT: &str = "INSERT INTO actuals \
    (indicator_id, region, period, period_end, value, note, source, upload_id, recorded_at) \
    SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, ?, ? \
    FROM jsonb_each(?)";

/// One row of a PostgreSQL `COPY … FROM STDIN (FORMAT binary)`.
#[derive(Insertable)]
#[diesel(table_name = actuals, treat_none_as_default_value = false)]
struct CopyRow<'a> {
    indicator_id: i64,
    region: &'a str,
    period: &'a str,
    period_end: chrono::NaiveDate,
    value: f64,
    note: Option<&'a str>,
    source: Option<&'a str>,
    upload_id: Option<i64>,
    recorded_at: NaiveDateTime,
}

/// Rows per PostgreSQL COPY (bounds the memory of one batch).
pub const COPY_CHUNK_ROWS: usize = 100_000;

/// Inserts actuals in bulk. SQLite: one statement per chunk over a JSON array of rows, so the
/// database loops over the rows itself instead of binding nine parameters per row (a million
/// rows: ~9 s → ~2.5 s); `jsonb_each` hands each row to `->>` as JSONB, not as text to parse
/// again. PostgreSQL: binary COPY, the fastest way in (see BENCHMARKS.md).
pub fn insert_actuals(
    conn: &mut DbConn,
    upload_id: Option<i64>,
    recorded_at: NaiveDateTime,
    rows: &[NewActual],
) -> QueryResult<()> {
    use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
    match conn {
        DbConn::Sqlite(c) => {
            for chunk in rows.chunks(INSERT_CHUNK_ROWS) {
                let json =
                    serde_json::to_string(chunk).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
                diesel::sql_query(SQLITE_BULK_INSERT)
                    .bind::<Nullable<BigInt>, _>(upload_id)
                    .bind::<Timestamp, _>(recorded_at)
                    .bind::<Text, _>(json)
                    .execute(c)?;
            }
        }
        DbConn::Pg(c) => {
            lock_references(c, upload_id, rows)?;
            for chunk in rows.chunks(COPY_CHUNK_ROWS) {
                let batch: Vec<CopyRow> = chunk
                    .iter()
                    .map(|r| CopyRow {
                        indicator_id: r.0,
                        region: r.1,
                        period: &r.2,
                        period_end: r.3,
                        value: r.4,
                        note: r.5,
                        source: r.6,
                        upload_id,
                        recorded_at,
                    })
                    .collect();
                diesel::copy_from(actuals::table).from_insertable(batch).execute(c)?;
            }
        }
    }
    Ok(())
}

/// What the foreign keys of `actuals` would check row by row, once per batch: every indicator
/// and the upload exist, and stay (FOR KEY SHARE) until the transaction ends.
fn lock_references(conn: &mut diesel::PgConnection, upload_id: Option<i64>, rows: &[NewActual]) -> QueryResult<()> {
    use super::schema::indicators;
    let mut wanted: Vec<i64> = rows.iter().map(|r| r.0).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let found: Vec<i64> =
        indicators::table.filter(indicators::id.eq_any(&wanted)).select(indicators::id).for_key_share().load(conn)?;
    let missing = |what: String| {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ForeignKeyViolation,
            Box::new(format!("actuals refer to {what} that does not exist")),
        )
    };
    if found.len() != wanted.len() {
        let absent: Vec<String> = wanted.iter().filter(|id| !found.contains(id)).map(i64::to_string).collect();
        return Err(missing(format!("indicator(s) {}", absent.join(", "))));
    }
    if let Some(id) = upload_id {
        let exists: Option<i64> = uploads::table.find(id).select(uploads::id).for_key_share().first(conn).optional()?;
        if exists.is_none() {
            return Err(missing(format!("upload {id}")));
        }
    }
    Ok(())
}

/// Makes uploads that could collide take turns (PostgreSQL; SQLite's `BEGIN IMMEDIATE` already
/// lets one writer in at a time): the same bytes (a transaction-scoped advisory lock on the
/// file's hash) and figures of the same indicators (their rows, in id order so two uploads never
/// wait for each other). The later upload then sees the earlier one's rows once it commits.
pub fn lock_for_upload(conn: &mut DbConn, sha256: &str, indicator_ids: &[i64]) -> QueryResult<()> {
    use super::schema::indicators;
    let DbConn::Pg(c) = conn else { return Ok(()) };
    let key = i64::from_str_radix(&sha256[..15.min(sha256.len())], 16).unwrap_or(0);
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)").bind::<diesel::sql_types::BigInt, _>(key).execute(c)?;
    for chunk in indicator_ids.chunks(ID_CHUNK) {
        indicators::table
            .filter(indicators::id.eq_any(chunk))
            .order(indicators::id)
            .select(indicators::id)
            .for_no_key_update()
            .load::<i64>(c)?;
    }
    Ok(())
}

/// Refreshes the query planner's statistics of `actuals` after a bulk load (PostgreSQL).
pub fn refresh_statistics(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Pg(c) => diesel::sql_query("ANALYZE actuals").execute(c).map(|_| ()),
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// The indicators an upload brought values for.
pub fn indicator_ids_of_upload(conn: &mut DbConn, upload_id: i64) -> QueryResult<Vec<i64>> {
    actuals::table.filter(actuals::upload_id.eq(upload_id)).select(actuals::indicator_id).distinct().load(conn)
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

/// Which of an indicator's actuals: current only or every revision, one region or all, a page.
#[derive(Debug, Clone, Default)]
pub struct ActualsFilter {
    pub history: bool,
    pub region: Option<String>,
    pub limit: Option<i64>,
    pub offset: i64,
}

/// An indicator's actuals, by region then oldest period first (a page of them, if asked).
pub fn actuals_of_indicator(
    conn: &mut DbConn,
    indicator_id: i64,
    filter: &ActualsFilter,
) -> QueryResult<Vec<ActualRow>> {
    let mut query = actuals::table
        .filter(actuals::indicator_id.eq(indicator_id))
        .order((actuals::region, actuals::period_end, actuals::recorded_at, actuals::id))
        .select(ActualRow::as_select())
        .offset(filter.offset)
        .into_boxed();
    if !filter.history {
        query = query.filter(actuals::superseded_at.is_null());
    }
    if let Some(region) = &filter.region {
        query = query.filter(actuals::region.eq(region.clone()));
    }
    if let Some(limit) = filter.limit {
        query = query.limit(limit);
    }
    query.load(conn)
}

/// How many actuals the filter names (without its page).
pub fn count_actuals_of_indicator(conn: &mut DbConn, indicator_id: i64, filter: &ActualsFilter) -> QueryResult<i64> {
    let mut query = actuals::table.filter(actuals::indicator_id.eq(indicator_id)).count().into_boxed();
    if !filter.history {
        query = query.filter(actuals::superseded_at.is_null());
    }
    if let Some(region) = &filter.region {
        query = query.filter(actuals::region.eq(region.clone()));
    }
    query.get_result(conn)
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
    /// Stated by a plan's own text (a seed figure), not reported by a department.
    pub stated: bool,
    /// For a stated figure: the day the plan whose seed file brought it was issued — known since
    /// then, however much later the server first loaded it.
    pub stated_on: Option<chrono::NaiveDate>,
}

/// The uploads of the seed files (the figures the plans' own texts state), each with the issue
/// day of the plan its file is named after (`smart-city-13th-fyp.csv`).
fn seed_uploads(conn: &mut DbConn) -> QueryResult<std::collections::HashMap<i64, Option<chrono::NaiveDate>>> {
    let seeds: Vec<(i64, String)> =
        uploads::table.filter(uploads::channel.eq("seed")).select((uploads::id, uploads::file_name)).load(conn)?;
    let issued: std::collections::HashMap<String, Option<chrono::NaiveDate>> =
        plans::table.select((plans::slug, plans::issued)).load(conn)?.into_iter().collect();
    Ok(seeds
        .into_iter()
        .map(|(id, file)| {
            let plan = file.strip_suffix(".csv").unwrap_or(&file);
            (id, issued.get(plan).copied().flatten())
        })
        .collect())
}

pub fn revisions_of(conn: &mut DbConn, indicator_ids: &[i64]) -> QueryResult<Vec<RevisionRow>> {
    // The seed files' uploads: a handful, read once rather than joined to every actual.
    let stated = seed_uploads(conn)?;
    let mut all = Vec::new();
    for chunk in indicator_ids.chunks(ID_CHUNK) {
        let rows = actuals::table
            .filter(actuals::indicator_id.eq_any(chunk))
            .order((actuals::indicator_id, actuals::period_end, actuals::recorded_at))
            .select((
                actuals::indicator_id,
                actuals::region,
                actuals::period_end,
                actuals::value,
                actuals::recorded_at,
                actuals::upload_id,
            ))
            .load::<(i64, String, chrono::NaiveDate, f64, NaiveDateTime, Option<i64>)>(conn)?;
        all.extend(rows.into_iter().map(|(indicator_id, region, period_end, value, recorded_at, upload)| {
            RevisionRow {
                indicator_id,
                region,
                period_end,
                value,
                recorded_at,
                stated: upload.is_some_and(|id| stated.contains_key(&id)),
                stated_on: upload.and_then(|id| stated.get(&id).copied().flatten()),
            }
        }));
    }
    Ok(all)
}

/// Uploads newest first: at most `limit`, older than `before` (an upload id) when given.
pub fn list_uploads(conn: &mut DbConn, limit: i64, before: Option<i64>) -> QueryResult<Vec<UploadSummaryRow>> {
    let mut query =
        uploads::table.order(uploads::id.desc()).limit(limit).select(UploadSummaryRow::as_select()).into_boxed();
    if let Some(before) = before {
        query = query.filter(uploads::id.lt(before));
    }
    query.load(conn)
}

/// The newest uploads that wrote figures of these indicators, newest first.
pub fn uploads_touching(conn: &mut DbConn, indicator_ids: &[i64], limit: i64) -> QueryResult<Vec<UploadSummaryRow>> {
    if indicator_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<i64> = per_chunk(indicator_ids, |chunk| {
        actuals::table
            .filter(actuals::indicator_id.eq_any(chunk))
            .filter(actuals::upload_id.is_not_null())
            .select(actuals::upload_id.assume_not_null())
            .distinct()
            .load::<i64>(conn)
    })?;
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.dedup();
    // The seed files hold what the plans' texts state: no department's upload.
    let seeds = seed_uploads(conn)?;
    ids.retain(|id| !seeds.contains_key(id));
    ids.truncate(limit.max(0) as usize);
    uploads::table
        .filter(uploads::id.eq_any(&ids))
        .order(uploads::id.desc())
        .select(UploadSummaryRow::as_select())
        .load(conn)
}

pub fn count_uploads(conn: &mut DbConn) -> QueryResult<i64> {
    uploads::table.count().get_result(conn)
}

/// The stored problems of a rejected upload (JSON), if the upload exists.
pub fn upload_problems(conn: &mut DbConn, id: i64) -> QueryResult<Option<Option<String>>> {
    uploads::table.find(id).select(uploads::error_report).first(conn).optional()
}

pub fn upload_by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<UploadSummaryRow>> {
    uploads::table.find(id).select(UploadSummaryRow::as_select()).first(conn).optional()
}

/// The size of the files refused from this sender since `since` (kept or not).
pub fn rejected_bytes_since(conn: &mut DbConn, sender: &str, since: NaiveDateTime) -> QueryResult<i64> {
    let sizes: Vec<i64> = uploads::table
        .filter(uploads::uploaded_by.eq(sender))
        .filter(uploads::outcome.eq("rejected"))
        .filter(uploads::received_at.ge(since))
        .select(uploads::size_bytes)
        .load(conn)?;
    Ok(sizes.iter().sum())
}

/// (bytes kept, size received) of an upload: how many bytes its file holds, without reading them.
pub fn upload_raw_size(conn: &mut DbConn, id: i64) -> QueryResult<Option<(i64, i64)>> {
    uploads::table
        .find(id)
        .select((diesel::dsl::sql::<diesel::sql_types::BigInt>("CAST(length(raw) AS BIGINT)"), uploads::size_bytes))
        .first(conn)
        .optional()
}

/// File name and raw bytes of an upload.
pub fn upload_raw(conn: &mut DbConn, id: i64) -> QueryResult<Option<(String, Vec<u8>)>> {
    uploads::table.find(id).select((uploads::file_name, uploads::raw)).first(conn).optional()
}

/// The newest committed upload's time: the data vintage — of the uploads known on `known_at`
/// (the office's day), when a view is as known then.
pub fn newest_upload_at(conn: &mut DbConn, known_at: Option<chrono::NaiveDate>) -> QueryResult<Option<NaiveDateTime>> {
    let mut query = uploads::table.filter(uploads::outcome.eq("committed")).into_boxed();
    if let Some(day) = known_at {
        query = query.filter(uploads::received_at.lt(crate::clock::day_ends_utc(day)));
    }
    query.select(diesel::dsl::max(uploads::received_at)).first(conn)
}
