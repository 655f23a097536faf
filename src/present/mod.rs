//! One vocabulary for everything plantrack shows: the language, the words and colours of each
//! status and reason, the methods in a sentence, and how numbers and goals are written. Pages,
//! charts, the PDF and the CLI take them from here; the engine hands over codes only.

pub mod palette;
pub mod template;

use serde::Serialize;

use crate::domain::{Comparator, TargetKind};
use crate::progress::{AT_RISK, Method, ON_TRACK, Progress, Reason, Status};

/// Chinese first; English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// `zh` or `en`, as in `?lang=`.
    pub fn code(&self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The Chinese or the English of a text.
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "zh" => Ok(Lang::Zh),
            "en" => Ok(Lang::En),
            other => Err(format!("unknown language `{other}`: use zh or en")),
        }
    }
}

static MESSAGE_LANG: std::sync::OnceLock<Lang> = std::sync::OnceLock::new();

/// Sets the language of what is said outside any request — start-up and the command line — once,
/// from the command line's `--lang` or locale; Chinese until then.
pub fn set_message_lang(lang: Lang) {
    let _ = MESSAGE_LANG.set(lang);
}

/// The language of what is said outside any request.
pub fn message_lang() -> Lang {
    MESSAGE_LANG.get().copied().unwrap_or_default()
}

/// A message said outside any request (start-up, the command line), in [`set_message_lang`]'s
/// language.
pub fn message(zh: impl Into<String>, en: impl Into<String>) -> String {
    match MESSAGE_LANG.get().copied().unwrap_or_default() {
        Lang::Zh => zh.into(),
        Lang::En => en.into(),
    }
}

/// A status in a word or two.
pub fn status_label(status: Status, lang: Lang) -> &'static str {
    match status {
        Status::Achieved => lang.pick("已实现", "achieved"),
        Status::OnTrack => lang.pick("进度正常", "on track"),
        Status::AtRisk => lang.pick("存在风险", "at risk"),
        Status::OffTrack => lang.pick("进度滞后", "off track"),
        Status::Regressing => lang.pick("倒退", "regressing"),
        Status::Missed => lang.pick("到期未实现", "missed"),
        Status::Awaiting => lang.pick("未到报送期", "awaiting"),
        Status::Overdue => lang.pick("逾期未报", "overdue"),
        Status::NotAssessable => lang.pick("无法评估", "not assessable"),
    }
}

/// Where a status comes in a list ordered by what needs attention first.
pub fn attention_rank(status: Status) -> usize {
    [
        Status::Missed,
        Status::Overdue,
        Status::Regressing,
        Status::OffTrack,
        Status::AtRisk,
        Status::OnTrack,
        Status::Achieved,
        Status::NotAssessable,
        Status::Awaiting,
    ]
    .iter()
    .position(|s| *s == status)
    .unwrap_or(usize::MAX)
}

/// The label of a verdict: an achievement after the deadline says so.
pub fn verdict_label(status: Status, achieved_late: bool, lang: Lang) -> &'static str {
    if achieved_late && status == Status::Achieved {
        lang.pick("到期未实现，后已达到", "missed, reached later")
    } else {
        status_label(status, lang)
    }
}

/// What a status means, with the bands the engine applies.
pub fn status_meaning(status: Status, lang: Lang) -> String {
    let (on, risk) = (ON_TRACK, AT_RISK);
    match (status, lang) {
        (Status::Achieved, Lang::Zh) => "最新数值已满足目标（期限后才满足的注明“到期未实现，后已达到”）。".to_owned(),
        (Status::OnTrack, Lang::Zh) => format!("进度时间比 ≥ {on}：时间过半、任务过半。"),
        (Status::AtRisk, Lang::Zh) => format!("进度时间比在 {risk} 与 {on} 之间：有进展但需加快。"),
        (Status::OffTrack, Lang::Zh) => format!("进度时间比在 0 与 {risk} 之间：进展有限。"),
        (Status::Regressing, Lang::Zh) => "进度时间比小于 0：偏离目标方向。".to_owned(),
        (Status::Missed, Lang::Zh) => "期限已过，目标未实现。".to_owned(),
        (Status::Awaiting, Lang::Zh) => "还没有基期之后的数据，也还没有到期应报的数据。".to_owned(),
        (Status::Overdue, Lang::Zh) => "应报的数据已过报送期限仍未报送：结果未知（不等于未实现）。".to_owned(),
        (Status::NotAssessable, Lang::Zh) => {
            "有数据但无法计算进度（如缺少基期值、跨零的增长率），原因见说明。".to_owned()
        }
        (Status::Achieved, Lang::En) => {
            "The latest value meets the target (marked late when met after the deadline).".to_owned()
        }
        (Status::OnTrack, Lang::En) => format!("Pace (progress over elapsed time) ≥ {on}."),
        (Status::AtRisk, Lang::En) => format!("{risk} ≤ pace < {on}: progress, but it needs to speed up."),
        (Status::OffTrack, Lang::En) => format!("0 ≤ pace < {risk}: limited progress."),
        (Status::Regressing, Lang::En) => "pace < 0: moving away from the target.".to_owned(),
        (Status::Missed, Lang::En) => "The deadline has passed and the target was not met.".to_owned(),
        (Status::Awaiting, Lang::En) => "No figure after the baseline yet, and none due yet.".to_owned(),
        (Status::Overdue, Lang::En) => {
            "A figure that is due is missing past its due date: the outcome is unknown (not missed).".to_owned()
        }
        (Status::NotAssessable, Lang::En) => {
            "Data exists but no pace can be computed (no baseline, growth across zero …); the reason says which."
                .to_owned()
        }
    }
}

