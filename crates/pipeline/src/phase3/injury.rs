//! Who plays: each expected player's status on the latest official injury report captured
//! before his game's scheduled tip-off (`docs/who-plays.md`).
//!
//! A report covers a team's game when it lists that team with players or as ALL PLAYERS
//! AVAILABLE (NOT YET SUBMITTED says nothing). The latest covering report before tip-off decides:
//! a player it lists has the listed status, an expected player it does not list is AVAILABLE
//! (the report lists only players with a status). Without a covering report before tip-off, or
//! without a known tip-off, the status is unknown (NULL), never guessed.

use super::load::{self, DayGame, History};
use crate::analytics::names::{Resolution, Resolver, RosterPlayer};
use crate::processor::{Ctx, ProcessError, Unmatched};
use nba_props_core::{GameDate, GameId, Team};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The statuses of the report, in increasing chance of not playing; the feature is the index.
pub const STATUSES: [&str; 5] = ["AVAILABLE", "PROBABLE", "QUESTIONABLE", "DOUBTFUL", "OUT"];

/// A player's status on the report that decided it.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// One of [`STATUSES`].
    pub status: &'static str,
    pub reason: Option<String>,
    pub report_at: String,
}

/// The statuses of a day's expected players, and the report entries that named nobody.
#[derive(Debug, Default)]
pub struct DayStatuses {
    /// (game, player) → status; absent when no report before tip-off covers his team's game.
    pub by_player: HashMap<(GameId, i64), Status>,
    pub unmatched: Vec<Unmatched>,
}

/// One entry of `nbac_injury_report` as phase 2 wrote it.
struct Entry {
    report_at: jiff::Timestamp,
    report_text: String,
    entry_type: String,
    player_name: String,
    status: String,
    reason: Option<String>,
    sha256: String,
}

/// Statuses of the expected players (`expected`: team → player ids) of the day's games.
/// `history` names every player each team used this season, so that a name on the report
/// resolves against the whole roster (an injured, no longer expected player is recognised and
/// not mistaken for a teammate).
pub async fn statuses(
    ctx: &Ctx,
    date: GameDate,
    games: &[DayGame],
    expected: &BTreeMap<Team, Vec<i64>>,
    history: &History,
) -> Result<DayStatuses, ProcessError> {
    let rows = load::rows_on(
        ctx,
        "nbac_injury_report",
        "report_at, game_id, team, entry_type, player_name, status, reason, payload_sha256",
        date,
    )
    .await?;
    let mut out = DayStatuses::default();
    let mut by_team: HashMap<(String, String), Vec<Entry>> = HashMap::new();
    for r in &rows {
        let report_text = r.text(0);
        // One unreadable row is set aside; the rest of the date still counts.
        let Ok(report_at) = report_text.parse::<jiff::Timestamp>() else {
            out.unmatched.push(Unmatched {
                payload_sha256: r.text(7),
                item: format!(
                    "injury report {report_text:?} {} {:?}",
                    r.text(2),
                    r.text(4)
                ),
                reason: "unreadable report time".into(),
            });
            continue;
        };
        by_team
            .entry((r.text(1), r.text(2)))
            .or_default()
            .push(Entry {
                report_at,
                report_text,
                entry_type: r.text(3),
                player_name: r.text(4),
                status: r.text(5),
                reason: r.str(6).map(str::to_string),
                sha256: r.text(7),
            });
    }
    let season = date.season();
    let mut reported: HashSet<(String, String)> = HashSet::new();
    for g in games {
        let tipoff = g.tipoff_utc.as_deref().map(str::parse::<jiff::Timestamp>);
        let Some(Ok(tipoff)) = tipoff else {
            continue;
        };
        let reports = |team: Team| {
            by_team
                .get(&(g.game_id.as_str().to_string(), team.tricode().to_string()))
                .map(Vec::as_slice)
                .unwrap_or_default()
        };
        if reports(g.home).is_empty() && reports(g.away).is_empty() {
            continue;
        }
        // Everyone who could be meant: this season's players of both teams and the expected.
        let mut everyone: Vec<RosterPlayer> = Vec::new();
        let mut seen = HashSet::new();
        for team in [g.home, g.away] {
            let season_players = history.by_player.iter().filter(|(_, past)| {
                past.iter()
                    .any(|p| p.team == team && p.season == season && p.date < date)
            });
            let ids = season_players
                .map(|(id, _)| *id)
                .chain(expected.get(&team).into_iter().flatten().copied());
            for id in ids {
                if seen.insert(id) {
                    everyone.push(RosterPlayer {
                        player_id: id,
                        name: history.names.get(&id).cloned().unwrap_or_default(),
                    });
                }
            }
        }
        everyone.sort_by_key(|p| p.player_id);
        let mut resolver = Resolver::new(&everyone);
        for team in [g.home, g.away] {
            let entries = reports(team);
            let Some(latest) = entries
                .iter()
                .filter(|e| e.report_at < tipoff && e.entry_type != "not_submitted")
                .map(|e| e.report_at)
                .max()
            else {
                continue;
            };
            let team_ids: &[i64] = expected.get(&team).map(Vec::as_slice).unwrap_or_default();
            let mut listed: HashMap<i64, Status> = HashMap::new();
            let mut report_text = String::new();
            for e in entries.iter().filter(|e| e.report_at == latest) {
                report_text.clone_from(&e.report_text);
                if e.entry_type != "player" {
                    continue;
                }
                let mut unmatched = |reason: String| {
                    if reported.insert((g.game_id.as_str().to_string(), e.player_name.clone())) {
                        out.unmatched.push(Unmatched {
                            payload_sha256: e.sha256.clone(),
                            item: format!(
                                "injury report {} {} {:?} in game {}",
                                e.report_text,
                                team.tricode(),
                                e.player_name,
                                g.game_id
                            ),
                            reason,
                        });
                    }
                };
                let Some(status) = STATUSES
                    .iter()
                    .find(|s| s.eq_ignore_ascii_case(e.status.trim()))
                else {
                    unmatched(format!("unknown status {:?}", e.status));
                    continue;
                };
                match resolver.resolution(&e.player_name) {
                    Resolution::Player(id) => {
                        listed.insert(
                            id,
                            Status {
                                status,
                                reason: e.reason.clone(),
                                report_at: e.report_text.clone(),
                            },
                        );
                    }
                    Resolution::Ambiguous(ids) => {
                        unmatched(format!("fits several players of the two teams: {ids:?}"))
                    }
                    Resolution::Unknown => {
                        unmatched("no player of that name on the two teams this season".into())
                    }
                }
            }
            for id in team_ids {
                let status = listed.remove(id).unwrap_or_else(|| Status {
                    status: STATUSES[0],
                    reason: None,
                    report_at: report_text.clone(),
                });
                out.by_player.insert((g.game_id.clone(), *id), status);
            }
        }
    }
    out.unmatched
        .sort_by(|a, b| (&a.item, &a.reason).cmp(&(&b.item, &b.reason)));
    Ok(out)
}
