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
use crate::intake::publish::{self, IndicatorInput, PublishRequest, TargetInput};
use crate::intake::{self, Candidate, DocumentText, Format, KnownIndicator};
use crate::server::auth::{Caller, Role, session_caller, start_session};
use crate::server::{AppState, with_conn, within};

/// Whoever is signed in on this browser, if anyone.
fn signed_in(conn: &mut DbConn, session: Option<String>) -> Result<Option<Caller>, AppError> {
    Ok(match session {
        Some(session) => session_caller(conn, &session, crate::now())?,
        None => None,
    })
}

/// The administrator signed in on this browser, if any.
fn signed_in_admin(conn: &mut DbConn, session: Option<String>) -> Result<Option<Caller>, AppError> {
    Ok(signed_in(conn, session)?.filter(|c| c.role >= Role::Admin))
}

/// Said to someone signed in with a token that cannot draft: which token, and what is needed.
fn not_an_admin_note(lang: PageLang, caller: &Caller) -> Markup {
    html! {
        p.note {
            (lang.pick("当前以“", "Signed in as “")) (caller.name)
            (lang.pick("”登录，该令牌不能处理规划草稿；", "”, a token that cannot handle plan drafts; "))
            a href="/signin?next=%2Fplans%2Fdrafts" { (lang.pick("改用管理员令牌登录", "sign in with an administrator token")) }
            (lang.pick("。", "."))
        }
    }
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
        let signed = signed_in(conn, session)?;
        let admin = signed.clone().filter(|c| c.role >= Role::Admin);
        let rows = if admin.is_some() { drafts::recent_drafts(conn, 200)? } else { Vec::new() };
        Ok((signed, admin, rows))
    })
    .await;
    let (signed, admin, rows) = match found {
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
        @if let (None, Some(caller)) = (&admin, &signed) {
            (not_an_admin_note(lang, caller))
        } @else if admin.is_none() {
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
    /// Targets the reviewer added by hand: goals the rules did not find.
    added: Vec<TargetInput>,
    published_slug: Option<String>,
    /// The plan in force this draft was started from as its next version.
    revision_of: Option<String>,
    indicators: Vec<KnownIndicator>,
    /// Candidates beyond the draft's bound.
    left_out: usize,
}

/// What a review is made from, as stored: the draft, the indicators known, and what the draft
/// published last (with the departments' names to read it back).
struct StoredReview {
    id: i64,
    row: drafts::DraftRow,
    indicators: Vec<KnownIndicator>,
    published: Option<(String, DepartmentNames)>,
    /// Never published: the catalog files of the plans in force, one of which it may revise.
    in_force: Option<(Vec<String>, DepartmentNames)>,
}

/// Each department's (slug, name), to read a published catalog file back.
type DepartmentNames = Vec<(String, String)>;

fn fetch_review(conn: &mut DbConn, id: i64) -> Result<StoredReview, AppError> {
    let row = drafts::draft(conn, id)?.ok_or_else(|| AppError::not_found("draft", id.to_string()))?;
    let indicators = intake::known_indicators(conn)?;
    let departments: Vec<(String, String)> =
        crate::db::queries::list_departments(conn)?.into_iter().map(|d| (d.slug, d.name)).collect();
    let (published, in_force) = match drafts::published_from_draft(conn, id)? {
        Some(catalog) => (Some((catalog, departments)), None),
        None => (None, Some((drafts::catalogs_in_force(conn)?, departments))),
    };
    Ok(StoredReview { id, row, indicators, published, in_force })
}

fn load_review(conn: &mut DbConn, id: i64) -> Result<Review, AppError> {
    Ok(build_review(fetch_review(conn, id)?))
}

/// The review drafted again from the stored text (seconds for the largest texts: no database
/// connection is held meanwhile).
fn build_review(stored: StoredReview) -> Review {
    let StoredReview { id, row, indicators, published, in_force } = stored;
    let format = match row.format.as_str() {
        "docx" => Format::Docx,
        "html" => Format::Html,
        "pdf" => Format::Pdf,
        _ => Format::Text,
    };
    let text = DocumentText::from_stored(format, &row.text);
    // Drafted again from the stored text: the rules are deterministic, and the candidates come
    // back as the typed values the form is made from.
    let draft = intake::draft(&text, &indicators);
    let draft_title = draft.document.title.clone();
    let slug = row.published_slug.clone().unwrap_or_else(|| publish::slug_from_name(&row.file_name));
    let mut review = Review {
        id,
        file_name: row.file_name,
        lines: text.lines,
        // What the rules are fairly sure of starts ticked; the rest is shown for a decision.
        accepted: draft.candidates.iter().map(|c| c.found.confidence >= intake::LIKELY).collect(),
        request: publish::accept_all(&draft, &slug),
        candidates: draft.candidates,
        added: Vec::new(),
        published_slug: row.published_slug,
        revision_of: None,
        indicators,
        left_out: draft.document.candidates_left_out,
    };
    // Published before: the review starts from what was published, not from the rules again.
    if let Some((catalog, departments)) = published
        && let Some(published) = publish::read_back(&catalog, &departments)
    {
        review.start_from(published);
    } else if let Some((files, departments)) = in_force
        && let Some(earlier) = revised_plan(draft_title.as_deref(), &files, &departments)
    {
        review.start_from_earlier_version(earlier);
    }
    review
}

/// A revision's candidates that the version in force states word for word yet did not publish
/// were rejected in its review: they start unticked, not ticked again.
async fn untick_rejected(pool: &web::Data<DbPool>, mut review: Review) -> Result<Review, AppError> {
    let Some(slug) = review.revision_of.clone() else { return Ok(review) };
    let Some(text) = with_conn(pool, move |conn| Ok(drafts::text_in_force(conn, &slug)?)).await? else {
        return Ok(review);
    };
    for (target, accepted) in review.request.targets.iter().zip(review.accepted.iter_mut()) {
        if target.slug.is_none() && text.contains(&target.quote) {
            *accepted = false;
        }
    }
    Ok(review)
}

/// The published plan a draft revises: the plan in force whose title is the draft's, or within
/// it (…（2026—2028年）（修订）).
fn revised_plan(title: Option<&str>, catalogs: &[String], departments: &[(String, String)]) -> Option<PublishRequest> {
    let title = title?.trim();
    catalogs.iter().filter_map(|catalog| publish::read_back(catalog, departments)).find(|earlier| {
        let known = earlier.plan.title.trim();
        known.chars().count() >= 6 && (title == known || title.contains(known))
    })
}

impl Review {
    /// A revision's draft, started from the version in force: published as that plan's next
    /// version, each goal it states again word for word as it was reviewed (its name, indicator,
    /// owners and flags; its place in the new text), a goal added by hand then and still in the
    /// text added again; the rest as the rules read it.
    fn start_from_earlier_version(&mut self, earlier: PublishRequest) {
        self.request.plan.slug = earlier.plan.slug.clone();
        self.request.plan.title_en = earlier.plan.title_en.clone();
        self.revision_of = Some(earlier.plan.slug.clone());
        for mut target in earlier.targets {
            let candidate = self.request.targets.iter().position(|c| c.quote == target.quote && c.slug.is_none());
            match candidate {
                Some(index) => {
                    let drafted = &self.request.targets[index];
                    // Lines of the new text: where the rules found the goal, its owners and base.
                    target.line = drafted.line;
                    // Its deadline as the new text gives it (2027年底前 moved to 2028年3月底前
                    // ahead of the same words), unless the rules only fell back on the horizon.
                    if !drafted.deadline_implied {
                        (target.deadline, target.deadline_implied) = (drafted.deadline.clone(), false);
                    }
                    target.owners_line = if drafted.owners.is_empty() { None } else { drafted.owners_line };
                    target.baseline = drafted.baseline.clone();
                    self.request.targets[index] = target;
                    self.accepted[index] = true;
                }
                None => {
                    let Some(at) = self.lines.iter().position(|line| line.contains(&target.quote)) else { continue };
                    target.line = i32::try_from(at + 1).unwrap_or(i32::MAX);
                    (target.owners_line, target.baseline) = (None, None);
                    self.added.push(target);
                }
            }
        }
    }

    /// The form as it was published: each published target in place of the candidate it was made
    /// from (the others not accepted), the ones added by hand after them, its plan and indicators.
    fn start_from(&mut self, published: PublishRequest) {
        self.accepted.iter_mut().for_each(|a| *a = false);
        for target in published.targets {
            let candidate = self
                .request
                .targets
                .iter()
                .enumerate()
                .position(|(index, c)| !self.accepted[index] && c.line == target.line && c.quote == target.quote);
            match candidate {
                Some(index) => {
                    self.request.targets[index] = target;
                    self.accepted[index] = true;
                }
                None => self.added.push(target),
            }
        }
        for indicator in published.indicators {
            match self.request.indicators.iter_mut().find(|i| i.slug == indicator.slug) {
                Some(drafted) => *drafted = indicator,
                None => self.request.indicators.push(indicator),
            }
        }
        self.request.plan = published.plan;
    }

    /// The last day of the plan's horizon, as a new target's deadline starts.
    fn horizon_end(&self) -> String {
        self.request.plan.horizon[1].to_string()
    }
}

/// Empty forms for targets added by hand, after those added already.
const ADDED_SLOTS: usize = 3;

/// A target to be added by hand, before the reviewer fills it in.
fn blank_target(deadline: String) -> TargetInput {
    TargetInput {
        slug: None,
        indicator: None,
        name: String::new(),
        name_en: None,
        kind: "level".to_owned(),
        comparator: Some(">=".to_owned()),
        value: 0.0,
        value_max: None,
        unit: String::new(),
        deadline,
        deadline_implied: false,
        reference_year: None,
        baseline: None,
        stretch: false,
        binding: None,
        cumulative: false,
        owners: Vec::new(),
        owners_line: None,
        line: 0,
        quote: String::new(),
        notes: None,
    }
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
    let fetched = with_conn(&pool, move |conn| {
        let admin = signed_in_admin(conn, session)?;
        let stored = if admin.is_some() { Some(fetch_review(conn, id)?) } else { None };
        Ok((admin, stored))
    })
    .await;
    let loaded = match fetched {
        Ok((admin, Some(stored))) => match web::block(move || build_review(stored)).await.map_err(AppError::from) {
            Ok(review) => untick_rejected(&pool, review).await.map(|review| (admin, Some(review))),
            Err(e) => Err(e),
        },
        Ok((admin, None)) => Ok((admin, None)),
        Err(e) => Err(e),
    };
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
    let accepted = review.accepted.iter().filter(|a| **a).count() + review.added.len();
    let blanks: Vec<TargetInput> = (0..ADDED_SLOTS).map(|_| blank_target(review.horizon_end())).collect();
    let body = html! {
        h1 { (title) }
        @if let Some(slug) = &review.published_slug {
            p.ok { (lang.pick("已发布为 ", "Published as ")) a href={ "/plans/" (slug) } { (slug) } (lang.pick("；再次发布即为新版本。", "; publishing again makes a new version.")) }
        }
        @if let Some(slug) = &review.revision_of {
            p.note {
                (lang.pick("标题与已发布的规划 ", "Its title is that of the published plan "))
                a href={ "/plans/" (slug) } { (slug) }
                (lang.pick(" 相同：按其新版本预填——原文照旧的目标沿用上次审核的内容，发布后成为它的新版本。若不是同一规划，请改规划标识。", ": it is filled in as that plan's next version — goals the text states as before keep their last review, and publishing makes the new version. If it is another plan, change the plan's slug."))
            }
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
                (candidate_fields(lang, index, target, candidate, review.accepted[index], review))
            }
            h2 { (lang.pick("添加规则未找到的目标", "Add a goal the rules missed")) }
            p.note { (lang.pick("从原文逐字复制目标句填入引文；行号可空（按引文查找）；清空引文即不添加。", "Copy the goal's words from the text into the quote; the line may stay empty (found by the quote); an empty quote adds nothing.")) }
            @for (number, target) in review.added.iter().chain(&blanks).enumerate() {
                (added_fields(lang, number, target, review))
            }
            // No count on the button: the page has no script to keep one right as boxes are ticked.
            p.note { (lang.pick("打开本页时勾选了 ", "When this page opened, ")) (accepted) (lang.pick(" 个目标；发布的是提交时勾选的目标。", " targets were ticked; those ticked when it is sent are published.")) }
            button type="submit" { (lang.pick("发布勾选的目标", "Publish the ticked targets")) }
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
    // Counted from the end: the text before a quote can be megabytes.
    match text.char_indices().rev().nth(keep.saturating_sub(1)) {
        Some((0, _)) | None => text.to_owned(),
        Some((start, _)) => format!("…{}", &text[start..]),
    }
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
    review: &Review,
) -> Markup {
    let line = review.lines.get(candidate.found.line.saturating_sub(1)).map(String::as_str).unwrap_or("");
    let (before, after) = line.split_once(target.quote.as_str()).unwrap_or((line, ""));
    let (before, after) = (tail_of(before, CONTEXT_CHARS), head_of(after, CONTEXT_CHARS));
    let prefix = format!("c{index}");
    html! {
        fieldset.candidate {
            legend {
                (lang.pick("第 ", "Line ")) (candidate.found.line) (lang.pick(" 行", ""))
                " · " (lang.pick("把握 ", "confidence ")) (format!("{:.0}%", candidate.found.confidence * 100.0))
            }
            // The plan's sentence as written: Chinese, on an English page too.
            blockquote lang="zh-CN" { (before) mark { (target.quote) } (after) }
            input type="hidden" name={ (prefix) ".line" } value=(target.line);
            input type="hidden" name={ (prefix) ".quote" } value=(target.quote);
            label.wide { input type="checkbox" name={ (prefix) ".accept" } value="on" checked[accepted]; " " (lang.pick("采纳", "Accept")) }
            (target_fields(lang, &prefix, target, new_indicator_of(review, target), false))
        }
    }
}

/// A target added by hand: its quote and line typed in, then the fields of any target.
fn added_fields(lang: PageLang, number: usize, target: &TargetInput, review: &Review) -> Markup {
    let prefix = format!("a{number}");
    let id = |name: &str| format!("{prefix}-{name}");
    let line = if target.line > 0 { target.line.to_string() } else { String::new() };
    html! {
        fieldset.candidate {
            legend { (lang.pick("添加的目标 ", "Added target ")) (number + 1) }
            div.field.wide {
                label for=(id("quote")) { (lang.pick("引文（从原文逐字复制目标句；清空即不添加）", "Quote (the goal's words copied from the text; empty: not added)")) }
                input id=(id("quote")) type="text" name={ (prefix) ".quote" } value=(target.quote) lang="zh-CN";
            }
            div.field {
                label for=(id("line")) { (lang.pick("行号（可空：按引文查找）", "Line (empty: found by the quote)")) }
                input id=(id("line")) type="text" inputmode="numeric" name={ (prefix) ".line" } value=(line);
            }
            (target_fields(lang, &prefix, target, new_indicator_of(review, target), true))
        }
    }
}

/// The new indicator a target measures, when it measures one the publication defines.
fn new_indicator_of<'a>(review: &'a Review, target: &TargetInput) -> Option<&'a IndicatorInput> {
    let slug = target.indicator.as_deref()?;
    review.request.indicators.iter().find(|i| i.slug == slug)
}

