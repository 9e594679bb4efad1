package Osstest::Host::Libvirt;

# A host that is a libvirt domain: its domain XML is generated from the host
# file (name, memory, vCPUs, CPU model, NIC), power is `virsh start` /
# `virsh destroy` / `virsh domstate`, the console is the domain's serial
# log file (followed into the boot's console file), and it boots over the
# network by iPXE like a lab machine: the boot script in tftp-root (served by
# QEMU's user-mode TFTP of the domain's NIC), the hypervisor and modules
# under http-root, seen by the host as http-url.
# Properties: uri (default qemu:///system), domain (default: the host name),
# virsh-user and session-dir (run virsh as that user with its libvirt
# session under DIR: HOME, XDG_RUNTIME_DIR, XDG_CONFIG_HOME, XDG_CACHE_HOME
# in DIR/home, run, config, cache), boot-method (ipxe, the default, or
# direct: QEMU loads the kernel and modules itself), serial-dir (where the domain writes its
# serial log; writable by the libvirt user), tftp-root, boot-script,
# http-root or http-put-url, http-url, mac, nic (e1000), smp, memory, qemu-cpu (max: all
# the features QEMU has), power/console/boot/description for the record.

use v5.36;
use strict;
use warnings;
use parent -norequire, 'Osstest::Host';
use POSIX       qw(:sys_wait_h);
use Time::HiRes qw(time sleep);
use File::Path  qw(make_path);
require Osstest::Host;

my %KNOWN = map { $_ => 1 } qw(uri domain virsh-user session-dir serial-dir tftp-root boot-script
    http-root http-put-url http-url mac nic smp memory qemu-cpu power console boot boot-method
    description);

