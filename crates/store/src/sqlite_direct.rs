//! Bulk reads and inserts on SQLite straight through the connection sqlx opened. sqlx's SQLite
//! driver copies every value of every row (`sqlite3_value_dup`) on its worker thread and hands
//! each row over a channel: a season's history (52,000 rows) took 300 ms that way, and reads
//! were most of phases 3-4's time. Here the statement runs on the caller's thread, by rusqlite
//! over the same handle, while sqlx's worker is locked out of it. Only successes come from here:
//! on any error the read, or the insert after rolling back to its savepoint, is made again
//! through sqlx, so errors keep their sqlx form (unique violations, busy, messages).

use crate::schema::TableDef;
use crate::{Error, Result, Row, Value};
use rusqlite::types::ValueRef;
use sqlx::SqliteConnection;

/// Runs `sql` on `conn`; the same rows and values as sqlx's decoding gives.
pub async fn query(conn: &mut SqliteConnection, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
    match direct(conn, sql, params).await? {
        Ok(rows) => Ok(rows),
        Err(e) => {
            tracing::debug!(error = %e, "A direct SQLite read failed; reading through sqlx.");
            crate::db::sqlite::query(conn, sql, params).await
        }
    }
}

/// The read on sqlx's handle; the outer error is sqlx's failure to hand the handle over.
async fn direct(
    conn: &mut SqliteConnection,
    sql: &str,
    params: &[Value],
) -> Result<rusqlite::Result<Vec<Row>>> {
    on_handle(conn, sql, |c| read(c, sql, params)).await
}

/// Runs `work` on sqlx's handle, wrapped by rusqlite.
async fn on_handle<T>(
    conn: &mut SqliteConnection,
    sql: &str,
    work: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
) -> Result<rusqlite::Result<T>> {
    let mut handle = conn.lock_handle().await.map_err(|e| Error::query(sql, e))?;
    let raw = handle
        .as_raw_handle()
        .as_ptr()
        .cast::<rusqlite::ffi::sqlite3>();
    let run = || {
        // SAFETY: the handle is open and, while `handle` lives, used by nobody else; the
        // wrapper does not close it when dropped.
        let c = unsafe { rusqlite::Connection::from_handle(raw) }?;
        work(&c)
    };
    // The work blocks this thread (a season's history read takes tens of milliseconds): on the
    // multi-threaded runtime, the runtime moves its other tasks elsewhere meanwhile.
    let multi = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    Ok(if multi {
        tokio::task::block_in_place(run)
    } else {
        run()
    })
}

/// Inserts `rows` (in `table`'s column order) inside the connection's open transaction, one
/// prepared single-row statement executed per row; `suffix` as in [`crate::Tx::insert_new`].
/// Returns how many rows were inserted.
pub async fn insert(
    conn: &mut SqliteConnection,
    table: &TableDef,
    rows: Vec<Vec<Value>>,
    suffix: &str,
) -> Result<u64> {
    let cols: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
    let marks = vec!["?"; cols.len()].join(", ");
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({marks}){suffix}",
        table.name,
        cols.join(", ")
    );
    let done = on_handle(conn, &sql, |c| {
        c.execute_batch("SAVEPOINT direct_insert")?;
        let inserted = insert_rows(c, &sql, &rows);
        let end = if inserted.is_ok() {
            "RELEASE direct_insert"
        } else {
            "ROLLBACK TO direct_insert; RELEASE direct_insert"
        };
        c.execute_batch(end)?;
        inserted
    })
    .await?;
    match done {
        Ok(n) => Ok(n),
        Err(e) => {
            tracing::debug!(error = %e, table = table.name, "A direct SQLite insert failed; inserting through sqlx.");
            crate::db::sqlite::insert_all(conn, table, rows, suffix).await
        }
    }
}

fn insert_rows(c: &rusqlite::Connection, sql: &str, rows: &[Vec<Value>]) -> rusqlite::Result<u64> {
    let mut stmt = c.prepare(sql)?;
    let mut n = 0;
    for row in rows {
        for (i, v) in row.iter().enumerate() {
            bind(&mut stmt, i + 1, v)?;
        }
        n += stmt.raw_execute()? as u64;
    }
    Ok(n)
}

fn bind(stmt: &mut rusqlite::Statement<'_>, i: usize, v: &Value) -> rusqlite::Result<()> {
    match v {
        Value::Null => stmt.raw_bind_parameter(i, rusqlite::types::Null),
        Value::Int(x) => stmt.raw_bind_parameter(i, x),
        Value::Float(x) => stmt.raw_bind_parameter(i, x),
        Value::Text(s) => stmt.raw_bind_parameter(i, s.as_str()),
        Value::Bool(b) => stmt.raw_bind_parameter(i, b),
    }
}