/// The fields every target has, named `{prefix}.{field}`; the flags and the base figure folded
/// away under "more". A new indicator's name and direction are asked where the target measures
/// one (and always for a target added by hand, whose indicator may be new).
fn target_fields(
    lang: PageLang,
    prefix: &str,
    target: &TargetInput,
    new_indicator: Option<&IndicatorInput>,
    added: bool,
) -> Markup {
    let field = |name: &str| format!("{prefix}.{name}");
    let id = |name: &str| format!("{prefix}-{name}");
    let text = |name: &str, label: &str, value: String, numeric: bool| {
        html! {
            div.field {
                label for=(id(name)) { (label) }
                input id=(id(name)) type="text" inputmode=[numeric.then_some("decimal")] name=(field(name)) value=(value);
            }
        }
    };
    let yes_no = |name: &str, label: &str, value: bool, yes: &str| {
        html! {
            div.field {
                label for=(id(name)) { (label) }
                select id=(id(name)) name=(field(name)) {
                    option value="no" selected[!value] { (lang.pick("否", "no")) }
                    option value="yes" selected[value] { (yes) }
                }
            }
        }
    };
    let baseline = target.baseline.as_ref();
    html! {
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
        (text("value", lang.pick("目标值", "Value"), if added && target.quote.is_empty() { String::new() } else { target.value.to_string() }, true))
        (text("value_max", lang.pick("上限（区间）", "Upper bound (range)"), target.value_max.map(|v| v.to_string()).unwrap_or_default(), true))
        (text("unit", lang.pick("单位（按原文）", "Unit (as written)"), target.unit.clone(), false))
        (text("deadline", lang.pick("期限（年或日期）", "Deadline (year or date)"), target.deadline.clone(), false))
        div.field {
            label for=(id("indicator")) {
                (lang.pick("指标标识（里程碑可空）", "Indicator slug (a milestone may leave it empty)"))
                @if let Some(new) = new_indicator.filter(|_| target.kind != "milestone") { " · " (lang.pick("新指标：", "new: ")) (new.name) }
            }
            input id=(id("indicator")) type="text" list="indicators" name=(field("indicator")) value=(target.indicator.as_deref().unwrap_or(""));
        }
        @if new_indicator.is_some() || added {
            (text("new_name", lang.pick("新指标名称（指标为新时）", "New indicator's name (when it is new)"), new_indicator.map(|i| i.name.clone()).unwrap_or_default(), false))
            // A change in percent says nothing of what is counted (翻一番 of 智慧养老院数量 is in 家).
            (text("new_unit", lang.pick("新指标计量单位（上传的数据用此单位）", "New indicator's unit (figures are uploaded in it)"), new_indicator.map(|i| i.unit.clone()).unwrap_or_default(), false))
            div.field {
                label for=(id("new_lower")) { (lang.pick("新指标方向", "New indicator's direction")) }
                select id=(id("new_lower")) name=(field("new_lower")) {
                    @let lower = new_indicator.is_some_and(|i| !i.higher_is_better);
                    option value="no" selected[!lower] { (lang.pick("越大越好", "higher is better")) }
                    option value="yes" selected[lower] { (lang.pick("越小越好", "lower is better")) }
                }
            }
        }
        (text("owners", lang.pick("责任单位（顿号分隔，牵头在前）", "Owners (separated by 、, the lead first)"), target.owners.join("、"), false))
        (text("owners_line", lang.pick("责任单位所在行（原文行号；留空则取最近一处列出这些单位的行）", "Line naming the owners (empty: the nearest line that names them)"), target.owners_line.map(|l| l.to_string()).unwrap_or_default(), true))
        details.more {
            summary { (lang.pick("更多：累计、力争、约束性、参照年份、基期值、英文名称", "More: cumulative, stretch, binding, reference year, baseline, English name")) }
            div {
                (yes_no("cumulative", lang.pick("累计（规划期内合计）", "Cumulative (summed over the horizon)"), target.cumulative, lang.pick("是，累计", "yes, cumulative")))
                (yes_no("stretch", lang.pick("力争（挑战性目标）", "Stretch (力争)"), target.stretch, lang.pick("是，力争", "yes, stretch")))
                div.field {
                    label for=(id("binding")) { (lang.pick("约束性／预期性", "Binding or expected")) }
                    select id=(id("binding")) name=(field("binding")) {
                        option value="" selected[target.binding.is_none()] { (lang.pick("未注明", "not stated")) }
                        option value="yes" selected[target.binding == Some(true)] { (lang.pick("约束性", "binding")) }
                        option value="no" selected[target.binding == Some(false)] { (lang.pick("预期性", "expected")) }
                    }
                }
                (text("reference_year", lang.pick("参照年份（比某年下降／提高）", "Reference year (change against)"), target.reference_year.map(|y| y.to_string()).unwrap_or_default(), true))
                (text("baseline_value", lang.pick("基期值", "Baseline value"), baseline.map(|b| b.value.to_string()).unwrap_or_default(), true))
                (text("baseline_year", lang.pick("基期年份", "Baseline year"), baseline.map(|b| b.year.to_string()).unwrap_or_default(), true))
                (text("baseline_line", lang.pick("基期值所在行", "Line stating the baseline"), baseline.map(|b| b.line.to_string()).unwrap_or_default(), true))
                (text("name_en", lang.pick("英文名称", "English name"), target.name_en.clone().unwrap_or_default(), false))
            }
        }
    }
}

