#!/usr/bin/perl
# Host health: `osstest hosts check` power-cycles a host, boots a hypervisor
# (by default the newest passing build of a real flight), waits for its
# ready line and records the result; a host that fails its check three times
# in a row is quarantined (broken, with the reason) by itself, a pass starts
# the count again, broken jobs on a host count too, `hosts free` clears it;
# `hosts history` shows checks, jobs and the quarantine; a host allocated to
# a job is not checked.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use OsstestTest;
use OsstestLab;
use Osstest::Flight;
use Osstest::Host::Health;

my $db = test_db();
my ($rc, $out) = osstest('hosts', 'add');
is($rc, 0, 'hosts added') or diag $out;
my $dir    = $ENV{OSSTEST_RESULTS};
my $ready  = tiny_kernel($dir, 'ready');
my $silent = tiny_kernel($dir, 'silent', 1);

($rc, $out) = osstest('hosts', 'check', 'tvhost1');
like($out, qr/no baseline hypervisor/, 'no baseline build yet: said so');

for my $n (1 .. 3) {
    ($rc, $out) = osstest('hosts', 'check', 'tvhost1', '--xen', $silent, '--timeout', 2);
    is($rc, 1, "check $n of a host that never gets ready fails");
    like($out, qr/tvhost1: check fail .*no ready line in time/, "... and says why ($n)");
    if ($n < 3) {
        unlike((osstest('hosts'))[1], qr/^tvhost1 .*broken/m, "not quarantined after $n");
    }
}
like($out, qr/tvhost1: quarantined: 3 failures in a row/, 'the third check quarantined it');
like(
    (osstest('hosts'))[1],
    qr/^tvhost1 .*broken: quarantined: 3 failures in a row, last: check fail/m,
    'hosts list: broken with the reason'
);
($rc, $out) = osstest('hosts', 'history', 'tvhost1');
is($rc, 0, 'hosts history');
my @lines = split /\n/, $out;
like($lines[0], qr/quarantine\s+quarantined/, 'history: the quarantine, newest first');
is(scalar(grep { /^\S+ \S+\s+check\s+fail/ } @lines), 3, 'history: the three failed checks');
my $t = time;
($rc, $out) = osstest('hosts', 'free', 'tvhost1');
unlike((osstest('hosts'))[1], qr/^tvhost1 .*broken/m, 'hosts free: usable again');

# A passing check starts the count again; the baseline comes from the newest
# passing build of a real flight.
my $f = synth_flight(
    $db,
    branch   => 'xen-unstable',
    revision => 'r1',
    jobs     => {'build-x86_64' => {status => 'pass'}}
);
my ($build) = map { $_->{job_id} } @{Osstest::Flight::jobs($db, $f)};
system('mkdir', '-p',   "$dir/build/boot") == 0     or die;
system('cp',    $ready, "$dir/build/boot/xen") == 0 or die;
Osstest::Flight::set_runvar($db, $build, 'path_xen', "$dir/build");
osstest('hosts', 'check', 'tvhost2', '--xen', $silent, '--timeout', 2) for 1 .. 2;
($rc, $out) = osstest('hosts', 'check', 'tvhost2');
is($rc, 0, 'check with the baseline build passes') or diag $out;
like($out, qr/tvhost2: check pass in [\d.]+ s \(ready\)/, '... to the ready line');
osstest('hosts', 'check', 'tvhost2', '--xen', $silent, '--timeout', 2);
unlike((osstest('hosts'))[1], qr/^tvhost2 .*broken/m, 'fail fail pass fail: not quarantined');

# Broken jobs count against their host; a failed job (the code under test)
# does not.
my $f2 = synth_flight(
    $db,
    branch   => 'b',
    revision => 'r2',
    jobs     => {map { ("job$_" => {status => 'broken'}) } 1 .. 4}
);
my @ids = map { $_->{job_id} } @{Osstest::Flight::jobs($db, $f2)};
Osstest::Host::Health::record_job($db, 'tvhost2', $ids[0], 'broken');
Osstest::Host::Health::record_job($db, 'tvhost2', $ids[1], 'fail');
unlike(
    (osstest('hosts'))[1],
    qr/^tvhost2 .*broken/m,
    'a failed check, a broken job, a failed job: not yet'
);
my $q = Osstest::Host::Health::record_job($db, 'tvhost2', $ids[2], 'broken');
like(
    $q // '',
    qr/quarantined: 3 failures in a row, last: job broken \(flight $f2 job job3\)/,
    'a further broken job quarantined it'
);
osstest('hosts', 'free', 'tvhost2');

# A job run by the executor is recorded on its host.
my $tmpl = put_file("$dir/one.tmpl", <<"END");
tree main
job boot recipe=test hostflags=virt,one
    runvar xen_image = $ready
    runvar xen_cmdline = console=com1
    step host-boot ts-host-boot
END
my $repo = make_repo();
my $f3;
($rc, $f3) = osstest('make-flight', 'lab', '--template', $tmpl, '--repo', $repo);
chomp $f3;
($rc, $out) = osstest('run-flight', $f3);
is($rc, 0, 'a flight on tvhost1 passed') or diag $out;
like(
    (osstest('hosts', 'history', 'tvhost1'))[1],
    qr/^\S+ \S+\s+job\s+pass\s+flight $f3 job boot/m,
    'its job is in the host history'
);

# A host allocated to a job is not checked.
$db->dbh->do('INSERT INTO allocations (host, job_id) VALUES (?, ?)', undef, 'tvhost2', $ids[0]);
($rc, $out) = osstest('hosts', 'check', 'tvhost2', '--xen', $ready);
like($out, qr/host tvhost2 is allocated/, 'an allocated host is not checked');
done_testing;
