//! A reviewed draft to the catalog file it publishes. The file is TOML in the shape of
//! `targets/*.toml`, so a published plan is validated by the same rules as the hand catalog
//! (quotes verbatim on their lines of the stored text) and can be put under version control as is.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CatalogPaths, PublishedFile};
use crate::db::{self, drafts};
use crate::domain::{Department, Target};
use crate::error::{AppError, Said};

/// The plan as the reviewer confirmed it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    /// Lower-case letters, digits and hyphens: the plan's address (`/plans/{slug}`).
    pub slug: String,
    pub title: String,
    /// The English title; the Chinese one is used when left out.
    #[serde(default)]
    pub title_en: Option<String>,
    #[serde(default)]
    pub doc_number: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub issued: Option<String>,
    pub horizon: [i32; 2],
}

/// A new indicator a target of the plan measures.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorInput {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    pub unit: String,
    pub higher_is_better: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BaselineInput {
    pub value: f64,
    pub year: i32,
    pub line: i32,
}

/// One accepted target, as reviewed: a candidate as drafted, edited where the reviewer changed it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetInput {
    /// Made from the plan's slug and the target's position when left out.
    #[serde(default)]
    pub slug: Option<String>,
    /// An existing indicator's slug, or one of the request's new `indicators`; a milestone may
    /// leave it out (it is measured by its own percent complete).
    #[serde(default)]
    pub indicator: Option<String>,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    /// level, change, range or milestone.
    pub kind: String,
    #[serde(default)]
    pub comparator: Option<String>,
    pub value: f64,
    #[serde(default)]
    pub value_max: Option<f64>,
    pub unit: String,
    /// A year (`2025`) or a date (`2025-06-30`).
    pub deadline: String,
    #[serde(default)]
    pub deadline_implied: bool,
    #[serde(default)]
    pub reference_year: Option<i32>,
    #[serde(default)]
    pub baseline: Option<BaselineInput>,
    #[serde(default)]
    pub stretch: bool,
    #[serde(default)]
    pub binding: Option<bool>,
    #[serde(default)]
    pub cumulative: bool,
    /// Departments by slug, name or any spelling the texts use; the lead first.
    #[serde(default)]
    pub owners: Vec<String>,
    #[serde(default)]
    pub owners_line: Option<i32>,
    /// The line of the stored text (from 1) and the words on it that state the goal.
    pub line: i32,
    pub quote: String,
    #[serde(default)]
    pub notes: Option<String>,
}

/// What a reviewer publishes: the plan, its new indicators and the accepted targets.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    pub plan: PlanInput,
    #[serde(default)]
    pub indicators: Vec<IndicatorInput>,
    pub targets: Vec<TargetInput>,
}

/// What a publication did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Published {
    pub slug: String,
    pub version: i32,
    pub targets: usize,
    pub plan_url: String,
}

