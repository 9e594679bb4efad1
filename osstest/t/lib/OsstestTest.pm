package OsstestTest;

# Test helpers: a fresh database per test file in the test cluster (started
# here if the suite runner did not), a private results directory, running
# the osstest command, and throw-away git repositories.

use v5.36;
use strict;
use warnings;
use Cwd            qw(abs_path);
use File::Basename qw(dirname basename);
use File::Path     qw(make_path remove_tree);
use Exporter       qw(import);
use Osstest::DB;
use Osstest::Util qw(top_dir);

our @EXPORT = qw(test_db osstest make_repo git data_dir synth_flight);

my $EMB;

sub data_dir () { return top_dir() . '/osstest/t/data' }

# A connected Osstest::DB on a new, empty (migrated) database of its own;
# OSSTEST_DSN, OSSTEST_RESULTS and OSSTEST_LAB_CONFIGS point at it and at
# private directories, so commands run by the test use them too.
sub test_db () {
    my $name  = basename($0) =~ s/\W/_/gr;
    my $base  = $ENV{OSSTEST_TEST_DIR} // top_dir() . '/results/osstest-test';
    my $pgdir = "$base/pg";
    $EMB //= Osstest::DB::Embedded->start($pgdir);
    my $dbname = lc "t_${name}_$$";
    $EMB->ensure_database($dbname);
    my $results = "$base/results-$name-$$";
    remove_tree($results);
    make_path($results);
    $ENV{OSSTEST_RESULTS}     = $results;
    $ENV{OSSTEST_DSN}         = $EMB->dsn($dbname);
    $ENV{OSSTEST_DB_USER}     = 'osstest';
    $ENV{OSSTEST_LAB_CONFIGS} = data_dir() . '/lab';
    delete $ENV{OSSTEST_CONFIG};
    return Osstest::DB->connect(dsn => $ENV{OSSTEST_DSN}, user => 'osstest');
}

# Run bin/osstest ARGS; returns (exit status, combined output).
sub osstest (@args) {
    my $bin = top_dir() . '/osstest/bin/osstest';
    my $pid = open my $fh, '-|' // die "fork: $!";
    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT;
        exec $bin, @args or die "exec $bin: $!";
    }
    my $out = do { local $/; <$fh> }
        // '';
    close $fh;
    return ($? >> 8, $out);
}

sub git ($dir, @args) {
    my $pid = open my $fh, '-|' // die "fork: $!";
    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT;
        exec 'git', '-C', $dir, @args or die "exec git: $!";
    }
    my $out = do { local $/; <$fh> }
        // '';
    close $fh;
    die "git @args failed: $out" if $?;
    chomp $out;
    return $out;
}

# A throw-away git repository with the files of t/data/repo committed on
# master, and staging at the same commit.
sub make_repo ($name = 'repo') {
    my $dir = "$ENV{OSSTEST_RESULTS}/$name";
    remove_tree($dir);
    make_path($dir);
    system('cp', '-a', data_dir() . '/repo/.', $dir) == 0 or die 'cp failed';
    git($dir, 'init',   '-q',         '-b', 'master');
    git($dir, 'config', 'user.email', 'ci@example.invalid');
    git($dir, 'config', 'user.name',  'CI test');
    git($dir, 'add',    '.');
    git($dir, 'commit', '-q', '-m', 'initial');
    git($dir, 'branch', 'staging');
    return $dir;
}

# Insert a finished flight directly: JOBS = {job => {status => S, steps =>
# [[testid, kind, status, ...more attempts' statuses]]}}. Returns its number.
sub synth_flight ($db, %a) {
    my $dbh = $db->dbh;
    my ($f) = $dbh->selectrow_array(
        q{INSERT INTO flights (branch, blessing, intended, revision, baseline_revision,
                               started, finished)
          VALUES (?, ?, 'real', ?, ?, now(), now()) RETURNING flight}, undef,
        $a{branch}, $a{blessing} // 'real', $a{revision}, $a{baseline_revision} // ''
    );
    for my $job (sort keys %{$a{jobs}}) {
        my $j = $a{jobs}{$job};
        my ($id) = $dbh->selectrow_array(
            q{INSERT INTO jobs (flight, job, recipe, status, started, finished)
              VALUES (?, ?, 'test', ?, now(), now()) RETURNING job_id}, undef, $f, $job,
            $j->{status}
        );
        my $n = 0;
        for my $s (@{$j->{steps} // []}) {
            my ($testid, $kind, @statuses) = @$s;
            my $attempt = 0;
            for my $st (@statuses) {
                $n++;
                $attempt++;
                $dbh->do(
                    q{INSERT INTO steps (job_id, stepno, testid, attempt, kind, status,
                                         finished, log)
                      VALUES (?, ?, ?, ?, ?, ?, now(), ?)}, undef, $id, $n, $testid,
                    $attempt, $kind, $st, "flights/$f/$job/$n.log"
                );
            }
        }
    }
    return $f;
}

END {
    $EMB->release if $EMB;
}

1;