/// The posted fields by name, trimmed.
struct Posted<'a>(HashMap<&'a str, &'a str>);

impl Posted<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).map(|v| v.trim().to_owned())
    }
}

/// What the reviewer typed about a new indicator: its name and whether lower is better.
#[derive(Default)]
struct NewIndicatorEdit {
    name: Option<String>,
    unit: Option<String>,
    lower_is_better: Option<bool>,
}

/// The posted form applied to the draft's starting point: which candidates are accepted, their
/// fields as edited, the targets added by hand and the new indicators' names. A number that does
/// not read stays as drafted and is reported.
fn apply_form(
    review: &mut Review,
    fields: &[(String, String)],
    lang: crate::present::Lang,
    problems: &mut Vec<String>,
) {
    let not_year = lang.pick("不是年份", "not a year");
    let posted = Posted(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect());
    let plan = &mut review.request.plan;
    if let Some(v) = posted.get("plan.slug") {
        plan.slug = v;
    }
    if let Some(v) = posted.get("plan.title") {
        plan.title = v;
    }
    // As a target's fields: one left out keeps its value, one emptied clears it.
    for (key, value) in [
        ("plan.title_en", &mut plan.title_en),
        ("plan.doc_number", &mut plan.doc_number),
        ("plan.issued", &mut plan.issued),
    ] {
        if let Some(v) = posted.get(key) {
            *value = Some(v).filter(|v| !v.is_empty());
        }
    }
    for (slot, key) in [(0, "plan.from"), (1, "plan.to")] {
        match posted.get(key).map(|v| v.parse::<i32>()) {
            Some(Ok(year)) => plan.horizon[slot] = year,
            Some(Err(_)) => problems.push(format!("{key}: {not_year}")),
            None => {}
        }
    }
    let mut new_indicators: Vec<(String, NewIndicatorEdit)> = Vec::new();
    for index in 0..review.request.targets.len() {
        let prefix = format!("c{index}");
        review.accepted[index] = posted.get(&format!("{prefix}.accept")).is_some();
        let target = &mut review.request.targets[index];
        apply_target(&posted, &prefix, target, &review.lines, lang, problems);
        if review.accepted[index] {
            new_indicators.extend(new_indicator_edit(&posted, &prefix, target));
        }
    }
    // Every slot posted, those added before and the empty ones; a slot without a quote adds nothing.
    let horizon_end = review.horizon_end();
    let mut added = Vec::new();
    for number in 0..review.added.len() + ADDED_SLOTS {
        let prefix = format!("a{number}");
        let Some(quote) = posted.get(&format!("{prefix}.quote")).filter(|q| !q.is_empty()) else { continue };
        let mut target = review.added.get(number).cloned().unwrap_or_else(|| blank_target(horizon_end.clone()));
        target.quote = quote;
        target.line = added_line(&posted, &prefix, &target.quote, &review.lines, lang, problems);
        if target.name.is_empty() {
            target.name = publish::name_from_quote(&target.quote);
        }
        if posted.get(&format!("{prefix}.value")).is_some_and(|v| v.is_empty()) && target.kind != "milestone" {
            problems.push(format!("{prefix}.value: {}", lang.pick("必填", "required")));
        }
        apply_target(&posted, &prefix, &mut target, &review.lines, lang, problems);
        if target.kind == "milestone" && target.unit.is_empty() {
            // A milestone is measured in percent complete, done at 100.
            (target.value, target.unit) = (100.0, "%".to_owned());
        }
        // A numeric goal added with its indicator left empty measures a new one, named as typed
        // (or after the goal): the reviewer is not asked to invent a slug.
        if target.kind != "milestone" && target.indicator.is_none() {
            let named = posted.get(&format!("{prefix}.new_name")).filter(|n| !n.is_empty());
            let name = named.unwrap_or_else(|| target.name.clone());
            target.indicator = Some(intake::extract::new_indicator_slug(target.line, &name));
        }
        new_indicators.extend(new_indicator_edit(&posted, &prefix, &target));
        added.push(target);
    }
    review.added = added;
    define_new_indicators(review, new_indicators);
}