/// Validates and stores a publication; shared by the API and the review page.
pub fn publish_draft(
    conn: &mut db::DbConn,
    draft_id: i64,
    request: &PublishRequest,
    paths: &CatalogPaths,
    by: &str,
) -> Result<Published, AppError> {
    let row = drafts::draft(conn, draft_id)?.ok_or_else(|| AppError::not_found("draft", draft_id.to_string()))?;
    let slug = request.plan.slug.trim().to_owned();
    if slug.len() > 80 || !crate::catalog::is_slug(&slug) {
        return Err(AppError::Unprocessable {
            code: "invalid_plan",
            message: Said::new(
                "规划标识（slug）只能由小写字母、数字和连字符组成，最长 80 个字符",
                "the plan's slug may hold lower-case letters, digits and hyphens only, at most 80 characters",
            ),
            details: serde_json::json!({ "field": "plan.slug" }),
        });
    }
    if let Some((zh, en)) = reserved_slug(&slug) {
        return Err(AppError::Unprocessable {
            code: "invalid_plan",
            message: Said::new(zh, en),
            details: serde_json::json!({ "field": "plan.slug" }),
        });
    }
    if let Some(slug) =
        request.targets.iter().filter_map(|t| t.slug.as_deref()).find(|s| crate::catalog::version_of(s) != *s)
    {
        return Err(AppError::Unprocessable {
            code: "invalid_plan",
            message: Said::new(
                format!("目标标识“{slug}”以“-v数字”结尾：这是规划旧版本中目标的名称，请换一个"),
                format!(
                    "the target slug `{slug}` ends in `-v` and a number: that is how an earlier version's targets are named"
                ),
            ),
            details: serde_json::json!({ "field": "targets.slug" }),
        });
    }
    if request.indicators.len() > MAX_PUBLISHED_ITEMS || request.targets.len() > MAX_PUBLISHED_ITEMS {
        return Err(AppError::Unprocessable {
            code: "invalid_plan",
            message: Said::new(
                format!("一次发布至多 {MAX_PUBLISHED_ITEMS} 个新指标和 {MAX_PUBLISHED_ITEMS} 个目标"),
                format!("one publication holds at most {MAX_PUBLISHED_ITEMS} new indicators and as many targets"),
            ),
            details: serde_json::json!({ "indicators": request.indicators.len(), "targets": request.targets.len() }),
        });
    }
    db::with_advisory_lock(conn, db::CATALOG_LOCK_KEY, |conn| {
        let current = Catalog::load_with(paths, &drafts::published_catalog(conn)?).map_err(catalog_problems)?;
        let version = drafts::next_version(conn, &slug)?;
        let document_name = format!("{slug}.v{version}.txt");
        let mut request = request.clone();
        carry_target_slugs(&mut request.targets, &slug, &current.targets);
        let catalog = catalog_file(&request, &document_name, &current.departments).map_err(|said| {
            AppError::Unprocessable { code: "invalid_plan", message: said, details: serde_json::json!({}) }
        })?;
        let file = PublishedFile { slug: slug.clone(), catalog, document_name, document_text: row.text.clone() };
        let publication = drafts::Publication { file: &file, version, draft_id: Some(draft_id), published_by: by };
        drafts::publish(conn, &publication, crate::now(), |files| {
            Catalog::load_with(paths, files).map_err(|errors| located_problems(errors, &request.targets))
        })?;
        Ok(Published {
            slug: slug.clone(),
            version,
            targets: request.targets.len(),
            plan_url: format!("/plans/{slug}"),
        })
    })
}

/// The most new indicators, and the most targets, one publication holds: as many candidates as a
/// draft keeps.
const MAX_PUBLISHED_ITEMS: usize = crate::intake::MAX_CANDIDATES;

/// Why a plan may not take this slug: `drafts` is the address of the drafts page, and
/// `{slug}-v{n}` the name an earlier version of a plan is kept under.
fn reserved_slug(slug: &str) -> Option<(String, String)> {
    if slug == "drafts" {
        return Some((
            "规划标识“drafts”是草稿页面的地址，请换一个".to_owned(),
            "the plan slug `drafts` is the address of the drafts page: choose another".to_owned(),
        ));
    }
    let suffix = &slug[crate::catalog::version_of(slug).len()..];
    (!suffix.is_empty()).then(|| {
        (
            format!("规划标识不能以“{suffix}”结尾：这是规划旧版本的名称"),
            format!("a plan slug may not end in `{suffix}`: that is how an earlier version is named"),
        )
    })
}

/// A target's name from its quote: a table row's cells (tab- or pipe-separated, which a name may
/// not hold) joined by spaces.
pub fn name_from_quote(quote: &str) -> String {
    let cells = quote.split(|c: char| c.is_control() || c == '|').map(str::trim).filter(|c| !c.is_empty());
    cells.collect::<Vec<_>>().join(" ")
}

/// A plan slug from a file name: ASCII letters and digits, the rest as hyphens.
pub fn slug_from_name(name: &str) -> String {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem).to_ascii_lowercase();
    let slug: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let mut slug = slug.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    slug.truncate(60);
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() { "new-plan".to_owned() } else { slug }
}

/// The catalog's problems as the answer: every one, located, in both languages.
fn catalog_problems(errors: crate::catalog::CatalogErrors) -> AppError {
    located_problems(errors, &[])
}

