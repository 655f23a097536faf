//! The problems of one upload, bounded: every problem is counted (by kind and column), the first
//! [`LISTED_PROBLEMS`] are listed with their line, column and value, and no value is echoed at more
//! than [`ECHOED_CHARS`] characters. A file of a million bad rows answers in a few hundred kilobytes.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Problems listed one by one; the rest are counted.
pub const LISTED_PROBLEMS: usize = 1_000;
/// The longest echo of a cell or header, in characters.
pub const ECHOED_CHARS: usize = 200;

/// `raw`, cut to [`ECHOED_CHARS`] characters (with … where it was cut).
pub fn clip(raw: &str) -> String {
    match raw.char_indices().nth(ECHOED_CHARS) {
        None => raw.to_owned(),
        Some((end, _)) => format!("{}…", &raw[..end]),
    }
}

/// Why a cell or a file is refused: a stable code, and the reason in English and in Chinese.
#[derive(Debug, Clone, PartialEq)]
pub struct Why {
    pub code: &'static str,
    pub en: String,
    pub zh: String,
}

pub fn why(code: &'static str, en: impl Into<String>, zh: impl Into<String>) -> Why {
    Why { code, en: en.into(), zh: zh.into() }
}

/// One problem in an upload, where a clerk can find it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RowError {
    /// File line, counting the header as line 1; 0 for the file as a whole.
    pub line: usize,
    pub column: Option<String>,
    /// The cell as written (at most 200 characters).
    pub value: Option<String>,
    /// What kind of problem: `period_invalid`, `indicator_unknown`, `control_character` …
    #[serde(default)]
    pub code: String,
    pub reason: String,
    /// The same reason in Chinese.
    #[serde(default)]
    pub reason_zh: String,
    /// The sheet of a spreadsheet (none for a CSV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The cell, as a spreadsheet names it (`C7`), where the table was read as a grid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
}

impl RowError {
    pub fn file(why: Why) -> RowError {
        RowError::at(0, None, None, why)
    }

    pub fn at(line: usize, column: Option<&str>, value: Option<&str>, why: Why) -> RowError {
        RowError {
            line,
            column: column.map(clip),
            value: value.map(clip),
            code: why.code.to_owned(),
            reason: why.en,
            reason_zh: why.zh,
            sheet: None,
            cell: None,
        }
    }

    /// The reason in the page's language (English where no Chinese was stored).
    pub fn reason_in(&self, chinese: bool) -> &str {
        if chinese && !self.reason_zh.is_empty() { &self.reason_zh } else { &self.reason }
    }
}

/// How many problems of one kind, in one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProblemCount {
    pub code: String,
    pub column: Option<String>,
    pub count: usize,
    /// The reason given for the first of them.
    pub reason: String,
    pub reason_zh: String,
}

/// Every problem of an upload: counted in full, listed up to [`LISTED_PROBLEMS`].
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problems {
    /// How many problems there are in all.
    pub total: usize,
    /// The first problems by line (at most 1000).
    pub errors: Vec<RowError>,
    /// More problems were found than are listed.
    pub truncated: bool,
    /// Every problem counted by code and column.
    pub summary: Vec<ProblemCount>,
    /// The first records as read (after the header was found and a wide table unpivoted), when
    /// the file could be read as a table: what the problems' lines hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first_rows: Vec<super::ReadRow>,
}

/// Short on purpose: errors are logged with `{:?}`, and a log line must not carry a thousand rows.
impl std::fmt::Debug for Problems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Problems")
            .field("total", &self.total)
            .field("first", &self.errors.first())
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

/// The columns of the upload format: problems are counted per column only for these, so that a
/// header of a hundred thousand made-up names still makes a short summary.
const COUNTED_COLUMNS: [&str; 7] = ["indicator", "period", "value", "region", "unit", "note", "source"];

/// Problems as they are found, kept bounded.
#[derive(Debug, Default)]
pub struct ProblemLog {
    total: usize,
    listed: Vec<RowError>,
    counts: HashMap<(String, Option<&'static str>), ProblemCount>,
}

impl ProblemLog {
    pub fn push(&mut self, error: RowError) {
        // A wide table's row is a record per period cell: an unknown indicator in B8 is one
        // problem, not one per year.
        let same_cell = |last: &RowError| {
            last.line == error.line && last.cell.is_some() && last.cell == error.cell && last.code == error.code
        };
        if self.listed.last().is_some_and(same_cell) {
            return;
        }
        self.total += 1;
        let column = error.column.as_deref().and_then(|c| COUNTED_COLUMNS.iter().copied().find(|k| *k == c));
        self.counts.entry((error.code.clone(), column)).and_modify(|c| c.count += 1).or_insert_with(|| ProblemCount {
            code: error.code.clone(),
            column: column.map(str::to_owned),
            count: 1,
            reason: error.reason.clone(),
            reason_zh: error.reason_zh.clone(),
        });
        self.listed.push(error);
        self.compact();
    }