/// One target's fields as posted under `prefix`. A field left out keeps its value; a field
/// emptied clears it.
fn apply_target(
    posted: &Posted<'_>,
    prefix: &str,
    target: &mut TargetInput,
    lines: &[String],
    lang: crate::present::Lang,
    problems: &mut Vec<String>,
) {
    let not_number = lang.pick("不是数值", "not a number");
    let field = |name: &str| posted.get(&format!("{prefix}.{name}"));
    let number = |name: &str, problems: &mut Vec<String>| -> Option<Option<f64>> {
        let v = field(name)?;
        if v.is_empty() {
            return Some(None);
        }
        match v.parse::<f64>() {
            Ok(value) if value.is_finite() => Some(Some(value)),
            _ => {
                problems.push(format!("{prefix}.{name} «{v}»: {not_number}"));
                None
            }
        }
    };
    let whole = |value: f64| (value.fract() == 0.0 && value.abs() < 1e7).then_some(value as i32);
    if let Some(v) = field("name").filter(|v| !v.is_empty()) {
        target.name = v;
    }
    if let Some(v) = field("name_en") {
        target.name_en = Some(v).filter(|v| !v.is_empty());
    }
    if let Some(v) = field("kind") {
        target.kind = v;
    }
    if let Some(v) = field("comparator") {
        target.comparator = Some(v).filter(|v| !v.is_empty());
    }
    if let Some(Some(value)) = number("value", problems) {
        target.value = value;
    }
    if let Some(value_max) = number("value_max", problems) {
        target.value_max = value_max;
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
        target.owners =
            v.split(['、', ',', '，', ';', '；']).map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect();
    }
    if let Some(line) = number("owners_line", problems) {
        target.owners_line = line.and_then(whole);
    }
    for (name, flag) in [("cumulative", &mut target.cumulative), ("stretch", &mut target.stretch)] {
        if let Some(v) = field(name) {
            *flag = v == "yes";
        }
    }
    if let Some(v) = field("binding") {
        target.binding = match v.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
    }
    if let Some(year) = number("reference_year", problems) {
        target.reference_year = year.and_then(whole);
    }
    let baseline =
        [number("baseline_value", problems), number("baseline_year", problems), number("baseline_line", problems)];
    match baseline {
        [Some(None), Some(None), Some(None)] => target.baseline = None,
        [Some(Some(value)), Some(Some(year)), Some(Some(line))] => match (whole(year), whole(line)) {
            (Some(year), Some(line)) => target.baseline = Some(publish::BaselineInput { value, year, line }),
            _ => problems.push(format!(
                "{prefix}.baseline: {}",
                lang.pick("年份和行号须为整数", "the year and line must be whole numbers")
            )),
        },
        [None, None, None] => {}
        _ => problems.push(format!(
            "{prefix}.baseline: {}",
            lang.pick(
                "基期值、基期年份和所在行须一起填写或一起留空",
                "the baseline's value, year and line go together, or all empty"
            )
        )),
    }
    // Owners typed for a goal whose sentence names none (a 主要目标 paragraph): cited from the
    // nearest line that names them all, as the catalog asks of every owner.
    if !target.owners.is_empty() && target.owners_line.is_none() {
        target.owners_line = nearest_line_naming(lines, target.line, &target.owners);
        if target.owners_line.is_none() {
            problems.push(format!(
                "{prefix}.owners «{}»: {}",
                target.owners.join("、"),
                lang.pick(
                    "原文中没有一行同时写有这些单位：请填写列出它们的行号（单位须照原文写法），或删去原文未写的单位",
                    "no line of the text names all these units: type the line that lists them (as written there), or leave out those the text does not name"
                )
            ));
        }
    }
}

