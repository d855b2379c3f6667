//! Phase 3: analytics tables, one game-date partition per run.

pub mod injury;
pub mod load;
pub mod player;
pub mod roster;
pub mod team;

use crate::processor::Processor;

pub fn processors() -> Vec<Box<dyn Processor>> {
    vec![
        Box::new(team::TeamGameSummary),
        Box::new(player::PlayerGameSummary),
        Box::new(team::UpcomingTeamContext),
        Box::new(player::UpcomingPlayerContext),
    ]
}
