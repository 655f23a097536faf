//! The frame every page shares, and small pieces several pages use.

use chrono::NaiveDate;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{Ctx, PageLang};
use crate::judged::Judgement;
use crate::present::{Lang, palette, status_colour, verdict_label};
use crate::progress::Status;

/// The current address with `lang` set to `to` (other parameters kept).
fn switch_link(ctx: &Ctx, to: &str) -> String {
    let kept: Vec<(String, String)> = url_pairs(&ctx.query).into_iter().filter(|(k, _)| k != "lang").collect();
    let mut query = form_urlencoded(&kept);
    if !query.is_empty() {
        query.push('&');
    }
    format!("{}?{query}lang={to}", ctx.path)
}

/// `a=1&b=2` → pairs, percent-decoded.
pub fn url_pairs(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default()
}

pub fn form_urlencoded(pairs: &[(String, String)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

pub fn page(ctx: &Ctx, title: &str, content: Markup) -> Markup {
    let lang = ctx.lang;
    let (html_lang, other, other_label) = match lang.lang {
        Lang::Zh => ("zh-CN", "en", "English"),
        Lang::En => ("en", "zh", "中文"),
    };
    let path = ctx.path.as_str();
    let nav = [
        ("/", lang.pick("总览", "Overview")),
        ("/departments", lang.pick("责任单位", "Departments")),
        ("/uploads", lang.pick("数据上传", "Uploads")),
        ("/reports", lang.pick("报告", "Reports")),
        ("/plans/drafts", lang.pick("登记新规划", "New plans")),
    ];
    html! {
        (DOCTYPE)
        html lang=(html_lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · plantrack" }
                link rel="stylesheet" href="/static/style.css";
            }
            body {
                a.skip href="#main" { (lang.pick("跳到正文", "Skip to content")) }
                header.top {
                    a.brand href="/" { "plantrack" }
                    nav aria-label=(lang.pick("主导航", "Main")) {
                        @for (href, label) in nav {
                            @let current = if href == "/" { path == "/" } else { path.starts_with(href) };
                            a href=(href) aria-current=[current.then_some("page")] { (label) }
                        }
                    }
                    a.lang href=(switch_link(ctx, other)) hreflang=(other) lang=(other) { (other_label) }
                    @if ctx.signed_in {
                        // A link, not a form: the page then carries nothing of one browser's own
                        // and is the same for every signed-in reader (it is made once, see
                        // server::responses). The sign-out page asks with its form.
                        a.signout href="/signout" { (lang.pick("退出", "Sign out")) }
                    }
                }
                main #main { (content) }
                footer {
                    (lang.pick(
                        "目标值均引自规划原文并注明出处；实际值来自上传数据。",
                        "Every target cites its document and line; actuals come from uploaded figures.",
                    ))
                    " · " a href="/api/openapi.json" { "API" }
                }
            }
        }
    }
}

/// A status as a coloured label (the colour is decoration; the word carries the meaning).
pub fn status_badge(status: Status, late: bool, lang: Lang) -> Markup {
    html! { span class={ "badge s-" (status.as_str()) } { (verdict_label(status, late, lang)) } }
}

/// Counts per status, as badges with numbers; each links to the overview filtered by it.
pub fn status_counts(counts: &[(Status, usize)], lang: Lang, plan: Option<&str>) -> Markup {
    let filter = plan.map(|p| format!("&plan={p}")).unwrap_or_default();
    status_counts_within(counts, lang, &filter)
}

/// Counts per status linking to the overview filtered by status and `filter` (`&department=…`).
pub fn status_counts_within(counts: &[(Status, usize)], lang: Lang, filter: &str) -> Markup {
    html! {
        ul.counts {
            @for (status, count) in counts.iter().filter(|(_, n)| *n > 0) {
                @let href = format!("/?status={}{filter}", status.as_str());
                li {
                    a href=(href) {

                        (status_badge(*status, false, lang)) " " strong { (count) }
                    }
                }
            }
        }
    }
}

/// One horizontal bar split by status, drawn inline: a plan at a glance.
pub fn status_bar(counts: &[(Status, usize)], label: &str) -> Markup {
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let mut x = 0.0;
    let mut rects = String::new();
    for (status, count) in counts.iter().filter(|(_, n)| *n > 0) {
        let width = *count as f64 / total.max(1) as f64 * 100.0;
        rects.push_str(&format!(
            r#"<rect x="{x:.3}" y="0" width="{width:.3}" height="10" fill="{}"/>"#,
            status_colour(*status).hex()
        ));
        x += width;
    }
    html! {
        svg.bar viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label=(label) {
            title { (label) }
            (PreEscaped(rects))
        }
    }
}

/// One target's bar in a plan's list: the share of the distance covered in its status colour,
/// and a tick where the straight path says it should be by now.
pub struct ProgressRow<'a> {
    pub href: String,
    pub name: &'a str,
    pub status: Status,
    pub achieved_late: bool,
    pub progress: Option<f64>,
    pub expected: Option<f64>,
}

