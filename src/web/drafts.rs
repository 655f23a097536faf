//! `/plans/drafts`: an administrator sends a newly issued plan's text, reviews each target drafted
//! from it beside its sentence (accept, edit, reject; existing or new indicator), and publishes
//! the plan. The review form starts from every candidate accepted as drafted; a publication that
//! does not validate comes back with its problems and the edits kept.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};

use super::forms::{FormData, csrf_cookie, csrf_value, form_of, session_of};
use super::layout::{self, header_row};
use super::{Ctx, PageLang, error_page, html as html_page, html_with};
use crate::db::{DbConn, DbPool, drafts};
use crate::error::AppError;
use crate::intake::publish::{self, PublishRequest, TargetInput};
use crate::intake::{self, Candidate, DocumentText, Format, KnownIndicator};
use crate::server::auth::{Caller, Role, session_caller, start_session};
use crate::server::{AppState, with_conn, within};

/// The administrator signed in on this browser, if any.
fn signed_in_admin(conn: &mut DbConn, session: Option<String>) -> Result<Option<Caller>, AppError> {
    Ok(match session {
        Some(session) => session_caller(conn, &session, crate::now())?.filter(|c| c.role >= Role::Admin),
        None => None,
    })
}

/// The token field, unless the browser is signed in as an administrator.
fn token_field(lang: PageLang, admin: Option<&Caller>, typed: &str) -> Markup {
    html! {
        @match admin {
            Some(caller) => {
                p.ok { (lang.pick("已登录为管理员 ", "Signed in as administrator ")) (caller.name) }
                input type="hidden" name="token" value=(typed);
            }
            None => {
                label for="token" { (lang.pick("管理员令牌（必填）", "Administrator token (required)")) }
                input #token type="password" name="token" required autocomplete="off";
            }
        }
    }
}

/// `GET /plans/drafts`: the form that sends a plan text, and the drafts made so far.
pub(super) async fn list(req: HttpRequest, pool: web::Data<DbPool>, state: web::Data<AppState>) -> HttpResponse {
    let ctx = Ctx::of(&req);
    let (csrf, fresh) = match csrf_value(&req) {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, &e),
    };
    let session = session_of(&req);
    let found = with_conn(&pool, move |conn| {
        let admin = signed_in_admin(conn, session)?;
        let rows = if admin.is_some() { drafts::recent_drafts(conn, 200)? } else { Vec::new() };
        Ok((admin, rows))
    })
    .await;
    let (admin, rows) = match found {
        Ok(found) => found,
        Err(e) => return error_page(&ctx, &e),
    };
    let lang = ctx.lang;
    let title = lang.pick("新规划草稿", "New plan drafts");
    let body = html! {
        h1 { (title) }
        p { (lang.pick("上传新印发规划的文本（纯文本、Word .docx、网页 .html 或带文字的 PDF，最大 5 MB）：系统按规则找出其中的目标，逐条审核后发布。", "Send a newly issued plan's text (plain text, Word .docx, web page .html or a PDF with text, at most 5 MB): its targets are drafted by rules, reviewed one by one, then published.")) }
        form.stack method="post" action="/plans/drafts" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(csrf);
            (token_field(lang, admin.as_ref(), ""))
            label for="file" { (lang.pick("规划文本（必填）", "Plan text (required)")) }
            input #file type="file" name="file" required accept=".txt,.docx,.html,.htm,.pdf,text/plain,text/html,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document";
            button type="submit" { (lang.pick("生成草稿", "Draft the targets")) }
        }
        @if admin.is_none() {
            p.note { a href="/signin?next=%2Fplans%2Fdrafts" { (lang.pick("用管理员令牌登录", "Sign in with an administrator token")) } (lang.pick("后可查看已有草稿。", " to see the drafts made so far.")) }
        } @else if !rows.is_empty() {
            h2 { (lang.pick("已有草稿", "Drafts")) }
            table {
                caption { (lang.pick("最近的草稿，最新的在前", "Recent drafts, newest first")) }
                (header_row(lang, &[("编号", "No."), ("文件", "File"), ("提交人", "By"), ("时间（北京时间）", "Time (Beijing)"), ("发布为", "Published as")]))
                tbody {
                    @for row in &rows {
                        tr {
                            th scope="row" { a href={ "/plans/drafts/" (row.id) } { "#" (row.id) } }
                            td { (row.file_name) }
                            td { (row.created_by) }
                            td { (crate::clock::shown(row.created_at)) }
                            td { @match &row.published_slug { Some(slug) => a href={ "/plans/" (slug) } { (slug) }, None => "—" } }
                        }
                    }
                }
            }
        }
    };
    let mut response = HttpResponse::Ok();
    if fresh {
        response.cookie(csrf_cookie(&csrf, state.cookie_secure));
    }
    html_with(lang, response, layout::page(&ctx, title, body))
}

