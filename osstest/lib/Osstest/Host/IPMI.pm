package Osstest::Host::IPMI;

# A lab machine with a BMC: power through `ipmitool -I lanplus chassis power
# on|off|cycle|status`, console through IPMI serial-over-LAN (`ipmitool sol
# activate`, captured to a file), booted over the network by iPXE: the boot
# script goes where the lab's TFTP server serves it from (tftp-root), the
# hypervisor and its modules to the lab's HTTP server (http-root, seen by
# the host as http-url).
# BMC credentials: the user in the host file (bmc-user), the password never:
# it is read by ipmitool from a file (bmc-password-file, `ipmitool -f`) or
# from the environment (`ipmitool -E`: IPMI_PASSWORD, or the variable named
# by bmc-password-env), never passed on a command line.
# Properties: bmc-address, bmc-port (623), bmc-user, bmc-cipher (3),
# bmc-password-file | bmc-password-env, tftp-root, boot-script (boot.ipxe),
# http-root or http-put-url, http-url, smp, memory, qemu-cpu (what the machine offers, for
# the planning of boots), power/console/boot/description for the record.

use v5.36;
use strict;
use warnings;
use parent -norequire, 'Osstest::Host';
use POSIX       qw(:sys_wait_h);
use Fcntl       qw(F_GETFD F_SETFD FD_CLOEXEC);
use Time::HiRes qw(time sleep);
require Osstest::Host;

my %KNOWN = map { $_ => 1 } qw(bmc-address bmc-port bmc-user bmc-cipher bmc-password-file
    bmc-password-env tftp-root boot-script http-root http-put-url http-url smp memory qemu-cpu power console
    boot description);

