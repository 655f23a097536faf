//! `/uploads`: the upload history and a form that previews a CSV (a dry run) before committing it.
//!
//! The form works without script: the preview page carries the file back in a hidden field, so
//! the commit sends exactly the bytes that were previewed (checked by their SHA-256), and every
//! replica can take either step. Writes need an uploader: signed in once on this browser (the
//! session cookie), or a token typed into the form; the form is guarded against other sites as
//! every form is (`forms`), signed in or not.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use maud::{Markup, html};

use super::forms::{FormData, csrf_cookie, csrf_value, form_of, session_of};
use super::layout::{self, dash, header_row};
use super::pages::{LangQuery, Reads, parse_query, render};
use super::{Ctx, PageLang, error_page, html as html_page, html_with};
use crate::db::models::UploadSummaryRow;
use crate::db::{DbConn, DbPool, actuals};
use crate::error::{AppError, Said};
use crate::ingest::{self, Encoding, IngestError, IngestReport, Problems, UploadRequest};
use crate::server::auth::{Caller, Role, session_caller};
use crate::server::{AppState, with_conn, with_conn_heavy, within};

/// How many uploads the history lists, newest first.
const LISTED_UPLOADS: usize = 200;
/// How many changes a preview lists (the counts are always complete).
const PREVIEW_ROWS: usize = 200;

fn parse_encoding(raw: &str) -> Result<Option<Encoding>, AppError> {
    match raw {
        "" | "auto" => Ok(None),
        other => other.parse().map(Some).map_err(|reason: String| {
            AppError::bad_parameter("encoding", format!("未知的编码“{other}”：请选 utf-8 或 gb18030"), reason)
        }),
    }
}

/// `GET /uploads`: the form and every upload, newest first.
pub(super) async fn history(req: HttpRequest, pool: web::Data<DbPool>, state: web::Data<AppState>) -> HttpResponse {
    let ctx = Ctx::of(&req);
    if let Err(e) = parse_query::<LangQuery>(&req) {
        return error_page(&ctx, &e);
    }
    let (csrf, fresh) = match csrf_value(&req) {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, &e),
    };
    let page_ctx = ctx.clone();
    let token = csrf.clone();
    let session = session_of(&req);
    let page = with_conn(&pool, move |conn| {
        let signed_in = match session {
            Some(session) => session_caller(conn, &session, crate::now())?.filter(|c| c.role >= Role::Uploader),
            None => None,
        };
        history_page(&page_ctx, conn, &token, signed_in.as_ref())
    })
    .await;
    match page {
        Ok(body) => {
            let mut response = HttpResponse::Ok();
            if fresh {
                response.cookie(csrf_cookie(&csrf, state.cookie_secure));
            }
            html_with(ctx.lang, response, body)
        }
        Err(e) => error_page(&ctx, &e),
    }
}

/// The form; a known uploader (signed in, or whose token came with the last form: `token`) is
/// not asked again.
fn upload_form(lang: PageLang, csrf: &str, signed_in: Option<(&Caller, Option<String>)>, token: &str) -> Markup {
    html! {
        form.stack method="post" action="/uploads/preview" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(csrf);
            @match signed_in {
                Some((caller, department)) => {
                    p.ok {
                        (lang.pick("已登录为 ", "Signed in as ")) (caller.name)
                        @if let Some(d) = department { (lang.pick("（", " (")) (d) (lang.pick("）", ")")) }
                        (lang.pick("：无需再输入令牌。", ": no token needed."))
                    }
                    input type="hidden" name="token" value=(token);
                }
                None => {
                    label for="token" { (lang.pick("上传令牌（须有上传权限，必填）", "Upload token (uploader role; required)")) }
                    input #token type="password" name="token" required autocomplete="off";
                    p.note {
                        a href="/signin?next=%2Fuploads" { (lang.pick("用令牌登录一次", "Sign in once with the token")) }
                        (lang.pick("，之后在本浏览器上传无需每次输入。", " and this browser uploads without typing it again."))
                    }
                }
            }
            label for="file" { (lang.pick("CSV 或 Excel 文件（必填；指标、期间、数值，可选地区、单位、备注、来源；或每个期间一列）", "CSV or Excel file (required; indicator, period, value; optional region, unit, note, source; or one column per period)")) }
            input #file type="file" name="file" accept=".csv,.txt,.xlsx,.xls,.ods,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.ms-excel,application/vnd.oasis.opendocument.spreadsheet" required;
            label for="sheet" { (lang.pick("工作表（Excel 文件；留空则读取有表头的可见工作表）", "Sheet (Excel files; empty: the visible one with a header)")) }
            input #sheet type="text" name="sheet" autocomplete="off";
            label for="encoding" { (lang.pick("编码", "Encoding")) }
            select #encoding name="encoding" {
                option value="auto" { (lang.pick("自动识别（UTF-8 或 GB18030）", "detect (UTF-8 or GB18030)")) }
                option value="utf-8" { "UTF-8" }
                option value="gb18030" { "GB18030 / GBK" }
            }
            button type="submit" { (lang.pick("预览（不写入）", "Preview (writes nothing)")) }
        }
    }
}

