#!/usr/bin/perl
# Osstest::History and "osstest history": a job's status per flight, or one
# step's/subtest's attempts, newest first, with a limit, --all, a branch
# filter; an unknown job is an error.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use OsstestTest;
use Osstest::History;

my $db = test_db();
for my $i (1 .. 60) {
    synth_flight(
        $db,
        branch   => ($i % 2 ? 'odd' : 'even'),
        revision => "rev$i",
        jobs     => {
            j => {
                status => ($i == 7 ? 'fail' : 'pass'),
                steps  => [['xtf/t', 'subtest', ($i == 7 ? ('fail', 'pass') : 'pass')]]
            }
        }
    );
}
my $rows = Osstest::History::query($db, 'j');
is(scalar @$rows,      50, 'default limit 50');
is($rows->[0]{flight}, 60, 'newest first');
$rows = Osstest::History::query($db, 'j', limit => 0);
is(scalar @$rows, 60, 'limit 0: every flight');
$rows = Osstest::History::query($db, 'j', testid => 'xtf/t', limit => 0, branch => 'odd');
is(scalar @$rows, 30, 'branch filter');
my ($seven) = grep { $_->{flight} == 7 } @$rows;
is($seven->{status},     'fail/pass', 'attempts of a subtest joined');
is($seven->{job_status}, 'fail',      'job status alongside');
my ($rc, $out) = osstest('history', 'j', 'xtf/t', '--all');
is($rc,                        0,  'history command');
is(scalar(() = $out =~ /\n/g), 60, 'one line per flight with --all');
like($out, qr/^\s+7 odd\s+rev7\s.*fail\/pass$/m, 'line of flight 7');
($rc, $out) = osstest('history', 'j', '--limit', 3);
is(scalar(() = $out =~ /\n/g), 3, '--limit');
($rc, $out) = osstest('history', 'nojob');
isnt($rc, 0, 'unknown job fails');
like($out, qr/no flight has a job 'nojob'/, '... and says so');
done_testing;