/// Why the engine judged as it did, or could not judge.
pub fn reason_text(reason: Reason, lang: Lang) -> String {
    match reason {
        Reason::NoActual => lang.pick("截至该日期没有实际值", "no actual as of this date").to_owned(),
        Reason::NothingSinceBaseline => {
            lang.pick("基期或规划开始之后没有实际值", "no actual since the baseline or the plan's start").to_owned()
        }
        Reason::NoBaseline => lang
            .pick(
                "目录中没有基期值，也没有基期年份的实际值：只比较实际值与目标值，暂不计算进度",
                "no baseline in the catalog and no figure for the base year: value against goal only, no pace",
            )
            .to_owned(),
        Reason::BeyondBand => lang
            .pick("超出目标区间，好于目标：仍算实现", "beyond the target band, better than the goal: still achieved")
            .to_owned(),
        Reason::NoReferenceYear => {
            lang.pick("变化目标缺少参照年份", "a change target needs a reference year").to_owned()
        }
        Reason::NoReferenceActual(year) => match lang {
            Lang::Zh => format!("缺少参照年份 {year} 的实际值"),
            Lang::En => format!("no actual for the reference year {year}"),
        },
        Reason::DeadlineNotAfterBaseline => {
            lang.pick("期限不晚于基期", "the deadline is not after the baseline").to_owned()
        }
        Reason::NoActualAfterBaseline => lang.pick("基期之后尚无实际值", "no actual after the baseline yet").to_owned(),
        Reason::TargetEqualsBaseline => lang
            .pick("目标值等于基期值：没有可衡量的距离", "the target equals the baseline: no distance to measure")
            .to_owned(),
        Reason::BaselineMetGoal => lang
            .pick(
                "基期值已达到目标，最新实际值已不再达到：按倒退判断",
                "the baseline already met the goal and the latest figure no longer does: regressing",
            )
            .to_owned(),
        Reason::MilestoneIsLinear => {
            lang.pick("里程碑按线性进度判断", "a milestone is judged by linear pace").to_owned()
        }
        Reason::CagrNeedsPositive => lang
            .pick(
                "年均增长率要求基期值、实际值和目标值均为正数",
                "CAGR needs positive baseline, actual and target values",
            )
            .to_owned(),
        Reason::CagrRequiredZero => lang.pick("所需年均增长率为零", "the required growth rate is zero").to_owned(),
        Reason::PartOfCityTotal => lang
            .pick(
                "各区数值相加为全市数：区的数值是全市合计的一部分，不与全市目标比较",
                "the districts' figures add up to the city's: a district's is a part of the total, not held against the city's goal",
            )
            .to_owned(),
    }
}

/// The bands in a few words: "≥ 0.95 进度正常，0.6–0.95 存在风险，0–0.6 进度滞后，< 0 倒退".
fn bands(lang: Lang) -> String {
    let (on, risk) = (ON_TRACK, AT_RISK);
    let label = |s| status_label(s, lang);
    let (on_track, at_risk, off_track, regressing) =
        (label(Status::OnTrack), label(Status::AtRisk), label(Status::OffTrack), label(Status::Regressing));
    match lang {
        Lang::Zh => format!("≥ {on} {on_track}，{risk}–{on} {at_risk}，0–{risk} {off_track}，< 0 {regressing}"),
        Lang::En => format!("≥ {on} {on_track}, {risk}–{on} {at_risk}, 0–{risk} {off_track}, < 0 {regressing}"),
    }
}

