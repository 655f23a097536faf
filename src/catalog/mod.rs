//! The target catalog: `targets/*.toml` read, validated against the source documents, and turned
//! into domain values. Validation collects every problem before it answers.

mod raw;
pub mod stats;
mod validate;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::domain::{Indicator, Plan, Target};

pub(crate) use validate::is_slug;
pub use validate::{Documents, Reason};

/// Where the catalog lives on disk.
#[derive(Debug, Clone)]
pub struct CatalogPaths {
    /// `targets/`: one TOML file per plan, plus `indicators.toml`, `regions.toml` and
    /// `departments.toml`.
    pub targets_dir: PathBuf,
    /// `seed/documents/`: the source texts that targets cite.
    pub documents_dir: PathBuf,
}

/// Places a target or actual may be for: the whole city (the default) and its districts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Regions {
    pub default: String,
    pub districts: Vec<String>,
}

impl Regions {
    pub fn contains(&self, region: &str) -> bool {
        region == self.default || self.districts.iter().any(|d| d == region)
    }

    /// The city, then its districts.
    pub fn all(&self) -> Vec<String> {
        std::iter::once(self.default.clone()).chain(self.districts.iter().cloned()).collect()
    }
}

/// A validated catalog: every plan, indicator and target, in file order.
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    pub plans: Vec<Plan>,
    pub indicators: Vec<Indicator>,
    #[serde(serialize_with = "serialize_targets")]
    pub targets: Vec<Target>,
    pub regions: Regions,
    /// Who answers for targets (`departments.toml`).
    pub departments: Vec<crate::domain::Department>,
}

fn serialize_targets<S: serde::Serializer>(targets: &[Target], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(targets.iter().map(TargetExport::from))
}

/// A target as `catalog export` prints it.
#[derive(Serialize)]
struct TargetExport<'a> {
    slug: &'a str,
    plan: &'a str,
    indicator: &'a str,
    name: &'a str,
    name_en: &'a str,
    kind: &'static str,
    comparator: Option<&'static str>,
    value: f64,
    value_max: Option<f64>,
    unit: &'a str,
    scale: f64,
    as_written: String,
    tolerance: Option<f64>,
    reference_year: Option<i32>,
    deadline: String,
    deadline_implied: bool,
    baseline: &'a Option<crate::domain::Baseline>,
    stretch: bool,
    binding: Option<bool>,
    region: &'a str,
    source: &'a crate::domain::Citation,
    owners: &'a [String],
    owners_line: Option<i32>,
    cumulative: bool,
    base_year: Option<i32>,
    notes: &'a Option<String>,
    notes_en: &'a Option<String>,
}

impl<'a> From<&'a Target> for TargetExport<'a> {
    fn from(t: &'a Target) -> Self {
        TargetExport {
            slug: &t.slug,
            plan: &t.plan,
            indicator: &t.indicator,
            name: &t.name,
            name_en: &t.name_en,
            kind: t.kind.as_str(),
            comparator: t.comparator.map(|c| c.symbol()),
            value: t.value,
            value_max: t.value_max,
            unit: &t.unit,
            scale: t.scale,
            as_written: crate::present::goal_as_written(t.kind, t.comparator, t.value, t.value_max, t.scale, &t.unit),
            tolerance: t.tolerance,
            reference_year: t.reference_year,
            deadline: t.deadline.to_string(),
            deadline_implied: t.deadline_implied,
            baseline: &t.baseline,
            stretch: t.stretch,
            binding: t.binding,
            region: &t.region,
            source: &t.source,
            owners: &t.owners,
            owners_line: t.owners_line,
            cumulative: t.cumulative,
            base_year: t.base_year,
            notes: &t.notes,
            notes_en: &t.notes_en,
        }
    }
}

/// One thing wrong in the catalog, located as precisely as the files allow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogProblem {
    pub file: String,
    /// `target sc13-ftth`, `indicator open-data-sets`, `plan` …
    pub item: Option<String>,
    pub field: Option<String>,
    pub reason: String,
    /// The reason in Chinese.
    pub reason_zh: String,
}

impl CatalogProblem {
    /// The problem as a reader of `lang` reads it: where, then why.
    pub fn shown(&self, lang: crate::present::Lang) -> String {
        match lang {
            crate::present::Lang::En => self.to_string(),
            crate::present::Lang::Zh => {
                let mut out = self.file.clone();
                if let Some(item) = &self.item {
                    out.push_str(&format!("：{item}"));
                }
                if let Some(field) = &self.field {
                    out.push_str(&format!("：字段 {field}"));
                }
                out.push_str(&format!("：{}", self.reason_zh));
                out
            }
        }
    }
}

