//! The route table. Every route is declared with the access it needs, and the check runs on the
//! route the router matched (after percent-decoding and slash normalisation), so no spelling of a
//! path can reach a handler around its guard, and a new route cannot be added without saying who
//! may use it. `GET` routes answer `HEAD` too; a wrong method answers 405 with `Allow`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{ALLOW, LOCATION};
use actix_web::middleware::{Next, from_fn};
use actix_web::{FromRequest, Handler, HttpMessage, HttpRequest, HttpResponse, Responder, web};

use super::AppState;
use super::auth::{Caller, Role, require};
use crate::db::DbPool;
use crate::error::AppError;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health, sign-in, the stylesheet and font.
    Public,
    /// Data (JSON, charts, reports): with `public_read = false` a viewer token or a sign-in; 401
    /// otherwise.
    Read,
    /// A page: as `Read`, but a browser that is not signed in is sent to the sign-in page.
    Page,
    /// What may carry personal details (a clerk's own file, with a name and a phone number in a
    /// column): a viewer token or a sign-in, even with `public_read = true`.
    Restricted,
    /// A token of at least this role in the `Authorization` header (a sign-in never counts).
    Token(Role),
    /// A form of the pages, posted with its per-browser secret; the handler checks the secret and
    /// the token typed into the form, which arrive in the body.
    Form,
    /// The Prometheus metrics: public with `metrics_public = true`, else an admin token.
    Metrics,
}

/// A declared route, for tests and documentation.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredRoute {
    pub path: &'static str,
    pub method: Method,
    pub access: Access,
}

/// The routes being declared: registered with actix when there is an app to configure, and
/// listed either way.
pub struct Routes<'c> {
    config: Option<&'c mut web::ServiceConfig>,
    declared: Vec<DeclaredRoute>,
}

impl<'c> Routes<'c> {
    pub fn new(config: &'c mut web::ServiceConfig) -> Routes<'c> {
        Routes { config: Some(config), declared: Vec::new() }
    }

    /// A path; add its methods, each with who may use it, then [`Resource::add`] it.
    pub fn at(&mut self, path: &'static str) -> Resource<'_, 'c> {
        Resource { routes: self, path, methods: Vec::new(), kept: false }
    }

    /// Settings every route shares (query and path extractor errors…).
    pub fn configure(&mut self, f: impl FnOnce(&mut web::ServiceConfig)) {
        if let Some(config) = self.config.as_deref_mut() {
            f(config);
        }
    }
}

/// Every route `declare` declares, without an app.
pub fn declared_routes(declare: impl FnOnce(&mut Routes)) -> Vec<DeclaredRoute> {
    let mut routes = Routes { config: None, declared: Vec::new() };
    declare(&mut routes);
    routes.declared
}

pub struct Resource<'r, 'c> {
    routes: &'r mut Routes<'c>,
    path: &'static str,
    methods: Vec<(Method, Access, actix_web::Route)>,
    /// Its GET answers depend on the judged data only: kept per generation, with an ETag.
    kept: bool,
}

impl Resource<'_, '_> {
    /// `GET` (and `HEAD`, answered by the same handler without the body).
    pub fn get<F, Args>(mut self, access: Access, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.methods.push((Method::GET, access, web::get().to(handler.clone())));
        self.methods.push((Method::HEAD, access, web::head().to(handler)));
        self
    }

    /// The GET answers are a function of the judged data (and the address, language and
    /// sign-in): made once per data generation and day, then served from memory with an ETag.
    pub fn kept(mut self) -> Self {
        self.kept = true;
        self
    }

    pub fn post<F, Args>(mut self, access: Access, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.methods.push((Method::POST, access, web::post().to(handler)));
        self
    }

    pub fn put<F, Args>(mut self, access: Access, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.methods.push((Method::PUT, access, web::put().to(handler)));
        self
    }

