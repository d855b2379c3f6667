-- Claims look for the oldest ready jobs of one processor: walking this index in (day,
-- generation) order lets them stop at the first ready ones instead of sorting every pending job.
CREATE INDEX jobs_ready ON jobs (processor, day, generation) WHERE state IN ('queued', 'running');
DROP INDEX jobs_pending;

-- A batch reads each input writer's latest run (its version); without this index that is a
-- scan of every run of the writer.
CREATE INDEX runs_by_processor ON runs (processor, run_id);
