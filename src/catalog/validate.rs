//! From raw TOML to domain values, collecting every problem on the way.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::raw::{
    RawCitation, RawDate, RawDeadline, RawDepartment, RawDepartments, RawDuty, RawFile, RawIndicator, RawPlan,
    RawRegions, RawTarget,
};
use super::{Catalog, CatalogErrors, CatalogFile, CatalogProblem, Regions};
use crate::domain::{
    Baseline, Citation, Comparator, DEFAULT_DUE_DAYS, DEFAULT_FREQUENCY, Deadline, Department, DepartmentKind, Duty,
    Frequency, Indicator, MAX_DUE_DAYS, Plan, Target, TargetKind, WHOLE_CITY, is_unprintable, scale_between,
};

/// The source documents, read once each, split into lines (line 1 is the first).
pub struct Documents {
    dir: PathBuf,
    cache: HashMap<String, Option<Vec<String>>>,
}

impl Documents {
    pub fn new(dir: &Path) -> Documents {
        Documents { dir: dir.to_owned(), cache: HashMap::new() }
    }

    /// Adds a document held in memory (a published plan's text, stored in the database).
    pub fn add(&mut self, name: &str, text: &str) {
        self.cache.insert(name.to_owned(), Some(text.split('\n').map(str::to_owned).collect()));
    }

    fn lines(&mut self, file: &str) -> Option<&Vec<String>> {
        let dir = &self.dir;
        self.cache
            .entry(file.to_owned())
            .or_insert_with(|| {
                // Names only: a catalog must not cite files outside the documents folder.
                if file.contains('/') || file.contains('\\') {
                    return None;
                }
                std::fs::read_to_string(dir.join(file)).ok().map(|t| t.split('\n').map(str::to_owned).collect())
            })
            .as_ref()
    }

    /// Line `n` (from 1) of `file`, or why it can't be had.
    /// Reasons name the document by its file name alone: they reach the publishing page, which
    /// has no business knowing where the server keeps its files.
    pub fn line(&mut self, file: &str, n: i32) -> Result<&str, Reason> {
        let lines = self.lines(file).ok_or_else(|| Reason {
            zh: format!("无法读取文件 {file}"),
            en: format!("document {file} cannot be read"),
        })?;
        usize::try_from(n).ok().filter(|n| (1..=lines.len()).contains(n)).map(|n| lines[n - 1].as_str()).ok_or_else(
            || Reason {
                zh: format!("第 {n} 行超出 {file} 的范围（共 {} 行）", lines.len()),
                en: format!("line {n} is outside {file} ({} lines)", lines.len()),
            },
        )
    }
}

/// The years a plan can speak of. Periods are worked out with chrono's dates, and a year no plan
/// states (0, 300000) is a typing mistake, not a goal.
const PLAN_YEARS: std::ops::RangeInclusive<i32> = 1949..=2100;

fn plausible_year(year: i32) -> Result<(), (String, String)> {
    if PLAN_YEARS.contains(&year) {
        return Ok(());
    }
    let (first, last) = (PLAN_YEARS.start(), PLAN_YEARS.end());
    Err((format!("年份 {year} 不在 {first}–{last} 之内"), format!("the year {year} is outside {first}–{last}")))
}

/// Why something is wrong, in Chinese and in English.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub zh: String,
    pub en: String,
}

/// Collects problems for one file, tagging each with the item being read.
struct Problems<'a> {
    file: &'a str,
    item: Option<String>,
    found: &'a mut Vec<CatalogProblem>,
}

impl Problems<'_> {
    /// A problem with its reason in Chinese (`zh`) and in English (`en`).
    fn add(&mut self, field: Option<&str>, zh: impl Into<String>, en: impl Into<String>) {
        self.found.push(CatalogProblem {
            file: self.file.to_owned(),
            item: self.item.clone(),
            field: field.map(str::to_owned),
            reason: en.into(),
            reason_zh: zh.into(),
        });
    }

    fn add_reason(&mut self, field: Option<&str>, reason: Reason) {
        self.add(field, reason.zh, reason.en);
    }

    /// A value that serde could not read: its message kept, in a Chinese sentence.
    fn add_unreadable(&mut self, e: impl std::fmt::Display) {
        let e = e.to_string();
        self.add(None, format!("内容有误：{e}"), e);
    }

    fn require<T: Clone>(&mut self, value: &Option<T>, field: &str) -> Option<T> {
        if value.is_none() {
            self.add(Some(field), "缺少此字段", "missing");
        }
        value.clone()
    }

    /// A required name or title: printed on every page and report, so without control characters
    /// (a NUL, a line break) or marks that reverse how the text reads (U+202E).
    fn require_text(&mut self, value: &Option<String>, field: &str) -> Option<String> {
        let text = self.require(value, field)?;
        if text.chars().count() > MAX_NAME_CHARS {
            self.add(
                Some(field),
                format!("超过 {MAX_NAME_CHARS} 个字"),
                format!("longer than {MAX_NAME_CHARS} characters"),
            );
            return None;
        }
        // Nor invisible marks: 实际光纤入户率 with a zero-width joiner would pass for the
        // indicator of that name, and take a clerk's figures copied from the page.
        if text.chars().any(|c| is_unprintable(c) || crate::domain::is_invisible_mark(c)) {
            self.add(
                Some(field),
                "含有控制字符、不可见字符或改变书写方向的字符",
                "holds control characters, invisible marks or marks that change the direction of the text",
            );
            return None;
        }
        // Names go into the CSV templates clerks open in Excel, which runs a cell that begins
        // so as a formula (=HYPERLINK(…) sends the sheet's cells away).
        if text.trim_start().starts_with(['=', '+', '-', '@']) {
            self.add(
                Some(field),
                "不能以 =、+、-、@ 开头（表格程序会把它当作公式）",
                "may not begin with =, +, - or @ (spreadsheets take it for a formula)",
            );
            return None;
        }
        Some(text)
    }
}

