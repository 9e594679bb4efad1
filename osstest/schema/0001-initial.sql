-- Initial osstest schema: flights, jobs, steps, runvars, hosts, workers and
-- allocations. Applied once, in a transaction, by Osstest::DB::migrate.

CREATE TABLE flights (
    flight      serial PRIMARY KEY,
    branch      text NOT NULL,
    blessing    text NOT NULL DEFAULT 'constructing',
    intended    text NOT NULL DEFAULT 'real',
    template    text NOT NULL DEFAULT '',
    revision    text NOT NULL DEFAULT '',
    baseline_revision text NOT NULL DEFAULT '',
    created     timestamptz NOT NULL DEFAULT now(),
    started     timestamptz,
    finished    timestamptz
);
CREATE INDEX flights_branch ON flights (branch, blessing, flight DESC);
CREATE INDEX flights_revision ON flights (branch, revision, flight DESC);

CREATE TABLE workers (
    worker      serial PRIMARY KEY,
    hostname    text NOT NULL,
    pid         integer NOT NULL,
    started     timestamptz NOT NULL DEFAULT now(),
    heartbeat   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE jobs (
    job_id      serial PRIMARY KEY,
    flight      integer NOT NULL REFERENCES flights ON DELETE CASCADE,
    job         text NOT NULL,
    recipe      text NOT NULL,
    status      text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'preparing', 'running', 'pass', 'fail',
                          'broken', 'blocked', 'aborted')),
    worker      integer REFERENCES workers ON DELETE SET NULL,
    started     timestamptz,
    finished    timestamptz,
    UNIQUE (flight, job)
);
CREATE INDEX jobs_name ON jobs (job, flight DESC);
CREATE INDEX jobs_active ON jobs (flight) WHERE status IN ('queued', 'preparing', 'running');

CREATE TABLE job_deps (
    job_id      integer NOT NULL REFERENCES jobs ON DELETE CASCADE,
    needs       integer NOT NULL REFERENCES jobs ON DELETE CASCADE,
    PRIMARY KEY (job_id, needs)
);

-- One recipe step (kind 'step') or one subtest instance (kind 'subtest',
-- parent = the stepno of the step that ran it). attempt > 1 is a retry.
CREATE TABLE steps (
    job_id      integer NOT NULL REFERENCES jobs ON DELETE CASCADE,
    stepno      integer NOT NULL,
    testid      text NOT NULL,
    attempt     integer NOT NULL DEFAULT 1,
    kind        text NOT NULL DEFAULT 'step' CHECK (kind IN ('step', 'subtest')),
    parent      integer,
    script      text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'pass', 'fail', 'broken', 'skip', 'aborted')),
    started     timestamptz NOT NULL DEFAULT now(),
    finished    timestamptz,
    log         text NOT NULL DEFAULT '',
    PRIMARY KEY (job_id, stepno),
    UNIQUE (job_id, testid, attempt)
);
CREATE INDEX steps_testid ON steps (testid, job_id);

CREATE TABLE runvars (
    job_id      integer NOT NULL REFERENCES jobs ON DELETE CASCADE,
    name        text NOT NULL,
    value       text NOT NULL,
    synth       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (job_id, name)
);
CREATE INDEX runvars_value ON runvars (name, value);

CREATE TABLE hosts (
    host        text PRIMARY KEY,
    kind        text NOT NULL,
    config      text NOT NULL DEFAULT '',
    broken      boolean NOT NULL DEFAULT false,
    broken_why  text NOT NULL DEFAULT '',
    added       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE host_flags (
    host        text NOT NULL REFERENCES hosts ON DELETE CASCADE ON UPDATE CASCADE,
    flag        text NOT NULL,
    PRIMARY KEY (host, flag)
);
CREATE INDEX host_flags_flag ON host_flags (flag, host);

CREATE TABLE host_props (
    host        text NOT NULL REFERENCES hosts ON DELETE CASCADE ON UPDATE CASCADE,
    name        text NOT NULL,
    value       text NOT NULL,
    PRIMARY KEY (host, name)
);

-- A host allocated to a job by a worker; freed when the job ends or when the
-- worker's heartbeat expires.
CREATE TABLE allocations (
    host        text PRIMARY KEY REFERENCES hosts ON DELETE CASCADE,
    job_id      integer REFERENCES jobs ON DELETE SET NULL,
    worker      integer REFERENCES workers ON DELETE CASCADE,
    allocated   timestamptz NOT NULL DEFAULT now()
);
