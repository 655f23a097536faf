//! Reads a plan text — numbered lines of a gazette or a web page, possibly a compilation of many
//! documents — and returns its header and every candidate goal, for a planner to review.
//!
//! The reading is by rules on how Shanghai plans state their goals (到2020年…达到70%, 比2020年下降14%,
//! 建成3—5个…, 力争…, （责任单位：…）, indicator tables), not by memorised cases: it must work on plans
//! it has never seen. Each rule is small and named after the wording it reads. The text is split into
//! its documents first (title, 文号, date), because only plans set goals and each plan has its own
//! horizon; then each line is split into clauses, and a clause yields numeric goals (level, change,
//! range) or, when it states a deliverable, a milestone.
//!
//! Conventions follow the hand catalog (`targets/*.toml`): the value keeps the magnitude in the unit
//! (43.9万人份 → 43.9 "万人份"), falls are negative changes with `<=`, 近X is read as 0.9·X and 数X as 2·X.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use regex::Regex;
use serde::Serialize;

/// The plan's header as the text states it.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Header {
    pub title: Option<String>,
    /// 沪府发〔2016〕80号 as written.
    pub doc_number: Option<String>,
    /// The 印发 / 发布 date.
    pub issued: Option<NaiveDate>,
    /// First and last year the plan covers.
    pub horizon: Option<[i32; 2]>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct BaselineFound {
    pub value: f64,
    pub year: i32,
    pub line: usize,
}

/// One candidate target, before indicator matching.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Found {
    /// 1-based line number in the text as given.
    pub line: usize,
    /// A verbatim substring of `lines[line - 1]`: the clause stating the goal.
    pub quote: String,
    /// "level" | "change" | "range" | "milestone".
    pub kind: &'static str,
    /// ">=", ">", "<=", "<", "≈"; None for a milestone.
    pub comparator: Option<&'static str>,
    /// The number as written, magnitude kept in the unit; 100 (percent complete) for a milestone.
    pub value: f64,
    pub value_max: Option<f64>,
    pub unit: String,
    /// "2020" or "2017-06-30".
    pub deadline: Option<String>,
    /// The text gives no year for this goal; the horizon end was used.
    pub deadline_implied: bool,
    pub reference_year: Option<i32>,
    pub baseline: Option<BaselineFound>,
    /// 力争 / 争取.
    pub stretch: bool,
    /// 约束性 → true, 预期性 → false.
    pub binding: Option<bool>,
    /// 累计 / 新增.
    pub cumulative: bool,
    /// Responsible units as written, lead first.
    pub owners: Vec<String>,
    pub owners_line: Option<usize>,
    /// The indicator phrase as read, used to match indicators.
    pub name: String,
    /// 0..1: how sure the rules are.
    pub confidence: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KnownIndicator {
    pub slug: String,
    pub name: String,
    pub unit: String,
    /// How the current targets on it read its figures: `Some(true)` as running totals (累计 from
    /// 0), `Some(false)` as each period's own; `None` when no numeric target reads it yet. A goal
    /// read the other way is not matched to it (新增50家 is no count of firms).
    pub running_total: Option<bool>,
}

impl Found {
    /// Whether this goal reads its indicator as running totals (see `reads_running_totals`).
    pub fn running_total(&self) -> Option<bool> {
        let kind = self.kind.parse::<crate::domain::TargetKind>().ok()?;
        crate::domain::reads_running_totals(kind, self.cumulative, self.baseline.is_some())
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct IndicatorMatch {
    pub slug: String,
    pub name: String,
    /// "existing" | "new".
    #[serde(rename = "match")]
    pub matched: &'static str,
    pub score: f64,
}

/// Reads the header and every candidate goal. `lines[0]` is line 1.
pub fn extract(lines: &[&str]) -> (Header, Vec<Found>) {
    let documents = split_documents(lines);
    // The plan itself before the notice that issues it: the plan's title and the years its goals
    // run to, with the notice's 文号 and date (which the plan inherits).
    let is_notice = |d: &&Document| d.header.title.as_deref().is_some_and(|t| t.contains("印发") || t.contains("转发"));
    let header = documents
        .iter()
        .find(|d| d.is_plan && d.header.doc_number.is_some() && !is_notice(d))
        .or_else(|| documents.iter().find(|d| d.is_plan && d.header.doc_number.is_some()))
        .or_else(|| documents.iter().find(|d| d.is_plan))
        .or(documents.first())
        .map(|d| Header { title: d.header.title.as_deref().map(|t| core_title(t).to_owned()), ..d.header.clone() })
        .unwrap_or_default();
    let found = documents.iter().filter(|d| d.is_plan).flat_map(|d| read_document(lines, d)).collect();
    (header, found)
}

/// The existing indicator this goal most likely measures (by name similarity and a compatible unit),
/// or a new one named after the goal.
/// Below this similarity a name is not the same indicator (short names share many characters).
pub(crate) const SAME_INDICATOR: f64 = 0.6;

pub fn match_indicator(found: &Found, known: &[KnownIndicator]) -> IndicatorMatch {
    // Names are compared by edit distance, quadratic in their length: a name is matched by its
    // start (indicator names run to 30 characters; a table cell may hold a paragraph).
    let name: String = found.name.chars().take(MATCHED_NAME_CHARS).collect();
    // A milestone is measured by its own percent complete (the catalog implies its indicator), so
    // it is matched to none: most candidates are milestones, and comparing each with every known
    // name was nearly all of a draft's time.
    let comparable = |k: &&KnownIndicator| {
        found.kind != "milestone"
            && base_unit(&k.unit) == base_unit(&found.unit)
            && k.running_total.is_none_or(|total| found.running_total() == Some(total))
    };
    let best = known
        .iter()
        .filter(comparable)
        .map(|k| (k, name_similarity(&name, &k.name)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match best {
        Some((k, score)) if score >= SAME_INDICATOR => {
            IndicatorMatch { slug: k.slug.clone(), name: k.name.clone(), matched: "existing", score }
        }
        _ => {
            let score = best.map_or(0.0, |b| b.1);
            let slug = new_indicator_slug(found.line, &found.name);
            match known.iter().find(|k| k.slug == slug) {
                // The same words on the same line defined it for an earlier version of the plan,
                // under the name its reviewer gave it: the revision measures the same thing.
                Some(k) if comparable(&k) => {
                    IndicatorMatch { slug: k.slug.clone(), name: k.name.clone(), matched: "existing", score }
                }
                // Taken by another measure: a slug of its own, not a redefinition of that one.
                Some(_) => {
                    let free = (2..).map(|n| format!("{slug}-{n}")).find(|s| known.iter().all(|k| k.slug != *s));
                    IndicatorMatch { slug: free.unwrap_or(slug), name: found.name.clone(), matched: "new", score }
                }
                None => IndicatorMatch { slug, name: found.name.clone(), matched: "new", score },
            }
        }
    }
}

/// How much of a candidate's name is compared with the known indicators' names.
const MATCHED_NAME_CHARS: usize = 64;

pub(crate) fn name_similarity(a: &str, b: &str) -> f64 {
    let a = a.trim_matches(QUOTE_MARKS);
    let b = b.trim_matches(QUOTE_MARKS);
    // A name inside another counts only when it says something: 培育 is in 高价值专利培育中心数量.
    let says_something = |name: &str| name.chars().count() >= 3;
    if says_something(a) && says_something(b) && (a.contains(b) || b.contains(a)) {
        let (short, long) = if a.chars().count() < b.chars().count() { (a, b) } else { (b, a) };
        if narrows(long, short) {
            return NARROWER;
        }
        return 0.7 + 0.3 * short.chars().count() as f64 / long.chars().count() as f64;
    }
    strsim::normalized_levenshtein(a, b).max(strsim::sorensen_dice(a, b))
}

/// The similarity of a name that narrows another: below the bar for the same indicator.
const NARROWER: f64 = 0.5;

/// Whether `long` is `short` with a scope in front (重点领域数据开放率, 中心城区…覆盖率): another,
/// narrower series, not the same indicator. The whole city in front (全市, 本市) narrows nothing.
fn narrows(long: &str, short: &str) -> bool {
    let Some(scope) = long.strip_suffix(short) else { return false };
    let scope = ["上海市", "全市", "本市", "全"].iter().fold(scope, |s, city| s.strip_prefix(city).unwrap_or(s));
    scope.chars().filter(|c| !c.is_whitespace()).count() >= 2
}

/// A stable, ASCII suffix for new indicator slugs (FNV-1a folded to 16 bits).
/// The slug of a new indicator a goal on `line` defines: its line and a hash of its name, so two
/// goals on one line get two indicators.
pub fn new_indicator_slug(line: impl std::fmt::Display, name: &str) -> String {
    format!("new-l{line}-{:04x}", short_hash(name))
}

fn short_hash(text: &str) -> u16 {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    (hash ^ (hash >> 16) ^ (hash >> 32) ^ (hash >> 48)) as u16
}

/// The unit without its magnitude word: 万人份 → 人份, 个百分点 → %.
fn base_unit(unit: &str) -> &str {
    if matches!(unit, "个百分点" | "百分点") {
        return "%";
    }
    for magnitude in ["万亿", "亿", "万"] {
        if let Some(rest) = unit.strip_prefix(magnitude)
            && !rest.is_empty()
        {
            return rest;
        }
    }
    unit
}

const QUOTE_MARKS: &[char] = &['“', '”', '"', '《', '》', ' '];

// ---------------------------------------------------------------------------------------------
// Documents: a text may hold many (a gazette issue, a web compilation). Each starts at its title.

struct Document {
    /// 0-based index of the title line, and one past the last line.
    lines: Range<usize>,
    header: Header,
    /// Only plans (规划, 方案, 计划, 要点, 意见, 措施 …) set goals; decisions, rules and appointments do not.
    is_plan: bool,
}

static TITLE_ENDING: LazyLock<Regex> = LazyLock::new(|| {
    // A title may end in its years and a revision mark: …（2026—2028年）（修订）.
    Regex::new(
        r"(规划|方案|计划|要点|意见|措施|纲要|安排|办法|规定|细则|通知|决定|条例|报告)(（[^）]*）|\([^)]*\)){0,2}$",
    )
    .unwrap()
});
static ENUMERATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([一二三四五六七八九十]+[、.]|[（(][一二三四五六七八九十\d]+[）)]|第[一二三四五六七八九十]+|\d)")
        .unwrap()
});
static NOTICE_OF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:印发|转发)\s*(?:[^《“]*[《“](.+)[》”]|(.+)的通知$)").unwrap());
static PLAN_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(规划|方案|计划|要点|意见|措施|纲要|安排)(（[^）]*）|\([^)]*\)){0,2}$").unwrap());
static NOT_A_PLAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"任免|免职|任职|分工|评估结果|管理办法|暂行办法|规定|条例|细则|决定$").unwrap());
static DOC_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[沪国][\p{Han}]{0,6}[〔\[［]\s*\d{4}\s*[〕\]］]\s*\d+\s*号").unwrap());
static WRITTEN_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4})\s*[年-]\s*(\d{1,2})\s*[月-]\s*(\d{1,2})\s*日?").unwrap());
static TITLE_YEARS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(20\d\d)\s*[-—–~至到]\s*(20\d\d)\s*年").unwrap());
static SINGLE_YEAR_TITLE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(20\d\d)\s*年").unwrap());

/// A document title: a short line without sentence punctuation, ending like a title, naming Shanghai.
fn title_of(line: &str) -> Option<String> {
    let text = normalize(line).text;
    let text = text.trim().trim_start_matches('#').trim();
    let length = text.chars().count();
    if !(6..=80).contains(&length) || text.contains(['\t', '。', '，', ',', '；', '：', ':', '…']) {
        return None;
    }
    if ENUMERATED.is_match(text) && !text.starts_with("20") {
        return None;
    }
    let names_city = text.contains("上海") || text.contains("本市") || text.contains("关于") || text.starts_with("20");
    (TITLE_ENDING.is_match(text) && names_city).then(|| text.to_string())
}

/// What a title is about: the plan a notice 印发s, or the title itself.
fn core_title(title: &str) -> &str {
    NOTICE_OF.captures(title).and_then(|c| c.get(1).or(c.get(2))).map_or(title, |m| m.as_str())
}

fn is_plan_title(title: &str) -> bool {
    let core = core_title(title);
    PLAN_WORD.is_match(core) && !NOT_A_PLAN.is_match(core)
}

fn split_documents(lines: &[&str]) -> Vec<Document> {
    let starts: Vec<(usize, String)> =
        lines.iter().enumerate().filter_map(|(i, line)| title_of(line).map(|t| (i, t))).collect();
    let mut documents: Vec<Document> = Vec::new();
    for (n, (start, title)) in starts.iter().enumerate() {
        let end = starts.get(n + 1).map_or(lines.len(), |s| s.0);
        // The 文号 and date sit just around the title (before it on some web pages), on lines of their own.
        let previous_start = documents.last().map_or(0, |d: &Document| d.lines.start + 3);
        let around = start.saturating_sub(12).max(previous_start).min(*start)..(start + 14).min(end);
        let mut header = Header {
            title: Some(title.clone()),
            doc_number: lines[around.clone()].iter().find_map(|l| doc_number_line(l)),
            issued: lines[around.clone()].iter().find_map(|l| issue_date(l)),
            horizon: None,
        };
        // A plan printed after the notice that issues it shares the notice's 文号 and date.
        if let Some(notice) = documents.last()
            && notice.lines.end == *start
            && notice.header.title.as_deref().is_some_and(|t| t.contains("印发") || t.contains("转发"))
        {
            header.doc_number = notice.header.doc_number.clone().or(header.doc_number);
            header.issued = notice.header.issued.or(header.issued);
        }
        header.horizon = horizon_of(title, &lines[*start..end], header.issued);
        documents.push(Document { lines: *start..end, is_plan: is_plan_title(title), header });
    }
    documents
}

