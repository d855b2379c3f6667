//! The storage conformance suite: every test runs against SQLite and, when
//! `NBA_PROPS_TEST_DATABASE_URL` is set (CI sets it), against PostgreSQL.

use nba_props_store::schema::{
    ColType, NBAC_SCHEDULE, OUTPUT_TABLES, STATE_TABLES, UNMATCHED_ROWS,
};
use nba_props_store::{Backend, Db, RawMeta, Value, raw, runs, testing};

fn schedule_row(game_id: &str, date: &str, home_score: Option<i64>) -> Vec<Value> {
    NBAC_SCHEDULE
        .columns
        .iter()
        .map(|c| match c.name {
            "game_id" => game_id.into(),
            "game_date" => date.into(),
            "home_score" => home_score.into(),
            "is_neutral" => Value::Bool(false),
            "is_cup" => Value::Null,
            "home_team_id" | "away_team_id" => Value::Int(1610612743),
            _ if c.nullable => Value::Null,
            "status" => "final".into(),
            _ => match c.ty {
                ColType::Int => Value::Int(0),
                ColType::Float => Value::Float(0.5),
                ColType::Text => "x".into(),
                ColType::Bool => Value::Bool(true),
            },
        })
        .collect()
}

async fn schedule_rows(db: &Db) -> Vec<(String, String, Option<i64>)> {
    db.query(
        "SELECT game_id, game_date, home_score FROM nbac_schedule ORDER BY game_id",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.text(0), r.text(1), r.i64(2)))
    .collect()
}

async fn write(db: &Db, date: &str, rows: &[Vec<Value>]) -> nba_props_store::Result<()> {
    let mut tx = db.begin().await?;
    tx.replace_partition(&NBAC_SCHEDULE, &[date.into()], rows)
        .await?;
    tx.commit().await
}

#[tokio::test]
async fn declared_tables_match_the_migrated_schema() {
    for t in testing::all().await {
        let db = &t.store.db;
        for table in OUTPUT_TABLES.iter().chain(STATE_TABLES) {
            let actual: Vec<(String, bool, bool)> = match db.backend() {
                Backend::Sqlite => db
                    .query(&format!("SELECT name, \"notnull\", pk FROM pragma_table_info('{}') ORDER BY cid", table.name), &[])
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| (r.text(0), r.i64(1) == Some(0), r.i64(2).unwrap_or(0) > 0))
                    .collect(),
                Backend::Postgres => db
                    .query(
                        "SELECT c.column_name::text, c.is_nullable::text = 'YES', \
                                EXISTS (SELECT 1 FROM information_schema.key_column_usage k \
                                        JOIN information_schema.table_constraints tc ON tc.constraint_name = k.constraint_name \
                                         AND tc.table_schema = k.table_schema \
                                        WHERE tc.constraint_type = 'PRIMARY KEY' AND k.table_name = c.table_name \
                                          AND k.table_schema = c.table_schema AND k.column_name = c.column_name) \
                         FROM information_schema.columns c \
                         WHERE c.table_name = $1 AND c.table_schema = current_schema() ORDER BY c.ordinal_position",
                        &[table.name.into()],
                    )
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| (r.text(0), r.bool(1).unwrap(), r.bool(2).unwrap()))
                    .collect(),
            };
            let declared: Vec<(String, bool, bool)> = table
                .columns
                .iter()
                .map(|c| (c.name.to_string(), c.nullable, table.key.contains(&c.name)))
                .collect();
            assert_eq!(
                actual, declared,
                "{}: table {} differs from its declaration",
                t.label, table.name
            );
        }
    }
}

