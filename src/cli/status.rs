//! `plantrack status`: statuses for people and spreadsheets — an aligned terminal table (Chinese
//! names take two columns each), JSON and CSV.

use comfy_table::{Cell, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

use crate::judged::{Assessed, Judgement, ProgressSummary};
use crate::present::{Lang, figure, goal_as_written, status_label, verdict_label};

fn percent(v: Option<f64>) -> String {
    v.map(|v| format!("{:.0}%", v * 100.0)).unwrap_or_default()
}

fn ratio(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_default()
}

/// The latest actual in the indicator's unit (the one actuals are stored in), with its date.
fn latest(a: &Assessed) -> String {
    a.summary.latest.map(|p| format!("{} ({})", figure(p.value, &a.indicator.unit), p.date)).unwrap_or_default()
}

pub fn table(assessed: &[Assessed], judgement: &Judgement, lang: Lang) -> String {
    let mut table = Table::new();
    let header = match lang {
        Lang::Zh => vec!["目标", "目标值", "期限", "最新实际值", "完成进度", "时间进度", "进度时间比", "状态"],
        Lang::En => vec!["target", "goal", "due", "latest", "progress", "elapsed", "pace", "status"],
    };
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Disabled).set_header(header);
    for a in assessed {
        let s = &a.summary;
        let goal = goal_of(a);
        table.add_row(vec![
            Cell::new(if lang == Lang::Zh { &a.target.name } else { &a.target.name_en }),
            Cell::new(goal),
            Cell::new(&a.target.deadline),
            Cell::new(latest(a)),
            Cell::new(percent(s.progress)),
            Cell::new(percent(s.elapsed)),
            Cell::new(ratio(s.cagr_ratio.or(s.pace))),
            Cell::new(format!("{} {}", verdict_label(s.status, s.achieved_late, lang), s.status.as_str())),
        ]);
    }
    let counts = crate::judged::count_by_status(assessed.iter().map(|a| &a.summary.status));
    let summary: Vec<String> =
        counts.iter().filter(|(_, n)| *n > 0).map(|(s, n)| format!("{} {n}", status_label(*s, lang))).collect();
    let (n, as_of, method) = (assessed.len(), judgement.as_of, crate::present::method_label(judgement.method, lang));
    match lang {
        Lang::Zh => format!("{table}\n截至 {as_of}（{method}）共 {n} 个目标：{}", summary.join(" · ")),
        Lang::En => format!("{table}\n{n} targets as of {as_of} ({method}): {}", summary.join(" · ")),
    }
}

fn goal_of(a: &Assessed) -> String {
    let t = &a.target;
    goal_as_written(t.kind, t.comparator, t.value, t.value_max, t.scale, &t.unit)
}

/// One target as `plantrack status --format json` prints it.
#[derive(Serialize)]
struct StatusRow<'a> {
    slug: &'a str,
    plan: &'a str,
    indicator: &'a str,
    name: &'a str,
    name_en: &'a str,
    goal: String,
    deadline: &'a str,
    progress: &'a ProgressSummary,
}

pub fn json(assessed: &[Assessed]) -> anyhow::Result<String> {
    let rows: Vec<StatusRow> = assessed
        .iter()
        .map(|a| StatusRow {
            slug: &a.target.slug,
            plan: &a.plan.slug,
            indicator: &a.indicator.slug,
            name: &a.target.name,
            name_en: &a.target.name_en,
            goal: goal_of(a),
            deadline: &a.target.deadline,
            progress: &a.summary,
        })
        .collect();
    Ok(serde_json::to_string_pretty(&rows)?)
}

pub fn csv(assessed: &[Assessed]) -> anyhow::Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "target",
        "plan",
        "indicator",
        "name",
        "name_en",
        "status",
        "achieved_late",
        "progress",
        "elapsed",
        "pace",
        "cagr_ratio",
        "latest_date",
        "latest_value",
        "target_value",
        "deadline",
        "as_of",
        "method",
        "unit",
    ])?;
    let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for a in assessed {
        let s = &a.summary;
        writer.write_record([
            a.target.slug.clone(),
            a.plan.slug.clone(),
            a.indicator.slug.clone(),
            a.target.name.clone(),
            a.target.name_en.clone(),
            s.status.as_str().to_owned(),
            s.achieved_late.to_string(),
            number(s.progress),
            number(s.elapsed),
            number(s.pace),
            number(s.cagr_ratio),
            s.latest.map(|p| p.date.to_string()).unwrap_or_default(),
            number(s.latest.map(|p| p.value)),
            number(s.target_value),
            a.target.deadline.clone(),
            s.as_of.to_string(),
            s.method.as_str().to_owned(),
            a.target.value_unit(&a.indicator.unit).to_owned(),
        ])?;
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}