/// A 文号 printed as the document's own: alone on its line or after 印发日期 (not one cited in a sentence).
fn doc_number_line(line: &str) -> Option<String> {
    let found = DOC_NUMBER.find(line)?;
    let own = line.trim_start().starts_with(found.as_str())
        || line.contains("印发日期")
        || line.trim().len() <= found.len() + 6;
    own.then(|| found.as_str().to_string())
}

/// The date a document was issued: a date standing alone (（2016 年 1 月 27 日）) or an 印发日期.
fn issue_date(line: &str) -> Option<NaiveDate> {
    let text = line.trim().trim_matches(['(', ')', '（', '）', ' ', '\u{3000}']);
    let stands_alone = text.chars().count() <= 16 || text.starts_with("印发日期");
    if !stands_alone {
        return None;
    }
    let c = WRITTEN_DATE.captures(text)?;
    NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)
}

/// The years a plan covers: its title (2023—2025年, 十四五), else the farthest year its goals are due
/// (到20XX年, 20XX年X月底前, 到“十五五”期末), else the end of its validity (有效期至20XX年), else the
/// time it gives itself (用3-5年时间), else the year of issue.
fn horizon_of(title: &str, text: &[&str], issued: Option<NaiveDate>) -> Option<[i32; 2]> {
    if let Some(c) = TITLE_YEARS.captures(title) {
        return Some([c[1].parse().ok()?, c[2].parse().ok()?]);
    }
    if let Some(c) = SINGLE_YEAR_TITLE.captures(core_title(title)) {
        let year = c[1].parse().ok()?;
        return Some([year, year]);
    }
    for (plan, years) in FIVE_YEAR_PLANS {
        if title.contains(plan) {
            return Some(years);
        }
    }
    let issued_year = issued.map(|d| d.year());
    let plausible = |y: &i32| issued_year.is_none_or(|i| *y >= i && *y <= i + 20);
    let due: Vec<i32> = text.iter().flat_map(|l| due_years(l)).filter(plausible).collect();
    // 到2025年…到2035年: a year eight or more years past an earlier goal year is the long-range outlook.
    let farthest = due.iter().max().map(|&far| {
        due.iter().copied().filter(|y| far - y >= 8 && issued_year.is_none_or(|i| *y >= i + 2)).max().unwrap_or(far)
    });
    let valid_until = || {
        text.iter()
            .find_map(|l| VALID_UNTIL.captures(&normalize(l).text).and_then(|c| c[1].parse::<i32>().ok()))
            .filter(plausible)
    };
    let given_time = || text.iter().find_map(|l| years_to_go(&normalize(l).text, issued));
    let start = issued_year.or(farthest);
    let end = farthest.or_else(valid_until).or_else(given_time).or(issued_year)?;
    Some([start.unwrap_or(end).min(end), end])
}

/// Five-year plans and the years they cover.
const FIVE_YEAR_PLANS: [(&str, [i32; 2]); 4] =
    [("十二五", [2011, 2015]), ("十三五", [2016, 2020]), ("十四五", [2021, 2025]), ("十五五", [2026, 2030])];

/// Years by which a line says something is to be done: 到2025年, 2023年3月底前, 到“十五五”期末.
static DUE_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:^|[^长期年\d\s])\s*(?:到|至)\s*(20\d\d)\s*年",
        r"|(20\d\d)\s*年\s*(?:\d{1,2}\s*月\s*)?(?:底|末)?\s*(?:前|以前|之前)",
        r"|(?:到|至)\s*“?(十[二三四五]五)”?\s*(?:期末|末)",
    ))
    .unwrap()
});
/// 有效期至2029年1月31日: the last year a document applies.
static VALID_UNTIL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"有效期至\s*(20\d\d)\s*年").unwrap());
/// 用3-5年时间, 力争用三年时间: the time a plan gives itself, counted from its first year.
static YEARS_TO_GO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"用\s*(?:[\d一二三四五六七八九十]{1,2}\s*[-—–~至到]\s*)?(\d{1,2}|[一二三四五六七八九十]{1,2})\s*年(?:左右)?(?:的)?时间")
        .unwrap()
});

fn due_years(line: &str) -> Vec<i32> {
    let text = normalize(line).text;
    DUE_YEAR
        .captures_iter(&text)
        .filter_map(|c| {
            if let Some(plan) = c.get(3) {
                return FIVE_YEAR_PLANS.iter().find(|p| p.0 == plan.as_str()).map(|p| p.1[1]);
            }
            c.get(1).or(c.get(2)).and_then(|m| m.as_str().parse().ok())
        })
        .collect()
}

/// The last year of 用N年时间: a plan issued in December starts the next year.
fn years_to_go(text: &str, issued: Option<NaiveDate>) -> Option<i32> {
    let c = YEARS_TO_GO.captures(text)?;
    let years = c[1].parse::<i32>().ok().or_else(|| chinese_number(&c[1]).map(|n| n as i32))?;
    let issued = issued?;
    let first = issued.year() + i32::from(issued.month() == 12);
    (1..=10).contains(&years).then_some(first + years - 1)
}

// ---------------------------------------------------------------------------------------------
// Lines: normalised for matching (full-width digits …), with a way back to the verbatim text.

struct Normalized {
    text: String,
    /// Byte offset in the original line of each byte of `text` (and one past the end).
    origin: Vec<usize>,
}

fn normalize(line: &str) -> Normalized {
    let mut text = String::with_capacity(line.len());
    let mut origin = Vec::with_capacity(line.len() + 1);
    for (offset, c) in line.char_indices() {
        let mapped = match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '％' => '%',
            '．' => '.',
            '＋' => '+',
            '－' => '-',
            '～' => '~',
            '＞' => '>',
            '＜' => '<',
            '\u{3000}' | '\u{a0}' => ' ',
            other => other,
        };
        text.push(mapped);
        origin.extend(std::iter::repeat_n(offset, mapped.len_utf8()));
    }
    origin.push(line.len());
    Normalized { text, origin }
}

impl Normalized {
    /// The verbatim original of a range of the normalised text.
    fn original<'a>(&self, line: &'a str, range: Range<usize>) -> &'a str {
        &line[self.origin[range.start]..self.origin[range.end]]
    }
}

/// Clauses of a line: split at Chinese and ASCII punctuation (not at a comma between digits) and at
/// table cells; leading dashes and spaces trimmed.
fn clauses(text: &str) -> Vec<Range<usize>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut pieces = Vec::new();
    let mut start = 0;
    for (n, &(offset, c)) in chars.iter().enumerate() {
        let digit_comma = c == ','
            && n > 0
            && chars[n - 1].1.is_ascii_digit()
            && chars.get(n + 1).is_some_and(|(_, next)| next.is_ascii_digit());
        if matches!(c, '，' | '。' | '；' | ';' | '：' | ':' | '\t' | '！' | '？' | ',') && !digit_comma {
            pieces.push(start..offset);
            start = offset + c.len_utf8();
        }
    }
    pieces.push(start..text.len());
    pieces.into_iter().map(|r| trim_range(text, r)).filter(|r| !r.is_empty()).collect()
}

fn trim_range(text: &str, range: Range<usize>) -> Range<usize> {
    let piece = &text[range.clone()];
    let rest = piece.trim_start_matches([' ', '—', '-', '●', '•', '·', '#', '*']);
    // 12.完成…, （三）建立…: the item's number is no part of the goal (but 12.5% is a number).
    let rest = match ITEM_NUMBER.find(rest) {
        Some(m) if !rest[m.end()..].starts_with(|c: char| c.is_ascii_digit()) => rest[m.end()..].trim_start(),
        _ => rest,
    };
    let lead = piece.len() - rest.len();
    let trail = piece.len() - piece.trim_end_matches([' ', '。']).len();
    let start = range.start + lead;
    start..(range.end - trail).max(start)
}

static ITEM_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:\d{1,2}\s*[.、]|[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}、|专项\s*\d{1,2})\s*",
    )
    .unwrap()
});

// ---------------------------------------------------------------------------------------------
// Reading a plan line by line.

static HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(#+\s*)?([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十]+[章节部分])",
    )
    .unwrap()
});
/// Sections that report what was achieved: their figures are baselines, not goals.
static PAST_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"基础(?:$|和|与|、|及)|现状|成效|成绩|回顾|情况|总结|形势|背景").unwrap());
/// Sections on principles and support measures: their deliverables are means, not the plan's goals.
static MEANS_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"保障|组织|原则|指导思想|总体思路|总体要求|工作要求").unwrap());
static OWNERS_NOTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[（(](?:责任单位|责任部门|牵头单位|牵头部门)[:：]\s*([^）)]+)[）)]|[（(]([^（）()]{2,80}?)(?:牵头负责|牵头|负责)[^（）()]{0,30}[）)]")
        .unwrap()
});

/// State carried from line to line inside one plan.
struct Context {
    issued_year: Option<i32>,
    issued: Option<NaiveDate>,
    horizon: Option<[i32; 2]>,
    /// Inside a section reporting past results.
    in_past_section: bool,
    /// Inside a section on principles or support measures (no milestones there).
    in_means_section: bool,
    /// A deadline stated at the head of a section (到2020年，…) for the goals below it.
    section_deadline: Option<Deadline>,
    table: TableLayout,
}

#[derive(Clone, Debug, PartialEq)]
struct Deadline {
    text: String,
    year: i32,
}

impl Deadline {
    fn year(year: i32) -> Self {
        Deadline { text: year.to_string(), year }
    }
    fn date(year: i32, month: u32, day: Option<u32>) -> Self {
        let day = day.or_else(|| last_day_of_month(year, month)).unwrap_or(28);
        Deadline { text: format!("{year}-{month:02}-{day:02}"), year }
    }
}

