-- Bisections: one row per regression (job, testid) being bisected between a
-- good and a bad revision of one tree; each run of the job at a commit is a
-- flight of blessing real-bisect, recorded in bisection_tries.

CREATE TABLE bisections (
    bisection   serial PRIMARY KEY,
    branch      text NOT NULL,
    source_flight integer NOT NULL REFERENCES flights ON DELETE CASCADE,
    job         text NOT NULL,
    testid      text NOT NULL,
    tree        text NOT NULL,
    repo        text NOT NULL,
    good        text NOT NULL,
    bad         text NOT NULL,
    repeat      integer NOT NULL DEFAULT 2 CHECK (repeat >= 1),
    status      text NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'culprit', 'heisenbug', 'basis-fails',
                          'inconclusive')),
    culprit     text,
    summary     text NOT NULL DEFAULT '',
    started     timestamptz NOT NULL DEFAULT now(),
    finished    timestamptz,
    UNIQUE (source_flight, job, testid)
);

-- One run of the bisected job at REVISION: the flight, and the outcome of
-- the (job, testid) there (NULL while the flight has not finished).
CREATE TABLE bisection_tries (
    bisection   integer NOT NULL REFERENCES bisections ON DELETE CASCADE,
    seq         integer NOT NULL,
    revision    text NOT NULL,
    flight      integer NOT NULL REFERENCES flights ON DELETE CASCADE,
    outcome     text CHECK (outcome IN ('pass', 'fail', 'skip')),
    PRIMARY KEY (bisection, seq)
);
CREATE INDEX bisection_tries_rev ON bisection_tries (bisection, revision);
