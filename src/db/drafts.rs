//! Drafts of new plans and the plans published from them. A published plan is stored as the
//! catalog file it makes and the text it cites, so it is validated, synced and exported exactly
//! like a file in `targets/`; a new version supersedes the one before and every version is kept.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{plan_drafts, published_plans};
use super::{DbConn, SyncReport, write_tx};
use crate::catalog::{Catalog, PublishedFile};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = plan_drafts)]
pub struct DraftRow {
    pub id: i64,
    pub file_name: String,
    pub format: String,
    #[serde(skip)]
    pub text: String,
    #[serde(skip)]
    pub draft: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub published_slug: Option<String>,
    pub published_at: Option<NaiveDateTime>,
}

/// A draft as the rules made it, to be stored.
pub struct NewDraft<'a> {
    pub file_name: &'a str,
    pub format: &'a str,
    pub text: &'a str,
    pub draft_json: &'a str,
    pub created_by: &'a str,
}

pub fn save_draft(conn: &mut DbConn, draft: &NewDraft<'_>, now: NaiveDateTime) -> QueryResult<i64> {
    write_tx(conn, |conn| {
        diesel::insert_into(plan_drafts::table)
            .values((
                plan_drafts::file_name.eq(draft.file_name),
                plan_drafts::format.eq(draft.format),
                plan_drafts::text.eq(draft.text),
                plan_drafts::draft.eq(draft.draft_json),
                plan_drafts::created_by.eq(draft.created_by),
                plan_drafts::created_at.eq(now),
            ))
            .execute(conn)?;
        plan_drafts::table.select(plan_drafts::id).order(plan_drafts::id.desc()).first(conn)
    })
}

pub fn draft(conn: &mut DbConn, id: i64) -> QueryResult<Option<DraftRow>> {
    plan_drafts::table.find(id).select(DraftRow::as_select()).first(conn).optional()
}

/// The newest drafts first (their texts left out).
pub fn recent_drafts(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<DraftRow>> {
    plan_drafts::table
        .order(plan_drafts::id.desc())
        .limit(limit)
        .select((
            plan_drafts::id,
            plan_drafts::file_name,
            plan_drafts::format,
            diesel::dsl::sql::<diesel::sql_types::Text>("''"),
            diesel::dsl::sql::<diesel::sql_types::Text>("''"),
            plan_drafts::created_by,
            plan_drafts::created_at,
            plan_drafts::published_slug,
            plan_drafts::published_at,
        ))
        .load(conn)
}

/// Every plan published and in force (the newest version of each), as stored.
pub fn published_in_force(conn: &mut DbConn) -> QueryResult<Vec<PublishedFile>> {
    let rows: Vec<PublishedRow> = published_plans::table
        .filter(published_plans::superseded_at.is_null())
        .order(published_plans::id)
        .select(PublishedRow::as_select())
        .load(conn)?;
    Ok(rows.iter().map(PublishedRow::file).collect())
}

/// The catalog file of every plan published and in force (not its text): what a revision's
/// draft is matched with.
pub fn catalogs_in_force(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    published_plans::table
        .filter(published_plans::superseded_at.is_null())
        .order(published_plans::id)
        .select(published_plans::catalog)
        .load(conn)
}

/// A published plan's text by the name its citations give it (`{slug}.v{n}.txt`).
pub fn document_text(conn: &mut DbConn, document_name: &str) -> QueryResult<Option<String>> {
    published_plans::table
        .filter(published_plans::document_name.eq(document_name))
        .select(published_plans::document_text)
        .first(conn)
        .optional()
}

/// The text of the version in force of a published plan.
pub fn text_in_force(conn: &mut DbConn, slug: &str) -> QueryResult<Option<String>> {
    published_plans::table
        .filter(published_plans::slug.eq(slug))
        .filter(published_plans::superseded_at.is_null())
        .select(published_plans::document_text)
        .first(conn)
        .optional()
}

/// Every published plan as the catalog reads it: each plan's version in force, and each older
/// version as a plan of its own in force until the next took over — so views as of an earlier day
/// judge the version then in force. A revision takes over on the day it was issued when its text
/// says so (issued after the version it revises, and not after it was published); else — a
/// correction, or a text without a date — on the day it was published.
pub fn published_catalog(conn: &mut DbConn) -> QueryResult<Vec<PublishedFile>> {
    let rows: Vec<PublishedRow> = published_plans::table
        .order((published_plans::slug, published_plans::version))
        .select(PublishedRow::as_select())
        .load(conn)?;
    let mut files = Vec::new();
    for current in rows.iter().filter(|r| r.superseded_at.is_none()) {
        let versions: Vec<&PublishedRow> = rows.iter().filter(|r| r.slug == current.slug).collect();
        let starts = takeover_days(&versions);
        let file = current.file();
        let newer_indicators = file.defined_indicators();
        for (n, version) in versions.iter().enumerate() {
            let from = starts[n];
            files.push(match versions.get(n + 1) {
                None if n == 0 => file.clone(),
                None => revised(file.in_force_from(from.unwrap_or_else(|| day(current.published_at))))?,
                Some(_) => {
                    let until =
                        starts[n + 1].unwrap_or_else(|| day(version.superseded_at.unwrap_or(current.published_at)));
                    revised(version.file().superseded(version.version, until, &newer_indicators))?
                }
            });
        }
    }
    Ok(files)
}

/// The day each version took over from the one before (None for the first).
fn takeover_days(versions: &[&PublishedRow]) -> Vec<Option<chrono::NaiveDate>> {
    let mut starts: Vec<Option<chrono::NaiveDate>> = vec![None];
    for pair in versions.windows(2) {
        let published = day(pair[1].published_at);
        let earliest = starts.last().copied().flatten().or_else(|| pair[0].issued());
        let issued = pair[1].issued().filter(|i| *i <= published && earliest.is_some_and(|e| *i > e));
        starts.push(Some(issued.unwrap_or(published)));
    }
    starts
}

/// One stored version of a published plan.
#[derive(Queryable, Selectable)]
#[diesel(table_name = published_plans)]
struct PublishedRow {
    slug: String,
    version: i32,
    catalog: String,
    document_name: String,
    document_text: String,
    published_at: NaiveDateTime,
    superseded_at: Option<NaiveDateTime>,
}

impl PublishedRow {
    /// The issue date its catalog file states.
    fn issued(&self) -> Option<chrono::NaiveDate> {
        let file: toml::Table = toml::from_str(&self.catalog).ok()?;
        let issued = file.get("plan")?.get("issued")?;
        let text = issued.as_str().map(str::to_owned).or_else(|| issued.as_datetime().map(|d| d.to_string()))?;
        text.parse().ok()
    }

    fn file(&self) -> PublishedFile {
        PublishedFile {
            slug: self.slug.clone(),
            catalog: self.catalog.clone(),
            document_name: self.document_name.clone(),
            document_text: self.document_text.clone(),
        }
    }
}

/// The day of a stored time, in the configured zone.
fn day(at: NaiveDateTime) -> chrono::NaiveDate {
    crate::clock::local_date(at)
}

/// A stored catalog file that no longer reads as TOML is a broken database, reported as such.
fn revised(file: Result<PublishedFile, String>) -> QueryResult<PublishedFile> {
    file.map_err(|reason| {
        diesel::result::Error::DeserializationError(format!("a published plan's catalog file: {reason}").into())
    })
}

/// The catalog file of the newest version published from draft `draft_id`: what its review
/// page starts from when the draft is reviewed again.
pub fn published_from_draft(conn: &mut DbConn, draft_id: i64) -> QueryResult<Option<String>> {
    published_plans::table
        .filter(published_plans::draft_id.eq(draft_id))
        .order(published_plans::id.desc())
        .select(published_plans::catalog)
        .first(conn)
        .optional()
}

/// The version a plan's next publication gets: 1 for a new plan.
pub fn next_version(conn: &mut DbConn, slug: &str) -> QueryResult<i32> {
    let newest: Option<i32> = published_plans::table
        .filter(published_plans::slug.eq(slug))
        .select(diesel::dsl::max(published_plans::version))
        .first(conn)?;
    Ok(newest.unwrap_or(0) + 1)
}

/// One published version of a plan, as listed.
#[derive(Debug, Clone, Queryable, Serialize, utoipa::ToSchema)]
pub struct PublishedVersion {
    pub slug: String,
    pub version: i32,
    pub draft_id: Option<i64>,
    pub published_by: String,
    #[schema(value_type = String)]
    pub published_at: NaiveDateTime,
    #[schema(value_type = Option<String>)]
    pub superseded_at: Option<NaiveDateTime>,
}

pub fn versions(conn: &mut DbConn, slug: &str) -> QueryResult<Vec<PublishedVersion>> {
    published_plans::table
        .filter(published_plans::slug.eq(slug))
        .order(published_plans::version)
        .select((
            published_plans::slug,
            published_plans::version,
            published_plans::draft_id,
            published_plans::published_by,
            published_plans::published_at,
            published_plans::superseded_at,
        ))
        .load(conn)
}

/// What a publication writes.
pub struct Publication<'a> {
    pub file: &'a PublishedFile,
    pub version: i32,
    pub draft_id: Option<i64>,
    pub published_by: &'a str,
}

