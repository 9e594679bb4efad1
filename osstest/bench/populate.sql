-- Benchmark data: 10,000 finished real flights of one branch, 4 jobs each,
-- 25 steps per job (2 recipe steps, 22 XTF subtests, log capture): 1,000,000
-- steps. About 1 step in 97 fails. Run on an empty, migrated database.
INSERT INTO flights (flight, branch, blessing, intended, revision, baseline_revision,
                     started, finished)
SELECT g, 'xen-unstable', 'real', 'real', 'rev' || g, 'rev' || (g - 1),
       now() - (10000 - g) * interval '1 hour',
       now() - (10000 - g) * interval '1 hour' + interval '20 minutes'
FROM generate_series(1, 10000) g;
SELECT setval('flights_flight_seq', 10000);

INSERT INTO jobs (job_id, flight, job, recipe, status, started, finished)
SELECT (g - 1) * 4 + k, g,
       (ARRAY['build-x86_64', 'test-xtf-x86_64-smp1', 'test-xtf-x86_64-smp2',
              'coverage-x86_64'])[k],
       'test', 'pass', now(), now()
FROM generate_series(1, 10000) g, generate_series(1, 4) k;
SELECT setval('jobs_job_id_seq', 40000);

INSERT INTO steps (job_id, stepno, testid, attempt, kind, status, started, finished, log)
SELECT j, s,
       CASE WHEN s = 1 THEN 'host-boot' WHEN s = 2 THEN 'xtf-run'
            WHEN s = 25 THEN 'logs-capture' ELSE 'xtf/test-hvm64-t' || s END,
       1,
       CASE WHEN s BETWEEN 3 AND 24 THEN 'subtest' ELSE 'step' END,
       CASE WHEN (j * 31 + s * 17) % 97 = 0 THEN 'fail' ELSE 'pass' END,
       now(), now(), 'flights/' || ((j - 1) / 4 + 1) || '/job/' || s || '.log'
FROM generate_series(1, 40000) j, generate_series(1, 25) s;

UPDATE jobs j SET status = 'fail'
WHERE EXISTS (SELECT 1 FROM steps s WHERE s.job_id = j.job_id AND s.status = 'fail');
ANALYZE;
