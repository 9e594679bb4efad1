#!/usr/bin/perl
# Retries of subtests (Osstest::Step::run_json_suite): a failing test is
# run again in the same packing (the tests of the boot it failed in, from the
# runner's plan), each attempt keeps its own logs under attempt-N/, a pass on
# retry is reported as a flake (counted apart), a failure on retry stays a
# failure; tests a runner retried itself are recorded attempt by attempt.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use JSON::PP;
use File::Path qw(make_path);
use OsstestTest;
use Osstest::Step;
use Osstest::Report;
use Osstest::Flight;

my $db = test_db();
my $f  = synth_flight($db, branch => 'r', revision => 'r1', jobs => {t => {status => 'running'}});
my $job_id = Osstest::Flight::job($db, $f, 't')->{job_id};
my $dir    = "$ENV{OSSTEST_RESULTS}/flights/$f/t";
make_path($dir);
my $ctx = bless {db => $db, flight => $f, job => 't', job_id => $job_id, stepno => 0, dir => $dir},
    'Osstest::Step';
{
    no warnings 'redefine';
    *Osstest::Step::log = sub { }
}

# A fake runner: boots of two tests each; "flaky" fails only when it shares
# a boot with "pal" the first time; "bad" always fails.
my @boots = (['a', 'flaky'], ['pal', 'bad'], ['b', 'c']);
my (@runs, %ran);

sub fake_run ($json, @sel) {
    my $res = $ctx->attempt_dir("$dir/xtf");
    make_path("$res/logs");
    my @names = @sel ? @sel     : map { @$_ } @boots;
    my @plan  = @sel ? ([@sel]) : @boots;
    push @runs, [@names];
    open my $p, '>', "$res/plan.json" or die;
    print $p encode_json(
        {
            boots => [
                map {
                    {modules => [map { {instance => $_} } @$_]}
                } @plan
            ]
        }
    );
    my @tests;
    for my $n (@names) {
        my $fail = $n eq 'bad' || ($n eq 'flaky' && !$ran{flaky}++);
        open my $l, '>', "$res/logs/$n.log" or die;
        print $l $fail ? "FAILURE in attempt $ctx->{attempt}\n" : "SUCCESS\n";
        push @tests,
            {name => $n, result => $fail ? 'FAILURE' : 'SUCCESS', log => "$res/logs/$n.log"};
    }
    open my $j, '>', $json or die;
    print $j encode_json({tests => \@tests});
    return 0;
}

my $rc = $ctx->run_json_suite(
    name    => 'xtf',
    prefix  => 'xtf/',
    retries => 1,
    plan    => sub ($a) { $ctx->attempt_dir("$dir/xtf", $a) . '/plan.json' },
    run     => \&fake_run,
);
is($rc,          Osstest::Step::FAIL, 'a test failing twice fails the step');
is(scalar @runs, 3,                   'one first run and one retry per failing boot');
is_deeply([sort map { "@$_" } @runs[1, 2]], ['a flaky', 'pal bad'], 'retries run the same packing');
my %st;
for my $s (@{Osstest::Flight::steps($db, $job_id)}) {
    push @{$st{$s->{testid}}}, "$s->{attempt}:$s->{status}:$s->{log}";
}
is(scalar @{$st{'xtf/b'}}, 1, 'a passing test is recorded once');
like($st{'xtf/flaky'}[0], qr{^1:fail:.*attempt-1/logs/flaky\.log$}, 'attempt 1 log kept');
like($st{'xtf/flaky'}[1], qr{^2:pass:.*attempt-2/logs/flaky\.log$}, 'attempt 2 log apart');
like(do { local (@ARGV, $/) = "$dir/xtf/attempt-1/logs/flaky.log"; <> },
    qr/FAILURE/, 'the failing attempt\'s log still says FAILURE');
is(scalar @{$st{'xtf/pal'}}, 1, 'a boot companion that passed is not recorded again');

$db->dbh->do(q{UPDATE jobs SET status = 'fail' WHERE job_id = ?}, undef, $job_id);
my $r     = Osstest::Report::analyse($db, $f);
my %class = map { ($_->{testid} => $_->{class}) } @{$r->{items}};
is($class{'xtf/flaky'}, 'flake', 'a pass on retry in the same packing is a flake');
isnt($class{'xtf/bad'}, 'flake', 'a test failing on retry is not a flake');
my @failed = Osstest::Report::failed($r);
ok(!(grep { /flaky/ } @failed),   'flakes are not among the failures');
ok((grep { /xtf\/bad/ } @failed), 'the deterministic failure is');
like(Osstest::Report::text($r), qr/flakes \(1\):\n  flake t xtf\/flaky/, 'flakes counted apart');

# A runner that retried itself: its attempts are recorded, no retry here.
my $f2 = synth_flight($db, branch => 'r', revision => 'r2', jobs => {t => {status => 'running'}});
$ctx->{job_id} = Osstest::Flight::job($db, $f2, 't')->{job_id};
my $calls = 0;
$rc = $ctx->run_json_suite(
    name    => 'xtf',
    prefix  => 'xtf/',
    retries => 1,
    run     => sub ($json, @sel) {
        $calls++;
        open my $j, '>', $json or die;
        print $j encode_json(
            {
                tests => [
                    {
                        name     => 'x',
                        result   => 'SUCCESS',
                        attempts => [
                            {result => 'FAILURE', log => 'l1'}, {result => 'SUCCESS', log => 'l2'}
                        ]
                    }
                ]
            }
        );
        return 0;
    },
);
is($rc,    Osstest::Step::PASS, 'runner-retried flake passes the step');
is($calls, 1,                   'no second run');
my @x = map { "$_->{attempt}:$_->{status}" } @{Osstest::Flight::steps($db, $ctx->{job_id})};
is_deeply(\@x, ['1:fail', '2:pass'], 'both runner attempts recorded');
done_testing;
