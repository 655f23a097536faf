//! The report's first page, as a planning office writes one (总体情况 → 变化 → 主要问题): totals,
//! what changed since the previous report, the problems that matter most, and who owes figures.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::charts::Lang;
use crate::db::models::DepartmentRow;
use crate::judged::{Arrival, Assessed, DueFigure};
use crate::present::{department_name, status_label};
use crate::progress::Status;

/// What a report judged, kept with it: each target's status and newest figure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub as_of: Option<NaiveDate>,
    pub targets: BTreeMap<String, Mark>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub status: String,
    pub latest: Option<NaiveDate>,
    /// The newest figure's value, so that a revision of the same period counts as new data
    /// (absent in reports kept before it was recorded).
    #[serde(default)]
    pub value: Option<f64>,
    /// The figure the target is measured from (its base or reference year's), so a base figure
    /// that came since counts as new data too; `None` in reports kept before it was recorded.
    #[serde(default)]
    pub measured_from: Option<MeasuredFrom>,
}

/// The figure a target was measured from when a report was made, if any.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeasuredFrom {
    pub figure: Option<f64>,
}

impl Snapshot {
    pub fn of(assessed: &[Assessed], as_of: NaiveDate) -> Snapshot {
        let targets = assessed
            .iter()
            .map(|a| {
                let mark = Mark {
                    status: a.summary.status.as_str().to_owned(),
                    latest: a.summary.latest.map(|p| p.date),
                    value: a.summary.latest.map(|p| p.value),
                    measured_from: Some(MeasuredFrom { figure: a.summary.baseline.map(|p| p.value) }),
                };
                (a.target.slug.clone(), mark)
            })
            .collect();
        Snapshot { as_of: Some(as_of), targets }
    }
}

/// What changed since the previous report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Changes {
    /// The previous report as named on the page: its number, else its id and date.
    pub previous: String,
    /// Transitions counted: "存在风险 → 已实现", how many.
    pub counts: Vec<(String, usize)>,
    /// The transitions themselves, most urgent first (at most [`LISTED`]).
    pub listed: Vec<Transition>,
    pub transitions: usize,
    /// Targets with a newer figure than the previous report had, or the same period's figure revised.
    pub new_figures: usize,
    pub newly_overdue: usize,
    pub newly_achieved: usize,
    pub newly_missed: usize,
    /// Targets this report judges that the previous one did not (a plan registered or revised
    /// since), and the previous one's targets no longer here: not status changes, but said.
    pub new_targets: usize,
    pub dropped_targets: usize,
    /// All of the above as the report's sentence.
    pub words: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Transition {
    pub name: String,
    /// The plan that sets it: a target's name alone may be any plan's.
    pub plan: String,
    pub from: String,
    pub to: String,
    pub status: &'static str,
}

/// The most transitions and problems the summary lists by name.
const LISTED: usize = 12;

fn rank(status: Status) -> usize {
    match status {
        Status::Missed => 0,
        Status::Overdue => 1,
        Status::Regressing => 2,
        Status::OffTrack => 3,
        Status::AtRisk => 4,
        Status::Achieved => 5,
        _ => 6,
    }
}

fn name(a: &Assessed, lang: Lang) -> String {
    if lang == Lang::Zh { a.target.name.clone() } else { a.target.name_en.clone() }
}

pub fn changes(previous: &Snapshot, label: String, now: &[Assessed], lang: Lang) -> Changes {
    let mut changes = Changes { previous: label, ..Changes::default() };
    let mut counts: BTreeMap<(usize, String), usize> = BTreeMap::new();
    let mut moved: Vec<(&Assessed, Status)> = Vec::new();
    for a in now {
        let Some(before) = previous.targets.get(&a.target.slug) else {
            changes.new_targets += 1;
            continue;
        };
        let status = a.summary.status;
        let latest = a.summary.latest.map(|p| p.date);
        let revised = before.value.is_some() && a.summary.latest.map(|p| p.value) != before.value;
        let new_base = before.measured_from.is_some_and(|m| m.figure != a.summary.baseline.map(|p| p.value));
        if (latest.is_some() && (latest != before.latest || revised)) || new_base {
            changes.new_figures += 1;
        }
        let Ok(was) = before.status.parse::<Status>() else { continue };
        if was == status {
            continue;
        }
        changes.transitions += 1;
        match status {
            Status::Overdue => changes.newly_overdue += 1,
            Status::Achieved => changes.newly_achieved += 1,
            Status::Missed => changes.newly_missed += 1,
            _ => {}
        }
        let words = format!("{} → {}", status_label(was, lang), status_label(status, lang));
        *counts.entry((rank(status), words)).or_default() += 1;
        moved.push((a, was));
    }
    let judged_now: std::collections::HashSet<&str> = now.iter().map(|a| a.target.slug.as_str()).collect();
    changes.dropped_targets = previous.targets.keys().filter(|slug| !judged_now.contains(slug.as_str())).count();
    changes.words = changes_words(&changes, lang);
    changes.counts = counts.into_iter().map(|((_, words), n)| (words, n)).collect();
    // News first: a goal newly missed or newly achieved, then those going the wrong way, then the
    // figures gone overdue.
    let news = |status: Status| match status {
        Status::Missed => 0,
        Status::Achieved => 1,
        Status::Overdue => 6,
        other => rank(other),
    };
    moved.sort_by_key(|(a, _)| (news(a.summary.status), a.target.deadline_date));
    changes.listed = moved
        .into_iter()
        .take(LISTED)
        .map(|(a, was)| Transition {
            name: name(a, lang),
            plan: if lang == Lang::Zh { a.plan.title.clone() } else { a.plan.title_en.clone() },
            from: status_label(was, lang).to_owned(),
            to: status_label(a.summary.status, lang).to_owned(),
            status: a.summary.status.as_str(),
        })
        .collect();
    changes
}

