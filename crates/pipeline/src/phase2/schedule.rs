//! `nbac_schedule`: every known game on a date. The schedule captures say which games exist and
//! when; a later capture overrides an earlier one game by game. Box scores are stronger evidence:
//! a game with box scores on date D was played on D (the 2023-24 capture is a pre-season
//! snapshot: 8 of its dates are wrong and 24 games are missing), is final, and its score is the
//! players' points when no schedule capture has a final score — unless some of the game's
//! box-score rows were quarantined, when the sum is not the score and the score stays unknown.

use super::parse_all;
use crate::parse::schedule::{self, GameStatus, SchedulePayload, ScheduledGame};
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Unmatched, Window,
};
use nba_props_core::{GameDate, GameId, SeasonType, Team};
use nba_props_store::Value;
use nba_props_store::schema::NBAC_SCHEDULE;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

pub struct Schedule;

static DECLARATION: Declaration = Declaration {
    name: "nbac_schedule",
    phase: 2,
    inputs: &[
        Input::Raw {
            source: "nbacom",
            dataset: "schedule",
            critical: true,
            window: Window::Season,
        },
        // Read across the season (which date a game really moved to), so backfills run every
        // box-score date before the schedule.
        Input::Table {
            name: "nbac_player_boxscores",
            critical: false,
            window: Window::Season,
        },
    ],
    outputs: &[&NBAC_SCHEDULE],
};

/// What the box scores of one game on the date say.
#[derive(Default)]
struct BoxEvidence {
    /// Per team: (its rows say it is at home, its players' points).
    teams: Vec<(Team, bool, i64)>,
    /// Rows of the game (or of the date, when a row's game was unreadable) were quarantined:
    /// the players' points are not the final score.
    incomplete: bool,
}

impl BoxEvidence {
    /// The one team whose rows say `home` (true: the host, false: the visitor).
    fn side(&self, home: bool) -> Option<Team> {
        match self
            .teams
            .iter()
            .filter(|t| t.1 == home)
            .collect::<Vec<_>>()[..]
        {
            [t] => Some(t.0),
            _ => None,
        }
    }

    fn points(&self, team: Team) -> Option<i64> {
        self.teams.iter().find(|t| t.0 == team).map(|t| t.2)
    }
}

/// A schedule game with the capture that last described it.
struct Described {
    game: ScheduledGame,
    sha256: String,
    captured_at: Option<String>,
}

impl Processor for Schedule {
    fn declaration(&self) -> &'static Declaration {
        &DECLARATION
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let mut out = Output::default();
            let metas = ctx
                .payloads("nbacom", "schedule", &[date.season().to_string()])
                .await?;
            let captures = parse_all(ctx, metas, schedule::parse, &mut out)?;
            // Games a capture could not read: reported by their date, or by the capture's first
            // date when theirs is unreadable.
            for (meta, payload) in &captures {
                let first = payload.games.iter().map(|g| g.game_date).min();
                for (owner, q) in &payload.quarantined {
                    if owner.or(first) == Some(date) {
                        out.unmatched.push(Unmatched {
                            payload_sha256: meta.sha256.clone(),
                            item: q.row.clone(),
                            reason: q.error.to_string(),
                        });
                    }
                }
            }
            // One query for both: the games box scores put on this date, and where the games the
            // schedule puts here were really played.
            let scheduled_here: Vec<GameId> = latest_description(&captures, date, &HashMap::new())
                .0
                .into_keys()
                .collect();
            let (evidence, moved) = box_evidence(ctx, date, &scheduled_here).await?;
            let (latest, unresolved) = latest_description(&captures, date, &evidence);
            out.unmatched.extend(unresolved);
            if latest.is_empty() && evidence.is_empty() && out.unmatched.is_empty() {
                return Err(ProcessError::NoInput);
            }
            out.inputs.push("nbac_player_boxscores".into());

