//! `nba-props replay-server` as a user starts it: it prints its address and the variables that
//! point the scrapers at it, and answers as of its `--from` instant.

use crate::common::shared_data;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

#[test]
fn replay_server_prints_its_address_and_answers_as_of_its_clock() {
    let Some(data) = shared_data() else {
        return;
    };
    let archive = data.join("archive");
    let dir = tempfile::tempdir().unwrap();
    // Speed 0 holds the clock at --from: the morning after 2024-01-15, its games all over.
    let mut server = Command::new(env!("CARGO_BIN_EXE_nba-props"))
        .args(["replay-server", "--archive"])
        .arg(&archive)
        .args([
            "--addr",
            "127.0.0.1:0",
            "--from",
            "2024-01-16T09:00:00-05:00",
            "--speed",
            "0",
        ])
        .env("NBA_PROPS_DATA_DIR", dir.path())
        .env_remove("NBA_PROPS_DATABASE_URL")
        .env_remove("NBA_PROPS_CONFIG")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .strip_prefix("Replay server listening on ")
        .unwrap_or_else(|| panic!("{first}"))
        .to_string();
    let printed: Vec<String> = lines.by_ref().take(7).map(Result::unwrap).collect();
    assert!(
        printed
            .iter()
            .any(|l| l.contains(&format!("NBA_PROPS_ODDS_API_BASE_URL=http://{addr}"))),
        "{printed:?}"
    );

    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "GET /stats/leaguegamelog?Counter=1000&DateFrom=2024-01-15&DateTo=2024-01-15&Direction=DESC&LeagueID=00&PlayerOrTeam=P&Season=2023-24&SeasonType=Regular+Season&Sorter=DATE HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&answer[..split]);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let archived =
        std::fs::read(archive.join("nbacom/leaguegamelog_player/2024-01-15.json")).unwrap();
    assert_eq!(&answer[split + 4..], archived.as_slice());
}
