//! The line each prediction is made against: per book, its latest snapshot captured before
//! tip-off (of a ladder, the most balanced pair), then the median across books ("consensus") or
//! one configured book. Names are resolved once per game against everyone who could be meant
//! (both teams' players of the season so far and the expected players), and a line is kept only
//! when it resolves to one expected player; everything else is counted, with its reason.
//! Each line keeps every book's offer with its prices (a pick is priced at a real book's
//! offer) and the market's own vig-free P(over) at the line.
//!
//! Tip-off: the schedule's tip-off time plus a grace (`tipoff_grace_minutes`, default 10). The
//! 2023-24 archive's snapshots sit 5 minutes before or after the scheduled start (at +5 the
//! books still list the pre-game market: NBA games tip about ten minutes after the scheduled
//! time); snapshots later than the grace, and lines of a game without a known tip-off, are
//! refused. Phase 3's context keeps the strict rule (no grace) for its features.

use crate::analytics::names::{Resolution, Resolver, RosterPlayer};
use crate::processor::ProcessError;
use nba_props_core::{GameDate, Market};
use nba_props_model::features::{Line, Offer};
use nba_props_model::price;
use nba_props_store::Db;
use std::collections::{BTreeMap, HashMap, HashSet};

/// (game id, player id, market).
pub type LineKey = (String, i64, Market);

/// Lines of a date range, and what could not be used.
#[derive(Debug, Default)]
pub struct Lines {
    pub lines: HashMap<LineKey, Line>,
    /// (game id, book spelling, reason) of each name that was not attached.
    pub unmatched: Vec<(String, String, String)>,
    /// Reason → count of prop rows not used (after tip-off, no tip-off time, other markets).
    pub refused_rows: BTreeMap<String, usize>,
}

/// The expected players of each game (game id → players), as phase 3 lists them.
pub type Expected = HashMap<String, Vec<RosterPlayer>>;

/// Which line a prediction uses: the median across books, or one book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineChoice {
    Consensus,
    Book(String),
}

impl LineChoice {
    pub fn parse(s: &str) -> LineChoice {
        match s {
            "" | "consensus" => LineChoice::Consensus,
            book => LineChoice::Book(book.to_string()),
        }
    }
}

