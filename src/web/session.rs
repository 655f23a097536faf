//! Signing in, for servers whose reads are not public: the token typed here is checked (viewer
//! or better) and kept in an HttpOnly, SameSite=Strict cookie that counts for reads only.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};

use super::forms::{csrf_cookie, csrf_value, posted_form};
use super::pages::parse_query;
use super::{Ctx, error_page, html as html_page, html_with, layout};
use crate::db::DbPool;
use crate::error::AppError;
use crate::server::auth::{Role, SESSION_COOKIE, SESSION_HOURS, authenticate, check_role, end_session, start_session};
use crate::server::{AppState, with_conn};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInQuery {
    next: Option<String>,
    /// Read by `PageLang::of`; named here so that it is not an unknown parameter.
    #[allow(dead_code)]
    lang: Option<String>,
}

/// The cookie that keeps a sign-in on this browser: HttpOnly, same site only.
pub(super) fn session_cookie(session: String, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, session)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::hours(SESSION_HOURS))
        .finish()
}

/// Only a path of this site: it parses as a path (with an optional query) and nothing else — no
/// scheme, no host (`//host`, `/\\host`), no control characters (browsers drop a tab or a line
/// break and read `/<TAB>/evil.example` as `//evil.example`). Anything else goes to `/`.
fn local_path(next: Option<&str>) -> String {
    let Some(next) = next else { return "/".to_owned() };
    let plain = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    let parsed = next.parse::<actix_web::http::Uri>().ok();
    let is_path = parsed.is_some_and(|uri| uri.scheme().is_none() && uri.authority().is_none());
    if plain && is_path { next.to_owned() } else { "/".to_owned() }
}

fn sign_in_page(ctx: &Ctx, public_read: bool, csrf: &str, next: &str, problem: Option<&str>) -> Markup {
    let lang = ctx.lang;
    let title = lang.pick("登录", "Sign in");
    let why = if public_read {
        lang.pick(
            "本服务器的进度数据公开可读；上传、生成存档报告、审核规划和查看各单位报送的原始文件须登录：请输入管理员发给您的令牌。",
            "This server's progress data can be read by anyone; uploading, kept reports, plan review and the files departments sent need a sign-in: enter the token an administrator gave you.",
        )
    } else {
        lang.pick(
            "本服务器的数据不公开：请输入管理员发给您的令牌（查看或以上权限）。",
            "This server's data is not public: enter the token an administrator gave you (viewer role or above).",
        )
    };
    layout::page(
        ctx,
        title,
        html! {
            h1 { (title) }
            p { (why) }
            @if let Some(problem) = problem { p.error { (problem) } }
            form.stack method="post" action="/signin" enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="next" value=(next);
                label for="token" { (lang.pick("令牌（必填）", "Token (required)")) }
                input #token type="password" name="token" required autocomplete="off";
                button type="submit" { (lang.pick("登录", "Sign in")) }
            }
        },
    )
}

/// The longest a sign-in or sign-out form may take to arrive.
const SMALL_FORM_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// `GET /signin?next=`: the form.
pub(super) async fn form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let ctx = Ctx::of(&req);
    let query: SignInQuery = match parse_query(&req) {
        Ok(query) => query,
        Err(e) => return error_page(&ctx, &e),
    };
    let (csrf, fresh) = match csrf_value(&req) {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, &e),
    };
    let mut response = HttpResponse::Ok();
    if fresh {
        response.cookie(csrf_cookie(&csrf, state.cookie_secure));
    }
    html_with(
        ctx.lang,
        response,
        sign_in_page(&ctx, state.public_read, &csrf, &local_path(query.next.as_deref()), None),
    )
}

/// `POST /signin`: checks the token, keeps it in the session cookie and goes back.
pub(super) async fn sign_in(
    req: HttpRequest,
    payload: web::Payload,
    pool: web::Data<DbPool>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let ctx = Ctx::of(&req);
    let form = match posted_form(&req, payload, 64 * 1024, SMALL_FORM_WAIT).await {
        Ok(form) => form,
        Err(e) => return error_page(&ctx, &e),
    };
    let token = form.token.clone();
    let session = with_conn(&pool, move |conn| {
        let caller = check_role(authenticate(conn, &token)?, Role::Viewer)?;
        let session = start_session(conn, &caller, crate::now())?;
        Ok((caller, session))
    })
    .await;
    let next = local_path(form.next.as_deref());
    match session {
        Ok((caller, session)) => {
            tracing::info!(who = %caller.name.escape_debug(), "signed in on the pages");
            HttpResponse::SeeOther()
                .cookie(session_cookie(session, state.cookie_secure))
                .insert_header((LOCATION, next))
                .finish()
        }
        Err(e @ (AppError::Unauthorized(_) | AppError::Forbidden(_))) => {
            let problem = e.message(ctx.lang.lang);
            let page = sign_in_page(&ctx, state.public_read, &form.csrf, &next, Some(&problem));
            html_page(ctx.lang, StatusCode::UNAUTHORIZED, page)
        }
        Err(e) => error_page(&ctx, &e),
    }
}

/// `GET /signout`: asks, with the form that carries this browser's secret.
pub(super) async fn sign_out_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let ctx = Ctx::of(&req);
    let (csrf, fresh) = match csrf_value(&req) {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, &e),
    };
    let lang = ctx.lang;
    let title = lang.pick("退出登录", "Sign out");
    let page = layout::page(
        &ctx,
        title,
        html! {
            h1 { (title) }
            form.stack method="post" action="/signout" enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { (lang.pick("退出", "Sign out")) }
            }
        },
    );
    let mut response = HttpResponse::Ok();
    if fresh {
        response.cookie(csrf_cookie(&csrf, state.cookie_secure));
    }
    html_with(ctx.lang, response, page)
}

/// `POST /signout` (with the form's secret): ends the session and forgets its cookie.
pub(super) async fn sign_out(req: HttpRequest, payload: web::Payload, pool: web::Data<DbPool>) -> HttpResponse {
    let ctx = Ctx::of(&req);
    if let Err(e) = posted_form(&req, payload, 64 * 1024, SMALL_FORM_WAIT).await {
        return error_page(&ctx, &e);
    }
    if let Some(session) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) {
        let ended = with_conn(&pool, move |conn| Ok(end_session(conn, &session)?)).await;
        if let Err(e) = ended {
            return error_page(&ctx, &e);
        }
    }
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    HttpResponse::SeeOther().cookie(gone).insert_header((LOCATION, "/")).finish()
}
