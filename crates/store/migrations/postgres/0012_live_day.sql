-- Which game_lines source the team context took its spread and total from ('oddsapi', 'espn'
-- or 'sbr'; NULL when the game had no line), so a live feature is traced to the book it came
-- from and a prediction made on ESPN's fallback is told apart from one on The Odds API.
ALTER TABLE upcoming_team_game_context ADD COLUMN line_source TEXT;