/// The form's caller, an administrator, and the whole form, received in a receiving slot like an
/// upload; then a heavy slot for the work on it (drafting, or validating a publication).
async fn form_admin(
    req: &HttpRequest,
    payload: web::Payload,
    pool: &web::Data<DbPool>,
    state: &AppState,
    limit: usize,
) -> Result<(Caller, FormData, crate::server::WorkSlot), AppError> {
    within(state.body_timeout, async {
        let (caller, reader) = form_of(req, payload, pool, limit, Role::Admin).await?;
        let (form, slot) = state.received(caller.token_id, reader.finish()).await?;
        Ok((caller, form, slot))
    })
    .await
}

/// `POST /plans/drafts`: drafts the file sent and goes to its review page.
pub(super) async fn create(
    req: HttpRequest,
    payload: web::Payload,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let ctx = Ctx::of(&req);
    let limit = intake::MAX_DOCUMENT_BYTES + 64 * 1024;
    // As the API: reading and drafting are heavy work, taken in turn once the file is here.
    let (caller, form, _slot) = match form_admin(&req, payload, &pool, &state, limit).await {
        Ok(read) => read,
        Err(e) => return error_page(&ctx, &e),
    };
    let Some(bytes) = form.file.filter(|b| !b.is_empty()) else {
        return error_page(&ctx, &AppError::bad_parameter("file", "请选择规划文本文件", "choose the plan's text file"));
    };
    // A token typed into the form signs this browser in, so the review page that follows opens.
    let typed = !form.token.trim().is_empty();
    let file_name = form.file_name;
    let text = match crate::http::drafts::read_sent(&req, &state, bytes).await {
        Ok(text) => text,
        Err(e) => return error_page(&ctx, &e),
    };
    let made = with_conn(&pool, move |conn| {
        let (id, _, _) = intake::draft_and_keep(conn, &text, file_name.as_deref(), &caller.name)?;
        // Signed in only once the draft is kept: a refused document starts no session.
        let session = if typed { Some(start_session(conn, &caller, crate::now())?) } else { None };
        Ok((id, session))
    })
    .await;
    match made {
        Ok((id, session)) => {
            let mut response = HttpResponse::SeeOther();
            if let Some(session) = session {
                response.cookie(super::session::session_cookie(session, state.cookie_secure));
            }
            response.insert_header((LOCATION, format!("/plans/drafts/{id}"))).finish()
        }
        Err(e) => error_page(&ctx, &e),
    }
}

/// A draft as reviewed: its text, its candidates, and the publication they make so far.
struct Review {
    id: i64,
    file_name: String,
    lines: Vec<String>,
    candidates: Vec<Candidate>,
    /// Every candidate as a target (edited where the reviewer changed it), and whether accepted.
    request: PublishRequest,
    accepted: Vec<bool>,
    published_slug: Option<String>,
    indicators: Vec<KnownIndicator>,
    /// Candidates beyond the draft's bound.
    left_out: usize,
}

