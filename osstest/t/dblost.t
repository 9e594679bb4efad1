#!/usr/bin/perl
# Losing the database mid-flight: run-flight stops its jobs and ends with
# one clear line (no raw DBI error) saying to run it again; run again once
# the database is back, it resumes and finishes the flight.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep time);
use OsstestTest;
use Osstest::DB;

test_db();    # private results and lab; the database is one of our own below
my $dir = "$ENV{OSSTEST_RESULTS}/pg-lost";
my $emb = Osstest::DB::Embedded->start($dir);
$emb->ensure_database('lost');
$ENV{OSSTEST_DSN} = $emb->dsn('lost');
my $db = Osstest::DB->connect(dsn => $ENV{OSSTEST_DSN}, user => 'osstest');
osstest('hosts', 'add');
my $repo = make_repo();
my ($rc, $f) =
    osstest('make-flight', 'lost', '--template', data_dir() . '/resume.tmpl', '--repo', $repo);
chomp $f;

my $log = "$ENV{OSSTEST_RESULTS}/run.log";
my $pid = fork // die;
if ($pid == 0) {
    open STDOUT, '>',  $log;
    open STDERR, '>&', \*STDOUT;
    exec "$FindBin::Bin/../bin/osstest", 'run-flight', $f;
}
my $until = time + 60;
my $running;
while (time < $until && !$running) {
    ($running) = $db->dbh->selectrow_array(
        q{SELECT 1 FROM steps s JOIN jobs j USING (job_id)
          WHERE j.flight = ? AND s.testid = 'slow' AND s.status = 'running'}, undef, $f
    );
    sleep 0.2;
}
ok($running, 'the slow step is running');
$db->dbh->disconnect;
$emb->run_as(Osstest::DB::Embedded::pg_bin('pg_ctl'), '-D', $emb->{data}, '-m', 'immediate',
    'stop');
waitpid $pid, 0;
my $code = $? >> 8;
my $out  = do { local (@ARGV, $/) = $log; <> }
    // '';
isnt($code, 0, 'run-flight fails when the database goes away');
my @lines = split /\n/, $out;
like(
    $lines[-1],
    qr/^osstest: flight $f: lost the database .*run 'osstest run-flight $f' again/,
    'it ends with one line saying to rerun run-flight'
) or diag $out;
unlike($out, qr/DBD::Pg|DBI |at \S+\.pm line/, 'no raw DBI error') or diag $out;

# The database is back: run again, the flight resumes and finishes.
$emb = Osstest::DB::Embedded->start($dir);
($rc, $out) = osstest('run-flight', $f);
is($rc, 0, 'run again, the flight finishes') or diag $out;
$db = Osstest::DB->connect(dsn => $ENV{OSSTEST_DSN}, user => 'osstest');
my ($n) = $db->dbh->selectrow_array(
    q{SELECT count(*) FROM steps s JOIN jobs j USING (job_id)
      WHERE j.flight = ? AND s.testid = 'after' AND s.status = 'pass'}, undef, $f
);
is($n, 1, 'the steps after the interrupted one ran');
$db->disconnect;
$emb->release;
done_testing;