/// How a verdict was reached, in one sentence with the target's own numbers; `goal` as
/// [`goal_shown`] writes it.
pub fn verdict_sentence(p: &Progress, goal: &str, unit: &str, lang: Lang) -> String {
    let value = |v: f64| figure(v, unit);
    let latest = p.latest.map(|l| value(l.value)).unwrap_or_default();
    let (progress, elapsed) = (percent_text(p.progress), percent_text(p.elapsed));
    let expected = p.expected.map(value);
    let on = p.expected_on.map(|d| d.to_string()).unwrap_or_default();
    let by_now = |lang: Lang| match (&expected, lang) {
        (Some(e), Lang::Zh) => format!("按计划 {on} 应达到 {e}。"),
        (Some(e), Lang::En) => format!(" On the straight path it should have been at {e} on {on}."),
        (None, _) => String::new(),
    };
    match (p.status, p.method, lang) {
        (Status::Achieved, _, Lang::Zh) if p.achieved_late => {
            format!(
                "到期未实现；此后 {} 的数据 {latest} 已达到目标 {goal}。",
                p.latest.map(|l| l.date.to_string()).unwrap_or_default()
            )
        }
        (Status::Achieved, _, Lang::En) if p.achieved_late => format!(
            "Missed at the deadline; the figure for {}, {latest}, has since reached the goal of {goal}.",
            p.latest.map(|l| l.date.to_string()).unwrap_or_default()
        ),
        // Past the band's far edge the goal is still met (3880万吨 for 下降5%左右, 3885—3905万吨).
        (Status::Achieved, _, Lang::Zh) if p.reason == Some(Reason::BeyondBand) => {
            format!("最新实际值 {latest} 已实现目标，且好于目标区间 {goal}。")
        }
        (Status::Achieved, _, Lang::En) if p.reason == Some(Reason::BeyondBand) => {
            format!("The latest actual, {latest}, meets the goal and goes beyond its band of {goal}.")
        }
        (Status::Achieved, _, Lang::Zh) => format!("最新实际值 {latest} 已满足目标 {goal}。"),
        (Status::Achieved, _, Lang::En) => format!("The latest actual, {latest}, meets the goal of {goal}."),
        (Status::Missed, _, Lang::Zh) => format!("到期未实现：期限已过，最新实际值 {latest} 未达到目标 {goal}。"),
        (Status::Missed, _, Lang::En) => {
            format!(
                "Missed: the deadline has passed and the latest actual, {latest}, does not meet the goal of {goal}."
            )
        }
        (Status::Awaiting, _, Lang::Zh) => format!("截至 {} 没有基期之后的数据，暂不能判断进度。", p.as_of),
        (Status::Awaiting, _, Lang::En) => {
            format!("No figure after the baseline as of {}: progress cannot be judged yet.", p.as_of)
        }
        // Overdue without a pace: the figure due has not come, and what came cannot be measured
        // against a baseline either — say so rather than print dashes.
        (Status::Overdue, _, Lang::Zh) if p.pace.is_none() => match p.latest {
            Some(_) => format!("逾期未报：截至 {} 应报送的数据尚未收到；最新实际值 {latest}，目标 {goal}。", p.as_of),
            None => format!("逾期未报：截至 {} 应报送的数据尚未收到，目标 {goal}。", p.as_of),
        },
        (Status::Overdue, _, Lang::En) if p.pace.is_none() => match p.latest {
            Some(_) => format!(
                "Overdue: a figure due by {} has not come; the latest actual is {latest} against a goal of {goal}.",
                p.as_of
            ),
            None => format!("Overdue: a figure due by {} has not come; the goal is {goal}.", p.as_of),
        },
        (Status::NotAssessable, _, _) if p.reason == Some(Reason::PartOfCityTotal) => {
            let figure = match (p.latest, lang) {
                (Some(_), Lang::Zh) => format!("本区最新实际值 {latest}"),
                (Some(_), Lang::En) => format!("This district's latest actual is {latest}"),
                (None, _) => lang.pick("本区尚无实际值", "No figure for this district yet").to_owned(),
            };
            format!(
                "{figure}{}{}{}",
                lang.pick("；", "; "),
                reason_text(Reason::PartOfCityTotal, lang),
                lang.pick("。", ".")
            )
        }
        (Status::NotAssessable, _, Lang::Zh) => format!("最新实际值 {latest}，目标 {goal}；尚未达到，暂不计算进度。"),
        (Status::NotAssessable, _, Lang::En) => {
            format!("The latest actual is {latest} against a goal of {goal}: not reached yet, and no pace is computed.")
        }
        (_, Method::Linear, Lang::Zh) => format!(
            "线性进度：已完成从基期值到目标值距离的 {progress}，已用去规划时间的 {elapsed}，进度时间比 {}（{}）。{}",
            ratio_text(p.pace),
            bands(lang),
            by_now(lang)
        ),
        (_, Method::Linear, Lang::En) => format!(
            "Linear pace: {progress} of the distance from baseline to goal covered in {elapsed} of the time, pace = {} ({}).{}",
            ratio_text(p.pace),
            bands(lang),
            by_now(lang)
        ),
        (_, Method::Cagr, Lang::Zh) => {
            format!(
                "年均增长率法：实际年均增长率与达标所需年均增长率之比 R = {}（分档同线性进度）。",
                ratio_text(p.cagr_ratio)
            )
        }
        (_, Method::Cagr, Lang::En) => format!(
            "CAGR method: observed over required compound annual growth, R = {} (same bands as linear pace).",
            ratio_text(p.cagr_ratio)
        ),
    }
}