/// The longest name, title or unit: the longest in the seed catalog is an English title of 131.
const MAX_NAME_CHARS: usize = 300;

const SLUG_ZH: &str = "只能使用小写 ASCII 字母、数字和“-”";
const SLUG_EN: &str = "use lower-case ASCII letters, digits and `-`";

pub(crate) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// What has been read so far, across all files.
#[derive(Default)]
struct Reading {
    departments: Vec<Department>,
    plans: Vec<Plan>,
    indicators: Vec<Indicator>,
    targets: Vec<Target>,
    problems: Vec<CatalogProblem>,
}

pub(super) fn validate(files: &[CatalogFile], documents: &mut Documents) -> Result<Catalog, CatalogErrors> {
    let mut reading = Reading::default();
    let regions = read_regions(files, &mut reading.problems);
    read_departments(files, &mut reading);
    let mut parsed: Vec<(&CatalogFile, RawFile)> = Vec::new();
    for file in files.iter().filter(|f| f.stem != "regions" && f.stem != "departments") {
        match toml::from_str::<RawFile>(&file.text) {
            Ok(raw) => parsed.push((file, raw)),
            Err(e) => reading.problems.push(CatalogProblem {
                file: file.name.clone(),
                item: None,
                field: None,
                reason: format!("not valid TOML: {}", e.to_string().trim()),
                reason_zh: format!("不是有效的 TOML 文件：{}", e.to_string().trim()),
            }),
        }
    }
    // Indicators first: a target may point to an indicator defined in a later file.
    for (file, raw) in &parsed {
        let plan_duty = raw.plan.as_ref().and_then(|plan| plan.get("reporting")).cloned();
        for value in &raw.indicator {
            read_indicator(file, value, plan_duty.as_ref(), &mut reading);
        }
    }
    for (file, raw) in &parsed {
        for value in &raw.target {
            imply_milestone_indicator(file, value, &mut reading);
        }
    }
    for (file, raw) in &parsed {
        let plan = raw.plan.as_ref().and_then(|value| read_plan(file, value, documents, &mut reading));
        if plan.is_none() && !raw.target.is_empty() {
            let mut p = Problems { file: &file.name, item: None, found: &mut reading.problems };
            p.add(
                Some("plan"),
                "同一文件中须有有效的 [plan] 表，才能列出目标",
                "targets need a valid [plan] table in the same file",
            );
        }
        if let Some(plan) = plan {
            for value in &raw.target {
                if let Some(target) = read_target(file, &plan, value, &regions, documents, &mut reading) {
                    reading.targets.push(target);
                }
            }
            reading.plans.push(plan);
        }
    }
    if reading.problems.is_empty() {
        Ok(Catalog {
            plans: reading.plans,
            indicators: reading.indicators,
            targets: reading.targets,
            regions,
            departments: reading.departments,
        })
    } else {
        Err(CatalogErrors(reading.problems))
    }
}

fn read_regions(files: &[CatalogFile], problems: &mut Vec<CatalogProblem>) -> Regions {
    let fallback = Regions { default: WHOLE_CITY.to_owned(), districts: Vec::new() };
    let Some(file) = files.iter().find(|f| f.stem == "regions") else {
        return fallback;
    };
    match toml::from_str::<RawRegions>(&file.text) {
        Ok(raw) => Regions { default: raw.default, districts: raw.districts },
        Err(e) => {
            problems.push(CatalogProblem {
                file: file.name.clone(),
                item: None,
                field: None,
                reason: format!("not a valid regions file: {}", e.to_string().trim()),
                reason_zh: format!("不是有效的地区文件：{}", e.to_string().trim()),
            });
            fallback
        }
    }
}