            // Games the schedule puts on this date that box scores show on another date moved.
            let on_date: Vec<&GameId> = latest
                .iter()
                .filter(|(_, d)| d.game.game_date == date)
                .map(|(id, _)| id)
                .collect();
            for (id, real) in &moved {
                out.notes.push(format!("{id} moved to {real} (box scores)"));
            }

            let mut ids: Vec<&GameId> = on_date
                .into_iter()
                .filter(|id| !moved.contains_key(*id))
                .collect();
            let extra: Vec<&GameId> = evidence.keys().filter(|id| !ids.contains(id)).collect();
            ids.extend(extra);
            ids.sort();
            let mut rows = Vec::with_capacity(ids.len());
            for id in ids {
                match row(date, id, latest.get(id), evidence.get(id)) {
                    Some(r) => rows.push(r),
                    None => out
                        .notes
                        .push(format!("{id}: box scores name no home and away team")),
                }
            }
            out.tables.push((&NBAC_SCHEDULE, rows));
            Ok(out)
        })
    }
}

/// Each relevant game as the newest capture that mentions it describes it (captures come oldest
/// first). Resolution is per game over every capture, so a game an older capture put on this date
/// but a newer one moved away is not on this date.
/// Games whose newest description lacks two NBA teams (exhibitions against other clubs, knockout
/// games whose teams are not decided yet) come back as unmatched items instead.
fn latest_description(
    captures: &[(nba_props_store::RawMeta, Arc<SchedulePayload>)],
    date: GameDate,
    played: &HashMap<GameId, BoxEvidence>,
) -> (BTreeMap<GameId, Described>, Vec<Unmatched>) {
    let mut seen = HashSet::new();
    let mut latest = BTreeMap::new();
    let mut unresolved = Vec::new();
    for (meta, payload) in captures.iter().rev() {
        for g in &payload.games {
            if seen.insert(&g.game_id) && (g.game_date == date || played.contains_key(&g.game_id)) {
                latest.insert(
                    g.game_id.clone(),
                    Described {
                        game: g.clone(),
                        sha256: meta.sha256.clone(),
                        captured_at: meta.captured_at.clone(),
                    },
                );
            }
        }
        for g in &payload.unresolved {
            if seen.insert(&g.game_id) && g.game_date == date && !played.contains_key(&g.game_id) {
                unresolved.push(Unmatched {
                    payload_sha256: meta.sha256.clone(),
                    item: format!("game {} on {}", g.game_id, g.game_date),
                    reason: g.reason.clone(),
                });
            }
        }
    }
    (latest, unresolved)
}

/// Per game with box scores on `date`: teams and points. And for the `scheduled` games whose box
/// scores are on another date only: that date.
async fn box_evidence(
    ctx: &Ctx,
    date: GameDate,
    scheduled: &[GameId],
) -> Result<(HashMap<GameId, BoxEvidence>, HashMap<GameId, String>), ProcessError> {
    let ph: Vec<String> = (2..scheduled.len() + 2).map(|i| format!("${i}")).collect();
    let also = if scheduled.is_empty() {
        String::new()
    } else {
        format!(" OR game_id IN ({})", ph.join(", "))
    };
    let sql = format!(
        "SELECT game_id, game_date, team, is_home, CAST(SUM(points) AS BIGINT) FROM nbac_player_boxscores \
         WHERE game_date = $1{also} GROUP BY game_id, game_date, team, is_home"
    );
    let mut params = vec![Value::from(date.to_string())];
    params.extend(scheduled.iter().map(|id| Value::from(id.as_str())));
    let rows = ctx.store.db.query(&sql, &params).await?;
    let mut here: HashMap<GameId, BoxEvidence> = HashMap::new();
    let mut elsewhere = HashMap::new();
    for r in rows {
        let (Ok(id), Ok(team)) = (
            GameId::parse(&r.text(0)),
            Team::from_abbreviation(&r.text(2)),
        ) else {
            continue;
        };
        if r.text(1) != date.to_string() {
            elsewhere.insert(id, r.text(1));
            continue;
        }
        here.entry(id).or_default().teams.push((
            team,
            r.bool(3) == Some(true),
            r.i64(4).unwrap_or(0),
        ));
    }
    // A game with box scores here too was played here (the other rows would be a data error the
    // box-score key already prevents).
    elsewhere.retain(|id, _| !here.contains_key(id));
    // Quarantined box-score rows (written with the box scores, in the same transaction): their
    // players' points are missing, so those games' sums are not final scores.
    let quarantined = ctx
        .store
        .db
        .query(
            "SELECT item FROM unmatched_rows WHERE processor = $1 AND partition_key = $2",
            &["nbac_player_boxscores".into(), date.to_string().into()],
        )
        .await?;
    for r in quarantined {
        let item = r.text(0);
        let game = item
            .split_once("(game ")
            .and_then(|(_, rest)| GameId::parse(rest.get(..10)?).ok());
        match game {
            Some(id) => {
                if let Some(e) = here.get_mut(&id) {
                    e.incomplete = true;
                }
            }
            // A row whose game is unreadable may belong to any game of the date.
            None => here.values_mut().for_each(|e| e.incomplete = true),
        }
    }
    Ok((here, elsewhere))
}

