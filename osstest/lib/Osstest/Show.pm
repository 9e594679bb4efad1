package Osstest::Show;

# Looking at flights from the command line: the list of flights, one flight
# in full (jobs, steps with host and duration, runvars), and cancelling a
# flight (its queued jobs end as aborted; running ones are stopped by their
# worker, which sees the flight cancelled).

use v5.36;
use strict;
use warnings;
use Osstest::Flight;

# The newest LIMIT flights (all when 0), optionally of BRANCH, as text.
sub flights_text ($db, %a) {
    my $limit = $a{limit} // 20;
    my $rows  = $db->dbh->selectall_arrayref(
        q{SELECT f.flight, f.branch, f.blessing, f.revision, f.started, f.finished,
                 count(j.job_id) AS jobs,
                 count(j.job_id) FILTER (WHERE j.status = 'pass') AS passed,
                 count(j.job_id) FILTER (WHERE j.status IN ('fail', 'broken', 'blocked',
                                                             'aborted')) AS failed
          FROM flights f LEFT JOIN jobs j ON j.flight = f.flight
          WHERE (?::text IS NULL OR f.branch = ?)
          GROUP BY f.flight ORDER BY f.flight DESC LIMIT ?}, {Slice => {}},
        $a{branch}, $a{branch}, $limit || undef
    );
    my $out = sprintf "%6s  %-16s %-12s %-12s %-19s %s\n", 'flight', 'branch', 'blessing',
        'revision', 'started', 'jobs';
    for my $r (@$rows) {
        $out .= sprintf "%6d  %-16s %-12s %-12s %-19s %d: %d pass, %d not\n", $r->{flight},
            $r->{branch}, $r->{blessing}, substr($r->{revision}, 0, 12),
            substr($r->{started} // '-', 0, 19), $r->{jobs}, $r->{passed}, $r->{failed};
    }
    return $out;
}

sub secs ($s) {
    return '-' unless defined $s;
    return sprintf '%ds', $s if $s < 120;
    return sprintf '%dm%02ds', $s / 60, $s % 60;
}

# One flight: its jobs with status, host and duration, their steps (subtests
# folded into counts, failures listed) and input runvars.
sub flight_text ($db, $flight) {
    my $f = Osstest::Flight::get($db, $flight);
    my $out =
          "flight $f->{flight}: branch $f->{branch}, blessing $f->{blessing}\n"
        . "revision $f->{revision}, baseline revision "
        . ($f->{baseline_revision} || 'none') . "\n"
        . "started "
        . ($f->{started} // '-')
        . ', finished '
        . ($f->{finished} // '-') . "\n";
    my $jobs = $db->dbh->selectall_arrayref(
        q{SELECT job_id, job, recipe, status,
                 extract(epoch FROM coalesce(finished, now()) - started) AS secs
          FROM jobs WHERE flight = ? ORDER BY job_id}, {Slice => {}}, $flight
    );
    for my $j (@$jobs) {
        my $rv = Osstest::Flight::runvars($db, $j->{job_id});
        $out .= sprintf "\njob %s (%s): %s, host %s, %s\n", $j->{job}, $j->{recipe},
            $j->{status}, $rv->{host} // '-', secs($j->{secs});
        my $steps = $db->dbh->selectall_arrayref(
            q{SELECT stepno, testid, attempt, kind, status,
                     extract(epoch FROM coalesce(finished, now()) - started) AS secs
              FROM steps WHERE job_id = ? ORDER BY stepno}, {Slice => {}}, $j->{job_id}
        );
        my (%sub, @subfail);
        for my $s (@$steps) {
            if ($s->{kind} eq 'subtest') {
                $sub{$s->{status}}++;
                push @subfail, "$s->{testid} attempt $s->{attempt}: $s->{status}"
                    if $s->{status} =~ /^(fail|broken)$/;
                next;
            }
            $out .= sprintf "  step %-3d %-24s %-8s %s%s\n", $s->{stepno}, $s->{testid},
                $s->{status}, secs($s->{secs}),
                $s->{attempt} > 1 ? " (attempt $s->{attempt})" : '';
        }
        $out .= '  subtests: ' . join(', ', map { "$sub{$_} $_" } sort keys %sub) . "\n" if %sub;
        $out .= "    $_\n" for @subfail;
        $out .= '  runvars: '
            . join(' ',
            map { "$_=$rv->{$_}" } grep { $_ ne 'recipe_steps' && length $rv->{$_} < 80 }
            sort keys %$rv)
            . "\n";
    }
    return $out;
}

# Cancel FLIGHT: queued jobs become aborted, the flight is marked finished
# with blessing 'cancelled' once nothing runs. Returns the number of jobs
# that were still queued or running.
sub cancel ($db, $flight) {
    Osstest::Flight::get($db, $flight);
    return $db->txn(
        sub ($dbh) {
            my $n = $dbh->do(
                q{UPDATE jobs SET status = 'aborted', finished = now()
                  WHERE flight = ? AND status IN ('queued', 'preparing', 'running')}, undef,
                $flight
            );
            $dbh->do(
                q{UPDATE steps SET status = 'aborted', finished = now()
                  WHERE status = 'running' AND job_id IN (SELECT job_id FROM jobs WHERE flight = ?)},
                undef, $flight
            );
            $dbh->do(
                q{DELETE FROM allocations WHERE job_id IN
                    (SELECT job_id FROM jobs WHERE flight = ?)}, undef, $flight
            );
            $dbh->do(
                q{UPDATE flights SET blessing = 'cancelled', finished = coalesce(finished, now())
                  WHERE flight = ?}, undef, $flight
            );
            return $n + 0;
        }
    );
}

1;
