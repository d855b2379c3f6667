//! One small set of database primitives with an implementation per backend.
//!
//! Architecture: everything above this module speaks portable SQL (`$1` placeholders, which
//! SQLite also accepts, `ON CONFLICT`, `CAST(... AS BIGINT)`) and exchanges rows as [`Value`]s.
//! Only the primitives here (`execute`, `query`, `insert`, transactions) know which backend
//! they talk to, so the SQLite and PostgreSQL paths cannot drift apart in the rest of the code.
//! Values are decoded by the type the database reports, never guessed from the SQL.

use crate::schema::{ColType, TableDef};
use crate::{Error, Result};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{
    AssertSqlSafe, Column as _, Postgres, Row as _, Sqlite, Transaction, TypeInfo as _,
    ValueRef as _,
};
use std::str::FromStr;
use std::sync::LazyLock;
use std::time::Duration;

static SQLITE_MIGRATIONS: LazyLock<Migrator> = LazyLock::new(crate::migrations::sqlite);
static POSTGRES_MIGRATIONS: LazyLock<Migrator> = LazyLock::new(crate::migrations::postgres);

/// One SQL value as the rest of the code sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
}

impl Value {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(v) => Some(*v),
            Value::Int(v) => Some(*v as f64),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
    /// SQLite has no boolean type: it stores 0/1.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Int(v) => Some(*v != 0),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident as $conv:ty),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self { Value::$variant(<$conv>::from(v)) }
        }
    )*};
}
value_from!(i64 => Int as i64, i32 => Int as i64, u16 => Int as i64, f64 => Float as f64, bool => Bool as bool,
            String => Text as String, &str => Text as String);

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// A result row: values in the order of the query's columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> &Value {
        self.0.get(i).unwrap_or(&Value::Null)
    }
    pub fn i64(&self, i: usize) -> Option<i64> {
        self.at(i).as_i64()
    }
    pub fn f64(&self, i: usize) -> Option<f64> {
        self.at(i).as_f64()
    }
    pub fn str(&self, i: usize) -> Option<&str> {
        self.at(i).as_str()
    }
    pub fn bool(&self, i: usize) -> Option<bool> {
        self.at(i).as_bool()
    }
    pub fn text(&self, i: usize) -> String {
        self.str(i).unwrap_or_default().to_string()
    }
}

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool to one of the two backends.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction; dropped without [`Tx::commit`] it rolls back.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Db {
    /// Connects to `sqlite://path` (created if missing) or `postgres://…`, and migrates.
    pub async fn connect(url: &str) -> Result<Db> {
        let db = Self::connect_without_migrating(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Connects without migrating (for tests that set up their own schema first).
    pub async fn connect_without_migrating(url: &str) -> Result<Db> {
        let redacted = redact_url(url);
        let conn_err = |e: sqlx::Error| Error::Connect {
            url: redacted.clone(),
            source: e,
        };
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(conn_err)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // WAL + NORMAL is durable across process crashes; only an OS crash can lose the
                // last transactions, which a re-run of their partitions restores.
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                // Statement journals of big multi-row inserts and a season's working set of
                // pages stay in memory (64 MiB per connection at most).
                .pragma("temp_store", "memory")
                .pragma("cache_size", "-65536")
                // sqlx hands result rows from its SQLite thread to the caller through a channel of
                // 50: a season-sized read then blocked and woke both threads every few rows (52k
                // rows took seconds). A deep buffer lets the thread run ahead.
                .row_buffer_size(65_536)
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .after_release(|conn, _| Box::pin(leaves_no_transaction(conn)))
                .connect_with(opts)
                .await
                .map_err(conn_err)?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url).map_err(conn_err)?;
            Self::connect_postgres(opts, &redacted).await
        } else {
            Err(Error::Config(format!(
                "database url {redacted} is neither sqlite:… nor postgres://…"
            )))
        }
    }

    /// Connects to PostgreSQL with explicit options (tests use this to pick a schema).
    pub async fn connect_postgres(opts: PgConnectOptions, label: &str) -> Result<Db> {
        // Named in pg_stat_activity, so an operator (or a fault test) can find our sessions.
        let opts = opts.application_name("nba-props");
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .after_release(|conn, _| Box::pin(leaves_no_transaction(conn)))
            .connect_with(opts)
            .await
            .map_err(|e| Error::Connect {
                url: label.to_string(),
                source: e,
            })?;
        Ok(Db::Postgres(pool))
    }

    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a write transaction. On SQLite it takes the write lock up front (`BEGIN
    /// IMMEDIATE`), so two processes writing at once wait for each other instead of failing
    /// when a read transaction tries to become a write.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A transaction whose commit does not wait for the disk on PostgreSQL: for writes a crash
    /// may lose (the server then recovers to a state just before them; no later transaction
    /// survives without them). One round trip, like `begin`. On SQLite the same as `begin`.
    pub async fn begin_async_commit(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(
                p.begin_with("BEGIN; SET LOCAL synchronous_commit = off")
                    .await?,
            ),
        })
    }

    pub async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64> {
        match self {
            Db::Sqlite(p) => sqlite::execute(p, sql, params).await,
            Db::Postgres(p) => postgres::execute(p, sql, params).await,
        }
    }

    pub async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        match self {
            Db::Sqlite(p) => {
                let mut conn = p.acquire().await?;
                crate::sqlite_direct::query(&mut conn, sql, params).await
            }
            Db::Postgres(p) => postgres::query(p, sql, params).await,
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// Whether a connection handed back to its pool may be used again: not when it is still inside a
/// transaction. A COMMIT that failed (a full disk) can leave SQLite's connection counting a
/// transaction that the database already rolled back; the rollback queued on drop then fails
/// too, and every later `BEGIN` on that connection would fail forever ("non-zero transaction
/// depth"). Such a connection is closed instead, and the pool opens a fresh one.
async fn leaves_no_transaction<C: sqlx::Connection>(
    conn: &mut C,
) -> std::result::Result<bool, sqlx::Error> {
    // The ping runs after any rollback queued on the connection, so the depth read next is final.
    conn.ping().await?;
    let clean = !conn.is_in_transaction();
    if !clean {
        tracing::warn!(
            "A pooled connection was still inside a transaction after a failure; it is closed and replaced."
        );
    }
    Ok(clean)
}

/// Rows in multi-row statements of at most 500 rows and 30,000 parameters (SQLite caps them at
/// 32,766), each with whether to cache its statement: full chunks repeat the same statement, and
/// single rows are bookkeeping written again and again; other short chunks have shapes of their
/// own and stay out of the cache.
fn insert_chunks(
    ncols: usize,
    rows: Vec<Vec<Value>>,
) -> impl Iterator<Item = (Vec<Vec<Value>>, bool)> {
    let chunk = (30_000 / ncols.max(1)).clamp(1, 500);
    let mut rows = rows.into_iter().peekable();
    std::iter::from_fn(move || {
        rows.peek()?;
        let part: Vec<Vec<Value>> = rows.by_ref().take(chunk).collect();
        let cached = part.len() == chunk || part.len() == 1;
        Some((part, cached))
    })
}

impl Tx {
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        match self {
            Tx::Sqlite(t) => sqlite::execute(&mut **t, sql, params).await,
            Tx::Postgres(t) => postgres::execute(&mut **t, sql, params).await,
        }
    }

    pub async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        match self {
            Tx::Sqlite(t) => crate::sqlite_direct::query(t, sql, params).await,
            Tx::Postgres(t) => postgres::query(&mut **t, sql, params).await,
        }
    }

    /// Inserts rows (values in the table's column order) with multi-row statements.
    /// A row that repeats a natural key is a constraint error, never a silent duplicate.
    /// The rows are moved into the statement: a season's features are millions of values, and
    /// copying each text value on its way in was a large share of a backfill's time.
    pub async fn insert(&mut self, table: &TableDef, rows: Vec<Vec<Value>>) -> Result<u64> {
        self.insert_rows(table, rows, "").await
    }

    /// Inserts the rows whose key is not present yet; returns how many were new.
    pub async fn insert_new(&mut self, table: &TableDef, rows: Vec<Vec<Value>>) -> Result<u64> {
        self.insert_rows(table, rows, " ON CONFLICT DO NOTHING")
            .await
    }

    async fn insert_rows(
        &mut self,
        table: &TableDef,
        rows: Vec<Vec<Value>>,
        suffix: &str,
    ) -> Result<u64> {
        let ncols = table.columns.len();
        if let Some(bad) = rows.iter().find(|r| r.len() != ncols) {
            return Err(Error::Schema(format!(
                "{}: row has {} values for {} columns",
                table.name,
                bad.len(),
                ncols
            )));
        }
        let t = match self {
            Tx::Sqlite(t) => return crate::sqlite_direct::insert(t, table, rows, suffix).await,
            Tx::Postgres(t) => t,
        };
        let mut written = 0;
        for (part, cached) in insert_chunks(ncols, rows) {
            let sql = insert_sql(table, part.len(), false) + suffix;
            written += postgres::insert(&mut **t, &sql, table, part, cached).await?;
        }
        Ok(written)
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// SQLite gets anonymous `?` placeholders: it treats `$N` as named parameters and looks names up
/// linearly, which made a 5,000-parameter insert quadratic (most of a backfill's time).
fn insert_sql(table: &TableDef, nrows: usize, anonymous: bool) -> String {
    let ncols = table.columns.len();
    let cols: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
    let mut sql = format!("INSERT INTO {} ({}) VALUES ", table.name, cols.join(", "));
    for r in 0..nrows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..ncols {
            if c > 0 {
                sql.push_str(", ");
            }
            if anonymous {
                sql.push('?');
            } else {
                sql.push('$');
                sql.push_str(&(r * ncols + c + 1).to_string());
            }
        }
        sql.push(')');
    }
    sql
}