impl fmt::Display for CatalogProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(item) = &self.item {
            write!(f, ": {item}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Every problem found in the catalog.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct CatalogErrors(pub Vec<CatalogProblem>);

impl fmt::Display for CatalogErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lang = crate::present::message_lang();
        let n = self.0.len();
        writeln!(
            f,
            "{}",
            crate::present::message(format!("目标目录有 {n} 处问题："), format!("the catalog has {n} problem(s):"))
        )?;
        for problem in &self.0 {
            writeln!(f, "  {}", problem.shown(lang))?;
        }
        Ok(())
    }
}

impl Catalog {
    /// Reads and validates the whole catalog; every problem is reported, not only the first.
    pub fn load(paths: &CatalogPaths) -> Result<Catalog, CatalogErrors> {
        Catalog::load_with(paths, &[])
    }

    /// The files in `targets/` and the plans published from reviewed drafts, validated together
    /// the same way: a published plan is one more catalog file whose document is held in memory.
    pub fn load_with(paths: &CatalogPaths, published: &[PublishedFile]) -> Result<Catalog, CatalogErrors> {
        let mut documents = Documents::new(&paths.documents_dir);
        let mut files = read_catalog_files(&paths.targets_dir).map_err(|p| CatalogErrors(vec![p]))?;
        for plan in published {
            documents.add(&plan.document_name, &plan.document_text);
            files.push(CatalogFile {
                name: format!("published/{}", plan.slug),
                stem: plan.slug.clone(),
                text: plan.catalog.clone(),
            });
        }
        validate::validate(&files, &mut documents)
    }

    pub fn indicator(&self, slug: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.slug == slug)
    }

    /// Targets per plan slug, for counts.
    pub fn targets_by_plan(&self) -> BTreeMap<&str, Vec<&Target>> {
        let mut by_plan: BTreeMap<&str, Vec<&Target>> = BTreeMap::new();
        for t in &self.targets {
            by_plan.entry(t.plan.as_str()).or_default().push(t);
        }
        by_plan
    }
}

/// A plan published from a reviewed draft: its catalog file (TOML) and the text it cites.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedFile {
    pub slug: String,
    pub catalog: String,
    pub document_name: String,
    pub document_text: String,
}

/// The plan a slug is a version of: `smart-city-v2` → `smart-city` (an earlier version of a
/// plan published again is kept under `{slug}-v{n}`, see [`PublishedFile::superseded`]); any other
/// slug is its own.
pub fn version_of(slug: &str) -> &str {
    match slug.rsplit_once("-v") {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => slug,
    }
}

/// The indicator a milestone naming none is measured by, written out: its percent complete.
fn milestone_measure(slug: &str, target: &toml::Table) -> toml::Table {
    let text = |key: &str| target.get(key).and_then(toml::Value::as_str).unwrap_or(slug).to_owned();
    let mut measure = toml::Table::new();
    measure.insert("slug".into(), slug.into());
    measure.insert("name".into(), text("name").into());
    measure.insert("name_en".into(), text("name_en").into());
    measure.insert("unit".into(), "%".into());
    measure.insert("higher_is_better".into(), true.into());
    measure
}