#[tokio::test]
async fn replacing_a_partition_twice_leaves_the_same_rows_and_spares_other_partitions() {
    for t in testing::all().await {
        let db = &t.store.db;
        write(
            db,
            "2024-01-14",
            &[schedule_row("0022300500", "2024-01-14", Some(99))],
        )
        .await
        .unwrap();
        let rows = [
            schedule_row("0022300600", "2024-01-15", Some(101)),
            schedule_row("0022300601", "2024-01-15", None),
        ];
        write(db, "2024-01-15", &rows).await.unwrap();
        let once = schedule_rows(db).await;
        write(db, "2024-01-15", &rows).await.unwrap();
        assert_eq!(schedule_rows(db).await, once, "{}", t.label);
        assert_eq!(once.len(), 3, "{}", t.label);
        // A re-run with fewer rows removes what the partition no longer has.
        write(db, "2024-01-15", &rows[..1]).await.unwrap();
        let after: Vec<String> = schedule_rows(db).await.into_iter().map(|r| r.0).collect();
        assert_eq!(after, ["0022300500", "0022300600"], "{}", t.label);
    }
}

#[tokio::test]
async fn a_duplicate_natural_key_is_a_constraint_error_and_nothing_is_written() {
    for t in testing::all().await {
        let db = &t.store.db;
        write(
            db,
            "2024-01-15",
            &[schedule_row("0022300600", "2024-01-15", Some(1))],
        )
        .await
        .unwrap();
        let dup = [
            schedule_row("0022300601", "2024-01-15", Some(2)),
            schedule_row("0022300601", "2024-01-15", Some(3)),
        ];
        let err = write(db, "2024-01-15", &dup).await.unwrap_err();
        assert!(err.is_unique_violation(), "{}: {err}", t.label);
        // The failed transaction rolled back: the earlier partition content is intact.
        assert_eq!(
            schedule_rows(db).await,
            [("0022300600".into(), "2024-01-15".into(), Some(1))],
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn a_row_outside_its_partition_is_refused() {
    for t in testing::all().await {
        let err = write(
            &t.store.db,
            "2024-01-15",
            &[schedule_row("0022300600", "2024-01-16", None)],
        )
        .await
        .unwrap_err();
        assert!(
            err.to_string().contains("written to partition"),
            "{}: {err}",
            t.label
        );
    }
}

#[tokio::test]
async fn rows_for_no_partition_are_refused_not_dropped() {
    for t in testing::all().await {
        let mut tx = t.store.db.begin().await.unwrap();
        let rows = vec![schedule_row("0022300600", "2024-01-15", None)];
        let err = tx
            .replace_partitions(&NBAC_SCHEDULE, &[], rows)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("written to no partition"),
            "{}: {err}",
            t.label
        );
        assert_eq!(
            tx.replace_partitions(&NBAC_SCHEDULE, &[], Vec::new())
                .await
                .unwrap(),
            0
        );
    }
}

#[tokio::test]
async fn a_game_that_moves_date_leaves_its_old_partition() {
    for t in testing::all().await {
        let db = &t.store.db;
        write(
            db,
            "2024-01-17",
            &[schedule_row("0022300576", "2024-01-17", None)],
        )
        .await
        .unwrap();
        write(
            db,
            "2024-02-15",
            &[schedule_row("0022300576", "2024-02-15", Some(140))],
        )
        .await
        .unwrap();
        assert_eq!(
            schedule_rows(db).await,
            [("0022300576".into(), "2024-02-15".into(), Some(140))],
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn concurrent_writers_of_one_partition_leave_exactly_one_copy() {
    for t in testing::all().await {
        let db = t.store.db.clone();
        let rows: Vec<Vec<Value>> = (0..50)
            .map(|i| schedule_row(&format!("00223{:05}", i), "2024-01-15", Some(i)))
            .collect();
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let (db, rows) = (db.clone(), rows.clone());
            tasks.push(tokio::spawn(async move {
                write(&db, "2024-01-15", &rows).await
            }));
        }
        for task in tasks {
            task.await
                .unwrap()
                .unwrap_or_else(|e| panic!("{}: {e}", t.label));
        }
        let n = db.query("SELECT CAST(COUNT(*) AS BIGINT), CAST(COUNT(DISTINCT game_id) AS BIGINT) FROM nbac_schedule", &[]).await.unwrap();
        assert_eq!(
            (n[0].i64(0), n[0].i64(1)),
            (Some(50), Some(50)),
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn multi_column_partitions_replace_only_their_own_rows() {
    for t in testing::all().await {
        let db = &t.store.db;
        let row = |p: &str, d: &str, item: &str| -> Vec<Value> {
            vec![p.into(), d.into(), "sha".into(), item.into(), "why".into()]
        };
        let mut tx = db.begin().await.unwrap();
        tx.replace_partition(
            &UNMATCHED_ROWS,
            &["a".into(), "2024-01-15".into()],
            &[row("a", "2024-01-15", "x")],
        )
        .await
        .unwrap();
        tx.replace_partition(
            &UNMATCHED_ROWS,
            &["b".into(), "2024-01-15".into()],
            &[row("b", "2024-01-15", "y")],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut tx = db.begin().await.unwrap();
        tx.replace_partition(&UNMATCHED_ROWS, &["a".into(), "2024-01-15".into()], &[])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let left = db
            .query("SELECT processor, item FROM unmatched_rows", &[])
            .await
            .unwrap();
        assert_eq!(left.len(), 1, "{}", t.label);
        assert_eq!(
            (left[0].text(0), left[0].text(1)),
            ("b".into(), "y".into()),
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn values_round_trip_with_their_types() {
    for t in testing::all().await {
        let db = &t.store.db;
        let mut row = schedule_row("0022300600", "2024-01-15", Some(-3));
        let i = NBAC_SCHEDULE.column_index("tipoff_utc").unwrap();
        row[i] = "2024-01-16T00:30:00Z".into();
        let i = NBAC_SCHEDULE.column_index("is_cup").unwrap();
        row[i] = Value::Bool(true);
        write(db, "2024-01-15", &[row]).await.unwrap();
        let r = &db
            .query("SELECT home_score, away_score, tipoff_utc, is_cup, is_neutral, home_team_id FROM nbac_schedule", &[])
            .await
            .unwrap()[0];
        assert_eq!(r.i64(0), Some(-3), "{}", t.label);
        assert!(r.0[1].is_null(), "{}", t.label);
        assert_eq!(r.str(2), Some("2024-01-16T00:30:00Z"), "{}", t.label);
        assert_eq!(
            (r.bool(3), r.bool(4)),
            (Some(true), Some(false)),
            "{}",
            t.label
        );
        assert_eq!(r.i64(5), Some(1610612743), "{}", t.label);
    }
}

#[tokio::test]
async fn raw_payloads_are_stored_once_and_checked_on_read() {
    for t in testing::all().await {
        let store = &t.store;
        let bytes = br#"{"resultSets":[]}"#;
        let (sha, new) = store.raw.put(bytes).unwrap();
        assert!(new);
        assert!(
            !store.raw.put(bytes).unwrap().1,
            "the same bytes are not written twice"
        );
        let meta = RawMeta {
            source: "nbacom".into(),
            dataset: "leaguegamelog_player".into(),
            partition_key: "2024-01-15".into(),
            sha256: sha.clone(),
            bytes: bytes.len() as i64,
            origin_path: "nbacom/leaguegamelog_player/2024-01-15.json".into(),
            origin: None,
            captured_at: None,
            fetched_at: "2026-11-22T00:00:00Z".into(),
            // A NULL in an integer column: PostgreSQL needs it bound with its type.
            http_status: None,
            build: "test".into(),
        };
        assert!(raw::record(&store.db, &meta).await.unwrap(), "{}", t.label);
        assert!(
            !raw::record(&store.db, &meta).await.unwrap(),
            "{}: recorded twice",
            t.label
        );
        let listed = raw::list(
            &store.db,
            "nbacom",
            "leaguegamelog_player",
            &["2024-01-15".into()],
        )
        .await
        .unwrap();
        assert_eq!(listed, std::slice::from_ref(&meta), "{}", t.label);
        assert_eq!(store.raw.get(&sha).unwrap(), bytes);
        // Tampering with the stored file is detected, not served.
        let path = store.raw.dir().join(&sha[..2]).join(&sha);
        std::fs::write(&path, b"edited").unwrap();
        let err = store.raw.get(&sha).unwrap_err().to_string();
        assert!(err.contains("was changed on disk"), "{err}");
    }
}

#[tokio::test]
async fn the_latest_run_per_processor_is_reported() {
    for t in testing::all().await {
        let db = &t.store.db;
        let run = |p: &str, status: runs::RunStatus, msg: &str| runs::RunRecord {
            processor: p.into(),
            partition_key: "2024-01-15".into(),
            status,
            started_at: "2026-11-22T00:00:00Z".into(),
            finished_at: "2026-11-22T00:00:01Z".into(),
            duration_ms: 1000,
            rows_written: (status == runs::RunStatus::Succeeded).then_some(3),
            unmatched: (status == runs::RunStatus::Succeeded).then_some(0),
            output_hash: (status == runs::RunStatus::Succeeded).then(|| "h".into()),
            inputs: None,
            message: Some(msg.into()),
            build: "test".into(),
            job: None,
        };
        runs::record(db, &run("b", runs::RunStatus::Failed, "first"))
            .await
            .unwrap();
        runs::record(db, &run("b", runs::RunStatus::Succeeded, "second"))
            .await
            .unwrap();
        runs::record(db, &run("a", runs::RunStatus::Failed, "only"))
            .await
            .unwrap();
        let latest = runs::latest_for_partition(db, "2024-01-15").await.unwrap();
        let got: Vec<(&str, &str)> = latest
            .iter()
            .map(|r| (r.processor.as_str(), r.message.as_deref().unwrap()))
            .collect();
        assert_eq!(got, [("a", "only"), ("b", "second")], "{}", t.label);
        assert_eq!(
            runs::last_output_hash(db, "b", "2024-01-15")
                .await
                .unwrap()
                .as_deref(),
            Some("h")
        );
        assert_eq!(
            runs::last_output_hash(db, "a", "2024-01-15").await.unwrap(),
            None
        );
    }
}

#[tokio::test]
async fn source_status_keeps_one_row_per_dataset_with_its_last_success_and_last_error() {
    use nba_props_store::source_status::{self, Attempt, Quota};
    for t in testing::all().await {
        let db = &t.store.db;
        let fail = |msg: &str| Attempt::Failed { error: msg.into() };
        let ok = Attempt::Succeeded { payloads: 3 };
        let q = Some(Quota {
            remaining: 480,
            used: Some(20),
        });
        let rec = |at: &'static str, a: Attempt, quota| async move {
            source_status::record(
                db,
                "oddsapi",
                "events",
                Some("2024-01-15"),
                at,
                &a,
                quota,
                "b1",
            )
            .await
            .unwrap()
        };
        rec("2024-01-15T10:00:00Z", fail("HTTP 500"), None).await;
        rec("2024-01-15T11:00:00Z", fail("timed out"), None).await;
        let s = source_status::get(db, "oddsapi", "events")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                s.last_success_at,
                s.last_error_at.as_deref(),
                s.last_error.as_deref()
            ),
            (None, Some("2024-01-15T11:00:00Z"), Some("timed out")),
            "{}",
            t.label
        );
        rec("2024-01-15T12:00:00Z", ok, q).await;
        let s = source_status::get(db, "oddsapi", "events")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.last_attempt_at, "2024-01-15T12:00:00Z", "{}", t.label);
        assert_eq!(s.last_success_at.as_deref(), Some("2024-01-15T12:00:00Z"));
        assert_eq!(s.last_payloads, Some(3));
        // The error stays visible, with its own time, beside the newer success.
        assert_eq!(s.last_error_at.as_deref(), Some("2024-01-15T11:00:00Z"));
        assert_eq!(s.last_error.as_deref(), Some("timed out"));
        assert_eq!(s.quota, q);
        // A failure without a quota answer keeps the last known quota and the last success.
        rec("2024-01-15T13:00:00Z", fail("HTTP 429"), None).await;
        let s = source_status::get(db, "oddsapi", "events")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.last_success_at.as_deref(), Some("2024-01-15T12:00:00Z"));
        assert_eq!(s.last_error.as_deref(), Some("HTTP 429"));
        assert_eq!(s.quota, q, "{}", t.label);
        // Bounded: four attempts, one row.
        assert_eq!(source_status::count(db).await.unwrap(), 1, "{}", t.label);
    }
}
