//! Who is calling. API tokens are 256 random bits shown once when created; only their SHA-256 is
//! stored (a fast hash is enough for random secrets). A request names its token in the
//! `Authorization: Bearer` header. A browser signed in on the sign-in page holds a session instead:
//! a random id in an HttpOnly, SameSite=Strict cookie, stored hashed with the token it stands for,
//! so revoking the token ends the session and the cookie never holds the token itself. A session
//! counts for reads only: a write needs the header or the token typed into the upload form.

use std::fmt;
use std::str::FromStr;

use actix_web::{HttpRequest, web};
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::{DbConn, DbPool, access, write_tx};
use crate::error::{AppError, Said};
use crate::ingest::sha256_hex;

/// The cookie the sign-in page sets: a session id, HttpOnly and SameSite=Strict.
pub const SESSION_COOKIE: &str = "plantrack_session";

/// How long a sign-in lasts.
pub const SESSION_HOURS: i64 = 12;

/// What a token may do; each role includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Uploader,
    Admin,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Uploader => "uploader",
            Role::Admin => "admin",
        }
    }

    /// The role as the Chinese pages name it.
    pub fn zh(&self) -> &'static str {
        match self {
            Role::Viewer => "查看",
            Role::Uploader => "填报",
            Role::Admin => "管理",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "uploader" => Ok(Role::Uploader),
            "admin" => Ok(Role::Admin),
            other => Err(format!("unknown role `{}`: use viewer, uploader or admin", other.escape_debug())),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The holder of a valid token.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub token_id: i64,
    pub name: String,
    pub role: Role,
    /// An uploader limited to one department's figures (slug); admins never are.
    pub department: Option<String>,
}

/// 256 random bits as hex, with a prefix.
fn random_secret(prefix: &str) -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(format!("{prefix}{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

/// The longest token name: a person or a system, not a document.
const TOKEN_NAME_MAX_CHARS: usize = 100;

/// A token's name is printed by `token list` and logged: no control characters, nothing huge.
pub fn check_token_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("a token needs a name (who or what uses it)".to_owned());
    }
    if name.chars().count() > TOKEN_NAME_MAX_CHARS {
        return Err(format!("a token name has at most {TOKEN_NAME_MAX_CHARS} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err("a token name cannot contain control characters (tabs, line breaks, escapes)".to_owned());
    }
    Ok(())
}

/// Creates a token and returns it: the only time it is ever shown.
/// A token may be limited to one department's figures (an uploader's; `department` is a slug the
/// caller has checked).
pub fn create_token(
    conn: &mut DbConn,
    name: &str,
    role: Role,
    department: Option<&str>,
    now: NaiveDateTime,
) -> anyhow::Result<String> {
    check_token_name(name).map_err(anyhow::Error::msg)?;
    let token = random_secret("pt_")?;
    let details = match department {
        Some(d) => format!("role {role}, department {d}"),
        None => format!("role {role}"),
    };
    write_tx(conn, |conn| {
        access::insert_token(conn, name, role.as_str(), department, &sha256_hex(token.as_bytes()), now)?;
        access::audit(conn, "cli", "token.create", name, Some(details), now)
    })?;
    Ok(token)
}

fn caller_of(row: access::TokenRow) -> Option<Caller> {
    let department = row.department;
    row.role.parse().ok().map(|role| Caller {
        token_id: row.id,
        name: row.name,
        department: if role == Role::Admin { None } else { department },
        role,
    })
}

/// The caller a bearer token belongs to, if it is live.
pub fn authenticate(conn: &mut DbConn, token: &str) -> diesel::QueryResult<Option<Caller>> {
    Ok(access::token_by_hash(conn, &sha256_hex(token.trim().as_bytes()))?.and_then(caller_of))
}

/// The most browsers one token is signed in on at once: signing in once more ends the oldest
/// session, so no token holder can pile up session rows.
pub const SESSIONS_PER_TOKEN: i64 = 20;

/// Starts a browser session for the holder of `caller`'s token; returns the cookie's value.
pub fn start_session(conn: &mut DbConn, caller: &Caller, now: NaiveDateTime) -> anyhow::Result<String> {
    let id = random_secret("ps_")?;
    let expires = now + chrono::Duration::hours(SESSION_HOURS);
    write_tx(conn, |conn| {
        access::purge_sessions(conn, now)?;
        access::insert_session(conn, &sha256_hex(id.as_bytes()), caller.token_id, now, expires)?;
        access::trim_sessions(conn, caller.token_id, SESSIONS_PER_TOKEN).map(|_| ())
    })?;
    Ok(id)
}

/// The caller a session cookie stands for, while the session lasts and its token is live.
pub fn session_caller(conn: &mut DbConn, session: &str, now: NaiveDateTime) -> diesel::QueryResult<Option<Caller>> {
    Ok(access::token_by_session(conn, &sha256_hex(session.as_bytes()), now)?.and_then(caller_of))
}

pub fn end_session(conn: &mut DbConn, session: &str) -> diesel::QueryResult<()> {
    access::delete_session(conn, &sha256_hex(session.as_bytes()))
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let header = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

/// What a request presents: a token in the header, or (for reads) a session cookie.
enum Credential {
    Token(String),
    Session(String),
}

fn credential(req: &HttpRequest, for_read: bool) -> Option<Credential> {
    if let Some(token) = bearer(req) {
        return Some(Credential::Token(token));
    }
    let session = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()).filter(|v| !v.is_empty());
    session.filter(|_| for_read).map(Credential::Session)
}

/// The caller, who must hold at least `role`. Reads (`for_read`) may present a session cookie.
pub async fn require(
    req: &HttpRequest,
    pool: &web::Data<DbPool>,
    role: Role,
    for_read: bool,
) -> Result<Caller, AppError> {
    let Some(credential) = credential(req, for_read) else {
        return Err(AppError::Unauthorized(Said::new(
            format!(
                "需要具有 {role} 角色的 API 令牌：请发送 `Authorization: Bearer <令牌>`\
                 （管理员用 `plantrack token create --name 名称 --role {role}` 创建）"
            ),
            format!(
                "this needs an API token with the {role} role: send `Authorization: Bearer <token>` \
                 (an admin creates one with `plantrack token create --name NAME --role {role}`)"
            ),
        )));
    };
    let caller = super::with_conn(pool, move |conn| {
        Ok(match &credential {
            Credential::Token(token) => authenticate(conn, token)?,
            Credential::Session(session) => session_caller(conn, session, crate::now())?,
        })
    })
    .await?;
    check_role(caller, role)
}

/// The caller a token names, if its role is at least `role`.
pub fn check_role(caller: Option<Caller>, role: Role) -> Result<Caller, AppError> {
    match caller {
        None => Err(AppError::Unauthorized(Said::new(
            "API 令牌不存在或已吊销，或登录已过期",
            "the API token is unknown or revoked, or the sign-in has expired",
        ))),
        Some(caller) if caller.role < role => Err(AppError::Forbidden(Said::new(
            format!("令牌“{}”只有{}权限；此操作需要{}权限", caller.name.escape_debug(), caller.role.zh(), role.zh()),
            format!("the token `{}` has the {} role; this needs {role}", caller.name.escape_debug(), caller.role),
        ))),
        Some(caller) => Ok(caller),
    }
}