/// The goal the verdict is against: its band when it is one ("57—63个"), else its value.
/// The value to reach with its comparator ("> 50%": a figure of exactly 50% does not meet it),
/// or a band's edges.
pub fn goal_text(p: &Progress, comparator: Option<Comparator>, unit: &str) -> String {
    match (p.band, p.target_value, comparator) {
        (Some(band), _, _) => band_text(band.low, band.high, unit, "—"),
        (None, Some(v), Some(c)) if c != Comparator::About => format!("{} {}", c.display_symbol(), figure(v, unit)),
        (None, Some(v), _) => figure(v, unit),
        (None, None, _) => "—".to_owned(),
    }
}

/// A target's goal on its page: the value judged against, or — where that is not known yet (a
/// change from a year whose figure has not come) — the goal as the plan writes it (下降 ≥ 14%).
pub fn goal_shown(p: &Progress, target: &crate::db::models::TargetRow, indicator_unit: &str, lang: Lang) -> String {
    if p.band.is_none() && p.target_value.is_none() {
        return goal_of(lang, target, indicator_unit);
    }
    let unit = if target.kind == TargetKind::Milestone { "%" } else { indicator_unit };
    goal_text(p, target.comparator, unit)
}

/// A band's two edges written alike ("47.5—52.5个"): each as a figure without its unit, so a
/// counted unit's rounding does not turn 52.5 into 52 on one edge only.
pub fn band_text(low: f64, high: f64, unit: &str, dash: &str) -> String {
    format!("{}{dash}{}{}", figure(low, ""), figure(high, ""), unit.trim())
}

/// A share with one decimal ("37.5%"), or a dash.
pub fn percent_text(share: Option<f64>) -> String {
    share.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "—".to_owned())
}

/// A department's name in `lang`, found by its slug among `departments`.
pub fn department_name<'a>(
    departments: &'a [std::sync::Arc<crate::db::models::DepartmentRow>],
    slug: &str,
    lang: Lang,
) -> Option<&'a str> {
    let department = departments.iter().find(|d| d.slug == slug)?;
    Some(if lang == Lang::Zh { &department.name } else { &department.name_en })
}

/// How often, in words: ("每年", "yearly").
pub fn frequency_words(frequency: crate::domain::Frequency) -> (&'static str, &'static str) {
    use crate::domain::Frequency;
    match frequency {
        Frequency::Annual => ("每年", "yearly"),
        Frequency::Semiannual => ("每半年", "every half-year"),
        Frequency::Quarterly => ("每季度", "quarterly"),
        Frequency::Monthly => ("每月", "monthly"),
    }
}

/// "每年，期末后 90 天内由市数据局报送" — an indicator's reporting duty in words.
pub fn duty_text(duty: &crate::domain::Duty, reporter: Option<&str>, lang: Lang) -> String {
    let (zh, en) = frequency_words(duty.frequency);
    let days = duty.due_days;
    match (lang, reporter) {
        (Lang::Zh, Some(who)) => format!("{zh}报送，期末后 {days} 天内由{who}报送"),
        (Lang::Zh, None) => format!("{zh}报送，期末后 {days} 天内报送（未指定报送单位）"),
        (Lang::En, Some(who)) => format!("reported {en}, within {days} days of each period's end, by {who}"),
        (Lang::En, None) => format!("reported {en}, within {days} days of each period's end (no reporter named)"),
    }
}

/// A ratio with three decimals, or a dash.
pub fn ratio_text(ratio: Option<f64>) -> String {
    ratio.map(|v| format!("{v:.3}")).unwrap_or_else(|| "—".to_owned())
}

/// A method in a few words.
pub fn method_label(method: Method, lang: Lang) -> &'static str {
    match method {
        Method::Linear => lang.pick("线性进度（进度时间比）", "linear pace"),
        Method::Cagr => lang.pick("年均增长率之比（CAGR）", "CAGR ratio"),
    }
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour(pub u8, pub u8, pub u8);

impl Colour {
    pub fn hex(&self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Each status's colour: the same in pages, charts and the PDF. Each is dark enough to carry
/// white text (the badges) and to be read as text on white or on the charts' light grey.
pub fn status_colour(status: Status) -> Colour {
    match status {
        Status::Achieved => Colour(0x1b, 0x6e, 0x34),
        Status::OnTrack => Colour(0x00, 0x79, 0x6b),
        Status::AtRisk => Colour(0x94, 0x62, 0x00),
        Status::OffTrack => Colour(0xb0, 0x45, 0x00),
        Status::Regressing => Colour(0xb7, 0x1c, 0x1c),
        Status::Missed => Colour(0x7f, 0x1d, 0x1d),
        Status::Awaiting => Colour(0x66, 0x66, 0x66),
        Status::Overdue => Colour(0x6a, 0x1b, 0x9a),
        Status::NotAssessable => Colour(0x4d, 0x4d, 0x4d),
    }
}

impl Colour {
    /// Relative luminance (WCAG 2.1).
    fn luminance(&self) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * linear(self.0) + 0.7152 * linear(self.1) + 0.0722 * linear(self.2)
    }

    /// The contrast ratio of two colours (WCAG 2.1): 1 to 21.
    pub fn contrast(&self, other: &Colour) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }
}

