#!/usr/bin/perl
# Osstest::Report: the baseline is the last finished real flight that tested
# the baseline revision; a failure that passed in the baseline is a
# regression; the only excuses are heisenbug (passed on retry in this
# flight), allow-list patterns and never passed on the branch; a failure the
# baseline shared is not a regression; verdicts perfect/tolerable/regressions;
# HTML grid links each log.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use OsstestTest;
use Osstest::Report;

my $db = test_db();
my $S  = 'subtest';

# An old flight where "old" passed; a play flight where "never" passed (not real).
synth_flight(
    $db,
    branch   => 'b',
    revision => 'r0',
    jobs     => {t => {status => 'pass', steps => [['old', $S, 'pass'], ['both', $S, 'pass']]}}
);
synth_flight(
    $db,
    branch   => 'b',
    revision => 'r0',
    blessing => 'play',
    jobs     => {t => {status => 'pass', steps => [['never', $S, 'pass']]}}
);

# Other branch: "never" passed there; must not count.
synth_flight(
    $db,
    branch   => 'other',
    revision => 'x',
    jobs     => {t => {status => 'pass', steps => [['never', $S, 'pass']]}}
);
my $base = synth_flight(
    $db,
    branch   => 'b',
    revision => 'r1',
    jobs     => {
        t => {
            status => 'fail',
            steps  => [
                ['run',     'step', 'fail'],
                ['reg',     $S,     'pass'],
                ['heis',    $S,     'pass'],
                ['allowed', $S,     'pass'],
                ['both',    $S,     'fail'],
                ['never',   $S,     'fail'],
                ['ok',      $S,     'pass'],
                ['old',     $S,     'skip'],
            ]
        },
        blocked => {status => 'pass'},
    }
);

# A newer flight of another revision: not the baseline.
synth_flight(
    $db,
    branch   => 'b',
    revision => 'r2',
    jobs     => {t => {status => 'pass', steps => [['reg', $S, 'fail']]}}
);
my $f = synth_flight(
    $db,
    branch            => 'b',
    revision          => 'r3',
    baseline_revision => 'r1',
    jobs              => {
        t => {
            status => 'fail',
            steps  => [
                ['run',     'step', 'fail'],
                ['reg',     $S,     'fail', 'fail'],
                ['heis',    $S,     'fail', 'pass'],
                ['allowed', $S,     'fail'],
                ['both',    $S,     'fail'],
                ['never',   $S,     'fail'],
                ['ok',      $S,     'pass'],
                ['old',     $S,     'fail'],
                ['new',     $S,     'fail'],
            ]
        },
        blocked => {status => 'blocked'},
    }
);
my $allow = Osstest::Report::read_allow(
    do {
        my $file = "$ENV{OSSTEST_RESULTS}/allow";
        open my $fh, '>', $file or die;
        print $fh "# excused\nt allow*\n";
        close $fh;
        $file;
    }
);
my $r = Osstest::Report::analyse($db, $f, allow => $allow);
is($r->{baseline}, $base, 'baseline: last real finished flight of the baseline revision');
my %class = map { ("$_->{job} $_->{testid}" => "$_->{class}: $_->{why}") } @{$r->{items}};
like($class{'t reg'},     qr/^regression: passed in baseline/,    'passed in baseline: regression');
like($class{'t heis'},    qr/^flake: flake: failed, then passed/, 'passed on retry: flake');
like($class{'t allowed'}, qr/^excused: allow-list: t allow\*/,    'allow-list pattern excuses');
like($class{'t both'},    qr/^not-regression: failed in baseline/, 'failed in baseline too');
like(
    $class{'t never'},
    qr/^excused: never passed on branch b/,
    'passed only in a play flight or on another branch: never passed'
);
like($class{'t new'}, qr/^excused: never passed/, 'a new failing test never passed');
like(
    $class{'t old'},
    qr/^regression: passed before/,
    'passed on the branch before, skipped in baseline: regression'
);
like($class{'t run'},         qr/^excused: never passed/, 'recipe step that never passed: excused');
like($class{'blocked (job)'}, qr/^regression/, 'a job blocked now that passed in baseline');
ok(!exists $class{'t ok'}, 'passing tests are not listed');
is($r->{verdict}, 'regressions', 'verdict: regressions');
is($r->{push},    0,             'no push');

# Without the regressions the flight is tolerable; with no failures, perfect.
my $f2 = synth_flight(
    $db,
    branch            => 'b',
    revision          => 'r4',
    baseline_revision => 'r1',
    jobs => {t => {status => 'fail', steps => [['both', $S, 'fail'], ['heis', $S, 'fail', 'pass']]}}
);
$r = Osstest::Report::analyse($db, $f2);
is($r->{verdict}, 'tolerable', 'excused failures only: tolerable');
is($r->{push},    1,           'tolerable pushes');
my $f3 = synth_flight(
    $db,
    branch            => 'b',
    revision          => 'r5',
    baseline_revision => 'r1',
    jobs              => {t => {status => 'pass', steps => [['ok', $S, 'pass']]}}
);
is(Osstest::Report::analyse($db, $f3)->{verdict}, 'perfect', 'no failures: perfect');
my $f4 = synth_flight(
    $db,
    branch            => 'b',
    revision          => 'r6',
    baseline_revision => 'zz',
    jobs              => {t => {status => 'running', steps => [['ok', $S, 'pass']]}}
);
$r = Osstest::Report::analyse($db, $f4);
is($r->{verdict},  'incomplete', 'unfinished jobs: incomplete, no push');
is($r->{baseline}, undef,        'no flight tested the baseline revision: no baseline');

# Written files: text and HTML with a grid and links to logs.
$r = Osstest::Report::write($db, $f, allow => $allow);
my $html = do { local (@ARGV, $/) = $r->{files}[1]; <> };
like(
    $html,
    qr{<td class="fail"><a href="\.\./\.\./flights/$f/t/1\.log">fail</a>},
    'HTML grid cell links the step log'
);
like($html, qr{<h2>Subtests of t</h2>}, 'HTML lists subtests per job');
my $txt = do { local (@ARGV, $/) = $r->{files}[0]; <> };
like($txt, qr/REGRESSION t reg: fail/, 'text summary names the regression');
like($txt, qr/push: no/,               'text summary gives the push decision');

# Bad allow-list lines are reported with file and line.
my $bad = "$ENV{OSSTEST_RESULTS}/bad-allow";
open my $fh, '>', $bad or die;
print $fh "ok *\njust-one-field\n";
close $fh;
eval { Osstest::Report::read_allow($bad) };
like($@, qr/bad-allow:2: expected 'JOB-GLOB TESTID-GLOB'/, 'allow-list error names file:line');
done_testing;
