//! `nbac_game_boxscores`: every player on either roster of each game of the date, played or
//! not, from the per-game box scores. stats.nba.com `boxscoretraditionalv3` and the CDN live box
//! score are two servings of the same box score (phase 1 falls back from one to the other), so
//! they fill one table and `source` says which served: for each game the newest v3 capture that
//! parses, else the newest CDN capture. Payloads carry NBA game ids, so no name matching is
//! needed; a CDN capture whose own game date is not the partition's is reported, not written.

use super::parse_each;
use crate::parse::nbacom_boxscore::{self, GameBoxScore, PlayerLine, TeamBox};
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Unmatched, Window,
};
use nba_props_core::GameDate;
use nba_props_store::schema::NBAC_GAME_BOXSCORES;
use nba_props_store::{RawMeta, Value};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

pub struct GameBoxScores;

const V3: &str = "boxscoretraditionalv3";
const CDN: &str = "cdn_boxscore";

static DECLARATION: Declaration = Declaration {
    name: "nbac_game_boxscores",
    phase: 2,
    // Either dataset serves a game on its own, so neither is critical alone.
    inputs: &[
        Input::Raw {
            source: "nbacom",
            dataset: V3,
            critical: false,
            window: Window::Date,
        },
        Input::Raw {
            source: "nbacom",
            dataset: CDN,
            critical: false,
            window: Window::Date,
        },
    ],
    outputs: &[&NBAC_GAME_BOXSCORES],
};

type Served = (RawMeta, Arc<GameBoxScore>, &'static str);

impl Processor for GameBoxScores {
    fn declaration(&self) -> &'static Declaration {
        &DECLARATION
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let partition = [date.to_string()];
            let v3 = ctx.payloads("nbacom", V3, &partition).await?;
            let cdn = ctx.payloads("nbacom", CDN, &partition).await?;
            if v3.is_empty() && cdn.is_empty() {
                return Err(ProcessError::NoInput);
            }
            let mut out = Output::default();
            let (v3, mut bad) = parse_each(ctx, v3, nbacom_boxscore::parse_v3)?;
            let (cdn, bad_cdn) = parse_each(ctx, cdn, nbacom_boxscore::parse_cdn)?;
            bad.extend(bad_cdn);
            if v3.is_empty() && cdn.is_empty() {
                return Err(ProcessError::BadInput(bad));
            }
            out.bad_payloads = bad;
            let chosen = choose(
                v3.into_iter().map(|(m, b)| (m, b, V3)),
                cdn.into_iter().map(|(m, b)| (m, b, CDN)),
            );
            let mut rows = Vec::new();
            for (meta, b, source) in chosen.values() {
                let item = format!("game {} ({source})", b.game_id);
                if let Some(d) = b.game_date.filter(|d| *d != date) {
                    out.unmatched.push(Unmatched {
                        payload_sha256: meta.sha256.clone(),
                        item,
                        reason: format!(
                            "the box score says the game is on {d}, it was stored under {date}"
                        ),
                    });
                    continue;
                }
                out.inputs.push(meta.sha256.clone());
                // Player lines the parser set aside: kept with their reason, the rest written.
                for q in &b.quarantined {
                    out.unmatched.push(Unmatched {
                        payload_sha256: meta.sha256.clone(),
                        item: format!("{item} {}", q.row),
                        reason: q.error.to_string(),
                    });
                }
                if *source == CDN {
                    out.notes
                        .push(format!("{} served by the CDN box score", b.game_id));
                }
                let mut seen = HashSet::new();
                for (team, opponent, home) in [(&b.home, &b.away, true), (&b.away, &b.home, false)]
                {
                    for p in &team.players {
                        if !seen.insert(p.player_id) {
                            out.unmatched.push(Unmatched {
                                payload_sha256: meta.sha256.clone(),
                                item: format!("{item} player {}", p.player_id),
                                reason: format!("{} is listed twice in the box score", p.name),
                            });
                            continue;
                        }
                        rows.push(row(date, meta, b, source, team, opponent, home, p));
                    }
                }
            }
            out.tables.push((&NBAC_GAME_BOXSCORES, rows));
            Ok(out)
        })
    }
}