/// `departments.toml`: who the texts name as responsible. Every name and alias is one body's only.
fn read_departments(files: &[CatalogFile], reading: &mut Reading) {
    let Some(file) = files.iter().find(|f| f.stem == "departments") else { return };
    let raw = match toml::from_str::<RawDepartments>(&file.text) {
        Ok(raw) => raw,
        Err(e) => {
            return reading.problems.push(CatalogProblem {
                file: file.name.clone(),
                item: None,
                field: None,
                reason: format!("not a valid departments file: {}", e.to_string().trim()),
                reason_zh: format!("不是有效的部门文件：{}", e.to_string().trim()),
            });
        }
    };
    for value in &raw.department {
        let mut p = Problems {
            file: &file.name,
            item: Some(format!("department {}", item_slug(value))),
            found: &mut reading.problems,
        };
        let raw = match RawDepartment::deserialize(value.clone()) {
            Ok(raw) => raw,
            Err(e) => {
                p.add_unreadable(e);
                continue;
            }
        };
        let (Some(slug), Some(name), Some(name_en), Some(kind)) = (
            p.require(&raw.slug, "slug"),
            p.require_text(&raw.name, "name"),
            p.require_text(&raw.name_en, "name_en"),
            p.require(&raw.kind, "kind"),
        ) else {
            continue;
        };
        let kind = match kind.parse::<DepartmentKind>() {
            Ok(kind) => kind,
            Err(reason) => {
                p.add(Some("kind"), format!("未知的类型“{kind}”：可选 市级部门、区政府 或 其他"), reason);
                continue;
            }
        };
        if !is_slug(&slug) {
            p.add(Some("slug"), SLUG_ZH, SLUG_EN);
            continue;
        }
        if reading.departments.iter().any(|d| d.slug == slug) {
            p.add(Some("slug"), "部门标识重复", "duplicate department slug");
            continue;
        }
        let department = Department { slug, name, aliases: raw.aliases, name_en, kind };
        for spelling in department.spellings() {
            if spelling.trim().is_empty() {
                p.add(Some("aliases"), "名称为空", "an empty name");
            } else if let Some(other) = reading.departments.iter().find(|d| d.spellings().any(|s| s == spelling)) {
                p.add(
                    Some("aliases"),
                    format!("«{spelling}» 已是部门 {} 的名称", other.slug),
                    format!("«{spelling}» already names department {}", other.slug),
                );
            }
        }
        reading.departments.push(department);
    }
}

fn item_slug(value: &toml::Value) -> String {
    value.get("slug").and_then(|s| s.as_str()).unwrap_or("(no slug)").to_owned()
}

fn read_indicator(file: &CatalogFile, value: &toml::Value, plan_duty: Option<&toml::Value>, reading: &mut Reading) {
    let mut p = Problems {
        file: &file.name,
        item: Some(format!("indicator {}", item_slug(value))),
        found: &mut reading.problems,
    };
    let raw = match RawIndicator::deserialize(value.clone()) {
        Ok(raw) => raw,
        Err(e) => return p.add_unreadable(e),
    };
    let (Some(slug), Some(name), Some(name_en), Some(unit), Some(higher_is_better)) = (
        p.require(&raw.slug, "slug"),
        p.require_text(&raw.name, "name"),
        p.require_text(&raw.name_en, "name_en"),
        p.require_text(&raw.unit, "unit"),
        p.require(&raw.higher_is_better, "higher_is_better"),
    ) else {
        return;
    };
    if !is_slug(&slug) {
        return p.add(Some("slug"), SLUG_ZH, SLUG_EN);
    }
    if reading.indicators.iter().any(|i| i.slug == slug) {
        return p.add(
            Some("slug"),
            "指标标识重复（目录中定义了两次）",
            "duplicate indicator slug (defined twice in the catalog)",
        );
    }
    if unit.trim().is_empty() {
        return p.add(Some("unit"), "单位为空", "empty unit");
    }
    let aggregate = match raw.aggregate.as_deref().map(str::parse::<crate::domain::Aggregate>) {
        None => None,
        Some(Ok(a)) => Some(a),
        Some(Err(reason)) => {
            let written = raw.aggregate.as_deref().unwrap_or_default();
            return p.add(Some("aggregate"), format!("未知的汇总方式“{written}”：可选 sum 或 mean"), reason);
        }
    };
    // Its own duty, else the one its plan file gives every indicator it defines.
    // A plan's default that does not read is reported with the plan, not with each indicator.
    let default = plan_duty
        .and_then(|v| RawDuty::deserialize(v.clone()).ok())
        .and_then(|raw| read_duty(&raw, &reading.departments).ok());
    let duty = match raw.reporting.as_ref().map(|raw| read_duty(raw, &reading.departments)) {
        None => default,
        Some(Ok(duty)) => Some(duty),
        Some(Err((zh, en))) => return p.add(Some("reporting"), zh, en),
    };
    reading.indicators.push(Indicator {
        slug,
        name,
        name_en,
        unit,
        higher_is_better,
        can_be_negative: raw.can_be_negative,
        notes: raw.notes,
        notes_en: raw.notes_en,
        aggregate,
        duty,
    });
}

