-- A pick at a price actually offered: the market's vig-free P(over) at the line, and for a
-- pick (recommendation OVER or UNDER) the book, line, price, EV and snapshot it was taken at
-- (the best EV across the books of the snapshot). NULL without a line; the pick columns are
-- NULL for PASS.
ALTER TABLE predictions ADD COLUMN p_over_market DOUBLE PRECISION;
ALTER TABLE predictions ADD COLUMN pick_book TEXT;
ALTER TABLE predictions ADD COLUMN pick_line DOUBLE PRECISION;
ALTER TABLE predictions ADD COLUMN pick_price BIGINT;
ALTER TABLE predictions ADD COLUMN pick_ev DOUBLE PRECISION;
ALTER TABLE predictions ADD COLUMN pick_snapshot_at TEXT;

-- A pick graded at its own line and price (units: the payout for a win, -1 for a loss, 0 for
-- a push), and its closing line value against the last pre-tip offer of the same book (or the
-- consensus when the book is gone): NULL when the pick was made on that last snapshot.
ALTER TABLE prediction_grades ADD COLUMN pick_book TEXT;
ALTER TABLE prediction_grades ADD COLUMN pick_line DOUBLE PRECISION;
ALTER TABLE prediction_grades ADD COLUMN pick_price BIGINT;
ALTER TABLE prediction_grades ADD COLUMN pick_ev DOUBLE PRECISION;
ALTER TABLE prediction_grades ADD COLUMN clv_line DOUBLE PRECISION;
ALTER TABLE prediction_grades ADD COLUMN clv_prob DOUBLE PRECISION;
