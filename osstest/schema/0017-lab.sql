-- The lab: host health (checks and job outcomes per host, quarantine),
-- scheduled flights, and flight priorities for the queue. Numbered 0017 to
-- stay clear of migrations added meanwhile on other lines of work.

-- One event in a host's life: a health check, a job that ran on it, an
-- automatic quarantine, a manual free. status: pass, fail, broken, or the
-- event's own word (quarantined, freed).
CREATE TABLE host_events (
    id          serial PRIMARY KEY,
    host        text NOT NULL REFERENCES hosts ON DELETE CASCADE ON UPDATE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('check', 'job', 'quarantine', 'free')),
    status      text NOT NULL,
    job_id      integer REFERENCES jobs ON DELETE SET NULL,
    detail      text NOT NULL DEFAULT '',
    seconds     double precision,
    controller  text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX host_events_host ON host_events (host, id DESC);

-- Queued flights are served by priority (higher first), then age.
ALTER TABLE flights ADD COLUMN priority integer NOT NULL DEFAULT 0;
CREATE INDEX flights_queue ON flights (priority DESC, flight) WHERE started IS NULL;

-- One due time of one schedule entry: the flight it made, or why not.
CREATE TABLE schedule_runs (
    id          serial PRIMARY KEY,
    entry       text NOT NULL,
    branch      text NOT NULL,
    due         timestamptz NOT NULL,
    revisions   text NOT NULL DEFAULT '',
    status      text NOT NULL CHECK (status IN ('made', 'skipped', 'failed')),
    flight      integer REFERENCES flights ON DELETE SET NULL,
    detail      text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (entry, due)
);
CREATE INDEX schedule_runs_entry ON schedule_runs (entry, id DESC);