fn last_day_of_month(year: i32, month: u32) -> Option<u32> {
    let (next_year, next_month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    NaiveDate::from_ymd_opt(next_year, next_month, 1)?.pred_opt().map(|d| d.day())
}

fn read_document(lines: &[&str], document: &Document) -> Vec<Found> {
    let mut context = Context {
        issued_year: document.header.issued.map(|d| d.year()),
        issued: document.header.issued,
        horizon: document.header.horizon,
        in_past_section: false,
        in_means_section: false,
        section_deadline: None,
        table: TableLayout::default(),
    };
    let mut found = Vec::new();
    let mut stated = Stated::default();
    for index in document.lines.clone().skip(1) {
        let line = lines[index];
        let normalized = normalize(line);
        let text = normalized.text.trim();
        if text.is_empty() {
            continue;
        }
        if is_heading(text) {
            context.in_past_section = PAST_HEADING.is_match(text);
            context.in_means_section = MEANS_HEADING.is_match(text);
            context.section_deadline = None;
        }
        let mut from_line = table_separator(line)
            .and_then(|separator| read_table_row(line, separator, index + 1, &mut context))
            .unwrap_or_else(|| read_prose(line, &normalized, index + 1, &mut context));
        if !from_line.is_empty() {
            let (owners, owners_line) = owners_near(lines, index, document.lines.end);
            let enumerated = ITEM_NUMBER.is_match(text);
            for f in &mut from_line {
                f.owners.clone_from(&owners);
                f.owners_line = owners_line;
                if f.kind == "milestone" {
                    f.confidence = milestone_confidence(f, enumerated);
                }
            }
            from_line.retain(|f| f.kind != "milestone" || f.confidence >= MILESTONE_KEPT - 1e-9);
        }
        // A goal the plan states again (an appendix table repeating its tasks, a list naming one
        // item twice, a task restating a main goal with a word more) is one target, cited where
        // it is first stated — and owned by the units the restatement names, when the first
        // statement names none (主要目标 above, each task with its 责任单位 below).
        for f in from_line {
            match stated.earlier(&f) {
                Some(first) => {
                    let first: &mut Found = &mut found[first];
                    if first.owners.is_empty() && !f.owners.is_empty() {
                        (first.owners, first.owners_line) = (f.owners, f.owners_line);
                    }
                    // An indicator table restating a paragraph's goal says whether it binds, and
                    // its base-year column gives the base the paragraph may leave out.
                    first.binding = first.binding.or(f.binding);
                    first.baseline = first.baseline.take().or(f.baseline);
                }
                None => {
                    stated.remember(&f, found.len());
                    found.push(f);
                }
            }
        }
    }
    found
}

/// What makes two candidates the same goal: the same number, unit and deadline, and the same
/// words — for a milestone, the same deliverable, whether or not its clause repeats the date; for
/// a number, one quote within the other (新增养老床位1.5万张 and 三年累计新增养老床位1.5万张).
#[derive(Clone, PartialEq, Eq, Hash)]
struct GoalAsWritten {
    kind: &'static str,
    value_bits: u64,
    value_max_bits: Option<u64>,
    unit: String,
    deadline: Option<String>,
}

/// The goals read so far, by what they state: the words and the name of each, and where it is in
/// the draft.
/// Word for word, each goal is looked up at once; a goal restated in other words is looked for
/// among the last [`RESTATEMENTS_COMPARED`] goals of the same number, unit and deadline only, so a
/// text of thousands of alike goals costs no more than their number.
#[derive(Default)]
struct Stated {
    by_goal: HashMap<GoalAsWritten, Vec<(String, String, usize)>>,
    word_for_word: HashMap<(GoalAsWritten, String), usize>,
}

/// How many earlier goals of the same number, unit and deadline a goal is compared with in words.
const RESTATEMENTS_COMPARED: usize = 64;

impl Stated {
    fn goal_of(found: &Found) -> GoalAsWritten {
        GoalAsWritten {
            kind: found.kind,
            value_bits: found.value.to_bits(),
            value_max_bits: found.value_max.map(f64::to_bits),
            unit: found.unit.clone(),
            deadline: found.deadline.clone(),
        }
    }

    fn words_of(found: &Found) -> &str {
        if found.kind == "milestone" { &found.name } else { &found.quote }
    }

    /// Where the goal `found` states was read before, if it was: the same words, or for a number
    /// one quote within the other or the same thing named (a table row restating a paragraph).
    fn earlier(&self, found: &Found) -> Option<usize> {
        let words = Self::words_of(found);
        let numeric = found.kind != "milestone";
        let goal = Self::goal_of(found);
        if let Some(at) = self.word_for_word.get(&(goal.clone(), words.to_owned())) {
            return Some(*at);
        }
        if !numeric {
            return None;
        }
        let again = |before: &str, name: &str| {
            before.contains(words)
                || words.contains(before)
                || (!name.is_empty() && name_similarity(name, &found.name) >= SAME_INDICATOR)
        };
        let alike = self.by_goal.get(&goal)?;
        let recent = &alike[alike.len().saturating_sub(RESTATEMENTS_COMPARED)..];
        recent.iter().find(|(before, name, _)| again(before, name)).map(|(.., at)| *at)
    }

    fn remember(&mut self, found: &Found, at: usize) {
        let (goal, words) = (Self::goal_of(found), Self::words_of(found).to_owned());
        self.word_for_word.entry((goal.clone(), words.clone())).or_insert(at);
        self.by_goal.entry(goal).or_default().push((words, found.name.clone(), at));
    }
}

fn is_heading(text: &str) -> bool {
    HEADING.is_match(text) && (text.chars().count() <= 40 || !text.contains('。'))
}

/// The responsible units named on the goal's line or in a note just below it — the next line
/// written, when it is a note: not a heading or the next numbered item ((一)推进…（责任单位：…）),
/// whose units are its own.
fn owners_near(lines: &[&str], index: usize, end: usize) -> (Vec<String>, Option<usize>) {
    let below = (index + 1..end.min(index + 4))
        .map(|i| (i, lines[i].trim_start_matches([' ', '\u{3000}']).trim_end()))
        .find(|(_, t)| !t.is_empty())
        .filter(|(_, t)| (t.starts_with('（') || t.starts_with('(')) && !ITEM_NUMBER.is_match(t) && !is_heading(t))
        .map(|(i, _)| i);
    for candidate in std::iter::once(index).chain(below) {
        if let Some(c) = OWNERS_NOTE.captures_iter(lines[candidate]).last() {
            let names = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
            let owners = split_owners(names);
            if !owners.is_empty() {
                return (owners, Some(candidate + 1));
            }
        }
    }
    (Vec::new(), None)
}

/// A role written inside an owners note (`责任部门、单位:`), between the lead and the others.
static ROLE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:牵头|责任|配合|协办|参与|协同)(?:部门|单位)(?:、(?:部门|单位))?\s*[:：]").unwrap()
});

fn split_owners(names: &str) -> Vec<String> {
    ROLE_LABEL
        .replace_all(names, "、")
        .split(['、', '，', ',', '；', ';', '。'])
        .map(|n| n.trim().trim_end_matches("等").trim_end_matches("按职责分工").trim())
        .map(|n| n.trim_end_matches("牵头").trim_end_matches("配合").trim_end_matches("负责").trim())
        .filter(|n| n.chars().count() >= 2 && n.chars().count() <= 20)
        .map(str::to_string)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Deadlines written in a clause.

static DEADLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:自|从)\s*(?P<from_y>20\d\d)\s*年\s*(?P<from_m>\d{1,2})\s*月\s*(?P<from_d>\d{1,2})\s*日起",
        r"|(?P<y>20\d\d)\s*年\s*(?:(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*日)?)?\s*(?P<end>底|末)?\s*(?P<before>前|以前|之前)",
        r"|(?P<to>到|至|在|于)\s*(?P<to_y>20\d\d)\s*年\s*(?:(?P<to_m>\d{1,2})\s*月)?(?P<to_end>底|末)?",
        r"|^(?P<lead_y>20\d\d)\s*年(?:(?P<lead_m>\d{1,2})\s*月)?(?P<lead_end>底|末)?$",
        r"|(?P<q_y>20\d\d)\s*年\s*第?(?P<q>[一二三四1-4])\s*季度",
        r"|(?:到|至)\s*“?(?P<plan>十[二三四五]五)”?\s*(?:期末|末)",
        r"|(?P<mo>\d{1,2})\s*月\s*(?:(?P<mo_d>\d{1,2})\s*日)?\s*(?:底|末)?\s*(?:前|以前|之前)",
        r"|用\s*(?:[\d一二三四五六七八九十]{1,2}\s*[-—–~至到]\s*)?(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*年(?:左右)?(?:的)?时间",
        r"|(?P<this_year>今年|年内|年底前|当年)|(?P<next_year>明年)",
    ))
    .unwrap()
});

/// The last deadline a piece of text states. A month without a year (12月底前) is in `current_year`,
/// else in the year of issue.
fn deadline_in(text: &str, issued: Option<NaiveDate>, current_year: Option<i32>) -> Option<Deadline> {
    let c = DEADLINE.captures_iter(text).last()?;
    let issued_year = issued.map(|d| d.year());
    let number = |name: &str| c.name(name).and_then(|m| m.as_str().parse::<i32>().ok());
    if let Some(year) = number("q_y") {
        let quarter = number("q").or_else(|| chinese_number(&c["q"]).map(|n| n as i32)).unwrap_or(1);
        return Some(Deadline::date(year, (quarter.clamp(1, 4) * 3) as u32, None));
    }
    if let Some(plan) = c.name("plan") {
        return FIVE_YEAR_PLANS.iter().find(|p| p.0 == plan.as_str()).map(|p| Deadline::year(p.1[1]));
    }
    if let Some(month) = number("mo") {
        let year = current_year.or(issued_year)?;
        return (1..=12).contains(&month).then(|| Deadline::date(year, month as u32, number("mo_d").map(|d| d as u32)));
    }
    if c.get(0)?.as_str().starts_with('用') {
        return years_to_go(c.get(0)?.as_str(), issued).map(Deadline::year);
    }
    if let Some(year) = number("from_y") {
        return Some(Deadline::date(year, number("from_m")? as u32, number("from_d").map(|d| d as u32)));
    }
    for (y, m, end) in [("y", "m", "end"), ("to_y", "to_m", "to_end"), ("lead_y", "lead_m", "lead_end")] {
        if let Some(year) = number(y) {
            return Some(match number(m) {
                Some(month) => Deadline::date(year, month as u32, number("d").filter(|_| y == "y").map(|d| d as u32)),
                None if c.name(end).is_some() => Deadline::date(year, 12, Some(31)),
                None => Deadline::year(year),
            });
        }
    }
    if c.name("this_year").is_some() {
        return issued_year.map(|y| Deadline::date(y, 12, Some(31)));
    }
    issued_year.map(|y| Deadline::year(y + 1))
}

// ---------------------------------------------------------------------------------------------
// Prose: clause by clause.

/// Clauses about the past: achievements are baselines, not goals.
/// The longest clause (between commas, full stops, semicolons, colons, tabs) read for goals. The
/// seed plans' goals sit in clauses of at most 90 characters; a longer run without a stop is no
/// sentence a goal is stated in (a text without punctuation would otherwise be one clause,
/// quoted whole by every candidate in it).
const MAX_CLAUSE_CHARS: usize = 300;

static PAST_CLAUSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"已|截至|截止|目前|现有|同比|比上年|较上年|了|曾|原有|共有|位居|排名").unwrap());
static STRETCH: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"力争|争取").unwrap());
/// 力争 heading what follows (力争到2020年，…): every goal after it in the sentence is a stretch.
/// Inside a goal (力争新建口袋公园300个) it is that goal's alone.
static STRETCH_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:力争|争取)\s*(?:(?:到|至|在|于)\s*)?(?:20\d\d|“?十[二三四五]五)").unwrap());
/// A year opening a goal of its own (2025年完成零星旧改5万平方米): that goal's deadline, not
/// the sentence's (…，三年累计完成100万平方米 is due at the plan's end).
static YEAR_OPENING_GOAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(20\d\d)\s*年\s*(?:完成|实现|建成|达到|新增|累计|全面|基本)").unwrap());
static CUMULATIVE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"累计|新增|新建|新引进|五年|期间|筹措").unwrap());

fn read_prose(line: &str, normalized: &Normalized, line_number: usize, context: &mut Context) -> Vec<Found> {
    let text = normalized.text.as_str();
    let pieces = clauses(text);
    // A line that opens with a deadline and ends with a colon or stands alone heads a list.
    let line_deadline = pieces.first().and_then(|first| {
        let head = &text[first.clone()];
        (head.starts_with("到") || head.starts_with("至") || head.starts_with("20"))
            .then(|| deadline_in(head, context.issued, None))
            .flatten()
    });
    let mut current = line_deadline.clone().or_else(|| context.section_deadline.clone());
    let year_span = YEAR_SPAN
        .captures(text)
        .and_then(|c| Some((c[1].parse::<i32>().ok()?, c[2].parse::<i32>().ok()?)))
        .filter(|(first, last)| first < last && last - first <= 10);
    let mut stretch = false;
    let mut found = Vec::new();
    for (n, range) in pieces.iter().enumerate() {
        let clause = &text[range.clone()];
        if n > 0 && text[..range.start].ends_with(['。', '；', ';']) {
            stretch = false;
        }
        if clause.chars().count() > MAX_CLAUSE_CHARS {
            continue;
        }
        let stretched_here = STRETCH.is_match(clause);
        stretch |= STRETCH_HEADING.is_match(clause);
        if let Some(deadline) = deadline_in(clause, context.issued, current.as_ref().map(|d| d.year)) {
            current = Some(deadline);
        }
        let own_year = YEAR_OPENING_GOAL.captures(clause).and_then(|c| c[1].parse::<i32>().ok()).map(Deadline::year);
        let deadline = own_year.as_ref().or(current.as_ref());
        // 2015年，…达到54%: a year before the plan was issued reports a result.
        let dated_before_issue = deadline.zip(context.issued_year).is_some_and(|(d, issued)| d.year < issued);
        if context.in_past_section || dated_before_issue || is_past(clause, context.issued_year) {
            continue;
        }
        let quote = normalized.original(line, range.clone()).to_string();
        let goals = read_clause(clause, context);
        let base = Found {
            line: line_number,
            quote,
            kind: "milestone",
            comparator: None,
            value: 100.0,
            value_max: None,
            unit: "%".into(),
            deadline: None,
            deadline_implied: false,
            reference_year: None,
            baseline: None,
            stretch: stretch || stretched_here,
            binding: None,
            cumulative: CUMULATIVE.is_match(clause),
            owners: Vec::new(),
            owners_line: None,
            name: String::new(),
            confidence: 0.5,
        };
        for goal in goals {
            let mut f = goal.into_found(base.clone());
            set_deadline(&mut f, deadline, context.horizon);
            if let (Some(b), "change") = (&f.baseline, f.kind) {
                f.reference_year = f.reference_year.or(Some(b.year));
            }
            if f.kind == "change" && f.reference_year.is_none() {
                f.reference_year = context.horizon.map(|h| h[0] - 1).or(context.issued_year);
            }
            if let Some(b) = &mut f.baseline {
                b.line = line_number;
            }
            // 2018至2020年，每年…不低于15平方公里: the same level is due in each year of the span
            // — of the plan's years when the line names none (每年新增养老床位5000张以上): a
            // yearly amount, not a total.
            let yearly_span = year_span.or_else(|| {
                let [first, last] = context.horizon?;
                (f.deadline_implied && first < last && last - first <= 10).then_some((first, last))
            });
            if let (Some((first, last)), "level", true) = (yearly_span, f.kind, clause.contains("每年")) {
                f.cumulative = false;
                for year in first..last {
                    let mut yearly = f.clone();
                    yearly.deadline = Some(year.to_string());
                    yearly.deadline_implied = false;
                    found.push(yearly);
                }
                f.deadline = Some(last.to_string());
                f.deadline_implied = false;
            }
            found.push(f);
        }
    }
    let opens_list = text.trim_end().ends_with(['：', ':']) || pieces.len() == 1;
    if line_deadline.is_some() && opens_list {
        context.section_deadline = line_deadline;
    }
    found
}

/// 2018至2020年, 2021—2025年: the years a line speaks of.
static YEAR_SPAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(20\d\d)\s*年?\s*[-—–~至到]\s*(20\d\d)\s*年").unwrap());