/// The department an uploader is limited to, by its name (not its slug).
fn department_name<'a>(
    departments: impl IntoIterator<Item = &'a crate::db::models::DepartmentRow>,
    caller: &Caller,
    lang: PageLang,
) -> Option<String> {
    let slug = caller.department.as_deref()?;
    let row = departments.into_iter().find(|d| d.slug == slug);
    Some(row.map_or_else(|| slug.to_owned(), |d| lang.lang.pick(&d.name, &d.name_en).to_owned()))
}

pub fn history_page(ctx: &Ctx, conn: &mut DbConn, csrf: &str, signed_in: Option<&Caller>) -> Result<Markup, AppError> {
    let lang = ctx.lang;
    let uploads = actuals::list_uploads(conn, LISTED_UPLOADS as i64, None)?;
    let total = actuals::count_uploads(conn)? as usize;
    let title = lang.pick("数据上传", "Uploads");
    let departments = crate::db::queries::list_departments(conn)?;
    let content = html! {
        h1 { (title) }
        section aria-labelledby="new" {
            h2 #new { (lang.pick("上传数据文件", "Upload a file")) }
            p { (lang.pick("先预览：逐行检查并列出新增、修订和不变的数值，确认后再写入。", "Preview first: every row is checked and the new, revised and unchanged values are listed; then commit.")) }
            (upload_form(lang, csrf, signed_in.map(|caller| (caller, department_name(&departments, caller, lang))), ""))
        }
        section aria-labelledby="history" {
            h2 #history { (lang.pick("上传记录", "Upload history")) " " span.muted { (total) } }
            @if total > uploads.len() {
                p.note {
                    (lang.pick("列出最近 ", "The newest ")) (uploads.len()) (lang.pick(" 次；全部记录见 ", " are listed; all of them: "))
                    a href="/api/v1/uploads" { "/api/v1/uploads" }
                }
            }
            (uploads_table(lang, &uploads))
        }
    };
    Ok(layout::page(ctx, title, content))
}

fn outcome_label(outcome: &str, lang: PageLang) -> &'static str {
    match outcome {
        "committed" => lang.pick("已写入", "committed"),
        "rejected" => lang.pick("已拒绝", "rejected"),
        _ => lang.pick("其他", "other"),
    }
}

fn uploads_table(lang: PageLang, uploads: &[UploadSummaryRow]) -> Markup {
    html! {
        div.scroll tabindex="0" role="region" aria-label=(lang.pick("上传记录", "Uploads")) { table {
            (layout::caption(lang.pick("上传记录，最新的在前", "Uploads, newest first")))
            (header_row(lang, &[
                ("#", "#"), ("文件", "File"), ("时间", "Time"), ("上传者", "By"), ("途径", "Channel"),
                ("行数", "Rows"), ("新增 / 修订 / 不变", "New / revised / unchanged"), ("结果", "Outcome"),
            ]))
            tbody {
                @for u in uploads {
                    tr {
                        th.num scope="row" { a href={ "/uploads/" (u.id) } { (u.id) } }
                        td { (u.file_name) }
                        td.num { (crate::clock::shown(u.received_at)) }
                        td { (u.uploaded_by) }
                        td { (channel_label(&u.channel, lang)) }
                        td.num { (u.rows_total) }
                        td.num { (u.rows_new) " / " (u.rows_revised) " / " (u.rows_unchanged) }
                        td { span class={ "outcome o-" (u.outcome) } { (outcome_label(&u.outcome, lang)) } }
                    }
                }
            }
        } }
    }
}

