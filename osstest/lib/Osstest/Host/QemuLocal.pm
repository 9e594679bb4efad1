package Osstest::Host::QemuLocal;

# A virtual host on this machine: QEMU (TCG) booting the hypervisor directly
# as a multiboot kernel. Power is the QEMU process; the console is its serial
# port written to a file. Properties: qemu-cpu, smp, memory (MiB), qemu.

use v5.36;
use strict;
use warnings;
use parent -norequire, 'Osstest::Host';
use POSIX       qw(:sys_wait_h);
use Time::HiRes qw(time sleep);
require Osstest::Host;

my %KNOWN = map { $_ => 1 } qw(qemu-cpu smp memory qemu power console boot description);

sub check_props ($class, $file, $props) {
    for my $k (sort keys %$props) {
        die "osstest: $file: unknown property '$k' for a qemu-local host\n" unless $KNOWN{$k};
    }
    for my $k (qw(smp memory)) {
        die "osstest: $file: '$k' must be a positive number\n"
            if defined $props->{$k} && $props->{$k} !~ /^[1-9]\d*$/;
    }
    return;
}

sub power ($self, $what) {
    if ($what eq 'status') {
        return ($self->{pid} && kill(0, $self->{pid})) ? 'on' : 'off';
    }
    elsif ($what eq 'off') {
        if (my $pid = delete $self->{pid}) {
            kill 'TERM', $pid;
            for (1 .. 50) { last if waitpid($pid, WNOHANG) == $pid; sleep 0.1 }
            kill 'KILL', $pid;
            waitpid $pid, 0;
            $self->{exit} = $?;
        }
        return 'off';
    }
    elsif ($what eq 'on') {
        die "osstest: host $self->{host}: power on needs a boot plan (use boot)\n"
            unless $self->{cmd};
        my $pid = fork // die "osstest: fork: $!\n";
        if ($pid == 0) {
            open STDIN,  '<',  '/dev/null';
            open STDOUT, '>',  "$self->{console}.qemu";
            open STDERR, '>&', \*STDOUT;
            exec {$self->{cmd}[0]} @{$self->{cmd}} or POSIX::_exit(127);
        }
        $self->{pid} = $pid;
        return 'on';
    }
    die "osstest: power method takes on, off or status\n";
}

# Power on booting KERNEL with CMDLINE and MODULES (list of "path args");
# the console goes to CONSOLE.
sub start ($self, %plan) {
    my $qemu = $self->prop('qemu', 'qemu-system-x86_64');
    my @mods = map { (my $m = $_) =~ s/,/,,/g; $m } @{$plan{modules} // []};
    $self->power('off');
    $self->{console} = $plan{console};
    Osstest::Host::truncate_console($plan{console});
    $self->{cmd} = [
        $qemu,                                    '-accel',
        'tcg',                                    '-cpu',
        $self->qemu_cpu,                          '-m',
        $self->memory,                            '-smp',
        $self->smp,                               '-display',
        'none',                                   '-no-reboot',
        '-nodefaults',                            '-serial',
        "file:$plan{console}",                    '-device',
        'isa-debug-exit,iobase=0xf4,iosize=0x04', '-kernel',
        $plan{kernel},                            '-append',
        $plan{cmdline} // '', (@mods ? ('-initrd', join(',', @mods)) : ()),
    ];
    $self->power('on');
    return;
}

# False once QEMU has stopped by itself (its exit status then in {exit}).
sub running ($self) {
    return 0 unless $self->{pid};
    return 1 if waitpid($self->{pid}, WNOHANG) != $self->{pid};
    $self->{exit} = $?;
    delete $self->{pid};
    return 0;
}

sub DESTROY ($self) {
    local ($@, $!, $?);
    $self->power('off') if $self->{pid};
}

1;
