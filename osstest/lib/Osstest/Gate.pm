package Osstest::Gate;

# The push gate of a git repository: test the candidate (staging) against
# the baseline (master), and move master to the tested revision only when
# the flight is perfect or tolerable.

use v5.36;
use strict;
use warnings;
use Osstest::Flight;
use Osstest::Schedule;
use Osstest::Report;
use Osstest::Util qw(capture);

# gate(db, branch => B, repo => DIR, template => FILE, tree => NAME,
#      candidate => 'staging', baseline => 'master', allow => [...],
#      max_jobs => N, priority => N (default GATE_PRIORITY), log => sub)
# Returns {decision => 'push'|'no push'|'nothing to do', flight, report}.
sub gate ($db, %a) {
    my $log      = $a{log} // sub ($m) { print "$m\n" };
    my $repo     = $a{repo};
    my $cand_ref = $a{candidate} // 'staging';
    my $base_ref = $a{baseline}  // 'master';
    my $tree     = $a{tree};
    my $cand     = Osstest::Flight::git_resolve($repo, $cand_ref);
    my $base     = Osstest::Flight::git_resolve($repo, $base_ref);
    $log->("gate $a{branch}: $cand_ref $cand, $base_ref $base");

    if ($cand eq $base) {
        $log->("gate $a{branch}: $cand_ref is $base_ref: nothing to test");
        return {decision => 'nothing to do'};
    }
    my ($rc) = capture('git', '-C', $repo, 'merge-base', '--is-ancestor', $base, $cand);
    die "osstest: $cand_ref ($cand) is not a descendant of $base_ref ($base) in $repo\n"
        if $rc != 0;
    my %mk = (
        branch       => $a{branch},
        template     => $a{template},
        repos        => {$tree => $repo},
        baseline_ref => $base_ref,
    );
    my $have_base = $db->dbh->selectrow_array(
        q{SELECT flight FROM flights WHERE branch = ? AND revision = ?
          AND blessing = 'real' AND finished IS NOT NULL ORDER BY flight DESC LIMIT 1},
        undef, $a{branch}, $base
    );
    if (!$have_base) {
        my $bf = Osstest::Flight::make($db, %mk, revs => {$tree => $base});
        $log->("gate $a{branch}: no baseline flight for $base: running flight $bf");
        run($db, $bf, %a);
    }
    my $flight = Osstest::Flight::make($db, %mk, revs => {$tree => $cand});
    $log->("gate $a{branch}: testing $cand in flight $flight");
    run($db, $flight, %a);
    my $r = Osstest::Report::write($db, $flight, allow => $a{allow});
    $log->($_) for split /\n/, Osstest::Report::text($r);
    if (!$r->{push}) {
        $log->("gate $a{branch}: NOT pushing $cand to $base_ref ($r->{verdict})");
        return {decision => 'no push', flight => $flight, report => $r};
    }

    # Compare-and-swap: master moves only if it is still what was tested against.
    my ($prc) = capture('git', '-C', $repo, 'update-ref', '-m', "osstest flight $flight",
        "refs/heads/$base_ref", $cand, $base);
    die "osstest: could not move $base_ref to $cand in $repo (changed meanwhile?)\n"
        if $prc != 0;
    $log->("gate $a{branch}: pushed $cand to $base_ref ($r->{verdict})");
    return {decision => 'push', flight => $flight, report => $r};
}

# A gate's flight goes through the flight queue (Osstest::Schedule) at the
# gate's priority: ahead of nightly flights, behind older gate flights.
sub run ($db, $flight, %a) {
    Osstest::Schedule::run_through_queue(
        $db, $flight,
        $a{priority} // Osstest::Schedule::GATE_PRIORITY,
        max_jobs => $a{max_jobs},
        quiet    => $a{quiet},
        log      => $a{log}
    );
    return;
}

1;
