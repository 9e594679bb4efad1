#!/usr/bin/perl
# Lab benchmark: `osstest hosts check` (power-cycle, boot the hypervisor,
# wait for its ready line, power off) per host kind, beside the floor: the
# same hypervisor booted by a plain QEMU command until its ready line.
# Every server is started here and stopped by PID: PostgreSQL (private
# cluster under results/osstest-bench-lab/), nginx, ipmi_sim, libvirtd.
# Prints medians of BENCH_LAB_RUNS runs (default 3) and ratios to the floor.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../t/lib", "$FindBin::Bin/../lib";
use Time::HiRes   qw(time sleep);
use File::Path    qw(remove_tree make_path);
use File::Temp    ();
use Osstest::Util qw(top_dir);

BEGIN {
    my $base = top_dir() . '/results/osstest-bench-lab';
    remove_tree($base);
    make_path($base);
    $ENV{OSSTEST_TEST_DIR} = $base;
}
use OsstestTest;
use OsstestLab;

my $runs = $ENV{BENCH_LAB_RUNS} // 3;
my $xen  = top_dir() . '/xen/xen';
die "lab-bench: no $xen (make build)\n" unless -f $xen;
my $db      = test_db();
my $dir     = $ENV{OSSTEST_RESULTS};
my $ready   = qr/^\(XEN\) (\[[\s\d.]+\] )?ready\b/m;
my $cmdline = 'console=com1 com1=115200,8n1 loglvl=all';

sub median (@v) {
    @v = sort { $a <=> $b } @v;
    return $v[@v / 2];
}

# The floor: a plain QEMU boot to the ready line.
my @floor;
for my $i (1 .. $runs) {
    my $log = "$dir/floor-$i.log";
    my $t   = time;
    my $pid = spawn_bg(
        "$dir/floor-$i.out", 'qemu-system-x86_64', '-accel',   'tcg',
        '-cpu',              'max',                '-m',       1024,
        '-smp',              1,                    '-display', 'none',
        '-no-reboot',        '-nodefaults',        '-serial',  "file:$log",
        '-kernel',           $xen,                 '-append',  $cmdline
    );
    wait_match($log, $ready, 120) or die "lab-bench: plain QEMU: no ready line\n";
    push @floor, time - $t;
    stop_bg($pid);
}

my $web = start_nginx("$dir/web");
my $bmc = start_bmc(
    dir       => "$dir/bmc",
    name      => 'bipmi',
    tftp_root => "$dir/tftp-ipmi",
    memory    => 1024
);
my $lv  = start_libvirtd(File::Temp::tempdir('osst-lv-XXXXXX', TMPDIR => 1, CLEANUP => 1));
my $lab = "$dir/lab";
make_path("$lab/hosts", "$lab/networks");
system('cp', top_dir() . '/lab-configs/networks/labnet0', "$lab/networks/") == 0 or die;
put_file("$lab/hosts/blocal", "kind = qemu-local\nflags = bench\nsmp = 1\nmemory = 1024\n");
put_file("$lab/hosts/bnetboot",
    "kind = qemu-netboot\nflags = bench\nnetwork = labnet0\nmac = 52:54:00:73:00:31\nsmp = 1\nmemory = 1024\n"
);
put_file("$lab/hosts/bipmi", <<"END");
kind = ipmi
flags = bench
bmc-address = 127.0.0.1
bmc-port = $bmc->{port}
bmc-user = admin
bmc-password-file = $bmc->{password_file}
tftp-root = $dir/tftp-ipmi
http-root = $web->{root}/boot
http-url = http://10.0.2.2:$web->{port}/boot
smp = 1
memory = 1024
END
put_file("$lab/hosts/blibvirt", <<"END");
kind = libvirt
flags = bench
uri = $lv->{uri}
virsh-user = $lv->{user}
session-dir = $lv->{dir}
serial-dir = $lv->{dir}/serial
tftp-root = $dir/tftp-lv
http-put-url = $web->{url}/boot
http-url = http://10.0.2.2:$web->{port}/boot
smp = 1
memory = 1024
END
$ENV{OSSTEST_LAB_CONFIGS} = $lab;
my ($rc, $out) = osstest('hosts', 'add');
die "lab-bench: hosts add: $out" if $rc;

my %res;
for my $host (qw(blocal bnetboot bipmi blibvirt)) {
    for my $i (1 .. $runs) {
        my $t = time;
        ($rc, $out) = osstest('hosts', 'check', $host, '--xen', $xen, '--timeout', 120);
        my $wall = time - $t;
        die "lab-bench: hosts check $host failed: $out" if $rc;
        my ($boot) = $out =~ /check pass in ([\d.]+) s/;
        push @{$res{$host}{wall}},  $wall;
        push @{$res{$host}{check}}, $boot;
    }
}
my $f = median(@floor);
printf "lab: %d runs each, hypervisor %s\n", $runs,                         $xen;
printf "lab: %-28s median %6.2f s\n",        'plain QEMU to ready (floor)', $f;
for my $host (qw(blocal bnetboot bipmi blibvirt)) {
    my $kind = {
        blocal   => 'qemu-local',
        bnetboot => 'qemu-netboot',
        bipmi    => 'ipmi',
        blibvirt => 'libvirt'
    }->{$host};
    my $w = median(@{$res{$host}{wall}});
    my $c = median(@{$res{$host}{check}});
    printf
        "lab: hosts check %-12s median %6.2f s (power-cycle..ready..off %6.2f s), %.1fx the floor\n",
        $kind, $w, $c, $w / $f;
}
require Osstest::Host;
Osstest::Host::load($db, 'blibvirt')->virsh('undefine', 'blibvirt');
stop_bg($lv->{pid});
stop_bg($bmc->{pid});
stop_bg($web->{pid});