/// The problems of a file: counted by kind, then the first ones row by row.
fn errors_table(lang: PageLang, problems: &Problems) -> Markup {
    let zh = lang.lang == crate::present::Lang::Zh;
    let errors = &problems.errors;
    html! {
        @if problems.truncated {
            p.error {
                (lang.pick("共 ", "")) strong { (problems.total) } (lang.pick(" 个问题，下面列出前 ", " problems; the first ")) (errors.len()) (lang.pick(" 个。按类型统计：", " are listed below. By kind:"))
            }
        } @else if problems.summary.len() > 1 {
            p.error { (lang.pick("按类型统计：", "By kind:")) }
        }
        @if problems.truncated || problems.summary.len() > 1 {
            ul.counts {
                @for c in &problems.summary {
                    li {
                        (c.count) " × " (column_shown(c.column.as_deref(), lang))
                        // The reason is the first one's (its cell's text): the others differ.
                        @if c.count > 1 { (lang.pick("，第一处：", "; the first: ")) } @else { (lang.pick("：", ": ")) }
                        (if zh { &c.reason_zh } else { &c.reason })
                    }
                }
            }
        }
        div.scroll tabindex="0" role="region" aria-label=(lang.pick("问题清单", "Problems")) { table.errors {
            caption { (lang.pick("问题清单（未写入任何数据）", "Problems (nothing was written)")) }
            (header_row(lang, &[("行", "Line"), ("列", "Column"), ("原值", "Value"), ("原因", "Reason")]))
            tbody {
                @for e in errors {
                    tr {
                        td.num {
                            @if let Some(sheet) = &e.sheet { (sheet) " " }
                            @if let Some(cell) = &e.cell { (cell) } @else if e.line == 0 { (lang.pick("整个文件", "file")) } @else { (e.line) }
                        }
                        td { (column_shown(e.column.as_deref(), lang)) }
                        td { code { (dash(e.value.clone())) } }
                        td { (e.reason_in(zh)) }
                    }
                }
            }
        } }
    }
}

/// How an upload came: 网页, 接口, 命令行, 收件目录, 初始数据.
fn channel_label(channel: &str, lang: PageLang) -> String {
    let zh = match channel {
        "http" => "接口",
        "web" => "网页",
        "cli" => "命令行",
        "inbox" => "收件目录",
        "seed" => "初始数据",
        other => other,
    };
    if lang.lang == crate::present::Lang::Zh { zh.to_owned() } else { channel.to_owned() }
}

/// A column as the template heads it (数值, 地区 …), or as the API names it on an English page.
fn column_shown(column: Option<&str>, lang: PageLang) -> String {
    let Some(column) = column else { return "—".to_owned() };
    let zh = ingest::column_zh(column).unwrap_or(column);
    if lang.lang == crate::present::Lang::Zh { zh.to_owned() } else { column.to_owned() }
}

fn counts_line(lang: PageLang, report: &IngestReport) -> Markup {
    html! {
        ul.counts {
            li { (lang.pick("共 ", "")) strong { (report.rows_total) } (lang.pick(" 行", " rows")) }
            li { (lang.pick("新增 ", "new ")) strong { (report.rows_new) } }
            li { (lang.pick("修订 ", "revised ")) strong { (report.rows_revised) } }
            li { (lang.pick("不变 ", "unchanged ")) strong { (report.rows_unchanged) } }
            @if report.rows_unfilled > 0 {
                li { (lang.pick("未填数值而略过 ", "passed over without a value ")) strong { (report.rows_unfilled) } (lang.pick(" 行", " rows")) }
            }
        }
    }
}