sub check_props ($class, $file, $props) {
    for my $k (sort keys %$props) {
        die "osstest: $file: unknown property '$k' for a libvirt host\n" unless $KNOWN{$k};
    }
    my $method = $props->{'boot-method'} // 'ipxe';
    die "osstest: $file: boot-method must be ipxe or direct, not '$method'\n"
        unless $method =~ /^(ipxe|direct)$/;
    for my $k ('serial-dir', $method eq 'ipxe' ? qw(tftp-root http-url) : ()) {
        die "osstest: $file: a libvirt host needs '$k'\n" unless defined $props->{$k};
    }
    die "osstest: $file: give http-root (a local directory) or http-put-url (a store "
        . "taking PUT) for the files http-url serves\n"
        if $method eq 'ipxe'
        && !defined $props->{'http-root'}
        && !defined $props->{'http-put-url'};
    for my $k (qw(smp memory)) {
        die "osstest: $file: '$k' must be a positive number\n"
            if defined $props->{$k} && $props->{$k} !~ /^[1-9]\d*$/;
    }
    die "osstest: $file: 'mac' must look like 52:54:00:12:34:56\n"
        if defined $props->{mac} && $props->{mac} !~ /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
    die "osstest: $file: 'nic' must be e1000 or virtio-net-pci\n"
        if defined $props->{nic} && $props->{nic} !~ /^(e1000|virtio-net-pci)$/;
    die "osstest: $file: 'uri' must be a libvirt URI like qemu:///system\n"
        if defined $props->{uri} && $props->{uri} !~ m{^[\w+]+://[^\s]*$};
    die "osstest: $file: 'domain' must be a plain name\n"
        if defined $props->{domain} && $props->{domain} !~ /^[\w.-]+$/;
    die "osstest: $file: 'virsh-user' names no user\n"
        if defined $props->{'virsh-user'} && !defined getpwnam($props->{'virsh-user'});
    return;
}

sub domain ($self) { return $self->prop('domain', $self->{host}) }

sub serial_log ($self) { return $self->prop('serial-dir') . '/' . $self->domain . '.serial.log' }

sub xml_escape ($s) {
    $s =~ s/&/&amp;/g;
    $s =~ s/</&lt;/g;
    $s =~ s/>/&gt;/g;
    $s =~ s/'/&apos;/g;
    return $s;
}

# The domain XML for this host (TCG, no disk, serial port to the serial
# log): boot-method ipxe, a NIC booting iPXE from the user-mode TFTP of
# tftp-root; direct, PLAN's kernel, command line and modules (multiboot
# modules as one QEMU -initrd list) given to QEMU itself.
sub domain_xml ($self, %plan) {
    my $e    = \&xml_escape;
    my $cpu  = $self->qemu_cpu;
    my $log  = $e->($self->serial_log);
    my $tftp = $e->($self->prop('tftp-root',   ''));
    my $boot = $e->($self->prop('boot-script', 'boot.ipxe'));
    my $mac  = $e->($self->prop('mac',         '52:54:00:73:02:01'));
    my $nic  = $self->prop('nic', 'e1000');
    my $cpux =
        $cpu eq 'max'
        ? "<cpu mode='maximum' migratable='off'/>"
        : "<cpu mode='custom' match='exact'><model fallback='forbid'>"
        . $e->($cpu)
        . '</model></cpu>';
    my ($direct, $netargs) = ('', '');

    if ($self->prop('boot-method', 'ipxe') eq 'direct') {
        my $mods = join ',', map { s/,/,,/gr } @{$plan{modules} // []};
        $direct =
              '<kernel>'
            . $e->($plan{kernel} // '')
            . '</kernel>'
            . '<cmdline>'
            . $e->($plan{cmdline} // '')
            . '</cmdline>'
            . (length $mods ? '<initrd>' . $e->($mods) . '</initrd>' : '');
    }
    else {
        $netargs = "
    <qemu:arg value='-netdev'/>
    <qemu:arg value='user,id=n0,tftp=$tftp,bootfile=$boot'/>
    <qemu:arg value='-device'/>
    <qemu:arg value='$nic,netdev=n0,mac=$mac,bootindex=1'/>";
    }
    return <<"END";
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>@{[$e->($self->domain)]}</name>
  <description>osstest host $self->{host}</description>
  <memory unit='MiB'>@{[$self->memory]}</memory>
  <vcpu>@{[$self->smp]}</vcpu>
  $cpux
  <os><type arch='x86_64' machine='pc'>hvm</type><bios useserial='yes'/>$direct</os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='file'><source path='$log'/></serial>
    <console type='file'><source path='$log'/></console>
    <memballoon model='none'/>
  </devices>
  <qemu:commandline>$netargs
    <qemu:arg value='-device'/>
    <qemu:arg value='isa-debug-exit,iobase=0xf4,iosize=0x04'/>
  </qemu:commandline>
</domain>
END
}

# Run virsh ARGS (as virsh-user with its session, when set); returns
# (exit status, output). XML: text given to virsh on a file it can read.
sub virsh ($self, @args) {
    my @cmd = ('virsh', '-q', '-c', $self->prop('uri', 'qemu:///system'), @args);
    my $pid = open my $fh, '-|' // die "osstest: fork: $!\n";
    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT;
        if (defined(my $s = $self->prop('session-dir'))) {
            @ENV{qw(HOME XDG_RUNTIME_DIR XDG_CONFIG_HOME XDG_CACHE_HOME)} =
                map { "$s/$_" } qw(home run config cache);
        }
        if (defined(my $u = $self->prop('virsh-user'))) {
            my (undef, undef, $uid, $gid) = getpwnam($u) or POSIX::_exit(126);
            POSIX::setgid($gid) && POSIX::setuid($uid) or POSIX::_exit(126);
        }
        exec {$cmd[0]} @cmd or POSIX::_exit(127);
    }
    my $out = do { local $/; <$fh> }
        // '';
    close $fh;
    return ($? >> 8, $out);
}

sub virsh_ok ($self, @args) {
    my ($rc, $out) = $self->virsh(@args);
    die "osstest: host $self->{host}: virsh @args failed (status $rc): $out" if $rc != 0;
    return $out;
}

sub power ($self, $what) {
    if ($what eq 'status') {
        my ($rc, $out) = $self->virsh('domstate', $self->domain);
        $self->{status_at} = time;
        return $self->{last_status} = ($rc == 0 && $out =~ /^running/) ? 'on' : 'off';
    }
    elsif ($what eq 'off') {
        $self->virsh_ok('destroy', $self->domain) if $self->power('status') eq 'on';
        $self->stop_follow;
        return 'off';
    }
    elsif ($what eq 'on') {
        $self->virsh_ok('start', $self->domain);
        return 'on';
    }
    elsif ($what eq 'cycle') {
        $self->power('off');
        return $self->power('on');
    }
    die "osstest: power method takes on, off, cycle or status\n";
}

# (Re)define the domain from the host file (and PLAN, for a direct boot).
sub define ($self, %plan) {
    my $dir = $self->prop('serial-dir');
    make_path($dir);
    my $file = "$dir/" . $self->domain . '.xml';
    open my $fh, '>', $file or die "osstest: cannot write $file: $!\n";
    print $fh $self->domain_xml(%plan);
    close $fh or die "osstest: cannot write $file: $!\n";
    chmod 0644, $file;
    my ($rc) = $self->virsh('domstate', $self->domain);
    $self->virsh_ok('undefine', $self->domain) if $rc == 0;
    $self->virsh_ok('define',   $file);
    return $file;
}

# Follow the serial log into CONSOLE (a child process appending what the
# domain writes; it drains the log and stops on SIGTERM).
sub start_follow ($self, $console) {
    my $log = $self->serial_log;
    my $pid = fork // die "osstest: fork: $!\n";
    if ($pid == 0) {
        setpgrp(0, 0);
        my $stop = 0;
        local $SIG{TERM} = sub { $stop = 1 };
        open my $out, '>>', $console or POSIX::_exit(1);
        $out->autoflush(1);
        my ($in, $pos) = (undef, 0);
        while (1) {
            my $last = $stop;
            if (!$in && open $in, '<', $log) { binmode $in }
            if ($in) {
                seek $in, $pos, 0;
                while (read $in, my $buf, 65536) { print $out $buf; $pos += length $buf }
            }
            POSIX::_exit(0) if $last;
            sleep 0.1;
        }
    }
    $self->{follow_pid} = $pid;
    return;
}

sub stop_follow ($self) {
    my $pid = delete $self->{follow_pid} or return;
    kill 'TERM', $pid;
    my $deadline = time + 5;
    sleep 0.05 while waitpid($pid, WNOHANG) == 0 && time < $deadline;
    if (kill 0, $pid) { kill 'KILL', $pid; waitpid $pid, 0 }
    return;
}

# Power off, publish the boot files, define the domain, start it, follow
# its serial log into the console file.
sub start ($self, %plan) {
    $self->power('off');
    $self->publish_ipxe(%plan, cmdline => $plan{cmdline} // '')
        if $self->prop('boot-method', 'ipxe') eq 'ipxe';
    $self->define(%plan);
    unlink $self->serial_log;
    $self->{console} = $plan{console};
    Osstest::Host::truncate_console($plan{console});
    $self->power('on');
    $self->start_follow($plan{console});
    $self->{last_status} = 'on';
    $self->{status_at}   = time;
    return;
}

sub running ($self) {
    return $self->{last_status} eq 'on' if time - ($self->{status_at} // 0) < 1;
    return $self->power('status') eq 'on';
}

sub DESTROY ($self) {
    local ($@, $!, $?);
    eval { $self->power('off') } if $self->{follow_pid};
}

1;
