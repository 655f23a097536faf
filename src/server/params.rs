//! The query parameters every read shares: the date and method of a judgement, and the language.

use crate::error::AppError;
use crate::ingest::clip;
use crate::judged::{self, Judgement};
use crate::present::Lang;
use crate::progress::Method;

/// `?lang=`: Chinese unless `en` is asked for.
pub fn lang(raw: Option<&str>) -> Result<Lang, AppError> {
    match raw {
        None => Ok(Lang::Zh),
        Some(raw) => raw.parse().map_err(|reason: String| AppError::bad_parameter("lang", clip(&reason))),
    }
}

/// The date and method of a judgement from the query. A parameter given must be valid: an empty
/// `as_of=` is not a date (the pages leave out empty fields themselves).
pub fn judgement(as_of: Option<&str>, method: Option<&str>) -> Result<Judgement, AppError> {
    let as_of = match as_of {
        None => judged::today(),
        Some(raw) => chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
            AppError::bad_parameter("as_of", format!("`{}` is not a date: write YYYY-MM-DD", clip(raw)))
        })?,
    };
    let method = match method {
        None => Method::Linear,
        Some(raw) => raw.parse().map_err(|reason: String| AppError::bad_parameter("method", clip(&reason)))?,
    };
    Ok(Judgement { as_of, method })
}