/// An upload form, read only as far as it deserves: its secret and token are checked before its
/// file is read, and the file is read in one of the slots for heavy work, within the body timeout.
struct UploadForm {
    caller: Caller,
    form: FormData,
    _slot: crate::server::WorkSlot,
}

async fn read_upload_form(
    req: &HttpRequest,
    payload: web::Payload,
    pool: &web::Data<DbPool>,
    state: &AppState,
    limit: usize,
) -> Result<UploadForm, AppError> {
    within(state.body_timeout, async {
        let (caller, reader) = form_of(req, payload, pool, limit, Role::Uploader).await?;
        let (form, slot) = state.received(caller.token_id, reader.finish()).await?;
        Ok(UploadForm { caller, form, _slot: slot })
    })
    .await
}

/// Runs the form's file through the upload path (a dry run or the commit).
async fn run_ingest(
    req: &HttpRequest,
    pool: &web::Data<DbPool>,
    state: &web::Data<AppState>,
    upload: &UploadForm,
    file_name: String,
    bytes: Vec<u8>,
    dry_run: bool,
) -> Result<Result<IngestReport, IngestError>, AppError> {
    let encoding = parse_encoding(&upload.form.encoding)?;
    let sheet = Some(upload.form.sheet.trim().to_owned()).filter(|s| !s.is_empty());
    let regions = state.regions.clone();
    let uploaded_by = upload.caller.name.clone();
    let allowed_indicators = upload.caller.department.as_deref().map(|d| state.judged.indicators_reported_by(d));
    let (budget, watch) = crate::server::client::budget_for(req, state.work_budget);
    let result = with_conn_heavy(pool, move |conn| {
        let request = UploadRequest {
            file_name,
            bytes,
            uploaded_by,
            channel: "web".to_owned(),
            encoding,
            sheet,
            dry_run,
            inbox_claim: None,
            allowed_indicators,
        };
        Ok(ingest::ingest(conn, &request, &regions, crate::now(), &budget))
    })
    .await;
    watch.finished();
    result
}

/// An upload that did not finish, as the error a page shows.
fn ingest_failed(e: IngestError) -> AppError {
    match e {
        IngestError::Invalid { upload_id, problems } => AppError::InvalidUpload { upload_id, problems },
        IngestError::NotYours { problems } => AppError::NotYours { problems },
        IngestError::Stopped(stopped) => AppError::TooSlow(Said::new(stopped.zh(), stopped.to_string())),
        IngestError::ClaimedElsewhere => {
            AppError::Internal(anyhow::anyhow!("an upload from a form claimed an inbox file"))
        }
        IngestError::Db(e) => e.into(),
    }
}

/// The form's limit: the upload limit, plus room for base64 and the other fields.
fn form_limit(state: &AppState) -> usize {
    state.upload_limit_bytes / 3 * 4 + 64 * 1024
}

