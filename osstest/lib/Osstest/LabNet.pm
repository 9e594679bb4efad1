package Osstest::LabNet;

# A lab network on this machine, described by lab-configs/networks/NAME and
# brought up for the time of a network boot:
#   kind = netns  a network namespace of its own with a bridge, dnsmasq
#                 (DHCP, TFTP of boot.ipxe, IPv6 router advertisements so
#                 iPXE does not wait for IPv6) and an HTTP server bound to
#                 the bridge address; the host's QEMU runs in the namespace
#                 with a tap device on the bridge. The root namespace is
#                 not touched.
#   kind = user   QEMU user-mode networking: its built-in DHCP and TFTP, and
#                 an HTTP server on 127.0.0.1 (10.0.2.2 from the guest).
# Everything started here is stopped by PID, and the namespace deleted, by
# down().

use v5.36;
use strict;
use warnings;
use POSIX         qw(:sys_wait_h);
use Time::HiRes   qw(time sleep);
use File::Path    qw(make_path remove_tree);
use Osstest::Util qw(capture);

my %KNOWN = map { $_ => 1 } qw(kind subnet ipv6-prefix http-port description);

sub lab_dir () { require Osstest::Host; return Osstest::Host::lab_dir() }

# Parse lab-configs/networks/NAME; dies naming the file and line.
sub load ($name) {
    die "osstest: bad network name '$name'\n" unless $name =~ /^[\w.-]+$/;
    my $file = lab_dir() . "/networks/$name";
    open my $fh, '<', $file or die "osstest: cannot read network config $file: $!\n";
    my %c = (name => $name, file => $file);
    while (my $line = <$fh>) {
        chomp $line;
        next if $line =~ /^\s*(#|$)/;
        my ($k, $v) = $line =~ /^\s*([\w-]+)\s*=\s*(.*?)\s*$/
            or die "osstest: $file:$.: expected 'key = value', got '$line'\n";
        die "osstest: $file:$.: unknown key '$k'\n" unless $KNOWN{$k};
        die "osstest: $file:$.: '$k' given twice\n" if exists $c{$k};
        $c{$k} = $v;
    }
    $c{kind} //= 'netns';
    die "osstest: $file: kind must be netns or user, not '$c{kind}'\n"
        unless $c{kind} =~ /^(netns|user)$/;
    $c{'http-port'} //= 8073;
    die "osstest: $file: http-port must be a port number\n"
        unless $c{'http-port'} =~ /^\d+$/ && $c{'http-port'} > 0 && $c{'http-port'} < 65536;
    if ($c{kind} eq 'netns') {
        $c{subnet} //= '10.73.0';
        die "osstest: $file: subnet must be the first three octets of a /24 (e.g. 10.73.0)\n"
            unless $c{subnet} =~ /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/ && !grep { $_ > 255 } $1,
            $2, $3;
        $c{'ipv6-prefix'} //= 'fd73:0:0:1';
        die "osstest: $file: ipv6-prefix must be four groups (e.g. fd73:0:0:1)\n"
            unless $c{'ipv6-prefix'} =~ /^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){3}$/i;
    }
    return \%c;
}

sub run_ok (@cmd) {
    my ($rc, $out) = capture(@cmd);
    die "osstest: '@cmd' failed (status $rc)\n" if $rc != 0;
    return $out;
}

# Bring an instance of network CFG up under DIR (tftp/, http/, logs).
# Returns the instance: {cfg, dir, ns, server (address hosts use), pids}.
sub up ($class, $cfg, $dir) {
    remove_tree($dir);
    make_path("$dir/tftp", "$dir/http");
    my $self = bless {cfg => $cfg, dir => $dir, pids => [], taps => 0}, $class;
    my $ok   = eval {
        if   ($cfg->{kind} eq 'netns') { $self->up_netns }
        else                           { $self->{server} = '10.0.2.2' }
        $self->start_http;
        1;
    };
    if (!$ok) {
        my $err = $@;
        $self->down;
        die $err;
    }
    return $self;
}

sub up_netns ($self) {
    my $c  = $self->{cfg};
    my $ns = "osst-$c->{name}-$$";
    run_ok('ip', 'netns', 'add', $ns);
    $self->{ns} = $ns;
    my $v6 = $c->{'ipv6-prefix'};
    run_ok('ip', '-n', $ns, 'link', 'set', 'lo',                'up');
    run_ok('ip', '-n', $ns, 'link', 'add', 'br0',               'type', 'bridge');
    run_ok('ip', '-n', $ns, 'addr', 'add', "$c->{subnet}.1/24", 'dev',  'br0');
    run_ok('ip', '-n', $ns, 'addr', 'add', "$v6\::1/64",        'dev',  'br0', 'nodad');
    run_ok('ip', '-n', $ns, 'link', 'set', 'br0',               'up');
    $self->{server} = "$c->{subnet}.1";
    my $d = $self->{dir};
    $self->spawn(
        "$d/dnsmasq.log",                                    'ip',
        'netns',                                             'exec',
        $ns,                                                 'dnsmasq',
        '--keep-in-foreground',                              '--conf-file=/dev/null',
        '--user=root',                                       '--port=0',
        '--interface=br0',                                   '--bind-interfaces',
        "--dhcp-range=$c->{subnet}.100,$c->{subnet}.199,1h", "--dhcp-range=$v6\::,ra-only",
        '--enable-ra',                                       '--enable-tftp',
        "--tftp-root=$d/tftp",                               '--dhcp-boot=boot.ipxe',
        "--dhcp-leasefile=$d/leases",                        '--log-dhcp',
        "--log-facility=$d/dnsmasq.log",                     '--pid-file='
    );
    return;
}