fn set_deadline(found: &mut Found, deadline: Option<&Deadline>, horizon: Option<[i32; 2]>) {
    match (deadline, horizon) {
        (Some(d), _) => found.deadline = Some(d.text.clone()),
        (None, Some(h)) => {
            found.deadline = Some(h[1].to_string());
            found.deadline_implied = true;
        }
        (None, None) => {}
    }
}

/// A clause reporting a past figure: 已…, 截至…, or a plain year before the plan was issued.
fn is_past(clause: &str, issued_year: Option<i32>) -> bool {
    static PLAIN_YEAR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(^|[^到至])(20\d\d)\s*年(?:[^底末前]|$)").unwrap());
    if PAST_CLAUSE.is_match(clause) {
        return true;
    }
    let Some(issued) = issued_year else { return false };
    PLAIN_YEAR.captures(clause).and_then(|c| c[2].parse::<i32>().ok()).is_some_and(|y| y < issued)
        && !clause.contains("比")
        && !clause.contains("较")
}

/// What one clause states, before the line's context (deadline, owners) is added.
#[derive(Debug, Clone, PartialEq)]
struct Goal {
    kind: &'static str,
    comparator: Option<&'static str>,
    value: f64,
    value_max: Option<f64>,
    unit: String,
    reference_year: Option<i32>,
    baseline: Option<(f64, i32)>,
    binding: Option<bool>,
    name: String,
    confidence: f64,
}

impl Goal {
    fn into_found(self, base: Found) -> Found {
        Found {
            kind: self.kind,
            comparator: self.comparator,
            value: self.value,
            value_max: self.value_max,
            unit: self.unit,
            reference_year: self.reference_year,
            baseline: self.baseline.map(|(value, year)| BaselineFound { value, year, line: base.line }),
            binding: self.binding,
            name: if self.name.is_empty() { base.quote.clone() } else { self.name },
            confidence: self.confidence,
            ..base
        }
    }
}

fn read_clause(clause: &str, context: &Context) -> Vec<Goal> {
    if let Some(change) = read_change(clause) {
        return vec![change];
    }
    let numeric = read_quantities(clause);
    if !numeric.is_empty() {
        return numeric;
    }
    if let Some(direction) = read_direction(clause) {
        return vec![direction];
    }
    read_milestone(clause, context).into_iter().collect()
}

/// A direction without a figure: 提高自体输血比例 (> 0), 止跌为稳 / 不减少 (≥ 0), 零增长 (≤ 0).
static RISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:逐步|不断|进一步|持续|稳步)?(?:提高|提升|增加|扩大)(?P<subject>.{2,24}?(?:比例|比重|占比|数量))$|^(?P<subject2>[^\d]{2,16}?数量)(?:保持稳定并)?有所(?:增长|增加|提高)$")
        .unwrap()
});
static HOLD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:确保|保障|保持)?(?P<subject>[^\d]{2,16}?)(?:止跌为稳|不减少|不降低|只增不减)").unwrap()
});
static NO_GROWTH: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"“?零增长”?").unwrap());

fn read_direction(clause: &str) -> Option<Goal> {
    let (comparator, subject) = if let Some(c) = RISE.captures(clause) {
        (">", c.name("subject").or(c.name("subject2"))?.as_str())
    } else if let Some(c) = HOLD.captures(clause) {
        (">=", c.name("subject")?.as_str())
    } else if NO_GROWTH.is_match(clause) && clause.chars().count() <= 20 {
        ("<=", "")
    } else {
        return None;
    };
    let unit = if ["比例", "比重", "占比"].iter().any(|w| subject.ends_with(w)) {
        "个百分点"
    } else if subject.ends_with("数量") {
        noun_unit(subject)
    } else {
        "%"
    };
    Some(Goal {
        kind: "change",
        comparator: Some(comparator),
        value: 0.0,
        value_max: None,
        unit: unit.into(),
        reference_year: None,
        baseline: None,
        binding: None,
        name: indicator_name(if subject.is_empty() { clause } else { subject }, clause),
        confidence: 0.4,
    })
}

// ---------------------------------------------------------------------------------------------
// Numbers, units and comparators.

/// Units as the catalog writes them (magnitude words are read separately), longest first.
const UNITS: &str = concat!(
    "个百分点|百分点|%|美元|元|人份|人次|名|户|家|个工作日|工作日|个|项|条|类|次|亩|平方公里|平方米|公里|千米|",
    "吨/日|吨|小时|分钟|Mbps|MB/s|Gbps|GB/s|TB|PB|EB|nm|发|颗|张|座|所|套|份|件|场|台|辆|艘|",
    "微克/立方米|千瓦|倍|片|床|部|种|支|篇|人|起|处|只|株|位|批|级|天"
);
static QUANTITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?P<num>\d+(?:\.\d+)?(?:/\d+)?|[零〇两二三四五六七八九十百千]+)?\s*(?P<more>多|余)?\s*(?P<mag>万亿|亿|万)?(?P<unit>{UNITS})"
    ))
    .unwrap()
});
static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?P<a>\d+(?:\.\d+)?)\s*(?P<amag>万亿|亿|万)?\s*%?\s*[—–\-~至]\s*(?P<b>\d+(?:\.\d+)?)\s*(?P<mag>万亿|亿|万)?(?P<unit>{UNITS})"
    ))
    .unwrap()
});
static FRACTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?P<den>[二三四五六七八九十]+)分之(?P<num>[一二三四五六七八九十]+)|一半").unwrap());
static CHANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:(?P<than>比|较)\s*(?P<ref>20\d\d)\s*年[^，。；]*?)?(?P<verb>下降|降低|减少|提高|提升|增长|增加)\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>%|个百分点)(?P<about>左右)?",
    )
    .unwrap()
});
/// “100+”: at least a hundred of the things named after it.
static AT_LEAST_PLUS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"“(?P<num>\d+)\s*\+”").unwrap());
/// Rules, subsidies and eligibility conditions state numbers that are not goals of the plan:
/// 应当在5个工作日内…, 给予不超过500万元的支持, 对…超过50%的.
static NOT_A_GOAL_CLAUSE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"应当|应在|应自|之日起|实施前|收到|给予|予以|最高|奖励|补贴|贴息|资助|日期|的$").unwrap()
});
static DOUBLING: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"倍增|翻一番|翻番").unwrap());
/// Wording before a number that states a goal, with the comparator it means. Negated forms first.
const CUES_BEFORE: [(&str, &str); 35] = [
    ("不超过", "<="),
    ("不高于", "<="),
    ("不多于", "<="),
    ("不大于", "<="),
    ("不得高于", "<="),
    ("不得超过", "<="),
    ("不低于", ">="),
    ("不少于", ">="),
    ("不得少于", ">="),
    ("控制在", "<="),
    ("降至", "<="),
    ("降到", "<="),
    ("压缩至", "<="),
    ("压缩到", "<="),
    ("缩短至", "<="),
    ("减少到", "<="),
    ("减少至", "<="),
    ("低于", "<"),
    ("超过", ">"),
    ("突破", ">"),
    ("超", ">"),
    ("多于", ">"),
    ("大于", ">"),
    ("至少", ">="),
    ("达到", ">="),
    ("提高至", ">="),
    ("提高到", ">="),
    ("提升至", ">="),
    ("增加到", ">="),
    ("增至", ">="),
    ("保持在", ">="),
    ("保持", ">="),
    ("目标", ">="),
    ("达", ">="),
    ("上限至", ">="),
];
/// Verbs that create things: "建设20个平台" states a goal of at least 20 even without 达到.
static CREATION_VERB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(建设|建成|打造|培育|引进|新增|新建|形成|取消|完成|开展|实施|设立|创建|招引|集聚|认定|推进|推动|改造|提供|展示|邀请|落实|划定|对|将|覆盖|减免|降低|探索建立|实现|压缩|保留)")
        .unwrap()
});

fn read_change(clause: &str) -> Option<Goal> {
    if let Some(m) = DOUBLING.find(clause) {
        return Some(Goal {
            kind: "change",
            comparator: Some(">="),
            value: 100.0,
            value_max: None,
            unit: "%".into(),
            reference_year: None,
            baseline: None,
            binding: None,
            name: indicator_name(&clause[..m.start()], clause),
            confidence: 0.7,
        });
    }
    let c = CHANGE.captures(clause)?;
    let reference_year = c.name("ref").and_then(|m| m.as_str().parse().ok());
    let verb = &c["verb"];
    let falls = matches!(verb, "下降" | "降低" | "减少");
    // Without a reference year only 下降 measures a change; 降低20% of a fee is a level of relief.
    // Percentage points are a change whatever the verb (提高20个百分点: from the plan's base).
    if reference_year.is_none() && verb != "下降" && &c["unit"] != "个百分点" {
        return None;
    }
    let number: f64 = c["num"].parse().ok()?;
    let comparator = if c.name("about").is_some() {
        "≈"
    } else if falls {
        "<="
    } else {
        ">="
    };
    let start = c.get(0)?.start();
    // The subject ends where the comparison begins: 比2025年, 比 2025 年 (as a PDF's text gives it).
    let subject_end = c.name("than").or(c.name("verb"))?.start();
    Some(Goal {
        kind: "change",
        comparator: Some(comparator),
        value: if falls { -number } else { number },
        value_max: None,
        unit: c["unit"].to_string(),
        reference_year,
        baseline: None,
        binding: None,
        name: indicator_name(&clause[..subject_end.max(start).min(clause.len())], clause),
        confidence: if reference_year.is_some() { 0.9 } else { 0.7 },
    })
}

/// Every quantity a clause sets as a goal: ranges, fractions, and numbers with a unit and a cue.
fn read_quantities(clause: &str) -> Vec<Goal> {
    let mut goals = Vec::new();
    if NOT_A_GOAL_CLAUSE.is_match(clause) {
        return goals;
    }
    let mut taken: Vec<Range<usize>> = Vec::new();
    for c in RANGE.captures_iter(clause) {
        let whole = c.get(0).unwrap_or_else(|| unreachable!());
        let (Ok(low), Ok(high)) = (c["a"].parse::<f64>(), c["b"].parse::<f64>()) else { continue };
        // 1.5万—2万张: the low end in the high end's magnitude.
        let magnitude = |m: Option<regex::Match>| match m.map(|m| m.as_str()) {
            Some("万") => 1e4,
            Some("亿") => 1e8,
            Some("万亿") => 1e12,
            _ => 1.0,
        };
        let low = match c.name("amag") {
            Some(_) => round6(low * magnitude(c.name("amag")) / magnitude(c.name("mag"))),
            None => low,
        };
        if high <= low || c["a"].starts_with("20") && c["a"].len() == 4 {
            continue;
        }
        taken.push(whole.range());
        goals.push(Goal {
            kind: "range",
            comparator: None,
            value: low,
            value_max: Some(high),
            unit: format!("{}{}", c.name("mag").map_or("", |m| m.as_str()), &c["unit"]),
            reference_year: None,
            baseline: None,
            binding: None,
            name: name_around(clause, whole.range()),
            confidence: 0.8,
        });
    }
    for c in FRACTION.captures_iter(clause) {
        let whole = c.get(0).unwrap_or_else(|| unreachable!());
        let share = match (c.name("den"), c.name("num")) {
            (Some(den), Some(num)) => {
                // 三分之一: here a lone 一 is a numeral.
                let numerator = if num.as_str() == "一" { Some(1.0) } else { chinese_number(num.as_str()) };
                numerator.zip(chinese_number(den.as_str())).map(|(n, d)| n / d)
            }
            _ => Some(0.5),
        };
        let Some(share) = share else { continue };
        let before = &clause[..whole.start()];
        let comparator = cue_before(before).map(|(c, _)| c).or_else(|| CREATION_VERB.find(before).map(|_| ">="));
        let Some(comparator) = comparator else { continue };
        taken.push(whole.range());
        goals.push(quantity_goal(
            clause,
            whole.range(),
            comparator,
            (share * 10000.0).round() / 100.0,
            "%".into(),
            0.6,
        ));
    }
    for c in AT_LEAST_PLUS.captures_iter(clause) {
        let whole = c.get(0).unwrap_or_else(|| unreachable!());
        let Ok(value) = c["num"].parse::<f64>() else { continue };
        taken.push(whole.range());
        let unit = noun_unit(&clause[whole.end()..]).to_string();
        goals.push(quantity_goal(clause, whole.range(), ">=", value, unit, 0.7));
    }
    // A number's cue is looked for after the previous number; a list (16家、示范区8家) shares the first cue.
    let mut previous_end = 0;
    let mut list_comparator: Option<&'static str> = None;
    for c in QUANTITY.captures_iter(clause) {
        let whole = c.get(0).unwrap_or_else(|| unreachable!());
        if c.name("num").is_none() && c.name("mag").is_none() {
            continue;
        }
        if taken.iter().any(|t| t.start < whole.end() && whole.start() < t.end) {
            previous_end = whole.end();
            continue;
        }
        let continues_list = clause[previous_end..whole.start()].contains(['、', '和', '及']);
        let inherited = list_comparator.filter(|_| continues_list);
        match read_quantity(clause, &c, previous_end, inherited) {
            Some(goal) => {
                list_comparator = goal.comparator;
                goals.push(goal);
            }
            // 5家千亿级、20家百亿级: a grade (千亿级) describes the item and does not end the list.
            None if &c["unit"] == "级" => {}
            None => list_comparator = None,
        }
        previous_end = whole.end();
    }
    goals
}

