#!/usr/bin/perl
# Scheduled flights: `osstest schedule` makes a nightly flight when it is
# due and runs it; run again for the same due time it does nothing; the
# next night, with the branch's revisions unchanged, it skips; after a new
# commit it makes and runs a flight again. Queued flights are served by
# priority, then age; gate flights go through the queue ahead of nightly
# ones. Bad schedule files are refused naming file and line.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use OsstestTest;
use OsstestLab;
use Osstest::Flight;

my $db = test_db();
my ($rc, $out) = osstest('hosts', 'add');
is($rc, 0, 'hosts added') or diag $out;
my $repo  = make_repo();
my $dir   = $ENV{OSSTEST_RESULTS};
my $tmpl  = data_dir() . '/selftest.tmpl';
my $sched = put_file("$dir/schedule", <<"END");
# nightly flights of the test repository
selftest-nightly branch=selftest template=$tmpl repo=$repo ref=staging at=02:30 priority=10
END

sub flights ($branch) {
    return $db->dbh->selectcol_arrayref(
        'SELECT flight FROM flights WHERE branch = ? ORDER BY flight',
        undef, $branch);
}

($rc, $out) = osstest('schedule', '--file', $sched, '--now', '2026-03-02 03:00');
is($rc, 0, 'schedule at 03:00') or diag $out;
my $f = flights('selftest');
is(scalar @$f, 1, 'the nightly flight was made');
like($out,
    qr/selftest-nightly: due 2026-03-02 02:30: made flight $f->[0] of selftest \(priority 10\)/,
    'and said so');
like($out, qr/queue: running flight $f->[0] \(selftest, priority 10\)/, 'and ran it');
my $row = Osstest::Flight::get($db, $f->[0]);
ok($row->{finished}, 'the flight finished');
is($row->{priority}, 10, 'with the entry\'s priority');

($rc, $out) = osstest('schedule', '--file', $sched, '--now', '2026-03-02 04:00');
is(scalar @{flights('selftest')}, 1, 'again the same night: nothing new');
like($out, qr/schedule: nothing due/, '... nothing due');

($rc, $out) = osstest('schedule', '--file', $sched, '--now', '2026-03-03 02:45');
is(scalar @{flights('selftest')}, 1, 'next night, same revisions: no flight');
like(
    $out,
    qr/selftest-nightly: due 2026-03-03 02:30: skipped, revisions unchanged since flight $f->[0]/,
    '... skipped, with the reason'
);
my ($skipped) = $db->dbh->selectrow_array(
    q{SELECT count(*) FROM schedule_runs WHERE entry = 'selftest-nightly' AND status = 'skipped'});
is($skipped, 1, 'the skip is recorded');

put_file("$repo/NEWS", "a change\n");
git($repo, 'add',    'NEWS');
git($repo, 'commit', '-q', '-m',      'a change');
git($repo, 'branch', '-f', 'staging', 'master');
($rc, $out) = osstest('schedule', '--file', $sched, '--now', '2026-03-04 02:20');
like($out, qr/schedule: nothing due/, 'a new commit, but before 02:30: nothing due');
($rc, $out) = osstest('schedule', '--file', $sched, '--now', '2026-03-04 02:31');
my $f2 = flights('selftest');
is(scalar @$f2, 2, 'a new commit: the next night makes a flight');
is(
    Osstest::Flight::get($db, $f2->[1])->{revision},
    git($repo, 'rev-parse', 'staging'),
    'of the new revision'
);

# The queue: by priority, then age.
my @q;
for my $p (0, 5, 5, 1) {
    my ($r, $n) = osstest('make-flight', 'q', '--template', $tmpl, '--repo', $repo);
    chomp $n;
    $db->dbh->do('UPDATE flights SET priority = ? WHERE flight = ?', undef, $p, $n);
    push @q, $n;
}
($rc, $out) = osstest('schedule', '--file', put_file("$dir/empty", "# nothing\n"), '--max-jobs', 2);
my @order = $out =~ /queue: running flight (\d+)/g;
is_deeply(\@order, [@q[1, 2, 3, 0]], 'queued flights run by priority, then age') or diag $out;

# A gate's flights go through the same queue, ahead of nightly flights and
# behind older gate flights; the gate runs no flight served after its own.
my %q;
for my $k (qw(nightly gate)) {
    my ($r, $n) = osstest('make-flight', "q$k", '--template', $tmpl, '--repo', $repo);
    chomp $n;
    $db->dbh->do('UPDATE flights SET priority = ? WHERE flight = ?',
        undef, $k eq 'gate' ? 100 : 10, $n);
    $q{$k} = $n;
}
git($repo, 'checkout', '-q', 'staging');
put_file("$repo/NEWS", "another change\n");
git($repo, 'commit', '-q', '-a', '-m', 'another change');
my $before = flights('selftest');
($rc, $out) = osstest(
    'gate',       'selftest', '--repo',     $repo, '--template', $tmpl,
    '--max-jobs', 2,          '--baseline', 'master'
);
is($rc, 0, 'the gate passed') or diag $out;
my @gf = grep { $_ > $before->[-1] } @{flights('selftest')};
is(scalar @gf, 1, 'the gate made its flight (the nightly one is its baseline)');
@order = $out =~ /queue: running flight (\d+)/g;
is_deeply(\@order, [$q{gate}, @gf], 'the older gate flight ran first, then the gate\'s own')
    or diag $out;
like(
    $out,
    qr/queue: flight $gf[0] queued at priority 100, 1 queued ahead of it/,
    'the gate said what was ahead of it'
);
ok(!Osstest::Flight::get($db, $q{nightly})->{started}, 'the nightly flight is still queued');
is(Osstest::Flight::get($db,  $gf[0])->{priority}, 100, 'gate flights have the gate priority');
($rc, $out) = osstest('schedule', '--file', "$dir/empty");
@order = $out =~ /queue: running flight (\d+)/g;
is_deeply(\@order, [$q{nightly}], 'the scheduler then ran the nightly flight');

# Bad files.
for my $bad (
    ["x branch=b\n",                          qr/:1: entry 'x' needs at=HH:MM/],
    ["x branch=b at=25:00\n",                 qr/:1: bad time '25:00'/],
    ["# c\nx branch=b at=01:00 colour=red\n", qr/:2: unknown key 'colour'/],
    ["x branch=b at=01:00 days=someday\n",    qr/:1: bad day 'someday'/],
    ["x branch=b at=01:00 priority=high\n",   qr/:1: priority must be a whole number/],
    )
{
    my $file = put_file("$dir/bad-schedule", $bad->[0]);
    ($rc, $out) = osstest('schedule', '--file', $file, '--no-run');
    like($out, qr/\Q$file\E$bad->[1]/, "refused: $bad->[0]" =~ s/\n/ /gr);
}
done_testing;
