use super::*;
use crate::parse::test_support::{assert_field, fixture};
use std::io::Read;

const MOVEMENT: Source = Source {
    file: "raw_1ecdb80d.json",
    dataset: "nbacom/player_movement",
};
const LIST: Source = Source {
    file: "raw_7af00b51.json",
    dataset: "nbacom/player_list",
};

fn movement_fixture() -> Option<Vec<u8>> {
    let gz = fixture("najicham/nbac_player_movement/raw_1ecdb80d.json.gz")?;
    let mut body = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut body)
        .expect("the movement fixture is gzip");
    Some(body)
}

#[test]
fn every_movement_row_is_a_move_a_pick_or_quarantined() {
    let Some(body) = movement_fixture() else {
        return;
    };
    let parsed = player_movement(&body, &MOVEMENT).unwrap();
    // Counted with Python's json module: 8,730 rows, 466 of them with PLAYER_ID 0.
    assert_eq!(parsed.quarantined, vec![]);
    assert_eq!(parsed.not_players, 466);
    assert_eq!(parsed.moves.len(), 8730 - 466);
    let harden = parsed
        .moves
        .iter()
        .find(|m| {
            m.player_id == 201935 && m.transaction_type == "Trade" && m.team.tricode() == "LAC"
        })
        .expect("the Harden trade to the Clippers");
    assert_eq!(harden.transaction_date.to_string(), "2023-11-01");
    assert_eq!(harden.direction, Direction::Joins);
    let waives = parsed
        .moves
        .iter()
        .filter(|m| m.direction == Direction::Leaves)
        .count();
    assert_eq!(waives, 2773, "every Waive row moves a player");
}

#[test]
fn a_bad_movement_row_is_set_aside_and_the_rest_kept() {
    let body = br#"{"NBA_Player_Movement": {"rows": [
        {"Transaction_Type": "Trade", "TRANSACTION_DATE": "2023-11-01T00:00:00",
         "TRANSACTION_DESCRIPTION": "LA Clippers received guard James Harden from Philadelphia 76ers.",
         "TEAM_ID": 1610612746.0, "PLAYER_ID": 201935.0},
        {"Transaction_Type": "Trade", "TRANSACTION_DATE": "2023-11-01T00:00:00",
         "TRANSACTION_DESCRIPTION": "Nowhere received someone.", "TEAM_ID": 42.0, "PLAYER_ID": 1.0},
        {"Transaction_Type": "Loan", "TRANSACTION_DATE": "2023-11-01T00:00:00",
         "TRANSACTION_DESCRIPTION": "?", "TEAM_ID": 1610612746.0, "PLAYER_ID": 2.0},
        {"Transaction_Type": "Signing", "TRANSACTION_DATE": "sometime",
         "TRANSACTION_DESCRIPTION": "?", "TEAM_ID": 1610612746.0, "PLAYER_ID": 3.0}
    ]}}"#;
    let parsed = player_movement(body, &MOVEMENT).unwrap();
    assert_eq!(parsed.moves.len(), 1);
    let fields: Vec<&str> = parsed
        .quarantined
        .iter()
        .map(|q| q.error.field.as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "NBA_Player_Movement.rows[1].TEAM_ID",
            "NBA_Player_Movement.rows[2].Transaction_Type",
            "NBA_Player_Movement.rows[3].TRANSACTION_DATE"
        ]
    );
    for q in &parsed.quarantined {
        assert_field(&q.error, MOVEMENT.file, MOVEMENT.dataset, &q.error.field);
    }
}

#[test]
fn a_movement_payload_without_rows_is_refused_naming_the_field() {
    let e = player_movement(br#"{"rows": []}"#, &MOVEMENT).unwrap_err();
    assert_field(
        &e,
        MOVEMENT.file,
        MOVEMENT.dataset,
        "NBA_Player_Movement.rows",
    );
}

#[test]
fn every_listed_player_is_kept_with_his_team() {
    let Some(body) = fixture("najicham/nbac_player_list/raw_7af00b51.json") else {
        return;
    };
    let parsed = player_list(&body, &LIST).unwrap();
    let raw: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let rows = raw["resultSets"][0]["rowSet"].as_array().unwrap();
    assert_eq!(parsed.season.to_string(), "2025-26");
    assert_eq!(parsed.quarantined, vec![]);
    assert_eq!(parsed.players.len(), rows.len());
    assert_eq!(rows.len(), 594, "counted with Python's json module");
    // 30 teams, each with the count of rows carrying its abbreviation.
    for team in Team::all() {
        let listed = rows
            .iter()
            .filter(|r| r[9].as_str() == Some(team.tricode()))
            .count();
        let parsed_for = parsed.players.iter().filter(|p| p.team == team).count();
        assert_eq!(parsed_for, listed, "{}", team.tricode());
    }
    let adams = parsed
        .players
        .iter()
        .find(|p| p.player_id == 203500)
        .unwrap();
    assert_eq!(
        (adams.name.as_str(), adams.team.tricode()),
        ("Steven Adams", "HOU")
    );
}

#[test]
fn a_bad_listed_player_is_set_aside_and_the_rest_kept() {
    let body = br#"{"parameters": {"Season": "2025-26"}, "resultSets": [{"name": "PlayerIndex",
        "headers": ["PERSON_ID", "PLAYER_LAST_NAME", "PLAYER_FIRST_NAME", "TEAM_ID"],
        "rowSet": [[203500, "Adams", "Steven", 1610612745], [1, "Nobody", "A", 7],
                   ["x", "Adams", "Steven", 1610612745]]}]}"#;
    let parsed = player_list(body, &LIST).unwrap();
    assert_eq!(parsed.players.len(), 1);
    let fields: Vec<&str> = parsed
        .quarantined
        .iter()
        .map(|q| q.error.field.as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "resultSets[0].rowSet[1].TEAM_ID",
            "resultSets[0].rowSet[2].PERSON_ID"
        ]
    );
    let e = player_list(
        br#"{"parameters": {"Season": "2025-26"}, "resultSets": []}"#,
        &LIST,
    )
    .unwrap_err();
    assert_field(&e, LIST.file, LIST.dataset, "resultSets");
}