/// A figure written in 万 or 亿 in the indicator's unit, rounded to twelve significant digits.
pub(super) fn scaled(v: f64, scale: f64) -> f64 {
    let product = v * scale;
    format!("{product:.11e}").parse().unwrap_or(product)
}

/// A milestone that names no indicator is measured by one of its own (percent complete), which
/// other targets may then point to, so it is registered before any target is read.
fn imply_milestone_indicator(file: &CatalogFile, value: &toml::Value, reading: &mut Reading) {
    let text = |key: &str| value.get(key).and_then(|v| v.as_str());
    if text("kind") != Some("milestone") || value.get("indicator").is_some() {
        return;
    }
    let (Some(slug), Some(name), Some(name_en)) = (text("slug"), text("name"), text("name_en")) else {
        return; // read_target reports the missing fields.
    };
    if reading.indicators.iter().any(|i| i.slug == slug) {
        let mut p = Problems { file: &file.name, item: Some(format!("target {slug}")), found: &mut reading.problems };
        return p.add(
            Some("indicator"),
            "已有同一标识的指标：请为里程碑选定所测的指标，或更改它的标识",
            "an indicator with this slug exists: name it, or rename the milestone",
        );
    }
    reading.indicators.push(Indicator {
        slug: slug.to_owned(),
        name: name.to_owned(),
        name_en: name_en.to_owned(),
        unit: "%".to_owned(),
        higher_is_better: true,
        can_be_negative: false,
        notes: Some("里程碑的完成百分比（100 = 完成）".to_owned()),
        notes_en: Some("percent complete of a milestone (100 = done)".to_owned()),
        aggregate: None,
        duty: None,
    });
}

/// A reporting duty as written, checked: a known frequency, due within a year and a half, a
/// known reporting department. Unwritten parts take the defaults.
fn read_duty(raw: &RawDuty, departments: &[Department]) -> Result<Duty, (String, String)> {
    let frequency = match raw.frequency.as_deref().map(str::parse::<Frequency>) {
        None => DEFAULT_FREQUENCY,
        Some(Ok(f)) => f,
        Some(Err(en)) => {
            let written = raw.frequency.as_deref().unwrap_or_default();
            return Err((format!("未知的报送频率“{written}”：可选 annual、semiannual、quarterly 或 monthly"), en));
        }
    };
    let due_days = raw.due_days.unwrap_or(DEFAULT_DUE_DAYS);
    if due_days > MAX_DUE_DAYS {
        return Err((
            format!("报送期限 {due_days} 天超过 {MAX_DUE_DAYS} 天"),
            format!("due_days {due_days} is more than {MAX_DUE_DAYS}"),
        ));
    }
    if let Some(reporter) = &raw.reporter
        && !departments.iter().any(|d| &d.slug == reporter)
    {
        return Err((
            format!("未知的报送部门“{reporter}”（见 departments.toml）"),
            format!("unknown reporting department `{reporter}` (see departments.toml)"),
        ));
    }
    Ok(Duty { frequency, due_days, reporter: raw.reporter.clone() })
}

