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
    /// How the city's figure follows from the districts' when no city figure is reported.
    pub aggregate: Option<Aggregate>,
    /// Its reporting duty as the catalog gives it (`None`: the defaults).
    pub duty: Option<super::Duty>,
}

/// How district figures make a city figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    Sum,
    Mean,
}

impl Aggregate {
    pub fn as_str(&self) -> &'static str {
        match self {
            Aggregate::Sum => "sum",
            Aggregate::Mean => "mean",
        }
    }
}

impl std::str::FromStr for Aggregate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sum" => Ok(Aggregate::Sum),
            "mean" => Ok(Aggregate::Mean),
            other => Err(format!("unknown aggregate `{other}`: use sum or mean")),
        }
    }
}
