//! The schema migrations of each backend, embedded in the binary. Listed by hand rather than
//! with `sqlx::migrate!`: that macro pulls a second, host-side build of sqlx with both database
//! drivers and SQLite's C source into every cold build (about a minute on 2 cores). A test checks
//! that the list matches the files in `migrations/`, checksums included, so a migration cannot be
//! added without being listed.

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, SqlSafeStr};
use std::borrow::Cow;

macro_rules! embedded {
    ($backend:literal: $($version:literal $file:literal $description:literal),* $(,)?) => {
        vec![$(
            Migration::new(
                $version,
                Cow::Borrowed($description),
                MigrationType::Simple,
                AssertSqlSafe(include_str!(concat!("../migrations/", $backend, "/", $file, ".sql")))
                    .into_sql_str(),
                false,
            )
        ),*]
    };
}

macro_rules! both {
    ($($version:literal $file:literal $description:literal),* $(,)?) => {
        pub fn sqlite() -> Migrator {
            Migrator::with_migrations(embedded!("sqlite": $($version $file $description),*))
        }
        pub fn postgres() -> Migrator {
            Migrator::with_migrations(embedded!("postgres": $($version $file $description),*))
        }
    };
}

// Version, file name and description as `sqlx::migrate!` derived them from the file name, so
// databases migrated by earlier builds see the same history.
both! {
    1 "0001_foundation" "foundation",
    2 "0002_analytics" "analytics",
    3 "0003_runtime" "runtime",
    4 "0004_predictions" "predictions",
    5 "0005_more_sources" "more sources",
    6 "0006_ops" "ops",
    7 "0007_prop_lines" "prop lines",
    8 "0008_ready_jobs" "ready jobs",
    9 "0009_job_failures" "job failures",
    10 "0010_priced_picks" "priced picks",
    11 "0011_who_plays" "who plays",
    12 "0012_live_day" "live day",
    13 "0013_rosters" "rosters",
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every file in the migrations directory is listed, under the version, description and
    /// checksum sqlx itself derives from it.
    #[tokio::test]
    async fn the_embedded_migrations_are_the_files() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        for (backend, embedded) in [("sqlite", super::sqlite()), ("postgres", super::postgres())] {
            let files = sqlx::migrate::Migrator::new(dir.join(backend))
                .await
                .unwrap();
            let key = |m: &sqlx::migrate::Migration| {
                (
                    m.version,
                    m.description.to_string(),
                    m.checksum.to_vec(),
                    m.no_tx,
                )
            };
            let on_disk: Vec<_> = files.iter().map(key).collect();
            let listed: Vec<_> = embedded.iter().map(key).collect();
            assert_eq!(
                listed, on_disk,
                "{backend}: list every file of migrations/{backend} in migrations.rs"
            );
        }
    }
}