    /// Keeps the problems of the lowest lines: at most twice the listed number between compactions.
    fn compact(&mut self) {
        if self.listed.len() >= 2 * LISTED_PROBLEMS {
            self.listed.sort_by_key(|e| e.line);
            self.listed.truncate(LISTED_PROBLEMS);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    pub fn total(&self) -> usize {
        self.total
    }

    /// Adds the problems of another part of the same file.
    pub fn merge(&mut self, other: ProblemLog) {
        self.total += other.total;
        for (key, count) in other.counts {
            self.counts.entry(key).and_modify(|c| c.count += count.count).or_insert(count);
        }
        for error in other.listed {
            self.listed.push(error);
            self.compact();
        }
    }

    /// The problems, the first by line listed.
    pub fn finish(mut self) -> Problems {
        self.listed.sort_by_key(|e| e.line);
        self.listed.truncate(LISTED_PROBLEMS);
        let mut summary: Vec<ProblemCount> = self.counts.into_values().collect();
        summary.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| (&a.code, &a.column).cmp(&(&b.code, &b.column))));
        Problems {
            total: self.total,
            truncated: self.total > self.listed.len(),
            errors: self.listed,
            summary,
            first_rows: Vec::new(),
        }
    }
}

impl Problems {
    /// One problem with the file as a whole.
    pub fn file(why: Why) -> Problems {
        Problems::from(vec![RowError::file(why)])
    }
}

impl Problems {
    /// A stored report: the bounded form, or the plain list that older versions stored.
    pub fn from_stored(json: &str) -> Problems {
        serde_json::from_str::<Problems>(json)
            .or_else(|_| serde_json::from_str::<Vec<RowError>>(json).map(Problems::from))
            .unwrap_or_default()
    }
}

impl From<Vec<RowError>> for Problems {
    fn from(errors: Vec<RowError>) -> Problems {
        let mut log = ProblemLog::default();
        errors.into_iter().for_each(|e| log.push(e));
        log.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_counted_but_only_the_first_thousand_listed() {
        let mut log = ProblemLog::default();
        for line in (2..100_002).rev() {
            let huge = "x".repeat(300);
            log.push(RowError::at(line, Some("period"), Some(&huge), why("period_invalid", "bad", "错")));
        }
        let problems = log.finish();
        assert_eq!(problems.total, 100_000);
        assert!(problems.truncated);
        assert_eq!(problems.errors.len(), LISTED_PROBLEMS);
        assert_eq!(problems.errors[0].line, 2, "listed by line");
        assert_eq!(problems.errors[0].value.as_ref().unwrap().chars().count(), ECHOED_CHARS + 1);
        assert_eq!(problems.summary.len(), 1);
        assert_eq!(problems.summary[0].count, 100_000);
    }

    #[test]
    fn one_cell_read_into_several_records_is_one_problem() {
        let mut log = ProblemLog::default();
        for _ in 2020..2025 {
            let mut e =
                RowError::at(8, Some("indicator"), Some("未知指标"), why("unknown_indicator", "unknown", "未知"));
            e.cell = Some("B8".to_owned());
            log.push(e);
        }
        let mut value = RowError::at(8, Some("value"), Some("x"), why("value_invalid", "not a number", "不是数字"));
        value.cell = Some("D8".to_owned());
        log.push(value);
        let problems = log.finish();
        assert_eq!(problems.total, 2, "{problems:?}");
        assert_eq!(problems.errors.iter().map(|e| e.cell.as_deref().unwrap()).collect::<Vec<_>>(), ["B8", "D8"]);
    }

    #[test]
    fn made_up_column_names_share_one_count() {
        let mut log = ProblemLog::default();
        for n in 0..10_000 {
            log.push(RowError::at(1, Some(&format!("c{n}")), None, why("unknown_column", "unknown", "未知")));
        }
        let problems = log.finish();
        assert_eq!(problems.summary.len(), 1);
        assert_eq!(problems.summary[0].column, None);
    }
}