/// One number with its unit, if the words around it make it a goal.
fn read_quantity(
    clause: &str,
    c: &regex::Captures,
    previous_end: usize,
    list_comparator: Option<&'static str>,
) -> Option<Goal> {
    let whole = c.get(0)?;
    let unit_word = &c["unit"];
    let magnitude = c.name("mag").map_or("", |m| m.as_str());
    let before = clause[previous_end..whole.start()].trim_end();
    let after = &clause[whole.end()..];
    let (mut value, written_in_chinese) = match c.name("num") {
        Some(num) if num.as_str().starts_with(|ch: char| ch.is_ascii_digit()) => {
            // 16/14nm: the first figure is the goal.
            (num.as_str().split('/').next()?.parse::<f64>().ok()?, false)
        }
        Some(num) => (chinese_number(num.as_str())?, true),
        // 突破万亿元: the magnitude word alone is the number.
        None if !magnitude.is_empty() && cue_before(before).is_some_and(|(_, at)| at == before.len()) => (1.0, true),
        None => return None,
    };
    if is_not_a_goal_number(clause, whole.start(), unit_word, after, written_in_chinese) {
        return None;
    }
    // 从5个工作日压缩至3个: the figure after 从 / 由 is where things stand, not the goal.
    if before.ends_with('从') || before.ends_with('由') {
        return None;
    }
    let mut comparator = cue_before(before).map(|(c, _)| c).or(list_comparator);
    let mut confidence = 0.8;
    if c.name("more").is_some() {
        comparator = Some(">");
    }
    if before.ends_with('近') {
        value *= 0.9;
        comparator = Some(">=");
    } else if before.ends_with('数') && written_in_chinese {
        value *= 2.0;
        comparator = Some(">=");
    } else if before.ends_with('约') {
        comparator = Some("≈");
    }
    if let Some(after_cue) = cue_after(after) {
        comparator = Some(match (after_cue, comparator) {
            (">=", Some(">")) => ">",
            (after_cue, _) => after_cue,
        });
    }
    if comparator.is_none() && CREATION_VERB.is_match(before) {
        comparator = Some(">=");
        confidence = 0.6;
    }
    let comparator = comparator?;
    let unit = match unit_word {
        "级" if magnitude.is_empty() => return None,
        "级" => format!("{magnitude}元"),
        "个工作日" => "工作日".to_string(),
        _ => format!("{magnitude}{unit_word}"),
    };
    Some(quantity_goal(clause, whole.range(), comparator, round6(value), unit, confidence))
}

fn quantity_goal(
    clause: &str,
    at: Range<usize>,
    comparator: &'static str,
    value: f64,
    unit: String,
    confidence: f64,
) -> Goal {
    Goal {
        kind: "level",
        comparator: Some(comparator),
        value,
        value_max: None,
        unit,
        reference_year: None,
        baseline: baseline_before(&clause[..at.start]),
        binding: None,
        name: name_around(clause, at),
        confidence,
    }
}

/// 从2015年的54%提高到…: the baseline stated before the goal.
fn baseline_before(before: &str) -> Option<(f64, i32)> {
    static FROM: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:从|由)\s*(20\d\d)\s*年(?:底|末)?的?\s*(\d+(?:\.\d+)?)").unwrap());
    let c = FROM.captures(before)?;
    Some((c[2].parse().ok()?, c[1].parse().ok()?))
}

fn round6(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

/// The unit a "100+" count of things takes from the noun that follows.
fn noun_unit(after: &str) -> &'static str {
    let noun_end = after.find(['，', '。', '；']).unwrap_or(after.len());
    let noun = &after[..noun_end];
    if ["企业", "机构", "总部", "公司"].iter().any(|n| noun.contains(n)) {
        "家"
    } else if noun.contains("事项") {
        "项"
    } else {
        "个"
    }
}

/// Numbers that are not quantities: 第3批, 5G, 12345 hotlines, "1名处级联络员"-style staffing.
/// 提出 / 明确 / 部署 right before a count: what the document sets out, not a goal.
static DOCUMENT_ITSELF: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?:提出|明确|部署|涵盖)(?:了)?\s*$").unwrap());
/// A number inside a modifier (…以上功能的…) followed in the same clause by another number.
static ATTRIBUTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:及?以[上下])?\p{Han}{1,4}的[^，；。]*?\d").unwrap());

fn is_not_a_goal_number(clause: &str, start: usize, unit: &str, after: &str, in_chinese: bool) -> bool {
    let before_char = clause[..start].chars().last();
    if before_char.is_some_and(|c| matches!(c, '第' | '.' | '*' | '+' | '“') || c.is_ascii_alphabetic()) {
        // 第3批, 7*24小时, “四个中心”, “1+16+N”: ordinals, schedules and slogans.
        return true;
    }
    if unit == "级" {
        return false;
    }
    if in_chinese && unit == "类" && (before_char == Some('、') || after.starts_with('、')) {
        // 类别为一类、二类的企业: categories named by rank, not counted.
        return true;
    }
    if DOCUMENT_ITSELF.is_match(&clause[..start]) && after.trim_start().starts_with(['重', '任', '措', '举', '工'])
    {
        // 《实施方案》提出12项重点任务: the document counting its own parts.
        return true;
    }
    if ATTRIBUTE.is_match(after) {
        // 具备三项以上功能的总部达到400家: the first number says which 总部, the second is the goal.
        return true;
    }
    if in_chinese && matches!(unit, "批" | "种" | "位" | "部" | "支" | "条" | "人" | "次" | "项" | "张" | "场")
    {
        // 三级, 三项 … read as structure words more often than as counts, unless a count follows.
        return !matches!(unit, "条" | "项" | "张");
    }
    after.starts_with(['号', '届', '期', '版', '代', '岁', '周'])
}

/// The comparator that wording before a number states, and where that wording ends.
fn cue_before(before: &str) -> Option<(&'static str, usize)> {
    CUES_BEFORE
        .iter()
        .filter_map(|(word, comparator)| before.rfind(word).map(|at| (at, at + word.len(), *comparator)))
        // The cue nearest the number wins; at one position the longer (negated) word wins.
        .max_by_key(|(at, end, _)| (*end, std::cmp::Reverse(*at)))
        .map(|(_, end, comparator)| (comparator, end))
}

fn cue_after(after: &str) -> Option<&'static str> {
    let after = after.trim_start_matches([' ', '”', '"']);
    for (word, comparator) in [
        ("以上", ">="),
        ("及以上", ">="),
        ("以下", "<="),
        ("及以下", "<="),
        ("以内", "<="),
        ("内", "<="),
        ("左右", "≈"),
        ("多", ">"),
        ("余", ">"),
    ] {
        if after.starts_with(word) {
            return Some(comparator);
        }
    }
    None
}

/// Chinese numerals: 十 → 10, 两 → 2, 三百五十 → 350, 千 → 1000. A lone 一 is not read (一批, 一网通办).
fn chinese_number(text: &str) -> Option<f64> {
    if text == "一" || text.is_empty() {
        return None;
    }
    let digit = |c: char| {
        "零一二三四五六七八九"
            .find(c)
            .map(|i| (i / 3) as f64)
            .or((c == '两').then_some(2.0))
            .or((c == '〇').then_some(0.0))
    };
    let mut total = 0.0;
    let mut pending: Option<f64> = None;
    for c in text.chars() {
        let place = match c {
            '十' => 10.0,
            '百' => 100.0,
            '千' => 1000.0,
            _ => {
                pending = Some(digit(c)?);
                continue;
            }
        };
        total += pending.take().unwrap_or(1.0) * place;
    }
    Some(total + pending.unwrap_or(0.0))
}

/// The indicator a number measures: the words before the cue (实际光纤入户率达到70%), or after the
/// unit when a verb leads (建设20个标杆平台).
fn name_around(clause: &str, at: Range<usize>) -> String {
    let before = &clause[..at.start];
    let cut = cue_before(before).map_or(before.len(), |(_, end)| {
        let word_start = CUES_BEFORE.iter().filter_map(|(w, _)| before[..end].strip_suffix(w)).map(str::len).min();
        word_start.unwrap_or(end)
    });
    let name = indicator_name(&before[..cut], "");
    // 培育“100+”数字贸易重点企业: a verb before the number names nothing; what is counted follows.
    let only_verbs = CREATION_VERB.replace_all(&name, "").trim_matches(QUOTE_MARKS).is_empty();
    if name.chars().count() >= 2 && !only_verbs {
        return name;
    }
    let after = &clause[at.end..];
    let after = after.trim_start_matches(['以', '上', '左', '右', '的', '”', ' ']);
    indicator_name(after, clause)
}

/// A name from a phrase: leading deadlines and stretch words dropped; `fallback` when nothing is left.
fn indicator_name(phrase: &str, fallback: &str) -> String {
    static LEAD: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(?:(?:到|至)?\s*20\d\d\s*年(?:底|末)?(?:前)?|力争|争取|确保|全市|本市|其中|并|使|实现|将|累计|每年)+",
        )
        .unwrap()
    });
    // What follows the measure: 比2025年 (翻一番), 累计新增 (1.5万—2万张).
    static TAIL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:(?:比|较)\s*20\d\d\s*年|累计新增|累计|新增)+\s*$").unwrap());
    let trimmed = phrase.trim();
    let name = LEAD.replace(trimmed, "");
    let name = TAIL.replace(name.trim(), "");
    let name = name.trim_matches([' ', '，', '、']);
    if name.chars().count() >= 2 { name.to_string() } else { fallback.trim().to_string() }
}

// ---------------------------------------------------------------------------------------------
// Milestones: a clause that names a deliverable.

static MILESTONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:(?:到|至|在|于)?\s*20\d\d\s*年(?:\d{1,2}\s*月)?(?:底|末)?(?:前|以前)?|年内|力争|争取|确保|加快|逐步|基本|进一步|率先|",
        r"积极|着力|继续|同步|深入|抓紧|尽快|并|同时|全面|初步|共同|研究)*",
        r"(实现|建立|建成|建设|制定|发布|出台|完成|构建|推出|成立|上线|修订|搭建|编制|设立|开发|创建|组建|",
        r"起草|印发|启动|推行|实施|取消|公开|形成|开展)",
    ))
    .unwrap()
});
/// Milestones stated after a lead-in (推动, 支持, 在…) or with a less common verb.
static MILESTONE_INDIRECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:(?:到|至|在|于)?\s*20\d\d\s*年(?:\d{1,2}\s*月)?(?:底|末)?(?:前|以前)?|年内|力争|争取|确保|加快|逐步|基本|进一步|率先|",
        r"积极|着力|继续|同步|深入|抓紧|尽快|并|同时|全面|初步|共同|研究|推进|推动|支持|鼓励|指导|统筹|试点|分别|",
        r"依托[^，]{1,12}?|在[^，]{1,16}?)*",
        r"(实现|建立|建成|建设|制定|制订|发布|出台|完成|构建|推出|成立|上线|修订|搭建|编制|设立|开发|创建|组建|",
        r"起草|印发|启动|推行|实施|取消|公开|形成|开展|升级|新增|签署|研制|落实|纳入|整合|扩大|打造|举办|选取|",
        r"明确|公布|增设|开通|推广|免费向社会公开)",
    ))
    .unwrap()
});
static MORE_DELIVERABLES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"措施|政策|基地|园区|示范区|集聚区|专板|手册|光缆|枢纽|设施|合作区|产业园|登记|评价|检查|备忘录|委员会|领导小组|生产线|首飞|备案|许可|联席会议|文本|信息|要求|任务|计划|一件事|注销|改造|淘汰")
        .unwrap()
});
/// Milestone verbs that also lead ordinary work descriptions: they need a deliverable noun.
static DELIVERABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"平台|系统|中心|制度|机制|办法|清单|目录|标准|规范|方案|指南|规划|体系|全覆盖|覆盖|对接|上线|联盟|基金|数据库|网|库|试点|改革|条例|意见|细则|规程|档案|名单|专区|门户|窗口|服务|APP|应用|一体化|电子化|全流程|工作")
        .unwrap()
});

/// 编制本规划, 制定本实施方案, 本工作方案: the document speaking of itself.
static SELF_REFERENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"本(?:实施|工作)?(?:规划|方案|意见|行动|要点|措施|计划|安排)").unwrap());
/// 在新的政策文件实施前1个工作日: when something is done, not a deliverable.
static TIME_CLAUSE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^在[^，\d]{1,20}?(?:前|后|时|之际|期间)").unwrap());

fn read_milestone(clause: &str, context: &Context) -> Option<Goal> {
    if context.in_means_section || SELF_REFERENCE.is_match(clause) || TIME_CLAUSE.is_match(clause) {
        return None;
    }
    let length = clause.chars().count();
    if !(5..=70).contains(&length) {
        return None;
    }
    let plain =
        MILESTONE.captures(clause).and_then(|c| c.get(1)).is_some_and(|v| DELIVERABLE.is_match(&clause[v.start()..]));
    // 推动建立…, 在临港新片区建设…, 升级…平台: deliverables named less plainly, read with less confidence.
    let indirect = || {
        MILESTONE_INDIRECT.captures(clause).and_then(|c| c.get(1)).is_some_and(|v| {
            DELIVERABLE.is_match(&clause[v.start()..]) || MORE_DELIVERABLES.is_match(&clause[v.start()..])
        })
    };
    if !plain && !indirect() {
        return None;
    }
    Some(Goal {
        kind: "milestone",
        comparator: None,
        value: 100.0,
        value_max: None,
        unit: "%".into(),
        reference_year: None,
        baseline: None,
        binding: None,
        name: indicator_name(clause, clause),
        confidence: if plain { MILESTONE_PRIOR } else { MILESTONE_PRIOR - 0.2 },
    })
}

