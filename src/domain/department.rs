use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// Who answers for targets (责任单位): a body as the texts name it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Department {
    pub slug: String,
    /// The name the texts use most often.
    pub name: String,
    /// Other spellings the texts use for the same body.
    pub aliases: Vec<String>,
    pub name_en: String,
    pub kind: DepartmentKind,
}

impl Department {
    /// Every spelling the texts use: the name, then the aliases.
    pub fn spellings(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DepartmentKind {
    /// 市级部门: a municipal party or government working body.
    #[serde(rename = "市级部门")]
    Municipal,
    /// 区政府: a district government, or all of them.
    #[serde(rename = "区政府")]
    District,
    /// 其他: central agencies in Shanghai, public institutions, companies, zone committees.
    #[serde(rename = "其他")]
    Other,
}

impl DepartmentKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            DepartmentKind::Municipal => "市级部门",
            DepartmentKind::District => "区政府",
            DepartmentKind::Other => "其他",
        }
    }
}

impl FromStr for DepartmentKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "市级部门" => Ok(DepartmentKind::Municipal),
            "区政府" => Ok(DepartmentKind::District),
            "其他" => Ok(DepartmentKind::Other),
            other => Err(format!("unknown kind `{other}`: use 市级部门, 区政府 or 其他")),
        }
    }
}

impl fmt::Display for DepartmentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