fn read_plan(
    file: &CatalogFile,
    value: &toml::Value,
    documents: &mut Documents,
    reading: &mut Reading,
) -> Option<Plan> {
    let mut p = Problems { file: &file.name, item: Some("plan".to_owned()), found: &mut reading.problems };
    let raw = match RawPlan::deserialize(value.clone()) {
        Ok(raw) => raw,
        Err(e) => {
            p.add_unreadable(e);
            return None;
        }
    };
    // The plan's default duty is checked here, once; its indicators take it as read.
    if let Some(Err((zh, en))) = raw.reporting.as_ref().map(|duty| read_duty(duty, &reading.departments)) {
        p.add(Some("reporting"), zh, en);
    }
    let slug = p.require(&raw.slug, "slug");
    let title = p.require_text(&raw.title, "title");
    let title_en = p.require_text(&raw.title_en, "title_en");
    let horizon = p.require(&raw.horizon, "horizon");
    let source = p.require(&raw.source, "source");
    let (slug, title, title_en, horizon, source) = (slug?, title?, title_en?, horizon?, source?);
    p.item = Some(format!("plan {slug}"));
    let mut ok = true;
    if slug != file.stem {
        p.add(
            Some("slug"),
            format!("须与文件名“{}”一致", file.stem),
            format!("must equal the file name `{}`", file.stem),
        );
        ok = false;
    }
    if reading.plans.iter().any(|plan| plan.slug == slug) {
        p.add(Some("slug"), "规划标识重复", "duplicate plan slug");
        ok = false;
    }
    // One plan, one 文号: the same plan registered twice would be judged and reported twice. Its
    // earlier versions (`{slug}-v{n}`) keep the number they were issued under.
    if let Some(twin) = raw.doc_number.as_deref().map(str::trim).filter(|d| !d.is_empty()).and_then(|number| {
        reading.plans.iter().find(|plan| {
            plan.doc_number.as_deref().map(str::trim) == Some(number)
                && super::version_of(&plan.slug) != super::version_of(&slug)
        })
    }) {
        p.add(
            Some("doc_number"),
            format!(
                "文号与规划“{}”（{}）相同：同一规划已登记；发布其新版本请用标识“{}”",
                twin.title,
                twin.slug,
                super::version_of(&twin.slug)
            ),
            format!(
                "the same 文号 as plan `{}` ({}): that plan is registered already; to publish a new version of it, use the slug `{}`",
                twin.slug,
                twin.title,
                super::version_of(&twin.slug)
            ),
        );
        ok = false;
    }
    // Nor one title for two plans: no page or report could tell them apart.
    if let Some(twin) = raw.title.as_deref().map(str::trim).and_then(|title| {
        reading
            .plans
            .iter()
            .find(|plan| plan.title.trim() == title && super::version_of(&plan.slug) != super::version_of(&slug))
    }) {
        p.add(
            Some("title"),
            format!(
                "标题与规划“{}”相同：同一规划已登记；发布其新版本请用标识“{}”",
                twin.slug,
                super::version_of(&twin.slug)
            ),
            format!(
                "the same title as plan `{}`: that plan is registered already; to publish a new version of it, use the slug `{}`",
                twin.slug,
                super::version_of(&twin.slug)
            ),
        );
        ok = false;
    }
    if horizon[0] > horizon[1] {
        p.add(Some("horizon"), "起始年份晚于终止年份", "the first year is after the last");
        ok = false;
    }
    if raw.doc_number.as_deref().is_some_and(|d| d.chars().any(is_unprintable)) {
        p.add(
            Some("doc_number"),
            "含有控制字符或改变书写方向的字符",
            "holds control characters or marks that change the direction of the text",
        );
        ok = false;
    }
    for year in horizon {
        if let Err((zh, en)) = plausible_year(year) {
            p.add(Some("horizon"), zh, en);
            ok = false;
        }
    }
    let issued = match &raw.issued {
        Some(d) => {
            let date = d.to_date();
            if date.is_none() {
                p.add(Some("issued"), "应填写日期，如 2016-09-19", "write a date such as 2016-09-19");
                ok = false;
            }
            if let Some(Err((zh, en))) = date.map(|d| plausible_year(chrono::Datelike::year(&d))) {
                p.add(Some("issued"), zh, en);
                ok = false;
            }
            date
        }
        None => None,
    };
    if let Some(line) = raw.line
        && let Err(reason) = documents.line(&source, line)
    {
        p.add_reason(Some("line"), reason);
        ok = false;
    }
    if raw.line.is_none()
        && let Err(reason) = documents.line(&source, 1)
    {
        p.add_reason(Some("source"), reason);
        ok = false;
    }
    let mut in_force_date = |field: &str, raw: &Option<RawDate>| match raw {
        Some(d) => {
            let date = d.to_date();
            if date.is_none() {
                p.add(Some(field), "应填写日期，如 2026-03-01", "write a date such as 2026-03-01");
                ok = false;
            }
            if let Some(Err((zh, en))) = date.map(|d| plausible_year(chrono::Datelike::year(&d))) {
                p.add(Some(field), zh, en);
                ok = false;
            }
            date
        }
        None => None,
    };
    let in_force_from = in_force_date("in_force_from", &raw.in_force_from);
    let in_force_until = in_force_date("in_force_until", &raw.in_force_until);
    ok.then_some(Plan {
        slug,
        title,
        title_en,
        doc_number: raw.doc_number,
        issued,
        horizon_start: horizon[0],
        horizon_end: horizon[1],
        source_file: source,
        source_line: raw.line,
        in_force_from,
        in_force_until,
    })
}