fn load_review(conn: &mut DbConn, id: i64) -> Result<Review, AppError> {
    let row = drafts::draft(conn, id)?.ok_or_else(|| AppError::not_found("draft", id.to_string()))?;
    let format = match row.format.as_str() {
        "docx" => Format::Docx,
        "html" => Format::Html,
        "pdf" => Format::Pdf,
        _ => Format::Text,
    };
    let text = DocumentText::from_stored(format, &row.text);
    let indicators = intake::known_indicators(conn)?;
    // Drafted again from the stored text: the rules are deterministic, and the candidates come
    // back as the typed values the form is made from.
    let draft = intake::draft(&text, &indicators);
    let slug = row.published_slug.clone().unwrap_or_else(|| publish::slug_from_name(&row.file_name));
    let request = publish::accept_all(&draft, &slug);
    Ok(Review {
        id,
        file_name: row.file_name,
        lines: text.lines,
        // What the rules are fairly sure of starts ticked; the rest is shown for a decision.
        accepted: draft.candidates.iter().map(|c| c.found.confidence >= intake::LIKELY).collect(),
        candidates: draft.candidates,
        request,
        published_slug: row.published_slug,
        indicators,
        left_out: draft.document.candidates_left_out,
    })
}

/// `GET /plans/drafts/{id}`: the review form.
pub(super) async fn review(
    req: HttpRequest,
    id: web::Path<String>,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let ctx = Ctx::of(&req);
    let id = match crate::server::params::draft_id(&id) {
        Ok(id) => id,
        Err(e) => return error_page(&ctx, &e),
    };
    let (csrf, fresh) = match csrf_value(&req) {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, &e),
    };
    let session = session_of(&req);
    let loaded = with_conn(&pool, move |conn| {
        let admin = signed_in_admin(conn, session)?;
        let review = if admin.is_some() { Some(load_review(conn, id)?) } else { None };
        Ok((admin, review))
    })
    .await;
    let lang = ctx.lang;
    let body = match loaded {
        Ok((Some(admin), Some(review))) => review_page(&ctx, &review, &csrf, Some(&admin), "", &[]),
        Ok(_) => {
            let title = lang.pick("审核规划草稿", "Review a plan draft");
            let next = format!("/signin?next=%2Fplans%2Fdrafts%2F{id}");
            layout::page(
                &ctx,
                title,
                html! {
                    h1 { (title) }
                    p { (lang.pick("草稿只对管理员开放：", "Drafts are for administrators: ")) a href=(next) { (lang.pick("用管理员令牌登录", "sign in with an administrator token")) } }
                },
            )
        }
        Err(e) => return error_page(&ctx, &e),
    };
    let mut response = HttpResponse::Ok();
    if fresh {
        response.cookie(csrf_cookie(&csrf, state.cookie_secure));
    }
    html_with(lang, response, body)
}

const KINDS: [(&str, &str, &str); 4] = [
    ("level", "水平值", "level"),
    ("change", "变化", "change"),
    ("range", "区间", "range"),
    ("milestone", "里程碑", "milestone"),
];
const COMPARATORS: [&str; 6] = ["", ">=", ">", "<=", "<", "≈"];