/// The line of a target added by hand: as typed, or the one line whose text holds the quote.
fn added_line(
    posted: &Posted<'_>,
    prefix: &str,
    quote: &str,
    lines: &[String],
    lang: crate::present::Lang,
    problems: &mut Vec<String>,
) -> i32 {
    if let Some(typed) = posted.get(&format!("{prefix}.line")).filter(|l| !l.is_empty()) {
        return match typed.parse::<i32>() {
            Ok(line) => line,
            Err(_) => {
                problems.push(format!("{prefix}.line «{typed}»: {}", lang.pick("不是行号", "not a line number")));
                0
            }
        };
    }
    let holding: Vec<i32> = lines
        .iter()
        .enumerate()
        .filter(|(_, text)| text.contains(quote))
        .map(|(index, _)| index as i32 + 1)
        .take(5)
        .collect();
    match holding.as_slice() {
        [line] => *line,
        [] => {
            problems.push(format!(
                "{prefix}.quote «{quote}»: {}",
                lang.pick(
                    "原文中没有这段文字：请从原文逐字复制",
                    "these words are not in the text: copy them word for word"
                )
            ));
            0
        }
        several => {
            let listed = several.iter().map(i32::to_string).collect::<Vec<_>>().join("、");
            problems.push(format!(
                "{prefix}.quote «{quote}»: {}{listed}",
                lang.pick("这段文字出现在多行，请填写行号：", "these words are on several lines, type the line: ")
            ));
            0
        }
    }
}

