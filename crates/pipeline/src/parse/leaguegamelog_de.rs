//! Streaming read of a leaguegamelog payload. Rows of a `LeagueGameLog` result set whose name
//! and headers come before its rows (as stats.nba.com writes them) are converted while they are
//! read, and cells no field needs (`TEAM_NAME`, the `*_PCT` floats) are skipped unparsed: no
//! `Vec<Vec<Cell>>` of the whole set is built. Any other result set that might be the one used
//! is buffered as cells and converted afterwards.

use super::{BoxScoreLine, Claim, Columns, GameLog, Row};
use crate::parse::cell::Cell;
use crate::parse::json::{check_json, locate_error};
use crate::parse::{ParseError, Quarantined, Source};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

const WANTED: &str = "LeagueGameLog";

/// Stands in for a [`ParseError`] set aside in [`State::failure`]; never shown.
const ABORT: &str = "row conversion failed";

/// Converted rows with their `rowSet` index, and the rows set aside.
type Converted = (Vec<(usize, BoxScoreLine, Claim)>, Vec<Quarantined>);

enum Outcome<'de> {
    Converted(Converted),
    Buffered(Vec<Vec<Cell<'de>>>),
    Skipped,
}

struct ResultSet<'de> {
    at: String,
    in_array: bool,
    name: Option<String>,
    headers: Vec<String>,
    outcome: Outcome<'de>,
}

struct State<'de, 's> {
    src: &'s Source<'s>,
    /// A structural failure (headers unusable); the serde error that aborted the read stands
    /// for it.
    failure: Option<ParseError>,
    saw_array: bool,
    sets: Vec<ResultSet<'de>>,
    /// Headers by result-set path as soon as read, to name the cell a syntax error stopped in
    /// even when the set is never finished.
    headers: Vec<(String, Vec<String>)>,
}

impl<'s> State<'_, 's> {
    fn new(src: &'s Source<'s>) -> Self {
        Self {
            src,
            failure: None,
            saw_array: false,
            sets: Vec::new(),
            headers: Vec::new(),
        }
    }

    fn abort<E: de::Error>(&mut self, e: ParseError) -> E {
        self.failure = Some(e);
        E::custom(ABORT)
    }
}

pub(super) fn parse(bytes: &[u8], src: &Source) -> Result<GameLog, ParseError> {
    let bytes = check_json(bytes, src)?;
    let mut state = State::new(src);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let read = Payload(&mut state)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    if read.is_err() {
        if let Some(failure) = state.failure.take() {
            return Err(failure);
        }
        let mut again = State::new(src);
        let mut e = locate_error(bytes, src, Payload(&mut again));
        name_cell(&mut e, &again.headers);
        return Err(e);
    }
    let ((lines, quarantined), at) = select(state.sets, state.saw_array, src)?;
    Ok(super::resolve_games(lines, quarantined, at, src))
}

/// The set named LeagueGameLog, else the first; `resultSets` wins over `resultSet`.
fn select(
    sets: Vec<ResultSet<'_>>,
    saw_array: bool,
    src: &Source,
) -> Result<(Converted, String), ParseError> {
    let mut sets: Vec<ResultSet> = sets
        .into_iter()
        .filter(|s| s.in_array == saw_array)
        .collect();
    let chosen = sets
        .iter()
        .position(|s| s.name.as_deref() == Some(WANTED))
        .unwrap_or(0);
    if chosen >= sets.len() {
        let message = if saw_array {
            "no result set in the array"
        } else {
            "neither resultSets nor resultSet is present"
        };
        return Err(src.error("resultSets", message));
    }
    let set = sets.swap_remove(chosen);
    match set.outcome {
        Outcome::Converted(lines) => Ok((lines, set.at)),
        Outcome::Buffered(rows) => {
            let cols = Columns::find(&set.headers, &set.at, src)?;
            let mut out = Vec::with_capacity(rows.len());
            let mut quarantined = Vec::new();
            for (index, cells) in rows.iter().enumerate() {
                let row = Row {
                    cells,
                    headers: &set.headers,
                    at: &set.at,
                    index,
                    src,
                };
                match convert(&row, cells.len(), &cols) {
                    Ok((line, claim)) => out.push((index, line, claim)),
                    Err(e) => quarantined.push(row.quarantine(&cols, e, true)),
                }
            }
            Ok(((out, quarantined), set.at))
        }
        Outcome::Skipped => Err(src.error(set.at, "result set was skipped while reading")),
    }
}

fn convert(
    row: &Row<'_, '_>,
    width: usize,
    cols: &Columns,
) -> Result<(BoxScoreLine, Claim), ParseError> {
    if width != row.headers.len() {
        return Err(row.src.error(
            format!("{}.rowSet[{}]", row.at, row.index),
            format!(
                "row has {width} cells but there are {} headers",
                row.headers.len()
            ),
        ));
    }
    row.line(cols)
}

/// Names the cell a syntax error stopped in by its header: `rowSet[3][28]` -> `rowSet[3].PTS`.
fn name_cell(e: &mut ParseError, headers: &[(String, Vec<String>)]) {
    for (at, headers) in headers {
        let Some(rest) = e
            .field
            .strip_prefix(at.as_str())
            .and_then(|r| r.strip_prefix(".rowSet["))
        else {
            continue;
        };
        let Some((row, col)) = rest.strip_suffix(']').and_then(|r| r.split_once("][")) else {
            continue;
        };
        if let (Ok(row), Some(header)) = (
            row.parse::<usize>(),
            col.parse::<usize>().ok().and_then(|c| headers.get(c)),
        ) {
            e.field = format!("{at}.rowSet[{row}].{header}");
            return;
        }
    }
}