fn review_page(
    ctx: &Ctx,
    review: &Review,
    csrf: &str,
    admin: Option<&Caller>,
    typed_token: &str,
    problems: &[String],
) -> Markup {
    let lang = ctx.lang;
    let title = format!("{}{}", lang.pick("审核规划草稿：", "Review plan draft: "), review.file_name);
    let plan = &review.request.plan;
    let accepted = review.accepted.iter().filter(|a| **a).count();
    let body = html! {
        h1 { (title) }
        @if let Some(slug) = &review.published_slug {
            p.ok { (lang.pick("已发布为 ", "Published as ")) a href={ "/plans/" (slug) } { (slug) } (lang.pick("；再次发布即为新版本。", "; publishing again makes a new version.")) }
        }
        @if !problems.is_empty() {
            div.error role="alert" {
                p { (lang.pick("未通过校验，未发布任何内容：", "It does not validate; nothing was published:")) }
                ul { @for p in problems { li { (p) } } }
            }
        }
        @if review.left_out > 0 {
            p.error {
                (lang.pick("候选目标过多，只列出前 ", "Too many candidates: the first ")) (intake::MAX_CANDIDATES)
                (lang.pick(" 个；其余 ", " are listed, ")) (review.left_out) (lang.pick(" 个未列出。", " more are left out."))
            }
        }
        @if review.candidates.is_empty() {
            p.note { (intake::empty_note().pick(lang.lang)) }
        } @else {
            p { (review.candidates.len()) (lang.pick(" 个候选目标；把握不低于 50% 的已勾选采纳，其余请逐条决定。可修改数值、单位、期限、指标和责任单位；引文须与原文逐字一致。", " candidate targets; those the rules are at least 50% sure of are ticked, decide on the rest. Values, units, deadlines, indicators and owners can be edited; quotes must match the text word for word.")) }
        }
        form.stack.review method="post" action={ "/plans/drafts/" (review.id) "/publish" } enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(csrf);
            (token_field(lang, admin, typed_token))
            fieldset {
                legend { (lang.pick("规划", "Plan")) }
                (text_input("plan.slug", lang.pick("标识（小写字母、数字、连字符，必填）", "Slug (lower-case letters, digits, hyphens; required)"), &plan.slug, true))
                (text_input("plan.title", lang.pick("标题（必填）", "Title (required)"), &plan.title, true))
                (text_input("plan.title_en", lang.pick("英文标题", "English title"), plan.title_en.as_deref().unwrap_or(""), false))
                (text_input("plan.doc_number", lang.pick("文号", "Document number"), plan.doc_number.as_deref().unwrap_or(""), false))
                (text_input("plan.issued", lang.pick("印发日期（YYYY-MM-DD）", "Issued (YYYY-MM-DD)"), plan.issued.as_deref().unwrap_or(""), false))
                (text_input("plan.from", lang.pick("规划期起（年，必填）", "Horizon from (year; required)"), &plan.horizon[0].to_string(), true))
                (text_input("plan.to", lang.pick("规划期止（年，必填）", "Horizon to (year; required)"), &plan.horizon[1].to_string(), true))
            }
            datalist #indicators {
                @for i in &review.indicators { option value=(i.slug) { (i.name) " (" (i.unit) ")" } }
            }
            @for (index, (target, candidate)) in review.request.targets.iter().zip(&review.candidates).enumerate() {
                (candidate_fields(lang, index, target, candidate, review.accepted[index], &review.lines))
            }
            button type="submit" { (lang.pick("发布采纳的目标", "Publish the accepted targets")) " (" (accepted) ")" }
        }
    };
    layout::page(ctx, &title, body)
}

fn text_input(name: &str, label: &str, value: &str, required: bool) -> Markup {
    let id = name.replace('.', "-");
    html! {
        div.field {
            label for=(id) { (label) }
            input id=(id) type="text" name=(name) value=(value) required[required] autocomplete="off";
        }
    }
}

/// How much of its line a candidate shows on each side of its quote: the sentence around it. A
/// line can be a whole document long (a text without line breaks), and a page shows thousands
/// of candidates.
const CONTEXT_CHARS: usize = 120;

/// The last `keep` characters of `text`, after "…" when some were left out.
fn tail_of(text: &str, keep: usize) -> String {
    let count = text.chars().count();
    if count <= keep { text.to_owned() } else { format!("…{}", text.chars().skip(count - keep).collect::<String>()) }
}

/// The first `keep` characters of `text`, before "…" when some were left out.
fn head_of(text: &str, keep: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(keep).collect();
    if chars.next().is_some() { format!("{head}…") } else { head }
}

