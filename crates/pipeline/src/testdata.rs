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