// How sure a milestone is. Plans state many deliverables and the catalog keeps the definite ones, so
// a milestone starts below the review page's 0.5 ("accept" ticked) and earns its way up: a date of its
// own, responsible units, a verb that completes something (发布, 出台, 建成), a concrete document
// (办法, 清单, 目录), a numbered item. Open-ended wording (形成…机制, 构建…体系, 开展…, 加快…) counts
// against it, and so does a lead-in that makes it work in progress (推动, 支持, 探索 …). Weights chosen
// on the seed plans so that about three in four candidates at or above 0.5 are in the hand catalog.
// A milestone that ends below the prior earned nothing and lost something: it is left out of the
// draft (bench/extract.sh: precision 45 % → 60 % on the seed plans, milestone recall 80 % → 71 %).

const MILESTONE_PRIOR: f64 = 0.35;
/// The least confidence a milestone needs to be drafted.
const MILESTONE_KEPT: f64 = MILESTONE_PRIOR;
static LEAD_IN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(研究|探索|推动|支持|鼓励|推进|指导|引导|加快|积极|着力|深入|进一步|逐步|继续|不断)").unwrap()
});
static COMPLETING_VERB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\S{0,8}?(发布|完成|上线|修订|编制|出台|起草|推出|成立|建成|印发|制定|制订)").unwrap()
});
static CONCRETE_DELIVERABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"目录|办法|清单|条例|细则|指南|标准|规则|意见|方案|名单|指引|全覆盖|上线|》").unwrap()
});
static OPEN_ENDED_NOUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(机制|体系|环境|格局|氛围|生态|模式|局面|能力|水平|链)$").unwrap());
static OPEN_ENDED_VERB: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\S{0,6}?(开展|构建|形成|实施|搭建|设立|开发|组建|推行)").unwrap());
static GRADUAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(加快|逐步|进一步|着力|积极|深入|继续|基本|初步|研究|同步|共同)").unwrap());

fn milestone_confidence(found: &Found, enumerated: bool) -> f64 {
    let quote = found.quote.as_str();
    let mut confidence = found.confidence;
    for (holds, weight) in [
        (!found.deadline_implied && found.deadline.is_some(), 0.25),
        (!found.owners.is_empty(), 0.1),
        (COMPLETING_VERB.is_match(quote), 0.1),
        (CONCRETE_DELIVERABLE.is_match(quote), 0.1),
        (enumerated, 0.1),
        (OPEN_ENDED_NOUN.is_match(quote), -0.15),
        (OPEN_ENDED_VERB.is_match(quote), -0.1),
        (GRADUAL.is_match(quote), -0.05),
        (LEAD_IN.is_match(quote), -0.1),
    ] {
        if holds {
            confidence += weight;
        }
    }
    round6(confidence.clamp(0.05, 0.95))
}

// ---------------------------------------------------------------------------------------------
// Indicator tables: tab-separated rows of an indicator, maybe a base-year value, the target value.

#[derive(Debug, Default, Clone)]
struct TableLayout {
    /// Column of the target year's values, and that year.
    target_column: Option<(usize, i32)>,
    /// Column of the base year's values (2024年基数, 基期值（2020年）), and that year.
    base_column: Option<(usize, i32)>,
    /// A unit the header gives for all values: 无偿献血总量(人份).
    unit: Option<String>,
}

static TABLE_YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(?:目标值)?\s*(20\d\d)\s*年").unwrap());
/// A base-year column: 2024年基数, 基期值（2020年）, 现状值 2024 年, 2020年（基期）.
static BASE_YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:(?:基期|基数|基准|现状)值?\D{0,2})?\s*(20\d\d)\s*年").unwrap());
static BASE_WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"基期|基数|基准|现状").unwrap());
static HEADER_UNIT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[（(]([^（）()]{1,6})[）)]").unwrap());
static ROW_UNIT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[（(]([^（）()，,、]{1,6})[，,、）)]").unwrap());
static CELL_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(?P<cmp>[><≥≤]|近|约)?\s*(?P<num>\d+(?:\.\d+)?)?\s*(?P<mag>万亿|亿|万)?(?P<unit>{UNITS})?\s*(?P<about>左右|以上)?$"
    ))
    .unwrap()
});

/// A table row: its header sets the layout; a data row with a short value cell is an indicator goal.
/// Rows with long text cells (task tables) return None and are read as prose.
/// How a line's cells are separated, if it is a table row: tabs (a table copied from Word or a web
/// page, as the .docx and .html readers give it), or pipes (`| 指标 | 2024年 | 2027年 |`, a table
/// typed or converted to plain text).
fn table_separator(line: &str) -> Option<char> {
    if line.contains('\t') {
        return Some('\t');
    }
    (line.trim_start().starts_with('|') && line.matches('|').count() >= 3).then_some('|')
}

fn read_table_row(line: &str, separator: char, line_number: usize, context: &mut Context) -> Option<Vec<Found>> {
    let cells: Vec<&str> = line.split(separator).collect();
    if let Some(layout) = table_header(&cells) {
        context.table = layout;
        return Some(Vec::new());
    }
    let (value_at, value) = table_value(&cells, context)?;
    let name_at = cells[..value_at].iter().rposition(|c| c.chars().filter(|ch| is_han(*ch)).count() >= 2);
    let start = name_at.map_or(value_at, |i| i);
    let offset = |i: usize| cells[..i].iter().map(|c| c.len() + 1).sum::<usize>();
    let quote = line[offset(start)..offset(value_at) + cells[value_at].len()].trim().to_string();
    // The name without the unit its brackets give (智慧养老院（家） measures 智慧养老院).
    let name = name_at.map_or_else(String::new, |i| {
        let cell = cells[i].trim();
        let unit_at = ROW_UNIT.find(cell).filter(|m| m.start() > 0 && row_unit(&[cell]).is_some());
        unit_at.map_or(cell, |m| cell[..m.start()].trim_end()).to_string()
    });
    let binding = cells.iter().find_map(|c| match c.trim().replace(' ', "").as_str() {
        "约束性" => Some(true),
        "预期性" => Some(false),
        _ => None,
    });
    let baseline = table_baseline(&cells, context, &value, line_number);
    let deadline = context
        .table
        .target_column
        .map(|(_, year)| (Deadline::year(year), false))
        .or_else(|| context.section_deadline.clone().map(|d| (d, false)))
        .or_else(|| context.horizon.map(|h| (Deadline::year(h[1]), true)));
    Some(vec![Found {
        line: line_number,
        quote,
        kind: "level",
        comparator: Some(value.comparator),
        value: round6(value.value),
        value_max: None,
        unit: value.unit,
        deadline: deadline.as_ref().map(|d| d.0.text.clone()),
        deadline_implied: deadline.is_some_and(|d| d.1),
        reference_year: None,
        baseline,
        stretch: false,
        binding,
        cumulative: false,
        owners: Vec::new(),
        owners_line: None,
        name,
        confidence: 0.7,
    }])
}

struct CellValue {
    comparator: &'static str,
    value: f64,
    unit: String,
}

fn table_header(cells: &[&str]) -> Option<TableLayout> {
    let is_header = cells.iter().any(|c| {
        let c = c.replace(' ', "");
        c.contains("指标") || c == "单位" || c.contains("属性") || c.contains("目标值")
    });
    if !is_header {
        return None;
    }
    let target_column = cells
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, c)| !BASE_WORD.is_match(c))
        .find_map(|(i, c)| year_of_column(c).map(|year| (i, year)));
    // The base year is a column naming itself so, else the earliest year before the target's.
    let base_column = target_column.and_then(|(target_at, target_year)| {
        let years = cells.iter().enumerate().filter_map(|(i, c)| year_of_column(c).map(|year| (i, year, c)));
        let years: Vec<_> = years.filter(|(i, year, _)| *i != target_at && *year < target_year).collect();
        let named = years.iter().find(|(_, _, c)| BASE_WORD.is_match(c));
        named.or(years.first().filter(|(i, _, _)| *i < target_at)).map(|(i, year, _)| (*i, *year))
    });
    let unit = cells.iter().rev().find_map(|c| HEADER_UNIT.captures(c).map(|m| m[1].to_string()));
    Some(TableLayout { target_column, base_column, unit })
}

/// The year a header cell gives its column: 2020 年, 目标值2025年, 2024年基数, 基期值（2020年）.
fn year_of_column(cell: &str) -> Option<i32> {
    let cell = cell.trim().replace(['（', '(', '）', ')', ' '], "");
    TABLE_YEAR.captures(&cell).or_else(|| BASE_YEAR.captures(&cell)).and_then(|m| m[1].parse().ok())
}

/// A row's base-year figure, when the table has a base-year column and the figure is written in
/// the target's unit (a base in another unit is left for the reviewer).
fn table_baseline(cells: &[&str], context: &Context, target: &CellValue, line: usize) -> Option<BaselineFound> {
    let (column, year) = context.table.base_column?;
    let unit = row_unit(cells).or(context.table.unit.clone());
    let base = parse_cell(cells.get(column)?, unit.as_deref())?;
    (base.unit == target.unit).then(|| BaselineFound { value: round6(base.value), year, line })
}

/// The target value of a row: the target-year column, else the last short numeric cell.
fn table_value(cells: &[&str], context: &Context) -> Option<(usize, CellValue)> {
    let candidates: Vec<usize> = match context.table.target_column {
        Some((column, _)) if column < cells.len() => vec![column],
        _ => (0..cells.len()).rev().collect(),
    };
    // A bare number takes the unit its row names (15分钟社区生活圈覆盖率（%）), else the header's.
    let unit = row_unit(cells).or(context.table.unit.clone());
    candidates.into_iter().find_map(|i| parse_cell(cells[i], unit.as_deref()).map(|v| (i, v)))
}

/// The unit a row's name gives in brackets — （%）, （万平方米，累计） — when it is one a value
/// can be written in.
fn row_unit(cells: &[&str]) -> Option<String> {
    cells.iter().find_map(|cell| {
        let unit = ROW_UNIT.captures(cell)?.get(1)?.as_str().trim().to_owned();
        parse_cell(&format!("1{unit}"), None).is_some().then_some(unit)
    })
}