# Start CMD as a child, output to LOG; its pid is remembered for down().
sub spawn ($self, $log, @cmd) {
    my $pid = fork // die "osstest: fork: $!\n";
    if ($pid == 0) {
        setpgrp(0, 0);
        open STDIN,  '<',  '/dev/null';
        open STDOUT, '>>', $log or POSIX::_exit(126);
        open STDERR, '>&', \*STDOUT;
        exec {$cmd[0]} @cmd or POSIX::_exit(127);
    }
    push @{$self->{pids}}, $pid;
    return $pid;
}

sub start_http ($self) {
    my $c    = $self->{cfg};
    my $d    = $self->{dir};
    my $bind = $self->{ns} ? $self->{server} : '127.0.0.1';
    my @py   = (
        'python3',         '-u',     '-m',  'http.server',
        $c->{'http-port'}, '--bind', $bind, '--directory',
        "$d/http"
    );
    @py = ('ip', 'netns', 'exec', $self->{ns}, @py) if $self->{ns};
    my $pid      = $self->spawn("$d/http.log", @py);
    my $deadline = time + 10;
    while (time < $deadline) {
        my $text = '';
        if (open my $fh, '<', "$d/http.log") { local $/; $text = <$fh> // '' }
        return if $text =~ /Serving HTTP/;
        die "osstest: HTTP server for network $c->{name} did not start:\n$text"
            if waitpid($pid, WNOHANG) == $pid;
        sleep 0.05;
    }
    die "osstest: HTTP server for network $c->{name} not serving after 10 s\n";
}

sub url ($self, $file) { return "http://$self->{server}:$self->{cfg}{'http-port'}/$file" }

# The URL prefix of the boot files of network CFG, as its hosts see it.
sub url_prefix ($cfg) {
    my $server = $cfg->{kind} eq 'netns' ? "$cfg->{subnet}.1" : '10.0.2.2';
    return "http://$server:$cfg->{'http-port'}/";
}

# Put FILE in the HTTP directory under NAME; returns its URL.
sub publish ($self, $file, $name) {
    my $dst = "$self->{dir}/http/$name";
    unlink $dst;
    link($file, $dst)
        or system('cp', $file, $dst) == 0
        or die "osstest: cannot copy $file to $dst\n";
    return $self->url($name);
}

sub write_boot_script ($self, $text) {
    open my $fh, '>', "$self->{dir}/tftp/boot.ipxe" or die "osstest: $self->{dir}: $!\n";
    print $fh $text;
    close $fh or die "osstest: cannot write boot.ipxe: $!\n";
    return;
}

# QEMU arguments (and a command prefix) for a host with MAC on this network
# using NIC (a QEMU NIC model with an iPXE ROM).
sub qemu_net ($self, $mac, $nic) {
    if (!$self->{ns}) {
        return (
            [],
            [
                '-netdev', "user,id=n0,tftp=$self->{dir}/tftp,bootfile=boot.ipxe",
                '-device', "$nic,netdev=n0,mac=$mac"
            ]
        );
    }
    my $tap = 'tap' . $self->{taps}++;
    run_ok('ip', '-n', $self->{ns}, 'tuntap', 'add', 'dev', $tap,     'mode', 'tap');
    run_ok('ip', '-n', $self->{ns}, 'link',   'set', $tap,  'master', 'br0',  'up');
    return (
        ['ip', 'netns', 'exec', $self->{ns}],
        [
            '-netdev', "tap,id=n0,ifname=$tap,script=no,downscript=no",
            '-device', "$nic,netdev=n0,mac=$mac"
        ]
    );
}

# Stop what up() started (by PID) and delete the namespace.
sub down ($self) {
    for my $pid (@{$self->{pids}}) { kill 'TERM', $pid }
    for my $pid (@{$self->{pids}}) {
        my $t = time + 5;
        sleep 0.05 while waitpid($pid, WNOHANG) == 0 && time < $t;
        if (kill 0, $pid) { kill 'KILL', $pid; waitpid $pid, 0 }
    }
    $self->{pids} = [];
    if (my $ns = delete $self->{ns}) {
        capture('ip', 'netns', 'del', $ns);
    }
    return;
}

sub DESTROY ($self) {
    local ($@, $!, $?);
    $self->down if @{$self->{pids} // []} || $self->{ns};
}

1;