/// Every target of a plan as a bar: names wrap (never over a bar), the bar scales to the page.
pub fn progress_list(lang: PageLang, rows: &[ProgressRow]) -> Markup {
    let l = lang.lang;
    let share = |v: f64| format!("{:.0}%", v * 100.0);
    html! {
        @if rows.iter().any(|r| r.expected.is_some()) {
            p.legend.muted {
                svg.tick viewBox="0 0 4 12" aria-hidden="true" { rect x="1" y="0" width="2" height="12" fill=(palette::CHART_EXPECTED.hex()) {} }
                " " (lang.pick("竖线：按计划在最新数据时应达到的进度（状态据此判断）", "tick: where the straight path says it should have been at the latest figure (the status weighs it)"))
            }
        }
        ol.progress-list {
            @for row in rows {
                @let value = match row.progress {
                    Some(p) => share(p),
                    None => verdict_label(row.status, row.achieved_late, l).to_owned(),
                };
                @let label = match (row.progress, row.expected, l) {
                    (Some(p), Some(e), Lang::Zh) => format!("完成进度 {}，按计划在最新数据时应达到 {}", share(p), share(e)),
                    (Some(p), Some(e), Lang::En) => format!("{} covered, {} due at the latest figure", share(p), share(e)),
                    (_, _, _) => value.clone(),
                };
                li {
                    a.name href=(row.href) title=(row.name) { (marked_chinese(row.name, l)) }
                    svg.progress viewBox="0 0 100 12" preserveAspectRatio="none" role="img" aria-label=(label) {
                        title { (label) }
                        rect x="0" y="0" width="100" height="12" fill=(palette::CHART_TRACK.hex()) {}
                        @if let Some(p) = row.progress {
                            rect x="0" y="0" width=(format!("{:.2}", (p.clamp(0.0, 1.0) * 100.0).max(0.8))) height="12"
                                fill=(status_colour(row.status).hex()) {}
                        }
                        // Where it should be by now, on a bar that has a share to compare.
                        @if let (Some(e), Some(_)) = (row.expected, row.progress) {
                            rect x=(format!("{:.2}", (e.clamp(0.0, 1.0) * 100.0 - 0.6).max(0.0))) y="0" width="1.2" height="12" fill=(palette::CHART_EXPECTED.hex()) {}
                        }
                    }
                    span.value {
                        (value)
                        // The status named after a share, so colour is never the only sign of it.
                        @if row.progress.is_some() { " " (status_badge(row.status, row.achieved_late, l)) }
                    }
                }
            }
        }
    }
}

/// An SVG chart from plotters, inline: drawn for a wide screen and for a phone (its text stays
/// readable), the stylesheet shows the one that fits. Each SVG is an image named by its own
/// `<title>` and described by its `<desc>`; the figure points at them too, and its caption
/// links to the full figures on the page (`figures`: the anchor and what to call them).
pub fn inline_chart(wide: &str, narrow: &str, figures: (&str, &str)) -> Markup {
    let wide = without_prolog(wide);
    html! {
        figure.chart aria-labelledby=[attribute(wide, "aria-labelledby")] aria-describedby=[attribute(wide, "aria-describedby")] {
            div.wide { (PreEscaped(wide)) }
            div.narrow { (PreEscaped(without_prolog(narrow))) }
            figcaption.note { a href=(figures.0) { (figures.1) } }
        }
    }
}

/// The SVG without its XML prolog.
fn without_prolog(svg: &str) -> &str {
    let body = svg.trim_start();
    match body.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(rest, |(_, after)| after).trim_start(),
        None => body,
    }
}

/// The value of an attribute of the SVG's root element.
fn attribute<'s>(svg: &'s str, name: &str) -> Option<&'s str> {
    let root = &svg[..svg.find('>')?];
    let start = root.find(&format!(" {name}=\""))? + name.len() + 3;
    root[start..].split('"').next()
}

