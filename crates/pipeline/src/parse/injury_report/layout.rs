//! Positioned text → report rows: the half of the injury-report parser that knows the table.
//!
//! 1. Each page's pieces are grouped into lines by baseline. The title line ("Injury Report:
//!    02/08/26 03:30 PM") gives the report time; "Page N of M" lines are skipped.
//! 2. The header line names the columns (by text, so every season's layout is read the same
//!    way: legacy reports have `Category`, `Previous Status`, `Previous Reason`, or `Reason`
//!    before `Current Status`). A page without a header (recent reports print it once) keeps
//!    the previous page's columns. Each piece belongs to the column whose header starts at or
//!    left of it.
//! 3. Anchor lines start an entry: a player with a status, or a team marked NOT YET SUBMITTED
//!    or ALL PLAYERS AVAILABLE. Every other line is a wrapped cell (a reason on two lines, a
//!    team name on two lines) and joins the nearest anchor on its page by baseline: the
//!    generator centres single-line cells on the row, so a reason's first line sits above its
//!    player and the second below.
//! 4. Empty game date, time, matchup and team cells repeat the row above (across pages).

use super::{EntryType, InjuryEntry, Piece, Report};
use crate::parse::{ParseError, Quarantined, Source};
use nba_props_core::date::eastern;
use nba_props_core::{GameDate, Team};
use std::collections::HashMap;

/// Pieces whose baselines differ by less than this (points) are on one line.
const SAME_LINE: f64 = 1.5;
/// A piece up to this far (points) left of a column's header still belongs to it.
const COLUMN_SLACK: f64 = 3.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    GameDate,
    GameTime,
    Matchup,
    Team,
    Player,
    Category,
    Reason,
    Status,
    PreviousStatus,
    PreviousReason,
}

const HEADERS: [(&str, Col); 10] = [
    ("Game Date", Col::GameDate),
    ("Game Time", Col::GameTime),
    ("Matchup", Col::Matchup),
    ("Team", Col::Team),
    ("Player Name", Col::Player),
    ("Category", Col::Category),
    ("Reason", Col::Reason),
    ("Current Status", Col::Status),
    ("Previous Status", Col::PreviousStatus),
    ("Previous Reason", Col::PreviousReason),
];

const REQUIRED: [Col; 6] = [
    Col::GameDate,
    Col::Matchup,
    Col::Team,
    Col::Player,
    Col::Status,
    Col::Reason,
];

const NOT_SUBMITTED: &str = "NOT YET SUBMITTED";
const ALL_AVAILABLE: &str = "ALL PLAYERS AVAILABLE";

/// Column starts (x) of a header, left to right.
#[derive(Debug, Clone)]
struct Columns(Vec<(f64, Col)>);

impl Columns {
    fn of(&self, x: f64) -> Option<Col> {
        self.0
            .iter()
            .rev()
            .find(|(start, _)| x + COLUMN_SLACK >= *start)
            .map(|(_, c)| *c)
    }

    fn has(&self, c: Col) -> bool {
        self.0.iter().any(|(_, k)| *k == c)
    }

    /// The short name of the layout, from which columns it has and in which order.
    fn layout(&self) -> &'static str {
        let pos = |c| self.0.iter().position(|(_, k)| *k == c);
        if self.has(Col::Category) {
            "category"
        } else if self.has(Col::PreviousReason) {
            "status_history"
        } else if pos(Col::Reason) < pos(Col::Status) {
            "reason_first"
        } else if self.has(Col::PreviousStatus) {
            "current_previous"
        } else {
            "standard"
        }
    }
}

/// One line of a page: its baseline and its pieces left to right.
struct Line<'p> {
    y: f64,
    pieces: Vec<&'p Piece>,
}

impl Line<'_> {
    fn text(&self) -> String {
        join(self.pieces.iter().map(|p| p.text.as_str()))
    }
}