/// The catalog's problems, a target's also by the line its goal is quoted from (its slug may be
/// one the publication gave it).
fn located_problems(errors: crate::catalog::CatalogErrors, targets: &[TargetInput]) -> AppError {
    let n = errors.0.len();
    let line_of = |item: Option<&str>| {
        let slug = item?.strip_prefix("target ")?;
        targets.iter().find(|t| t.slug.as_deref() == Some(slug)).map(|t| t.line)
    };
    let problems: Vec<serde_json::Value> = errors
        .0
        .iter()
        .take(200)
        .map(|p| {
            serde_json::json!({
                "item": p.item, "field": p.field, "reason": p.reason, "reason_zh": p.reason_zh,
                "line": line_of(p.item.as_deref()),
            })
        })
        .collect();
    AppError::Unprocessable {
        code: "invalid_plan",
        message: Said::new(
            format!("规划未通过校验：{n} 处问题，未发布任何内容"),
            format!("the plan does not validate: {n} problem(s); nothing was published"),
        ),
        details: serde_json::json!({ "problems": problems, "total": n }),
    }
}

/// The most targets one plan may publish (the largest seed plan has 52).
pub const MAX_TARGETS: usize = 2_000;

/// The catalog file of `request`, citing `document_name`. Departments written by name are
/// turned into their slugs; everything else is checked by the catalog's own validation.
pub fn catalog_file(request: &PublishRequest, document_name: &str, departments: &[Department]) -> Result<String, Said> {
    if request.targets.is_empty() {
        return Err(Said::new(
            "没有采纳任何目标：至少采纳一个才能发布",
            "no target was accepted: accept one at least to publish",
        ));
    }
    if request.targets.len() > MAX_TARGETS {
        return Err(Said::new(
            format!("一次最多发布 {MAX_TARGETS} 个目标"),
            format!("at most {MAX_TARGETS} targets can be published at once"),
        ));
    }
    let plan = &request.plan;
    let file = PlanFile {
        plan: PlanToml {
            slug: &plan.slug,
            title: &plan.title,
            title_en: plan.title_en.as_deref().filter(|t| !t.trim().is_empty()).unwrap_or(&plan.title),
            doc_number: plan.doc_number.as_deref().filter(|d| !d.trim().is_empty()),
            issued: plan.issued.as_deref().filter(|d| !d.trim().is_empty()),
            horizon: plan.horizon,
            source: document_name,
        },
        indicator: request
            .indicators
            .iter()
            .map(|i| IndicatorToml {
                slug: &i.slug,
                name: &i.name,
                name_en: i.name_en.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(&i.name),
                unit: &i.unit,
                higher_is_better: i.higher_is_better,
            })
            .collect(),
        target: request
            .targets
            .iter()
            .zip(target_slugs(&plan.slug, &request.targets))
            .map(|(t, slug)| target_toml(slug, t, departments))
            .collect(),
    };
    toml::to_string(&file)
        .map_err(|e| Said::new(format!("无法写出目录文件：{e}"), format!("the catalog file cannot be written: {e}")))
}

/// Names each target the reviewer left unnamed after the target of the plan's version in force
/// that it restates (the same indicator and kind; for a milestone, the same deliverable), so a
/// revision keeps each goal's figures and history under its name; a goal new to the plan gets a
/// number no version of it has used. Without this a revision numbered its targets by position,
/// and a milestone's figures (kept under its name) went to whichever goal took its place.
pub fn carry_target_slugs(targets: &mut [TargetInput], plan: &str, catalog_targets: &[Target]) {
    let claimed: HashSet<String> = targets.iter().filter_map(own_slug).collect();
    let mut earlier: Vec<&Target> =
        catalog_targets.iter().filter(|t| t.plan == plan && !claimed.contains(&t.slug)).collect();
    // Words compared pair by pair cost an edit distance each: past this many pairs (a plan of
    // hundreds of goals) only the same words count.
    let compare_words = targets.len() * earlier.len() <= 40_000;
    // Exact restatements first (same deadline, same words), then the same goal revised.
    for strict in [true, false] {
        for target in targets.iter_mut().filter(|t| own_slug(t).is_none()) {
            let best = earlier
                .iter()
                .enumerate()
                .filter_map(|(i, e)| restates(target, e, strict, compare_words).map(|score| (i, score)))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((i, _)) = best {
                target.slug = Some(earlier.remove(i).slug.clone());
            }
        }
    }
    let used_before: HashSet<String> = catalog_targets
        .iter()
        .filter(|t| crate::catalog::version_of(&t.plan) == plan)
        .map(|t| crate::catalog::version_of(&t.slug).to_owned())
        .collect();
    let slugs = slugs_avoiding(plan, targets, &used_before);
    for (target, slug) in targets.iter_mut().zip(slugs) {
        target.slug = Some(slug);
    }
}

