//! The planner's pages: server-rendered HTML (maud escapes every value), a small stylesheet
//! served by the app, charts inline as SVG, no script at all. Chinese first; `?lang=en` switches
//! and a cookie remembers it.

mod departments;
mod drafts;
mod forms;
mod layout;
mod pages;
mod session;
mod uploads;

pub use pages::{LangQuery, OverviewQuery, PageQuery, Reads, overview_page, plan_page, reports_page, target_page};
pub use uploads::history_page;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use maud::Markup;

use crate::error::AppError;
use crate::present::Lang;
use crate::server::{Access, Routes};

/// The headers every response carries. The pages run no script, so the policy allows none; styles
/// and fonts come from the app only; no other site may frame the pages.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
}

const STYLE: &str = include_str!("style.css");
const LANG_COOKIE: &str = "lang";

/// The page routes, each with who may use it.
pub fn routes(routes: &mut Routes) {
    routes.at("/").get(Access::Page, pages::overview).kept().add();
    // Before `/plans/{slug}`, which `/plans/drafts` would otherwise match.
    routes.at("/plans/drafts").get(Access::Page, drafts::list).post(Access::Form, drafts::create).add();
    routes.at("/plans/drafts/{id}").get(Access::Page, drafts::review).add();
    routes.at("/plans/drafts/{id}/publish").post(Access::Form, drafts::publish).add();
    routes.at("/plans/{slug}").get(Access::Page, pages::plan).kept().add();
    routes.at("/targets/{slug}").get(Access::Page, pages::target).kept().add();
    routes.at("/uploads").get(Access::Page, uploads::history).add();
    routes.at("/uploads/preview").post(Access::Form, uploads::preview).add();
    routes.at("/uploads/commit").post(Access::Form, uploads::commit).add();
    routes.at("/uploads/{id}").get(Access::Page, uploads::detail).add();
    routes.at("/reports").get(Access::Page, pages::reports).add();
    routes.at("/documents/{name}").get(Access::Page, pages::document).add();
    routes.at("/departments").get(Access::Page, departments::list).kept().add();
    routes.at("/departments/{slug}").get(Access::Page, departments::one).kept().add();
    routes.at("/departments/{slug}/{file}").get(Access::Page, departments::department_template).add();
    routes.at("/plans/{slug}/{file}").get(Access::Page, departments::plan_template).add();
    routes.at("/signin").get(Access::Public, session::form).post(Access::Form, session::sign_in).add();
    routes.at("/signout").get(Access::Public, session::sign_out_form).post(Access::Form, session::sign_out).add();
    routes.at("/static/style.css").get(Access::Public, style).add();
    routes.at("/static/fonts/{file}").get(Access::Public, font).add();
}

/// The stylesheet, with its colours and the status colours from the one palette.
fn stylesheet() -> &'static str {
    static SHEET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SHEET.get_or_init(|| format!("{}{STYLE}{}", crate::present::palette::css_variables(), crate::present::status_css()))
}

async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .body(stylesheet())
}

/// The bundled font, for browsers that have no Chinese font of their own (the stylesheet asks
/// for a local one first): gzipped once, the first time a browser takes it so, and kept.
async fn font(req: HttpRequest, file: web::Path<String>) -> HttpResponse {
    static GZIPPED: [std::sync::OnceLock<web::Bytes>; 2] = [std::sync::OnceLock::new(), std::sync::OnceLock::new()];
    let (bytes, gzipped) = match file.as_str() {
        "NotoSansSC-Regular.ttf" => (crate::charts::REGULAR, &GZIPPED[0]),
        "NotoSansSC-Bold.ttf" => (crate::charts::BOLD, &GZIPPED[1]),
        _ => return HttpResponse::NotFound().finish(),
    };
    let mut response = HttpResponse::Ok();
    response
        .content_type("font/ttf")
        .insert_header((CACHE_CONTROL, "public, max-age=604800, immutable"))
        .insert_header((actix_web::http::header::VARY, "Accept-Encoding"));
    if !crate::server::responses::takes_gzip(req.headers()) {
        // As it is: the compression layer leaves answers this large alone.
        return response.body(bytes);
    }
    // Made once: the first request makes it, the others wait for it (off the async threads).
    let body = match gzipped.get() {
        Some(body) => body.clone(),
        None => web::block(move || gzipped.get_or_init(|| crate::server::responses::gzip(bytes)).clone())
            .await
            .unwrap_or_default(),
    };
    response.insert_header((actix_web::http::header::CONTENT_ENCODING, "gzip")).body(body)
}