/// The stylesheet rules of the status badges, from [`status_colour`]: the pages cannot drift
/// from the charts.
pub fn status_css() -> String {
    crate::progress::ALL_STATUSES
        .iter()
        .map(|s| format!(".s-{} {{ background: {}; }}\n", s.as_str(), status_colour(*s).hex()))
        .collect()
}

/// What a target's chart shows, for its `<desc>`: the goal, the latest figure, where it should
/// be by now, the status, and where the full figures are.
pub fn target_chart_description(
    goal: Option<&str>,
    latest: Option<(String, chrono::NaiveDate)>,
    expected: Option<(String, chrono::NaiveDate)>,
    status: Status,
    late: bool,
    lang: Lang,
) -> String {
    let verdict = verdict_label(status, late, lang);
    // A goal not known as a value yet (a change from a year without its figure) is in the title.
    let goal = goal.unwrap_or(lang.pick("见标题", "as in the title"));
    match lang {
        Lang::Zh => {
            let latest = match latest {
                Some((value, date)) => format!("最新实际值 {value}（{date}）"),
                None => "尚无实际值".to_owned(),
            };
            let expected = expected.map(|(e, on)| format!("，按计划 {on} 应达到 {e}")).unwrap_or_default();
            format!(
                "目标 {goal}；{latest}{expected}。状态：{verdict}。实线和圆点为实际值，虚线为目标和应有进度。\
                 完整数据见目标页面的“实际值”表。"
            )
        }
        Lang::En => {
            let latest = match latest {
                Some((value, date)) => format!("the latest actual is {value} ({date})"),
                None => "no actual yet".to_owned(),
            };
            let expected = expected.map(|(e, on)| format!(", {e} expected on {on}")).unwrap_or_default();
            format!(
                "Goal {goal}; {latest}{expected}. Status: {verdict}. Solid line and dots: the actuals; dashed: \
                 the goal and the expected path. The full figures are in the table of actuals on the target's page."
            )
        }
    }
}

/// What a plan's overview chart shows, for its `<desc>`: the targets by status, how a bar
/// reads, and where the figures are.
pub fn plan_chart_description(counts: &[(Status, usize)], lang: Lang) -> String {
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let parts: Vec<String> =
        counts.iter().filter(|(_, n)| *n > 0).map(|(s, n)| format!("{} {n}", status_label(*s, lang))).collect();
    match lang {
        Lang::Zh => format!(
            "{total} 个目标：{}。每个目标一行，进度条长度为已完成的距离比例，条后写明比例和状态，竖线为按计划在最新数据时应达到的位置。\
             各目标的数值见规划页面的目标列表。",
            parts.join("，")
        ),
        Lang::En => format!(
            "{total} targets: {}. One row per target: the bar is the share of the distance covered, followed by \
             that share and the status; a tick marks where the straight path says it should have been at the latest figure. Each \
             target's figures are in the plan page's list of targets.",
            parts.join(", ")
        ),
    }
}

/// Why a 累计 target's figures are not the ones reported: its indicator's totals count from an
/// earlier plan's start, and this plan's own total from its base (in brackets, after its base).
pub fn rebased_text(rebased: &crate::judged::Rebased, unit: &str, lang: Lang) -> String {
    let crate::judged::Rebased { since, base, total } = rebased;
    match (total, lang) {
        (Some(total), Lang::Zh) => format!(
            "（本目标计规划期内的累计量：报送数据为自 {since} 起的累计数，已减去 {} 的累计数 {}，从 0 起算）",
            total.date,
            figure(total.value, unit)
        ),
        (Some(total), Lang::En) => format!(
            " (counted within this plan: the figures reported are totals since {since}, less the total of {} on {}, so it starts from 0)",
            figure(total.value, unit),
            total.date
        ),
        (None, Lang::Zh) => {
            format!(
                "（本目标计规划期内的累计量：报送数据为自 {since} 起的累计数，需以 {base} 的累计数为起点，该数据尚未报送）"
            )
        }
        (None, Lang::En) => format!(
            " (counted within this plan: the figures reported are totals since {since}, and the total on {base} it counts from has not come)"
        ),
    }
}

/// What a districts chart shows, for its `<desc>`.
pub fn district_chart_description(districts: usize, meeting: Option<(usize, String)>, lang: Lang) -> String {
    match (lang, meeting) {
        (Lang::Zh, Some((met, goal))) => format!(
            "{districts} 个区的最新数据，其中 {met} 个达到目标 {goal}（目标为竖线）。各区数值见目标页面的各区数据表。"
        ),
        (Lang::Zh, None) => format!("{districts} 个区的最新数据。各区数值见目标页面的各区数据表。"),
        (Lang::En, Some((met, goal))) => format!(
            "The latest figure of {districts} districts; {met} meet the goal of {goal} (the vertical line). \
             Each district's figure is in the target page's table of districts."
        ),
        (Lang::En, None) => format!(
            "The latest figure of {districts} districts. Each district's figure is in the target page's table of districts."
        ),
    }
}

