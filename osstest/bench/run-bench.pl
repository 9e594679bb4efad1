#!/usr/bin/perl
# osstest benchmarks (figures only, no assertions):
#  1. history and report over a database of 10,000 flights and 1,000,000
#     steps (built once under results/osstest-bench/, reused): median wall
#     time of the osstest command over 5 runs each.
#  2. gate on this project's own tree (a clone: master = HEAD~1, staging =
#     HEAD), from gate start to push decision, with an empty artefact store
#     (builds included) and a fresh database, so the baseline flight runs too;
#     then again with the baseline flight in place (warm). Skipped with
#     BENCH_GATE=0.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Path  qw(make_path remove_tree);
use Time::HiRes qw(time);
use Osstest::DB;
use Osstest::Util qw(top_dir);

my $top  = top_dir();
my $base = "$top/results/osstest-bench";
my $bin  = "$top/osstest/bin/osstest";
make_path($base);

sub median (@v) {
    @v = sort { $a <=> $b } @v;
    return $v[$#v / 2];
}

sub timed (@cmd) {
    my $t0  = time;
    my $out = qx{@cmd 2>&1};
    my $rc  = $? >> 8;
    return (time - $t0, $rc, $out);
}

sub scale_bench () {
    my $emb = Osstest::DB::Embedded->start("$base/pg");
    $emb->ensure_database('scale');
    local $ENV{OSSTEST_DSN}     = $emb->dsn('scale');
    local $ENV{OSSTEST_DB_USER} = 'osstest';
    local $ENV{OSSTEST_RESULTS} = "$base/results";
    my $db = Osstest::DB->connect(dsn => $ENV{OSSTEST_DSN}, user => 'osstest');
    my ($n) = $db->dbh->selectrow_array('SELECT count(*) FROM steps');
    if ($n != 1_000_000) {
        print "populating 10,000 flights / 1,000,000 steps...\n";
        $db->dbh->do('TRUNCATE flights, workers, hosts CASCADE');
        my $t0  = time;
        my $sql = do { local (@ARGV, $/) = "$FindBin::Bin/populate.sql"; <> };
        $db->dbh->do($sql);
        printf "populated in %.1f s\n", time - $t0;
    }
    my ($flights) = $db->dbh->selectrow_array('SELECT count(*) FROM flights');
    ($n) = $db->dbh->selectrow_array('SELECT count(*) FROM steps');
    print "database: $flights flights, $n steps\n";
    my @cases = (
        [
            'history JOB TESTID --all (10,000 rows)',
            $bin, 'history', 'test-xtf-x86_64-smp1', 'xtf/test-hvm64-t7', '--all', '>/dev/null'
        ],
        ['history JOB (50 rows)',       $bin, 'history', 'build-x86_64', '>/dev/null'],
        ['report of the newest flight', $bin, 'report',  10000,          '>/dev/null'],
        ['report of a middle flight',   $bin, 'report',  5000,           '>/dev/null'],
        ['startup: osstest --help',     $bin, 'hosts',   '--help',       '>/dev/null'],
    );
    for my $c (@cases) {
        my ($name, @cmd) = @$c;
        my @t = map { (timed(@cmd))[0] } 1 .. 5;
        printf "%-42s median %.3f s (5 runs, min %.3f, max %.3f)\n", $name, median(@t),
            (sort { $a <=> $b } @t)[0, -1];
    }
    $db->disconnect;
    $emb->release;
    return;
}

sub gate_bench () {
    my $dir = "$base/gate";
    remove_tree($dir);
    make_path($dir);
    my $repo = "$dir/repo";
    system('git', 'clone', '-q', $top, $repo) == 0 or die "clone failed\n";
    system('git', '-C', $repo, 'branch', '-f', 'master',  'HEAD~1') == 0 or die;
    system('git', '-C', $repo, 'branch', '-f', 'staging', 'HEAD') == 0   or die;
    local $ENV{OSSTEST_RESULTS}  = "$dir/results";
    local $ENV{RAISIN_ARTEFACTS} = "$dir/artefacts";
    local $ENV{OSSTEST_DSN};
    delete $ENV{OSSTEST_DSN};
    make_path("$dir/results");
    system($bin, 'hosts', 'add') == 0 or die "hosts add failed\n";
    my @gate = ($bin, 'gate', 'bench', '--repo', $repo, '--max-jobs', 2);
    my ($t, $rc, $out) = timed(@gate);
    my ($decision) = $out =~ /^decision: (.*)$/m;
    printf "gate, cold (baseline flight + flight, builds included): %.1f s, decision: %s\n",
        $t, $decision // "none (exit $rc)";
    print $out if !defined $decision;
    system('git', '-C', $repo, 'branch', '-f', 'master', 'HEAD~1') == 0 or die;
    ($t, $rc, $out) = timed(@gate);
    ($decision) = $out =~ /^decision: (.*)$/m;
    printf "gate, warm (baseline flight exists, artefacts reused): %.1f s, decision: %s\n",
        $t, $decision // "none (exit $rc)";
    return;
}

scale_bench();
gate_bench() unless ($ENV{BENCH_GATE} // 1) eq '0';
