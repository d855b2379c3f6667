-- Failures with a class: a fatal one (a payload that cannot parse, a constraint that data
-- breaks) is dead at once; a retryable one (network, lock, disk full) backs off. A crash (the
-- worker died holding the job) is counted apart, under a higher bound, and never charged as an
-- attempt.
ALTER TABLE jobs ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN failure TEXT CHECK (failure IN ('retryable', 'fatal', 'crash'));

-- A dead partition blocks the jobs that read it: claims look for dead upstream jobs by
-- processor and day.
CREATE INDEX jobs_dead ON jobs (processor, day) WHERE state = 'dead';

-- What a backfill covers (its first phase and its dates; `max_phase` is its last), so its
-- progress counts every job covering them, whichever group queued it.
ALTER TABLE job_groups ADD COLUMN min_phase INTEGER;
ALTER TABLE job_groups ADD COLUMN from_date TEXT;
ALTER TABLE job_groups ADD COLUMN to_date TEXT;