/// The keys this reader looks at; anything else is skipped.
enum Key {
    ResultSets,
    ResultSet,
    Name,
    Headers,
    RowSet,
    Other,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(match v {
                    "resultSets" => Key::ResultSets,
                    "resultSet" => Key::ResultSet,
                    "name" => Key::Name,
                    "headers" => Key::Headers,
                    "rowSet" => Key::RowSet,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// The whole payload.
struct Payload<'a, 'de, 's>(&'a mut State<'de, 's>);

impl<'de> DeserializeSeed<'de> for Payload<'_, 'de, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Payload<'_, 'de, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a stats.nba.com payload object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::ResultSets => {
                    self.0.saw_array = true;
                    map.next_value_seed(Sets(&mut *self.0))?;
                }
                Key::ResultSet => {
                    let set = Set {
                        state: &mut *self.0,
                        at: "resultSet".into(),
                        in_array: false,
                        first: true,
                    };
                    map.next_value_seed(set)?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `resultSets`: an array of result sets, or null.
struct Sets<'a, 'de, 's>(&'a mut State<'de, 's>);

impl<'de> DeserializeSeed<'de> for Sets<'_, 'de, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Sets<'_, 'de, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of result sets")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        for i in 0.. {
            let set = Set {
                state: &mut *self.0,
                at: format!("resultSets[{i}]"),
                in_array: true,
                first: i == 0,
            };
            if seq.next_element_seed(set)?.is_none() {
                break;
            }
        }
        Ok(())
    }
}

/// One result set: `{"name", "headers", "rowSet"}`.
struct Set<'a, 'de, 's> {
    state: &'a mut State<'de, 's>,
    at: String,
    in_array: bool,
    first: bool,
}

impl<'de> DeserializeSeed<'de> for Set<'_, 'de, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Set<'_, 'de, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a result set object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (mut name, mut headers, mut outcome) = (None::<String>, None::<Vec<String>>, None);
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Name => name = map.next_value()?,
                Key::Headers => {
                    let names: Vec<String> = map.next_value()?;
                    self.state.headers.push((self.at.clone(), names.clone()));
                    headers = Some(names);
                }
                Key::RowSet => {
                    outcome = Some(match (name.as_deref(), &headers) {
                        (Some(WANTED), Some(headers)) => {
                            let cols = Columns::find(headers, &self.at, self.state.src)
                                .map_err(|e| self.state.abort(e))?;
                            let rows = Rows {
                                state: &mut *self.state,
                                cols: &cols,
                                headers,
                                at: &self.at,
                            };
                            Outcome::Converted(map.next_value_seed(rows)?)
                        }
                        (Some(_), _) if !self.first => {
                            map.next_value::<IgnoredAny>()?;
                            Outcome::Skipped
                        }
                        _ => Outcome::Buffered(map.next_value()?),
                    });
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let headers = headers.ok_or_else(|| de::Error::missing_field("headers"))?;
        let outcome = outcome.ok_or_else(|| de::Error::missing_field("rowSet"))?;
        let set = ResultSet {
            at: self.at,
            in_array: self.in_array,
            name,
            headers,
            outcome,
        };
        self.state.sets.push(set);
        Ok(())
    }
}

/// `rowSet` of the wanted result set, converted row by row.
struct Rows<'a, 'de, 's> {
    state: &'a mut State<'de, 's>,
    cols: &'a Columns,
    headers: &'a [String],
    at: &'a str,
}

impl<'de> DeserializeSeed<'de> for Rows<'_, 'de, '_> {
    type Value = Converted;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_, 'de, '_> {
    type Value = Converted;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of rows")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let needed = self.cols.needed(self.headers.len());
        // One buffer for every row: the needed cells are overwritten, the others stay null.
        let mut cells: Vec<Cell<'de>> = vec![Cell::Null; self.headers.len()];
        let mut out = Vec::new();
        let mut quarantined = Vec::new();
        let mut index = 0;
        while let Some(width) = seq.next_element_seed(RowCells {
            cells: &mut cells,
            needed: &needed,
        })? {
            let row = Row {
                cells: &cells,
                headers: self.headers,
                at: self.at,
                index,
                src: self.state.src,
            };
            // A row that cannot be used is set aside; the others are kept.
            match convert(&row, width, self.cols) {
                Ok((line, claim)) => out.push((index, line, claim)),
                // A short row leaves the previous row's cells in the buffer: no ids from them.
                Err(e) => {
                    let whole = width == self.headers.len();
                    quarantined.push(row.quarantine(self.cols, e, whole));
                }
            }
            index += 1;
        }
        Ok((out, quarantined))
    }
}

/// One row: reads the needed cells into the buffer and returns how many cells there were.
struct RowCells<'a, 'de> {
    cells: &'a mut [Cell<'de>],
    needed: &'a [bool],
}

impl<'de> DeserializeSeed<'de> for RowCells<'_, 'de> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowCells<'_, 'de> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a row (an array of cells)")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut width = 0;
        loop {
            if self.needed.get(width).copied().unwrap_or(false) {
                let Some(cell) = seq.next_element::<Cell<'de>>()? else {
                    break;
                };
                if let Some(slot) = self.cells.get_mut(width) {
                    *slot = cell;
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            width += 1;
        }
        Ok(width)
    }
}