fn read_target(
    file: &CatalogFile,
    plan: &Plan,
    value: &toml::Value,
    regions: &Regions,
    documents: &mut Documents,
    reading: &mut Reading,
) -> Option<Target> {
    let slug = item_slug(value);
    let mut p = Problems { file: &file.name, item: Some(format!("target {slug}")), found: &mut reading.problems };
    let raw = match RawTarget::deserialize(value.clone()) {
        Ok(raw) => raw,
        Err(e) => {
            p.add_unreadable(e);
            return None;
        }
    };
    let before = p.found.len();

    let slug = p.require(&raw.slug, "slug");
    if let Some(s) = &slug {
        if !is_slug(s) {
            p.add(Some("slug"), SLUG_ZH, SLUG_EN);
        }
        if reading.targets.iter().any(|t| &t.slug == s) {
            p.add(
                Some("slug"),
                "目标标识重复（标识在整个目录中须唯一）",
                "duplicate target slug (slugs are unique across the whole catalog)",
            );
        }
    }
    let name = p.require_text(&raw.name, "name");
    let name_en = p.require_text(&raw.name_en, "name_en");
    let kind = p.require(&raw.kind, "kind").and_then(|k| match k.parse::<TargetKind>() {
        Ok(kind) => Some(kind),
        Err(reason) => {
            p.add(Some("kind"), format!("未知的类型“{k}”：可选 level、change、range 或 milestone"), reason);
            None
        }
    });
    let comparator = match &raw.comparator {
        Some(c) => match c.parse::<Comparator>() {
            Ok(c) => Some(c),
            Err(reason) => {
                p.add(Some("comparator"), format!("未知的比较符“{c}”：可选 >=、>、<=、< 或 ≈"), reason);
                None
            }
        },
        None => None,
    };
    let deadline = p.require(&raw.deadline, "deadline").and_then(|d| match d {
        RawDeadline::Year(y) => Some(Deadline::Year(y)),
        RawDeadline::Date(d) => {
            let date = d.to_date();
            if date.is_none() {
                p.add(
                    Some("deadline"),
                    "应填写年份（2020）或日期（2020-06-30）",
                    "write a year (2020) or a date (2020-06-30)",
                );
            }
            date.map(Deadline::Date)
        }
    });
    let deadline = deadline.filter(|d| match plausible_year(d.year()) {
        Ok(()) => true,
        Err((zh, en)) => {
            p.add(Some("deadline"), zh, en);
            false
        }
    });
    for (field, year) in
        [("baseline.year", raw.baseline.as_ref().map(|b| b.year)), ("reference_year", raw.reference_year)]
    {
        if let Some(Err((zh, en))) = year.map(plausible_year) {
            p.add(Some(field), zh, en);
        }
    }
    let unit = p.require_text(&raw.unit, "unit");

    // Kind-specific fields.
    let value = match (kind, raw.value) {
        (Some(TargetKind::Milestone), None) => Some(100.0),
        (_, v) => p.require(&v, "value"),
    };
    if let Some(v) = value
        && !v.is_finite()
    {
        p.add(Some("value"), "不是有限数值", "not a finite number");
    }
    if matches!(kind, Some(TargetKind::Level | TargetKind::Change)) && comparator.is_none() && raw.comparator.is_none()
    {
        let kind = kind.map_or("", |k| k.as_str());
        p.add(
            Some("comparator"),
            format!("缺少此字段：{kind} 类目标必须填写"),
            format!("missing: a {kind} target needs one"),
        );
    }
    if kind == Some(TargetKind::Range) {
        match (value, raw.value_max) {
            (_, None) => p.add(
                Some("value_max"),
                "缺少此字段：range 类目标须同时填写 value 和 value_max",
                "missing: a range target needs value and value_max",
            ),
            (Some(min), Some(max)) if max < min => p.add(Some("value_max"), "小于 value", "smaller than value"),
            _ => {}
        }
    }
    // Without a tolerance of its own, an approximate (≈) target is read as ± 5 % of its value.
    if comparator == Some(Comparator::About) {
        match raw.tolerance {
            Some(t) if !(t > 0.0 && t.is_finite()) => p.add(Some("tolerance"), "须为正数", "must be a positive number"),
            _ => {}
        }
    }
    if kind == Some(TargetKind::Change) && raw.reference_year.is_none() {
        p.add(
            Some("reference_year"),
            "缺少此字段：change 类目标须填写变化的起算年份",
            "missing: a change target needs the year it is measured from",
        );
    }

    // The indicator, implied for a milestone that names none.
    let indicator_slug = match (&raw.indicator, kind, &slug) {
        (Some(i), _, _) => Some(i.clone()),
        (None, Some(TargetKind::Milestone), Some(s)) => Some(s.clone()),
        (None, _, _) => {
            p.add(Some("indicator"), "缺少此字段（仅里程碑类目标可省略）", "missing (only a milestone may omit it)");
            None
        }
    };
    let indicator_unit = match (&indicator_slug, &raw.indicator) {
        (Some(i), Some(_)) => match reading.indicators.iter().find(|ind| &ind.slug == i) {
            Some(ind) => Some(ind.unit.clone()),
            None => {
                p.add(Some("indicator"), format!("未知的指标“{i}”"), format!("unknown indicator `{i}`"));
                None
            }
        },
        // A milestone's own indicator, registered by imply_milestone_indicator.
        (Some(_), None) => Some("%".to_owned()),
        _ => None,
    };

    // Units: the written one (or the one read instead) must fit the indicator's after scaling.
    let relative_change = kind == Some(TargetKind::Change) && unit.as_deref().map(str::trim) == Some("%");
    let unit_for_scale = raw.unit_read.clone().or_else(|| unit.clone());
    if raw.unit_read.is_some() && raw.notes.is_none() {
        p.add(
            Some("notes"),
            "填写 unit_read 时须在 notes 中说明未采用原文单位的原因",
            "unit_read needs a note saying why the written unit was not used",
        );
    }
    let scale = match (&unit_for_scale, &indicator_unit) {
        (Some(_), Some(_)) if relative_change => Some(1.0),
        (Some(written), Some(canonical)) => match scale_between(written, canonical) {
            Ok(s) => Some(s),
            Err(mismatch) => {
                p.add(
                    Some(if raw.unit_read.is_some() { "unit_read" } else { "unit" }),
                    format!(
                        "单位“{}”与指标单位“{}”不符（按万/亿换算后基本单位不同）",
                        mismatch.written, mismatch.canonical
                    ),
                    mismatch.to_string(),
                );
                None
            }
        },
        _ => None,
    };

    // Deadline against baseline and reference year.
    if let (Some(d), Some(b)) = (deadline, &raw.baseline)
        && d.year() <= b.year
    {
        p.add(
            Some("deadline"),
            format!("{d} 不晚于基期年份 {}", b.year),
            format!("{d} is not after the baseline year {}", b.year),
        );
    }
    if let (Some(d), Some(r)) = (deadline, raw.reference_year)
        && d.year() <= r
    {
        p.add(Some("deadline"), format!("{d} 不晚于参照年份 {r}"), format!("{d} is not after the reference year {r}"));
    }

    // Citations: the quote must be verbatim on its line; the baseline's line must exist.
    let source = p.require(&raw.source, "source");
    if let Some(RawCitation { line, quote }) = &source {
        if quote.trim().is_empty() {
            p.add(Some("source.quote"), "引文为空", "empty quote");
        } else {
            match documents.line(&plan.source_file, *line) {
                Ok(text) if text.contains(quote.as_str()) => {}
                Ok(text) => {
                    let shown: String = text.chars().take(120).collect();
                    p.add(
                        Some("source.quote"),
                        format!("«{quote}» 未逐字出现在 {} 第 {line} 行；该行原文为«{shown}…»", plan.source_file),
                        format!(
                            "«{quote}» is not verbatim on line {line} of {}; the line reads «{shown}…»",
                            plan.source_file
                        ),
                    );
                }
                Err(reason) => p.add_reason(Some("source.line"), reason),
            }
        }
    }
    if let Some(b) = &raw.baseline
        && let Err(reason) = documents.line(&plan.source_file, b.line)
    {
        p.add_reason(Some("baseline.line"), reason);
    }
    let region = raw.region.clone().unwrap_or_else(|| regions.default.clone());
    if !regions.contains(&region) {
        p.add(
            Some("region"),
            format!("未知的地区“{region}”（见 targets/regions.toml）"),
            format!("unknown region `{region}` (see targets/regions.toml)"),
        );
    }
    check_owners(&raw, plan, &reading.departments, documents, &mut p);
    if let Some(year) = raw.base_year
        && year >= plan.horizon_end
    {
        p.add(
            Some("base_year"),
            format!("{year} 不早于规划期末（{}）", plan.horizon_end),
            format!("{year} is not before the end of the plan ({})", plan.horizon_end),
        );
    }

    if let (Some(kind), Some(indicator)) = (kind, &indicator_slug) {
        check_one_reading(&raw, kind, indicator, &reading.targets, &mut p);
    }
    if p.found.len() > before {
        return None;
    }
    let (slug, name, name_en, kind, deadline, unit, value, scale, indicator, source) =
        (slug?, name?, name_en?, kind?, deadline?, unit?, value?, scale?, indicator_slug?, source?);
    // A relative change is a percentage, not a quantity of the indicator: it is not scaled.
    // 1.63万 is 16300, not the 16299.999999999998 a binary product gives: twelve significant
    // digits are more than any plan writes.
    let to_canonical = |v: f64| scaled(v, scale);
    // A relative change's baseline is the indicator's value in its own unit.
    let baseline_scale = if relative_change { 1.0 } else { scale };
    Some(Target {
        slug,
        plan: plan.slug.clone(),
        indicator,
        name,
        name_en,
        kind,
        comparator,
        value: to_canonical(value),
        value_max: raw.value_max.map(to_canonical),
        unit,
        scale,
        tolerance: raw.tolerance.map(to_canonical),
        reference_year: raw.reference_year,
        deadline,
        deadline_implied: raw.deadline_implied,
        baseline: raw.baseline.as_ref().map(|b| Baseline {
            value: scaled(b.value, baseline_scale),
            year: b.year,
            line: b.line,
        }),
        stretch: raw.stretch,
        binding: raw.binding,
        region,
        source: Citation { line: source.line, quote: source.quote },
        owners: raw.owners.unwrap_or_default(),
        owners_line: raw.owners_line,
        cumulative: raw.cumulative,
        base_year: raw.base_year,
        notes: raw.notes,
        notes_en: raw.notes_en,
    })
}

