#!/usr/bin/perl
# End to end on a throw-away repository: the gate runs a baseline flight and
# a candidate flight (build, then tests on two virtual hosts), reports, and
# pushes staging to master when nothing regressed; a planted regression (a
# commit that breaks a test) blocks the push and is named in the report; a
# test that passes only on retry is a heisenbug and does not block.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use OsstestTest;

my $db = test_db();
my ($rc, $out) = osstest('hosts', 'add');
is($rc, 0, 'hosts added from the lab directory') or diag $out;
my $repo = make_repo();
my $tmpl = data_dir() . '/selftest.tmpl';

# Given as a relative path, as a developer in the repository would.
chdir $repo or die "chdir $repo: $!";
my @gate = ('gate', 'selftest', '--repo', '.', '--template', $tmpl, '--max-jobs', 2);

# 1. staging == master: nothing to test.
($rc, $out) = osstest(@gate);
is($rc, 0, 'gate with staging at master succeeds');
like($out, qr/nothing to test/, '... and says there is nothing to do');

# 2. A good commit on staging: baseline flight, then a flight, then a push.
git($repo, 'checkout', '-q', 'staging');
open my $fh, '>', "$repo/tests/delta.sh" or die;
print $fh "#!/bin/bash\necho delta ok\n";
close $fh;
git($repo, 'add', 'tests/delta.sh');
git($repo, 'commit', '-q', '-m', 'add delta');
my $good = git($repo, 'rev-parse', 'staging');
($rc, $out) = osstest(@gate);
is($rc, 0, 'gate of a good commit exits 0') or diag $out;
like($out, qr/no baseline flight for \w+: running flight 1/, 'a baseline flight ran first');
like($out, qr/verdict: perfect/,                             'the flight is perfect');
is(git($repo, 'rev-parse', 'master'), $good, 'master now is the tested revision');
my ($n) = $db->dbh->selectrow_array(
    q{SELECT count(*) FROM steps s JOIN jobs j USING (job_id)
      WHERE j.flight = 2 AND s.kind = 'subtest' AND s.status = 'pass'}
);
is($n, 6, 'three tests on each of two hosts recorded as passing subtests');
my $hosts = $db->dbh->selectcol_arrayref(
    q{SELECT r.value FROM runvars r JOIN jobs j USING (job_id)
      WHERE j.flight = 2 AND r.name = 'host' ORDER BY 1}
);
is_deeply($hosts, ['tvhost1', 'tvhost2'], 'the test jobs ran on the two hosts');
ok(-s "$ENV{OSSTEST_RESULTS}/flights/2/report.html", 'HTML report written');

# 3. A planted regression: beta breaks. No push; the report names it.
open $fh, '>', "$repo/tests/beta.sh" or die;
print $fh "#!/bin/bash\necho beta broken\nexit 1\n";
close $fh;
git($repo, 'commit', '-q', '-a', '-m', 'break beta');
my $bad = git($repo, 'rev-parse', 'staging');
($rc, $out) = osstest(@gate);
is($rc, 1, 'gate of a regression exits 1') or diag $out;
unlike($out, qr/no baseline flight/, 'no new baseline flight needed');
like($out, qr/REGRESSION test-a t\/beta: fail/, 'report names test-a t/beta');
like($out, qr/REGRESSION test-b t\/beta: fail/, 'report names test-b t/beta');
like($out, qr/NOT pushing/,                     'the push is refused');
is(git($repo, 'rev-parse', 'master'), $good, 'master did not move');
my $txt = do { local (@ARGV, $/) = "$ENV{OSSTEST_RESULTS}/flights/3/report.txt"; <> };
like($txt, qr/REGRESSION test-a t\/beta/, 'the text report names the regression');

# 4. Fix beta, add a flaky test: heisenbug excused, tolerable, pushed.
open $fh, '>', "$repo/tests/beta.sh" or die;
print $fh "#!/bin/bash\necho beta fixed\n";
close $fh;
system('cp', data_dir() . '/flaky.sh', "$repo/tests/flaky.sh") == 0 or die;
git($repo, 'add', 'tests/flaky.sh');
git($repo, 'commit', '-q', '-a', '-m', 'fix beta, add flaky');
my $fixed = git($repo, 'rev-parse', 'staging');
($rc, $out) = osstest(@gate);
is($rc, 0, 'gate of the fix exits 0') or diag $out;
like($out, qr/flake test-a t\/flaky: pass \(flake/, "flaky test counted as a flake");
like($out, qr/verdict: tolerable/,                  'the flight is tolerable');
is(git($repo, 'rev-parse', 'master'), $fixed, 'master moved to the fix');

# 5. history of a subtest across the flights.
($rc, $out) = osstest('history', 'test-a', 't/beta');
is($rc, 0, 'history runs');
my @lines = split /\n/, $out;
is(scalar @lines, 4, 'four flights in the history of test-a t/beta');
like($lines[1], qr/^\s*3 .* fail\/fail$/, 'flight 3 shows the failure');
like($lines[0], qr/^\s*4 .* pass$/,       'flight 4 shows the pass');
done_testing;
