//! API tokens (only their hashes are stored), the audit log, and inbox claims.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{api_tokens, audit_log, inbox_claims, web_sessions};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    /// An uploader limited to the figures this department reports (slug).
    pub department: Option<String>,
}

pub fn insert_token(
    conn: &mut DbConn,
    name: &str,
    role: &str,
    department: Option<&str>,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::name.eq(name),
            api_tokens::role.eq(role),
            api_tokens::department.eq(department),
            api_tokens::token_hash.eq(token_hash),
            api_tokens::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The live (not revoked) token with this hash.
pub fn token_by_hash(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<TokenRow>> {
    api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .select(TokenRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_tokens(conn: &mut DbConn) -> QueryResult<Vec<TokenRow>> {
    api_tokens::table.order(api_tokens::id).select(TokenRow::as_select()).load(conn)
}

pub fn revoke_token(conn: &mut DbConn, name: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(api_tokens::table.filter(api_tokens::name.eq(name)).filter(api_tokens::revoked_at.is_null()))
        .set(api_tokens::revoked_at.eq(Some(now)))
        .execute(conn)
}

/// Records a write: who did what to which thing.
pub fn audit(
    conn: &mut DbConn,
    actor: &str,
    action: &str,
    subject: &str,
    details: Option<String>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(now),
            audit_log::actor.eq(actor),
            audit_log::action.eq(action),
            audit_log::subject.eq(subject),
            audit_log::details.eq(details),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub details: Option<String>,
}

pub fn audit_entries(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .order(audit_log::id.desc())
        .limit(limit)
        .select((
            audit_log::id,
            audit_log::at,
            audit_log::actor,
            audit_log::action,
            audit_log::subject,
            audit_log::details,
        ))
        .load(conn)
}

/// Claims an inbox file for this replica, in the transaction that records its upload; false when
/// another replica already has it.
pub fn claim_inbox_file(
    conn: &mut DbConn,
    file_name: &str,
    sha256: &str,
    claimed_by: &str,
    upload_id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let row = (
        inbox_claims::file_name.eq(file_name),
        inbox_claims::sha256.eq(sha256),
        inbox_claims::claimed_by.eq(claimed_by),
        inbox_claims::claimed_at.eq(now),
        inbox_claims::upload_id.eq(Some(upload_id)),
    );
    let inserted = match conn {
        DbConn::Sqlite(c) => diesel::insert_or_ignore_into(inbox_claims::table).values(row).execute(c)?,
        DbConn::Pg(c) => diesel::insert_into(inbox_claims::table).values(row).on_conflict_do_nothing().execute(c)?,
    };
    Ok(inserted == 1)
}

/// The upload an inbox file was taken into, if some replica took it: (upload id, outcome).
pub fn inbox_claim(
    conn: &mut DbConn,
    file_name: &str,
    sha256: &str,
) -> QueryResult<Option<(Option<i64>, Option<String>)>> {
    use super::schema::uploads;
    inbox_claims::table
        .left_join(uploads::table.on(inbox_claims::upload_id.eq(uploads::id.nullable())))
        .filter(inbox_claims::file_name.eq(file_name))
        .filter(inbox_claims::sha256.eq(sha256))
        .select((inbox_claims::upload_id, uploads::outcome.nullable()))
        .first(conn)
        .optional()
}

/// A browser session: the hash of its cookie value, standing for a token until it expires.
pub fn insert_session(
    conn: &mut DbConn,
    session_hash: &str,
    token_id: i64,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::session_hash.eq(session_hash),
            web_sessions::token_id.eq(token_id),
            web_sessions::created_at.eq(now),
            web_sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The live token a session stands for, while the session lasts.
pub fn token_by_session(conn: &mut DbConn, session_hash: &str, now: NaiveDateTime) -> QueryResult<Option<TokenRow>> {
    web_sessions::table
        .inner_join(api_tokens::table)
        .filter(web_sessions::session_hash.eq(session_hash))
        .filter(web_sessions::expires_at.gt(now))
        .filter(api_tokens::revoked_at.is_null())
        .select(TokenRow::as_select())
        .first(conn)
        .optional()
}

pub fn delete_session(conn: &mut DbConn, session_hash: &str) -> QueryResult<()> {
    diesel::delete(web_sessions::table.filter(web_sessions::session_hash.eq(session_hash))).execute(conn).map(|_| ())
}

/// Ends a token's sessions beyond its newest `keep`.
pub fn trim_sessions(conn: &mut DbConn, token_id: i64, keep: i64) -> QueryResult<usize> {
    let oldest_kept: Option<i64> = web_sessions::table
        .filter(web_sessions::token_id.eq(token_id))
        .order(web_sessions::id.desc())
        .select(web_sessions::id)
        .offset(keep - 1)
        .first(conn)
        .optional()?;
    let Some(oldest_kept) = oldest_kept else { return Ok(0) };
    diesel::delete(
        web_sessions::table.filter(web_sessions::token_id.eq(token_id)).filter(web_sessions::id.lt(oldest_kept)),
    )
    .execute(conn)
}

/// How many sessions are stored (live or not yet purged).
pub fn count_sessions(conn: &mut DbConn) -> QueryResult<i64> {
    web_sessions::table.count().get_result(conn)
}

/// Forgets sessions that have expired.
pub fn purge_sessions(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.filter(web_sessions::expires_at.le(now))).execute(conn)
}