fn join<'s>(parts: impl Iterator<Item = &'s str>) -> String {
    parts
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

fn lines(page: &[Piece]) -> Vec<Line<'_>> {
    let mut sorted: Vec<&Piece> = page
        .iter()
        .filter(|p| p.x.is_finite() && p.y.is_finite() && !p.text.trim().is_empty())
        .collect();
    sorted.sort_by(|a, b| b.y.total_cmp(&a.y).then(a.x.total_cmp(&b.x)));
    let mut out: Vec<Line> = Vec::new();
    for p in sorted {
        match out.last_mut() {
            Some(l) if (l.y - p.y).abs() < SAME_LINE => l.pieces.push(p),
            _ => out.push(Line {
                y: p.y,
                pieces: vec![p],
            }),
        }
    }
    for l in &mut out {
        l.pieces.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    out
}

/// The columns named on a line, if it is a header line.
fn header(line: &Line<'_>) -> Option<Columns> {
    // Words with the x of the piece each starts; a header name may span pieces (PDF words) or
    // fill one piece (a text-layout fixture).
    let words: Vec<(f64, &str)> = line
        .pieces
        .iter()
        .flat_map(|p| p.text.split_whitespace().map(move |w| (p.x, w)))
        .collect();
    let mut cols = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let found = HEADERS.iter().find(|(name, _)| {
            let n: Vec<&str> = name.split(' ').collect();
            words
                .get(i..i + n.len())
                .is_some_and(|w| w.iter().map(|(_, t)| *t).eq(n.iter().copied()))
        });
        match found {
            Some((name, col)) => {
                cols.push((words[i].0, *col));
                i += name.split(' ').count();
            }
            None => return None,
        }
    }
    let columns = Columns(cols);
    REQUIRED.iter().all(|c| columns.has(*c)).then_some(columns)
}

/// The text of one column on one line.
struct Cell {
    col: Col,
    page: u32,
    y: f64,
    text: String,
}

/// An entry being assembled: its anchor line's cells plus wrapped lines.
struct Pending {
    page: u32,
    y: f64,
    cells: Vec<Cell>,
}

impl Pending {
    fn cell(&self, col: Col) -> Option<String> {
        let mut parts: Vec<&Cell> = self.cells.iter().filter(|c| c.col == col).collect();
        // Page by page, top line first (a cell can continue on the next page).
        parts.sort_by(|a, b| a.page.cmp(&b.page).then(b.y.total_cmp(&a.y)));
        let text = join(parts.iter().map(|c| c.text.as_str()));
        (!text.is_empty()).then_some(text)
    }
}

fn cells(line: &Line<'_>, cols: &Columns, page: u32) -> Vec<Cell> {
    let mut out: Vec<Cell> = Vec::new();
    for p in &line.pieces {
        let Some(col) = cols.of(p.x) else { continue };
        match out.last_mut() {
            Some(c) if c.col == col => {
                c.text.push(' ');
                c.text.push_str(p.text.trim());
            }
            _ => out.push(Cell {
                col,
                page,
                y: line.y,
                text: p.text.trim().to_string(),
            }),
        }
    }
    out
}

fn is_anchor(cells: &[Cell]) -> bool {
    let has = |col| cells.iter().any(|c| c.col == col && !c.text.is_empty());
    has(Col::Player) && has(Col::Status)
        || cells
            .iter()
            .any(|c| c.text.contains(NOT_SUBMITTED) || c.text.contains(ALL_AVAILABLE))
}