/// "上次报告：…。状态变化 3 项（…）；5 个目标有了新数据。" and, when the targets themselves changed,
/// how many came and went.
fn changes_words(c: &Changes, lang: Lang) -> String {
    let (new, dropped) = (c.new_targets, c.dropped_targets);
    let mut words = match lang {
        Lang::Zh => format!(
            "上次报告：{}。状态变化 {} 项（新实现 {}，新到期未实现 {}，新逾期未报 {}）；{} 个目标有了新数据或数据修订。",
            c.previous, c.transitions, c.newly_achieved, c.newly_missed, c.newly_overdue, c.new_figures
        ),
        Lang::En => format!(
            "Previous report: {}. {} targets changed status ({} newly achieved, {} newly missed, {} newly overdue); {} have newer or revised figures.",
            c.previous, c.transitions, c.newly_achieved, c.newly_missed, c.newly_overdue, c.new_figures
        ),
    };
    let came_and_went = match (lang, new > 0, dropped > 0) {
        (_, false, false) => None,
        (Lang::Zh, true, false) => Some(format!("另有 {new} 个目标为本次新纳入（规划新登记或修订），不计入状态变化。")),
        (Lang::Zh, false, true) => Some(format!("上次报告的 {dropped} 个目标本次不再纳入（规划修订或废止）。")),
        (Lang::Zh, true, true) => Some(format!(
            "另有 {new} 个目标为本次新纳入、{dropped} 个上次的目标不再纳入（规划新登记、修订或废止），不计入状态变化。"
        )),
        (Lang::En, true, false) => Some(format!(
            " {new} targets are new to this report (plans registered or revised since); they are not counted as changes."
        )),
        (Lang::En, false, true) => {
            Some(format!(" {dropped} targets of the previous report are no longer in it (plans revised or repealed)."))
        }
        (Lang::En, true, true) => Some(format!(
            " {new} targets are new to this report and {dropped} of the previous one are no longer in it (plans registered, revised or repealed); they are not counted as changes."
        )),
    };
    words.extend(came_and_went);
    words
}

/// One of the problems that matter most.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub name: String,
    pub plan: String,
    pub status: &'static str,
    pub label: &'static str,
    pub deadline: String,
    pub binding: bool,
    /// The lead department's name.
    pub owner: String,
}

/// The problems in the order a planner reads them: binding (约束性) before expected, missed and
/// overdue before off track, the nearest deadline first.
pub fn problems(
    assessed: &[Assessed],
    departments: &[std::sync::Arc<DepartmentRow>],
    lang: Lang,
) -> (Vec<Problem>, usize) {
    let mut found: Vec<&Assessed> = assessed.iter().filter(|a| rank(a.summary.status) <= 4).collect();
    found.sort_by_key(|a| (a.target.binding != Some(true), rank(a.summary.status), a.target.deadline_date));
    let total = found.len();
    let listed = found
        .into_iter()
        .take(LISTED)
        .map(|a| Problem {
            name: name(a, lang),
            plan: if lang == Lang::Zh { a.plan.title.clone() } else { a.plan.title_en.clone() },
            status: a.summary.status.as_str(),
            label: status_label(a.summary.status, lang),
            deadline: a.target.deadline.clone(),
            binding: a.target.binding == Some(true),
            owner: a.owners.first().and_then(|o| department_name(departments, o, lang)).unwrap_or("—").to_owned(),
        })
        .collect();
    (listed, total)
}

/// A department's figures owed and missing.
#[derive(Debug, Clone, Serialize)]
pub struct Owing {
    pub name: String,
    pub due: usize,
    pub missing: usize,
    pub rate: String,
}

/// The departments with figures missing, most first (at most [`LISTED`]), and how many there are.
pub fn owing(figures: &[DueFigure], departments: &[std::sync::Arc<DepartmentRow>], lang: Lang) -> (Vec<Owing>, usize) {
    let mut by: HashMap<Option<&str>, (usize, usize)> = HashMap::new();
    for f in figures.iter().filter(|f| matches!(f.arrival, Arrival::OnTime | Arrival::Late | Arrival::Missing)) {
        let entry = by.entry(f.reporter.as_deref()).or_default();
        entry.0 += 1;
        if f.arrival == Arrival::Missing {
            entry.1 += 1;
        }
    }
    let mut owing: Vec<(Option<&str>, Owing)> = by
        .into_iter()
        .filter(|(_, (_, missing))| *missing > 0)
        .map(|(slug, (due, missing))| {
            let name = match (slug.and_then(|s| department_name(departments, s, lang)), lang) {
                (Some(name), _) => name.to_owned(),
                (None, Lang::Zh) => "未指定单位".to_owned(),
                (None, Lang::En) => "no reporter named".to_owned(),
            };
            // Written as the department pages write it (41.7%, not 42%).
            let rate = crate::present::percent_text(Some((due - missing) as f64 / due as f64));
            (slug, Owing { name, due, missing, rate })
        })
        .collect();
    // Ties by slug: the Chinese and the English report list the same departments.
    owing.sort_by(|(a_slug, a), (b_slug, b)| b.missing.cmp(&a.missing).then_with(|| a_slug.cmp(b_slug)));
    let total = owing.len();
    (owing.into_iter().take(LISTED).map(|(_, o)| o).collect(), total)
}
