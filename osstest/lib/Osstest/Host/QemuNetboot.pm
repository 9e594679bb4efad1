package Osstest::Host::QemuNetboot;

# A virtual host booted like a bare-metal lab host: its QEMU (TCG) has a NIC
# on a lab network (lab-configs/networks/NAME, see Osstest::LabNet) and no
# disk; the NIC's iPXE ROM gets an address by DHCP, fetches boot.ipxe by
# TFTP, and that script fetches the hypervisor and its boot modules over
# HTTP. Power is the QEMU process; the console its serial line in a file;
# boot completion is a marker line on that console. The network is brought
# up for the boot and down again at power off.
# Properties: network, mac, nic (default e1000), qemu-cpu, smp, memory,
# qemu, and power/console/boot/description for the record.

use v5.36;
use strict;
use warnings;
use parent -norequire, 'Osstest::Host::QemuLocal';
use POSIX       qw(:sys_wait_h);
use Time::HiRes qw(time sleep);
require Osstest::Host::QemuLocal;
use Osstest::LabNet;

my %KNOWN =
    map { $_ => 1 } qw(network mac nic qemu-cpu smp memory qemu power console boot description);

sub check_props ($class, $file, $props) {
    for my $k (sort keys %$props) {
        die "osstest: $file: unknown property '$k' for a qemu-netboot host\n" unless $KNOWN{$k};
    }
    for my $k (qw(smp memory)) {
        die "osstest: $file: '$k' must be a positive number\n"
            if defined $props->{$k} && $props->{$k} !~ /^[1-9]\d*$/;
    }
    die "osstest: $file: 'mac' must look like 52:54:00:12:34:56\n"
        unless ($props->{mac} // '') =~ /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
    die "osstest: $file: 'nic' must be e1000 or virtio-net-pci\n"
        if defined $props->{nic} && $props->{nic} !~ /^(e1000|virtio-net-pci)$/;
    die "osstest: $file: no 'network'\n" unless defined $props->{network};
    eval { Osstest::LabNet::load($props->{network}); 1 }
        or die "osstest: $file: network '$props->{network}': $@";
    return;
}

sub power ($self, $what) {
    my $r = $self->SUPER::power($what);
    if ($what eq 'off' && (my $net = delete $self->{net})) {
        $net->down;
    }
    return $r;
}

# Always iPXE, whatever the host file's 'boot' line records.
sub boots_ipxe ($self) { return 1 }

# The URL the network's HTTP server serves the boot files under.
sub ipxe_url_prefix ($self) {
    return Osstest::LabNet::url_prefix(Osstest::LabNet::load($self->prop('network')));
}

# The iPXE script of a boot plan: the kernel and every module by URL.
sub ipxe_script ($self, $net, %plan) {
    my @lines =
        ([$net->publish($plan{kernel}, Osstest::Host::ipxe_file_name(undef)), $plan{cmdline}]);
    my $i = 0;
    for my $m (@{$plan{modules} // []}) {
        my ($path, $args) = split ' ', $m, 2;
        push @lines, [$net->publish($path, Osstest::Host::ipxe_file_name($i++)), $args];
    }
    $self->ipxe_check_lines(@lines);
    my $s = "#!ipxe\necho osstest: booting over HTTP from " . $net->url('') . "\n";
    my $k = 'kernel';
    for my $l (@lines) {
        $s .= "$k $l->[0]" . (length($l->[1] // '') ? " $l->[1]" : '') . "\n";
        $k = 'module';
    }
    return $s . "boot\n";
}

# Power on booting KERNEL with CMDLINE and MODULES ("path args" each) over
# the network; the console goes to CONSOLE. The network's files, logs and
# boot.ipxe are in CONSOLE.net/.
sub start ($self, %plan) {
    $self->power('off');
    my $cfg = Osstest::LabNet::load($self->prop('network'));
    my $net = Osstest::LabNet->up($cfg, "$plan{console}.net");
    $self->{net} = $net;
    $net->write_boot_script($self->ipxe_script($net, %plan, cmdline => $plan{cmdline} // ''));
    my ($prefix, $netargs) = $net->qemu_net($self->prop('mac'), $self->prop('nic', 'e1000'));
    $self->{console} = $plan{console};
    Osstest::Host::truncate_console($plan{console});
    $self->{cmd} = [
        @$prefix,     $self->prop('qemu', 'qemu-system-x86_64'),
        '-accel',     'tcg',
        '-cpu',       $self->qemu_cpu,
        '-m',         $self->memory,
        '-smp',       $self->smp,
        '-display',   'none',
        '-no-reboot', '-nodefaults',
        '-serial',    "file:$plan{console}",
        '-device',    'isa-debug-exit,iobase=0xf4,iosize=0x04',
        @$netargs,    '-boot',
        'n',
    ];
    $self->power('on');
    return;
}

# Run an xtf-runner boot plan (plan.json as `xtf-runner --plan` writes it)
# on this host: one network boot per boot of the plan, its test kernels as
# boot modules fetched over HTTP; each domain's "Test result:" line on the
# serial console is its result. Writes the runner's JSON shape to JSON and
# returns the number of tests that did not succeed.
sub run_plan ($self, $plan_file, $json, %opt) {
    require JSON::PP;
    my $plan = eval {
        open my $fh, '<', $plan_file or die "cannot read: $!\n";
        local $/;
        JSON::PP::decode_json(<$fh>);
    } or die "osstest: boot plan $plan_file: $@";
    my $dir = $opt{dir} // ($plan_file =~ s{/[^/]*$}{}r);
    my @tests;
    for my $boot (@{$plan->{boots} // []}) {
        my @mods = @{$boot->{modules} // []};
        my $con  = "$dir/netboot-$boot->{index}.console";
        my $t0   = time;
        my $r    = $self->boot(
            kernel   => $opt{xen} // $plan->{xen},
            cmdline  => $boot->{xen_cmdline},
            modules  => [map { "$_->{image} " . ($_->{cmdline} =~ s/^\S+\s*//r) } @mods],
            console  => $con,
            wait_for => qr/^\(XEN\) all domains finished/,
            timeout  => $opt{timeout} // 60 + 10 * @mods,
        );
        $self->power('off');
        my %res;
        if (open my $fh, '<', $con) {
            while (<$fh>) { $res{$1} = $2 if /^\(d(\d+)\) Test result: (\w+)/ }
        }
        for my $m (grep { $_->{role} eq 'primary' } @mods) {
            my $res = $res{$m->{domid}} // ($r eq 'ready' ? 'ERROR' : 'CRASH');
            push @tests,
                {
                name    => $m->{instance},
                result  => $res,
                log     => $con,
                seconds => time - $t0
                };
        }
    }
    open my $out, '>', $json or die "osstest: cannot write $json: $!\n";
    print $out JSON::PP->new->canonical->encode({tests => \@tests, summary => {}});
    close $out or die "osstest: cannot write $json: $!\n";
    return scalar grep { $_->{result} ne 'SUCCESS' } @tests;
}

sub DESTROY ($self) {
    local ($@, $!, $?);
    $self->power('off') if $self->{pid} || $self->{net};
}

1;
