package Osstest::Report;

# The flight report: compare a flight with the baseline flight of its branch
# (the last finished real flight that tested the baseline revision), list
# regressions per (job, testid) with the only excuses allowed (never passed
# on the branch, heisenbug: passed on retry in this flight, an allow-list
# pattern), decide the push, and write HTML (job x step grid) and text.

use v5.36;
use strict;
use warnings;
use File::Path qw(make_path);
use Osstest::Flight;
use Osstest::FlightReport;
use Osstest::Util qw(results_dir glob_to_re);

# Allow-list file: lines "JOB-GLOB TESTID-GLOB", # comments.
sub read_allow ($file) {
    return [] unless defined $file;
    open my $fh, '<', $file or die "osstest: cannot read allow-list $file: $!\n";
    my @pats;
    while (my $line = <$fh>) {
        chomp $line;
        $line =~ s/\s*#.*//;
        next unless length $line;
        my ($j, $t, $extra) = split ' ', $line;
        die "osstest: $file:$.: expected 'JOB-GLOB TESTID-GLOB', got '$line'\n"
            if !defined $t || defined $extra;
        push @pats, {text => "$j $t", job => glob_to_re($j), testid => glob_to_re($t)};
    }
    return \@pats;
}

# The baseline flight of F and why it is that one (or why there is none).
# With BRANCH: the newest finished real flight of BRANCH other than F (a local
# run is compared with the last flight of the repository's default branch).
sub find_baseline_why ($db, $f, $branch = undef) {
    if (defined $branch) {
        my ($b) = $db->dbh->selectrow_array(
            q{SELECT flight FROM flights
              WHERE branch = ? AND blessing = 'real' AND finished IS NOT NULL AND flight < ?
              ORDER BY flight DESC LIMIT 1}, undef, $branch, $f->{flight}
        );
        return ($b,    "last finished real flight of branch $branch") if defined $b;
        return (undef, "no finished real flight of branch $branch before flight $f->{flight}");
    }
    return (undef, 'the flight names no baseline revision') unless length $f->{baseline_revision};
    my $b = find_baseline($db, $f);
    return ($b, "last real flight of branch $f->{branch} that tested $f->{baseline_revision}")
        if defined $b;
    return (undef,
        "no finished real flight of branch $f->{branch} tested revision $f->{baseline_revision}");
}

sub find_baseline ($db, $f) {
    return undef unless length $f->{baseline_revision};
    my ($b) = $db->dbh->selectrow_array(
        q{SELECT flight FROM flights
          WHERE branch = ? AND revision = ? AND blessing = 'real' AND finished IS NOT NULL
            AND flight <> ?
          ORDER BY flight DESC LIMIT 1}, undef, $f->{branch}, $f->{baseline_revision},
        $f->{flight}
    );
    return $b;
}

sub ever_passed ($db, $branch, $flight, $job, $testid) {
    if ($testid eq '(job)') {
        my ($p) = $db->dbh->selectrow_array(
            q{SELECT 1 FROM jobs j JOIN flights f ON f.flight = j.flight
              WHERE j.job = ? AND j.status = 'pass' AND f.branch = ? AND f.blessing = 'real'
                AND j.flight <> ? LIMIT 1}, undef, $job, $branch, $flight
        );
        return $p;
    }
    my ($p) = $db->dbh->selectrow_array(
        q{SELECT 1 FROM jobs j JOIN steps s ON s.job_id = j.job_id
          JOIN flights f ON f.flight = j.flight
          WHERE j.job = ? AND s.testid = ? AND s.status = 'pass' AND f.branch = ?
            AND f.blessing = 'real' AND j.flight <> ? LIMIT 1}, undef, $job, $testid,
        $branch, $flight
    );
    return $p;
}

