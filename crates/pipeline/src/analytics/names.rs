//! Sportsbook player names → stats.nba.com players, within one game's two rosters.
//!
//! Books spell names their own way: "G Antetokounmpo", "Murray Dejounte", "Portis, Bobby",
//! "Moe Wagner", "Nicolas Claxton", accents stripped. A name is normalised once (lower case,
//! accents folded, punctuation and Jr/Sr/II/III dropped, "Last, First" turned round), then
//! matched against the rosters by, in order: the same tokens; the same tokens in another order;
//! a first initial plus the last name; a known nickname. A match must be unique: two candidates
//! means no match, so a line is never attached to the wrong player.

use std::collections::HashMap;

/// Folds a name to comparable tokens.
pub fn normalise(name: &str) -> Vec<String> {
    let name = match name.split_once(',') {
        Some((last, first)) => format!("{} {}", first.trim(), last.trim()),
        None => name.to_string(),
    };
    let mut folded = String::with_capacity(name.len());
    for ch in name.chars() {
        match fold(ch) {
            Some(s) => folded.push_str(s),
            None if ch.is_alphanumeric() => folded.extend(ch.to_lowercase()),
            None if ch == '\'' || ch == '.' || ch == '\u{2019}' => {}
            None => folded.push(' '),
        }
    }
    folded
        .split_whitespace()
        .filter(|t| !matches!(*t, "jr" | "sr" | "ii" | "iii" | "iv"))
        .map(str::to_string)
        .collect()
}

/// Letters with diacritics as the books write them without.
fn fold(ch: char) -> Option<&'static str> {
    Some(match ch {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ā' | 'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' | 'Ā' => {
            "a"
        }
        'é' | 'è' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'É' | 'È' | 'Ê' | 'Ë' | 'Ē' => "e",
        'í' | 'ì' | 'î' | 'ï' | 'ī' | 'Í' | 'Ì' | 'Î' | 'Ï' => "i",
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'ō' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' | 'Ø' => {
            "o"
        }
        'ú' | 'ù' | 'û' | 'ü' | 'ū' | 'Ú' | 'Ù' | 'Û' | 'Ü' => "u",
        'ñ' | 'ń' | 'ņ' | 'Ñ' => "n",
        'ç' | 'ć' | 'č' | 'Ç' | 'Ć' | 'Č' => "c",
        'š' | 'ś' | 'ș' | 'ş' | 'Š' | 'Ś' | 'Ș' | 'Ş' => "s",
        'ž' | 'ź' | 'ż' | 'Ž' | 'Ź' | 'Ż' => "z",
        'đ' | 'Đ' => "d",
        'ğ' | 'ģ' | 'Ğ' => "g",
        'ķ' => "k",
        'ļ' | 'ł' | 'Ł' => "l",
        'ț' | 'ţ' => "t",
        'ý' | 'ÿ' => "y",
        _ => return None,
    })
}

/// First names the books shorten or swap (book spelling → stats.nba.com first name).
const NICKNAMES: &[(&str, &str)] = &[
    ("moe", "moritz"),
    ("herb", "herbert"),
    ("cam", "cameron"),
    ("nic", "nicolas"),
    ("nicolas", "nic"),
    ("cameron", "cam"),
    ("carlton", "bub"),
    ("bub", "carlton"),
    ("alfred", "al"),
    ("kenyon", "kj"),
    ("pj", "p"),
    ("og", "o"),
];

/// A matching rule: does this roster name (tokens) fit the book's name?
type Rule<'a> = dyn Fn(&[String]) -> bool + 'a;

/// A player on one of the game's rosters.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterPlayer {
    pub player_id: i64,
    pub name: String,
}

/// Resolves names against one game's two rosters.
pub struct Resolver {
    players: Vec<(i64, Vec<String>)>,
    cache: HashMap<String, Option<i64>>,
}