/// How surely `target` restates `earlier` (None: it does not). Strict: nothing about it changed
/// but perhaps its numbers.
fn restates(target: &TargetInput, earlier: &Target, strict: bool, compare_words: bool) -> Option<f64> {
    use crate::intake::extract::name_similarity;
    if target.kind != earlier.kind.as_str() {
        return None;
    }
    let (name, quote) = (target.name.trim(), target.quote.trim());
    let words = if name == earlier.name || quote == earlier.source.quote {
        1.0
    } else if compare_words {
        let start = |text: &str| text.chars().take(64).collect::<String>();
        name_similarity(&start(name), &start(&earlier.name))
            .max(name_similarity(&start(quote), &start(&earlier.source.quote)))
    } else {
        0.0
    };
    let same_deadline = target.deadline.trim() == earlier.deadline.to_string();
    let same_indicator = match target.indicator.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
        Some(indicator) => indicator == earlier.indicator,
        // A milestone measured by its own percent complete: known by its words.
        None => words >= crate::intake::extract::SAME_INDICATOR,
    };
    match (same_indicator, strict) {
        (true, true) if same_deadline && words >= crate::intake::extract::SAME_INDICATOR => Some(words),
        (true, false) => Some(words + if same_deadline { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// Each target's slug: its own when it has one (a target published before keeps its name), else
/// `{plan}-{n}` with the lowest numbers no other target holds.
pub fn target_slugs(plan: &str, targets: &[TargetInput]) -> Vec<String> {
    slugs_avoiding(plan, targets, &HashSet::new())
}

/// [`target_slugs`], the numbers also clear of `used_before` (the names earlier versions used).
fn slugs_avoiding(plan: &str, targets: &[TargetInput], used_before: &HashSet<String>) -> Vec<String> {
    let taken: HashSet<String> = targets.iter().filter_map(own_slug).collect();
    let mut numbers =
        (1..).map(|n| format!("{plan}-{n}")).filter(|slug| !taken.contains(slug) && !used_before.contains(slug));
    targets.iter().map(|t| own_slug(t).unwrap_or_else(|| numbers.next().unwrap_or_default())).collect()
}

/// The slug a target was given (by the reviewer, or from the version it restates), if any.
fn own_slug(target: &TargetInput) -> Option<String> {
    target.slug.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn target_toml<'a>(slug: String, t: &'a TargetInput, departments: &[Department]) -> TargetToml<'a> {
    let deadline = match t.deadline.trim().parse::<i32>() {
        Ok(year) => Deadline::Year(year),
        Err(_) => Deadline::Date(t.deadline.trim().to_owned()),
    };
    let owners: Vec<String> = t.owners.iter().map(|o| owner_slug(o, departments)).collect();
    TargetToml {
        slug,
        indicator: t.indicator.as_deref().filter(|i| !i.trim().is_empty()),
        name: &t.name,
        name_en: t.name_en.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(&t.name),
        kind: &t.kind,
        comparator: t.comparator.as_deref().filter(|c| !c.is_empty()),
        value: t.value,
        value_max: t.value_max,
        unit: &t.unit,
        reference_year: t.reference_year,
        deadline,
        deadline_implied: t.deadline_implied,
        baseline: t.baseline.as_ref().map(|b| BaselineToml { value: b.value, year: b.year, line: b.line }),
        stretch: t.stretch,
        binding: t.binding,
        cumulative: t.cumulative,
        owners_line: if owners.is_empty() { None } else { t.owners_line },
        owners: (!owners.is_empty()).then_some(owners),
        source: Citation { line: t.line, quote: &t.quote },
        notes: t.notes.as_deref().filter(|n| !n.trim().is_empty()),
    }
}

/// A department's slug from any way of naming it; an unknown name is kept for validation to report.
fn owner_slug(owner: &str, departments: &[Department]) -> String {
    let owner = owner.trim();
    departments
        .iter()
        .find(|d| d.slug == owner || d.spellings().any(|s| s == owner))
        .map(|d| d.slug.clone())
        .unwrap_or_else(|| owner.to_owned())
}

#[derive(Serialize)]
struct PlanFile<'a> {
    plan: PlanToml<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    indicator: Vec<IndicatorToml<'a>>,
    target: Vec<TargetToml<'a>>,
}

#[derive(Serialize)]
struct PlanToml<'a> {
    slug: &'a str,
    title: &'a str,
    title_en: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    doc_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issued: Option<&'a str>,
    horizon: [i32; 2],
    source: &'a str,
}

