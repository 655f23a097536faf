//! A newly issued plan's text to a draft of its targets, for a planner to review and publish.
//! Rules only (no network, no model): `extract` reads the patterns the seed texts use; `text`
//! turns the document sent into numbered lines that every candidate cites.

pub mod extract;
pub mod publish;
mod text;

use serde::Serialize;

pub use extract::{BaselineFound, Found, Header, IndicatorMatch, KnownIndicator};
pub use text::{DocumentText, Format, MAX_DOCUMENT_BYTES, read_document};

/// From this confidence on, a candidate starts accepted on the review page.
pub const LIKELY: f64 = 0.5;

/// The document part of a draft: what its header says and how long it is.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DraftDocument {
    pub title: Option<String>,
    pub doc_number: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub issued: Option<chrono::NaiveDate>,
    pub horizon: Option<[i32; 2]>,
    /// How many lines the stored text has; candidates cite them from 1.
    pub lines: usize,
    /// Candidates found beyond the first [`MAX_CANDIDATES`], left out of the draft.
    pub candidates_left_out: usize,
    pub format: Format,
}

/// One candidate target: what the rules read, and the indicator it most likely measures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Candidate {
    #[serde(flatten)]
    pub found: Found,
    pub indicator: IndicatorMatch,
}

/// A draft: the document's header and every candidate, in line order.
#[derive(Debug, Clone, Serialize)]
pub struct Draft {
    pub document: DraftDocument,
    pub candidates: Vec<Candidate>,
}

/// The most candidates a draft holds: a review of more is no review (the largest seed plan has 52
/// targets), and the page and its form stay bounded.
pub const MAX_CANDIDATES: usize = 2_000;

/// Drafts the targets of `text`, matching each to the indicators already known.
pub fn draft(text: &DocumentText, known: &[KnownIndicator]) -> Draft {
    let lines: Vec<&str> = text.lines.iter().map(String::as_str).collect();
    let (header, mut found) = extract::extract(&lines);
    let candidates_left_out = found.len().saturating_sub(MAX_CANDIDATES);
    found.truncate(MAX_CANDIDATES);
    let candidates = found
        .into_iter()
        .map(|found| {
            let indicator = extract::match_indicator(&found, known);
            Candidate { found, indicator }
        })
        .collect();
    Draft {
        document: DraftDocument {
            title: header.title,
            doc_number: header.doc_number,
            issued: header.issued,
            horizon: header.horizon,
            lines: text.lines.len(),
            candidates_left_out,
            format: text.format,
        },
        candidates,
    }
}

impl Draft {
    /// Why a draft holds nothing to review, when it holds nothing.
    pub fn empty_note(&self) -> Option<crate::error::Said> {
        self.candidates.is_empty().then(empty_note)
    }
}

/// For a planner: the text stated no goal the rules read.
pub fn empty_note() -> crate::error::Said {
    crate::error::Said::new(
        "文中没有找到目标（带数值或期限的目标句）：可在审核页逐条添加",
        "no goal was found in the text (no sentence with a figure or a deadline): targets can be added by hand on the review page",
    )
}

/// The longest file name kept with a draft.
const MAX_FILE_NAME_CHARS: usize = 255;

/// Reads a document sent over the network: in a child process with a memory ceiling when the
/// server has set one up ([`crate::apart`]), stopped when the budget says. A document without
/// readable text is refused (422).
pub fn read_sent(bytes: &[u8], budget: &crate::domain::Budget) -> Result<DocumentText, crate::error::AppError> {
    use crate::apart::{Failed, READING_MEMORY_BYTES, Reading};
    use crate::error::{AppError, Said};
    let unreadable = |said: Said| AppError::Unprocessable {
        code: "unreadable_document",
        message: said,
        details: serde_json::json!({}),
    };
    // The size is checked before anything is sent to a child.
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return read_document(bytes).map_err(unreadable);
    }
    match crate::apart::read_apart::<Result<DocumentText, Said>>(Reading::Document, None, bytes, budget) {
        None => read_document(bytes).map_err(unreadable),
        Some(Ok(read)) => read.map_err(unreadable),
        Some(Err(Failed::Stopped(stopped))) => Err(AppError::TooSlow(Said::new(stopped.zh(), stopped.to_string()))),
        Some(Err(Failed::OutOfMemory)) => Err(unreadable(Said::new(
            format!(
                "读取该文件需要超过 {} GB 内存（例如压缩后极小、解压后极大的内容）：请提交纯文本或 Word 版本",
                READING_MEMORY_BYTES >> 30
            ),
            format!(
                "reading the document needs more than {} GB of memory (content that inflates far beyond its size?): send the plain text or Word version",
                READING_MEMORY_BYTES >> 30
            ),
        ))),
        Some(Err(Failed::Broke(why) | Failed::NotStarted(why))) => {
            tracing::warn!(error = %why, "a plan document could not be read in its own process");
            Err(unreadable(Said::new("文件无法读取（可能已损坏）", "the document cannot be read (damaged?)")))
        }
    }
}

/// Drafts the targets of a document sent by `created_by` against the indicators stored, and
/// keeps the draft with its numbered text: its id, the file name kept and the draft.
pub fn draft_and_keep(
    conn: &mut crate::db::DbConn,
    text: &DocumentText,
    file_name: Option<&str>,
    created_by: &str,
) -> Result<(i64, String, Draft), crate::error::AppError> {
    let draft = self::draft(text, &known_indicators(conn)?);
    let draft_json = serde_json::to_string(&draft).map_err(anyhow::Error::from)?;
    let file_name: String =
        crate::domain::shown_file_name(file_name.unwrap_or_default()).chars().take(MAX_FILE_NAME_CHARS).collect();
    let file_name = if file_name.trim().is_empty() { "plan.txt".to_owned() } else { file_name };
    let new = crate::db::drafts::NewDraft {
        file_name: &file_name,
        format: text.format.as_str(),
        text: &text.joined(),
        draft_json: &draft_json,
        created_by,
    };
    Ok((crate::db::drafts::save_draft(conn, &new, crate::now())?, file_name, draft))
}

/// The indicators stored, as the rules match candidates to them, each with how the current
/// targets read it.
pub fn known_indicators(conn: &mut crate::db::DbConn) -> Result<Vec<KnownIndicator>, crate::error::AppError> {
    let read: std::collections::HashMap<i64, bool> = crate::db::queries::list_targets(conn, None, None)?
        .into_iter()
        .filter_map(|(t, _, _)| {
            let stated_baseline = t.baseline_value.is_some();
            crate::domain::reads_running_totals(t.kind, t.cumulative, stated_baseline)
                .map(|total| (t.indicator_id, total))
        })
        .collect();
    Ok(crate::db::queries::list_indicators(conn)?
        .into_iter()
        .map(|i| KnownIndicator { running_total: read.get(&i.id).copied(), slug: i.slug, name: i.name, unit: i.unit })
        .collect())
}
