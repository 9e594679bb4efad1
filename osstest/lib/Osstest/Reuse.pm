package Osstest::Reuse;

# A job whose inputs are exactly those of a job that already ran is not run
# again: its outcome, steps and subtests are those of the earlier job, and
# the runvar reused_from says which. The inputs are the job's own runvars
# from the template (not the revision: the code reaches a test job only
# through its build jobs' artefacts), the artefacts of the jobs it needs
# (store entries keyed by the content of their inputs, so a documentation
# change keeps them) and the controller's step scripts, libraries and
# runners. A job is reusable only when all its code comes that way: neither
# it nor a job it needs checks a tree out, it needs at least one artefact,
# and each component it builds itself is one of those artefacts (same
# inputs, another variant). Only real and play flights reuse (a bisection
# reruns on purpose); only pass and fail outcomes are reused (broken is the
# lab's, not the code's). OSSTEST_REUSE=0 turns it off.

use v5.36;
use strict;
use warnings;
use Digest::SHA qw(sha1_hex);
use File::Find  qw(find);
use Osstest::Flight;
use Osstest::Util qw(top_dir);

# Runvars that do not change what a job does.
my $IGNORED = qr/^(?:revision_\w+|tree_\w+|host|controller|reuse_key|reused_from|broken_why)$/;

my $tools_digest;

# A digest of the controller's code a step runs: step scripts, libraries,
# the XTF runner and the coverage tools.
sub tools_digest () {
    return $tools_digest if defined $tools_digest;
    my $top = top_dir();
    my @files;
    find(sub { push @files, $File::Find::name if -f $_ && !/^\./ },
        grep { -e } map { "$top/$_" } qw(osstest/ts osstest/lib xtf/xtf-runner gcov));
    my $sha = Digest::SHA->new(1);
    for my $f (sort grep { !m{/gcov/(?:build|tests)/} } @files) {
        $sha->add($f =~ s/^\Q$top\E//r, "\0");
        $sha->addfile($f);
    }
    return $tools_digest = $sha->hexdigest;
}

sub steps_of ($rv) {
    return map { $_->{script} } Osstest::Template::steps_from_text($rv->{recipe_steps} // '');
}

# The reuse key of JOB_ID, or (undef, why not).
sub key ($db, $job_id) {
    return (undef, 'OSSTEST_REUSE=0') if ($ENV{OSSTEST_REUSE} // '1') eq '0';
    my $dbh = $db->dbh;
    my ($flight, $job, $intended) = $dbh->selectrow_array(
        q{SELECT j.flight, j.job, f.intended FROM jobs j JOIN flights f USING (flight)
          WHERE j.job_id = ?}, undef, $job_id
    );
    return (undef, "a $intended flight reruns its jobs") unless $intended =~ /^(?:real|play)$/;
    require Osstest::Template;
    my $own = $dbh->selectall_arrayref(
        'SELECT name, value FROM runvars WHERE job_id = ? AND NOT synth ORDER BY name',
        undef, $job_id);
    my %rv = map { @$_ } @$own;
    return (undef, 'it checks a tree out') if grep { $_ eq 'ts-checkout' } steps_of(\%rv);
    my $needs = $dbh->selectall_arrayref(
        q{WITH RECURSIVE up(job_id) AS (
              SELECT needs FROM job_deps WHERE job_id = ?
              UNION SELECT d.needs FROM job_deps d JOIN up ON d.job_id = up.job_id)
          SELECT j.job_id, j.job FROM up JOIN jobs j USING (job_id) ORDER BY j.job}, undef,
        $job_id
    );
    my (@parts, %artefact);
    for my $n (@$needs) {
        my $nrv = Osstest::Flight::runvars($db, $n->[0]);
        return (undef, "job $n->[1] it needs checks a tree out")
            if grep { $_ eq 'ts-checkout' } steps_of($nrv);
        for my $name (sort grep { /^(?:path|artefact)_\w+$/ } keys %$nrv) {
            push @parts, "$n->[1].$name=$nrv->{$name}";
            $artefact{$1} = 1 if $name =~ /^path_(\w+)$/;
        }
    }
    return (undef, 'it needs no artefact') unless %artefact;
    if (grep { $_ eq 'ts-build' } steps_of(\%rv)) {
        for my $c (split ' ', $rv{components} // 'xen xtf') {
            return (undef, "it builds $c, which no job it needs built")
                unless $artefact{$c =~ tr/-/_/r};    # xen-tools: path_xen_tools
        }
    }
    push @parts, map { "$_->[0]=$_->[1]" } grep { $_->[0] !~ $IGNORED } @$own;
    push @parts, 'tools=' . tools_digest();
    return (sha1_hex(join "\n", $job, @parts));
}

# Reuse for JOB_ID the outcome of an earlier job with the same key, if any;
# returns the earlier job's status, or undef (the job then runs, its key
# recorded for later flights). Runvar reused_from names the flight and job
# that ran it (through a chain of reuses: the first); the copied steps' logs
# stay in that flight's directory, which retention keeps while a kept
# flight names it.
sub try ($db, $job_id) {
    my ($key) = key($db, $job_id);
    return undef unless defined $key;
    return $db->txn(
        sub ($dbh) {
            my $src = $dbh->selectrow_hashref(
                q{SELECT j.job_id, j.flight, j.job, j.status FROM runvars r JOIN jobs j USING (job_id)
                  WHERE r.name = 'reuse_key' AND r.value = ? AND j.job_id <> ?
                    AND j.status IN ('pass', 'fail') AND j.finished IS NOT NULL
                  ORDER BY j.job_id DESC LIMIT 1}, undef, $key, $job_id
            );
            if (!$src) {
                Osstest::Flight::set_runvar($db, $job_id, 'reuse_key', $key, 1);
                return undef;
            }

            # A source that was itself reused names the flight that ran it:
            # the steps, attempts and logs are that flight's.
            my ($origin) = $dbh->selectrow_array(
                q{SELECT value FROM runvars WHERE job_id = ? AND name = 'reused_from'},
                undef, $src->{job_id});
            $dbh->do('DELETE FROM steps WHERE job_id = ?', undef, $job_id);
            $dbh->do(
                q{INSERT INTO steps (job_id, stepno, testid, attempt, kind, parent, script,
                                     status, started, finished, log, detail)
                  SELECT ?, stepno, testid, attempt, kind, parent, script, status, started,
                         finished, log, detail FROM steps WHERE job_id = ?}, undef, $job_id,
                $src->{job_id}
            );
            $dbh->do(
                q{INSERT INTO runvars (job_id, name, value, synth)
                  SELECT ?, name, value, true FROM runvars
                  WHERE job_id = ? AND synth AND name NOT IN ('reuse_key', 'controller')
                  ON CONFLICT (job_id, name) DO UPDATE SET value = EXCLUDED.value}, undef,
                $job_id, $src->{job_id}
            );
            Osstest::Flight::set_runvar($db, $job_id, 'reuse_key', $key, 1);
            Osstest::Flight::set_runvar($db, $job_id, 'reused_from',
                $origin // "flight $src->{flight} job $src->{job}", 1);
            $dbh->do(q{UPDATE jobs SET status = ?, finished = now() WHERE job_id = ?},
                undef, $src->{status}, $job_id);
            $dbh->do('DELETE FROM allocations WHERE job_id = ?', undef, $job_id);
            return $src->{status};
        }
    );
}

1;
