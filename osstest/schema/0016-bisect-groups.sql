-- One bisection per (commit range, failure signature): the (job, testid)
-- pairs that failed together in the source flight are its members and are
-- bisected together (the bisections row names the first of them).
CREATE TABLE bisection_members (
    bisection   integer NOT NULL REFERENCES bisections ON DELETE CASCADE,
    job         text NOT NULL,
    testid      text NOT NULL,
    PRIMARY KEY (bisection, job, testid)
);
