//! Sources the archive holds nothing of (ESPN, BettingPros, injury-report PDFs, per-game box
//! scores): the answer a scraper gets when the service has nothing, so it records a clean miss.

use crate::{Answer, Ask};
use serde_json::json;

/// 404 with a body naming what was asked and that the archive has none of it: the status the
/// scrapers already read as "not there" (an injury report not published, an event gone).
pub(crate) fn not_archived(ask: &Ask, what: &str) -> Answer {
    Answer::error(
        404,
        format!("{}: the replay archive holds no {what}", ask.path),
    )
}

/// ESPN's scoreboard of a date without games: an empty `events` list, as in the real capture
/// of a day without NBA games (All-Star Friday). The capture's `leagues` block describes its own
/// season and is left out rather than served for another date.
pub(crate) fn espn_scoreboard() -> Answer {
    Answer::value(&json!({ "events": [] }))
}

/// BettingPros events of a date without events: the real capture's `_parameters` block for the
/// date asked, and an empty `events` list (its `ts` / `utc` server times are left out).
pub(crate) fn bettingpros_events(ask: &Ask) -> Answer {
    let p = |k: &str| ask.param(k);
    Answer::value(&json!({
        "_parameters": {
            "sport": p("sport"), "season": null, "doubleheader": null, "week": null,
            "date": p("date"), "start": null, "season_type": null, "direction": "asc",
            "status": null, "end": null, "comp_id": null, "event_id": null, "event_slug": null,
            "team_id": null, "lineups": "true", "park_factors": "true", "officials": "false",
            "max_events_per_sport": null
        },
        "events": [],
    }))
}