/// Stores a new version of a plan, supersedes the one before, marks its draft published and
/// syncs the catalog it makes — in one transaction, so a failure leaves nothing half-published.
/// `validate` reads the published plans as they will be (this version included) into the whole
/// catalog; its error undoes everything.
pub fn publish<E: From<diesel::result::Error>>(
    conn: &mut DbConn,
    publication: &Publication<'_>,
    now: NaiveDateTime,
    validate: impl FnOnce(&[PublishedFile]) -> Result<Catalog, E>,
) -> Result<SyncReport, E> {
    write_tx(conn, |conn| {
        let file = publication.file;
        diesel::update(
            published_plans::table
                .filter(published_plans::slug.eq(&file.slug))
                .filter(published_plans::superseded_at.is_null()),
        )
        .set(published_plans::superseded_at.eq(Some(now)))
        .execute(conn)?;
        diesel::insert_into(published_plans::table)
            .values((
                published_plans::slug.eq(&file.slug),
                published_plans::version.eq(publication.version),
                published_plans::catalog.eq(&file.catalog),
                published_plans::document_name.eq(&file.document_name),
                published_plans::document_text.eq(&file.document_text),
                published_plans::draft_id.eq(publication.draft_id),
                published_plans::published_by.eq(publication.published_by),
                published_plans::published_at.eq(now),
            ))
            .execute(conn)?;
        if let Some(id) = publication.draft_id {
            diesel::update(plan_drafts::table.find(id))
                .set((plan_drafts::published_slug.eq(Some(&file.slug)), plan_drafts::published_at.eq(Some(now))))
                .execute(conn)?;
        }
        let catalog = validate(&published_catalog(conn)?)?;
        let report = super::sync::sync_in_transaction(conn, &catalog, now)?;
        let details = serde_json::json!({ "slug": file.slug, "version": publication.version }).to_string();
        super::access::audit(conn, publication.published_by, "plan.publish", &file.slug, Some(details), now)?;
        Ok(report)
    })
}
