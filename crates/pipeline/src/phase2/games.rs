//! The one place where a game named another way (two team names and a date, an Odds API event)
//! becomes an NBA game id: by the two teams on an Eastern game date, as the schedule knows them.

use nba_props_core::{GameDate, GameId, Team};
use nba_props_store::{Db, Result};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownGame {
    pub game_id: GameId,
    pub date: GameDate,
    pub home: Team,
    pub away: Team,
}

/// How a (home, away, date) named by a source matched the schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GameMatch {
    Exact(KnownGame),
    /// The source names the teams the other way round (neutral-site games have two "home" teams).
    Swapped(KnownGame),
    NotFound,
}

/// The games of `nbac_schedule` in a date window, indexed for matching.
#[derive(Debug, Default)]
pub struct GameResolver {
    by_date: HashMap<GameDate, Vec<KnownGame>>,
}

impl GameResolver {
    pub async fn load(db: &Db, from: GameDate, to: GameDate) -> Result<Self> {
        let rows = db
            .query(
                "SELECT game_id, game_date, home_team, away_team FROM nbac_schedule \
                 WHERE game_date >= $1 AND game_date <= $2",
                &[from.to_string().into(), to.to_string().into()],
            )
            .await?;
        let mut by_date: HashMap<GameDate, Vec<KnownGame>> = HashMap::new();
        for r in rows {
            // The table only holds values its writer validated; a row that no longer parses is skipped.
            let parsed = (
                GameId::parse(&r.text(0)),
                GameDate::parse(&r.text(1)),
                Team::from_abbreviation(&r.text(2)),
                Team::from_abbreviation(&r.text(3)),
            );
            if let (Ok(game_id), Ok(date), Ok(home), Ok(away)) = parsed {
                by_date.entry(date).or_default().push(KnownGame {
                    game_id,
                    date,
                    home,
                    away,
                });
            }
        }
        Ok(Self { by_date })
    }

    pub fn games_on(&self, date: GameDate) -> &[KnownGame] {
        self.by_date
            .get(&date)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn find(&self, date: GameDate, home: Team, away: Team) -> GameMatch {
        let games = self.games_on(date);
        if let Some(g) = games.iter().find(|g| g.home == home && g.away == away) {
            return GameMatch::Exact(g.clone());
        }
        if let Some(g) = games.iter().find(|g| g.home == away && g.away == home) {
            return GameMatch::Swapped(g.clone());
        }
        GameMatch::NotFound
    }
}