# Outcome per (job, testid) of a flight: {job => {testid => {fail, pass,
# statuses => [...], steps => [...]}}} and the job rows.
sub outcomes ($db, $flight) {
    my $rows = $db->dbh->selectall_arrayref(
        q{SELECT j.job, s.testid, s.kind, s.attempt, s.status, s.log, s.stepno, s.parent
          FROM steps s JOIN jobs j ON j.job_id = s.job_id
          WHERE j.flight = ? ORDER BY j.job_id, s.stepno}, {Slice => {}}, $flight
    );
    my %o;
    for my $r (@$rows) {
        my $e = $o{$r->{job}}{$r->{testid}} //= {steps => []};
        push @{$e->{steps}}, $r;
        $e->{kind} = $r->{kind};
        $e->{fail}++              if $r->{status} =~ /^(fail|broken)$/;
        $e->{pass}++              if $r->{status} eq 'pass';
        $e->{last} = $r->{status} if $r->{status} ne 'aborted';
    }
    return \%o;
}

# Analyse FLIGHT; returns a hash with flight, baseline, verdict (perfect,
# tolerable, regressions, incomplete), items => [{job, testid, class, why}].
sub analyse ($db, $flight, %opt) {
    my $f = Osstest::Flight::get($db, $flight);
    my ($base, $base_why) =
        exists $opt{baseline}
        ? ($opt{baseline}, 'given on the command line')
        : find_baseline_why($db, $f, $opt{baseline_branch});
    my $allow = $opt{allow} // [];
    my $jobs  = Osstest::Flight::jobs($db, $flight);
    my $now   = outcomes($db, $flight);
    my ($then, %base_job) = ({});
    if (defined $base) {
        $then     = outcomes($db, $base);
        %base_job = map { $_->{job} => $_->{status} } @{Osstest::Flight::jobs($db, $base)};
    }
    my (@items, $failures, $incomplete);
    for my $j (@$jobs) {
        $incomplete++ if $j->{status} =~ /^(queued|preparing|running)$/;

        # A reused job's steps ran in another flight: [flight, job].
        my ($rf) = $db->dbh->selectrow_array(
            q{SELECT value FROM runvars WHERE job_id = ? AND name = 'reused_from'},
            undef, $j->{job_id});
        my $reused = ($rf // '') =~ /^flight (\d+) job (\S+)$/ ? [$1, $2] : undef;
        my @fails;
        for my $testid (sort keys %{$now->{$j->{job}} // {}}) {
            my $e = $now->{$j->{job}}{$testid};
            push @fails, [$testid, $e] if $e->{fail};
        }
        if (!@fails && $j->{status} =~ /^(fail|broken|blocked|aborted)$/) {
            push @fails, ['(job)', {fail => 1, job_status => $j->{status}}];
        }
        for my $fl (@fails) {
            my ($testid, $e) = @$fl;
            $failures++;
            my %it = (job => $j->{job}, testid => $testid, status => $e->{last} // $j->{status});
            $it{ran_in} = $reused->[0] if $reused;
            my $b_entry = $testid eq '(job)' ? undef : $then->{$j->{job}}{$testid};
            my $b_pass =
                $testid eq '(job)'
                ? ($base_job{$j->{job}} // '') eq 'pass'
                : $b_entry && $b_entry->{pass};
            my ($pat) = grep { $j->{job} =~ $_->{job} && $testid =~ $_->{testid} } @$allow;
            if ($e->{pass}) {
                my ($first_pass) = grep { $_->{status} eq 'pass' } @{$e->{steps}};
                my $where =
                    $reused ? "flight $reused->[0] (reused here: same inputs)" : 'this flight';
                @it{qw(class why)} = (
                    'flake',
                    "flake: failed, then passed in attempt $first_pass->{attempt} of $where"
                );
            }
            elsif ($pat) {
                @it{qw(class why)} = ('excused', "allow-list: $pat->{text}");
            }
            elsif ($b_pass) {
                @it{qw(class why)} = ('regression', "passed in baseline flight $base");
            }
            elsif (!ever_passed($db, $f->{branch}, $flight, $j->{job}, $testid)) {
                @it{qw(class why)} = ('excused', "never passed on branch $f->{branch}");
            }
            elsif (
                  $b_entry
                ? $b_entry->{fail}
                : ($base_job{$j->{job}} // '') =~ /^(fail|broken|blocked)$/
                )
            {
                @it{qw(class why)} = ('not-regression', "failed in baseline flight $base too");
            }
            else {
                @it{qw(class why)} =
                    ('regression', 'passed before on the branch; did not pass in the baseline');
            }
            push @items, \%it;
        }
    }
    my $regressions = grep { $_->{class} eq 'regression' } @items;

    # An infrastructure failure says nothing about the code: it blocks the push.
    my $broken = grep { $_->{status} eq 'broken' } @$jobs;
    my $verdict =
          $incomplete  ? 'incomplete'
        : $regressions ? 'regressions'
        : $broken      ? 'broken'
        : $failures    ? 'tolerable'
        :                'perfect';
    return {
        flight       => $f,
        baseline     => $base,
        baseline_why => $base_why,
        verdict      => $verdict,
        push         => ($verdict eq 'perfect' || $verdict eq 'tolerable') ? 1 : 0,
        items        => \@items,
        jobs         => $jobs,
        outcomes     => $now,
    };
}

# What failed in an analysed flight, flakes excepted, one line each: the job
# and test, what it ended as and its class; unfinished jobs too.
sub failed ($r) {
    my @out;
    for my $j (@{$r->{jobs}}) {
        push @out, "$j->{job} (job): $j->{status}"
            if $j->{status} =~ /^(queued|preparing|running)$/;
    }
    for my $it (@{$r->{items}}) {
        next if $it->{class} eq 'flake';
        next if $it->{testid} eq '(job)' && $it->{status} eq 'pass';
        push @out, "$it->{job} $it->{testid}: $it->{status} ($it->{class}: $it->{why})";
    }
    return @out;
}

# Where a reused job's failure was seen (its logs are there).
sub ran_in ($it) {
    return defined $it->{ran_in} ? "; ran in flight $it->{ran_in}, reused: same inputs" : '';
}

sub text ($r) {
    my $f   = $r->{flight};
    my @out = (
        "flight $f->{flight} branch $f->{branch} blessing $f->{blessing}",
        "tested revision: $f->{revision}",
        'baseline flight: '
            . ($r->{baseline} // 'none')
            . " (revision "
            . ($f->{baseline_revision} || 'none')
            . "; $r->{baseline_why})",
        '',
        'jobs:',
        (map { sprintf '  %-40s %s', $_->{job}, $_->{status} } @{$r->{jobs}}),
        '',
    );
    my @reg   = grep { $_->{class} eq 'regression' } @{$r->{items}};
    my @flake = grep { $_->{class} eq 'flake' } @{$r->{items}};
    my @other = grep { $_->{class} !~ /^(regression|flake)$/ } @{$r->{items}};
    push @out, @reg ? 'regressions:' : 'regressions: none';
    push @out,
        map { sprintf '  REGRESSION %s %s: %s (%s%s)', @$_{qw(job testid status why)}, ran_in($_) }
        @reg;
    push @out, 'other failures:' if @other;
    push @out,
        map { sprintf '  %s %s %s: %s (%s%s)', @$_{qw(class job testid status why)}, ran_in($_) }
        @other;
    push @out, 'flakes (' . scalar(@flake) . '):' if @flake;
    push @out, map { sprintf '  flake %s %s: %s (%s)', @$_{qw(job testid status why)} } @flake;
    push @out, '', "verdict: $r->{verdict}", 'push: ' . ($r->{push} ? 'yes' : 'no');
    return join("\n", @out) . "\n";
}

# HTML-escaped text (the bisection pages use it).
sub h ($s) {
    $s //= '';
    $s =~ s/&/&amp;/g;
    $s =~ s/</&lt;/g;
    $s =~ s/>/&gt;/g;
    $s =~ s/"/&quot;/g;
    return $s;
}

# Analyse and write results/flights/N/: report.txt, report.html,
# result.json, JOB/junit.xml, mail.txt (see Osstest::FlightReport); returns
# the analysis with the files written.
sub write ($db, $flight, %opt) {
    my $r   = analyse($db, $flight, %opt);
    my $dir = results_dir() . "/flights/$flight";
    make_path($dir);
    $r->{files} = [Osstest::FlightReport::write_all($db, $r, $dir, text($r))];
    return $r;
}

1;