/// Hides the password of a database URL for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// sqlx's SQLite path: bulk reads and inserts come here only when the direct path
/// ([`crate::sqlite_direct`]) failed, to report the error in sqlx's form.
pub(crate) mod sqlite {
    use super::*;
    use sqlx::sqlite::SqliteArguments;
    use sqlx::{Executor, query::Query};

    type Q<'a> = Query<'a, Sqlite, SqliteArguments>;

    fn bind<'a>(q: Q<'a>, v: &Value) -> Q<'a> {
        match v {
            Value::Null => q.bind(None::<i64>),
            Value::Int(i) => q.bind(*i),
            Value::Float(f) => q.bind(*f),
            Value::Text(s) => q.bind(s.clone()),
            Value::Bool(b) => q.bind(*b),
        }
    }

    pub async fn execute<'e, E: Executor<'e, Database = Sqlite>>(
        e: E,
        sql: &str,
        params: &[Value],
    ) -> Result<u64> {
        let q = params
            .iter()
            .fold(sqlx::query(AssertSqlSafe(sql.to_string())), bind);
        Ok(q.execute(e)
            .await
            .map_err(|err| Error::query(sql, err))?
            .rows_affected())
    }

    fn bind_owned<'a>(q: Q<'a>, v: Value) -> Q<'a> {
        match v {
            Value::Text(s) => q.bind(s),
            other => bind(q, &other),
        }
    }

    pub async fn insert<'e, E: Executor<'e, Database = Sqlite>>(
        e: E,
        sql: &str,
        rows: Vec<Vec<Value>>,
        cached: bool,
    ) -> Result<u64> {
        let q = rows.into_iter().flatten().fold(
            sqlx::query(AssertSqlSafe(sql.to_string())).persistent(cached),
            bind_owned,
        );
        Ok(q.execute(e)
            .await
            .map_err(|err| Error::query(sql, err))?
            .rows_affected())
    }

    /// Inserts `rows` of `table` (see [`insert_chunks`]) on `conn`.
    pub async fn insert_all(
        conn: &mut sqlx::SqliteConnection,
        table: &TableDef,
        rows: Vec<Vec<Value>>,
        suffix: &str,
    ) -> Result<u64> {
        let mut written = 0;
        for (part, cached) in insert_chunks(table.columns.len(), rows) {
            let sql = insert_sql(table, part.len(), true) + suffix;
            written += insert(&mut *conn, &sql, part, cached).await?;
        }
        Ok(written)
    }

    pub async fn query<'e, E: Executor<'e, Database = Sqlite>>(
        e: E,
        sql: &str,
        params: &[Value],
    ) -> Result<Vec<Row>> {
        let q = params
            .iter()
            .fold(sqlx::query(AssertSqlSafe(sql.to_string())), bind);
        let rows = q.fetch_all(e).await.map_err(|err| Error::query(sql, err))?;
        rows.iter().map(|r| decode(r, sql)).collect()
    }

    fn decode(row: &SqliteRow, sql: &str) -> Result<Row> {
        let mut out = Vec::with_capacity(row.len());
        for i in 0..row.len() {
            let raw = row.try_get_raw(i).map_err(|e| Error::query(sql, e))?;
            if raw.is_null() {
                out.push(Value::Null);
                continue;
            }
            let v = match raw.type_info().name() {
                "INTEGER" | "BOOLEAN" => {
                    Value::Int(row.try_get(i).map_err(|e| Error::query(sql, e))?)
                }
                "REAL" => Value::Float(row.try_get(i).map_err(|e| Error::query(sql, e))?),
                "TEXT" => Value::Text(row.try_get(i).map_err(|e| Error::query(sql, e))?),
                other => {
                    return Err(Error::Schema(format!(
                        "column {} has SQLite type {other}, which the store does not read",
                        row.column(i).name()
                    )));
                }
            };
            out.push(v);
        }
        Ok(Row(out))
    }
}

