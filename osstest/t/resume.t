#!/usr/bin/perl
# A flight killed mid-way (SIGKILL of run-flight, and Ctrl-C) resumes when
# run-flight runs again: finished steps are kept and not run again, the
# interrupted step is recorded as aborted and run again, the host allocation
# of the dead worker is freed, and the flight finishes.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep time);
use OsstestTest;

my $db = test_db();
osstest('hosts', 'add');
my $repo = make_repo();
my $tmpl = data_dir() . '/resume.tmpl';

sub markers () {
    open my $fh, '<', "$ENV{OSSTEST_RESULTS}/markers" or return '';
    return join ' ', map { chomp; $_ } <$fh>;
}

sub start_run ($flight) {
    my $pid = fork // die;
    if ($pid == 0) {
        open STDOUT, '>',  "$ENV{OSSTEST_RESULTS}/run-$flight.log";
        open STDERR, '>&', \*STDOUT;
        exec top_dir_bin(), 'run-flight', $flight;
    }
    return $pid;
}

sub top_dir_bin () { return "$FindBin::Bin/../bin/osstest" }

sub wait_running ($flight, $testid) {
    my $deadline = time + 30;
    while (time < $deadline) {
        my ($s) = $db->dbh->selectrow_array(
            q{SELECT s.status FROM steps s JOIN jobs j USING (job_id)
              WHERE j.flight = ? AND s.testid = ? ORDER BY s.attempt DESC LIMIT 1},
            undef, $flight, $testid
        );
        return 1 if ($s // '') eq 'running' && markers() =~ /\b$testid\b/;
        sleep 0.1;
    }
    return 0;
}

for my $sig (qw(KILL INT)) {
    unlink "$ENV{OSSTEST_RESULTS}/markers";
    my ($rc, $flight) = osstest('make-flight', 'resume', '--template', $tmpl, '--repo', $repo);
    chomp $flight;
    is($rc, 0, "flight $flight made");
    my $pid = start_run($flight);
    ok(wait_running($flight, 'slow'), "[$sig] the slow step is running");
    my ($alloc) = $db->dbh->selectrow_array('SELECT count(*) FROM allocations');
    is($alloc, 1, "[$sig] the test job holds a host");
    kill $sig, $pid;
    waitpid $pid, 0;
    ok($? != 0, "[$sig] run-flight was stopped");
    sleep 0.5;
    is(markers(), 'build slow', "[$sig] build and slow started before the interruption");
    my $out;
    ($rc, $out) = osstest('run-flight', $flight);
    is($rc,       0, "[$sig] run-flight resumed and every job passed") or diag $out;
    is(markers(), 'build slow slow after', "[$sig] build not run again; slow run again");
    my $st = $db->dbh->selectall_arrayref(
        q{SELECT s.testid || ':' || s.attempt || ':' || s.status FROM steps s
          JOIN jobs j USING (job_id) WHERE j.flight = ? ORDER BY j.job_id, s.stepno},
        undef, $flight
    );
    is_deeply(
        [map { $_->[0] } @$st],
        [
            qw(checkout:1:pass build:1:pass slow:1:aborted slow:2:pass after:1:pass
                logs-capture:1:pass)
        ],
        "[$sig] steps: finished kept, interrupted aborted and run again"
    );
    my ($bless) =
        $db->dbh->selectrow_array('SELECT blessing FROM flights WHERE flight = ?', undef, $flight);
    is($bless, 'real', "[$sig] flight finished and blessed real");
    ($alloc) = $db->dbh->selectrow_array('SELECT count(*) FROM allocations');
    is($alloc, 0, "[$sig] no allocation left");
    my ($workers) = $db->dbh->selectrow_array('SELECT count(*) FROM workers');
    is($workers, 0, "[$sig] no worker rows left");
}
done_testing;
