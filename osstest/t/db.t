#!/usr/bin/perl
# Osstest::DB: the embedded cluster is created, started and stopped by the
# last user (and runs as a non-root user when we are root); migrations apply
# once, in order, and again is a no-op; bad migration names and config files
# are reported with their name and line; transactions roll back on error.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use File::Path qw(make_path);
use OsstestTest;
use Osstest::DB;

my $db    = test_db();
my $dbh   = $db->dbh;
my @files = glob("$FindBin::Bin/../schema/*.sql");
my ($n)   = $dbh->selectrow_array('SELECT count(*) FROM schema_migrations');
is($n, scalar @files, 'every migration applied');
$db->migrate;
($n) = $dbh->selectrow_array('SELECT count(*) FROM schema_migrations');
is($n, scalar @files, 'migrating again applies nothing');
ok($dbh->selectrow_array(q{SELECT to_regclass('steps') IS NOT NULL}), 'steps table exists');

# A migration directory with a bad name.
my $bad = "$ENV{OSSTEST_RESULTS}/badschema";
make_path($bad);
open my $fh, '>', "$bad/oops.sql" or die;
close $fh;
eval { $db->migrate($bad) };
like($@, qr{badschema/oops\.sql: migration names must be NNNN-name\.sql}, 'bad migration name');

# A failing migration is rolled back and named.
unlink "$bad/oops.sql";
open $fh, '>', "$bad/0999-broken.sql" or die;
print $fh "CREATE TABLE half_done (x int);\nTHIS IS NOT SQL;\n";
close $fh;
eval { $db->migrate($bad) };
like($@, qr{0999-broken\.sql failed}, 'failing migration reported');
ok(!$dbh->selectrow_array(q{SELECT to_regclass('half_done') IS NOT NULL}),
    'failing migration rolled back');

# txn: a die inside rolls back.
eval {
    $db->txn(sub ($h) { $h->do(q{INSERT INTO hosts (host, kind) VALUES ('x', 'k')}); die "no\n" });
};
is($@, "no\n", 'txn passes the error on');
ok(!$dbh->selectrow_array(q{SELECT 1 FROM hosts WHERE host = 'x'}), 'txn rolled back');

# Config file parsing.
my $conf = "$ENV{OSSTEST_RESULTS}/conf";
open $fh, '>', $conf or die;
print $fh "# comment\ndsn = dbi:Pg:dbname=x;host=/tmp\n";
close $fh;
{
    local $ENV{OSSTEST_CONFIG} = $conf;
    is(Osstest::DB::config_dsn(), 'dbi:Pg:dbname=x;host=/tmp', 'dsn read from config file');
    open $fh, '>>', $conf or die;
    print $fh "garbage line\n";
    close $fh;
    eval { Osstest::DB::config_dsn() };
    like($@, qr/conf:3: expected 'name = value'/, 'bad config line named');
}
eval { Osstest::DB->connect(dsn => 'dbi:SQLite:dbname=x') };
like($@, qr/is not a dbi:Pg DSN/, 'only PostgreSQL DSNs');

# The embedded default: a fresh cluster directory, started for one
# connection, shared by a second, stopped when the last one goes.
my $dir = "$ENV{OSSTEST_RESULTS}/embedded";
{
    local $ENV{OSSTEST_DSN};
    delete $ENV{OSSTEST_DSN};
    my $a = Osstest::DB->connect(embedded_dir => $dir);
    ok(-f "$dir/data/PG_VERSION",    'cluster created by initdb');
    ok(-S "$dir/sock/.s.PGSQL.5432", 'listening on a unix socket in the cluster directory');
    is(
        scalar $a->dbh->selectrow_array('SELECT count(*) FROM schema_migrations'),
        scalar @files,
        'embedded database migrated'
    );
    my $owner = (stat "$dir/data")[4];
    if ($> == 0) {
        isnt($owner, 0, 'as root, the cluster belongs to a non-root user');
    }
    else {
        is($owner, $>, 'the cluster belongs to the user');
    }
    my $b = Osstest::DB->connect(embedded_dir => $dir);
    $a->disconnect;
    ok(-S "$dir/sock/.s.PGSQL.5432",         'still running while another command uses it');
    ok($b->dbh->selectrow_array('SELECT 1'), 'the other command still works');
    $b->disconnect;
    ok(!-e "$dir/sock/.s.PGSQL.5432", 'stopped after the last command');
    my $c = Osstest::DB->connect(embedded_dir => $dir);
    ok($c->dbh->selectrow_array('SELECT 1'), 'restarts on the next command');
    $c->disconnect;
}
done_testing;