/// Builds the report from each page's pieces.
pub(super) fn report(pages: &[Vec<Piece>], src: &Source) -> Result<Report, ParseError> {
    let mut columns: Option<Columns> = None;
    let mut report_at = None;
    let mut pending: Vec<Pending> = Vec::new();
    for (p, page) in pages.iter().enumerate() {
        let number = p as u32 + 1;
        let anchors_from = pending.len();
        let mut loose: Vec<Cell> = Vec::new();
        let mut below_header = columns.is_some();
        for line in lines(page) {
            let text = line.text();
            if let Some(stamp) = text.strip_prefix("Injury Report:") {
                let at = report_time(stamp.trim())
                    .map_err(|m| src.error(format!("page {number}, title"), m))?;
                if report_at.is_some_and(|r| r != at) {
                    return Err(src.error(
                        format!("page {number}, title"),
                        format!("{text:?} differs from the first page's report time"),
                    ));
                }
                report_at = Some(at);
                continue;
            }
            if is_page_footer(&text) {
                continue;
            }
            if let Some(h) = header(&line) {
                columns = Some(h);
                below_header = true;
                continue;
            }
            let Some(cols) = columns.as_ref().filter(|_| below_header) else {
                continue;
            };
            let cells = cells(&line, cols, number);
            if is_anchor(&cells) {
                pending.push(Pending {
                    page: number,
                    y: line.y,
                    cells,
                });
            } else {
                loose.extend(cells);
            }
        }
        if columns.is_none() {
            return Err(src.error(
                format!("page {number}"),
                "no table header (a line of Game Date, Matchup, Team, Player Name, Current Status, Reason)",
            ));
        }
        attach_wrapped(&mut pending, anchors_from, loose).map_err(|y| {
            src.error(
                format!("page {number}, line at y={y:.1}"),
                "text in the table before its first entry",
            )
        })?;
    }
    let report_at = report_at.ok_or_else(|| {
        src.error(
            "page 1, title",
            "no \"Injury Report: MM/DD/YY hh:mm AM\" title",
        )
    })?;
    let columns = columns.expect("checked on the first page");
    let layout = columns.layout();
    let mut entries = Vec::with_capacity(pending.len());
    let mut quarantined = Vec::new();
    let (mut date, mut time, mut matchup, mut team) = (None, None, None, None);
    for (i, e) in pending.iter().enumerate() {
        let at = |what: &str| format!("page {}, entry {}, {what}", e.page, i + 1);
        // An entry that cannot be read is set aside; the report's other entries are kept. A
        // cell that fails clears what it would have set, so the entries below it are not
        // attached to the game or team above it.
        let mut failed = None;
        if let Some(d) = e.cell(Col::GameDate) {
            date = match game_date(&d) {
                Ok(v) => Some(v),
                Err(m) => {
                    failed.get_or_insert(src.error(at("Game Date"), m));
                    None
                }
            };
        }
        if let Some(t) = e.cell(Col::GameTime) {
            time = Some(t);
        }
        if let Some(m) = e.cell(Col::Matchup) {
            // A new game names its team; never carry one over from another game.
            team = None;
            matchup = match parse_matchup(&m) {
                Ok((away, home)) => Some((m, away, home)),
                Err(msg) => {
                    failed.get_or_insert(src.error(at("Matchup"), msg));
                    None
                }
            };
        }
        if let Some(t) = e.cell(Col::Team) {
            team = match Team::from_name(&t) {
                Ok(v) => Some(v),
                Err(err) => {
                    failed.get_or_insert(src.error(at("Team"), err.to_string()));
                    None
                }
            };
        }
        let problem = match (date, matchup.as_ref(), team) {
            _ if failed.is_some() => failed,
            (Some(_), Some((matchup_text, away, home)), Some(team))
                if team != *away && team != *home =>
            {
                Some(src.error(
                    at("Team"),
                    format!("{team} does not play in {matchup_text}"),
                ))
            }
            (Some(_), Some(_), Some(_)) => None,
            _ => Some(src.error(
                at("Matchup"),
                "no game date, matchup or team above this entry",
            )),
        };
        if let Some(error) = problem {
            let row = format!("page {}, entry {}", e.page, i + 1);
            quarantined.push(Quarantined { row, error });
            continue;
        }
        let (Some(game_date), Some((matchup_text, away, home)), Some(team)) =
            (date, matchup.as_ref(), team)
        else {
            continue;
        };
        let all = [Col::Player, Col::Status, Col::Category, Col::Reason]
            .iter()
            .filter_map(|c| e.cell(*c))
            .collect::<Vec<_>>()
            .join(" ");
        let entry_type = if all.contains(NOT_SUBMITTED) {
            EntryType::NotSubmitted
        } else if all.contains(ALL_AVAILABLE) {
            EntryType::AllAvailable
        } else {
            EntryType::Player
        };
        let mut entry = InjuryEntry {
            page: e.page,
            game_date,
            game_time: time.clone(),
            matchup: matchup_text.clone(),
            away: *away,
            home: *home,
            team,
            entry_type,
            player_name: None,
            status: None,
            reason: None,
            category: None,
            previous_status: None,
            previous_reason: None,
        };
        if entry_type == EntryType::Player {
            let category = e.cell(Col::Category);
            let reason = e.cell(Col::Reason);
            entry.reason = match (&category, reason) {
                (Some(c), Some(r)) => Some(format!("{c} - {r}")),
                (Some(c), None) => Some(c.clone()),
                (None, r) => r,
            };
            entry.category = category.or_else(|| {
                entry
                    .reason
                    .as_deref()
                    .and_then(|r| r.split_once(" - "))
                    .map(|(c, _)| c.trim().to_string())
            });
            entry.player_name = e.cell(Col::Player);
            entry.status = e.cell(Col::Status);
            entry.previous_status = e.cell(Col::PreviousStatus);
            entry.previous_reason = e.cell(Col::PreviousReason);
        }
        entries.push(entry);
    }
    Ok(Report {
        report_at,
        layout,
        entries,
        quarantined,
    })
}