/// `POST /uploads/preview`: a dry run; the errors row by row, or what would change and a button to commit.
pub(super) async fn preview(
    req: HttpRequest,
    payload: web::Payload,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let ctx = Ctx::of(&req);
    let upload = match read_upload_form(&req, payload, &pool, &state, state.upload_limit_bytes + 64 * 1024).await {
        Ok(upload) => upload,
        Err(e) => return error_page(&ctx, &e),
    };
    let form = &upload.form;
    let Some(bytes) = form.file.clone().filter(|b| !b.is_empty()) else {
        return error_page(&ctx, &AppError::bad_parameter("file", "请选择一个 CSV 文件", "choose a CSV file"));
    };
    let file_name = form.file_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| "upload.csv".to_owned());
    let content = BASE64.encode(&bytes);
    let sha256 = ingest::sha256_hex(&bytes);
    let result = match run_ingest(&req, &pool, &state, &upload, file_name.clone(), bytes, true).await {
        Ok(result) => result,
        Err(e) => return error_page(&ctx, &e),
    };
    let lang = ctx.lang;
    let title = lang.pick("上传预览", "Upload preview");
    let (status, body) = match result {
        Err(IngestError::Invalid { problems, .. }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            html! {
                h1 { (title) ": " (file_name) }
                p.error { (lang.pick("文件有问题，未写入任何数据。请修改后重新上传。", "The file has problems; nothing was written. Correct them and upload again.")) }
                (errors_table(lang, &problems))
                (as_read(lang, &problems.first_rows, None, problems.first_rows.len()))
                h2 { (lang.pick("重新上传", "Upload again")) }
                (upload_form(lang, &form.csrf, Some((&upload.caller, department_name(state.judged.departments().iter().map(AsRef::as_ref), &upload.caller, lang))), &form.token))
            },
        ),
        Err(IngestError::NotYours { problems }) => (
            StatusCode::FORBIDDEN,
            html! {
                h1 { (title) ": " (file_name) }
                p.error {
                    (lang.pick("以下各行是你的部门不负责报送的指标，未写入任何数据。", "These rows are figures your department does not report; nothing was written."))
                }
                (errors_table(lang, &problems))
                h2 { (lang.pick("重新上传", "Upload again")) }
                (upload_form(lang, &form.csrf, Some((&upload.caller, department_name(state.judged.departments().iter().map(AsRef::as_ref), &upload.caller, lang))), &form.token))
            },
        ),
        Err(e) => return error_page(&ctx, &ingest_failed(e)),
        Ok(report) => (
            StatusCode::OK,
            html! {
                h1 { (title) ": " (file_name) }
                @if report.duplicate {
                    p { (lang.pick("这个文件已经上传过（内容相同），不会有任何变化：", "This file was uploaded before (same bytes); nothing would change: "))
                        @if let Some(id) = report.upload_id { a href={ "/uploads/" (id) } { "#" (id) } } }
                } @else {
                    p.ok { (lang.pick("检查通过。确认后写入：", "Every row passed. Commit to write:")) }
                    @if report.rows_doubtful > 0 {
                        p.error {
                            (lang.pick("其中 ", "")) (report.rows_doubtful)
                            (lang.pick(" 个数值看起来有误，请先核对下表中标“请核对”的行再确认（确认后照样写入）。", " values look wrong: check the rows marked “check” below before you commit (they are written as they are if you do)."))
                        }
                    }
                    (counts_line(lang, &report))
                    (as_read(lang, &report.how.first_rows, Some(&report.how), report.rows_total))
                    (changes_table(lang, &report))
                    form.stack method="post" action="/uploads/commit" enctype="multipart/form-data" {
                        input type="hidden" name="csrf" value=(form.csrf);
                        input type="hidden" name="token" value=(form.token);
                        input type="hidden" name="encoding" value=(form.encoding);
                        input type="hidden" name="sheet" value=(form.sheet);
                        input type="hidden" name="file_name" value=(file_name);
                        input type="hidden" name="sha256" value=(sha256);
                        input type="hidden" name="content" value=(content);
                        button type="submit" { (lang.pick("确认写入", "Commit")) }
                    }
                    p { a href="/uploads" { (lang.pick("取消", "Cancel")) } }
                }
            },
        ),
    };
    html_page(lang, status, layout::page(&ctx, title, body))
}

/// The first records as read (after the header was found and a wide table unpivoted): what the
/// clerk's table was taken to say.
fn as_read(
    lang: PageLang,
    rows: &[crate::ingest::ReadRow],
    how: Option<&crate::ingest::HowRead>,
    total: usize,
) -> Markup {
    html! {
        @if !rows.is_empty() {
            div.scroll tabindex="0" role="region" aria-label=(lang.pick("读取结果", "As read")) { table {
                caption {
                    (lang.pick("读取结果", "As read"))
                    @if let Some(how) = how {
                        " (" (how.format)
                        @if let Some(sheet) = &how.sheet { (lang.pick("，工作表“", ", sheet “")) (sheet) (lang.pick("”", "”")) }
                        ")"
                    }
                    @if rows.len() < total { (lang.pick("，前 ", ", the first ")) (rows.len()) (lang.pick(" 条", "")) }
                }
                (header_row(lang, &[("行", "Line"), ("指标", "Indicator"), ("期间", "Period"), ("地区", "Region"), ("数值", "Value")]))
                tbody {
                    @for r in rows {
                        tr {
                            td.num { (r.cell.clone().unwrap_or_else(|| r.line.to_string())) }
                            td { (dash(r.indicator.clone())) }
                            td { (dash(r.period.clone())) }
                            td { (dash(r.region.clone())) }
                            td.num { (dash(r.value.clone())) }
                        }
                    }
                }
            } }
        }
    }
}

