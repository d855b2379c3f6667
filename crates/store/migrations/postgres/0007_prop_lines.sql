-- Each book's pre-tip prop line per expected player, market and game (phase 3), beside the
-- consensus lines of upcoming_player_game_context.

CREATE TABLE upcoming_player_prop_lines (
    game_id             TEXT    NOT NULL,
    player_id           BIGINT NOT NULL,
    market              TEXT    NOT NULL,
    bookmaker           TEXT    NOT NULL,
    game_date           TEXT    NOT NULL,
    line                DOUBLE PRECISION NOT NULL,
    over_price          BIGINT,
    under_price         BIGINT,
    snapshot_at         TEXT    NOT NULL,
    opening_line        DOUBLE PRECISION NOT NULL,
    opening_snapshot_at TEXT    NOT NULL,
    movement            DOUBLE PRECISION NOT NULL,
    snapshots           BIGINT NOT NULL,
    PRIMARY KEY (game_id, player_id, market, bookmaker)
);
CREATE INDEX upcoming_player_prop_lines_by_date ON upcoming_player_prop_lines (game_date);
