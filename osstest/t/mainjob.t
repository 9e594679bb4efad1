#!/usr/bin/perl
# The main job (mk/main-job.sh) on a throw-away repository: it exits 0 when
# every job and test passed, non-zero naming the test when one fails; its
# flight's branch is the checked-out branch and its baseline the last flight
# of the repository's default branch (found from the repository, not a fixed
# name), or "none" with the reason. The same tree twice makes the same
# revision. A broken job blocks the push; --baseline-ref naming nothing, a
# tree given twice in a template and a DSN password are handled by name.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use OsstestTest;
use Osstest::Report;
use Osstest::Util qw(top_dir);

my $db = test_db();
osstest('hosts', 'add');
my $upstream = make_repo('upstream');
git($upstream, 'branch', '-m', 'master', 'trunk');    # a default branch by another name
my $repo = "$ENV{OSSTEST_RESULTS}/clone";
git($ENV{OSSTEST_RESULTS}, 'clone', '-q', $upstream, $repo);
git($repo, 'config', 'user.email', 'ci@example.invalid');
git($repo, 'config', 'user.name',  'CI test');
my $tmpl = "$ENV{OSSTEST_RESULTS}/main.tmpl";
{
    my $src = do { local (@ARGV, $/) = data_dir() . '/selftest.tmpl'; <> };
    $src =~ s/^tree main$/tree xen/m;
    $src =~ s/ts-checkout main/ts-checkout xen/g;
    open my $fh, '>', $tmpl or die;
    print $fh $src;
}

sub main_job () {
    local $ENV{MAIN_JOB_REPO}    = $repo;
    local $ENV{OSSTEST_TEMPLATE} = $tmpl;
    my $pid = open my $fh, '-|' // die;
    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT;
        exec top_dir() . '/mk/main-job.sh' or die;
    }
    my $out = do { local $/; <$fh> }
        // '';
    close $fh;
    return ($? >> 8, $out);
}

# 1. On the default branch, all passing: exit 0; no baseline yet, with why.
my ($rc, $out) = main_job();
is($rc, 0, 'main job on a passing tree exits 0') or diag $out;
like($out, qr/default branch trunk \(from the remote's HEAD/, 'default branch detected');
like(
    $out,
    qr/baseline flight: none .*no finished real flight of branch trunk/,
    'a missing baseline is stated with its reason'
);
my ($f1)   = $out =~ /main job: flight (\d+)/;
my ($rev1) = $out =~ /recorded as ([0-9a-f]{40})/;
($rc, $out) = main_job();
my ($rev2) = $out =~ /recorded as ([0-9a-f]{40})/;
is($rev2, $rev1, 'the same tree is the same revision');
like(
    $out,
    qr/baseline flight: $f1 \(.*last finished real flight of branch trunk/,
    'the baseline is the last flight of the default branch'
);

# 2. On a topic branch with a failing test: non-zero, the test named.
git($repo, 'checkout', '-q', '-b', 'topic');
open my $fh, '>', "$repo/tests/beta.sh" or die;
print $fh "#!/bin/bash\necho beta broke\nexit 1\n";
close $fh;
($rc, $out) = main_job();
is($rc, 1, 'main job with a failing test exits 1') or diag $out;
like($out, qr/^FAILED: test-a t\/beta: fail/m, 'the failing test is named');
like($out, qr/flight \d+ FAILED/,              'the flight is said to have failed');
like($out, qr/flight \d+ branch topic /,       'the flight is of the checked-out branch');
like($out, qr/REGRESSION test-a t\/beta/,      'compared with the default branch: a regression');

# 3. A broken job blocks the push.
my $fb = synth_flight(
    $db,
    branch   => 'brk',
    revision => 'r1',
    jobs     => {only => {status => 'broken', steps => [['host-boot', 'step', 'broken']]}}
);
my $r = Osstest::Report::analyse($db, $fb);
is($r->{verdict}, 'broken', 'a flight whose only job is broken: verdict broken');
is($r->{push},    0,        'a broken job blocks the push');

# 4. Bad input refused by name.
($rc, $out) =
    osstest('make-flight', 'x', '--template', $tmpl, '--repo', $repo, '--baseline-ref', 'nope');
isnt($rc, 0, '--baseline-ref naming no ref is refused');
like($out, qr/--baseline-ref 'nope' names no commit/, '... naming it');
my $twice = "$ENV{OSSTEST_RESULTS}/twice.tmpl";
open $fh, '>', $twice or die;
print $fh "tree xen\ntree xen\njob b recipe=build\n    step build ts-command true\n";
close $fh;
($rc, $out) = osstest('make-flight', 'x', '--template', $twice, '--repo', $repo);
like($out, qr/twice\.tmpl:2: .*tree 'xen' given twice/, 'a tree given twice is refused, file:line');
{
    local $ENV{OSSTEST_DSN} = 'dbi:Pg:dbname=x;host=/nonexistent;password=hunter2';
    ($rc, $out) = osstest('flights');
    unlike($out, qr/hunter2/, 'a DSN password is not printed');
    like($out, qr/password=\*\*\*/, '... it is masked');
}
done_testing;
