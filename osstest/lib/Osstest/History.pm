package Osstest::History;

# A job's results across flights, newest first, to any depth: the job's
# status per flight, or with a testid the status of that step or subtest
# (its attempts joined by '/', e.g. "fail/pass" for a heisenbug).

use v5.36;
use strict;
use warnings;

# Returns [{flight, branch, revision, started, job_status, status}].
sub query ($db, $job, %opt) {
    my $limit  = $opt{limit} // 50;
    my @lim    = $limit > 0           ? ('LIMIT ?',          $limit)       : ('', ());
    my @branch = defined $opt{branch} ? ('AND f.branch = ?', $opt{branch}) : ('', ());
    if (defined $opt{testid}) {
        return $db->dbh->selectall_arrayref(
            qq{SELECT f.flight, f.branch, f.revision, f.started, j.status AS job_status,
                      (SELECT string_agg(s.status, '/' ORDER BY s.attempt) FROM steps s
                       WHERE s.job_id = j.job_id AND s.testid = ?) AS status
               FROM jobs j JOIN flights f ON f.flight = j.flight
               WHERE j.job = ? $branch[0]
               ORDER BY j.flight DESC $lim[0]}, {Slice => {}}, $opt{testid}, $job,
            @branch[1 .. $#branch], @lim[1 .. $#lim]
        );
    }
    return $db->dbh->selectall_arrayref(
        qq{SELECT f.flight, f.branch, f.revision, f.started, j.status AS job_status,
                  j.status AS status
           FROM jobs j JOIN flights f ON f.flight = j.flight
           WHERE j.job = ? $branch[0]
           ORDER BY j.flight DESC $lim[0]}, {Slice => {}}, $job, @branch[1 .. $#branch],
        @lim[1 .. $#lim]
    );
}

sub text ($rows) {
    return join '', map {
        sprintf "%8d %-16s %-12.12s %-20s %s\n", $_->{flight}, $_->{branch}, $_->{revision},
            substr($_->{started} // '-', 0, 19), $_->{status} // '-'
    } @$rows;
}

1;
