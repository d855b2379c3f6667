//! Reads on SQLite straight through the connection sqlx opened. sqlx's SQLite driver copies
//! every value of every row (`sqlite3_value_dup`) on its worker thread and hands each row over a
//! channel: a season's history (52,000 rows) took 300 ms that way, most of phases 3-4's time.
//! Here the statement runs on the caller's thread, by rusqlite over the same handle, while sqlx's
//! worker is locked out of it. Only successful reads come from here: on any error the read is
//! made again through sqlx, so errors keep their sqlx form (unique violations, busy, messages).

use crate::{Error, Result, Row, Value};
use rusqlite::types::ValueRef;
use sqlx::SqliteConnection;

/// Runs `sql` on `conn`; the same rows and values as sqlx's decoding gives.
pub async fn query(conn: &mut SqliteConnection, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
    match direct(conn, sql, params).await? {
        Ok(rows) => Ok(rows),
        Err(e) => {
            tracing::debug!(error = %e, "A direct SQLite read failed; reading through sqlx.");
            crate::db::sqlite_query_via_sqlx(conn, sql, params).await
        }
    }
}

/// The read on sqlx's handle; the outer error is sqlx's failure to hand the handle over.
async fn direct(
    conn: &mut SqliteConnection,
    sql: &str,
    params: &[Value],
) -> Result<rusqlite::Result<Vec<Row>>> {
    let mut handle = conn.lock_handle().await.map_err(|e| Error::query(sql, e))?;
    let raw = handle
        .as_raw_handle()
        .as_ptr()
        .cast::<rusqlite::ffi::sqlite3>();
    let read = || {
        // SAFETY: the handle is open and, while `handle` lives, used by nobody else; the
        // wrapper does not close it when dropped.
        let c = unsafe { rusqlite::Connection::from_handle(raw) }?;
        read(&c, sql, params)
    };
    // The read blocks this thread (a season's history takes ~50 ms): on the multi-threaded
    // runtime, the runtime moves its other tasks elsewhere meanwhile.
    let multi = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    Ok(if multi {
        tokio::task::block_in_place(read)
    } else {
        read()
    })
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
        match v {
            Value::Null => stmt.raw_bind_parameter(i, rusqlite::types::Null)?,
            Value::Int(x) => stmt.raw_bind_parameter(i, x)?,
            Value::Float(x) => stmt.raw_bind_parameter(i, x)?,
            Value::Text(s) => stmt.raw_bind_parameter(i, s.as_str())?,
            Value::Bool(b) => stmt.raw_bind_parameter(i, b)?,
        }
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
        let via_sqlx = crate::db::sqlite_query_via_sqlx(&mut conn, sql, &params)
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
}
