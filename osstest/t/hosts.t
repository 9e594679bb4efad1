#!/usr/bin/perl
# Osstest::Host and "osstest hosts": host files are parsed with errors named
# by file and line; add, list, flag, broken, free work; allocation gives a
# free host with all the flags, never the same host twice even to concurrent
# transactions (FOR UPDATE SKIP LOCKED), tells "busy" from "no such host";
# allocations of a worker whose heartbeat expired or whose process died are
# freed and its jobs queued again.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use OsstestTest;
use Osstest::DB;
use Osstest::Host;
use Osstest::Executive;

my $db = test_db();
my ($rc, $out) = osstest('hosts', 'add');
is($rc, 0, 'hosts add') or diag $out;
like($out, qr/added tvhost1\nadded tvhost2/, 'both hosts added');
($rc, $out) = osstest('hosts');
like($out, qr/^tvhost1\s+qemu-local\s+one,virt\s+free$/m, 'list shows flags and state');
($rc, $out) = osstest('hosts', 'flag', 'tvhost1', '+fast', '-one');
($rc, $out) = osstest('hosts', 'list');
like($out, qr/^tvhost1\s+qemu-local\s+fast,virt\s+free$/m, 'flags set and cleared');
($rc, $out) = osstest('hosts', 'add', data_dir() . '/lab/hosts/tvhost1');
like(osstest('hosts'), qr/tvhost1 .*one,virt/, 're-adding restores the configured flags');
($rc, $out) = osstest('hosts', 'broken', 'tvhost2', 'disk', 'died');
like((osstest('hosts'))[1], qr/^tvhost2 .*broken: disk died$/m, 'marked broken');
($rc, $out) = osstest('hosts', 'flag', 'nohost', 'x');
like($out, qr/no host 'nohost'/, 'unknown host named');
my $h = Osstest::Host::load($db, 'tvhost1');
isa_ok($h, 'Osstest::Host::QemuLocal');
is($h->smp,      1,     'smp property');
is($h->memory,   256,   'memory property');
is($h->qemu_cpu, 'max', 'default cpu model');

# Bad host files.
sub bad_host ($text, $re, $what) {
    my $f = "$ENV{OSSTEST_RESULTS}/badhost";
    open my $fh, '>', $f or die;
    print $fh $text;
    close $fh;
    eval { Osstest::Host::parse_config($f) };
    like($@, $re, $what);
}
bad_host("kind = qemu-local\nnonsense\n",   qr/badhost:2: expected 'key = value'/, 'bad line');
bad_host("flags = a\n",                     qr/badhost: no 'kind' line/,           'no kind');
bad_host("kind = ipmi-magic\n",             qr/unknown kind 'ipmi-magic'/,         'unknown kind');
bad_host("kind = qemu-local\nsmp = lots\n", qr/'smp' must be a positive number/,   'bad smp');
bad_host("kind = qemu-local\ncolour = red\n", qr/unknown property 'colour'/, 'unknown property');

# Allocation.
osstest('hosts', 'free', 'tvhost2');
my $dbh      = $db->dbh;
my ($flight) = $dbh->selectrow_array(q{INSERT INTO flights (branch) VALUES ('x') RETURNING flight});
my @job      = map {
    scalar $dbh->selectrow_array(
        q{INSERT INTO jobs (flight, job, recipe) VALUES (?, ?, 'r') RETURNING job_id},
        undef, $flight, "j$_")
} 1 .. 3;
my $w    = Osstest::Executive->new($db, quiet => 1);
my $db2  = Osstest::DB->connect(dsn => $ENV{OSSTEST_DSN}, no_migrate => 1);
my $dbh2 = $db2->dbh;
$dbh->begin_work;
$dbh2->begin_work;
my $h1 = Osstest::Executive::allocate_host($dbh,  $job[0], $w->{worker}, 'virt');
my $h2 = Osstest::Executive::allocate_host($dbh2, $job[1], $w->{worker}, 'virt');
ok($h1 && $h2 && $h1 ne $h2, "concurrent transactions get different hosts ($h1, $h2)");
$dbh->commit;
$dbh2->commit;
$dbh->begin_work;
is(Osstest::Executive::allocate_host($dbh, $job[2], $w->{worker}, 'virt'),
    '', 'all busy: empty string (wait)');
is(Osstest::Executive::allocate_host($dbh, $job[2], $w->{worker}, 'virt', 'gpu'),
    undef, 'no host has the flags: undef');
$dbh->commit;
like(
    (osstest('hosts'))[1],
    qr/tvhost1 .*allocated to flight $flight job j1/,
    'list shows the allocation'
);

# A worker on another machine whose heartbeat stopped: freed after expiry.
my ($other) = $dbh->selectrow_array(
    q{INSERT INTO workers (hostname, pid, heartbeat)
      VALUES ('elsewhere', 1, now() - interval '10 minutes') RETURNING worker}
);
$dbh->do(q{UPDATE allocations SET worker = ? WHERE job_id = ?}, undef, $other, $job[0]);
$dbh->do(q{UPDATE jobs SET status = 'running', worker = ? WHERE job_id = ?}, undef, $other,
    $job[0]);
my ($fresh) = $dbh->selectrow_array(
    q{INSERT INTO workers (hostname, pid) VALUES ('elsewhere', 1) RETURNING worker});
is(Osstest::Executive::sweep_dead_workers($db, $w->{worker}), 1, 'one dead worker swept');
ok(!$dbh->selectrow_array('SELECT 1 FROM allocations WHERE job_id = ?', undef, $job[0]),
    'its allocation is freed');
is($dbh->selectrow_array('SELECT status FROM jobs WHERE job_id = ?', undef, $job[0]),
    'queued', 'its job is queued again');
ok($dbh->selectrow_array('SELECT 1 FROM workers WHERE worker = ?', undef, $fresh),
    'a worker elsewhere with a fresh heartbeat is left alone');

# A worker on this machine whose process is gone: freed at once.
my $pid = fork // die;
if (!$pid) { POSIX::_exit(0) }
waitpid $pid, 0;
my ($gone) =
    $dbh->selectrow_array(q{INSERT INTO workers (hostname, pid) VALUES (?, ?) RETURNING worker},
    undef, Sys::Hostname::hostname(), $pid);
$dbh->do(q{UPDATE allocations SET worker = ? WHERE job_id = ?}, undef, $gone, $job[1]);
is(Osstest::Executive::sweep_dead_workers($db, $w->{worker}), 1, 'dead local worker swept');
is($dbh->selectrow_array('SELECT count(*) FROM allocations'), 0, 'every allocation freed');
($rc, $out) = osstest('hosts', 'free', 'tvhost1');
is($rc, 0, 'hosts free');
$w->finish;
done_testing;
