use chrono::NaiveDate;
use serde::Serialize;

/// One policy document: the plan that sets targets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub slug: String,
    pub title: String,
    pub title_en: String,
    /// 文号, e.g. 沪府发〔2016〕80号.
    pub doc_number: Option<String>,
    pub issued: Option<NaiveDate>,
    pub horizon_start: i32,
    pub horizon_end: i32,
    /// File name in `seed/documents/`.
    pub source_file: String,
    pub source_line: Option<i32>,
    /// A version of a revised plan is in force from the day it was published until the day the
    /// next was (the later excluded); plans never revised leave both empty.
    pub in_force_from: Option<NaiveDate>,
    pub in_force_until: Option<NaiveDate>,
}