impl PublishedFile {
    /// A version replaced by a newer one: a plan of its own, `{slug}-v{version}` (its targets'
    /// slugs suffixed alike), in force until the day the newer one was published. Views as of an
    /// earlier day judge it instead of the current version.
    /// `newer_indicators`: the indicators the version in force defines (an indicator is defined once).
    pub fn superseded(
        &self,
        version: i32,
        until: chrono::NaiveDate,
        newer_indicators: &[String],
    ) -> Result<PublishedFile, String> {
        let suffix = format!("-v{version}");
        let mut file: toml::Table = toml::from_str(&self.catalog).map_err(|e| e.to_string())?;
        let plan = file.get_mut("plan").and_then(toml::Value::as_table_mut).ok_or("no [plan] table")?;
        plan.insert("slug".into(), format!("{}{suffix}", self.slug).into());
        plan.insert("in_force_until".into(), until.to_string().into());
        // An indicator the newer version defines too is defined there; the old one only names it.
        if let Some(indicators) = file.get_mut("indicator").and_then(toml::Value::as_array_mut) {
            indicators.retain(|i| {
                i.get("slug")
                    .and_then(toml::Value::as_str)
                    .is_none_or(|slug| !newer_indicators.iter().any(|n| n == slug))
            });
        }
        let mut kept_measures: Vec<toml::Value> = Vec::new();
        if let Some(targets) = file.get_mut("target").and_then(toml::Value::as_array_mut) {
            for target in targets.iter_mut().filter_map(toml::Value::as_table_mut) {
                if let Some(slug) = target.get("slug").and_then(toml::Value::as_str).map(str::to_owned) {
                    // A milestone measured by its own percent complete is measured under its
                    // name: the earlier version keeps measuring it there, not under the new one
                    // — defined here when the newer version no longer has the milestone.
                    if !target.contains_key("indicator") {
                        target.insert("indicator".into(), slug.clone().into());
                        if !newer_indicators.contains(&slug) {
                            kept_measures.push(milestone_measure(&slug, target).into());
                        }
                    }
                    target.insert("slug".into(), format!("{slug}{suffix}").into());
                }
            }
        }
        if !kept_measures.is_empty() {
            let indicators = file.entry("indicator").or_insert_with(|| toml::Value::Array(Vec::new()));
            if let Some(indicators) = indicators.as_array_mut() {
                indicators.extend(kept_measures);
            }
        }
        Ok(PublishedFile {
            slug: format!("{}{suffix}", self.slug),
            catalog: toml::to_string(&file).map_err(|e| e.to_string())?,
            document_name: self.document_name.clone(),
            document_text: self.document_text.clone(),
        })
    }

    /// The slugs of the indicators this file defines: its [[indicator]] tables, and the one each
    /// milestone naming none is measured by (its own slug).
    pub fn defined_indicators(&self) -> Vec<String> {
        let file: toml::Table = toml::from_str(&self.catalog).unwrap_or_default();
        let slugs = |key: &str| file.get(key).and_then(toml::Value::as_array).cloned().unwrap_or_default();
        let implied = slugs("target").into_iter().filter(|t| {
            t.get("kind").and_then(toml::Value::as_str) == Some("milestone") && t.get("indicator").is_none()
        });
        slugs("indicator")
            .into_iter()
            .chain(implied)
            .filter_map(|i| i.get("slug")?.as_str().map(str::to_owned))
            .collect()
    }

    /// A revision: in force from the day it was published.
    pub fn in_force_from(&self, from: chrono::NaiveDate) -> Result<PublishedFile, String> {
        let mut file: toml::Table = toml::from_str(&self.catalog).map_err(|e| e.to_string())?;
        let plan = file.get_mut("plan").and_then(toml::Value::as_table_mut).ok_or("no [plan] table")?;
        plan.insert("in_force_from".into(), from.to_string().into());
        Ok(PublishedFile { catalog: toml::to_string(&file).map_err(|e| e.to_string())?, ..self.clone() })
    }
}

/// One catalog file: its name as shown in messages and its text.
pub(crate) struct CatalogFile {
    pub name: String,
    pub stem: String,
    pub text: String,
}

fn read_catalog_files(dir: &Path) -> Result<Vec<CatalogFile>, CatalogProblem> {
    let problem = |reason_zh: String, reason: String| CatalogProblem {
        file: dir.display().to_string(),
        item: None,
        field: None,
        reason,
        reason_zh,
    };
    let entries = std::fs::read_dir(dir)
        .map_err(|e| problem(format!("无法读取目标目录：{e}"), format!("cannot read the catalog directory: {e}")))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    // A wrong or unmounted folder would otherwise retire every plan in the database.
    if paths.is_empty() {
        return Err(problem(
            "目录中没有规划文件（*.toml）：请检查 catalog_dir 设置".to_owned(),
            "the folder holds no plan files (*.toml): check the catalog_dir setting".to_owned(),
        ));
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                problem(format!("无法读取 {}：{e}", path.display()), format!("cannot read {}: {e}", path.display()))
            })?;
            Ok(CatalogFile {
                name: format!("{}/{}", dir.display(), path.file_name().unwrap_or_default().to_string_lossy()),
                stem: path.file_stem().unwrap_or_default().to_string_lossy().into_owned(),
                text,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
