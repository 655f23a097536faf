//! Storage on SQLite (embedded, the default) or PostgreSQL (several replicas), chosen by the URL
//! scheme. diesel is synchronous: callers on the async side run all of this inside `web::block`.

pub mod access;
pub mod actuals;
pub mod models;
pub mod queries;
pub mod reports;
pub mod schema;
mod sync;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use sync::{SyncCounts, SyncReport, sync_catalog};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Any number will do as long as every replica uses the same one.
const MIGRATION_LOCK_KEY: i64 = 0x706c_616e_7472;

/// One connection to either backend. The SQLite variant is last, as diesel asks, though we never
/// rely on its trial-and-error `establish`: [`Backend::from_url`] decides.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = r2d2::Pool<DbManager>;
pub type PooledConn = r2d2::PooledConnection<DbManager>;

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq)]
pub enum Backend {
    /// A file path (`sqlite://data/plantrack.db` → `data/plantrack.db`) or `:memory:`.
    Sqlite(String),
    Postgres(String),
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database URL `{0}` has no known scheme: use sqlite://PATH or postgres://…")]
    UnknownScheme(String),
    #[error("cannot create the directory for the SQLite file {path}: {source}")]
    CreateDir { path: String, source: std::io::Error },
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] ConnectionError),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("migrations failed: {0}")]
    Migrate(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, DbError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            Ok(Backend::Sqlite(path.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite:") {
            Ok(Backend::Sqlite(path.to_owned()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres(url.to_owned()))
        } else {
            Err(DbError::UnknownScheme(url.to_owned()))
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    fn connect(&self) -> Result<DbConn, ConnectionError> {
        match self {
            Backend::Postgres(url) => PgConnection::establish(url).map(DbConn::Pg),
            Backend::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // One statement each, busy_timeout first (diesel's SqliteConnection docs).
                for pragma in [
                    "PRAGMA busy_timeout = 15000",
                    "PRAGMA journal_mode = WAL",
                    "PRAGMA synchronous = NORMAL",
                    "PRAGMA foreign_keys = ON",
                    // 64 MB of page cache: a large upload's index pages stay in memory instead
                    // of being read back from the WAL (measured: 25 s → see BENCHMARKS.md).
                    "PRAGMA cache_size = -65536",
                ] {
                    conn.batch_execute(pragma).map_err(ConnectionError::CouldntSetupConfiguration)?;
                }
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// r2d2 manager that connects by [`Backend`] so a PostgreSQL error is reported as one.
#[derive(Debug, Clone)]
pub struct DbManager {
    backend: Backend,
}

impl ManageConnection for DbManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        self.backend.connect().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Opens the database, applies pending migrations and returns a pool.
pub fn connect(url: &str, pool_size: u32) -> Result<DbPool, DbError> {
    let backend = Backend::from_url(url)?;
    if let Backend::Sqlite(path) = &backend
        && let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty())
        && !path.starts_with(':')
    {
        std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDir { path: path.clone(), source })?;
    }
    let mut conn = backend.connect()?;
    run_migrations(&mut conn)?;
    drop(conn);
    let pool = r2d2::Pool::builder().max_size(pool_size).build(DbManager { backend })?;
    Ok(pool)
}

/// Applies pending migrations. On PostgreSQL an advisory lock makes replicas that start together
/// take turns: the first migrates, the others then find nothing to do.
pub fn run_migrations(conn: &mut DbConn) -> Result<(), DbError> {
    let migrate =
        |result: diesel::migration::Result<Vec<_>>| result.map(|_| ()).map_err(|e| DbError::Migrate(e.to_string()));
    match conn {
        DbConn::Sqlite(c) => migrate(c.run_pending_migrations(SQLITE_MIGRATIONS)),
        DbConn::Pg(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")).execute(c)?;
            let result = migrate(c.run_pending_migrations(POSTGRES_MIGRATIONS));
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")).execute(c)?;
            result
        }
    }
}

/// Runs `f` in a write transaction. On SQLite it is `BEGIN IMMEDIATE`: a deferred transaction that
/// reads and then writes fails with "database is locked" when another writer got there first,
/// whatever the busy timeout; an immediate one waits its turn.
pub fn write_tx<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// A cheap round trip, for health checks.
pub fn ping(conn: &mut DbConn) -> QueryResult<()> {
    diesel::sql_query("SELECT 1").execute(conn).map(|_| ())
}