#[derive(Serialize)]
struct IndicatorToml<'a> {
    slug: &'a str,
    name: &'a str,
    name_en: &'a str,
    unit: &'a str,
    higher_is_better: bool,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Deadline {
    Year(i32),
    Date(String),
}

#[derive(Serialize)]
struct BaselineToml {
    value: f64,
    year: i32,
    line: i32,
}

#[derive(Serialize)]
struct Citation<'a> {
    line: i32,
    quote: &'a str,
}

#[derive(Serialize)]
struct TargetToml<'a> {
    slug: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    indicator: Option<&'a str>,
    name: &'a str,
    name_en: &'a str,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    comparator: Option<&'a str>,
    value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_max: Option<f64>,
    unit: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference_year: Option<i32>,
    deadline: Deadline,
    deadline_implied: bool,
    stretch: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    binding: Option<bool>,
    cumulative: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    owners: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owners_line: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<&'a str>,
    // Tables last: TOML writes plain values before tables.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<BaselineToml>,
    source: Citation<'a>,
}

/// Every candidate of a draft accepted as drafted: what `plan draft --format toml` prints, and
/// what the review page starts from. New indicators are made for the candidates that matched none.
pub fn accept_all(draft: &super::Draft, slug: &str) -> PublishRequest {
    let document = &draft.document;
    let horizon = document.horizon.unwrap_or_else(|| {
        let year = document.issued.map(|d| chrono::Datelike::year(&d)).unwrap_or(2000);
        [year, year]
    });
    let mut indicators: Vec<IndicatorInput> = Vec::new();
    let mut targets = Vec::new();
    for candidate in &draft.candidates {
        let found = &candidate.found;
        let indicator = (found.kind != "milestone").then(|| {
            let matched = &candidate.indicator;
            if matched.matched == "new" && !indicators.iter().any(|i| i.slug == matched.slug) {
                indicators.push(IndicatorInput {
                    slug: matched.slug.clone(),
                    name: matched.name.clone(),
                    name_en: None,
                    unit: crate::domain::indicator_unit(&found.unit).to_owned(),
                    higher_is_better: !matches!(found.comparator, Some("<=" | "<")),
                });
            }
            matched.slug.clone()
        });
        targets.push(TargetInput {
            // Named when the plan is published, after its slug as reviewed (`{plan}-{n}`): a slug
            // from the file name would collide with the next plan drafted from a file named alike.
            slug: None,
            indicator,
            // The words of the text read best as a name: 公共数据开放数据集超过8000项.
            name: name_from_quote(&found.quote),
            name_en: None,
            kind: found.kind.to_owned(),
            comparator: found.comparator.map(str::to_owned),
            value: found.value,
            value_max: found.value_max,
            unit: found.unit.clone(),
            deadline: found.deadline.clone().unwrap_or_else(|| horizon[1].to_string()),
            deadline_implied: found.deadline_implied || found.deadline.is_none(),
            reference_year: found.reference_year,
            baseline: found.baseline.as_ref().map(|b| BaselineInput {
                value: b.value,
                year: b.year,
                line: i32::try_from(b.line).unwrap_or(i32::MAX),
            }),
            stretch: found.stretch,
            binding: found.binding,
            cumulative: found.cumulative,
            owners: found.owners.clone(),
            owners_line: found.owners_line.and_then(|l| i32::try_from(l).ok()),
            line: i32::try_from(found.line).unwrap_or(i32::MAX),
            quote: found.quote.clone(),
            notes: None,
        });
    }
    PublishRequest {
        plan: PlanInput {
            slug: slug.to_owned(),
            title: document.title.clone().unwrap_or_default(),
            title_en: None,
            doc_number: document.doc_number.clone(),
            issued: document.issued.map(|d| d.to_string()),
            horizon,
        },
        indicators,
        targets,
    }
}