/// Owners are cited like quotes: each is a known department whose name (or an alias) stands
/// verbatim on `owners_line` of the plan's document.
/// One indicator is not read both as running totals and as each period's own figure (see
/// `reads_running_totals`): 新增50家 on the count of such firms would ask for the total added since
/// the plan began where another plan asks for how many there are. Such a target needs an
/// indicator of its own.
fn check_one_reading(raw: &RawTarget, kind: TargetKind, indicator: &str, earlier: &[Target], p: &mut Problems) {
    let Some(this) = crate::domain::reads_running_totals(kind, raw.cumulative, raw.baseline.is_some()) else { return };
    let other = earlier.iter().filter(|t| t.indicator == indicator).find(|t| {
        crate::domain::reads_running_totals(t.kind, t.cumulative, t.baseline.is_some())
            .is_some_and(|total| total != this)
    });
    let Some(other) = other else { return };
    let (zh, en) = if this {
        ("累计（新增）", "a running total (累计, 新增)")
    } else {
        ("当期数值（存量）", "the period's own figure (a level)")
    };
    let (other_zh, other_en) = if this {
        ("当期数值（存量）", "the period's own figure")
    } else {
        ("累计（新增）", "a running total")
    };
    p.add(
        Some("indicator"),
        format!(
            "此目标按{zh}衡量指标“{indicator}”，而目标“{}”按{other_zh}衡量同一指标：报送单位无法知道该填哪一个数。请为此目标另设指标（如“新增……数量”）",
            other.slug
        ),
        format!(
            "this target reads the indicator `{indicator}` as {en}, while target `{}` reads it as {other_en}: its reporters could not tell which figure to send; give this target an indicator of its own",
            other.slug
        ),
    );
}