/// The "as of" picker: a date field that reloads the page for that date.
/// The view a page shows: its date, the "as known then" switch, and (where districts have
/// figures) one district instead of each target's own region.
pub fn view_form(
    lang: PageLang,
    action: &str,
    judgement: &Judgement,
    today: NaiveDate,
    hidden: &[(&str, &str)],
    districts: &[String],
) -> Markup {
    let current = judgement.region.as_deref().unwrap_or("");
    html! {
        form.asof method="get" action=(action) {
            @for (name, value) in hidden {
                input type="hidden" name=(name) value=(value);
            }
            label for="as_of" { (lang.pick("截至日期", "As of")) }
            input #as_of type="date" name="as_of" value=(judgement.as_of) max=(today);
            label.switch {
                input type="checkbox" name="as_known" value="1" checked[judgement.known_at.is_some()];
                " " (lang.pick("按当时已知的数据", "as known then"))
            }
            @if !districts.is_empty() {
                label for="region" { (lang.pick("地区", "Region")) }
                select #region name="region" {
                    option value="" selected[current.is_empty()] { (lang.pick("各目标本身的地区", "each target's own")) }
                    @for district in districts {
                        option value=(district) selected[current == district] { (district) }
                    }
                }
            }
            button type="submit" { (lang.pick("查看", "Show")) }
            @if judgement.as_of != today || judgement.known_at.is_some() || judgement.region.is_some() {
                " " a href=(action) { (lang.pick("回到今天", "Back to today")) }
            }
        }
    }
}

/// Text on an English page that quotes Chinese (a 文号, a phrase of the plan in a note, a source
/// as the upload wrote it): each run of Chinese carries `lang="zh-CN"`, so a screen reader reads
/// it as Chinese (WCAG 3.1.2). On a Chinese page the text is as it is.
pub fn marked_chinese(text: &str, lang: Lang) -> Markup {
    if lang == Lang::Zh {
        return html! { (text) };
    }
    html! {
        @for (chinese, part) in chinese_runs(text) {
            @if chinese { span lang="zh-CN" { (part) } } @else { (part) }
        }
    }
}

/// `text` cut into runs of Chinese and of anything else. Digits between Chinese characters
/// belong to the run ("沪府发〔2016〕80号" is one).
fn chinese_runs(text: &str) -> Vec<(bool, &str)> {
    let is_chinese = |c: char| matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}');
    // The byte ranges of Chinese, merged across digits.
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for (at, c) in text.char_indices().filter(|(_, c)| is_chinese(*c)) {
        let end = at + c.len_utf8();
        match ranges.last_mut() {
            Some(last) if text[last.1..at].chars().all(|c| c.is_ascii_digit()) => last.1 = end,
            _ => ranges.push((at, end)),
        }
    }
    let mut runs = Vec::new();
    let mut from = 0;
    for (start, end) in ranges {
        if start > from {
            runs.push((false, &text[from..start]));
        }
        runs.push((true, &text[start..end]));
        from = end;
    }
    if from < text.len() {
        runs.push((false, &text[from..]));
    }
    runs
}

pub fn dash(value: Option<String>) -> String {
    value.unwrap_or_else(|| "—".to_owned())
}

/// A table's caption, for screen readers: the heading above the table already shows it.
pub fn caption(text: &str) -> Markup {
    html! { caption.visually-hidden { (text) } }
}

/// A table's header row: (Chinese, English) per column.
pub fn header_row(lang: PageLang, columns: &[(&'static str, &'static str)]) -> Markup {
    html! {
        thead { tr { @for (zh, en) in columns { th scope="col" { (lang.pick(zh, en)) } } } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_inside_an_english_page_is_marked_as_chinese() {
        let marked = |text: &str| marked_chinese(text, Lang::En).into_string();
        assert_eq!(marked("沪府发〔2016〕80号"), r#"<span lang="zh-CN">沪府发〔2016〕80号</span>"#);
        assert_eq!(
            marked("line 5680 says “市政府办公厅要加强统筹协调”, so"),
            r#"line 5680 says “<span lang="zh-CN">市政府办公厅要加强统筹协调</span>”, so"#
        );
        assert_eq!(marked("54%(十二五期末) 2015"), r#"54%(<span lang="zh-CN">十二五期末</span>) 2015"#);
        assert_eq!(marked("no Chinese"), "no Chinese");
        assert_eq!(marked_chinese("沪府发〔2016〕80号", Lang::Zh).into_string(), "沪府发〔2016〕80号");
    }
}
