//! Idempotent partition writes: a processor's output for one partition replaces exactly that
//! partition's rows, inside the caller's transaction.

use crate::db::{Tx, Value};
use crate::schema::TableDef;
use crate::{Error, Result};
use sha2::{Digest, Sha256};

impl Tx {
    /// Deletes the partition's rows of `table` and inserts `rows` (values in column order).
    /// `partition` gives the values of `table.partition`'s columns, and every row must carry
    /// them: a row outside its partition is a bug, reported instead of written.
    pub async fn replace_partition(
        &mut self,
        table: &TableDef,
        partition: &[Value],
        rows: &[Vec<Value>],
    ) -> Result<u64> {
        self.replace_partitions(
            table,
            std::slice::from_ref(&partition.to_vec()),
            rows.to_vec(),
        )
        .await
    }

    /// [`Tx::replace_partition`] for several partitions at once (one delete, one insert per
    /// chunk): each partition still ends up holding exactly its rows of `rows`.
    pub async fn replace_partitions(
        &mut self,
        table: &TableDef,
        partitions: &[Vec<Value>],
        rows: Vec<Vec<Value>>,
    ) -> Result<u64> {
        self.lock_partitions(table, partitions).await?;
        self.replace_locked_partitions(table, partitions, rows)
            .await
    }

    /// [`Tx::replace_partitions`] when this transaction already holds the partitions' locks
    /// (taken with those of other tables in one [`Tx::lock_all_named`] of
    /// [`partition_lock_names`]).
    pub async fn replace_locked_partitions(
        &mut self,
        table: &TableDef,
        partitions: &[Vec<Value>],
        rows: Vec<Vec<Value>>,
    ) -> Result<u64> {
        if partitions.is_empty() {
            // Rows for no partition would be dropped without a trace: refuse them.
            return match rows.first() {
                None => Ok(0),
                Some(row) => Err(Error::Schema(format!(
                    "{}: row {row:?} written to no partition",
                    table.name
                ))),
            };
        }
        if partitions.iter().any(|p| p.len() != table.partition.len()) {
            return Err(Error::Schema(format!(
                "{}: partition needs {} values",
                table.name,
                table.partition.len()
            )));
        }
        let part_idx: Vec<usize> = table
            .partition
            .iter()
            .map(|c| {
                table
                    .column_index(c)
                    .ok_or_else(|| Error::Schema(format!("{}: no column {c}", table.name)))
            })
            .collect::<Result<_>>()?;
        for row in &rows {
            let values: Vec<&Value> = part_idx.iter().map(|i| &row[*i]).collect();
            if !partitions
                .iter()
                .any(|p| p.iter().eq(values.iter().copied()))
            {
                return Err(Error::Schema(format!(
                    "{}: row with {} = {:?} written to partition {:?}",
                    table.name,
                    table.partition.join(", "),
                    values,
                    partitions.first()
                )));
            }
        }
        // WHERE (c1 = $1 AND c2 = $2) OR (c1 = $3 AND c2 = $4) ...
        let mut params: Vec<Value> = Vec::new();
        let mut alternatives = Vec::with_capacity(partitions.len());
        for p in partitions {
            let conds: Vec<String> = table
                .partition
                .iter()
                .zip(p)
                .map(|(c, v)| {
                    params.push(v.clone());
                    format!("{c} = ${}", params.len())
                })
                .collect();
            alternatives.push(format!("({})", conds.join(" AND ")));
        }
        let mut cond_sql = alternatives.join(" OR ");
        if let Some(col) = table.moves_by {
            // The rows' ids leave whatever partition held them before (one statement, not two).
            let idx = table
                .column_index(col)
                .ok_or_else(|| Error::Schema(format!("{}: no column {col}", table.name)))?;
            if !rows.is_empty() && rows.len() <= 500 {
                let first = params.len() + 1;
                let ph: Vec<String> = (first..first + rows.len())
                    .map(|i| format!("${i}"))
                    .collect();
                params.extend(rows.iter().map(|r| r[idx].clone()));
                cond_sql = format!("{cond_sql} OR {col} IN ({})", ph.join(", "));
            } else {
                for chunk in rows.chunks(500) {
                    let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
                    let ids: Vec<Value> = chunk.iter().map(|r| r[idx].clone()).collect();
                    self.execute(
                        &format!(
                            "DELETE FROM {} WHERE {col} IN ({})",
                            table.name,
                            ph.join(", ")
                        ),
                        &ids,
                    )
                    .await?;
                }
            }
        }
        let sql = format!("DELETE FROM {} WHERE {cond_sql}", table.name);
        self.execute(&sql, &params).await?;
        self.insert(table, rows).await
    }
}

