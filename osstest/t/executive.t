#!/usr/bin/perl
# Osstest::Executive through run-flight: jobs run in dependency order and in
# parallel on different hosts; step exit codes map to pass/fail/broken/skip;
# after a failure only "always" steps run; a job whose dependency failed is
# blocked; a job no usable host can take is broken; every step is recorded
# with start, end and a log file.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use OsstestTest;
use Osstest::Flight;

my $db = test_db();
osstest('hosts', 'add');
my $repo = make_repo();

sub template ($name, $text) {
    my $f = "$ENV{OSSTEST_RESULTS}/$name.tmpl";
    open my $fh, '>', $f or die;
    print $fh $text;
    close $fh;
    return $f;
}

sub flight_of ($tmpl) {
    my ($rc, $out) = osstest('make-flight', 'ex', '--template', $tmpl, '--repo', $repo);
    die $out if $rc;
    chomp $out;
    return $out;
}

sub steps ($flight, $job) {
    my $j = Osstest::Flight::job($db, $flight, $job);
    return [map { "$_->{testid}:$_->{status}" } @{Osstest::Flight::steps($db, $j->{job_id})}];
}

sub status ($flight, $job) { return Osstest::Flight::job($db, $flight, $job)->{status} }

my $t1 = template('codes', <<'END');
tree main
job build recipe=build
    step checkout ts-checkout main
    step ok ts-command true
job codes recipe=test needs=build
    step first ts-command true
    step failing ts-command ./exit-with 2
    step never ts-command true
    always capture ts-logs-capture
job infra recipe=test needs=build
    step infra ts-command ./no-such-program
    always capture ts-logs-capture
job after-fail recipe=test needs=codes
    step x ts-command true
job after-after recipe=test needs=after-fail
    step x ts-command true
job nohost recipe=test needs=build hostflags=virt,unicorn
    step x ts-command true
job par-a recipe=test needs=build hostflags=virt,one
    step sleep ts-command ./step-marker a 2
job par-b recipe=test needs=build hostflags=virt,two
    step sleep ts-command ./step-marker b 2
END
my $f = flight_of($t1);
my ($rc, $out) = osstest('run-flight', $f, '--max-jobs', 4);
is($rc,                 1,      'run-flight exits 1 when a job did not pass') or diag $out;
is(status($f, 'build'), 'pass', 'build passes');
is_deeply(
    steps($f, 'codes'),
    [qw(first:pass failing:fail capture:pass)],
    'a command exiting non-zero fails; later steps not run but the always step'
);
is(status($f, 'codes'), 'fail', 'a failing step fails the job');
is_deeply(
    steps($f, 'infra'),
    [qw(infra:broken capture:pass)],
    'a step that cannot run its command is broken'
);
is(status($f, 'infra'),       'broken',  'a broken step makes the job broken');
is(status($f, 'after-fail'),  'blocked', 'a job needing a failed job is blocked');
is(status($f, 'after-after'), 'blocked', '... and so are the jobs needing it');
is(status($f, 'nohost'),      'broken',  'no usable host with the flags: broken');
like(
    Osstest::Flight::runvars($db, Osstest::Flight::job($db, $f, 'nohost')->{job_id})->{broken_why},
    qr/no usable host has flags virt unicorn/,
    '... and says why'
);
my $times = $db->dbh->selectall_arrayref(
    q{SELECT j.job, s.started, s.finished FROM steps s JOIN jobs j USING (job_id)
      WHERE j.flight = ? AND s.testid = 'sleep' ORDER BY 1}, undef, $f
);
ok($times->[0][1] lt $times->[1][2] && $times->[1][1] lt $times->[0][2],
    'jobs on two hosts ran at the same time');
my $steps = $db->dbh->selectall_arrayref(
    q{SELECT s.log, s.started, s.finished FROM steps s JOIN jobs j USING (job_id)
      WHERE j.flight = ?}, undef, $f
);
is(
    scalar(grep { -f "$ENV{OSSTEST_RESULTS}/$_->[0]" } @$steps),
    scalar @$steps,
    'every step has a log file'
);
is(scalar(grep { defined $_->[2] } @$steps), scalar @$steps, 'every step has an end time');
my ($bless) = $db->dbh->selectrow_array('SELECT blessing FROM flights WHERE flight = ?', undef, $f);
is($bless, 'real', 'finished flight gets its intended blessing');
ok(-s "$ENV{OSSTEST_RESULTS}/flights/$f/codes/logs-index.txt", 'log capture wrote an index');
my $idx = do { local (@ARGV, $/) = "$ENV{OSSTEST_RESULTS}/flights/$f/codes/logs-index.txt"; <> };
like($idx, qr/== failing \(fail\): last lines/, 'the index quotes the failed step log');

# Running a finished flight again changes nothing.
($rc, $out) = osstest('run-flight', $f);
is_deeply(
    steps($f, 'codes'),
    [qw(first:pass failing:fail capture:pass)],
    'running a finished flight again runs nothing'
);
($rc, $out) = osstest('run-flight', 999);
like($out, qr/no flight 999/, 'unknown flight named');
($rc, $out) = osstest('run-flight', 'abc');
like($out, qr/FLIGHT must be a number/, 'bad flight number');
done_testing;