fn row(
    date: GameDate,
    id: &GameId,
    described: Option<&Described>,
    played: Option<&BoxEvidence>,
) -> Option<Vec<Value>> {
    let game = described.map(|d| &d.game);
    let (home, away) = match (game, played) {
        (Some(g), _) => (g.home, g.away),
        (None, Some(b)) => (b.side(true)?, b.side(false)?),
        _ => return None,
    };
    let status = if played.is_some() {
        GameStatus::Final
    } else {
        game.map_or(GameStatus::Scheduled, |g| g.status)
    };
    let schedule_score = game.and_then(|g| Some((g.home_score?, g.away_score?)));
    let (home_score, away_score, score_source) = match (schedule_score, played) {
        (Some((h, a)), _) => (Some(h as i64), Some(a as i64), Some("schedule")),
        // Oriented by team, not by the box scores' home flag (neutral sites disagree on it);
        // a sum missing quarantined rows is no score.
        (None, Some(b)) if !b.incomplete => match (b.points(home), b.points(away)) {
            (Some(h), Some(a)) => (Some(h), Some(a), Some("boxscore")),
            _ => (None, None, None),
        },
        (None, _) => (None, None, None),
    };
    let game_code = match game {
        Some(g) if g.game_date == date => g.game_code.clone(),
        // The code embeds the date: rebuild it for a game that moved or that only box scores know.
        _ => Some(format!(
            "{}/{}{}",
            date.date().strftime("%Y%m%d"),
            away.tricode(),
            home.tricode()
        )),
    };
    let is_cup = match game.and_then(|g| g.game_subtype.as_deref()) {
        Some(s) if s.starts_with("in-season") => Some(true),
        _ if id.season_type() == SeasonType::CupFinal => Some(true),
        _ => None,
    };
    Some(vec![
        id.as_str().into(),
        date.to_string().into(),
        date.season().to_string().into(),
        id.season_type().as_str().into(),
        game_code.into(),
        status.as_str().into(),
        home.tricode().into(),
        away.tricode().into(),
        home.id().into(),
        away.id().into(),
        home_score.into(),
        away_score.into(),
        score_source.into(),
        game.and_then(|g| g.tipoff_utc)
            .map(|t| t.to_string())
            .into(),
        game.and_then(|g| g.is_neutral).into(),
        is_cup.into(),
        game.and_then(|g| g.game_subtype.clone()).into(),
        (if described.is_some() {
            "schedule"
        } else {
            "boxscore"
        })
        .into(),
        described.and_then(|d| d.captured_at.clone()).into(),
        described.map(|d| d.sha256.clone()).into(),
    ])
}
