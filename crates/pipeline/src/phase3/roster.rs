//! What nba.com says about who is on which team, as known before a date's games: the player
//! movement of the last [`ROSTER_DAYS`] before the date, and the latest player list captured
//! before each game's tip-off. [`super::player::candidates`] lays them over the box-score rule.

use super::load::DayGame;
use super::player::ROSTER_DAYS;
use crate::processor::{Ctx, ProcessError};
use nba_props_core::{GameDate, Team};
use std::collections::{BTreeMap, HashMap};

/// A player's team as his latest transaction in the window leaves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    pub date: GameDate,
    /// `None`: waived, on no team.
    pub team: Option<Team>,
}

/// A player the list names for a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub player_id: i64,
    pub name: String,
}

#[derive(Debug, Default)]
pub struct Rosters {
    /// Per player, his latest transaction dated in `[date − ROSTER_DAYS, date)`.
    pub moved: HashMap<i64, Moved>,
    /// Per team of the day, the players of the latest list captured before its game's tip-off.
    pub listed: BTreeMap<Team, Vec<Listed>>,
}

/// Folds one player's transactions (oldest first) into where they leave him. On one date, joins
/// are applied before waivers, and a waiver only undoes the team it names: "waived by A, signed by
/// B" the same day leaves him on B, "signed and waived by A" on no team.
pub fn fold_moves(moves: &[(GameDate, Team, bool)]) -> Option<Moved> {
    let mut sorted = moves.to_vec();
    // `false` (joins) sorts before `true` (leaves).
    sorted.sort_by_key(|(d, _, leaves)| (*d, *leaves));
    let mut state: Option<Moved> = None;
    for (date, team, leaves) in sorted {
        let current = state.and_then(|s| s.team);
        state = Some(Moved {
            date,
            team: if !leaves {
                Some(team)
            } else if current.is_none_or(|c| c == team) {
                None
            } else {
                current
            },
        });
    }
    state
}

/// Loads the movement and the player lists that may speak for `date`'s games.
pub async fn load(ctx: &Ctx, date: GameDate, games: &[DayGame]) -> Result<Rosters, ProcessError> {
    let db = &ctx.store.db;
    let from = date.add_days(-ROSTER_DAYS);
    let rows = db
        .query(
            "SELECT transaction_date, player_id, team, direction FROM nbac_player_movement \
             WHERE transaction_date >= $1 AND transaction_date < $2",
            &[from.to_string().into(), date.to_string().into()],
        )
        .await?;
    let mut by_player: HashMap<i64, Vec<(GameDate, Team, bool)>> = HashMap::new();
    for r in &rows {
        let (Ok(day), Some(id), Ok(team)) = (
            GameDate::parse(&r.text(0)),
            r.i64(1),
            Team::from_abbreviation(&r.text(2)),
        ) else {
            continue;
        };
        by_player
            .entry(id)
            .or_default()
            .push((day, team, r.text(3) == "leaves"));
    }
    let moved = by_player
        .into_iter()
        .filter_map(|(id, moves)| fold_moves(&moves).map(|m| (id, m)))
        .collect();

    // A list is a snapshot of its capture: only captures of this season up to the date can precede
    // a tip-off; which of them did is decided per game below.
    let (season_start, _) = date.season().date_range();
    let rows = db
        .query(
            "SELECT captured_at, player_id, player_name, team FROM nbac_player_list \
             WHERE captured_on >= $1 AND captured_on <= $2",
            &[season_start.to_string().into(), date.to_string().into()],
        )
        .await?;
    let mut captures: BTreeMap<jiff::Timestamp, Vec<(Team, Listed)>> = BTreeMap::new();
    for r in &rows {
        let (Ok(at), Some(player_id), Ok(team)) = (
            r.text(0).parse::<jiff::Timestamp>(),
            r.i64(1),
            Team::from_abbreviation(&r.text(3)),
        ) else {
            continue;
        };
        let name = r.text(2);
        captures
            .entry(at)
            .or_default()
            .push((team, Listed { player_id, name }));
    }
    let mut listed = BTreeMap::new();
    for g in games {
        // No known tip-off: "captured before the game" cannot be shown, so no list is used.
        let Some(Ok(tipoff)) = g.tipoff_utc.as_deref().map(str::parse::<jiff::Timestamp>) else {
            continue;
        };
        let Some((_, players)) = captures.range(..tipoff).next_back() else {
            continue;
        };
        for team in [g.home, g.away] {
            let mut on_team: Vec<Listed> = players
                .iter()
                .filter(|(t, _)| *t == team)
                .map(|(_, p)| p.clone())
                .collect();
            on_team.sort_by_key(|p| p.player_id);
            listed.insert(team, on_team);
        }
    }
    Ok(Rosters { moved, listed })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> GameDate {
        GameDate::parse(s).unwrap()
    }
    fn t(s: &str) -> Team {
        Team::from_abbreviation(s).unwrap()
    }

    #[test]
    fn the_latest_transaction_decides_and_a_waiver_undoes_only_its_own_team() {
        let traded = fold_moves(&[
            (d("2023-11-01"), t("LAC"), false),
            (d("2023-10-20"), t("PHI"), false),
        ]);
        assert_eq!(traded.unwrap().team, Some(t("LAC")));
        let waived_then_claimed_same_day = fold_moves(&[
            (d("2024-01-05"), t("BOS"), true),
            (d("2024-01-05"), t("NYK"), false),
        ]);
        assert_eq!(waived_then_claimed_same_day.unwrap().team, Some(t("NYK")));
        let signed_and_waived = fold_moves(&[
            (d("2024-01-05"), t("BOS"), false),
            (d("2024-01-05"), t("BOS"), true),
        ]);
        assert_eq!(signed_and_waived.unwrap().team, None);
        assert_eq!(fold_moves(&[]), None);
    }
}