/// One candidate: its sentence with the quote marked, then its fields.
fn candidate_fields(
    lang: PageLang,
    index: usize,
    target: &TargetInput,
    candidate: &Candidate,
    accepted: bool,
    lines: &[String],
) -> Markup {
    let line = lines.get(candidate.found.line.saturating_sub(1)).map(String::as_str).unwrap_or("");
    let (before, after) = line.split_once(target.quote.as_str()).unwrap_or((line, ""));
    let (before, after) = (tail_of(before, CONTEXT_CHARS), head_of(after, CONTEXT_CHARS));
    let field = |name: &str| format!("c{index}.{name}");
    let id = |name: &str| format!("c{index}-{name}");
    let matched = &candidate.indicator;
    html! {
        fieldset.candidate {
            legend {
                (lang.pick("第 ", "Line ")) (candidate.found.line) (lang.pick(" 行", ""))
                " · " (lang.pick("把握 ", "confidence ")) (format!("{:.0}%", candidate.found.confidence * 100.0))
            }
            // The plan's sentence as written: Chinese, on an English page too.
            blockquote lang="zh-CN" { (before) mark { (target.quote) } (after) }
            input type="hidden" name=(field("line")) value=(target.line);
            input type="hidden" name=(field("quote")) value=(target.quote);
            label.wide { input type="checkbox" name=(field("accept")) value="on" checked[accepted]; " " (lang.pick("采纳", "Accept")) }
            div.field.wide {
                label for=(id("name")) { (lang.pick("名称", "Name")) }
                input id=(id("name")) type="text" name=(field("name")) value=(target.name);
            }
            div.field {
                label for=(id("kind")) { (lang.pick("类型", "Kind")) }
                select id=(id("kind")) name=(field("kind")) {
                    @for (value, zh, en) in KINDS { option value=(value) selected[target.kind == value] { (lang.pick(zh, en)) } }
                }
            }
            div.field {
                label for=(id("comparator")) { (lang.pick("比较", "Comparator")) }
                select id=(id("comparator")) name=(field("comparator")) {
                    @for value in COMPARATORS {
                        option value=(value) selected[target.comparator.as_deref().unwrap_or("") == value] { @if value.is_empty() { "—" } @else { (value) } }
                    }
                }
            }
            div.field {
                label for=(id("value")) { (lang.pick("目标值", "Value")) }
                input id=(id("value")) type="text" inputmode="decimal" name=(field("value")) value=(target.value);
            }
            div.field {
                label for=(id("value_max")) { (lang.pick("上限（区间）", "Upper bound (range)")) }
                input id=(id("value_max")) type="text" inputmode="decimal" name=(field("value_max")) value=(target.value_max.map(|v| v.to_string()).unwrap_or_default());
            }
            div.field {
                label for=(id("unit")) { (lang.pick("单位（按原文）", "Unit (as written)")) }
                input id=(id("unit")) type="text" name=(field("unit")) value=(target.unit);
            }
            div.field {
                label for=(id("deadline")) { (lang.pick("期限（年或日期）", "Deadline (year or date)")) }
                input id=(id("deadline")) type="text" name=(field("deadline")) value=(target.deadline);
            }
            div.field {
                label for=(id("indicator")) {
                    (lang.pick("指标标识（里程碑可空）", "Indicator slug (a milestone may leave it empty)"))
                    @if matched.matched == "new" && target.kind != "milestone" { " · " (lang.pick("新指标：", "new: ")) (matched.name) }
                }
                input id=(id("indicator")) type="text" list="indicators" name=(field("indicator")) value=(target.indicator.as_deref().unwrap_or(""));
            }
            div.field {
                label for=(id("owners")) { (lang.pick("责任单位（顿号分隔，牵头在前）", "Owners (separated by 、, the lead first)")) }
                input id=(id("owners")) type="text" name=(field("owners")) value=(target.owners.join("、"));
            }
            div.field {
                label for=(id("owners_line")) { (lang.pick("责任单位所在行（原文行号；留空则取最近一处列出这些单位的行）", "Line naming the owners (empty: the nearest line that names them)")) }
                input id=(id("owners_line")) type="text" inputmode="numeric" name=(field("owners_line")) value=(target.owners_line.map(|l| l.to_string()).unwrap_or_default());
            }
        }
    }
}