/// A published catalog file read back as the publication that made it, owners by name: where the
/// review of its draft starts again, so a new version begins from the reviewer's last edits. A
/// file that does not read (written by another version of this program) gives `None`.
/// `departments` holds each department's (slug, name).
pub fn read_back(catalog: &str, departments: &[(String, String)]) -> Option<PublishRequest> {
    let stored: StoredFile = toml::from_str(catalog).ok()?;
    // The catalog writes the Chinese title and names where no English was given: not English.
    let english = |en: Option<String>, zh: &str| en.filter(|en| en != zh);
    let owner_name =
        |slug: String| departments.iter().find(|(known, _)| *known == slug).map_or(slug, |(_, name)| name.clone());
    let plan = stored.plan;
    Some(PublishRequest {
        plan: PlanInput {
            title_en: english(plan.title_en, &plan.title),
            slug: plan.slug,
            title: plan.title,
            doc_number: plan.doc_number,
            issued: plan.issued.map(|d| toml_text(&d)),
            horizon: plan.horizon,
        },
        indicators: stored
            .indicator
            .into_iter()
            .map(|i| IndicatorInput { name_en: english(i.name_en, &i.name), ..i })
            .collect(),
        targets: stored
            .target
            .into_iter()
            .map(|t| TargetInput {
                slug: Some(t.slug),
                indicator: t.indicator,
                name_en: english(t.name_en, &t.name),
                name: t.name,
                kind: t.kind,
                comparator: t.comparator,
                value: t.value,
                value_max: t.value_max,
                unit: t.unit,
                deadline: toml_text(&t.deadline),
                deadline_implied: t.deadline_implied,
                reference_year: t.reference_year,
                baseline: t.baseline,
                stretch: t.stretch,
                binding: t.binding,
                cumulative: t.cumulative,
                owners: t.owners.into_iter().map(owner_name).collect(),
                owners_line: t.owners_line,
                line: t.source.line,
                quote: t.source.quote,
                notes: t.notes,
            })
            .collect(),
    })
}

/// A TOML year, date or string as the form writes it: 2025, 2025-06-30.
fn toml_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The shape [`catalog_file`] writes, read back.
#[derive(Deserialize)]
struct StoredFile {
    plan: StoredPlan,
    #[serde(default)]
    indicator: Vec<IndicatorInput>,
    #[serde(default)]
    target: Vec<StoredTarget>,
}

#[derive(Deserialize)]
struct StoredPlan {
    slug: String,
    title: String,
    title_en: Option<String>,
    doc_number: Option<String>,
    issued: Option<toml::Value>,
    horizon: [i32; 2],
}

#[derive(Deserialize)]
struct StoredCitation {
    line: i32,
    quote: String,
}

#[derive(Deserialize)]
struct StoredTarget {
    slug: String,
    indicator: Option<String>,
    name: String,
    name_en: Option<String>,
    kind: String,
    comparator: Option<String>,
    value: f64,
    value_max: Option<f64>,
    unit: String,
    reference_year: Option<i32>,
    deadline: toml::Value,
    #[serde(default)]
    deadline_implied: bool,
    #[serde(default)]
    stretch: bool,
    binding: Option<bool>,
    #[serde(default)]
    cumulative: bool,
    #[serde(default)]
    owners: Vec<String>,
    owners_line: Option<i32>,
    notes: Option<String>,
    baseline: Option<BaselineInput>,
    source: StoredCitation,
}