    /// Registers the resource: its guard, its methods and the 405 for any other method.
    pub fn add(self) {
        let rules: Vec<(Method, Access)> = self.methods.iter().map(|(m, a, _)| (m.clone(), *a)).collect();
        for (method, access) in &rules {
            self.routes.declared.push(DeclaredRoute { path: self.path, method: method.clone(), access: *access });
        }
        let Some(config) = self.routes.config.as_deref_mut() else { return };
        let allow = rules.iter().map(|(m, _)| m.as_str()).collect::<Vec<_>>().join(", ");
        let rules = std::rc::Rc::new(rules);
        let kept = self.kept;
        let mut resource = web::resource(self.path)
            // Inside the guard: a kept answer is only ever served to whom the guard let in.
            .wrap(from_fn(move |req: ServiceRequest, next: Next<_>| async move {
                if kept {
                    super::responses::serve_kept(req, next).await
                } else {
                    Ok(next.call(req).await?.map_into_boxed_body())
                }
            }))
            .wrap(from_fn(move |req: ServiceRequest, next| {
                // A method the resource does not answer gets its 405 without any check.
                let access = rules.iter().find(|(m, _)| m == req.method()).map_or(Access::Public, |(_, a)| *a);
                guard(access, req, next)
            }))
            .default_service(web::to(move |req: HttpRequest| {
                let allow = allow.clone();
                async move { method_not_allowed(&req, &allow) }
            }));
        for (_, _, route) in self.methods {
            resource = resource.route(route);
        }
        config.service(resource);
    }
}

fn method_not_allowed(req: &HttpRequest, allow: &str) -> HttpResponse {
    let error = AppError::MethodNotAllowed { method: req.method().to_string(), allow: allow.to_owned() };
    // A browser that follows a link to a form's address gets a page, not JSON.
    let mut response = super::errors::answer(req, &error);
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(allow) {
        response.headers_mut().insert(ALLOW, value);
    }
    response
}

/// The caller a `Token` route's guard let through.
impl FromRequest for Caller {
    type Error = AppError;
    type Future = std::future::Ready<Result<Caller, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let caller = req.extensions().get::<Caller>().cloned();
        std::future::ready(caller.ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("a handler asked for the caller on a route that does not check one"))
        }))
    }
}

/// The error as its caller reads it: a page for a browser, else the JSON envelope.
fn answer_with(req: ServiceRequest, error: AppError) -> ServiceResponse<BoxBody> {
    let response = super::errors::answer(req.request(), &error);
    req.into_response(response)
}

/// The check a route's access asks for, before its handler runs.
async fn guard(
    access: Access,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let pool = req.app_data::<web::Data<DbPool>>().cloned();
    let (Some(state), Some(pool)) = (state, pool) else {
        let error = AppError::Internal(anyhow::anyhow!("the app was built without its state"));
        return Ok(req.error_response(error));
    };
    // A control character is in no slug, id or parameter value of data; it goes no further than
    // here (PostgreSQL would refuse a NUL in a query with an error instead of "not found"). Public
    // routes and forms read their own parameters (the sign-in page sends a bad `next` to `/`).
    let reads_data = !matches!(access, Access::Public | Access::Form);
    if reads_data && req.match_info().iter().any(|(_, value)| value.chars().any(char::is_control)) {
        let address = req.match_info().as_str().chars().filter(|c| !c.is_control()).collect::<String>();
        return Ok(answer_with(req, AppError::not_found("address", address)));
    }
    let query: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    if let Some((name, _)) =
        query.iter().filter(|_| reads_data).find(|(k, v)| k.chars().chain(v.chars()).any(char::is_control))
    {
        return Ok(answer_with(req, AppError::bad_parameter(name, "含有控制字符", "contains a control character")));
    }
    let needed = match access {
        Access::Public | Access::Form => None,
        Access::Read | Access::Page => (!state.public_read).then_some((Role::Viewer, true)),
        Access::Restricted => Some((Role::Viewer, true)),
        Access::Token(role) => Some((role, false)),
        Access::Metrics => (!state.metrics_public).then_some((Role::Admin, false)),
    };
    if let Some((role, for_read)) = needed {
        match require(req.request(), &pool, role, for_read).await {
            Ok(caller) => {
                req.extensions_mut().insert(caller);
            }
            // A browser on a page is sent to sign in, and brought back afterwards.
            Err(AppError::Unauthorized(_)) if access == Access::Page => {
                let back = match req.query_string() {
                    "" => req.path().to_owned(),
                    query => format!("{}?{query}", req.path()),
                };
                let to = format!("/signin?{}", serde_urlencoded::to_string([("next", back)]).unwrap_or_default());
                return Ok(req.into_response(HttpResponse::SeeOther().insert_header((LOCATION, to)).finish()));
            }
            Err(e) => return Ok(answer_with(req, e)),
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
