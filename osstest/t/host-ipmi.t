#!/usr/bin/perl
# Osstest::Host::IPMI against a real (simulated) BMC: OpenIPMI's ipmi_sim on
# loopback, whose power on starts the machine (QEMU with an IPMI KCS
# interface wired to it by ipmi-bmc-extern), driven by ipmitool lanplus.
# Power on/off/cycle/status; the serial console captured over
# serial-over-LAN; the machine boots over iPXE (TFTP boot script, kernel and
# modules from nginx) to the ready line: the tiny kernel, and the built
# hypervisor when there is one. The BMC password comes from a file or the
# environment and never shows on a command line; a password in a host file
# is refused.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use OsstestTest;
use OsstestLab;
use Osstest::Host;
use Osstest::Util qw(top_dir);

my $db  = test_db();
my $dir = $ENV{OSSTEST_RESULTS};
my $web = start_nginx("$dir/web");
my $bmc = start_bmc(dir => "$dir/bmc", name => 'tihost1', tftp_root => "$dir/tftp");
my $lab = "$dir/lab";
system('mkdir', '-p', "$lab/hosts") == 0 or die;
put_file("$lab/hosts/tihost1", <<"END");
# A machine with a BMC (ipmi_sim on loopback), booted over iPXE.
kind = ipmi
flags = x86_64 ipmi
bmc-address = 127.0.0.1
bmc-port = $bmc->{port}
bmc-user = admin
bmc-password-file = $bmc->{password_file}
tftp-root = $dir/tftp
http-root = $web->{root}/boot
http-url = http://10.0.2.2:$web->{port}/boot
smp = 1
memory = 256
END
$ENV{OSSTEST_LAB_CONFIGS} = $lab;
my ($rc, $out) = osstest('hosts', 'add');
is($rc, 0, 'ipmi host added') or diag $out;
my $h = Osstest::Host::load($db, 'tihost1');
isa_ok($h, 'Osstest::Host::IPMI');
is($h->power('status'), 'off', 'chassis power status: off');

my $kernel = tiny_kernel($dir);
my $ready  = qr/^\(XEN\) (\[[\s\d.]+\] )?ready\b/;
my $t      = time;
my $r      = $h->boot(
    kernel   => $kernel,
    cmdline  => 'console=com1',
    modules  => ["$kernel role=x"],
    console  => "$dir/console.log",
    wait_for => $ready,
    timeout  => 60
);
is($r, 'ready', 'booted over iPXE; the ready line came over serial-over-LAN');
note sprintf 'ipmi power on to ready: %.1f s', time - $t;
is($h->power('status'), 'on', 'chassis power status: on');
my $access = slurp("$web->{dir}/access.log") // '';
like($access, qr{GET /boot/tihost1/kernel HTTP}, 'kernel fetched from nginx');
like($access, qr{GET /boot/tihost1/m0 HTTP},     'module fetched from nginx');
my $sol     = $h->{sol_pid};
my $cmdline = slurp("/proc/$sol/cmdline") // '';
unlike($cmdline, qr/lab-secret/, 'the password is not on the serial-over-LAN command line');
like($cmdline, qr/-f\0\Q$bmc->{password_file}\E/, '... which reads it from the file');

sub machines () {
    my @pids = map { m{(\d+)$} } glob('/proc/[0-9]*');
    my $re   = qr/tftp=\Q$dir\E\/tftp/;
    return grep { (slurp("/proc/$_/cmdline") // '') =~ $re } @pids;
}
my @m1 = machines();
is(scalar @m1, 1, 'one machine process is on');
$h->power('cycle');
my $n        = 0;
my $deadline = time + 60;
while (time < $deadline) {
    $n = () = (slurp("$dir/console.log") // '') =~ /ready/g;
    last if $n >= 2;
    sleep 0.2;
}
is($n, 2, 'power cycle: the machine booted again, seen on the same console');
my @m2 = machines();
ok(@m2 == 1 && $m2[0] != $m1[0], 'a new machine process after the cycle');
is($h->power('off'),    'off', 'power off');
is($h->power('status'), 'off', 'chassis power status: off again');
sleep 0.5;
is(scalar(machines()), 0, 'the machine process is gone');
ok(!kill(0, $sol), 'the serial-over-LAN capture stopped');

# The password from the environment (ipmitool -E) works too; none, or a
# wrong one, is a clear error.
delete $h->{props}{'bmc-password-file'};
$h->{props}{'bmc-password-env'} = 'TIHOST1_BMC_PASSWORD';
eval { $h->power('status') };
like($@, qr/no BMC password: set bmc-password-file .* TIHOST1_BMC_PASSWORD/, 'no password');
$ENV{TIHOST1_BMC_PASSWORD} = 'lab-secret';
is($h->power('status'), 'off', 'password from the environment');
$ENV{TIHOST1_BMC_PASSWORD} = 'wrong';
eval { $h->power('status') };
like($@, qr/ipmitool chassis power status failed/, 'a wrong password is an error');

# The real hypervisor through the same path.
my $top = top_dir();
SKIP: {
    skip 'no built xen/xen (make check builds it)', 1 unless -f "$top/xen/xen";
    $ENV{TIHOST1_BMC_PASSWORD} = 'lab-secret';
    $t                         = time;
    $r                         = $h->boot(
        kernel   => "$top/xen/xen",
        cmdline  => 'console=com1 com1=115200,8n1 loglvl=all',
        console  => "$dir/xen-console.log",
        wait_for => $ready,
        timeout  => 90
    );
    is($r, 'ready', 'the hypervisor booted over iPXE on the ipmi host to its ready line');
    note sprintf 'hypervisor: ipmi power on to ready: %.1f s', time - $t;
    $h->power('off');
}

# Passwords never in lab-configs.
put_file("$lab/hosts/bad", "kind = ipmi\nbmc-password = x\n");
($rc, $out) = osstest('hosts', 'add', "$lab/hosts/bad");
like(
    $out,
    qr{hosts/bad: 'bmc-password': BMC passwords do not belong in lab-configs},
    'a password in a host file is refused'
);
put_file("$lab/hosts/bad", "kind = ipmi\nbmc-address = 127.0.0.1\n");
($rc, $out) = osstest('hosts', 'add', "$lab/hosts/bad");
like($out, qr{hosts/bad: an ipmi host needs 'bmc-user'}, 'a missing property is named');

my $bmc_pid = $bmc->{pid};
stop_bg($bmc_pid);
ok(!kill(0, $bmc_pid), 'ipmi_sim stopped');
stop_bg($web->{pid});
done_testing;
