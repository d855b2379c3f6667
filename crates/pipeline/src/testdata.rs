//! Where the real data of `../shared/data` lives, for tests and benchmarks.

use std::path::PathBuf;

/// `<project root>/../shared/data`, or `None` (after saying so loudly on stderr) when it is absent,
/// so a test over real data skips instead of passing silently.
pub fn shared_data_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if dir.join("archive/manifest.jsonl").is_file() {
        Some(dir.canonicalize().unwrap_or(dir))
    } else {
        eprintln!(
            "SKIPPED: the real data directory {} is absent; tests over real data did not run",
            dir.display()
        );
        None
    }
}

/// An ESPN summary API payload rebuilt from a real ESPN game page (najicham
/// `espn_game_boxscore`, HTML with the page's data as JSON): the corpus has no summary capture,
/// but the page carries the same athletes and stat strings under other names. Filled from the
/// page's `gmStrp` (event, date, teams, scores) and `bxscr` (per team: starters and bench with
/// their `keys` and stat strings); panics on a page of another shape (test data only).
pub fn espn_summary_from_game_page(html: &str) -> serde_json::Value {
    use serde_json::{Value, json};
    let marker = "window['__espnfitt__']=";
    let start = html.find(marker).unwrap() + marker.len();
    let end = start + html[start..].find("};</script>").unwrap() + 1;
    let page: Value = serde_json::from_str(&html[start..end]).unwrap();
    let pkg = &page["page"]["content"]["gamepackage"];
    let strip = &pkg["gmStrp"];
    let competitors: Vec<Value> = strip["tms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let side = if t["isHome"].as_bool().unwrap() {
                "home"
            } else {
                "away"
            };
            json!({"homeAway": side, "team": {"abbreviation": t["abbrev"]}, "score": t["score"]})
        })
        .collect();
    let players: Vec<Value> = pkg["bxscr"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let groups: Vec<Value> = t["stats"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|g| g.get("athlts").is_some())
                .map(|g| {
                    let starter = g["type"] == "starters";
                    let athletes: Vec<Value> = g["athlts"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| {
                            json!({
                                "athlete": {"id": a["athlt"]["id"], "displayName": a["athlt"]["dspNm"]},
                                "starter": starter,
                                "didNotPlay": a["stats"].as_array().unwrap().is_empty(),
                                "reason": a.get("dnpRsn").cloned().unwrap_or(Value::Null),
                                "stats": a["stats"],
                            })
                        })
                        .collect();
                    json!({"keys": g["keys"], "athletes": athletes})
                })
                .collect();
            json!({"team": {"abbreviation": t["tm"]["abbrev"]}, "statistics": groups})
        })
        .collect();
    json!({
        "header": {"id": strip["gid"], "competitions": [{
            "date": strip["dt"],
            "status": {"type": {"state": strip["status"]["state"]}},
            "competitors": competitors,
        }]},
        "boxscore": {"players": players},
    })
}

/// Plants, in `nbac_injury_report` as phase 2 writes it, a report captured one minute after the
/// tip-off of `date`'s first game listing every expected player of both teams OUT: a report after
/// the cutoff must change nothing of that date. Returns the rows planted.
pub async fn plant_late_injury_report(db: &nba_props_store::Db, date: &str) -> usize {
    let players = db
        .query(
            &format!(
                "SELECT u.game_id, u.team, u.player_name, s.tipoff_utc FROM upcoming_player_game_context u \
                 JOIN nbac_schedule s ON s.game_id = u.game_id WHERE u.game_date = '{date}' AND s.tipoff_utc IS NOT NULL \
                 AND u.game_id = (SELECT MIN(game_id) FROM nbac_schedule WHERE game_date = '{date}' AND tipoff_utc IS NOT NULL)"
            ),
            &[],
        )
        .await
        .unwrap();
    let sql = "INSERT INTO nbac_injury_report (report_at, game_id, team, entry, game_date, entry_type, player_name, \
               status, reason, category, previous_status, previous_reason, game_time, matchup, layout, page, payload_sha256) \
               VALUES ($1, $2, $3, $4, $5, 'player', $4, 'Out', 'Injury/Illness - planted', NULL, NULL, NULL, NULL, \
               'XXX@YYY', 'current', 1, 'planted')";
    for p in &players {
        let tipoff: jiff::Timestamp = p.text(3).parse().unwrap();
        let late = (tipoff + jiff::SignedDuration::from_mins(1)).to_string();
        let name = p.text(2);
        let printed = match name.split_once(' ') {
            Some((first, last)) => format!("{last}, {first}"),
            None => name.clone(),
        };
        let params: Vec<nba_props_store::Value> = vec![
            late.into(),
            p.text(0).into(),
            p.text(1).into(),
            printed.into(),
            date.into(),
        ];
        db.execute(sql, &params).await.unwrap();
    }
    players.len()
}
