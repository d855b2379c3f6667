-- Each book's pre-tip prop line per expected player, market and game (phase 3), beside the
-- consensus lines of upcoming_player_game_context.

CREATE TABLE upcoming_player_prop_lines (
    game_id             TEXT    NOT NULL,
    player_id           INTEGER NOT NULL,
    market              TEXT    NOT NULL,
    bookmaker           TEXT    NOT NULL,
    game_date           TEXT    NOT NULL,
    line                REAL NOT NULL,
    over_price          INTEGER,
    under_price         INTEGER,
    snapshot_at         TEXT    NOT NULL,
    opening_line        REAL NOT NULL,
    opening_snapshot_at TEXT    NOT NULL,
    movement            REAL NOT NULL,
    snapshots           INTEGER NOT NULL,
    PRIMARY KEY (game_id, player_id, market, bookmaker)
);
CREATE INDEX upcoming_player_prop_lines_by_date ON upcoming_player_prop_lines (game_date);
