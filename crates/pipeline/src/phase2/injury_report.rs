//! `nbac_injury_report`: every captured official injury report, one row per report, game, team
//! and entry (a player, or a team marked NOT YET SUBMITTED / ALL PLAYERS AVAILABLE), so a
//! player's status can be read as of any time before tip-off.
//!
//! A report is stored under the date it was fetched for, and late reports already list the next
//! day's games: a run for D reads the reports of D−1 and D and keeps the entries of D's games.
//! Games are matched by the matchup's teams on the entry's date; an entry on neither the
//! report's date nor the next is reported by the run of the report's date.

use super::games::GameMatch;
use super::{games_on, load};
use crate::parse::injury_report::{self, EntryType, InjuryEntry, Report};
use crate::processor::{
    BoxFuture, Ctx, Declaration, Input, Output, ProcessError, Processor, Unmatched, Window,
};
use nba_props_core::GameDate;
use nba_props_store::Value;
use nba_props_store::schema::NBAC_INJURY_REPORT;
use std::collections::BTreeMap;

pub struct InjuryReport;

static DECLARATION: Declaration = Declaration {
    name: "nbac_injury_report",
    phase: 2,
    inputs: &[
        Input::Raw {
            source: "nbacom",
            dataset: "injury_report",
            critical: true,
            window: Window::Days {
                before: 1,
                after: 0,
            },
        },
        Input::Table {
            name: "nbac_schedule",
            critical: true,
            window: Window::Date,
        },
    ],
    outputs: &[&NBAC_INJURY_REPORT],
};

/// The table's key: report time, game, team, entry.
type Key = (String, String, String, String);

impl Processor for InjuryReport {
    fn declaration(&self) -> &'static Declaration {
        &DECLARATION
    }

    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        date: GameDate,
    ) -> BoxFuture<'a, Result<Output, ProcessError>> {
        Box::pin(async move {
            let partitions = [date.add_days(-1).to_string(), date.to_string()];
            let mut out = Output::default();
            let dataset = ("nbacom", "injury_report");
            let reports = load(ctx, dataset, &partitions, injury_report::parse, &mut out).await?;
            let games = games_on(ctx, date, &mut out).await?;
            // Oldest capture first: a report fetched twice (re-published) keeps its newest bytes.
            let mut rows: BTreeMap<Key, Vec<Value>> = BTreeMap::new();
            for (meta, report) in &reports {
                let fetched_for = GameDate::parse(&meta.partition_key).ok();
                // Entries the parser set aside, reported by the report's own date (theirs may
                // be unreadable).
                if fetched_for == Some(date) {
                    for q in &report.quarantined {
                        out.unmatched.push(Unmatched {
                            payload_sha256: meta.sha256.clone(),
                            item: format!("{} {}", report.report_at, q.row),
                            reason: q.error.to_string(),
                        });
                    }
                }
                let mut in_report: BTreeMap<Key, usize> = BTreeMap::new();
                for (i, e) in report.entries.iter().enumerate() {
                    let unmatched = |reason: String| Unmatched {
                        payload_sha256: meta.sha256.clone(),
                        item: format!(
                            "{} entry {} {} {}",
                            report.report_at,
                            i + 1,
                            e.team,
                            entry_text(e)
                        ),
                        reason,
                    };
                    if e.game_date != date {
                        let handled = fetched_for
                            .is_some_and(|f| e.game_date == f || e.game_date == f.add_days(1));
                        if !handled && fetched_for == Some(date) {
                            out.unmatched.push(unmatched(format!(
                                "the game date {} is neither the report's date nor the next day",
                                e.game_date
                            )));
                        }
                        continue;
                    }
                    let game = match games.find(date, e.home, e.away) {
                        GameMatch::Exact(g) | GameMatch::Swapped(g) => g,
                        GameMatch::NotFound => {
                            out.unmatched.push(unmatched(format!(
                                "no game {} on {date} in nbac_schedule",
                                e.matchup
                            )));
                            continue;
                        }
                    };
                    let key = (
                        report.report_at.to_string(),
                        game.game_id.to_string(),
                        e.team.tricode().to_string(),
                        entry_text(e),
                    );
                    if let Some(first) = in_report.insert(key.clone(), i) {
                        out.unmatched.push(unmatched(format!(
                            "listed twice in one report (first as entry {})",
                            first + 1
                        )));
                        continue;
                    }
                    rows.insert(key.clone(), row(&key, report, e, &meta.sha256));
                }
            }
            out.tables
                .push((&NBAC_INJURY_REPORT, rows.into_values().collect()));
            Ok(out)
        })
    }
}

/// The entry column: the player as printed, or the team marker.
fn entry_text(e: &InjuryEntry) -> String {
    match e.entry_type {
        EntryType::Player => e.player_name.clone().unwrap_or_default(),
        EntryType::NotSubmitted => "NOT YET SUBMITTED".into(),
        EntryType::AllAvailable => "ALL PLAYERS AVAILABLE".into(),
    }
}

fn row(key: &Key, report: &Report, e: &InjuryEntry, sha: &str) -> Vec<Value> {
    let (report_at, game_id, team, entry) = key;
    vec![
        report_at.as_str().into(),
        game_id.as_str().into(),
        team.as_str().into(),
        entry.as_str().into(),
        e.game_date.to_string().into(),
        e.entry_type.as_str().into(),
        e.player_name.clone().into(),
        e.status.clone().into(),
        e.reason.clone().into(),
        e.category.clone().into(),
        e.previous_status.clone().into(),
        e.previous_reason.clone().into(),
        e.game_time.clone().into(),
        e.matchup.as_str().into(),
        report.layout.into(),
        i64::from(e.page).into(),
        sha.into(),
    ]
}
