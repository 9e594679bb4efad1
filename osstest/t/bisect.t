#!/usr/bin/perl
# Bisection on a throw-away repository with a linear history of ten commits:
# (1) the report hands the regression to bisection, which names exactly the
# commit that broke the test, reproduces the last pass and the first fail
# twice each, and writes the culprit, its log and a graph; (2) a flaky test
# (fails twice, then passes) is not blamed on any commit; (3) a bisection
# interrupted in the middle of a run resumes: finished runs are kept, the
# interrupted flight is finished, and the same culprit is named.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep time);
use OsstestTest;

my $db = test_db();
my ($rc, $out) = osstest('hosts', 'add');
is($rc, 0, 'hosts added') or diag $out;
my $repo = make_repo();
my $tmpl = data_dir() . '/bisect.tmpl';
my $res  = $ENV{OSSTEST_RESULTS};

sub write_file ($path, $text) {
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh or die;
    return;
}

sub commit ($msg) {
    git($repo, 'add', '-A');
    git($repo, 'commit', '-q', '-m', $msg);
    return git($repo, 'rev-parse', 'HEAD');
}

sub flight (@rev) {
    my ($rc, $f) = osstest('make-flight', 'bisect', '--template', $tmpl, '--repo', $repo, @rev);
    die "make-flight: $f" if $rc;
    chomp $f;
    ($rc, my $o) = osstest('run-flight', $f);
    return $f;
}

sub tries ($bis) {
    return $db->dbh->selectall_arrayref(
        'SELECT revision, outcome, flight FROM bisection_tries WHERE bisection = ? ORDER BY seq',
        undef, $bis);
}

# gamma fails while the counter file says so (each run takes one off).
write_file("$repo/tests/gamma.sh", <<'EOF');
#!/bin/bash
c=$OSSTEST_RESULTS/gamma-fails
n=$(cat "$c" 2>/dev/null || echo 0)
if ((n > 0)); then echo $((n - 1)) >"$c"; echo "gamma flaked"; exit 1; fi
echo gamma ok
EOF
git($repo, 'checkout', '-q', 'staging');
my $base = commit('add gamma');
git($repo, 'update-ref', 'refs/heads/master', $base);

# Ten commits; the sixth breaks beta.
my @c;
for my $i (1 .. 10) {
    write_file("$repo/noise.txt",     "change $i\n");
    write_file("$repo/tests/beta.sh", "#!/bin/bash\necho beta broken\nexit 1\n") if $i == 6;
    push @c, commit($i == 6 ? 'change 6: break beta' : "change $i");
}
my $culprit = $c[5];

# 1. Baseline and candidate flights, report --bisect.
my $bf = flight('--rev', "main=$base");
my $cf = flight('--rev', "main=$c[-1]");
my $t0 = time;
($rc, $out) = osstest('report', $cf, '--bisect');
my $secs = time - $t0;
is($rc, 1, 'the report refuses the push') or diag $out;
like($out, qr/REGRESSION test-a t\/beta/, 'the report names the regression');
like(
    $out,
    qr/bisection (\d+) test-a t\/beta: culprit $culprit/,
    'bisection names exactly the commit that broke beta'
) or diag $out;
note sprintf 'bisection of 10 commits took %.1f s', $secs;
my ($b1) = $db->dbh->selectrow_array(
    q{SELECT bisection FROM bisections WHERE source_flight = ? AND testid = 't/beta'},
    undef, $cf);
my %runs;
push @{$runs{$_->[0]}}, $_->[1] for @{tries($b1)};
is_deeply($runs{$c[4]},    ['pass', 'pass'], 'the last good commit passed twice');
is_deeply($runs{$culprit}, ['fail', 'fail'], 'the culprit failed twice');
is_deeply($runs{$base},    ['pass'],         'the basis pass was reproduced');
is_deeply($runs{$c[-1]},   ['fail'],         'the tested revision failed again');
ok(keys %runs <= 7, 'a binary search, not every commit (' . (keys %runs) . ' commits run)');
my ($nb) = $db->dbh->selectrow_array(
    q{SELECT count(*) FROM flights f JOIN bisection_tries t USING (flight)
      WHERE t.bisection = ? AND f.blessing = 'real-bisect'}, undef, $b1
);
is($nb, scalar @{tries($b1)}, 'every run is a flight blessed real-bisect');
my $dir = "$res/bisect/$b1";
my $sum = do { local (@ARGV, $/) = "$dir/summary.txt"; <> }
    // '';
