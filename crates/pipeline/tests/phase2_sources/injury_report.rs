//! `nbac_injury_report` from the three real reports of 2026-02-08, which also list the games of
//! 2026-02-09. The corpus has no 2025-26 schedule: the test writes a small one (invented game
//! ids, the real matchups of the reports) and leaves NYK @ BOS out of it.

use super::*;
use nba_props_core::Team;
use nba_props_pipeline::parse::Source;
use nba_props_pipeline::parse::injury_report::{self, EntryType};
use nba_props_store::testing;
use std::collections::BTreeSet;

const REPORTS: [&str; 3] = ["03_30PM", "06_15PM", "06_30PM"];
const GAMES: [(&str, &[&str]); 2] = [
    ("2026-02-08", &["MIA@WAS", "IND@TOR", "LAC@MIN"]),
    (
        "2026-02-09",
        &[
            "DET@CHA", "CHI@BKN", "MIL@ORL", "UTA@MIA", "ATL@MIN", "SAC@NOP", "CLE@DEN", "MEM@GSW",
            "OKC@LAL", "PHI@POR",
        ],
    ),
];

/// A CDN-shaped 2025-26 schedule holding `GAMES`, made for this test.
fn schedule() -> String {
    let team = |t: &str| {
        let t = Team::from_abbreviation(t).unwrap();
        serde_json::json!({"teamId": t.id(), "teamTricode": t.tricode()})
    };
    let mut n = 0;
    let dates: Vec<serde_json::Value> = GAMES
        .iter()
        .map(|(date, games)| {
            let (y, md) = date.split_at(4);
            let games: Vec<serde_json::Value> = games
                .iter()
                .map(|m| {
                    n += 1;
                    let (away, home) = m.split_once('@').unwrap();
                    serde_json::json!({
                        "gameId": format!("00225009{n:02}"),
                        "gameStatus": 1,
                        "gameDateEst": format!("{date}T00:00:00Z"),
                        "homeTeam": team(home),
                        "awayTeam": team(away),
                    })
                })
                .collect();
            serde_json::json!({"gameDate": format!("{}/{}/{y} 00:00:00", &md[1..3], &md[4..6]), "games": games})
        })
        .collect();
    serde_json::json!({"leagueSchedule": {"seasonYear": "2025-26", "gameDates": dates}}).to_string()
}

#[tokio::test]
async fn every_report_keeps_its_entries_on_the_games_of_their_date() {
    let mut pdfs = Vec::new();
    for r in REPORTS {
        let Some(pdf) = fixture(&format!("lucasb19/Injury-Report_2026-02-08_{r}.pdf")) else {
            return;
        };
        pdfs.push(pdf);
    }
    // What the parser reads, for comparison with what the table holds.
    let src = Source {
        file: "report",
        dataset: "nbacom/injury_report",
    };
    let parsed: Vec<_> = pdfs
        .iter()
        .map(|p| injury_report::parse(p, &src).unwrap())
        .collect();
    for t in testing::all().await {
        let (store, db, who) = (&t.store, &t.store.db, t.label);
        put(
            store,
            "nbacom",
            "schedule",
            "2025-26",
            "test schedule",
            schedule().as_bytes(),
        )
        .await;
        for (r, pdf) in REPORTS.iter().zip(&pdfs) {
            put(store, "nbacom", "injury_report", "2026-02-08", r, pdf).await;
        }
        phase2(store, "2026-02-08", "2026-02-09").await;

        for (date, games) in GAMES {
            // Every entry of the date's scheduled games, from every report, exactly once.
            let want: BTreeSet<String> = parsed
                .iter()
                .flat_map(|rep| {
                    rep.entries
                        .iter()
                        .filter(|e| {
                            e.game_date.to_string() == date && games.contains(&e.matchup.as_str())
                        })
                        .map(move |e| {
                            let entry = match e.entry_type {
                                EntryType::Player => e.player_name.clone().unwrap(),
                                _ => "NOT YET SUBMITTED".to_string(),
                            };
                            format!(
                                "{} {} {} {:?}",
                                rep.report_at,
                                e.team.tricode(),
                                entry,
                                e.status
                            )
                        })
                })
                .collect();
            let got: BTreeSet<String> = db
                .query(
                    "SELECT report_at, team, entry, status FROM nbac_injury_report WHERE game_date = $1",
                    &[date.into()],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| format!("{} {} {} {:?}", r.text(0), r.text(1), r.text(2), r.str(3).map(str::to_string)))
                .collect();
            let rows = count(
                db,
                &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM nbac_injury_report WHERE game_date = '{date}'"),
            )
            .await;
            assert_eq!(got, want, "{who} {date}");
            assert_eq!(rows as usize, want.len(), "{who} {date}");
        }
        // The 02-09 slate from all three reports: two teams still NOT YET SUBMITTED at 6:30 pm,
        // and Giddey's status as of each report.
        let nys = strings(
            db,
            "SELECT report_at, CAST(COUNT(*) AS BIGINT) FROM nbac_injury_report \
             WHERE game_date = '2026-02-09' AND entry_type = 'not_submitted' GROUP BY report_at ORDER BY report_at",
        )
        .await;
        assert_eq!(
            nys,
            [
                "Text(\"2026-02-08T20:30:00Z\") Int(18)",
                "Text(\"2026-02-08T23:15:00Z\") Int(8)",
                "Text(\"2026-02-08T23:30:00Z\") Int(7)"
            ],
            "{who}"
        );
        let giddey = strings(
            db,
            "SELECT report_at, status, reason, layout, matchup FROM nbac_injury_report WHERE entry = 'Giddey, Josh' ORDER BY report_at",
        )
        .await;
        assert_eq!(giddey.len(), 3, "{who}: {giddey:?}");
        assert!(giddey[0].contains("Text(\"Doubtful\") Text(\"Injury/Illness - Left Hamstring; Strain\") Text(\"standard\") Text(\"CHI@BKN\")"), "{who}: {giddey:?}");
        // NYK @ BOS is not in the schedule: its entries are reported, once per report.
        let unmatched = strings(
            db,
            "SELECT partition_key, CAST(COUNT(*) AS BIGINT) FROM unmatched_rows WHERE processor = 'nbac_injury_report' \
             AND reason = 'no game NYK@BOS on 2026-02-08 in nbac_schedule' GROUP BY partition_key",
        )
        .await;
        let nyk_bos: usize = parsed
            .iter()
            .map(|r| r.entries.iter().filter(|e| e.matchup == "NYK@BOS").count())
            .sum();
        assert_eq!(
            unmatched,
            [format!("Text(\"2026-02-08\") Int({nyk_bos})")],
            "{who}"
        );
        let others = count(db, "SELECT CAST(COUNT(*) AS BIGINT) FROM unmatched_rows WHERE processor = 'nbac_injury_report'").await;
        assert_eq!(others as usize, nyk_bos, "{who}");
        rerun_changes_nothing(store, "2026-02-08", "2026-02-09", "nbac_injury_report").await;
    }
}