#[derive(Clone)]
struct BookLine {
    snapshot: jiff::Timestamp,
    snapshot_text: String,
    line: f64,
    balance: i64,
    over_price: Option<i64>,
    under_price: Option<i64>,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The market's P(over) at `value`: the mean vig-free probability of the books that offer exactly
/// that line with both prices (a book at another line prices another proposition).
fn market_p_over(books: &[(String, BookLine)], value: f64) -> Option<f64> {
    let ps: Vec<f64> = books
        .iter()
        .filter(|(_, b)| b.line == value)
        .filter_map(|(_, b)| price::vig_free_over(b.over_price, b.under_price))
        .collect();
    (!ps.is_empty()).then(|| ps.iter().sum::<f64>() / ps.len() as f64)
}

/// Lines for the games dated `from..=to`.
pub async fn lines_between(
    db: &Db,
    from: GameDate,
    to: GameDate,
    expected: &Expected,
    grace_minutes: i64,
    choice: &LineChoice,
) -> Result<Lines, ProcessError> {
    let range = [from.to_string().into(), to.to_string().into()];
    let games = db
        .query(
            "SELECT game_id, game_date, home_team, away_team, tipoff_utc, season FROM nbac_schedule \
             WHERE game_date >= $1 AND game_date <= $2",
            &range,
        )
        .await?;
    struct Game {
        date: String,
        teams: [String; 2],
        cutoff: Option<jiff::Timestamp>,
        season: String,
    }
    let games: HashMap<String, Game> = games
        .iter()
        .map(|r| {
            let cutoff = r
                .str(4)
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|t| t + jiff::SignedDuration::from_mins(grace_minutes));
            (
                r.text(0),
                Game {
                    date: r.text(1),
                    teams: [r.text(2), r.text(3)],
                    cutoff,
                    season: r.text(5),
                },
            )
        })
        .collect();
    // Everyone who played for a team this season, with the date of their first game for it:
    // the candidates a name is checked against, so that an initial fitting an injured teammate
    // stays ambiguous.
    let seasons: HashSet<&str> = games.values().map(|g| g.season.as_str()).collect();
    // (team, season) → (first game date for it, player id, name).
    type Played = HashMap<(String, String), Vec<(String, i64, String)>>;
    let mut played: Played = HashMap::new();
    for season in seasons {
        let rows = db
            .query(
                "SELECT team, season, MIN(game_date), player_id, MAX(player_name) FROM player_game_summary \
                 WHERE season = $1 GROUP BY team, season, player_id",
                &[season.into()],
            )
            .await?;
        for r in rows {
            played.entry((r.text(0), r.text(1))).or_default().push((
                r.text(2),
                r.i64(3).unwrap_or(0),
                r.text(4),
            ));
        }
    }
    let props = db
        .query(
            "SELECT game_id, bookmaker, market, player_name, line, snapshot_at, over_price, under_price \
             FROM odds_player_props WHERE game_date >= $1 AND game_date <= $2",
            &range,
        )
        .await?;
    let mut out = Lines::default();
    let mut resolvers: HashMap<String, (Resolver, HashSet<i64>)> = HashMap::new();
    let mut per_book: HashMap<(LineKey, String), BookLine> = HashMap::new();
    let mut unmatched: HashSet<(String, String, String)> = HashSet::new();
    for r in &props {
        let game_id = r.text(0);
        let Ok(market) = Market::parse(r.str(2).unwrap_or_default()) else {
            *out.refused_rows
                .entry("market not predicted".into())
                .or_default() += 1;
            continue;
        };
        let Some(game) = games.get(&game_id) else {
            *out.refused_rows
                .entry("game not in the schedule".into())
                .or_default() += 1;
            continue;
        };
        let Some(cutoff) = game.cutoff else {
            *out.refused_rows
                .entry("no tip-off time".into())
                .or_default() += 1;
            continue;
        };
        let snapshot_text = r.text(5);
        let Ok(snapshot) = snapshot_text.parse::<jiff::Timestamp>() else {
            *out.refused_rows
                .entry("unreadable snapshot time".into())
                .or_default() += 1;
            continue;
        };
        if snapshot >= cutoff {
            *out.refused_rows
                .entry("captured after tip-off".into())
                .or_default() += 1;
            continue;
        }
        let (resolver, expected_ids) = resolvers.entry(game_id.clone()).or_insert_with(|| {
            let exp = expected.get(&game_id).cloned().unwrap_or_default();
            let ids: HashSet<i64> = exp.iter().map(|p| p.player_id).collect();
            let mut everyone = exp;
            for team in &game.teams {
                for (first, id, name) in played
                    .get(&(team.clone(), game.season.clone()))
                    .into_iter()
                    .flatten()
                {
                    if *first < game.date && !ids.contains(id) {
                        everyone.push(RosterPlayer {
                            player_id: *id,
                            name: name.clone(),
                        });
                    }
                }
            }
            (Resolver::new(&everyone), ids)
        });
        let name = r.text(3);
        let player = match resolver.resolution(&name) {
            Resolution::Player(id) if expected_ids.contains(&id) => id,
            Resolution::Player(id) => {
                unmatched.insert((
                    game_id,
                    name,
                    format!("player {id} is not expected to play in this game"),
                ));
                continue;
            }
            Resolution::Ambiguous(ids) => {
                unmatched.insert((game_id, name, format!("fits several players: {ids:?}")));
                continue;
            }
            Resolution::Unknown => {
                unmatched.insert((
                    game_id,
                    name,
                    "no player of that name on the two teams".into(),
                ));
                continue;
            }
        };
        let book = r.text(1);
        if let LineChoice::Book(b) = choice
            && *b != book
        {
            continue;
        }
        let balance = match (r.i64(6), r.i64(7)) {
            (Some(o), Some(u)) => (o - u).abs(),
            _ => i64::MAX,
        };
        let line = r.f64(4).unwrap_or(f64::NAN);
        let candidate = BookLine {
            snapshot,
            snapshot_text,
            line,
            balance,
            over_price: r.i64(6),
            under_price: r.i64(7),
        };
        per_book
            .entry(((game_id, player, market), book))
            .and_modify(|b| {
                if (candidate.snapshot, std::cmp::Reverse(candidate.balance))
                    > (b.snapshot, std::cmp::Reverse(b.balance))
                {
                    *b = candidate.clone();
                }
            })
            .or_insert(candidate);
    }
    let mut grouped: HashMap<LineKey, Vec<(String, BookLine)>> = HashMap::new();
    for ((key, book), b) in per_book {
        if b.line.is_finite() {
            grouped.entry(key).or_default().push((book, b));
        }
    }
    for (key, mut books) in grouped {
        // Book order, so that equal inputs give equal offers (and equal rows) every run.
        books.sort_by(|a, b| a.0.cmp(&b.0));
        let mut values: Vec<f64> = books.iter().map(|(_, b)| b.line).collect();
        let latest = books
            .iter()
            .max_by_key(|(_, b)| b.snapshot)
            .map(|(_, b)| b.snapshot_text.clone());
        let source = match choice {
            LineChoice::Consensus => "consensus".to_string(),
            LineChoice::Book(b) => b.clone(),
        };
        let value = median(&mut values);
        out.lines.insert(
            key,
            Line {
                books: books.len() as i64,
                value,
                source,
                snapshot_at: latest.unwrap_or_default(),
                p_over_market: market_p_over(&books, value),
                offers: books
                    .into_iter()
                    .map(|(book, b)| Offer {
                        book,
                        line: b.line,
                        over_price: b.over_price,
                        under_price: b.under_price,
                        snapshot_at: b.snapshot_text,
                    })
                    .collect(),
            },
        );
    }
    out.unmatched = unmatched.into_iter().collect();
    out.unmatched.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(line: f64, over: Option<i64>, under: Option<i64>) -> (String, BookLine) {
        let at = "2024-01-08T23:55:00Z";
        (
            "book".into(),
            BookLine {
                snapshot: at.parse().unwrap(),
                snapshot_text: at.into(),
                line,
                balance: 0,
                over_price: over,
                under_price: under,
            },
        )
    }

    #[test]
    fn the_market_probability_averages_the_books_priced_at_the_line_itself() {
        let books = [
            offer(24.5, Some(-115), Some(-115)), // 0.5
            offer(24.5, Some(-150), Some(120)),  // 0.6 / (0.6 + 100/220)
            offer(25.5, Some(-200), Some(160)),  // another line: another proposition
            offer(24.5, Some(-110), None),       // one side only: no vig-free probability
        ];
        let second = 0.6 / (0.6 + 100.0 / 220.0);
        let p = market_p_over(&books, 24.5).unwrap();
        assert!((p - (0.5 + second) / 2.0).abs() < 1e-12, "{p}");
        assert_eq!(market_p_over(&books, 25.0), None, "no book offers 25.0");
    }
}