fn read(c: &rusqlite::Connection, sql: &str, params: &[Value]) -> rusqlite::Result<Vec<Row>> {
    let mut stmt = c.prepare(sql)?;
    // `$N` placeholders are named parameters to SQLite: bind each by its number, as sqlx does.
    for i in 1..=stmt.parameter_count() {
        let n = match stmt.parameter_name(i) {
            Some(name) => name[1..].parse::<usize>().unwrap_or(i),
            None => i,
        };
        let Some(v) = params.get(n - 1) else {
            return Err(rusqlite::Error::InvalidParameterCount(n, params.len()));
        };
        bind(&mut stmt, i, v)?;
    }
    let ncols = stmt.column_count();
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut row = Vec::with_capacity(ncols);
        for i in 0..ncols {
            row.push(match r.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(x) => Value::Int(x),
                ValueRef::Real(x) => Value::Float(x),
                ValueRef::Text(t) => Value::Text(std::str::from_utf8(t)?.to_owned()),
                // The store writes no blobs; sqlx reports the error (see above).
                ValueRef::Blob(_) => {
                    return Err(rusqlite::Error::InvalidColumnType(
                        i,
                        "blob".into(),
                        rusqlite::types::Type::Blob,
                    ));
                }
            });
        }
        out.push(Row(row));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::{Db, Error, Value, testing};

    /// The direct read gives exactly what sqlx's decoding gives: every kind of value, `$N`
    /// parameters used out of order and twice, inside and outside a transaction.
    #[tokio::test]
    async fn direct_reads_equal_reads_through_sqlx() {
        let t = testing::sqlite().await.unwrap();
        let Db::Sqlite(pool) = &t.store.db else {
            panic!("a SQLite test database")
        };
        let db = &t.store.db;
        db.execute(
            "CREATE TABLE kinds (i INTEGER, f REAL, s TEXT, b BOOLEAN, n INTEGER)",
            &[],
        )
        .await
        .unwrap();
        for (i, s) in [(1, "plain"), (2, "Dončić – ünïcode"), (3, "")] {
            db.execute(
                "INSERT INTO kinds VALUES ($1, $2, $3, $4, NULL)",
                &[
                    Value::Int(i),
                    Value::Float(i as f64 / 3.0),
                    s.into(),
                    (i % 2 == 0).into(),
                ],
            )
            .await
            .unwrap();
        }
        let sql = "SELECT i, f, s, b, n, $2 AS echoed FROM kinds WHERE i >= $1 OR s = $2 OR i = $1 ORDER BY i";
        let params = [Value::Int(2), Value::from("plain")];
        let mut conn = pool.acquire().await.unwrap();
        let direct = super::direct(&mut conn, sql, &params)
            .await
            .unwrap()
            .unwrap();
        let via_sqlx = crate::db::sqlite::query(&mut *conn, sql, &params)
            .await
            .unwrap();
        drop(conn);
        assert_eq!(direct, via_sqlx);
        assert_eq!(direct.len(), 3);
        assert_eq!(direct[1].0[2], Value::from("Dončić – ünïcode"));
        assert_eq!(direct[0].0[4], Value::Null);
        assert_eq!(db.query(sql, &params).await.unwrap(), direct);

        let mut tx = db.begin().await.unwrap();
        tx.execute("DELETE FROM kinds WHERE i = $1", &[Value::Int(1)])
            .await
            .unwrap();
        let inside = tx.query(sql, &params).await.unwrap();
        assert_eq!(
            inside,
            direct[1..],
            "a read in a transaction sees its own writes"
        );
        tx.commit().await.unwrap();
    }

    /// A failing read reports sqlx's error, naming the statement.
    #[tokio::test]
    async fn a_failed_direct_read_reports_the_sqlx_error() {
        let t = testing::sqlite().await.unwrap();
        let err = t
            .store
            .db
            .query(
                "SELECT nothing FROM no_such_table WHERE x = $1",
                &[1i64.into()],
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Query { .. }), "{err:?}");
        assert!(err.to_string().contains("no_such_table"), "{err}");
    }

    static PAIRS: crate::TableDef = crate::TableDef {
        name: "pairs",
        columns: &[
            crate::Column::required("k", crate::ColType::Int),
            crate::Column::required("v", crate::ColType::Text),
        ],
        key: &["k"],
        partition: &[],
        moves_by: None,
    };

    /// Inserts count what they wrote; a conflict either is skipped (`insert_new`) or fails the
    /// whole insert with sqlx's unique violation and leaves nothing of it behind.
    #[tokio::test]
    async fn direct_inserts_count_skip_and_fail_as_sqlx_inserts_do() {
        let t = testing::sqlite().await.unwrap();
        let db = &t.store.db;
        db.execute(
            "CREATE TABLE pairs (k INTEGER PRIMARY KEY, v TEXT NOT NULL)",
            &[],
        )
        .await
        .unwrap();
        let row = |k: i64, v: &str| vec![Value::Int(k), v.into()];
        let mut tx = db.begin().await.unwrap();
        assert_eq!(
            tx.insert(&PAIRS, vec![row(1, "a"), row(2, "b")])
                .await
                .unwrap(),
            2
        );
        let new = tx.insert_new(&PAIRS, vec![row(2, "again"), row(3, "c"), row(3, "twice")]);
        assert_eq!(new.await.unwrap(), 1);
        let err = tx
            .insert(&PAIRS, vec![row(4, "d"), row(1, "dup")])
            .await
            .unwrap_err();
        assert!(err.is_unique_violation(), "{err}");
        tx.commit().await.unwrap();
        let rows = db
            .query("SELECT k, v FROM pairs ORDER BY k", &[])
            .await
            .unwrap();
        let got: Vec<(i64, String)> = rows
            .iter()
            .map(|r| (r.i64(0).unwrap(), r.text(1)))
            .collect();
        assert_eq!(got, [(1, "a".into()), (2, "b".into()), (3, "c".into())]);
    }
}
