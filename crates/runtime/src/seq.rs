//! The runtime's logical clock: one counter that orders claims and finishes across workers.

use nba_props_store::{Backend, Tx};

/// The next position. Taken after the locks that order it against other transactions (see
/// [`crate::trigger`]); on PostgreSQL a sequence (no row lock), on SQLite a counter row inside
/// the single writer transaction.
pub async fn next(tx: &mut Tx) -> nba_props_store::Result<i64> {
    let sql = match tx.backend() {
        Backend::Postgres => "SELECT nextval('runtime_seq')",
        Backend::Sqlite => {
            "UPDATE runtime_seq SET value = value + 1 WHERE name = 'events' RETURNING value"
        }
    };
    let rows = tx.query(sql, &[]).await?;
    rows.first().and_then(|r| r.i64(0)).ok_or_else(|| {
        nba_props_store::Error::Schema(
            "runtime_seq returned no value: is migration 0003 applied?".into(),
        )
    })
}