/// A number as people write it: no trailing zeros, at most six decimals.
pub fn format_number(v: f64) -> String {
    let rounded = (v * 1e6).round() / 1e6;
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 { format!("{}", rounded as i64) } else { format!("{rounded}") }
}

/// Classifiers that count whole things: a figure in them is shown whole.
const COUNTED_IN: &[char] = &[
    '个', '家', '人', '张', '件', '项', '所', '座', '台', '辆', '套', '条', '次', '户', '名', '处', '部', '种', '块',
    '栋', '间', '幢', '批', '例', '对', '只', '本', '册', '场', '位', '班', '支', '架', '艘', '根', '盏', '把', '床',
];

/// A figure as its unit is read, with the unit: counts whole, percentages to at most two
/// decimals, large amounts in 万 or 亿, anything else to four significant digits ("102.1点",
/// "0.3612吨标准煤/万元", "12万张", "54.27%").
pub fn figure(v: f64, unit: &str) -> String {
    let unit = unit.trim();
    if !v.is_finite() {
        return format!("{v}{unit}");
    }
    let percent = unit.starts_with('%') || unit.contains("百分点");
    let already_scaled = unit.starts_with(['万', '亿', '千', '百']);
    let chinese_unit = !unit.chars().any(|c| c.is_ascii_alphabetic());
    let counted = !already_scaled && unit.chars().count() == 1 && unit.starts_with(COUNTED_IN);
    let (value, scale) = match v.abs() {
        a if !percent && !already_scaled && chinese_unit && a >= 1e8 => (v / 1e8, "亿"),
        a if !percent && !already_scaled && chinese_unit && a >= 1e5 => (v / 1e4, "万"),
        _ => (v, ""),
    };
    let significant = |x: f64| {
        if x == 0.0 { 0 } else { (3 - x.abs().log10().floor() as i32).clamp(0, 4) as usize }
    };
    let decimals = if !scale.is_empty() {
        2
    } else if counted {
        if value.fract() == 0.0 || value.abs() >= 10.0 { 0 } else { 1 }
    } else if percent {
        significant(value).min(2)
    } else {
        significant(value)
    };
    let mut text = format!("{value:.decimals$}");
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    if text == "-0" {
        text = "0".to_owned();
    }
    format!("{text}{scale}{unit}")
}

/// A share as a whole percentage ("38%"), or nothing.
pub fn percent(share: Option<f64>) -> Option<String> {
    share.map(|v| format!("{:.0}%", v * 100.0))
}

/// The goal as a reader would write it: "≥ 70%", "3—5个", "完成".
pub fn goal_as_written(
    kind: TargetKind,
    comparator: Option<Comparator>,
    value: f64,
    value_max: Option<f64>,
    scale: f64,
    unit: &str,
) -> String {
    let number = |v: f64| format_number(v / scale);
    match (kind, comparator, value_max) {
        (TargetKind::Range, _, Some(max)) => format!("{}—{}{unit}", number(value), number(max)),
        (TargetKind::Milestone, None, _) => "完成".to_owned(),
        (TargetKind::Change, Some(c), None) => change_as_written(c, number(value.abs()), value < 0.0, unit),
        (_, Some(c), _) => format!("{} {}{unit}", c.display_symbol(), number(value)),
        (_, None, _) => format!("{}{unit}", number(value)),
    }
}

/// The goal for a reader of `lang`: in English a change keeps its sign ("≤ -14%") and a milestone
/// is "done", the words of [`goal_as_written`] being Chinese.
pub fn goal_in(
    lang: Lang,
    kind: TargetKind,
    comparator: Option<Comparator>,
    value: f64,
    value_max: Option<f64>,
    scale: f64,
    unit: &str,
) -> String {
    // 个百分点 means nothing to an English reader: percentage points.
    let unit = if lang == Lang::En && unit.contains("百分点") { " pp" } else { unit };
    match (lang, kind, comparator) {
        (Lang::En, TargetKind::Change, Some(c)) => {
            format!("{} {}{unit}", c.display_symbol(), format_number(value / scale))
        }
        (Lang::En, TargetKind::Milestone, None) => "done".to_owned(),
        _ => goal_as_written(kind, comparator, value, value_max, scale, unit),
    }
}