fn check_owners(raw: &RawTarget, plan: &Plan, departments: &[Department], documents: &mut Documents, p: &mut Problems) {
    let (owners, line) = match (&raw.owners, raw.owners_line) {
        (None, None) => return,
        (Some(owners), Some(line)) if !owners.is_empty() => (owners, line),
        (Some(_), Some(_)) => {
            return p.add(
                Some("owners"),
                "为空：应同时删去 owners 和 owners_line",
                "empty: leave owners and owners_line out instead",
            );
        }
        (Some(_), None) => {
            return p.add(
                Some("owners_line"),
                "缺少此字段：应填写原文列出责任单位的行号",
                "missing: the line where the text names the owners",
            );
        }
        (None, Some(_)) => {
            return p.add(
                Some("owners"),
                "缺少此字段：填写 owners_line 时须列出所引的责任单位",
                "missing: owners_line needs the owners it cites",
            );
        }
    };
    let text = match documents.line(&plan.source_file, line) {
        Ok(text) => text.to_owned(),
        Err(reason) => return p.add_reason(Some("owners_line"), reason),
    };
    for (index, slug) in owners.iter().enumerate() {
        if owners[..index].contains(slug) {
            p.add(Some("owners"), format!("“{slug}”重复列出"), format!("`{slug}` is named twice"));
            continue;
        }
        let Some(department) = departments.iter().find(|d| &d.slug == slug) else {
            let near = nearest_departments(slug, departments);
            let (near_zh, near_en) = match near.is_empty() {
                true => ("如“市经济信息化委”".to_owned(), String::new()),
                false => (format!("相近的有：{}", near.join("、")), format!("; near: {}", near.join(", "))),
            };
            p.add(
                Some("owners"),
                format!(
                    "部门名录中没有“{slug}”：请写名录中的单位名称（{near_zh}），或删去它；名录（targets/departments.toml）之外的单位须先由管理员加入名录"
                ),
                format!("unknown department `{slug}` (see targets/departments.toml){near_en}"),
            );
            continue;
        };
        if !department.spellings().any(|s| text.contains(s)) {
            let shown: String = text.chars().take(120).collect();
            p.add(
                Some("owners"),
                format!(
                    "{} 第 {line} 行中没有«{}»（也没有它的其他写法）；该行原文为«{shown}…»",
                    plan.source_file, department.name
                ),
                format!(
                    "neither «{}» nor an alias of `{slug}` is on line {line} of {}; the line reads «{shown}…»",
                    department.name, plan.source_file
                ),
            );
        }
    }
}

/// The directory's names closest to an unknown one (市发改委 → 市发展改革委), at most three: those
/// holding most of its telling characters (not 市, 区, 局, 委 … that every name has).
fn nearest_departments(name: &str, departments: &[crate::domain::Department]) -> Vec<String> {
    const GENERIC: &str = "市区县局委办会厅部中心";
    let telling: Vec<char> = name.chars().filter(|c| !GENERIC.contains(*c) && !c.is_whitespace()).collect();
    if telling.is_empty() {
        return Vec::new();
    }
    let share =
        |spelling: &str| telling.iter().filter(|c| spelling.contains(**c)).count() as f64 / telling.len() as f64;
    let mut scored: Vec<(f64, &str)> = departments
        .iter()
        .map(|d| (d.spellings().map(share).fold(0.0, f64::max), d.name.as_str()))
        .filter(|(score, _)| *score >= 0.5)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, name)| name.to_owned()).collect()
}