impl Resolver {
    pub fn new(roster: &[RosterPlayer]) -> Self {
        Self {
            players: roster
                .iter()
                .map(|p| (p.player_id, normalise(&p.name)))
                .collect(),
            cache: HashMap::new(),
        }
    }

    /// The one player this name means, or None when none or several fit.
    pub fn resolve(&mut self, name: &str) -> Option<i64> {
        if let Some(hit) = self.cache.get(name) {
            return *hit;
        }
        let hit = self.find(&normalise(name));
        self.cache.insert(name.to_string(), hit);
        hit
    }

    fn find(&self, t: &[String]) -> Option<i64> {
        if t.is_empty() {
            return None;
        }
        let unique = |f: &dyn Fn(&[String]) -> bool| -> Option<Option<i64>> {
            let mut hits = self.players.iter().filter(|(_, p)| f(p)).map(|(id, _)| *id);
            let first = hits.next()?;
            Some(if hits.next().is_some() {
                None
            } else {
                Some(first)
            })
        };
        let sorted = |v: &[String]| {
            let mut v = v.to_vec();
            v.sort();
            v
        };
        let t_sorted = sorted(t);
        // Each rule either decides (one or several candidates) or passes to the next.
        let rules: [&Rule<'_>; 4] = [
            &|p| p == t,
            &|p| sorted(p) == t_sorted,
            // "G Antetokounmpo": an initial, then the rest of the name.
            &|p| {
                t.len() >= 2
                    && t[0].len() == 1
                    && p.len() >= 2
                    && p[0].starts_with(t[0].as_str())
                    && p[1..] == t[1..]
            },
            &|p| {
                p.len() >= 2
                    && t.len() == p.len()
                    && p[1..] == t[1..]
                    && NICKNAMES
                        .iter()
                        .any(|(book, nba)| t[0] == *book && p[0] == *nba)
            },
        ];
        rules.iter().find_map(|rule| unique(*rule)).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster() -> Vec<RosterPlayer> {
        [
            (1, "Giannis Antetokounmpo"),
            (2, "Thanasis Antetokounmpo"),
            (3, "Jamal Murray"),
            (4, "Dejounte Murray"),
            (5, "Moritz Wagner"),
            (6, "Franz Wagner"),
            (7, "Nikola Jokić"),
            (8, "Bobby Portis"),
            (9, "Herbert Jones"),
            (10, "Gary Trent Jr."),
            (11, "Jaren Jackson Jr."),
        ]
        .into_iter()
        .map(|(id, n)| RosterPlayer {
            player_id: id,
            name: n.into(),
        })
        .collect()
    }

    #[test]
    fn book_spellings_resolve_to_the_one_player_they_mean() {
        let mut r = Resolver::new(&roster());
        assert_eq!(r.resolve("G Antetokounmpo"), Some(1));
        assert_eq!(r.resolve("Murray Dejounte"), Some(4));
        assert_eq!(r.resolve("Portis, Bobby"), Some(8));
        assert_eq!(r.resolve("Moe Wagner"), Some(5));
        assert_eq!(r.resolve("Nikola Jokic"), Some(7));
        assert_eq!(r.resolve("Herb Jones"), Some(9));
        assert_eq!(r.resolve("Gary Trent"), Some(10));
        assert_eq!(r.resolve("Jaren Jackson Jr"), Some(11));
        assert_eq!(r.resolve("Franz Wagner"), Some(6));
    }

    #[test]
    fn ambiguous_or_unknown_names_match_nobody() {
        let mut r = Resolver::new(&roster());
        assert_eq!(
            r.resolve("Antetokounmpo"),
            None,
            "two players have that name"
        );
        assert_eq!(r.resolve("Murray"), None);
        assert_eq!(r.resolve("LeBron James"), None);
        assert_eq!(r.resolve(""), None);
        assert_eq!(r.resolve("T Antetokounmpo"), Some(2));
    }
}
