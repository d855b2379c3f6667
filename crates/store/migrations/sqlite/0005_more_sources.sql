-- Phase 2 tables of the newer phase 1 datasets (per-game box scores, ESPN, the injury report,
-- BettingPros) and the bounded phase 1 state table. Same conventions as 0001.
-- Booleans are 0/1.

-- Per-game box scores (stats boxscoretraditionalv3, else the CDN live box score): one row per player on either roster, played or not.
CREATE TABLE nbac_game_boxscores (
    game_id        TEXT    NOT NULL,
    player_id      INTEGER NOT NULL,
    game_date      TEXT    NOT NULL,
    season         TEXT    NOT NULL,
    season_type    TEXT    NOT NULL,
    source         TEXT    NOT NULL,
    game_status    TEXT,
    player_name    TEXT    NOT NULL,
    team_id        INTEGER NOT NULL,
    team           TEXT    NOT NULL,
    opponent       TEXT    NOT NULL,
    is_home        BOOLEAN NOT NULL,
    starter        BOOLEAN,
    played         BOOLEAN NOT NULL,
    dnp_reason     TEXT,
    minutes        REAL,
    points         INTEGER NOT NULL,
    fgm            INTEGER NOT NULL,
    fga            INTEGER NOT NULL,
    fg3m           INTEGER NOT NULL,
    fg3a           INTEGER NOT NULL,
    ftm            INTEGER NOT NULL,
    fta            INTEGER NOT NULL,
    oreb           INTEGER NOT NULL,
    dreb           INTEGER NOT NULL,
    reb            INTEGER NOT NULL,
    ast            INTEGER NOT NULL,
    stl            INTEGER NOT NULL,
    blk            INTEGER NOT NULL,
    tov            INTEGER NOT NULL,
    pf             INTEGER NOT NULL,
    plus_minus     INTEGER,
    team_points    INTEGER NOT NULL,
    captured_at    TEXT,
    payload_sha256 TEXT    NOT NULL,
    CHECK (source IN ('boxscoretraditionalv3', 'cdn_boxscore')),
    PRIMARY KEY (game_id, player_id)
);
CREATE INDEX nbac_game_boxscores_by_date ON nbac_game_boxscores (game_date);

-- ESPN scoreboard events attached to NBA games.
CREATE TABLE espn_scoreboard (
    event_id       TEXT    NOT NULL,
    game_id        TEXT    NOT NULL,
    game_date      TEXT    NOT NULL,
    start_utc      TEXT,
    status         TEXT    NOT NULL,
    home_team      TEXT    NOT NULL,
    away_team      TEXT    NOT NULL,
    home_score     INTEGER,
    away_score     INTEGER,
    teams_swapped  BOOLEAN NOT NULL,
    payload_sha256 TEXT    NOT NULL,
    PRIMARY KEY (event_id)
);
CREATE INDEX espn_scoreboard_by_date ON espn_scoreboard (game_date);

-- ESPN summary box scores: one row per athlete listed for either team.
CREATE TABLE espn_player_boxscores (
    game_id        TEXT    NOT NULL,
    espn_player_id TEXT    NOT NULL,
    event_id       TEXT    NOT NULL,
    game_date      TEXT    NOT NULL,
    player_name    TEXT    NOT NULL,
    team           TEXT    NOT NULL,
    opponent       TEXT    NOT NULL,
    is_home        BOOLEAN NOT NULL,
    starter        BOOLEAN,
    played         BOOLEAN NOT NULL,
    dnp_reason     TEXT,
    minutes        REAL,
    points         INTEGER,
    fgm            INTEGER,
    fga            INTEGER,
    fg3m           INTEGER,
    fg3a           INTEGER,
    ftm            INTEGER,
    fta            INTEGER,
    oreb           INTEGER,
    dreb           INTEGER,
    reb            INTEGER,
    ast            INTEGER,
    stl            INTEGER,
    blk            INTEGER,
    tov            INTEGER,
    pf             INTEGER,
    plus_minus     INTEGER,
    payload_sha256 TEXT    NOT NULL,
    PRIMARY KEY (game_id, espn_player_id)
);
CREATE INDEX espn_player_boxscores_by_date ON espn_player_boxscores (game_date);

