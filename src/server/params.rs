//! The query parameters every read shares: the date and method of a judgement, and the language.

use crate::catalog::Regions;
use crate::error::AppError;
use crate::ingest::clip;
use crate::judged::{self, Judgement};
use crate::present::Lang;
use crate::progress::Method;

/// `?lang=`: Chinese unless `en` is asked for.
pub fn lang(raw: Option<&str>) -> Result<Lang, AppError> {
    match raw {
        None => Ok(Lang::Zh),
        Some(raw) => raw.parse().map_err(|reason: String| {
            AppError::bad_parameter("lang", format!("未知的语言“{}”：请用 zh 或 en", clip(raw)), clip(&reason))
        }),
    }
}

/// What a judgement is asked for in a query: each parameter as given.
#[derive(Debug, Default, Clone, Copy)]
pub struct Asked<'a> {
    pub as_of: Option<&'a str>,
    pub known_at: Option<&'a str>,
    pub method: Option<&'a str>,
    pub region: Option<&'a str>,
}

impl<'a> Asked<'a> {
    pub fn as_of(as_of: Option<&'a str>) -> Asked<'a> {
        Asked { as_of, ..Asked::default() }
    }

    /// Whether the view's date was given (not today by default): an earlier version of a revised
    /// plan asked for without one is shown as on its last day in force.
    pub fn date_asked(&self) -> bool {
        self.as_of.is_some_and(|a| !a.trim().is_empty())
    }
}

fn date(parameter: &str, raw: &str) -> Result<chrono::NaiveDate, AppError> {
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        AppError::bad_parameter(
            parameter,
            format!("“{}”不是日期：请写作 YYYY-MM-DD", clip(raw)),
            format!("`{}` is not a date: write YYYY-MM-DD", clip(raw)),
        )
    })
}

/// The judgement a query asks for. A parameter given must be valid: an empty `as_of=` is not a
/// date (the pages leave out empty fields themselves), and a region must be the city or one of
/// its districts.
pub fn judgement(asked: Asked, regions: &Regions) -> Result<Judgement, AppError> {
    let as_of = asked.as_of.map(|raw| date("as_of", raw)).transpose()?.unwrap_or_else(judged::today);
    let known_at = asked.known_at.map(|raw| date("known_at", raw)).transpose()?;
    // What will be known tomorrow is not known: a later day would pass for today's knowledge.
    if let Some(day) = known_at.filter(|&day| day > judged::today()) {
        return Err(AppError::bad_parameter(
            "known_at",
            format!("{day} 晚于今天（北京时间 {}）：只能查看已经知道的数据", judged::today()),
            format!("{day} is after today ({} Beijing time): only what is known can be shown", judged::today()),
        ));
    }
    let method = match asked.method {
        None => Method::Linear,
        Some(raw) => raw.parse().map_err(|reason: String| {
            AppError::bad_parameter("method", format!("未知的方法“{}”：请用 linear 或 cagr", clip(raw)), clip(&reason))
        })?,
    };
    let region = match asked.region {
        None => None,
        Some(raw) if regions.contains(raw) => Some(raw.into()),
        Some(raw) => {
            return Err(AppError::bad_parameter(
                "region",
                format!("“{}”既不是{}，也不是其下的区", clip(raw), regions.default),
                format!("`{}` is neither {} nor one of its districts", clip(raw), regions.default),
            ));
        }
    };
    Ok(Judgement { as_of, method, known_at, region })
}

/// `?department=`: a department's slug (its targets only); empty asks for none, an unknown one
/// is a mistake, not an empty answer.
pub fn department(raw: Option<&str>, judged: &judged::Judged) -> Result<Option<String>, AppError> {
    match raw.filter(|d| !d.is_empty()) {
        None => Ok(None),
        Some(slug) if judged.departments().iter().any(|d| d.slug == slug) => Ok(Some(slug.to_owned())),
        Some(slug) => Err(AppError::bad_parameter(
            "department",
            format!("没有部门“{}”", clip(slug)),
            format!("no department `{}`", clip(slug)),
        )),
    }
}

/// Whether a target belongs to the department asked for (every target when none is).
pub fn owned_by(department: Option<&str>, owners: &[String]) -> bool {
    department.is_none_or(|d| owners.iter().any(|o| o == d))
}

/// An optional choice read by its type's own parser: absent or empty is the type's default; a
/// mistake names the parameter, in Chinese (`zh` of the value as given) and in the parser's English.
pub fn choice<T>(parameter: &str, raw: Option<&str>, zh: impl FnOnce(&str) -> String) -> Result<T, AppError>
where
    T: std::str::FromStr<Err = String> + Default,
{
    match raw.filter(|v| !v.is_empty()) {
        None => Ok(T::default()),
        Some(raw) => raw.parse().map_err(|en: String| AppError::bad_parameter(parameter, zh(&clip(raw)), clip(&en))),
    }
}

/// A draft's id from its address: a positive number, else "no such draft".
pub fn draft_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| AppError::not_found("draft", raw))
}