like($sum, qr/status: culprit/,   'summary.txt says culprit');
like($sum, qr/culprit: $culprit/, 'summary.txt names it');
my $clog = do { local (@ARGV, $/) = "$dir/culprit.log"; <> }
    // '';
like($clog, qr/break beta/,  'culprit.log shows the commit');
like($clog, qr/beta broken/, 'culprit.log has the failing run\'s log');
like(
    do { local (@ARGV, $/) = "$dir/graph.dot"; <> }
        // '', qr/"$culprit" \[label=".*CULPRIT/,
    'graph.dot marks the culprit'
);
ok(-s "$dir/graph.svg" && -s "$dir/index.html", 'graph.svg and index.html written');
($rc, $out) = osstest('report', $bf);
like($out, qr/verdict: perfect/, 'the bisection flights do not disturb the baseline');

# 2. A flaky test: gamma fails in the candidate flight and once more, then
# passes; fix beta first so only gamma is in question.
write_file("$repo/tests/beta.sh", "#!/bin/bash\necho beta fixed\n");
my $fix = commit('fix beta');
git($repo, 'update-ref', 'refs/heads/master', $fix);
write_file("$repo/noise.txt", "change $_\n"), commit("more $_") for 1 .. 2;
write_file("$res/gamma-fails", "2\n");
my $ff = flight('--rev', 'main=HEAD');
($rc, $out) = osstest('bisect', $ff, '--job', 'test-a', '--testid', 't/gamma');
is($rc, 0, 'bisect of the flaky test ends') or diag $out;
like($out, qr/test-a t\/gamma: heisenbug/, 'the flaky test is called a heisenbug');
my ($blamed) = $db->dbh->selectrow_array(
    q{SELECT count(*) FROM bisections WHERE testid = 't/gamma' AND culprit IS NOT NULL});
is($blamed, 0, 'no commit is blamed for it');

# 3. Interrupt a bisection of beta in the middle of a run, then resume it.
git($repo, 'update-ref', 'refs/heads/master', $base);
my $rf  = flight('--rev', "main=$c[-1]");
my $pid = fork // die;
if ($pid == 0) {
    open STDOUT, '>',  "$res/bisect-interrupted.log";
    open STDERR, '>&', \*STDOUT;
    exec "$FindBin::Bin/../bin/osstest", 'bisect', $rf, '--job', 'test-a', '--testid', 't/beta';
}
my $deadline = time + 60;
my $caught   = 0;
while (time < $deadline && !$caught) {
    ($caught) = $db->dbh->selectrow_array(
        q{SELECT count(*) FROM bisection_tries t JOIN bisections b USING (bisection)
          JOIN jobs j ON j.flight = t.flight
          WHERE b.source_flight = ? AND t.outcome IS NULL AND t.seq >= 3
            AND j.status = 'running'}, undef, $rf
    );
    sleep 0.05 unless $caught;
}
ok($caught, 'the bisection was caught running its third flight');
kill 'INT', $pid;
waitpid $pid, 0;
isnt($?, 0, 'the interrupted bisection exits non-zero');
my ($b3) = $db->dbh->selectrow_array('SELECT bisection FROM bisections WHERE source_flight = ?',
    undef, $rf);
my $before = tries($b3);
($rc, $out) = osstest('bisect', $rf, '--job', 'test-a', '--testid', 't/beta');
is($rc, 0, 'bisect run again finishes') or diag $out;
like($out, qr/resuming flight $before->[-1][2]/, 'it resumed the interrupted flight');
like($out, qr/culprit $culprit/,                 'and names the same culprit');
my $after = tries($b3);
is_deeply(
    [map { $_->[2] } @$after[0 .. $#$before]],
    [map { $_->[2] } @$before],
    'runs from before the interruption were kept'
);
is(scalar @$after, scalar @{tries($b1)}, 'no run was done twice');
my ($unfinished) = $db->dbh->selectrow_array(
    q{SELECT count(*) FROM jobs WHERE flight = ? AND status NOT IN ('pass', 'fail')},
    undef, $before->[-1][2]);
is($unfinished, 0, 'the interrupted flight was run to its end');
($rc, $out) = osstest('bisect', $rf, '--job', 'test-a', '--testid', 't/beta');
unlike($out, qr/testing/, 'a finished bisection is not run again');
done_testing;
