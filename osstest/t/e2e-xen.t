#!/usr/bin/perl
# End to end on this tree: a flight made from the project's template (its
# build, XTF and coverage jobs, with the XTF selection cut to one test per
# environment and one needing xenstore, to stay quick) builds the hypervisor,
# the xenstore domain and XTF with raisin, boots the
# hypervisor on the two virtual hosts of lab-configs/, runs xtf-runner there,
# records each XTF test instance as a subtest xtf/NAME, and reports.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use JSON::PP ();
use OsstestTest;
use Osstest::Flight;
use Osstest::Util qw(top_dir);

my $top = top_dir();
plan skip_all => 'raisin/raise or xtf/xtf-runner missing'
    unless -x "$top/raisin/raise" && -x "$top/xtf/xtf-runner";
my $db = test_db();
$ENV{OSSTEST_LAB_CONFIGS} = "$top/lab-configs";
$ENV{RAISIN_ARTEFACTS} //= "$top/results/artefacts";
my ($rc, $out) = osstest('hosts', 'add');
is($rc, 0, 'the virtual hosts of lab-configs added') or diag $out;

# The project's template, XTF cut to the example test and one test needing
# xenstore (coverage job too).
my $xs  = 'test-hvm64-xenstore-read';
my $src = do { local (@ARGV, $/) = "$top/osstest/templates/xen.tmpl"; <> };
$src =~ s/(\n    step xtf-run ts-xtf-run)/\n    runvar xtf_selection = example $xs$1/g;
$src =~
    s/(\n    step coverage ts-coverage)/\n    runvar xtf_selection = example $xs\n    runvar coverage_by_test = 1$1/;
my $tmpl = "$ENV{OSSTEST_RESULTS}/xen-quick.tmpl";
open my $fh, '>', $tmpl or die;
print $fh $src;
close $fh;

my $head = git($top, 'rev-parse', 'HEAD');
my $f;
($rc, $f) =
    osstest('make-flight', 'xen-e2e', '--template', $tmpl, '--repo', $top, '--rev', "xen=$head");
is($rc, 0, 'flight made') or diag $f;
chomp $f;
($rc, $out) = osstest('run-flight', $f, '--max-jobs', 2);
note $out;
my $jobs = {map { $_->{job} => $_ } @{Osstest::Flight::jobs($db, $f)}};
is($jobs->{'build-x86_64'}{status}, 'pass', 'raisin built the hypervisor and XTF');
my $rv = Osstest::Flight::runvars($db, $jobs->{'build-x86_64'}{job_id});
ok(-d $rv->{path_xen} && -d $rv->{path_xtf}, 'artefact paths recorded');
my $xsdom = ($rv->{path_xen_tools} // '') . '/files/lib/xen/boot/xsdom';
ok(-f $xsdom, 'the build artefact holds the xenstore domain image');
my %host;

for my $j (qw(test-xtf-x86_64-smp1 test-xtf-x86_64-smp2)) {
    my $steps = Osstest::Flight::steps($db, $jobs->{$j}{job_id});
    my ($boot) = grep { $_->{testid} eq 'host-boot' } @$steps;
    is($boot->{status}, 'pass', "$j: the hypervisor booted to ready on its host");
    my @xtf = grep { $_->{kind} eq 'subtest' && $_->{testid} =~ m{^xtf/test-} } @$steps;
    ok(@xtf >= 1, "$j: XTF test instances recorded as subtests (" . scalar(@xtf) . ')');
    diag("$j: $_->{testid} $_->{status}") for grep { $_->{status} ne 'pass' } @xtf;

    # The build artefact's xenstore domain is offered: the test needing
    # xenstore runs and passes (without it: skip, "needs xenstore").
    my ($xst) = grep { $_->{testid} eq "xtf/$xs" } @xtf;
    is($xst && $xst->{status}, 'pass', "$j: xtf/$xs ran with the xenstore domain and passed")
        or diag("$j: $xs: " . ($xst ? "$xst->{status} $xst->{detail}" : 'not run'));
    $host{Osstest::Flight::runvars($db, $jobs->{$j}{job_id})->{host}}++;
}
is_deeply([sort keys %host], ['vhost1', 'vhost2'], 'the two jobs ran on the two virtual hosts');

# The network-booted host fetches the xenstore domain over HTTP like the rest.
my ($nxs) =
    grep { $_->{testid} eq "xtf/$xs" }
    @{Osstest::Flight::steps($db, $jobs->{'test-xtf-x86_64-netboot'}{job_id})};
is($nxs && $nxs->{status}, 'pass', "test-xtf-x86_64-netboot: xtf/$xs passed");

# The coverage job: passes when coverage was collected; its XTF tests are
# subtests like the XTF jobs'.
is($jobs->{'coverage-x86_64'}{status}, 'pass', 'the coverage job passed');
my $csteps = Osstest::Flight::steps($db, $jobs->{'coverage-x86_64'}{job_id});
my ($rep) = grep { $_->{testid} eq 'coverage/report' } @$csteps;
is($rep && $rep->{status}, 'pass', 'coverage/report: the coverage report was written');
ok((grep { $_->{kind} eq 'subtest' && $_->{testid} =~ m{^xtf/test-} } @$csteps),
    'its XTF instances are subtests');
my ($cxs) = grep { $_->{testid} eq "xtf/$xs" } @$csteps;
is($cxs && $cxs->{status}, 'pass', "coverage job: xtf/$xs ran with the xenstore domain");
ok(-s "$top/results/coverage/flight-$f/summary.json", 'coverage summary of the flight');
my $meta = eval {
    JSON::PP::decode_json(
        do { local (@ARGV, $/) = "$top/results/coverage/flight-$f/meta.json"; <> }
    );
} // {};
is_deeply(
    [@$meta{qw(revision branch report)}],
    [$head, 'xen-e2e', "../../flights/$f/report.html"],
    'the coverage report names the tested revision, the branch and the flight report'
);
my $by_test = eval {
    JSON::PP::decode_json(
        do { local (@ARGV, $/) = "$top/results/coverage/flight-$f/tests.json"; <> }
    );
} // {};
ok($by_test->{tests}{'test-hvm64-example'}, 'coverage by test: the example test covered lines');
($rc, $out) = osstest('report', $f);
like($out, qr/verdict: /, 'report written') or diag $out;
ok(-s "$ENV{OSSTEST_RESULTS}/flights/$f/report.html", 'HTML report');
done_testing;
