#!/usr/bin/perl
# Osstest::Flight and make-flight: a flight gets the template's jobs, their
# dependencies, input runvars (tree, full revision, template runvars, recipe
# steps) and the baseline revision; bad branches, revisions, trees and
# blessings are refused without creating anything.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use OsstestTest;
use Osstest::Flight;

my $db     = test_db();
my $repo   = make_repo();
my $master = git($repo, 'rev-parse', 'master');
my $tmpl   = data_dir() . '/selftest.tmpl';
my ($rc, $out) = osstest(
    'make-flight', 'br',          '--template', $tmpl, '--repo', $repo,
    '--rev',       'main=master', '--intended', 'play'
);
is($rc, 0, 'make-flight succeeds') or diag $out;
like($out, qr/^1$/, 'prints the flight number');
my $f = Osstest::Flight::get($db, 1);
is($f->{branch},            'br',     'branch');
is($f->{intended},          'play',   'intended blessing');
is($f->{blessing},          'queued', 'ready to run');
is($f->{revision},          $master,  'revision resolved to a full commit id');
is($f->{baseline_revision}, $master,  'baseline revision: master');
my $jobs = Osstest::Flight::jobs($db, 1);
is_deeply([map { $_->{job} } @$jobs],    [qw(build test-a test-b)],  'jobs of the template');
is_deeply([map { $_->{status} } @$jobs], [qw(queued queued queued)], 'all queued');
my $rv = Osstest::Flight::runvars($db, $jobs->[1]{job_id});
is($rv->{tree_main},     $repo,      'tree runvar');
is($rv->{revision_main}, $master,    'revision runvar');
is($rv->{hostflags},     'virt,one', 'host flags runvar');
like(
    $rv->{recipe_steps},
    qr/^step tests ts-json-tests t \.\/run-tests\nalways logs-capture/,
    'recipe steps runvar'
);
my $deps = $db->dbh->selectall_arrayref(
    q{SELECT j.job, n.job FROM job_deps d JOIN jobs j ON j.job_id = d.job_id
      JOIN jobs n ON n.job_id = d.needs ORDER BY 1}
);
is_deeply($deps, [['test-a', 'build'], ['test-b', 'build']], 'dependencies');

sub refused ($re, $what, @args) {
    my ($rc, $out) = osstest('make-flight', @args);
    isnt($rc, 0, "$what: refused");
    like($out, $re, "$what: says why");
}
refused(qr/'nope' is not a commit/,
    'bad revision', 'br', '--template', $tmpl, '--repo', $repo, '--rev', 'main=nope');
refused(qr/names tree 'xen', not in template/,
    'unknown tree', 'br', '--template', $tmpl, '--repo', $repo, '--rev', 'xen=master');
refused(qr/bad branch name/, 'bad branch', 'a b', '--template', $tmpl, '--repo', $repo);
refused(qr/unknown blessing 'gold'/,
    'bad blessing', 'br', '--template', $tmpl, '--repo', $repo, '--intended', 'gold');
refused(qr/make-flight needs a BRANCH/, 'no branch');
my ($n) = $db->dbh->selectrow_array('SELECT count(*) FROM flights');
is($n, 1, 'no flight created by refused commands');
Osstest::Flight::set_runvar($db, $jobs->[0]{job_id}, 'out', 'v1');
Osstest::Flight::set_runvar($db, $jobs->[0]{job_id}, 'out', 'v2');
is(Osstest::Flight::runvars($db, $jobs->[0]{job_id})->{out}, 'v2', 'set_runvar overwrites');
done_testing;
