#!/usr/bin/perl
# Osstest::Step: runner JSON is read with every bad shape named; runvars are
# found in the job or, nearest first, in the jobs it needs; subtests are
# recorded as steps of their own with attempts; xen_image finds raisin's
# layout; a step script outside run-flight says so.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use File::Path qw(make_path);
use OsstestTest;
use Osstest::Step;
use Osstest::Flight;

my $db  = test_db();
my $dir = $ENV{OSSTEST_RESULTS};

sub json ($text) {
    open my $fh, '>', "$dir/r.json" or die;
    print $fh $text;
    close $fh;
    my @r = eval { Osstest::Step::read_results_json("$dir/r.json") };
    return $@ || \@r;
}
is_deeply(
    json(
              '{"tests": [{"name": "a", "result": "SUCCESS", "log": "L", "seconds": 1.5},'
            . '{"name": "b", "result": "CRASH"}, {"name": "c", "result": "SKIP"},'
            . '{"name": "d", "result": "ERROR"}, {"name": "e", "result": "FAILURE"}]}'
    ),
    [
        {name => 'a', status => 'pass', log => 'L', seconds => 1.5},
        {name => 'b', status => 'fail', log => '',  seconds => 0},
        {name => 'c', status => 'skip', log => '',  seconds => 0},
        {name => 'd', status => 'fail', log => '',  seconds => 0},
        {name => 'e', status => 'fail', log => '',  seconds => 0},
    ],
    'results mapped: SUCCESS pass, SKIP skip, ERROR/FAILURE/CRASH fail'
);
like(json('{"tests": [1'),                       qr/r\.json: not valid JSON/, 'truncated JSON');
like(json('{"summary": {}}'),                    qr/no "tests" list/,         'no tests list');
like(json('{"tests": [{"result": "SUCCESS"}]}'), qr/tests\[0\] has no name/,  'no name');
like(
    json('{"tests": [{"name": "x", "result": "MAYBE"}]}'),
    qr/tests\[0\] \(x\) has unknown result 'MAYBE'/,
    'unknown result'
);
like(json('{"tests": [{"name": "a b", "result": "SKIP"}]}'), qr/has bad name/, 'bad name');

# A context for a job that needs another.
my $repo = make_repo();
my ($rc, $f) =
    osstest('make-flight', 'st', '--template', data_dir() . '/selftest.tmpl', '--repo', $repo);
chomp $f;
my $build = Osstest::Flight::job($db, $f, 'build');
my $test  = Osstest::Flight::job($db, $f, 'test-a');
Osstest::Flight::set_runvar($db, $build->{job_id}, 'path_xen',  "$dir/art");
Osstest::Flight::set_runvar($db, $build->{job_id}, 'hostflags', 'should-not-be-seen');
{
    local $ENV{OSSTEST_JOB_ID} = $test->{job_id};
    local $ENV{OSSTEST_STEPNO} = 1;
    local $ENV{OSSTEST_JOBDIR} = $dir;
    local $ENV{OSSTEST_JOB}    = 'test-a';
    my $ctx = Osstest::Step->from_env;
    is($ctx->runvar('hostflags'),       'virt,one', 'own runvar first');
    is($ctx->runvar('path_xen'),        "$dir/art", 'runvar of the job it needs');
    is($ctx->runvar('nothing', 'dflt'), 'dflt',     'default for a missing runvar');
    eval { $ctx->runvar('nothing') };
    like($@, qr/no runvar 'nothing' here or in the jobs it needs/, 'missing runvar named');
    make_path("$dir/art/files/boot");
    open my $fh, '>', "$dir/art/files/boot/xen" or die;
    close $fh;
    is($ctx->xen_image, "$dir/art/files/boot/xen", 'hypervisor image in the raisin layout');
    $ctx->record_subtest(testid => 'xtf/a', status => 'fail', log => "$dir/x.log", seconds => 2);
    $ctx->record_subtest(testid => 'xtf/a', status => 'pass');
    my $steps = Osstest::Flight::steps($db, $test->{job_id});
    is_deeply(
        [map { "$_->{testid}:$_->{attempt}:$_->{status}:$_->{kind}:$_->{parent}" } @$steps],
        ['xtf/a:1:fail:subtest:1', 'xtf/a:2:pass:subtest:1'],
        'subtests with attempts'
    );
    my $rel = $dir =~ s{^\Q$ENV{OSSTEST_RESULTS}\E/?}{}r;
    is($steps->[0]{log}, 'x.log', 'subtest log stored relative to results/');

    # A runner's skip reason is kept with the subtest (a skip before any
    # boot has no log to read it from).
    $ctx->run_json_suite(
        name   => 'js',
        prefix => 'js/',
        run    => sub ($json, @sel) {
            open my $out, '>', $json or die;
            print $out '{"tests": [{"name": "c", "result": "SKIP", "detail": "d",'
                . ' "reason": "needs serial-input, not offered"}]}';
            close $out;
            return 3;
        },
    );
    my ($why) =
        $db->dbh->selectrow_array(q{SELECT detail FROM steps WHERE job_id = ? AND testid = 'js/c'},
        undef, $test->{job_id});
    is($why, 'needs serial-input, not offered', 'the runner\'s skip reason stored');
}
{
    local $ENV{OSSTEST_JOB_ID};
    delete $ENV{OSSTEST_JOB_ID};
    eval { Osstest::Step->from_env };
    like(
        $@,
        qr/OSSTEST_JOB_ID is not set: step scripts run under 'osstest run-flight'/,
        'outside run-flight'
    );
}
done_testing;