fn parse_cell(cell: &str, header_unit: Option<&str>) -> Option<CellValue> {
    let text = normalize(cell).text;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 12 {
        return None;
    }
    let c = CELL_VALUE.captures(text)?;
    let magnitude = c.name("mag").map_or("", |m| m.as_str());
    let mut value = match c.name("num") {
        Some(num) => num.as_str().parse::<f64>().ok()?,
        None if !magnitude.is_empty() => 1.0,
        None => return None,
    };
    let unit = match c.name("unit") {
        Some(u) => format!("{magnitude}{}", u.as_str()),
        None if magnitude.is_empty() => header_unit?.to_string(),
        None => return None,
    };
    let comparator = match (c.name("cmp").map(|m| m.as_str()), c.name("about").map(|m| m.as_str())) {
        (_, Some("左右")) | (Some("约"), _) => "≈",
        (Some(">"), _) => ">",
        (Some("<"), _) => "<",
        (Some("≤"), _) => "<=",
        (Some("近"), _) => {
            value *= 0.9;
            ">="
        }
        _ => ">=",
    };
    Some(CellValue { comparator, value, unit })
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<Found> {
        let lines: Vec<&str> = text.lines().collect();
        extract(&lines).1
    }

    /// A one-plan text around the given body lines (title, 文号, date).
    fn plan(body: &str) -> String {
        format!("上海市推进智慧城市建设“十三五”规划\n沪府发〔2016〕80号\n2016年9月19日\n二、发展目标\n{body}\n")
    }

    #[test]
    fn header_reads_title_number_date_and_horizon() {
        let text = plan("到2020年，实际光纤入户率达到70%。");
        let lines: Vec<&str> = text.lines().collect();
        let (header, _) = extract(&lines);
        assert_eq!(header.title.as_deref(), Some("上海市推进智慧城市建设“十三五”规划"));
        assert_eq!(header.doc_number.as_deref(), Some("沪府发〔2016〕80号"));
        assert_eq!(header.issued, NaiveDate::from_ymd_opt(2016, 9, 19));
        assert_eq!(header.horizon, Some([2016, 2020]));
    }

    #[test]
    fn header_of_a_notice_and_its_plan_is_the_plans_with_the_notices_number() {
        let text = "上海市人民政府办公厅关于印发《上海市测试事项行动方案》的通知
沪府办发〔2025〕3号
各区人民政府：
现将《上海市测试事项行动方案》印发给你们，请认真贯彻执行。
2025年2月10日
上海市测试事项行动方案
到2030年，测试事项覆盖率达到90%。";
        let lines: Vec<&str> = text.lines().collect();
        let (header, _) = extract(&lines);
        assert_eq!(header.title.as_deref(), Some("上海市测试事项行动方案"));
        assert_eq!(header.doc_number.as_deref(), Some("沪府办发〔2025〕3号"));
        assert_eq!(header.issued, NaiveDate::from_ymd_opt(2025, 2, 10));
        assert_eq!(header.horizon, Some([2025, 2030]), "the years of the plan's goals, not the notice's year");
        // The notice alone: the title of the plan it issues.
        let (header, _) = extract(&lines[..5]);
        assert_eq!(header.title.as_deref(), Some("上海市测试事项行动方案"));
    }

    #[test]
    fn level_with_deadline_reads_comparator_value_and_unit() {
        let found = read(&plan("到2020年，实际光纤入户率达到70%，固网宽带用户平均下载速率超过25MB/s。"));
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].kind, found[0].comparator, found[0].value), ("level", Some(">="), 70.0));
        assert_eq!(found[0].unit, "%");
        assert_eq!(found[0].deadline.as_deref(), Some("2020"));
        assert!(!found[0].deadline_implied);
        assert_eq!(found[0].name, "实际光纤入户率");
        assert_eq!((found[1].comparator, found[1].value, found[1].unit.as_str()), (Some(">"), 25.0, "MB/s"));
    }

    #[test]
    fn magnitude_stays_in_the_unit() {
        let found = read(&plan("本市无偿献血总量达到43.9万人份，电子商务交易额达到3.5万亿元。"));
        assert_eq!((found[0].value, found[0].unit.as_str()), (43.9, "万人份"));
        assert_eq!((found[1].value, found[1].unit.as_str()), (3.5, "万亿元"));
        assert!(found[0].deadline_implied, "no year in the text: the horizon end is used");
        assert_eq!(found[0].deadline.as_deref(), Some("2020"));
    }

    #[test]
    fn numbers_that_qualify_count_or_rank_are_not_goals() {
        let found = read(&plan(
            "力争用三年时间，实现具备三项以上功能的总部达到400家。\n\
             对出口退税分类管理类别为一类、二类的出口企业，将办理正常退税时间压缩至3个工作日。\n\
             《实施方案》提出12项重点任务。",
        ));
        let read: Vec<_> = found.iter().map(|f| (f.value, f.unit.as_str())).collect();
        assert_eq!(read, [(400.0, "家"), (3.0, "工作日")]);
    }

    #[test]
    fn after_cues_set_the_comparator() {
        let found = read(&plan(
            "引进50家以上大数据企业，农村居民点用地占比控制在6%以内，森林覆盖率达到23%左右，担保规模突破200亿元。",
        ));
        let read: Vec<_> = found.iter().map(|f| (f.comparator.unwrap_or(""), f.value)).collect();
        assert_eq!(read, [(">=", 50.0), ("<=", 6.0), ("≈", 23.0), (">", 200.0)]);
    }

    #[test]
    fn chinese_numerals_and_fractions_are_read() {
        let found = read(&plan("在法定时间基础上压缩三分之一，形成百亿元规模的产业投资基金，推进两条国际海光缆建设。"));
        assert_eq!((found[0].value, found[0].unit.as_str()), (33.33, "%"));
        assert_eq!((found[1].value, found[1].unit.as_str()), (100.0, "亿元"));
        assert_eq!(chinese_number("三百五十"), Some(350.0));
        assert_eq!(chinese_number("十"), Some(10.0));
        assert_eq!(chinese_number("一"), None);
    }

    #[test]
    fn full_width_digits_are_read_and_quoted_verbatim() {
        let found = read(&plan("将中小企业的预留份额提高至４０％以上。"));
        assert_eq!((found[0].value, found[0].unit.as_str()), (40.0, "%"));
        assert!(found[0].quote.contains("４０％"));
    }

    #[test]
    fn near_and_several_follow_the_catalog_convention() {
        let found = read(&plan("力争将近200项事项下沉社区，邀请数十名企业家进校园。"));
        assert_eq!((found[0].value, found[0].comparator), (180.0, Some(">=")));
        assert!(found[0].stretch);
        assert_eq!((found[1].value, found[1].unit.as_str()), (20.0, "名"));
    }

    #[test]
    fn change_against_a_reference_year_is_signed() {
        let found = read(&plan("到2025年，单位生产总值能源消耗比2020年下降14%。"));
        let f = &found[0];
        assert_eq!((f.kind, f.comparator, f.value, f.unit.as_str()), ("change", Some("<="), -14.0, "%"));
        assert_eq!(f.reference_year, Some(2020));
        assert_eq!(f.deadline.as_deref(), Some("2025"));
    }

    #[test]
    fn doubling_is_a_hundred_percent_change() {
        let found = read(&plan("服务企业数量实现倍增。"));
        assert_eq!((found[0].kind, found[0].value, found[0].unit.as_str()), ("change", 100.0, "%"));
        assert_eq!(found[0].reference_year, Some(2015));
    }

    #[test]
    fn ranges_keep_both_bounds() {
        let found = read(&plan("建成3—5个大数据产业基地，规划工业仓储用地占比控制在10-15%。"));
        assert_eq!((found[0].kind, found[0].value, found[0].value_max), ("range", 3.0, Some(5.0)));
        assert_eq!(found[0].unit, "个");
        assert_eq!((found[1].value, found[1].value_max, found[1].unit.as_str()), (10.0, Some(15.0), "%"));
    }

    #[test]
    fn a_deadline_at_the_head_of_a_list_applies_below() {
        let found =
            read(&plan("到2020年，主要目标是：\n——政府数据开放数据集超过5000项。\n（一）重点任务\n建成大数据平台。"));
        assert_eq!(found[0].deadline.as_deref(), Some("2020"));
        assert!(!found[0].deadline_implied);
    }

    #[test]
    fn dated_deadlines_are_kept() {
        let found = read(&plan("2017年6月底前，基本实现公共交易全过程电子化。"));
        assert_eq!(found[0].kind, "milestone");
        assert_eq!(found[0].deadline.as_deref(), Some("2017-06-30"));
    }

    #[test]
    fn milestones_need_a_deliverable() {
        let found = read(&plan("建立全市统一的综合为老服务平台，加强组织领导。"));
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].kind, found[0].comparator, found[0].value), ("milestone", None, 100.0));
        assert_eq!(found[0].quote, "建立全市统一的综合为老服务平台");
    }

    #[test]
    fn past_results_are_not_goals() {
        let found = read(&plan("2015年，全市光纤入户率达到54%，已建成3家基地。"));
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn owners_come_from_the_note_of_the_paragraph() {
        let found = read(&plan("建设交通综合信息服务平台。（责任单位：市交通委、市经济信息化委）"));
        assert_eq!(found[0].owners, ["市交通委", "市经济信息化委"]);
        assert_eq!(found[0].owners_line, Some(5));
        let found = read(&plan("建立统一的市场协同监管信息化系统。（市工商局牵头负责）"));
        assert_eq!(found[0].owners, ["市工商局"]);
        // The next numbered item's note is its own, not the goals' above it.
        let found = read(&plan(
            "到2020年，新增养老床位1.5万张。\n\n三、重点任务\n（一）推进旧区改造。完成旧改5万平方米。（责任单位：市住房城乡建设管理委）",
        ));
        assert_eq!(found[0].owners, Vec::<String>::new(), "{found:?}");
        assert_eq!(found[1].owners, ["市住房城乡建设管理委"]);
    }

    #[test]
    fn a_goal_restated_under_a_task_is_one_candidate_owned_by_the_task() {
        let found = read(&plan(
            "到2020年，累计完成旧住房成套改造100万平方米。\n（一）推进旧区改造。三年累计完成旧住房成套改造100万平方米。（责任单位：市住房城乡建设管理委）",
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].line, found[0].owners.as_slice()), (5, &["市住房城乡建设管理委".to_owned()][..]));
        assert_eq!(found[0].owners_line, Some(6));
    }

    #[test]
    fn a_table_typed_with_pipes_is_read_and_its_rows_fold_into_the_goals_they_restate() {
        let found = read(&plan(
            "到2020年，城市生活垃圾回收利用率达到45%左右。\n\
             | 序号 | 指标 | 2015年基数 | 2020年目标 | 属性 |\n\
             | 1 | 城市生活垃圾回收利用率（%） | 42 | 45左右 | 约束性 |\n\
             | 2 | 人均公园绿地面积（平方米，累计） | 9.0 | 9.5 | 预期性 |",
        ));
        assert_eq!(found.len(), 2, "{found:?}");
        // The paragraph's goal, cited there, bound as the table says.
        assert_eq!((found[0].line, found[0].binding), (5, Some(true)));
        // A row of its own: its unit from the brackets of its name, its quote verbatim.
        assert_eq!((found[1].value, found[1].unit.as_str(), found[1].binding), (9.5, "平方米", Some(false)));
        assert_eq!(found[1].quote, "人均公园绿地面积（平方米，累计） | 9.0 | 9.5");
        // The base-year column is each row's base, cited on the row (and brought to the paragraph).
        let base = |f: &Found| f.baseline.as_ref().map(|b| (b.value, b.year, b.line));
        assert_eq!(base(&found[0]), Some((42.0, 2015, 7)));
        assert_eq!(base(&found[1]), Some((9.0, 2015, 8)));
    }

    #[test]
    fn a_base_year_column_is_found_by_its_name_or_as_the_earliest_year() {
        // Named: 基期值（2020年） after the target column, a base in another unit left out.
        let found = read(&plan(
            "指标\t2025年目标\t基期值（2020年）\n新能源汽车保有量（万辆）\t130\t42\n公共充电桩\t20万个\t9000个",
        ));
        assert_eq!(found[0].baseline.as_ref().map(|b| (b.value, b.year)), Some((42.0, 2020)));
        assert_eq!(found[0].name, "新能源汽车保有量", "the unit in brackets is no part of the name");
        assert_eq!(found[1].baseline, None, "{found:?}");
        // Unnamed: the earliest year before the target's; a middle-year column is not the base.
        let found = read(&plan("指标名称\t2020年\t2022年\t2025年\n5G基站数（万个）\t3.2\t5\t7"));
        assert_eq!((found[0].value, found[0].deadline.as_deref()), (7.0, Some("2025")));
        assert_eq!(found[0].baseline.as_ref().map(|b| (b.value, b.year)), Some((3.2, 2020)));
    }

    #[test]
    fn a_year_opening_a_goal_is_its_deadline_alone() {
        let found = read(&plan("2019年完成零星旧改5万平方米，三年累计完成旧住房成套改造100万平方米。"));
        let deadlines: Vec<Option<&str>> = found.iter().map(|f| f.deadline.as_deref()).collect();
        assert_eq!(deadlines, [Some("2019"), Some("2020")], "{found:?}");
    }

    #[test]
    fn stretch_heads_what_follows_it_or_only_its_own_goal() {
        let own = read(&plan("力争新建改建口袋公园300个，人均公园绿地面积达到9.5平方米。"));
        assert_eq!(own.iter().map(|f| f.stretch).collect::<Vec<_>>(), [true, false], "{own:?}");
        let heading = read(&plan("力争到2020年，新建口袋公园300个，人均公园绿地面积达到9.5平方米。"));
        assert_eq!(heading.iter().map(|f| f.stretch).collect::<Vec<_>>(), [true, true], "{heading:?}");
    }

    #[test]
    fn indicator_tables_read_value_unit_year_and_binding() {
        let table = "指标类别\t序号\t指标名称\t2020 年\t属 性\n信用\t1\t统一社会信用代码覆盖率\t100%\t约束性\n\t2\t支撑各类社会服务机构数\t>100 家\t预期性\n\t3\t信用报告量\t近亿份\t预期性";
        let found = read(&plan(table));
        assert_eq!(found.len(), 3);
        assert_eq!((found[0].value, found[0].binding, found[0].deadline.as_deref()), (100.0, Some(true), Some("2020")));
        assert_eq!(found[0].quote, "统一社会信用代码覆盖率\t100%");
        assert_eq!((found[1].comparator, found[1].value, found[1].unit.as_str()), (Some(">"), 100.0, "家"));
        assert_eq!((found[2].value, found[2].unit.as_str()), (0.9, "亿份"));
    }

    #[test]
    fn table_header_gives_the_unit_of_bare_numbers() {
        let found = read(&plan("单 位\t无偿献血总量(人份)\n黄浦区\t32650"));
        assert_eq!((found[0].value, found[0].unit.as_str()), (32650.0, "人份"));
    }

    #[test]
    fn documents_that_are_not_plans_yield_nothing() {
        let text = "上海市人民政府关于刘华同志免职的通知\n沪府发〔2016〕7号\n免去刘华职务，建立制度达到100%。";
        assert!(read(text).is_empty());
    }

    #[test]
    fn every_quote_is_a_verbatim_substring_of_its_line() {
        let text = plan(
            "到２０２０年，实际光纤入户率达到 70%，建成 3—5 个基地，力争将近200项事项下沉社区。\n指标\t2020 年\n覆盖率\t100%\n2017年6月底前，建立统一平台。",
        );
        let lines: Vec<&str> = text.lines().collect();
        let (_, found) = extract(&lines);
        assert!(found.len() >= 5);
        for f in &found {
            assert!(lines[f.line - 1].contains(&f.quote), "{:?} not in line {}", f.quote, f.line);
        }
    }

    #[test]
    fn goals_a_planner_wrote_are_read_as_meant() {
        let found = read(concat!(
            "上海市促进测试服务行动计划（2026—2028年）\n沪府办发〔2026〕5号\n2026年3月1日印发\n二、主要目标\n",
            "到2028年，家庭养老照护床位累计新增1.5万—2万张。\n\
             到2028年，认知障碍友好社区覆盖率提高20个百分点。\n\
             到2028年，智慧养老院数量比2025年翻一番。\n\
             到2028年，养老机构入住申请平均轮候时间控制在30天以内。\n\
             每年新增养老床位5000张以上。",
        ));
        let read_as =
            |f: &Found| (f.kind, f.value, f.value_max, f.unit.clone(), f.deadline.clone().unwrap_or_default());
        // Both ends with a magnitude: the low end in the high end's.
        assert_eq!(read_as(&found[0]), ("range", 1.5, Some(2.0), "万张".into(), "2028".into()), "{found:?}");
        assert_eq!(found[0].name, "家庭养老照护床位");
        // Percentage points are a change from the plan's base year, whatever the verb.
        assert_eq!(read_as(&found[1]), ("change", 20.0, None, "个百分点".into(), "2028".into()));
        assert_eq!(found[1].reference_year, Some(2025));
        assert_eq!((found[2].kind, found[2].name.as_str()), ("change", "智慧养老院数量"));
        assert_eq!(read_as(&found[3]), ("level", 30.0, None, "天".into(), "2028".into()));
        assert_eq!(found[3].comparator, Some("<="));
        // A yearly amount in each year of the plan, not a total.
        let yearly: Vec<_> =
            found[4..].iter().map(|f| (f.deadline.clone().unwrap_or_default(), f.cumulative)).collect();
        assert_eq!(yearly, [("2026".into(), false), ("2027".into(), false), ("2028".into(), false)], "{found:?}");
    }

    #[test]
    fn a_change_spaced_as_a_pdf_gives_it_is_read() {
        let found = read(&plan("到2028年，老年人意外跌倒发生率比 2025 年下降 15%。"));
        let f = &found[0];
        assert_eq!((f.kind, f.value, f.reference_year), ("change", -15.0, Some(2025)), "{found:?}");
        assert_eq!(f.name, "老年人意外跌倒发生率");
    }

    /// Text out of a PDF has spaces around its numbers: every seed document so spaced drafts
    /// without a panic, its quotes verbatim, its numeric goals all read.
    #[test]
    fn seed_documents_with_spaced_numbers_draft_whole() {
        let number = Regex::new(r"\d+(?:\.\d+)?%?").unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seed/documents");
        let mut paths: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            let spaced = number.replace_all(&text, " $0 ").into_owned();
            let numeric = |text: &str| {
                let lines: Vec<&str> = text.lines().collect();
                let (_, found) = extract(&lines);
                for f in &found {
                    assert!(
                        lines[f.line - 1].contains(&f.quote),
                        "{}: {:?} not in line {}",
                        path.display(),
                        f.quote,
                        f.line
                    );
                }
                found.iter().filter(|f| f.kind != "milestone").count()
            };
            let (as_written, as_spaced) = (numeric(&text), numeric(&spaced));
            assert!(as_spaced * 10 >= as_written * 9, "{}: {as_spaced} of {as_written}", path.display());
        }
    }

    #[test]
    fn horizon_comes_from_dated_deadlines_validity_or_given_time() {
        let header = |text: &str| extract(&text.lines().collect::<Vec<_>>()).0.horizon;
        let body = "上海市推进某项工作的若干措施\n2022年11月28日\n一、任务\n2022年底前，建成统一平台。2023年3月底前，出台办法。";
        assert_eq!(header(body), Some([2022, 2023]));
        let valid = "上海市支持某类企业的若干措施\n2025年2月17日\n本文自2025年3月1日起施行，有效期至2030年2月28日。";
        assert_eq!(header(valid), Some([2025, 2030]));
        let given = "上海市某领域创新试点实施方案\n2021年12月27日\n用3-5年时间，营商环境跃居世界前列。";
        assert_eq!(header(given), Some([2021, 2026]));
        let outlook = "上海市关于加快某体系建设的实施方案\n2021年9月29日\n到2025年，体系基本建立。到2035年，全面建成。";
        assert_eq!(header(outlook), Some([2021, 2025]), "2035 is the long-range outlook");
    }

    #[test]
    fn clause_deadlines_read_quarters_plan_ends_and_months_in_context() {
        let found = read(&plan(
            "落实2022年第四季度收费公路货车通行费减免10%。\n到“十五五”期末，企业达到2万家左右。\n2019年9月底前，建成监管系统；12月底前，完成试点示范工作任务。",
        ));
        let deadlines: Vec<_> = found.iter().map(|f| f.deadline.as_deref().unwrap_or("")).collect();
        assert_eq!(deadlines, ["2022-12-31", "2030", "2019-09-30", "2019-12-31"]);
    }

    #[test]
    fn every_year_of_a_span_gets_its_level() {
        let found = read(&plan("2017至2019年，全市每年减量化任务不低于15平方公里。"));
        let years: Vec<_> = found.iter().map(|f| f.deadline.as_deref().unwrap_or("")).collect();
        assert_eq!(years, ["2017", "2018", "2019"]);
    }

    #[test]
    fn directions_without_figures_are_changes_of_zero() {
        let found = read(&plan("提高自体输血比例。确保街头血液募集量止跌为稳。按照年度“零增长”目标。"));
        let read: Vec<_> =
            found.iter().map(|f| (f.kind, f.comparator.unwrap_or(""), f.value, f.unit.as_str())).collect();
        assert_eq!(read, [("change", ">", 0.0, "个百分点"), ("change", ">=", 0.0, "%"), ("change", "<=", 0.0, "%")]);
        assert!(found.iter().all(|f| f.confidence < 0.5), "a reading by hand is not ticked by default");
    }

    #[test]
    fn item_numbers_are_trimmed_definite_milestones_are_more_confident_and_open_ended_ones_left_out() {
        let found = read(&plan(concat!(
            "12.完成本市电子政务云标准规范制定。(牵头部门:市经济信息化委)\n",
            "形成有利于创新的宽松制度环境。\n",
            "在临港新片区建设国际数据经济产业园。\n",
            "建成全市统一的公共数据开放平台。\n",
            "进一步建成全市统一的公共数据开放平台。\n",
            "2019年底前制定本实施方案。\n",
            "制定本工作方案。在新的政策文件实施前1个工作日,做好政策解读。",
        )));
        let quotes: Vec<&str> = found.iter().map(|f| f.quote.as_str()).collect();
        assert_eq!(quotes, ["完成本市电子政务云标准规范制定", "建成全市统一的公共数据开放平台"], "{found:?}");
        assert!(found[0].confidence >= 0.5, "{}", found[0].confidence);
        assert!(found[1].confidence >= MILESTONE_KEPT && found[1].confidence < 0.5, "{}", found[1].confidence);
    }

    #[test]
    fn owners_notes_naming_roles_give_the_units_alone() {
        assert_eq!(
            split_owners("市政府办公厅。责任部门、单位:各区政府、市政府有关部门"),
            ["市政府办公厅", "各区政府", "市政府有关部门"]
        );
        assert_eq!(split_owners("市经济信息化委。责任部门:市政府有关部门"), ["市经济信息化委", "市政府有关部门"]);
        assert_eq!(split_owners("市发展改革委、市统计局"), ["市发展改革委", "市统计局"]);
    }

    #[test]
    fn a_goal_stated_again_word_for_word_is_one_candidate_at_its_first_line() {
        let found = read(&plan(concat!(
            "2019年底前建立危险化学品重大危险源数据库,建立危险化学品重大危险源数据库。\n",
            "到2020年,实际光纤入户率达到70%。\n",
            "附件:任务分工表\n",
            "2019年底前建立危险化学品重大危险源数据库\t市安全监管局\n",
            "到2020年,实际光纤入户率达到75%。",
        )));
        let cited: Vec<(usize, &str)> = found.iter().map(|f| (f.line, f.quote.as_str())).collect();
        assert_eq!(
            cited,
            [
                (5, "2019年底前建立危险化学品重大危险源数据库"),
                (6, "实际光纤入户率达到70%"),
                (9, "实际光纤入户率达到75%")
            ],
            "{found:?}"
        );
    }

    #[test]
    fn a_run_without_stops_is_no_sentence_and_long_names_are_matched_by_their_start() {
        let run = "到2020年实际光纤入户率达到70%以上并且".repeat(500);
        let started = std::time::Instant::now();
        let found = read(&plan(&format!("{run}\n到2020年，实际光纤入户率达到70%。")));
        assert_eq!(found.iter().map(|f| f.quote.as_str()).collect::<Vec<_>>(), ["实际光纤入户率达到70%"]);
        let mut long = found[0].clone();
        long.name = format!("实际光纤入户率{}", "很".repeat(20_000));
        let known: Vec<KnownIndicator> = (0..300)
            .map(|i| KnownIndicator {
                slug: format!("k{i}"),
                name: format!("指标{i}的名称"),
                unit: "%".into(),
                running_total: None,
            })
            .collect();
        assert_eq!(match_indicator(&long, &known).matched, "new");
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    }

    #[test]
    fn indicators_match_by_name_and_unit() {
        let found = read(&plan("实际光纤入户率达到70%。"));
        let known = [
            KnownIndicator {
                slug: "ftth".into(),
                name: "实际光纤入户率".into(),
                unit: "%".into(),
                running_total: None,
            },
            KnownIndicator {
                slug: "wlan".into(),
                name: "WLAN 接入点数量".into(),
                unit: "个".into(),
                running_total: None,
            },
        ];
        let m = match_indicator(&found[0], &known);
        assert_eq!((m.slug.as_str(), m.matched), ("ftth", "existing"));
        let m = match_indicator(&found[0], &known[1..]);
        assert_eq!(m.matched, "new");
        assert!(m.slug.starts_with("new-l5-") && m.slug.is_ascii());
        // A scope in front names a narrower series: not the city-wide indicator. The whole city
        // in front is the same one.
        let open =
            [KnownIndicator {
                slug: "open".into(), name: "数据开放率".into(), unit: "%".into(), running_total: None
            }];
        let narrower = read(&plan("到2025年，重点领域数据开放率达到80%。"));
        assert_eq!(match_indicator(&narrower[0], &open).matched, "new", "{narrower:?}");
        let citywide = read(&plan("到2025年，全市数据开放率达到80%。"));
        assert_eq!(match_indicator(&citywide[0], &open).matched, "existing", "{citywide:?}");
        // The slug a new indicator would take, defined by an earlier version of the plan under the
        // name its reviewer gave: the same indicator. Taken by another measure: a slug of its own.
        let fresh = match_indicator(&found[0], &[]).slug;
        let renamed = [KnownIndicator {
            slug: fresh.clone(),
            name: "家庭宽带光纤接入比例".into(),
            unit: "%".into(),
            running_total: None,
        }];
        let m = match_indicator(&found[0], &renamed);
        assert_eq!((m.slug.as_str(), m.matched, m.name.as_str()), (fresh.as_str(), "existing", "家庭宽带光纤接入比例"));
        let other =
            [KnownIndicator { slug: fresh.clone(), name: "光纤".into(), unit: "个".into(), running_total: None }];
        let m = match_indicator(&found[0], &other);
        assert_eq!((m.slug, m.matched), (format!("{fresh}-2"), "new"));
    }

    #[test]
    fn a_running_total_is_not_matched_to_an_indicator_read_as_a_level() {
        let found = read(&plan("到2027年，累计新增专精特新中小企业50家。"));
        assert_eq!(found.first().map(|f| f.running_total()), Some(Some(true)), "{found:?}");
        let count = |running_total| {
            [KnownIndicator { slug: "sme".into(), name: found[0].name.clone(), unit: "家".into(), running_total }]
        };
        // Another plan counts how many there are: 新增50家 is not that count.
        assert_eq!(match_indicator(&found[0], &count(Some(false))).matched, "new");
        assert_eq!(match_indicator(&found[0], &count(Some(true))).matched, "existing");
        assert_eq!(match_indicator(&found[0], &count(None)).matched, "existing");
    }

    #[test]
    fn what_a_verb_creates_names_the_indicator_after_the_number() {
        let found = read(&plan(
            "到2025年，培育“100+”有全球竞争力的数字贸易重点企业，建设20个具有行业影响力的工业互联网标杆平台，打造“100+”示范工厂，打造10个新型工业电商平台。",
        ));
        let names: Vec<&str> = found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["有全球竞争力的数字贸易重点企业", "具有行业影响力的工业互联网标杆平台", "示范工厂", "新型工业电商平台"],
            "{found:?}"
        );
        // Firms are counted in 家, the rest in 个.
        let known = |slug: &str, name: &str| KnownIndicator {
            slug: slug.into(),
            name: name.into(),
            unit: "个".into(),
            running_total: None,
        };
        let known = [
            KnownIndicator { unit: "家".into(), ..known("patent-centres", "高价值专利培育中心数量") },
            KnownIndicator {
                unit: "家".into(), ..known("trade-firms", "有全球竞争力的数字贸易重点企业数量")
            },
            known("websites", "开展无障碍建设的市级部门、单位和区县政府网站数"),
            known("platforms", "具有行业影响力的工业互联网标杆平台数量"),
        ];
        let matched: Vec<String> = found.iter().map(|f| match_indicator(f, &known).slug).collect();
        assert_eq!(&matched[..2], ["trade-firms", "platforms"]);
        assert!(
            matched[2].starts_with("new-") && matched[3].starts_with("new-") && matched[2] != matched[3],
            "{matched:?}"
        );
    }
}