/// For each game the newest v3 capture, else the newest CDN capture (inputs are oldest first).
fn choose(
    v3: impl Iterator<Item = Served>,
    cdn: impl Iterator<Item = Served>,
) -> BTreeMap<String, Served> {
    let mut by_game: BTreeMap<String, Served> = BTreeMap::new();
    for served in cdn.chain(v3) {
        by_game.insert(served.1.game_id.to_string(), served);
    }
    by_game
}

#[allow(clippy::too_many_arguments)]
fn row(
    date: GameDate,
    meta: &RawMeta,
    b: &GameBoxScore,
    source: &str,
    team: &TeamBox,
    opponent: &TeamBox,
    is_home: bool,
    p: &PlayerLine,
) -> Vec<Value> {
    let s = &p.stats;
    vec![
        b.game_id.as_str().into(),
        p.player_id.into(),
        date.to_string().into(),
        date.season().to_string().into(),
        b.game_id.season_type().as_str().into(),
        source.into(),
        b.status.map(|s| s.as_str()).into(),
        p.name.as_str().into(),
        team.team.id().into(),
        team.team.tricode().into(),
        opponent.team.tricode().into(),
        is_home.into(),
        p.starter.into(),
        p.played.into(),
        p.dnp_reason.clone().into(),
        p.minutes.into(),
        s.points.into(),
        s.fgm.into(),
        s.fga.into(),
        s.fg3m.into(),
        s.fg3a.into(),
        s.ftm.into(),
        s.fta.into(),
        s.oreb.into(),
        s.dreb.into(),
        s.reb.into(),
        s.ast.into(),
        s.stl.into(),
        s.blk.into(),
        s.tov.into(),
        s.pf.into(),
        s.plus_minus.into(),
        team.points.into(),
        b.captured_at
            .map(|t| t.to_string())
            .or_else(|| Some(meta.as_of().to_string()))
            .into(),
        meta.sha256.as_str().into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Source;
    use crate::parse::test_support::{CDN_FIXTURE, V3_FIXTURE, fixture};

    fn meta(sha: &str) -> RawMeta {
        RawMeta {
            source: "nbacom".into(),
            dataset: V3.into(),
            partition_key: "2023-01-02".into(),
            sha256: sha.into(),
            bytes: 0,
            origin_path: sha.into(),
            origin: None,
            captured_at: None,
            fetched_at: "2023-01-03T12:00:00Z".into(),
            http_status: Some(200),
            build: "test".into(),
        }
    }

    #[test]
    fn v3_serves_before_the_cdn_and_the_newest_capture_wins() {
        let (Some(v3), Some(cdn)) = (fixture(V3_FIXTURE), fixture(CDN_FIXTURE)) else {
            return;
        };
        let src = Source {
            file: "f",
            dataset: "d",
        };
        let v3 = Arc::new(nbacom_boxscore::parse_v3(&v3, &src).unwrap());
        let cdn = Arc::new(nbacom_boxscore::parse_cdn(&cdn, &src).unwrap());
        // The CDN box score of the v3 game: same id, another capture.
        let mut same_game = (*cdn).clone();
        same_game.game_id = v3.game_id.clone();
        let chosen = choose(
            [
                (meta("v3-old"), v3.clone(), V3),
                (meta("v3-new"), v3.clone(), V3),
            ]
            .into_iter(),
            [
                (meta("cdn-a"), Arc::new(same_game), CDN),
                (meta("cdn-b"), cdn.clone(), CDN),
            ]
            .into_iter(),
        );
        let picked: Vec<(&str, &str, &str)> = chosen
            .iter()
            .map(|(g, (m, _, s))| (g.as_str(), m.sha256.as_str(), *s))
            .collect();
        assert_eq!(
            picked,
            [("0022000001", "cdn-b", CDN), ("0022200552", "v3-new", V3)]
        );
    }
}
