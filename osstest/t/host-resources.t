#!/usr/bin/perl
# Hosts are resources. bin/osstest-boot-target boots a host through its own
# methods (here a network-booted host: iPXE, DHCP/TFTP, HTTP) and holds the
# host's lock: a second boot of the same host waits until the first powered
# off. xtf-runner --boot-target runs its boots on that host, one at a time,
# instead of its own QEMUs. In a flight, two jobs that can only get the same
# host run one after the other, and every job records its host and the
# controller it ran on.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use OsstestTest;
use OsstestLab;
use Osstest::Flight;
use Osstest::Host;
use Osstest::Util qw(top_dir);

my $db = test_db();
$ENV{OSSTEST_LAB_CONFIGS} = data_dir() . '/lab-net';
my ($rc, $out) = osstest('hosts', 'add');
is($rc, 0, 'hosts added') or diag $out;
my $dir    = $ENV{OSSTEST_RESULTS};
my $kernel = tiny_kernel($dir);
my $target = top_dir() . '/osstest/bin/osstest-boot-target';
my $ready  = qr/^\(XEN\) (\[[\s\d.]+\] )?ready\b/m;

sub namespaces () {
    return grep { /^osst-/ } map { (split)[0] } `ip netns list 2>/dev/null`;
}

my $b1 = spawn_bg(
    "$dir/bt1.out",    $target,     'tnhost1',      '--kernel',
    $kernel,           '--cmdline', 'console=com1', '--module',
    "$kernel a=1,b=2", '--console', "$dir/bt1.console"
);
ok(wait_match("$dir/bt1.console", $ready, 60), 'boot target: the host booted over iPXE to ready');
like(
    slurp("$dir/bt1.console.net/tftp/boot.ipxe") // '',
    qr{^module http://\S+ a=1,b=2$}m,
    'its module went over HTTP with its arguments unescaped'
);
my $b2 = spawn_bg("$dir/bt2.out", $target, 'tnhost1', '--kernel', $kernel, '--console',
    "$dir/bt2.console");
sleep 2;
ok(!-e "$dir/bt2.console", 'a second boot of the same host waits for its lock');
is(scalar(grep { /-\Q$b1\E$/ } namespaces()), 1, 'the lab namespace of the boot is up');
is(stop_bg($b1), 0, 'SIGTERM: the boot target powered the host off and exited 0');
ok(wait_match("$dir/bt2.console", $ready, 60), 'then the second boot got the host');
is(stop_bg($b2),                                        0, 'second boot target stopped');
is(scalar(grep { /-(\Q$b1\E|\Q$b2\E)$/ } namespaces()), 0, 'no namespace left behind');
like(slurp("$dir/bt1.out") . slurp("$dir/bt2.out"), qr/^$/, 'the boot targets printed no error');

# A bad plan is refused clearly.
($rc, $out) = (
    system("$target tnhost1 --kernel /nonexistent --console $dir/x 2>$dir/bad.err"),
    slurp("$dir/bad.err")
);
like($out, qr{no kernel /nonexistent}, 'a missing kernel is named');

# xtf-runner on the allocated host instead of its own QEMUs, packed to what
# the host's iPXE carries: 8 modules, and 512 bytes for all command lines
# (each after its URL). Nine tests take two boots; the first boot's seven
# test domains get their settings from the table module (without it, iPXE
# would cut the command lines from the fourth or fifth module on, and those
# domains would come up unnamed, with no result).
my $top = top_dir();
SKIP: {
    skip 'no built xen/xen and xtf/build (make check builds them)', 7
        unless -f "$top/xen/xen" && -f "$top/xtf/build/test-hvm64-example";
    my $h     = Osstest::Host::load($db, 'tnhost1');
    my @tests = map { "test-$_" } qw(hvm64-example hvm32-example hvm32pae-example
        hvm32pse-example hvm64-xen-version hvm64-hcall-unknown hvm64-start-info hvm64-cpuid
        hvm64-libc);
    my @cmd = (
        "$top/xtf/xtf-runner",    '--xen',
        "$top/xen/xen",           '--smp',
        1,                        '--memory',
        256,                      '--results',
        "$dir/xtf",               '--json',
        "$dir/xtf.json",          '--boot-target',
        "$target tnhost1",        '--max-modules',
        $h->max_boot_modules,     '--loader-cmdline-bytes',
        $h->loader_cmdline_bytes, '--loader-url-bytes',
        $h->loader_url_bytes,     @tests
    );
    my $t = time;
    system(join(" ", map { "'$_'" } @cmd) . " >$dir/xtf.out 2>&1");
    is($? >> 8, 0, 'xtf-runner --boot-target: all nine tests passed')
        or diag slurp("$dir/xtf.out");
    note sprintf 'runner on the network-booted host: %.1f s', time - $t;
    my $j = slurp("$dir/xtf.json") // '';
    is(scalar(() = $j =~ /"result": "SUCCESS"/g), 9, 'runner JSON: nine successes');
    my @boots = sort glob("$dir/xtf/boots/boot-*.log.net/http.log");
    is(scalar @boots, 2, 'two boots went through the lab network');
    like(slurp($boots[0]) // '', qr{GET /m7 HTTP}, 'the first carried 8 modules (table + 7)');
    my $ipxe = "$dir/xtf/boots/boot-0.log.net/tftp/boot.ipxe";
    unlike(slurp($ipxe) // '', qr{^module \S+ \S}m, 'its module lines carry no arguments');
    my $console = "$dir/xtf/boots/boot-0.log";
    like(
        slurp($console) // '',
        qr{domain d7 'test-\S+' created},
        'its seventh domain got its name from the table'
    );
    unlike(slurp($console) // '', qr{module table .* line}, 'the table had no bad line');
}

# Two jobs that can only get the one host with flag 'one' run one after the
# other.
osstest('hosts', 'add', data_dir() . '/lab/hosts/tvhost1');
my $tmpl = put_file("$dir/serial.tmpl", <<"END");
tree main
job boot-a recipe=test hostflags=virt,one
    runvar xen_image = $kernel
    runvar xen_cmdline = console=com1
    step host-boot ts-host-boot
job boot-b recipe=test hostflags=virt,one
    runvar xen_image = $kernel
    runvar xen_cmdline = console=com1
    step host-boot ts-host-boot
job build recipe=build
    step checkout ts-checkout main
END
my $repo = make_repo();
my $f;
($rc, $f) = osstest('make-flight', 'lab', '--template', $tmpl, '--repo', $repo);
chomp $f;
($rc, $out) = osstest('run-flight', $f, '--max-jobs', 3);
is($rc, 0, 'flight passed') or diag $out;
my %j = map { $_->{job} => $_ } @{Osstest::Flight::jobs($db, $f)};
my %rv =
    map { $_ => Osstest::Flight::runvars($db, $j{$_}{job_id}) } qw(boot-a boot-b build);
is($rv{'boot-a'}{host}, 'tvhost1', 'job boot-a records its host');
is($rv{'boot-b'}{host}, 'tvhost1', 'job boot-b records its host');
ok($rv{$_}{controller}, "job $_ records its controller") for qw(boot-a boot-b build);
my ($overlap) = $db->dbh->selectrow_array(
    q{SELECT count(*) FROM jobs a JOIN jobs b ON a.job_id < b.job_id
      WHERE a.flight = ? AND b.flight = ? AND a.job LIKE 'boot-%' AND b.job LIKE 'boot-%'
        AND a.started < b.finished AND b.started < a.finished}, undef, $f, $f
);
is($overlap, 0, 'the two jobs on one host did not overlap');
done_testing;