/// The posted form applied to the draft's starting point: which candidates are accepted, and
/// their fields as edited. A number that does not read stays as drafted and is reported.
fn apply_form(
    review: &mut Review,
    fields: &[(String, String)],
    lang: crate::present::Lang,
    problems: &mut Vec<String>,
) {
    let not_year = lang.pick("不是年份", "not a year");
    let not_number = lang.pick("不是数值", "not a number");
    let posted: HashMap<&str, &str> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let get = |name: &str| posted.get(name).map(|v| v.trim().to_owned());
    let plan = &mut review.request.plan;
    if let Some(v) = get("plan.slug") {
        plan.slug = v;
    }
    if let Some(v) = get("plan.title") {
        plan.title = v;
    }
    plan.title_en = get("plan.title_en").filter(|v| !v.is_empty());
    plan.doc_number = get("plan.doc_number").filter(|v| !v.is_empty());
    plan.issued = get("plan.issued").filter(|v| !v.is_empty());
    for (slot, key) in [(0, "plan.from"), (1, "plan.to")] {
        match get(key).map(|v| v.parse::<i32>()) {
            Some(Ok(year)) => plan.horizon[slot] = year,
            Some(Err(_)) => problems.push(format!("{key}: {not_year}")),
            None => {}
        }
    }
    for (index, target) in review.request.targets.iter_mut().enumerate() {
        let field = |name: &str| get(&format!("c{index}.{name}"));
        review.accepted[index] = field("accept").is_some();
        if let Some(v) = field("name").filter(|v| !v.is_empty()) {
            target.name = v;
        }
        if let Some(v) = field("kind") {
            target.kind = v;
        }
        // A field left out keeps the drafted value; a field emptied clears it.
        if let Some(v) = field("comparator") {
            target.comparator = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = field("value") {
            match v.parse::<f64>() {
                Ok(value) if value.is_finite() => target.value = value,
                _ => problems.push(format!("c{index}.value «{v}»: {not_number}")),
            }
        }
        if let Some(v) = field("value_max") {
            target.value_max = match v.as_str() {
                "" => None,
                v => v.parse::<f64>().ok().filter(|v| v.is_finite()).or_else(|| {
                    problems.push(format!("c{index}.value_max «{v}»: {not_number}"));
                    None
                }),
            };
        }
        if let Some(v) = field("unit") {
            target.unit = v;
        }
        if let Some(v) = field("deadline") {
            target.deadline = v;
        }
        if let Some(v) = field("indicator") {
            target.indicator = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = field("owners") {
            target.owners = v
                .split(['、', ',', '，', ';', '；'])
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect();
        }
        match field("owners_line").as_deref() {
            None => {}
            Some("") => target.owners_line = None,
            Some(v) => match v.parse::<i32>() {
                Ok(line) => target.owners_line = Some(line),
                Err(_) => problems.push(format!("c{index}.owners_line «{v}»: {not_number}")),
            },
        }
        // Owners typed for a goal whose sentence names none (a 主要目标 paragraph): cited from the
        // nearest line that names them all, as the catalog asks of every owner.
        if !target.owners.is_empty() && target.owners_line.is_none() {
            target.owners_line = nearest_line_naming(&review.lines, target.line, &target.owners);
        }
    }
}

/// The line (counted from 1) nearest to `around` on which every one of `owners` is written.
fn nearest_line_naming(lines: &[String], around: i32, owners: &[String]) -> Option<i32> {
    let names_all = |text: &String| owners.iter().all(|o| text.contains(o.as_str()));
    lines
        .iter()
        .enumerate()
        .filter(|(_, text)| names_all(text))
        .map(|(index, _)| index as i32 + 1)
        .min_by_key(|line| ((line - around).abs(), *line))
}

/// The publication: the accepted targets, and the new indicators they still use.
fn accepted_request(review: &Review) -> PublishRequest {
    let targets: Vec<TargetInput> = review
        .request
        .targets
        .iter()
        .zip(&review.accepted)
        .filter(|(_, accepted)| **accepted)
        .map(|(t, _)| t.clone())
        .collect();
    let indicators = review
        .request
        .indicators
        .iter()
        .filter(|i| targets.iter().any(|t| t.indicator.as_deref() == Some(i.slug.as_str())))
        .cloned()
        .collect();
    PublishRequest { plan: review.request.plan.clone(), indicators, targets }
}

/// A problem of the publication as the reviewer knows the plan: "第 19 行的目标（责任单位）：…"
/// rather than the catalog's "target draft-1 owners: …".
fn problem_text(problem: &serde_json::Value, request: &PublishRequest, lang: crate::present::Lang) -> String {
    let zh = lang == crate::present::Lang::Zh;
    let text = |key: &str| problem[key].as_str().unwrap_or_default();
    let plan = request.plan.slug.trim();
    let target_line = |slug: &str| {
        request.targets.iter().enumerate().find_map(|(index, t)| {
            let own =
                t.slug.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| format!("{plan}-{}", index + 1));
            (own == slug).then_some(t.line)
        })
    };
    let what = match (text("item").split_once(' '), zh) {
        (Some(("target", slug)), true) => {
            target_line(slug).map_or(format!("目标 {slug}"), |l| format!("第 {l} 行的目标"))
        }
        (Some(("target", slug)), false) => {
            target_line(slug).map_or(format!("target {slug}"), |l| format!("the target on line {l}"))
        }
        (Some(("plan", _)), true) => "规划".to_owned(),
        (Some(("plan", _)), false) => "the plan".to_owned(),
        (Some(("indicator", slug)), true) => format!("新指标 {slug}"),
        (Some(("indicator", slug)), false) => format!("new indicator {slug}"),
        _ => text("item").to_owned(),
    };
    let field = text("field");
    if zh {
        let label = match field {
            "owners" => "责任单位",
            "owners_line" => "责任单位所在行",
            "source.quote" | "quote" => "引文",
            "source.line" | "line" => "行号",
            "indicator" => "指标",
            "value" => "数值",
            "value_max" => "上限",
            "unit" => "单位",
            "deadline" => "期限",
            "name" => "名称",
            "name_en" => "英文名称",
            "slug" => "标识",
            "kind" => "类型",
            "comparator" => "比较方式",
            "title" => "标题",
            "title_en" => "英文标题",
            "doc_number" => "文号",
            "issued" => "印发日期",
            "horizon" => "规划期",
            "baseline" => "基期值",
            "reference_year" => "参照年份",
            other => other,
        };
        format!("{what}（{label}）：{}", text("reason_zh"))
    } else {
        format!("{what} ({field}): {}", text("reason"))
    }
}

/// `POST /plans/drafts/{id}/publish`: publishes the reviewed plan, or shows why not.
pub(super) async fn publish(
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let ctx = Ctx::of(&req);
    let id = match crate::server::params::draft_id(&id) {
        Ok(id) => id,
        Err(e) => return error_page(&ctx, &e),
    };
    // A review of the largest plans stays far below this.
    let limit = 4 * 1024 * 1024;
    let (caller, form, _slot) = match form_admin(&req, payload, &pool, &state, limit).await {
        Ok(read) => read,
        Err(e) => return error_page(&ctx, &e),
    };
    let paths = state.catalog_paths.clone();
    let by = caller.name.clone();
    let lang = ctx.lang.lang;
    let fields = form.fields;
    let outcome = with_conn(&pool, move |conn| {
        let mut review = load_review(conn, id)?;
        let mut problems = Vec::new();
        apply_form(&mut review, &fields, lang, &mut problems);
        if !problems.is_empty() {
            return Ok(Err((review, problems)));
        }
        let request = accepted_request(&review);
        match publish::publish_draft(conn, id, &request, &paths, &by) {
            Ok(published) => Ok(Ok(published)),
            Err(AppError::Unprocessable { message, details, .. }) => {
                let mut listed = vec![message.pick(lang).to_owned()];
                if let Some(found) = details["problems"].as_array() {
                    listed.extend(found.iter().map(|p| problem_text(p, &request, lang)));
                }
                Ok(Err((review, listed)))
            }
            Err(e) => Err(e),
        }
    })
    .await;
    match outcome {
        Ok(Ok(published)) => {
            state.refresh().await;
            HttpResponse::SeeOther().insert_header((LOCATION, published.plan_url)).finish()
        }
        Ok(Err((review, problems))) => {
            let page = review_page(&ctx, &review, &form.csrf, Some(&caller), &form.token, &problems);
            html_page(ctx.lang, StatusCode::UNPROCESSABLE_ENTITY, page)
        }
        Err(e) => error_page(&ctx, &e),
    }
}