/// What the reviewer typed about the new indicator a target measures, if it measures one.
fn new_indicator_edit(posted: &Posted<'_>, prefix: &str, target: &TargetInput) -> Option<(String, NewIndicatorEdit)> {
    let slug = target.indicator.clone().filter(|_| target.kind != "milestone")?;
    let edit = NewIndicatorEdit {
        name: posted.get(&format!("{prefix}.new_name")).filter(|n| !n.is_empty()),
        unit: posted.get(&format!("{prefix}.new_unit")).map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()),
        lower_is_better: posted.get(&format!("{prefix}.new_lower")).map(|v| v == "yes"),
    };
    Some((slug, edit))
}

/// The new indicators as the accepted targets use them: renamed and turned as typed, and defined
/// for a slug the reviewer typed that is neither known nor drafted (named after its first target,
/// in that target's unit).
fn define_new_indicators(review: &mut Review, edits: Vec<(String, NewIndicatorEdit)>) {
    for (slug, edit) in edits {
        if review.indicators.iter().any(|known| known.slug == slug) {
            continue;
        }
        let index = match review.request.indicators.iter().position(|i| i.slug == slug) {
            Some(index) => index,
            None => {
                let first =
                    review.request.targets.iter().chain(&review.added).find(|t| t.indicator.as_deref() == Some(&slug));
                let Some(first) = first else { continue };
                review.request.indicators.push(publish::IndicatorInput {
                    slug: slug.clone(),
                    name: first.name.clone(),
                    name_en: None,
                    unit: crate::domain::indicator_unit(&first.unit).to_owned(),
                    higher_is_better: !matches!(first.comparator.as_deref(), Some("<=" | "<")),
                });
                review.request.indicators.len() - 1
            }
        };
        let indicator = &mut review.request.indicators[index];
        if let Some(name) = edit.name {
            indicator.name = name;
        }
        if let Some(unit) = edit.unit {
            indicator.unit = unit;
        }
        if let Some(lower) = edit.lower_is_better {
            indicator.higher_is_better = !lower;
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

/// The publication: the accepted targets and those added by hand, and the new indicators they
/// use. A target keeps the name it was published under while the plan keeps its slug.
fn accepted_request(review: &Review) -> PublishRequest {
    let plan = review.request.plan.clone();
    let own_name = format!("{}-", plan.slug);
    let targets: Vec<TargetInput> = review
        .request
        .targets
        .iter()
        .zip(&review.accepted)
        .filter(|(_, accepted)| **accepted)
        .map(|(t, _)| t)
        .chain(&review.added)
        .map(|t| TargetInput { slug: t.slug.clone().filter(|s| s.starts_with(&own_name)), ..t.clone() })
        .collect();
    let indicators = review
        .request
        .indicators
        .iter()
        .filter(|i| targets.iter().any(|t| t.indicator.as_deref() == Some(i.slug.as_str())))
        .cloned()
        .collect();
    PublishRequest { plan, indicators, targets }
}

/// The name a published plan's text is stored under (`x.v2.txt`), at the start of a problem.
static STORED_TEXT_NAME: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"^[a-z0-9-]+\.v\d+\.txt ").unwrap());

/// A problem of the publication as the reviewer knows the plan: "第 19 行的目标（责任单位）：…"
/// rather than the catalog's "target draft-1 owners: …".
fn problem_text(problem: &serde_json::Value, request: &PublishRequest, lang: crate::present::Lang) -> String {
    let zh = lang == crate::present::Lang::Zh;
    let text = |key: &str| problem[key].as_str().unwrap_or_default();
    let plan = request.plan.slug.trim();
    let slugs = publish::target_slugs(plan, &request.targets);
    // The line the publication located it by, else the target's place among the slugs it would take.
    let target_line = |slug: &str| {
        problem["line"]
            .as_i64()
            .and_then(|l| i32::try_from(l).ok())
            .or_else(|| request.targets.iter().zip(&slugs).find_map(|(t, own)| (own == slug).then_some(t.line)))
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
    // The stored text is named after the plan's slug and version (x.v2.txt): to the reviewer it
    // is the text on this page.
    let reason_zh = STORED_TEXT_NAME.replace(text("reason_zh"), "原文");
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
        format!("{what}（{label}）：{reason_zh}")
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