fn changes_table(lang: PageLang, report: &IngestReport) -> Markup {
    let listed = &report.changes[..report.changes.len().min(PREVIEW_ROWS)];
    html! {
        @if !listed.is_empty() {
            div.scroll tabindex="0" role="region" aria-label=(lang.pick("将新增或修订的数值", "Values to add or revise")) { table {
                caption {
                    (lang.pick("将新增或修订的数值", "Values to add or revise"))
                    @if listed.len() < report.rows_new + report.rows_revised {
                        (lang.pick("（列出前 ", " (the first ")) (listed.len()) (lang.pick(" 行）", ")"))
                    }
                }
                (header_row(lang, &[("行", "Line"), ("指标", "Indicator"), ("地区", "Region"), ("期间", "Period"), ("变化", "Change")]))
                tbody {
                    @for c in listed {
                        tr {
                            td.num { (c.line) }
                            td { (c.indicator_name) }
                            td { (c.region) }
                            td.num { (c.period) }
                            td {
                                @match c.old_value {
                                    Some(old) => { (lang.pick("修订 ", "revised ")) (crate::present::format_number(old)) (c.unit) " → " strong { (crate::present::format_number(c.value)) (c.unit) } }
                                    None => { (lang.pick("新增 ", "new ")) strong { (crate::present::format_number(c.value)) (c.unit) } }
                                }
                                @if let Some(doubt) = &c.doubt {
                                    br;
                                    span.error { (lang.pick("请核对：", "check: ")) (if lang.lang == crate::present::Lang::Zh { &doubt.reason_zh } else { &doubt.reason }) }
                                }
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// `POST /uploads/commit`: writes the previewed file, then shows its upload.
pub(super) async fn commit(
    req: HttpRequest,
    payload: web::Payload,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let ctx = Ctx::of(&req);
    let upload = match read_upload_form(&req, payload, &pool, &state, form_limit(&state)).await {
        Ok(upload) => upload,
        Err(e) => return error_page(&ctx, &e),
    };
    let form = &upload.form;
    let bytes = match form.content.as_deref().map(|c| BASE64.decode(c)) {
        Some(Ok(bytes)) if ingest::sha256_hex(&bytes) == form.sha256 => bytes,
        _ => {
            let e = AppError::bad_parameter(
                "content",
                "预览过的文件未完整传回：请重新预览",
                "the previewed file did not come back intact: preview it again",
            );
            return error_page(&ctx, &e);
        }
    };
    let file_name = form.file_name.clone().unwrap_or_else(|| "upload.csv".to_owned());
    let lang = ctx.lang;
    let result = run_ingest(&req, &pool, &state, &upload, file_name.clone(), bytes, false).await;
    if matches!(result, Ok(Ok(_))) {
        state.refresh().await;
    }
    match result {
        Ok(Ok(report)) => match report.upload_id {
            // After a post, a redirect: reloading the result never posts again.
            Some(id) => HttpResponse::SeeOther().insert_header((LOCATION, format!("/uploads/{id}"))).finish(),
            None => error_page(&ctx, &AppError::Internal(anyhow::anyhow!("a committed upload without an id"))),
        },
        Ok(Err(IngestError::Invalid { problems, .. })) => {
            let title = lang.pick("上传被拒绝", "Upload rejected");
            let body = html! {
                h1 { (title) ": " (file_name) }
                (errors_table(lang, &problems))
                p { a href="/uploads" { (lang.pick("返回上传页面", "Back to uploads")) } }
            };
            html_page(lang, StatusCode::UNPROCESSABLE_ENTITY, layout::page(&ctx, title, body))
        }
        Ok(Err(e)) => error_page(&ctx, &ingest_failed(e)),
        Err(e) => error_page(&ctx, &e),
    }
}

/// `GET /uploads/{id}`: one upload, its problems if rejected, and the targets it touched.
pub(super) async fn detail(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> HttpResponse {
    let id = id.into_inner();
    // A refused file's problems quote its cells, and a department's file may hold names and phone
    // numbers: listed for the office (a viewer token or sign-in), as its raw bytes are; a visitor of
    // a public server sees how many problems of each kind.
    let may_read_cells =
        crate::server::auth::require(&req, &pool, crate::server::auth::Role::Viewer, true).await.is_ok();
    render(req, pool, state, move |ctx, reads, _: LangQuery| detail_page(ctx, reads, id, may_read_cells)).await
}

fn detail_page(ctx: &Ctx, reads: &mut Reads, id: i64, may_read_cells: bool) -> Result<Markup, AppError> {
    let lang = ctx.lang;
    let conn = &mut *reads.conn;
    let upload = actuals::upload_by_id(conn, id)?.ok_or_else(|| AppError::not_found("upload", id.to_string()))?;
    let problems = actuals::upload_problems(conn, id)?.flatten().map(|r| Problems::from_stored(&r)).unwrap_or_default();
    let touched: std::collections::HashSet<i64> = actuals::indicator_ids_of_upload(conn, id)?.into_iter().collect();
    let view =
        reads.judged.view(&crate::judged::Judgement::on(crate::judged::today(), crate::progress::Method::Linear))?;
    let affected: Vec<&crate::judged::Assessed> =
        view.assessed.iter().filter(|a| touched.contains(&a.target.indicator_id)).collect();
    let title = format!("{} #{id}", lang.pick("上传", "Upload"));
    let content = html! {
        h1 { (title) ": " (upload.file_name) }
        dl.facts {
            dt { (lang.pick("结果", "Outcome")) } dd { span class={ "outcome o-" (upload.outcome) } { (outcome_label(&upload.outcome, lang)) } }
            dt { (lang.pick("时间", "Time")) } dd { (crate::clock::shown(upload.received_at)) }
            dt { (lang.pick("上传者", "By")) } dd { (upload.uploaded_by) " · " (channel_label(&upload.channel, lang)) }
            dt { (lang.pick("大小", "Size")) } dd { (upload.size_bytes) (lang.pick(" 字节", " bytes")) " · SHA-256 " code { (&upload.sha256[..16]) "…" } }
            dt { (lang.pick("行数", "Rows")) }
            dd { (upload.rows_total) " · " (lang.pick("新增 ", "new ")) (upload.rows_new) " · " (lang.pick("修订 ", "revised ")) (upload.rows_revised) " · " (lang.pick("不变 ", "unchanged ")) (upload.rows_unchanged) }
            dt { (lang.pick("原始文件", "Raw file")) } dd { a href={ "/api/v1/uploads/" (id) "/raw" } { (lang.pick("下载", "download")) } }
        }
        @if problems.total > 0 && may_read_cells { (errors_table(lang, &problems)) }
        @if problems.total > 0 && !may_read_cells {
            h2 { (lang.pick("问题（按类型）", "Problems by kind")) }
            ul.counts {
                @for c in &problems.summary {
                    li { (c.count) " × " (column_shown(c.column.as_deref(), lang)) }
                }
            }
            p { (lang.pick("逐行的问题会引用文件中的内容，登录后可见。", "The problems row by row quote the file's cells: sign in to see them.")) }
        }
        @if !affected.is_empty() {
            h2 { (lang.pick("涉及的目标（今日状态）", "Targets it touches (status today)")) }
            ul.targets {
                @for a in &affected {
                    li {
                        a href={ "/targets/" (a.target.slug) } { (if lang.lang == crate::present::Lang::Zh { &a.target.name } else { &a.target.name_en }) }
                        " " (layout::status_badge(a.summary.status, a.summary.achieved_late, lang.lang))
                    }
                }
            }
        }
        p { a href="/uploads" { (lang.pick("全部上传记录", "All uploads")) } }
    };
    Ok(layout::page(ctx, &title, content))
}
