//! One SQL statement being assembled from parts, so that on PostgreSQL several writes of one
//! transaction can travel as a single statement (data-modifying `WITH` parts), one round trip
//! instead of one each.

use nba_props_store::{Backend, Tx, Value};

#[derive(Debug, Default)]
pub(crate) struct Params(pub Vec<Value>);

impl Params {
    /// Binds `v` and returns its placeholder.
    pub fn bind(&mut self, v: impl Into<Value>) -> String {
        self.0.push(v.into());
        format!("${}", self.0.len())
    }

    /// Placeholders for `values`, comma-separated.
    pub fn bind_all<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> String {
        values
            .into_iter()
            .map(|v| self.bind(v))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Runs write statements built by `parts` (each gets the shared parameters): on PostgreSQL as one
/// statement, the first ones as `WITH` parts of the last; on SQLite one after the other.
pub(crate) async fn execute_together(
    tx: &mut Tx,
    parts: &[&(dyn Fn(&mut Params) -> String + Sync)],
) -> nba_props_store::Result<()> {
    match tx.backend() {
        Backend::Postgres => {
            let mut params = Params::default();
            let sqls: Vec<String> = parts.iter().map(|p| p(&mut params)).collect();
            let Some((last, first)) = sqls.split_last() else {
                return Ok(());
            };
            let with: Vec<String> = first
                .iter()
                .enumerate()
                .map(|(i, s)| format!("part{i} AS ({s})"))
                .collect();
            let sql = if with.is_empty() {
                last.clone()
            } else {
                format!("WITH {} {last}", with.join(", "))
            };
            tx.execute(&sql, &params.0).await?;
        }
        Backend::Sqlite => {
            for p in parts {
                let mut params = Params::default();
                let sql = p(&mut params);
                tx.execute(&sql, &params.0).await?;
            }
        }
    }
    Ok(())
}
