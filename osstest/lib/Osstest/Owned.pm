package Osstest::Owned;

# Processes owned by a step: every process a step starts (QEMU, dnsmasq,
# PostgreSQL, an HTTP server, in a session of their own or not) inherits the
# environment variable OSSTEST_OWNER naming its job and step. When the step
# ends, times out, or its job or worker dies, every process still carrying
# the step's (or job's) mark is stopped: TERM, then KILL after a grace time.
# A process group or session can be left; the inherited environment cannot.

use v5.36;
use strict;
use warnings;
use Time::HiRes qw(sleep time);
use Digest::MD5 qw(md5_hex);
use Exporter    qw(import);

our @EXPORT_OK = qw(owner_token kill_owned owned_pids);

# The mark of step STEPNO of job JOB_ID of the database DSN (or of the
# whole job without STEPNO); a job's mark is a prefix of each of its steps'
# marks. Job numbers are per database, and several databases may run flights
# on one machine, hence the DSN's digest.
sub owner_token ($dsn, $job_id, $stepno = undef) {
    return
          'osstest-'
        . substr(md5_hex($dsn), 0, 10)
        . "-job-$job_id/"
        . (defined $stepno ? "step-$stepno/" : '');
}

# PIDs of the processes whose environment has OSSTEST_OWNER starting with
# PREFIX (this process and its ancestors excepted).
sub owned_pids ($prefix) {
    my %skip = map { $_ => 1 } ancestors();
    my @pids;
    opendir my $dh, '/proc' or return ();
    for my $pid (grep { /^\d+$/ } readdir $dh) {
        next if $skip{$pid};
        open my $fh, '<', "/proc/$pid/environ" or next;
        my $env = do { local $/; <$fh> }
            // '';
        push @pids, $pid if index("\0$env", "\0OSSTEST_OWNER=$prefix") >= 0;
    }
    return @pids;
}

sub ancestors () {
    my @a   = ($$);
    my $pid = getppid();
    while ($pid > 1) {
        push @a, $pid;
        open my $fh, '<', "/proc/$pid/stat" or last;
        my $stat = <$fh> // last;
        ($pid) = $stat =~ /\)\s+\S+\s+(\d+)/ or last;
    }
    return @a;
}

# Stop every process marked PREFIX; returns how many there were.
sub kill_owned ($prefix, $grace = 2) {
    my @pids = owned_pids($prefix) or return 0;
    kill 'TERM', @pids;
    my $until = time + $grace;
    while (time < $until) {
        last unless grep { alive($_) } @pids;
        sleep 0.05;
    }
    my @left = grep { alive($_) } owned_pids($prefix);
    kill 'KILL', @left if @left;
    return scalar @pids;
}

# Alive and not a zombie (a zombie waits for its parent, it runs nothing).
sub alive ($pid) {
    open my $fh, '<', "/proc/$pid/stat" or return 0;
    my $stat = <$fh> // return 0;
    return $stat !~ /\)\s+Z\s/;
}

1;