/// A target's goal for a reader of `lang`, in the unit it is judged in: where the catalog reads the
/// document's unit as another (a plan's "25MB/s" read as 25 Mbps, `unit_read`), the goal is shown
/// in the unit its figures are measured in, with the unit the document wrote beside it — else a
/// reader sees 50 Mbps against "> 25MB/s" marked achieved.
pub fn goal_of(lang: Lang, target: &crate::db::models::TargetRow, indicator_unit: &str) -> String {
    let reread = matches!(target.kind, TargetKind::Level | TargetKind::Range)
        && target.scale == 1.0
        && target.unit != indicator_unit
        && crate::domain::scale_between(&target.unit, indicator_unit).is_err();
    if !reread {
        return goal_in(
            lang,
            target.kind,
            target.comparator,
            target.value,
            target.value_max,
            target.scale,
            &target.unit,
        );
    }
    let read = goal_in(lang, target.kind, target.comparator, target.value, target.value_max, 1.0, indicator_unit);
    match lang {
        Lang::Zh => format!("{read}（原文单位 {}）", target.unit),
        Lang::En => format!("{read} (written {})", target.unit),
    }
}

/// A change as the plans write it, a fall as a fall of so much: "下降 ≥ 14%" for a change of at
/// most −14 % (the catalog's sign convention), "增长约 5%", "提高 ≥ 2个百分点".
fn change_as_written(comparator: Comparator, magnitude: String, falls: bool, unit: &str) -> String {
    let word = match (falls, unit.contains("百分点")) {
        (true, _) => "下降",
        (false, true) => "提高",
        (false, false) => "增长",
    };
    // A fall of at most −14 % is a fall of at least 14 %: the bound turns with the sign.
    let bound = match (comparator, falls) {
        (Comparator::About, _) => return format!("{word}约 {magnitude}{unit}"),
        (Comparator::AtMost, true) | (Comparator::AtLeast, false) => "≥",
        (Comparator::LessThan, true) | (Comparator::MoreThan, false) => ">",
        (Comparator::AtLeast, true) | (Comparator::AtMost, false) => "≤",
        (Comparator::MoreThan, true) | (Comparator::LessThan, false) => "<",
    };
    format!("{word} {bound} {magnitude}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bands_edges_are_written_alike() {
        // ≈50个: 47.5—52.5, not 47.5—52个 (a counted unit rounds a figure of its own to whole).
        assert_eq!(band_text(47.5, 52.5, "个", "—"), "47.5—52.5个");
        assert_eq!(band_text(9.5, 10.5, "个", "—"), "9.5—10.5个");
        assert_eq!(band_text(93.1, 102.9, "%", "–"), "93.1–102.9%");
    }

    /// A target judged on 2026-12-07 by one figure, without a baseline or a pace.
    fn judged_on(status: Status, figure_date: chrono::NaiveDate, figure: f64, goal: f64) -> Progress {
        Progress {
            status,
            latest: Some(crate::progress::Point { date: figure_date, value: figure }),
            target_value: Some(goal),
            ..Progress::unjudged(Method::Linear, chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap())
        }
    }

    #[test]
    fn an_overdue_target_without_a_pace_says_what_is_missing_not_dashes() {
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let progress = judged_on(Status::Overdue, day(2024, 12, 31), 46.3, 50.0);
        let zh = verdict_sentence(&progress, &goal_text(&progress, Some(Comparator::AtLeast), "%"), "%", Lang::Zh);
        assert_eq!(zh, "逾期未报：截至 2026-12-07 应报送的数据尚未收到；最新实际值 46.3%，目标 ≥ 50%。");
        assert!(!verdict_sentence(&progress, &goal_text(&progress, None, "%"), "%", Lang::En).contains('—'));
        let paced = Progress { pace: Some(0.9), progress: Some(0.5), elapsed: Some(0.55), ..progress.clone() };
        assert!(
            verdict_sentence(&paced, &goal_text(&paced, None, "%"), "%", Lang::Zh).starts_with("线性进度"),
            "with a pace, the pace"
        );
        // 超过 50%: a figure of exactly 50% is missed, and the sentence says why.
        let missed = Progress {
            status: Status::Missed,
            latest: Some(crate::progress::Point { date: day(2025, 12, 31), value: 50.0 }),
            ..progress
        };
        assert_eq!(
            verdict_sentence(&missed, &goal_text(&missed, Some(Comparator::MoreThan), "%"), "%", Lang::Zh),
            "到期未实现：期限已过，最新实际值 50% 未达到目标 > 50%。"
        );
    }

    #[test]
    fn a_figure_beyond_its_band_is_said_to_meet_the_goal_and_go_beyond_it() {
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // 煤炭消费量 下降5%左右: 3885—3905万吨, and 3880 came.
        let progress = Progress {
            band: Some(crate::progress::Band { low: 3885.0, high: 3905.0 }),
            reason: Some(Reason::BeyondBand),
            ..judged_on(Status::Achieved, day(2025, 12, 31), 3880.0, 3905.0)
        };
        let zh = verdict_sentence(&progress, &goal_text(&progress, Some(Comparator::About), "万吨"), "万吨", Lang::Zh);
        assert!(zh.contains("已实现目标，且好于目标区间") && !zh.contains("已满足目标 3885"), "{zh}");
        let en = verdict_sentence(&progress, &goal_text(&progress, Some(Comparator::About), "万吨"), "万吨", Lang::En);
        assert!(en.contains("goes beyond its band"), "{en}");
    }

    #[test]
    fn a_change_reads_as_a_rise_or_a_fall_of_so_much() {
        let change = |c, v, unit| goal_as_written(TargetKind::Change, Some(c), v, None, 1.0, unit);
        assert_eq!(change(Comparator::AtMost, -14.0, "%"), "下降 ≥ 14%");
        assert_eq!(change(Comparator::About, -5.0, "%"), "下降约 5%");
        assert_eq!(change(Comparator::AtLeast, 2.0, "个百分点"), "提高 ≥ 2个百分点");
        assert_eq!(change(Comparator::AtLeast, 100.0, "%"), "增长 ≥ 100%");
        assert_eq!(change(Comparator::AtMost, 0.0, "%"), "增长 ≤ 0%");
        assert_eq!(goal_in(Lang::En, TargetKind::Change, Some(Comparator::AtMost), -14.0, None, 1.0, "%"), "≤ -14%");
        assert_eq!(goal_in(Lang::En, TargetKind::Milestone, None, 100.0, None, 1.0, "%"), "done");
        assert_eq!(goal_in(Lang::Zh, TargetKind::Milestone, None, 100.0, None, 1.0, "%"), "完成");
        assert_eq!(
            goal_in(Lang::En, TargetKind::Change, Some(Comparator::MoreThan), 0.0, None, 1.0, "个百分点"),
            "> 0 pp"
        );
        assert_eq!(
            goal_in(Lang::Zh, TargetKind::Change, Some(Comparator::AtLeast), 2.0, None, 1.0, "个百分点"),
            "提高 ≥ 2个百分点"
        );
    }

    #[test]
    fn figures_are_rounded_to_what_their_unit_means() {
        for (v, unit, shown) in [
            (102.090476, "点", "102.1点"),
            (0.36119999999999997, "吨标准煤/万元", "0.3612吨标准煤/万元"),
            (120_000.0, "张", "12万张"),
            (30_000.0, "张", "30000张"),
            (5123.4, "个", "5123个"),
            (2.5, "个", "2.5个"),
            (54.2666, "%", "54.27%"),
            (70.0, "%", "70%"),
            (0.35, "%", "0.35%"),
            (1.5, "个百分点", "1.5个百分点"),
            (250_000_000.0, "元", "2.5亿元"),
            (3.75, "万人", "3.75万人"),
            (1000.0, "Mbps", "1000Mbps"),
            (-0.00001, "%", "0%"),
        ] {
            assert_eq!(figure(v, unit), shown, "{v} {unit}");
        }
    }
    use crate::progress::ALL_STATUSES;

    #[test]
    fn every_status_has_words_in_both_languages_and_the_bands_in_its_meaning() {
        for status in ALL_STATUSES {
            assert!(!status_label(status, Lang::Zh).is_ascii());
            assert!(status_label(status, Lang::En).is_ascii());
            assert!(!status_meaning(status, Lang::Zh).is_empty());
        }
        assert!(status_meaning(Status::AtRisk, Lang::En).contains(&format!("{AT_RISK} ≤ pace < {ON_TRACK}")));
        assert_eq!(verdict_label(Status::Achieved, true, Lang::Zh), "到期未实现，后已达到");
        assert!(status_css().contains(".s-at_risk { background: #946200; }"));
    }

    #[test]
    fn every_status_colour_reads_as_text_and_under_white_text() {
        let (white, chart_grey) = (Colour(0xff, 0xff, 0xff), Colour(0xf2, 0xf2, 0xf2));
        for status in ALL_STATUSES {
            let colour = status_colour(status);
            assert!(colour.contrast(&white) >= 4.5, "{status:?} {} on white", colour.hex());
            assert!(colour.contrast(&chart_grey) >= 4.5, "{status:?} {} on #f2f2f2", colour.hex());
        }
        let hexes: std::collections::HashSet<String> = ALL_STATUSES.iter().map(|s| status_colour(*s).hex()).collect();
        assert_eq!(hexes.len(), ALL_STATUSES.len(), "one colour per status");
    }

    #[test]
    fn numbers_and_goals_are_written_as_the_documents_write_them() {
        assert_eq!(format_number(70.0), "70");
        assert_eq!(format_number(0.123_456_789), "0.123457");
        assert_eq!(percent(Some(0.375)), Some("38%".to_owned()));
        assert_eq!(goal_as_written(TargetKind::Level, Some(Comparator::MoreThan), 5e6, None, 1e4, "万户"), "> 500万户");
        assert_eq!(goal_as_written(TargetKind::Range, None, 3.0, Some(5.0), 1.0, "个"), "3—5个");
    }
}