/// What a page needs to know of its request (and can take to the blocking pool): the address,
/// for the language switch, and the language.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub path: String,
    pub query: String,
    pub lang: PageLang,
    /// The browser holds a sign-in cookie (the header offers to sign out).
    pub signed_in: bool,
}

impl Ctx {
    pub fn of(req: &HttpRequest) -> Ctx {
        Ctx {
            path: req.path().to_owned(),
            query: req.query_string().to_owned(),
            lang: PageLang::of(req),
            signed_in: req.cookie(crate::server::auth::SESSION_COOKIE).is_some(),
        }
    }
}

/// The page language: `?lang=` if given (then remembered), else the cookie, else Chinese.
#[derive(Debug, Clone, Copy)]
pub struct PageLang {
    pub lang: Lang,
    /// Set when `?lang=` asked for it: the response remembers it in a cookie.
    remember: bool,
}

impl PageLang {
    pub fn new(lang: Lang) -> PageLang {
        PageLang { lang, remember: false }
    }

    pub fn of(req: &HttpRequest) -> PageLang {
        let asked = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.get("lang").and_then(|l| l.parse::<Lang>().ok()));
        match asked {
            Some(lang) => PageLang { lang, remember: true },
            None => {
                let cookie = req.cookie(LANG_COOKIE).and_then(|c| c.value().parse::<Lang>().ok());
                PageLang { lang: cookie.unwrap_or_default(), remember: false }
            }
        }
    }

    fn pick(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.lang.pick(zh, en)
    }
}

/// An HTML answer: no caching of pages that show live data or carry a form token.
fn html(lang: PageLang, status: StatusCode, body: Markup) -> HttpResponse {
    html_with(lang, HttpResponse::build(status), body)
}

fn html_with(lang: PageLang, mut response: actix_web::HttpResponseBuilder, body: Markup) -> HttpResponse {
    response.insert_header((CONTENT_TYPE, "text/html; charset=utf-8")).insert_header((CACHE_CONTROL, "no-store"));
    if lang.remember {
        response.cookie(
            Cookie::build(LANG_COOKIE, lang.lang.code())
                .path("/")
                .same_site(SameSite::Lax)
                .max_age(actix_web::cookie::time::Duration::days(365))
                .finish(),
        );
    }
    response.body(body.into_string())
}

/// A page, or the error as a page with the error's status.
fn respond(ctx: &Ctx, page: Result<Markup, AppError>) -> HttpResponse {
    match page {
        Ok(body) => html(ctx.lang, StatusCode::OK, body),
        Err(error) => error_page(ctx, &error),
    }
}

/// An error as a page in the browser's language, for any address (see `server::errors`).
pub fn error_response(req: &HttpRequest, error: &AppError) -> HttpResponse {
    error_page(&Ctx::of(req), error)
}

/// The error page for a request served outside the pages (a report opened from the reports form).
pub fn error_page_for(req: &HttpRequest, error: &AppError) -> HttpResponse {
    error_page(&Ctx::of(req), error)
}

fn error_page(ctx: &Ctx, error: &AppError) -> HttpResponse {
    let lang = ctx.lang;
    use actix_web::ResponseError;
    if let AppError::Internal(cause) | AppError::Unavailable(cause) | AppError::StorageFull(cause) = error {
        tracing::error!(error = ?cause, "page failed");
    }
    let status = error.status_code();
    let title = match status {
        StatusCode::NOT_FOUND => lang.pick("未找到", "Not found"),
        StatusCode::BAD_REQUEST => lang.pick("请求有误", "Bad request"),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => lang.pick("没有权限", "Not allowed"),
        StatusCode::METHOD_NOT_ALLOWED => lang.pick("此地址不能这样打开", "This address cannot be opened this way"),
        _ => lang.pick("出错了", "Something went wrong"),
    };
    let body = layout::page(
        ctx,
        title,
        maud::html! {
            h1 { (title) }
            p.error { (error.message(lang.lang)) }
            p { a href="/" { (lang.pick("返回总览", "Back to the overview")) } }
        },
    );
    html(lang, status, body)
}
