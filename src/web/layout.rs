//! The frame every page shares, and small pieces several pages use.

use chrono::NaiveDate;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{Ctx, PageLang};
use crate::present::{Lang, status_colour, verdict_label};
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
        ("/uploads", lang.pick("数据上传", "Uploads")),
        ("/reports", lang.pick("报告", "Reports")),
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
    html! {
        ul.counts {
            @for (status, count) in counts.iter().filter(|(_, n)| *n > 0) {
                @let href = match plan {
                    Some(p) => format!("/?status={}&plan={p}", status.as_str()),
                    None => format!("/?status={}", status.as_str()),
                };
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

/// An SVG chart from plotters, inline, described for screen readers.
pub fn inline_chart(svg: &str, description: &str) -> Markup {
    let body = svg.trim_start();
    let body = match body.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(rest, |(_, after)| after).trim_start(),
        None => body,
    };
    let described = body.replacen(
        "<svg ",
        &format!(r#"<svg role="img" aria-label="{}" "#, maud::html! { (description) }.into_string()),
        1,
    );
    html! { figure.chart { (PreEscaped(described)) } }
}

/// The "as of" picker: a date field that reloads the page for that date.
pub fn as_of_form(lang: PageLang, action: &str, as_of: NaiveDate, today: NaiveDate, hidden: &[(&str, &str)]) -> Markup {
    html! {
        form.asof method="get" action=(action) {
            @for (name, value) in hidden {
                input type="hidden" name=(name) value=(value);
            }
            label for="as_of" { (lang.pick("截至日期", "As of")) }
            input #as_of type="date" name="as_of" value=(as_of) max=(today);
            button type="submit" { (lang.pick("查看", "Show")) }
            @if as_of != today {
                " " a href=(action) { (lang.pick("回到今天", "Back to today")) }
            }
        }
    }
}

pub fn dash(value: Option<String>) -> String {
    value.unwrap_or_else(|| "—".to_owned())
}

/// A table's header row: (Chinese, English) per column.
pub fn header_row(lang: PageLang, columns: &[(&'static str, &'static str)]) -> Markup {
    html! {
        thead { tr { @for (zh, en) in columns { th scope="col" { (lang.pick(zh, en)) } } } }
    }
}
