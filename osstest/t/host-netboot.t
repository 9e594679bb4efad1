#!/usr/bin/perl
# Osstest::Host::QemuNetboot: a host booted like a bare-metal lab host. On a
# lab network in a namespace of its own (bridge, dnsmasq DHCP + TFTP + IPv6
# RAs, HTTP server) and on the user-mode fallback, QEMU's iPXE ROM gets an
# address, fetches boot.ipxe, fetches the kernel and a module over HTTP and
# boots them; the ready line shows on the serial console; power off stops
# what the boot started and deletes the namespace. Bad host and network
# files are refused naming the problem.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time);
use OsstestTest;
use Osstest::Host;
use Osstest::Util;

my $db = test_db();
$ENV{OSSTEST_LAB_CONFIGS} = data_dir() . '/lab-net';
my ($rc, $out) = osstest('hosts', 'add');
is($rc, 0, 'network-booted hosts added') or diag $out;
my $dir = $ENV{OSSTEST_RESULTS};
system("as --32 -o $dir/k.o " . data_dir() . "/tiny-kernel.S") == 0
    or BAIL_OUT('cannot assemble the test kernel');
system("ld -m elf_i386 -Ttext=0x100000 -e _start -o $dir/k $dir/k.o") == 0
    or BAIL_OUT('cannot link the test kernel');
system("echo payload >$dir/mod1") == 0 or die;

sub namespaces () {
    my @ns = map { (split)[0] } grep { /^osst-/ } `ip netns list 2>/dev/null`;
    return grep { /-\Q$$\E$/ } @ns;
}

my $ready = qr/^\(XEN\) (\[[\s\d.]+\] )?ready\b/;
for my $name (qw(tnhost1 tuhost1)) {
    my $h = Osstest::Host::load($db, $name);
    my $t = time;
    my $r = $h->boot(
        kernel   => "$dir/k",
        cmdline  => 'console=com1',
        modules  => ["$dir/mod1 role=test"],
        console  => "$dir/$name.console",
        wait_for => $ready,
        timeout  => 40
    );
    is($r, 'ready', "$name: booted over the network to the ready line");
    note sprintf '%s: power on to ready in %.1f s', $name, time - $t;
    my $net  = "$dir/$name.console.net";
    my $http = do { local (@ARGV, $/) = "$net/http.log"; <> }
        // '';
    like($http, qr{"GET /kernel HTTP}, "$name: kernel fetched over HTTP");
    like($http, qr{"GET /m0 HTTP},     "$name: module fetched over HTTP");
    my $ipxe = do { local (@ARGV, $/) = "$net/tftp/boot.ipxe"; <> }
        // '';
    like($ipxe, qr{^module http://\S+/m0 role=test$}m, "$name: module line with args");

    if ($name eq 'tnhost1') {
        is(scalar(namespaces()), 1, 'the lab namespace exists while the host is on');
        my $dns = do { local (@ARGV, $/) = "$net/dnsmasq.log"; <> }
            // '';
        like(
            $dns,
            qr/DHCPACK\(br0\) 10\.73\.0\.\d+ 52:54:00:73:00:21/,
            'dnsmasq gave it an address'
        );
        like($dns, qr/sent \S+boot\.ipxe to/, 'and boot.ipxe by TFTP');
        like($dns, qr/RTR-ADVERT/,            'and router advertisements');
    }
    my @pids = (@{$h->{net}{pids}}, $h->{pid});
    $h->power('off');
    ok(!grep({ kill 0, $_ } @pids), "$name: QEMU, dnsmasq and the HTTP server stopped");
    is(scalar(namespaces()), 0, "$name: no namespace left") if $name eq 'tnhost1';
}

# The XTF path: the runner's boot plan run as network boots, the test kernel
# a boot module over HTTP, its result read from the serial console (when
# this checkout has a built hypervisor and XTF).
my $top = Osstest::Util::top_dir();
SKIP: {
    skip 'no built xen/xen and xtf/build', 3
        unless -f "$top/xen/xen" && -f "$top/xtf/build/test-hvm64-example";
    system("$top/xtf/xtf-runner --plan --results $dir/xtf test-hvm64-example >/dev/null") == 0
        or die 'xtf-runner --plan failed';
    my $h = Osstest::Host::load($db, 'tnhost1');
    $h->{props}{memory} = 1024;
    my $bad = $h->run_plan("$dir/xtf/plan.json", "$dir/xtf.json", xen => "$top/xen/xen");
    is($bad, 0, 'test-hvm64-example passed on the network-booted hypervisor');
    my $j = do { local (@ARGV, $/) = "$dir/xtf.json"; <> }
        // '';
    like($j, qr/"name":"test-hvm64-example","result":"SUCCESS"/, 'runner JSON written');
    is(scalar(namespaces()), 0, 'no namespace left after the plan');
}

# Bad configuration is refused with the file and the problem.
my $bad = "$dir/lab-bad";
system('mkdir', '-p', "$bad/hosts", "$bad/networks") == 0 or die;
sub put ($f, $t) { open my $fh, '>', $f or die; print $fh $t; close $fh; return }
put("$bad/networks/n1", "kind = netns\nsubnet = 10.300.0\n");
put("$bad/networks/n2", "kind = netns\nbogus = 1\n");
put("$bad/hosts/h1",    "kind = qemu-netboot\nnetwork = n1\nmac = 52:54:00:00:00:01\n");
put("$bad/hosts/h2",    "kind = qemu-netboot\nnetwork = n2\nmac = 52:54:00:00:00:01\n");
put("$bad/hosts/h3",    "kind = qemu-netboot\nnetwork = labnet0\nmac = 52:54:00:00:01\n");
put("$bad/hosts/h4",    "kind = qemu-netboot\nnetwork = missing\nmac = 52:54:00:00:00:01\n");
$ENV{OSSTEST_LAB_CONFIGS} = $bad;
($rc, $out) = osstest('hosts', 'add', "$bad/hosts/h1");
like($out, qr{networks/n1: subnet must be}, 'a bad subnet is refused naming the file');
($rc, $out) = osstest('hosts', 'add', "$bad/hosts/h2");
like($out, qr{networks/n2:2: unknown key 'bogus'}, 'an unknown network key: file and line');
($rc, $out) = osstest('hosts', 'add', "$bad/hosts/h3");
like($out, qr{hosts/h3: 'mac' must look like}, 'a bad MAC is refused');
($rc, $out) = osstest('hosts', 'add', "$bad/hosts/h4");
like($out, qr{hosts/h4: network 'missing': .*cannot read network config}, 'a missing network');
done_testing;
