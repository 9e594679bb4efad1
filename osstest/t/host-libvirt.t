#!/usr/bin/perl
# Osstest::Host::Libvirt against a real libvirt (a session daemon of its
# own, started here and stopped after): the domain XML is generated from the
# host file and defined; virsh start boots it over iPXE (boot script by
# TFTP, kernel and module put on nginx, the artefact store, by HTTP PUT and
# fetched from there) to the ready line on its serial
# console; virsh destroy powers it off; the hypervisor itself boots the
# same way when built. Bad host files are refused.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use File::Temp  ();
use OsstestTest;
use OsstestLab;
use Osstest::Host;
use Osstest::Util qw(top_dir);

my $db  = test_db();
my $dir = $ENV{OSSTEST_RESULTS};
my $web = start_nginx("$dir/web");

# A short directory: libvirt's UNIX socket paths must stay under 108 bytes.
my $lv  = start_libvirtd(File::Temp::tempdir('osst-lv-XXXXXX', TMPDIR => 1, CLEANUP => 1));
my $lab = "$dir/lab";
system('mkdir', '-p', "$lab/hosts") == 0 or die;
put_file("$lab/hosts/tlhost1", <<"END");
# A libvirt domain booted over iPXE.
kind = libvirt
flags = x86_64 libvirt
uri = $lv->{uri}
virsh-user = $lv->{user}
session-dir = $lv->{dir}
serial-dir = $lv->{dir}/serial
tftp-root = $dir/tftp
http-put-url = $web->{url}/boot
http-url = http://10.0.2.2:$web->{port}/boot
mac = 52:54:00:73:02:01
smp = 1
memory = 256
END
$ENV{OSSTEST_LAB_CONFIGS} = $lab;
my ($rc, $out) = osstest('hosts', 'add');
is($rc, 0, 'libvirt host added') or diag $out;
my $h = Osstest::Host::load($db, 'tlhost1');
isa_ok($h, 'Osstest::Host::Libvirt');
my $xml = $h->domain_xml;
like($xml, qr{<memory unit='MiB'>256</memory>},   'domain XML: memory from the host file');
like($xml, qr{<vcpu>1</vcpu>},                    'domain XML: vCPUs');
like($xml, qr{mac=52:54:00:73:02:01,bootindex=1}, 'domain XML: its NIC boots first');

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
is($r, 'ready', 'virsh start: booted over iPXE to the ready line on its serial console');
note sprintf 'libvirt power on to ready: %.1f s', time - $t;
my ($vrc, $list) = $h->virsh('list', '--name');
like($list,                           qr/^tlhost1$/m, 'virsh list shows the running domain');
like(slurp("$dir/console.log") // '', qr/iPXE/,       'the console shows the iPXE boot');
my $access = slurp("$web->{dir}/access.log") // '';
like($access, qr{"PUT /boot/tlhost1/kernel HTTP[^"]*" 20[14]}, 'kernel put on nginx (the store)');
like($access, qr{GET /boot/tlhost1/kernel HTTP},               'kernel fetched from nginx');
like($access, qr{GET /boot/tlhost1/m0 HTTP},                   'module fetched from nginx');
is($h->power('status'), 'on',  'power status: on');
is($h->power('off'),    'off', 'virsh destroy');
is($h->power('status'), 'off', 'power status: off');
($vrc, $list) = $h->virsh('list', '--name');
unlike($list, qr/tlhost1/, 'virsh list: not running any more');

my $top = top_dir();
SKIP: {
    skip 'no built xen/xen (make check builds it)', 1 unless -f "$top/xen/xen";
    $t = time;
    $r = $h->boot(
        kernel   => "$top/xen/xen",
        cmdline  => 'console=com1 com1=115200,8n1 loglvl=all',
        console  => "$dir/xen-console.log",
        wait_for => $ready,
        timeout  => 90
    );
    is($r, 'ready', 'the hypervisor booted on the libvirt host to its ready line');
    note sprintf 'hypervisor: libvirt power on to ready: %.1f s', time - $t;
    $h->power('off');
}
$h->virsh('undefine', 'tlhost1');

# Direct kernel boot: QEMU loads the kernel and its module itself.
put_file("$lab/hosts/tlhost2", <<"END");
kind = libvirt
flags = x86_64 libvirt direct
uri = $lv->{uri}
virsh-user = $lv->{user}
session-dir = $lv->{dir}
serial-dir = $lv->{dir}/serial
boot-method = direct
smp = 1
memory = 128
END
($rc, $out) = osstest('hosts', 'add', "$lab/hosts/tlhost2");
is($rc, 0, 'direct-boot libvirt host added') or diag $out;
my $h2 = Osstest::Host::load($db, 'tlhost2');
$r = $h2->boot(
    kernel   => $kernel,
    cmdline  => 'console=com1',
    modules  => ["$kernel a=1,b=2"],
    console  => "$dir/direct.log",
    wait_for => qr/\(XEN\) (\[[\s\d.]+\] )?ready\b/,    # after the BIOS's last line
    timeout  => 60
);
is($r, 'ready', 'direct kernel boot to the ready line');
like(
    slurp("$lv->{dir}/serial/tlhost2.xml") // '',
    qr{<kernel>\Q$kernel\E</kernel><cmdline>console=com1</cmdline><initrd>\Q$kernel\E a=1,,b=2</initrd>},
    'its domain XML names the kernel, command line and module'
);
$h2->power('off');
$h2->virsh('undefine', 'tlhost2');
($vrc, $list) = $h->virsh('list', '--all', '--name');
unlike($list, qr/tlhost1/, 'undefined');

put_file("$lab/hosts/bad", "kind = libvirt\nserial-dir = /tmp\n");
($rc, $out) = osstest('hosts', 'add', "$lab/hosts/bad");
like($out, qr{hosts/bad: a libvirt host needs 'tftp-root'}, 'a missing property is named');
put_file("$lab/hosts/bad",
    "kind = libvirt\nserial-dir = /x\ntftp-root = /x\nhttp-url = http://x\n");
($rc, $out) = osstest('hosts', 'add', "$lab/hosts/bad");
like($out, qr{hosts/bad: give http-root .* or http-put-url}, 'nowhere to put the boot files');
put_file("$lab/hosts/bad",
    "kind = libvirt\nserial-dir = /x\ntftp-root = /x\nhttp-root = /x\nhttp-url = http://x\nvirsh-user = nobody-here\n"
);
($rc, $out) = osstest('hosts', 'add', "$lab/hosts/bad");
like($out, qr{hosts/bad: 'virsh-user' names no user}, 'an unknown user is named');

my $lvpid = $lv->{pid};
stop_bg($lvpid);
ok(!kill(0, $lvpid), 'libvirtd stopped');
stop_bg($web->{pid});
done_testing;