-- ESPN summary pickcenter lines, one row per game and provider (the newest summary capture).
CREATE TABLE espn_game_lines (
    game_id           TEXT    NOT NULL,
    provider          TEXT    NOT NULL,
    event_id          TEXT    NOT NULL,
    game_date         TEXT    NOT NULL,
    home_team         TEXT    NOT NULL,
    away_team         TEXT    NOT NULL,
    provider_id       TEXT,
    details           TEXT,
    total             REAL,
    home_spread       REAL,
    spread_raw        REAL,
    home_moneyline    INTEGER,
    away_moneyline    INTEGER,
    home_spread_price INTEGER,
    away_spread_price INTEGER,
    over_price        INTEGER,
    under_price       INTEGER,
    teams_swapped     BOOLEAN NOT NULL,
    captured_at       TEXT,
    payload_sha256    TEXT    NOT NULL,
    PRIMARY KEY (game_id, provider)
);
CREATE INDEX espn_game_lines_by_date ON espn_game_lines (game_date);

-- The official injury report: one row per report, game, team and entry (a player, or a team marked NOT YET SUBMITTED / ALL PLAYERS AVAILABLE).
CREATE TABLE nbac_injury_report (
    report_at       TEXT    NOT NULL,
    game_id         TEXT    NOT NULL,
    team            TEXT    NOT NULL,
    entry           TEXT    NOT NULL,
    game_date       TEXT    NOT NULL,
    entry_type      TEXT    NOT NULL,
    player_name     TEXT,
    status          TEXT,
    reason          TEXT,
    category        TEXT,
    previous_status TEXT,
    previous_reason TEXT,
    game_time       TEXT,
    matchup         TEXT    NOT NULL,
    layout          TEXT    NOT NULL,
    page            INTEGER NOT NULL,
    payload_sha256  TEXT    NOT NULL,
    CHECK (entry_type IN ('player', 'not_submitted', 'all_available')),
    PRIMARY KEY (report_at, game_id, team, entry)
);
CREATE INDEX nbac_injury_report_by_date ON nbac_injury_report (game_date);

-- BettingPros prop offers: one row per (event, market, book, player, line, snapshot).
CREATE TABLE bettingpros_player_props (
    event_id       TEXT    NOT NULL,
    market_id      INTEGER NOT NULL,
    book_id        INTEGER NOT NULL,
    bp_player_id   TEXT    NOT NULL,
    line           REAL    NOT NULL,
    snapshot_at    TEXT    NOT NULL,
    game_id        TEXT    NOT NULL,
    game_date      TEXT    NOT NULL,
    market         TEXT,
    bookmaker      TEXT,
    player_name    TEXT    NOT NULL,
    player_team    TEXT,
    over_price     INTEGER,
    under_price    INTEGER,
    last_update    TEXT,
    opening_line   REAL,
    offer_id       TEXT,
    teams_swapped  BOOLEAN NOT NULL,
    payload_sha256 TEXT    NOT NULL,
    PRIMARY KEY (event_id, market_id, book_id, bp_player_id, line, snapshot_at)
);
CREATE INDEX bettingpros_player_props_by_date ON bettingpros_player_props (game_date);

-- Phase 1 state, bounded: one row per scraped (source, dataset), updated in place by every scrape.
CREATE TABLE source_status (
    source                  TEXT    NOT NULL,
    dataset                 TEXT    NOT NULL,
    last_attempt_at         TEXT    NOT NULL,
    last_date               TEXT,
    last_success_at         TEXT,
    last_payloads           INTEGER,
    last_error_at           TEXT,
    last_error              TEXT,
    odds_requests_remaining INTEGER,
    odds_requests_used      INTEGER,
    build                   TEXT    NOT NULL,
    PRIMARY KEY (source, dataset)
);