mod postgres {
    use super::*;
    use sqlx::postgres::PgArguments;
    use sqlx::{Executor, query::Query};

    type Q<'a> = Query<'a, Postgres, PgArguments>;

    /// PostgreSQL types every parameter; a NULL is bound with its column's type when known
    /// (inserts). Elsewhere a NULL parameter is bound as text, so writes of nullable non-text
    /// columns go through [`Tx::insert`].
    fn bind_typed<'a>(q: Q<'a>, v: &Value, ty: Option<ColType>) -> Q<'a> {
        match (v, ty) {
            (Value::Null, Some(ColType::Int)) => q.bind(None::<i64>),
            (Value::Null, Some(ColType::Float)) => q.bind(None::<f64>),
            (Value::Null, Some(ColType::Bool)) => q.bind(None::<bool>),
            (Value::Null, _) => q.bind(None::<String>),
            (Value::Int(i), Some(ColType::Float)) => q.bind(*i as f64),
            (Value::Int(i), Some(ColType::Bool)) => q.bind(*i != 0),
            (Value::Int(i), _) => q.bind(*i),
            (Value::Float(f), _) => q.bind(*f),
            (Value::Text(s), _) => q.bind(s.clone()),
            (Value::Bool(b), _) => q.bind(*b),
        }
    }

    pub async fn execute<'e, E: Executor<'e, Database = Postgres>>(
        e: E,
        sql: &str,
        params: &[Value],
    ) -> Result<u64> {
        let q = params
            .iter()
            .fold(sqlx::query(AssertSqlSafe(sql.to_string())), |q, v| {
                bind_typed(q, v, None)
            });
        Ok(q.execute(e)
            .await
            .map_err(|err| Error::query(sql, err))?
            .rows_affected())
    }

    pub async fn insert<'e, E: Executor<'e, Database = Postgres>>(
        e: E,
        sql: &str,
        table: &TableDef,
        rows: Vec<Vec<Value>>,
        cached: bool,
    ) -> Result<u64> {
        let mut q = sqlx::query(AssertSqlSafe(sql.to_string())).persistent(cached);
        for row in rows {
            for (v, col) in row.into_iter().zip(table.columns) {
                q = match v {
                    Value::Text(s) => q.bind(s),
                    other => bind_typed(q, &other, Some(col.ty)),
                };
            }
        }
        Ok(q.execute(e)
            .await
            .map_err(|err| Error::query(sql, err))?
            .rows_affected())
    }

    pub async fn query<'e, E: Executor<'e, Database = Postgres>>(
        e: E,
        sql: &str,
        params: &[Value],
    ) -> Result<Vec<Row>> {
        let q = params
            .iter()
            .fold(sqlx::query(AssertSqlSafe(sql.to_string())), |q, v| {
                bind_typed(q, v, None)
            });
        let rows = q.fetch_all(e).await.map_err(|err| Error::query(sql, err))?;
        rows.iter().map(|r| decode(r, sql)).collect()
    }

    fn decode(row: &PgRow, sql: &str) -> Result<Row> {
        let mut out = Vec::with_capacity(row.len());
        for i in 0..row.len() {
            let raw = row.try_get_raw(i).map_err(|e| Error::query(sql, e))?;
            if raw.is_null() {
                out.push(Value::Null);
                continue;
            }
            let err = |e| Error::query(sql, e);
            let v = match raw.type_info().name() {
                "INT8" => Value::Int(row.try_get(i).map_err(err)?),
                "INT4" => Value::Int(row.try_get::<i32, _>(i).map_err(err)?.into()),
                "INT2" => Value::Int(row.try_get::<i16, _>(i).map_err(err)?.into()),
                "FLOAT8" => Value::Float(row.try_get(i).map_err(err)?),
                "FLOAT4" => Value::Float(row.try_get::<f32, _>(i).map_err(err)?.into()),
                "BOOL" => Value::Bool(row.try_get(i).map_err(err)?),
                "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => Value::Text(row.try_get(i).map_err(err)?),
                other => {
                    return Err(Error::Schema(format!(
                        "column {} has PostgreSQL type {other}, which the store does not read (cast it in SQL)",
                        row.column(i).name()
                    )));
                }
            };
            out.push(v);
        }
        Ok(Row(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_password_in_messages() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }
}
