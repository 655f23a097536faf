//! API tokens: who may write. A token is shown once when created; only its SHA-256 is stored
//! (tokens are 256 random bits, so a fast hash is enough).

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::{DbConn, access, write_tx};
use crate::ingest::sha256_hex;

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
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "uploader" => Ok(Role::Uploader),
            "admin" => Ok(Role::Admin),
            other => Err(format!("unknown role `{other}`: use viewer, uploader or admin")),
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
    pub name: String,
    pub role: Role,
}

fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for a token: {e}"))?;
    Ok(format!("pt_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

/// Creates a token and returns it: the only time it is ever shown.
pub fn create_token(conn: &mut DbConn, name: &str, role: Role, now: NaiveDateTime) -> anyhow::Result<String> {
    if name.trim().is_empty() {
        anyhow::bail!("a token needs a name (who or what uses it)");
    }
    let token = new_token()?;
    write_tx(conn, |conn| {
        access::insert_token(conn, name, role.as_str(), &sha256_hex(token.as_bytes()), now)?;
        access::audit(conn, "cli", "token.create", name, Some(format!("role {role}")), now)
    })?;
    Ok(token)
}

/// The caller a bearer token belongs to, if it is live.
pub fn authenticate(conn: &mut DbConn, token: &str) -> diesel::QueryResult<Option<Caller>> {
    Ok(access::token_by_hash(conn, &sha256_hex(token.trim().as_bytes()))?
        .and_then(|row| row.role.parse().ok().map(|role| Caller { name: row.name, role })))
}
