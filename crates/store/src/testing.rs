//! Test support: a fresh, migrated database per test on each backend.
//!
//! SQLite gets a new file in a temporary directory. PostgreSQL gets a new schema in the database
//! named by `NBA_PROPS_TEST_DATABASE_URL`; when that variable is unset the PostgreSQL half of a
//! test is skipped with a loud line on stderr (CI always sets it).

use crate::db::Db;
use crate::{Result, Store};
use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

pub const TEST_DATABASE_URL_VAR: &str = "NBA_PROPS_TEST_DATABASE_URL";

/// A database for one test; the temporary directory (SQLite file, raw store) lives as long as it.
pub struct TestDb {
    pub label: &'static str,
    pub url: String,
    pub store: Store,
    pub dir: tempfile::TempDir,
}

/// A fresh SQLite database and raw store.
pub async fn sqlite() -> Result<TestDb> {
    let dir = tempfile::tempdir().map_err(|e| crate::Error::Io {
        path: "tempdir".into(),
        source: e,
    })?;
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let store = Store::open(&url, dir.path().join("raw")).await?;
    Ok(TestDb {
        label: "sqlite",
        url,
        store,
        dir,
    })
}

/// Test schemas outlive their process (a test that panics cannot clean up): once per process,
/// drop those of processes on this machine that have ended, so runs do not pile up thousands of
/// tables for autovacuum to visit.
async fn drop_schemas_of_finished_runs(admin: &Db) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    let mut first = false;
    ONCE.call_once(|| first = true);
    if !first || !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let Ok(rows) = admin
        .query(
            "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 't\\_%'",
            &[],
        )
        .await
    else {
        return;
    };
    for r in rows {
        let name = r.text(0);
        let Some(pid) = name.split('_').nth(1).and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid == std::process::id() || std::path::Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        // Another process may be dropping it too: either way it ends up gone.
        let _ = admin
            .execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"), &[])
            .await;
    }
}

/// A fresh PostgreSQL schema and raw store, or `None` when no test server is configured.
pub async fn postgres() -> Result<Option<TestDb>> {
    let Ok(base) = std::env::var(TEST_DATABASE_URL_VAR) else {
        eprintln!(
            "SKIPPED (postgres): {TEST_DATABASE_URL_VAR} is not set; the PostgreSQL half of this test did not run"
        );
        return Ok(None);
    };
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "t_{}_{}_{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed),
        jiff::Timestamp::now().as_millisecond() % 1_000_000
    );
    let admin = Db::connect_without_migrating(&base).await?;
    drop_schemas_of_finished_runs(&admin).await;
    admin
        .execute(&format!("CREATE SCHEMA {schema}"), &[])
        .await?;
    admin.close().await;
    let url = format!(
        "{base}{}options=-c%20search_path%3D{schema}",
        if base.contains('?') { "&" } else { "?" }
    );
    let opts = PgConnectOptions::from_str(&base)?.options([("search_path", schema.as_str())]);
    let db = Db::connect_postgres(opts, &base).await?;
    db.migrate().await?;
    let dir = tempfile::tempdir().map_err(|e| crate::Error::Io {
        path: "tempdir".into(),
        source: e,
    })?;
    let store = Store {
        db,
        raw: crate::RawStore::new(dir.path().join("raw")),
    };
    Ok(Some(TestDb {
        label: "postgres",
        url,
        store,
        dir,
    }))
}

/// Every configured backend: SQLite always, PostgreSQL when configured.
pub async fn all() -> Vec<TestDb> {
    let mut out = vec![sqlite().await.expect("create a SQLite test database")];
    if let Some(pg) = postgres().await.expect("create a PostgreSQL test schema") {
        out.push(pg);
    }
    out
}

/// Another fresh database on the same backend as `like`.
pub async fn same_backend(like: &TestDb) -> TestDb {
    match like.label {
        "postgres" => postgres()
            .await
            .expect("create a PostgreSQL test schema")
            .expect("PostgreSQL is configured: `like` is on it"),
        _ => sqlite().await.expect("create a SQLite test database"),
    }
}
