#!/usr/bin/perl
# A job with the same inputs as one that already ran is not run again: a
# documentation change keeps the build's artefact (keyed by content), so
# the test job's outcome, steps and host are those of the earlier flight,
# and the report says so. A code change, or OSSTEST_REUSE=0, runs it.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use OsstestTest;
use Osstest::Flight;
use Osstest::Util qw(top_dir);

my $db = test_db();
$ENV{RAISIN_ARTEFACTS} = "$ENV{OSSTEST_RESULTS}/artefacts";
$ENV{RAISIN_WORK}      = "$ENV{OSSTEST_RESULTS}/raisin";
my $repo = "$ENV{OSSTEST_RESULTS}/repo";
mkdir $repo                                                                  or die "$repo: $!\n";
system('cp', '-r', top_dir() . '/raisin/test/fixture/xen', "$repo/xen") == 0 or die;
git($repo, 'init',   '-q', '-b', 'main');
git($repo, 'add',    '-A');
git($repo, 'commit', '-q', '-m', 'A');
my $a = git($repo, 'rev-parse', 'HEAD');

sub commit ($file, $text) {
    open my $fh, '>>', "$repo/$file" or die;
    print $fh "$text\n";
    close $fh;
    git($repo, 'add', '-A');
    git($repo, 'commit', '-q', '-m', "change $file");
    return git($repo, 'rev-parse', 'HEAD');
}

# The template, its test job's suite found in data/.
my $tmpl = "$ENV{OSSTEST_RESULTS}/reuse.tmpl";
{
    my $src = do { local (@ARGV, $/) = data_dir() . '/reuse.tmpl'; <> };
    $src =~ s/= DATA$/= @{[data_dir()]}/m;
    open my $fh, '>', $tmpl or die;
    print $fh $src;
}

sub flight ($rev) {
    my ($rc, $f) =
        osstest('make-flight', 'reuse', '--template', $tmpl, '--repo', $repo, '--rev', "xen=$rev");
    chomp $f;
    my $out;
    ($rc, $out) = osstest('run-flight', $f);
    my %j  = map { $_->{job} => $_ } @{Osstest::Flight::jobs($db, $f)};
    my $rv = Osstest::Flight::runvars($db, $j{'test-x'}{job_id});
    return ($f, $j{'test-x'}{status}, $rv, $j{'build-x86_64'}{job_id}, $out);
}

my ($f1, $st1, $rv1, $b1, $out) = flight($a);
is($st1, 'pass', 'first flight: the test job ran and passed') or diag $out;
ok(!$rv1->{reused_from} && $rv1->{reuse_key}, '... its key recorded, nothing reused');

my $doc = commit('README.md', 'one more line of documentation');
my ($f2, $st2, $rv2, $b2) = flight($doc);
is($st2,                'pass',                  'documentation change: the test job passes');
is($rv2->{reused_from}, "flight $f1 job test-x", '... reused from the first flight');
is(
    Osstest::Flight::runvars($db, $b2)->{path_xen},
    Osstest::Flight::runvars($db, $b1)->{path_xen},
    '... the build reused its artefact'
);
my $steps = Osstest::Flight::steps($db, Osstest::Flight::job($db, $f2, 'test-x')->{job_id});
is_deeply(
    [map { "$_->{testid}:$_->{attempt}:$_->{status}" } @$steps],
    ['fetch:1:skip', 'tests:1:pass', 't/flaky:1:fail', 't/flaky:2:pass'],
    '... its steps and both attempts of its flaky subtest copied'
);
like($_->{log}, qr{^flights/$f1/}, "... $_->{testid}'s log is in flight $f1, which ran it")
    for grep { $_->{kind} eq 'subtest' } @$steps;
my ($rc, $rep) = osstest('report', $f2);
my $txt = do { local (@ARGV, $/) = "$ENV{OSSTEST_RESULTS}/flights/$f2/report.txt"; <> };
like(
    $txt,
    qr/test-x +pass .*\(reused from flight $f1 job test-x: same inputs; its steps, attempts and logs are from flight $f1\)/,
    'the report says the job was reused, and where its steps and logs come from'
);
like(
    $rep,
    qr{flake test-x t/flaky: pass \(flake: failed, then passed in attempt 2 of flight $f1 \(reused here: same inputs\)\)},
    'the flake line names the flight its attempts were made in'
);
unlike($rep, qr/of this flight/, '... not "this flight"');

my $code = commit('xen/version.txt', 'C');
my ($f3, $st3, $rv3) = flight($code);
is($st3, 'pass', 'code change: the test job passes');
ok(!$rv3->{reused_from}, '... having run again (the artefact changed)');

my ($f4, $st4, $rv4);
{
    local $ENV{OSSTEST_REUSE} = '0';
    ($f4, $st4, $rv4) = flight($code);
    ok(!$rv4->{reused_from} && !$rv4->{reuse_key}, 'OSSTEST_REUSE=0: the job runs again');
}

# Reuse of a reused job names the flight that ran it; retention keeps the
# logs a kept flight's reused jobs show, and nothing else of the old ones.
my ($f5, $st5, $rv5) = flight($code);
is($rv5->{reused_from}, "flight $f3 job test-x", 'unchanged code: reused from the last run');
my ($f6, $st6, $rv6) = flight($code);
is(
    $rv6->{reused_from},
    "flight $f3 job test-x",
    '... and again: named after the flight that ran it, not the one that reused it'
);
my $flights = "$ENV{OSSTEST_RESULTS}/flights";
ok(-d "$flights/$f3", "flight $f3 has logs") or diag `ls $flights`;
($rc, $out) = osstest('retention', '--budget', '1K', '--keep', '1');
is($rc, 0, 'retention runs') or diag $out;
ok(-d "$flights/$f3", "flight ${f3}'s logs stay: the kept flight $f6 reused its job");
ok(!-e "$flights/$f1" && !-e "$flights/$f5", '... while older flights no kept flight shows go')
    or diag $out;
my ($log) =
    map  { $_->{log} }
    grep { $_->{testid} eq 't/flaky' }
    @{Osstest::Flight::steps($db, Osstest::Flight::job($db, $f6, 'test-x')->{job_id})};
ok(-s "$ENV{OSSTEST_RESULTS}/$log", "... so the reusing flight's subtest log is there ($log)");
done_testing;