impl Tx {
    /// Serialises writers of one partition (also usable for any key the caller names by a table
    /// and values). SQLite's `BEGIN IMMEDIATE` already admits one writer
    /// at a time; PostgreSQL (read committed) would let two concurrent replaces both delete
    /// nothing and both insert, so they take a transaction-scoped advisory lock on the partition.
    pub async fn lock_partition(&mut self, table: &TableDef, partition: &[Value]) -> Result<()> {
        self.lock_partitions(table, std::slice::from_ref(&partition.to_vec()))
            .await
    }

    /// [`Tx::lock_partition`] for several partitions, in the order given, in one statement.
    pub async fn lock_partitions(
        &mut self,
        table: &TableDef,
        partitions: &[Vec<Value>],
    ) -> Result<()> {
        self.lock_all_named(&partition_lock_names(table, partitions))
            .await
    }

    /// Takes the named locks in the order given: on PostgreSQL in one statement per thousand
    /// (a target list is evaluated left to right), so a batch of partitions costs one round
    /// trip, not one per partition.
    pub async fn lock_all_named(&mut self, names: &[String]) -> Result<()> {
        if !matches!(self, Tx::Postgres(_)) {
            return Ok(());
        }
        for chunk in names.chunks(1000) {
            let calls: Vec<String> = (1..=chunk.len())
                .map(|i| format!("pg_advisory_xact_lock(${i})"))
                .collect();
            let keys: Vec<Value> = chunk.iter().map(|n| Value::Int(advisory_key(n))).collect();
            self.execute(&format!("SELECT {}", calls.join(", ")), &keys)
                .await?;
        }
        Ok(())
    }

    /// Serialises the transactions that take the same named lock, until they end (PostgreSQL:
    /// a transaction-scoped advisory lock; SQLite's `BEGIN IMMEDIATE` already admits one writer).
    pub async fn lock_named(&mut self, name: &str) -> Result<()> {
        self.lock_all_named(&[name.to_string()]).await
    }
}

/// The lock names of `table`'s `partitions` (see [`Tx::lock_partition`]).
pub fn partition_lock_names(table: &TableDef, partitions: &[Vec<Value>]) -> Vec<String> {
    partitions
        .iter()
        .map(|partition| {
            let mut key = table.name.to_string();
            for v in partition {
                key.push_str(&format!("|{v:?}"));
            }
            key
        })
        .collect()
}

/// The PostgreSQL advisory lock key of a lock name (for callers that take locks inside a
/// larger statement, to save round trips).
pub fn advisory_key(name: &str) -> i64 {
    let digest = Sha256::digest(name.as_bytes());
    i64::from_le_bytes(digest[..8].try_into().expect("sha256 has 32 bytes"))
}

/// A stable hash of a partition's output rows, independent of row order: a re-run whose hash is
/// unchanged changed nothing downstream.
pub fn content_hash<'a>(tables: impl IntoIterator<Item = (&'a str, &'a [Vec<Value>])>) -> String {
    let mut overall = Sha256::new();
    for (name, rows) in tables {
        let mut row_hashes: Vec<[u8; 32]> = rows
            .iter()
            .map(|row| {
                let mut h = Sha256::new();
                for v in row {
                    match v {
                        Value::Null => h.update([0u8]),
                        Value::Int(i) => {
                            h.update([1u8]);
                            h.update(i.to_le_bytes());
                        }
                        Value::Float(f) => {
                            h.update([2u8]);
                            h.update(f.to_bits().to_le_bytes());
                        }
                        Value::Text(s) => {
                            h.update([3u8]);
                            h.update((s.len() as u64).to_le_bytes());
                            h.update(s.as_bytes());
                        }
                        Value::Bool(b) => h.update([4u8, *b as u8]),
                    }
                }
                h.finalize().into()
            })
            .collect();
        row_hashes.sort_unstable();
        overall.update(name.as_bytes());
        overall.update((row_hashes.len() as u64).to_le_bytes());
        for rh in &row_hashes {
            overall.update(rh);
        }
    }
    hex::encode(overall.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hash_ignores_row_order_but_sees_every_value() {
        let a = [
            vec![Value::Int(1), Value::Text("x".into())],
            vec![Value::Int(2), Value::Null],
        ];
        let b = [a[1].clone(), a[0].clone()];
        assert_eq!(content_hash([("t", &a[..])]), content_hash([("t", &b[..])]));
        let c = [a[0].clone(), vec![Value::Int(2), Value::Int(0)]];
        assert_ne!(content_hash([("t", &a[..])]), content_hash([("t", &c[..])]));
        // A value moving between columns changes the hash.
        let d = [vec![Value::Text("1".into()), Value::Int(1)]];
        let e = [vec![Value::Int(1), Value::Text("1".into())]];
        assert_ne!(content_hash([("t", &d[..])]), content_hash([("t", &e[..])]));
    }
}
