#!/usr/bin/perl
# Nothing outlives its owner: a step that starts QEMU in a session of its
# own (as xtf-runner does) and is then stopped mid-boot, because it timed
# out, because its job's process was killed (a dead worker), or because
# run-flight itself was killed, leaves no process behind.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep time);
use OsstestTest;
use Osstest::Owned qw(owned_pids owner_token);

plan
    skip_all => 'qemu-system-x86_64 not installed'
    unless grep { -x "$_/qemu-system-x86_64" } split /:/,
    $ENV{PATH};
my $db = test_db();
osstest('hosts', 'add');
my $repo = make_repo();
open my $fh, '>', "$repo/start-qemu" or die;
print $fh <<'END';
#!/bin/bash
# Start a QEMU that never finishes booting, in a session of its own, and wait.
setsid qemu-system-x86_64 -accel tcg -cpu max -m 32 -display none -serial none \
    -monitor none -S </dev/null >/dev/null 2>&1 &
echo $! >"$OSSTEST_JOBDIR/qemu.pid"
sleep 300
END
close $fh;
chmod 0755, "$repo/start-qemu";
git($repo, 'add', 'start-qemu');
git($repo, 'commit', '-q', '-m', 'qemu starter');
my $tmpl = data_dir() . '/owned.tmpl';

sub qemu_pid ($flight) {
    my $file  = "$ENV{OSSTEST_RESULTS}/flights/$flight/test/qemu.pid";
    my $until = time + 60;
    while (time < $until) {
        if (open my $fh, '<', $file) {
            my $pid = <$fh>;
            chomp $pid  if defined $pid;
            return $pid if $pid && -e "/proc/$pid";
        }
        sleep 0.1;
    }
    return undef;
}

sub gone ($pid, $secs = 15) {
    my $until = time + $secs;
    while (time < $until) {
        return 1 unless -e "/proc/$pid" && (
            do { local (@ARGV, $/) = "/proc/$pid/stat"; <> }
            // ''
        ) !~ /\)\s+Z\s/;
        sleep 0.1;
    }
    return 0;
}

# The processes of the job still carrying its mark after up to SECS seconds
# (the owner stops them one after another: QEMU may go before the rest).
sub left_after ($job_id, $secs = 15) {
    my $until = time + $secs;
    my @left;
    while (1) {
        @left = owned_pids(owner_token($ENV{OSSTEST_DSN}, $job_id));
        last if !@left || time >= $until;
        sleep 0.1;
    }
    return scalar @left;
}

sub ppid ($pid) {
    my $stat = do { local (@ARGV, $/) = "/proc/$pid/stat"; <> }
        // '';
    my ($ppid) = $stat =~ /\)\s+\S+\s+(\d+)/;
    return $ppid // 0;
}

sub start_run ($flight) {
    my $pid = fork // die;
    if ($pid == 0) {
        open STDOUT, '>',  "$ENV{OSSTEST_RESULTS}/run-$flight.log";
        open STDERR, '>&', \*STDOUT;
        exec "$FindBin::Bin/../bin/osstest", 'run-flight', $flight;
    }
    return $pid;
}

sub job_id ($flight) {
    my ($id) =
        $db->dbh->selectrow_array(q{SELECT job_id FROM jobs WHERE flight = ? AND job = 'test'},
        undef, $flight);
    return $id;
}

# 1. The step times out mid-boot.
my ($rc, $f) = osstest('make-flight', 'owned', '--template', $tmpl, '--repo', $repo);
chomp $f;
my $run  = start_run($f);
my $qemu = qemu_pid($f);
ok($qemu, 'the step started QEMU');
waitpid $run, 0;
my ($st) = $db->dbh->selectrow_array(
    q{SELECT s.status FROM steps s JOIN jobs j USING (job_id)
      WHERE j.flight = ? AND s.testid = 'boot'}, undef, $f
);
is($st, 'broken', 'the step timed out (broken)');
ok(gone($qemu), 'its QEMU, in a session of its own, is gone');
is(left_after(job_id($f)), 0, 'no process of the job is left');

# 2. The job's process dies (a dead worker) mid-boot; 3. run-flight is killed.
for my $case ('job process', 'run-flight') {
    ($rc, $f) = osstest('make-flight', 'owned', '--template', $tmpl, '--repo', $repo);
    chomp $f;
    $db->dbh->do(q{UPDATE runvars SET value = '600' WHERE name = 'timeout_boot' AND job_id = ?},
        undef, job_id($f));
    $run  = start_run($f);
    $qemu = qemu_pid($f);
    ok($qemu, "[$case] the step started QEMU");
    if ($case eq 'job process') {

        # The job's process: the parent of the step's first process.
        my %owned     = map  { $_ => 1 } owned_pids(owner_token($ENV{OSSTEST_DSN}, job_id($f)));
        my ($job_pid) = grep { !$owned{$_} } map { ppid($_) } keys %owned;
        ok($job_pid && $job_pid != $run, "[$case] the job's process found");
        kill 'KILL', $job_pid;
    }
    else {
        kill 'KILL', $run;
    }
    ok(gone($qemu), "[$case] killed: QEMU is gone");
    is(left_after(job_id($f)), 0, "[$case] no process of the job is left");
    kill 'KILL', $run;
    waitpid $run, 0;
}
done_testing;
