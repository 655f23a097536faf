//! Bearer tokens on requests: 401 without a valid token, 403 with one whose role is too low. A
//! browser signed in on the sign-in page sends its token in a cookie, which counts for reads only
//! (a write needs the header or the token typed into the upload form).

use actix_web::{HttpRequest, web};

use crate::auth::{self, Caller, Role};
use crate::db::DbPool;
use crate::error::AppError;

/// The cookie the sign-in page sets: the token itself, HttpOnly and SameSite=Strict.
pub const SESSION_COOKIE: &str = "plantrack_session";

fn bearer(req: &HttpRequest) -> Option<String> {
    let header = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

/// The request's token: the header's, or for a read the sign-in cookie's.
fn token_of(req: &HttpRequest) -> Option<String> {
    let read = matches!(*req.method(), actix_web::http::Method::GET | actix_web::http::Method::HEAD);
    bearer(req).or_else(|| read.then(|| req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned())).flatten())
}

/// The caller, who must hold at least `role`.
pub async fn require(req: &HttpRequest, pool: &web::Data<DbPool>, role: Role) -> Result<Caller, AppError> {
    let Some(token) = token_of(req) else {
        return Err(AppError::Unauthorized(format!(
            "this needs an API token with the {role} role: send `Authorization: Bearer <token>` \
             (an admin creates one with `plantrack token create --name NAME --role {role}`)"
        )));
    };
    let caller = super::with_conn(pool, move |conn| Ok(auth::authenticate(conn, &token)?)).await?;
    check_role(caller, role)
}

/// The caller a token names, if its role is at least `role`.
pub(crate) fn check_role(caller: Option<Caller>, role: Role) -> Result<Caller, AppError> {
    match caller {
        None => Err(AppError::Unauthorized("the API token is unknown or revoked".to_owned())),
        Some(caller) if caller.role < role => Err(AppError::Forbidden(format!(
            "the token `{}` has the {} role; this needs {role}",
            caller.name, caller.role
        ))),
        Some(caller) => Ok(caller),
    }
}