sub check_props ($class, $file, $props) {
    for my $k (sort keys %$props) {
        die "osstest: $file: '$k': BMC passwords do not belong in lab-configs "
            . "(use bmc-password-file or bmc-password-env)\n"
            if $k =~ /pass/ && $k !~ /^bmc-password-(file|env)$/;
        die "osstest: $file: unknown property '$k' for an ipmi host\n" unless $KNOWN{$k};
    }
    for my $k (qw(bmc-address bmc-user tftp-root http-url)) {
        die "osstest: $file: an ipmi host needs '$k'\n" unless defined $props->{$k};
    }
    die "osstest: $file: give http-root (a local directory) or http-put-url (a store "
        . "taking PUT) for the files http-url serves\n"
        unless defined $props->{'http-root'} || defined $props->{'http-put-url'};
    for my $k (qw(smp memory bmc-port bmc-cipher)) {
        die "osstest: $file: '$k' must be a number\n"
            if defined $props->{$k} && $props->{$k} !~ /^\d+$/;
    }
    die "osstest: $file: bmc-address '$props->{'bmc-address'}' is not a host name or address\n"
        unless $props->{'bmc-address'} =~ /^[\w.:-]+$/;
    die "osstest: $file: http-url must start with http://\n"
        unless $props->{'http-url'} =~ m{^https?://};
    die "osstest: $file: bmc-password-env must be a variable name\n"
        if defined $props->{'bmc-password-env'} && $props->{'bmc-password-env'} !~ /^\w+$/;
    return;
}

# The ipmitool command for ARGS, and the environment it needs.
sub ipmitool ($self, @args) {
    my @auth;
    my %env;
    if (defined(my $f = $self->prop('bmc-password-file'))) {
        die "osstest: host $self->{host}: cannot read BMC password file $f\n" unless -r $f;
        @auth = ('-f', $f);
    }
    else {
        my $var = $self->prop('bmc-password-env', 'IPMI_PASSWORD');
        die "osstest: host $self->{host}: no BMC password: set bmc-password-file in its host "
            . "file or the environment variable $var\n"
            unless defined $ENV{$var};
        @auth = ('-E');
        $env{IPMI_PASSWORD} = $ENV{$var};
    }
    my @cmd = (
        'ipmitool',                 '-I', 'lanplus', '-H',
        $self->prop('bmc-address'), '-p', $self->prop('bmc-port',   623), '-U',
        $self->prop('bmc-user'),    '-C', $self->prop('bmc-cipher', 3),   @auth,
        @args
    );
    return (\@cmd, \%env);
}

# Run ipmitool ARGS; returns (exit status, output).
sub bmc ($self, @args) {
    my ($cmd, $env) = $self->ipmitool(@args);
    my $pid = open my $fh, '-|' // die "osstest: fork: $!\n";
    if ($pid == 0) {
        @ENV{keys %$env} = values %$env;
        open STDERR, '>&', \*STDOUT;
        exec {$cmd->[0]} @$cmd or POSIX::_exit(127);
    }
    my $out = do { local $/; <$fh> }
        // '';
    close $fh;
    return ($? >> 8, $out);
}

sub bmc_ok ($self, @args) {
    my ($rc, $out) = $self->bmc(@args);
    die "osstest: host $self->{host}: ipmitool @args failed (status $rc): $out" if $rc != 0;
    return $out;
}

sub power ($self, $what) {
    if ($what eq 'status') {
        my $out = $self->bmc_ok('chassis', 'power', 'status');
        $self->{status_at} = time;
        return $self->{last_status} = $out =~ /is on/ ? 'on' : 'off';
    }
    elsif ($what eq 'off') {
        $self->bmc_ok('chassis', 'power', 'off') if $self->power('status') eq 'on';
        my $deadline = time + 30;
        sleep 0.2 while $self->power('status') ne 'off' && time < $deadline;
        $self->stop_sol;
        return 'off';
    }
    elsif ($what eq 'on' || $what eq 'cycle') {
        $self->bmc_ok('chassis', 'power', $what);
        return 'on';
    }
    die "osstest: power method takes on, off, cycle or status\n";
}

# Serial-over-LAN capture: `ipmitool sol activate` with its output appended
# to FILE. Its stdin is a pipe that never reaches end of file (ipmitool
# stops relaying at end of input).
sub start_sol ($self, $file) {
    $self->stop_sol;
    my ($cmd, $env) = $self->ipmitool('sol', 'activate');
    my $pid = fork // die "osstest: fork: $!\n";
    if ($pid == 0) {
        setpgrp(0, 0);
        pipe my $r, my $w or POSIX::_exit(126);
        fcntl $w, F_SETFD, fcntl($w, F_GETFD, 0) & ~FD_CLOEXEC;
        @ENV{keys %$env} = values %$env;
        open STDIN,  '<&', $r    or POSIX::_exit(126);
        open STDOUT, '>>', $file or POSIX::_exit(126);
        open STDERR, '>',  "$file.sol-errors";
        exec {'stdbuf'} 'stdbuf', '-o0', @$cmd or POSIX::_exit(127);    # unbuffered
    }
    $self->{sol_pid} = $pid;
    my $deadline = time + 15;
    while (time < $deadline) {
        for my $f ($file, "$file.sol-errors") {
            open my $fh, '<', $f or next;
            return if grep { /SOL Session operational/ } <$fh>;
        }
        if (waitpid($pid, WNOHANG) == $pid) {
            delete $self->{sol_pid};
            my $err = do { local (@ARGV, $/) = "$file.sol-errors"; <> }
                // '';
            die "osstest: host $self->{host}: sol activate failed: $err";
        }
        sleep 0.1;
    }
    die "osstest: host $self->{host}: no serial-over-LAN session after 15 s\n";
}

sub stop_sol ($self) {
    my $pid = delete $self->{sol_pid} or return;
    kill 'TERM', -$pid;
    my $deadline = time + 5;
    sleep 0.05 while waitpid($pid, WNOHANG) == 0 && time < $deadline;
    if (kill 0, $pid) { kill 'KILL', -$pid; waitpid $pid, 0 }
    $self->bmc('sol', 'deactivate');    # the BMC may still hold the payload
    return;
}

# Power off, publish the boot files, start the console capture, power on.
sub start ($self, %plan) {
    $self->power('off');
    $self->publish_ipxe(%plan, cmdline => $plan{cmdline} // '');
    $self->{console} = $plan{console};
    Osstest::Host::truncate_console($plan{console});
    $self->start_sol($plan{console});
    $self->power('on');
    $self->{last_status} = 'on';
    $self->{status_at}   = time;
    return;
}

# On until the BMC says the power is off (asked at most once a second).
sub running ($self) {
    return $self->{last_status} eq 'on' if time - ($self->{status_at} // 0) < 1;
    return $self->power('status') eq 'on';
}

sub DESTROY ($self) {
    local ($@, $!, $?);
    eval { $self->power('off') } if $self->{sol_pid};
}

1;
