#!/usr/bin/perl
# Osstest::Host::QemuLocal: boots a multiboot kernel directly under QEMU
# (TCG) with the host's settings, sees the "(XEN) ready" line on the serial
# console, powers off; a kernel that never gets ready times out; a missing
# QEMU is reported as exited with status 127 (the step calls that broken).
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use OsstestTest;
use Osstest::Host;

my $db = test_db();
osstest('hosts', 'add');
my $dir = $ENV{OSSTEST_RESULTS};
for my $v (['ready', ''], ['silent', '--defsym=SILENT=1']) {
    my ($name, $sym) = @$v;
    system("as --32 $sym -o $dir/$name.o " . data_dir() . "/tiny-kernel.S") == 0
        or BAIL_OUT('cannot assemble the test kernel');
    system("ld -m elf_i386 -Ttext=0x100000 -e _start -o $dir/$name $dir/$name.o") == 0
        or BAIL_OUT('cannot link the test kernel');
}
my $ready = qr/^\(XEN\) (\[[\s\d.]+\] )?ready\b/;
my $h     = Osstest::Host::load($db, 'tvhost1');
my $r     = $h->boot(
    kernel   => "$dir/ready",
    cmdline  => 'x',
    console  => "$dir/c1.log",
    wait_for => $ready,
    timeout  => 30
);
is($r,                  'ready', 'ready line seen on the serial console');
is($h->power('status'), 'on',    'the host is on');
my $pid = $h->{pid};
is($h->power('off'), 'off', 'power off');
ok(!kill(0, $pid), 'QEMU is gone');
my $cmd = join ' ', @{$h->{cmd}};
like($cmd, qr/-accel tcg -cpu max -m 256 -smp 1 /, 'QEMU settings from the host config');

$r = $h->boot(
    kernel   => "$dir/silent",
    console  => "$dir/c2.log",
    wait_for => $ready,
    timeout  => 3
);
is($r, 'timeout', 'a kernel that never gets ready times out');
$h->power('off');
like(do { local (@ARGV, $/) = "$dir/c2.log"; <> }, qr/still booting/, 'its console was captured');

$h->{props}{qemu} = '/nonexistent/qemu';
$r = $h->boot(kernel => "$dir/ready", console => "$dir/c3.log", wait_for => $ready, timeout => 5);
is($r,              'exited', 'missing QEMU: exited at once');
is($h->{exit} >> 8, 127,      '... with status 127');
eval { Osstest::Host::QemuLocal->new(host => 'x', props => {})->power('on') };
like($@, qr/power on needs a boot plan/, 'power on without a plan is refused');
done_testing;