/// Gives each wrapped cell of a page to the nearest entry on that page, except cells above the
/// page's first entry that continue the previous page's last entry: a row cut by a page break
/// goes on at the top of the next page. A centred cell has as many wrapped lines above its
/// entry as below, so in each column the lines above the first entry beyond the number below it
/// are the continuation. Returns the baseline of a wrapped line no entry can take.
fn attach_wrapped(
    pending: &mut [Pending],
    anchors_from: usize,
    cells: Vec<Cell>,
) -> Result<(), f64> {
    if anchors_from == pending.len() {
        // No entry on this page: everything continues the previous page's last entry.
        let Some(last) = pending.last_mut() else {
            return cells.first().map_or(Ok(()), |c| Err(c.y));
        };
        last.cells.extend(cells);
        return Ok(());
    }
    let first_y = pending[anchors_from].y;
    let (top, rest): (Vec<_>, Vec<_>) = cells.into_iter().partition(|c| c.y > first_y);
    // Per column: wrapped lines below the first entry that it took.
    let mut below: HashMap<Col, usize> = HashMap::new();
    for cell in rest {
        let page = &mut pending[anchors_from..];
        let nearest = (0..page.len())
            .min_by(|&a, &b| {
                (page[a].y - cell.y)
                    .abs()
                    .total_cmp(&(page[b].y - cell.y).abs())
            })
            .expect("the page has an entry");
        if nearest == 0 {
            *below.entry(cell.col).or_default() += 1;
        }
        page[nearest].cells.push(cell);
    }
    let mut top = top;
    // Nearest to the first entry first.
    top.sort_by(|a, b| a.y.total_cmp(&b.y));
    let mut kept: HashMap<Col, usize> = HashMap::new();
    for cell in top {
        let room = below.get(&cell.col).copied().unwrap_or(0);
        let used = kept.entry(cell.col).or_default();
        if anchors_from == 0 || *used < room {
            *used += 1;
            pending[anchors_from].cells.push(cell);
        } else {
            pending[anchors_from - 1].cells.push(cell);
        }
    }
    Ok(())
}

fn is_page_footer(text: &str) -> bool {
    let w: Vec<&str> = text.split_whitespace().collect();
    matches!(w.as_slice(), ["Page", n, "of", m] if n.parse::<u32>().is_ok() && m.parse::<u32>().is_ok())
}

/// `02/08/26 03:30 PM`, US Eastern.
fn report_time(s: &str) -> Result<jiff::Timestamp, String> {
    let bad = || format!("expected a report time like 02/08/26 03:30 PM, got {s:?}");
    let w: Vec<&str> = s.split_whitespace().collect();
    let [date, clock, ampm] = w.as_slice() else {
        return Err(bad());
    };
    let d: Vec<u16> = date
        .split('/')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    let (h, m) = clock.split_once(':').ok_or_else(bad)?;
    let (h, m): (u8, u8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    let [month, day, year] = d.as_slice() else {
        return Err(bad());
    };
    let hour = match (*ampm, h) {
        ("AM", 12) => 0,
        ("AM", 1..=11) => h,
        ("PM", 12) => 12,
        ("PM", 1..=11) => h + 12,
        _ => return Err(bad()),
    };
    let year = if *year < 100 { 2000 + year } else { *year };
    jiff::civil::DateTime::new(
        year as i16,
        *month as i8,
        *day as i8,
        hour as i8,
        m as i8,
        0,
        0,
    )
    .and_then(|dt| dt.to_zoned(eastern().clone()))
    .map(|z| z.timestamp())
    .map_err(|_| bad())
}

/// `02/08/2026`.
fn game_date(s: &str) -> Result<GameDate, String> {
    let bad = || format!("expected a game date like 02/08/2026, got {s:?}");
    let d: Vec<i16> = s
        .split('/')
        .map(|p| p.trim().parse().ok())
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    let [month, day, year] = d.as_slice() else {
        return Err(bad());
    };
    jiff::civil::Date::new(*year, *month as i8, *day as i8)
        .map(GameDate::new)
        .map_err(|_| bad())
}

/// `MIA@WAS` → (away MIA, home WAS).
fn parse_matchup(s: &str) -> Result<(Team, Team), String> {
    let (away, home) = s
        .split_once('@')
        .ok_or_else(|| format!("expected AWAY@HOME like MIA@WAS, got {s:?}"))?;
    let team = |t: &str| Team::from_abbreviation(t).map_err(|e| e.to_string());
    let (away, home) = (team(away)?, team(home)?);
    if away == home {
        return Err(format!("{s:?}: a team cannot play itself"));
    }
    Ok((away, home))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_dates_and_matchups() {
        assert_eq!(
            report_time("02/08/26 03:30 PM").unwrap().to_string(),
            "2026-02-08T20:30:00Z"
        );
        assert_eq!(
            report_time("10/28/19 12:30 AM").unwrap().to_string(),
            "2019-10-28T04:30:00Z"
        );
        assert!(report_time("02/08/26 13:30 PM").is_err() && report_time("02/08/26").is_err());
        assert_eq!(game_date("02/08/2026").unwrap().to_string(), "2026-02-08");
        assert!(game_date("2026-02-08").is_err() && game_date("02/30/2026").is_err());
        let (away, home) = parse_matchup("MIA@WAS").unwrap();
        assert_eq!((away.tricode(), home.tricode()), ("MIA", "WAS"));
        assert!(parse_matchup("MIA-WAS").is_err() && parse_matchup("MIA@MIA").is_err());
        assert!(is_page_footer("Page 2 of 5") && !is_page_footer("Page two of 5"));
    }
}
