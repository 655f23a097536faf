use serde::Serialize;

/// A measured quantity, independent of the plans that set targets on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    pub slug: String,
    pub name: String,
    pub name_en: String,
    /// Canonical unit: every target value and actual of this indicator is stored in it.
    pub unit: String,
    pub higher_is_better: bool,
    /// Growth rates and balances may be negative; counts, amounts and shares may not.
    pub can_be_negative: bool,
    /// Notes in Chinese, and in English.
    pub notes: Option<String>,
    pub notes_en: Option<String>,
}
