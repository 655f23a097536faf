//! Storage on SQLite (embedded, the default) or PostgreSQL (several replicas), chosen by the URL
//! scheme. diesel is synchronous: callers on the async side run all of this inside `web::block`.

pub mod access;
pub mod actuals;
pub mod changes;
pub mod drafts;
pub mod models;
pub mod notifications;
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
/// Held while the catalog is synced and the seed figures loaded, so replicas starting together
/// on an empty database take turns instead of inserting the same plans twice.
pub const CATALOG_LOCK_KEY: i64 = 0x706c_616e_7473;

/// Held from numbering a change to the commit (see `changes::record`).
pub const CHANGES_LOCK_KEY: i64 = 0x706c_616e_7474;

/// How long a request waits for a pooled connection before it answers 503.
pub const POOL_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
/// How long a new PostgreSQL connection may take (libpq's `connect_timeout`, in seconds).
const PG_CONNECT_TIMEOUT_SECONDS: u32 = 2;

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
            // A server that does not answer must not hold a request for libpq's default of
            // forever; an explicit `connect_timeout` in the URL wins.
            let url = if url.contains("connect_timeout=") {
                url.to_owned()
            } else {
                let joiner = if url.contains('?') { '&' } else { '?' };
                format!("{url}{joiner}connect_timeout={PG_CONNECT_TIMEOUT_SECONDS}")
            };
            Ok(Backend::Postgres(url))
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
                    setup_pragma(&mut conn, pragma).map_err(ConnectionError::CouldntSetupConfiguration)?;
                }
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// One PRAGMA of a new SQLite connection. Switching a new database to WAL needs it to itself,
/// and SQLite answers "database is locked" at once rather than waiting out busy_timeout while
/// another process opens it too (replicas starting together): tried again for up to 15 s.
fn setup_pragma(conn: &mut SqliteConnection, pragma: &str) -> diesel::QueryResult<()> {
    let started = std::time::Instant::now();
    loop {
        match conn.batch_execute(pragma) {
            Err(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("locked") && started.elapsed() < std::time::Duration::from_secs(15) =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            outcome => return outcome,
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
    let pool = r2d2::Pool::builder()
        .max_size(pool_size)
        .connection_timeout(POOL_WAIT)
        // Built unchecked: a pool does not fail while the database is briefly away, opens its
        // connections in the background, and recovers without a restart when it returns.
        .build_unchecked(DbManager { backend });
    Ok(pool)
}

/// A small pool of its own for the health check, so that a server busy with its main pool is
/// not reported as a database that is down. No migrations: the main pool has run them.
pub fn health_pool(url: &str) -> Result<DbPool, DbError> {
    let backend = Backend::from_url(url)?;
    Ok(r2d2::Pool::builder()
        .max_size(1)
        .min_idle(Some(0))
        .connection_timeout(std::time::Duration::from_secs(1))
        .build_unchecked(DbManager { backend }))
}

/// Applies pending migrations. On PostgreSQL an advisory lock makes replicas that start together
/// take turns: the first migrates, the others then find nothing to do. SQLite has no such lock:
/// a replica that lost the race to another finds the migration applied when it looks again.
pub fn run_migrations(conn: &mut DbConn) -> Result<(), DbError> {
    let migrate =
        |result: diesel::migration::Result<Vec<_>>| result.map(|_| ()).map_err(|e| DbError::Migrate(e.to_string()));
    match conn {
        DbConn::Sqlite(c) => {
            let mut attempt = 0;
            loop {
                let outcome = c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()).map_err(|e| e.to_string());
                match outcome {
                    Ok(()) => return Ok(()),
                    Err(e) if attempt >= 20 => return Err(DbError::Migrate(e)),
                    Err(e) => {
                        if !c.has_pending_migration(SQLITE_MIGRATIONS).map_err(|_| DbError::Migrate(e))? {
                            return Ok(());
                        }
                    }
                }
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
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
            // SQLite rolls back by itself on some errors (a full disk): the rollback then fails
            // with "no transaction is active", and the error that matters is the first one.
            if let Err(rollback) = <DbConn as Connection>::TransactionManager::rollback_transaction(conn) {
                tracing::warn!(error = %rollback, "rollback after a failed transaction");
            }
            Err(e)
        }
    }
}

/// The turn of [`with_advisory_lock`] on SQLite, where one process holds the database.
static SQLITE_TURNS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` while holding a PostgreSQL advisory lock (replicas take turns); on SQLite, the
/// callers in this process take turns.
pub fn with_advisory_lock<T, E>(
    conn: &mut DbConn,
    key: i64,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    if let DbConn::Pg(c) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_lock({key})")).execute(c)?;
    }
    // SQLite serialises writes, not a read followed by a write (the next version's number, then
    // its insert): this process's callers take turns here, as replicas do on PostgreSQL.
    let _turn = matches!(conn, DbConn::Sqlite(_)).then(|| SQLITE_TURNS.lock().unwrap_or_else(|e| e.into_inner()));
    let result = f(conn);
    if let DbConn::Pg(c) = conn
        && let Err(e) = diesel::sql_query(format!("SELECT pg_advisory_unlock({key})")).execute(c)
    {
        tracing::warn!(error = %e, "advisory unlock");
    }
    result
}

/// What a database error means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The disk (or SQLite's size limit) is full: nothing was written.
    StorageFull,
    /// The server went away or refused the connection.
    Unreachable,
    Other,
}

/// Classifies a database error by what the drivers say (diesel has no kinds for these).
pub fn failure_kind(error: &diesel::result::Error) -> Failure {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(kind, info) => {
            let message = info.message();
            let full = ["database or disk is full", "No space left on device", "could not extend file", "disk full"];
            let gone = [
                "server closed the connection",
                "terminating connection",
                "connection to server",
                "no connection to the server",
                "Connection refused",
                "the database system is shutting down",
                "the database system is starting up",
            ];
            if full.iter().any(|f| message.contains(f)) {
                Failure::StorageFull
            } else if matches!(kind, DatabaseErrorKind::ClosedConnection) || gone.iter().any(|g| message.contains(g)) {
                Failure::Unreachable
            } else {
                Failure::Other
            }
        }
        Error::BrokenTransactionManager => Failure::Unreachable,
        _ => Failure::Other,
    }
}

/// Gives the connection's page cache back (SQLite keeps up to 64 MB per connection otherwise,
/// filled by the last big read or write on it).
pub fn shrink_caches(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => c.batch_execute("PRAGMA shrink_memory"),
        DbConn::Pg(_) => Ok(()),
    }
}

/// A cheap round trip, for health checks.
pub fn ping(conn: &mut DbConn) -> QueryResult<()> {
    diesel::sql_query("SELECT 1").execute(conn).map(|_| ())
}
