#!/usr/bin/perl
# The flight report's details: per tree the tested and baseline revisions,
# shortlog and authors; regressions grouped by job then test with "failing
# since" and the test's own message; tested same since; subtests folded into
# counts with failures and skips (with reasons) listed; result.json; a JUnit
# XML per job that stays valid whatever a log holds; an RFC 822 mail to the
# range's authors; history pages linked from the HTML.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use JSON::PP;
use File::Path qw(make_path);
use OsstestTest;
use Osstest::Flight;
use Osstest::Report;

my $db   = test_db();
my $repo = make_repo();
my $base = git($repo, 'rev-parse', 'HEAD');
for my $who ('Ann Author <ann@example.org>', 'Bob Builder <bob@example.org>') {
    git($repo, 'commit', '-q', '--allow-empty', '-m', "change by $who", "--author=$who");
}
my $tip = git($repo, 'rev-parse', 'HEAD');
my $S   = 'subtest';

sub flight ($rev, $beta, %more) {
    my $f = synth_flight(
        $db,
        branch            => 'fr',
        revision          => $rev,
        baseline_revision => $base,
        jobs              => {
            'test-x' => {
                status => $beta eq 'pass' ? 'pass' : 'fail',
                steps  => [
                    ['xtf-run',      'step', $beta],
                    ['xtf/beta',     $S,     $beta],
                    ['xtf/skipper',  $S,     'skip'],
                    ['xtf/unbooted', $S,     'skip'],
                ]
            },
            'test-y' =>
                {status => $beta eq 'pass' ? 'pass' : 'fail', steps => [['xtf/gamma', $S, $beta]]},
        }
    );
    for my $j (@{Osstest::Flight::jobs($db, $f)}) {
        Osstest::Flight::set_runvar($db, $j->{job_id}, 'tree_xen',     $repo, 0);
        Osstest::Flight::set_runvar($db, $j->{job_id}, 'revision_xen', $rev,  0);
        Osstest::Flight::set_runvar($db, $j->{job_id}, 'host', 'vhostA') if $j->{job} eq 'test-x';
        for my $s (@{Osstest::Flight::steps($db, $j->{job_id})}) {
            my $file = "$ENV{OSSTEST_RESULTS}/$s->{log}";
            (my $d = $file) =~ s{/[^/]+$}{};
            make_path($d);
            open my $fh, '>', $file or die;
            print $fh "(d1) Skip: needs a xenstore domain\n(d1) Test result: SKIP\n"
                if $s->{testid} eq 'xtf/skipper';
            print $fh
                "(d3) Failure: beta got 4, expected 3 \x01\x1b[0m\n(d3) Test result: FAILURE\n"
                if $s->{testid} eq 'xtf/beta' && $s->{status} eq 'fail';
        }
    }
    return $f;
}
my $f1 = flight($base, 'pass');
my $f2 = flight($tip,  'fail');
my $f3 = flight($tip,  'fail');
make_path("$ENV{OSSTEST_RESULTS}/coverage/flight-$f3");
open my $cov, '>', "$ENV{OSSTEST_RESULTS}/coverage/flight-$f3/flight.html" or die;
close $cov;

# A skip the runner decided before any boot: its reason is the runner's.
$db->dbh->do(
    q{UPDATE steps SET detail = 'needs serial-input, not offered'
      WHERE testid = 'xtf/unbooted' AND job_id IN (SELECT job_id FROM jobs WHERE flight = ?)},
    undef, $f3
);
my $r   = Osstest::Report::write($db, $f3);
my $dir = "$ENV{OSSTEST_RESULTS}/flights/$f3";
my $txt = do { local (@ARGV, $/) = "$dir/report.txt"; <> };

like($txt, qr/xen: tested $tip\n  xen: baseline $base/, 'tested and baseline revision per tree');
like($txt, qr/shortlog \(2 commits\):\n    \w+ Bob Builder: change by Bob/,
    'shortlog of the range');
like($txt, qr/Ann Author <ann\@example\.org>/, 'authors of the range');
like(
    $txt,
    qr/regressions by job:\n  test-x:\n    xtf-run: .*\n    xtf\/beta: fail, failing since flight $f2 \(last pass: flight $f1\)\n      Failure: beta got 4, expected 3/,
    'regressions grouped by job then test, failing since, the test\'s message'
);
like($txt, qr/  test-y:\n    xtf\/gamma: fail, failing since flight $f2/,
    'the second job\'s group');
like($txt, qr/tested same since: flight $f2/, 'tested same since');
like($txt, qr/test-x +fail +vhostA/,          'host per job');
like($txt, qr/subtests: 1 fail, 2 skip/,      'subtests folded into counts');
like(
    $txt,
    qr/skip xtf\/unbooted: needs serial-input, not offered/,
    'a skip\'s reason as the runner gave it'
);
like($txt, qr/skip xtf\/skipper: Skip: needs a xenstore domain/, 'skips with their reasons');

my $json = decode_json(
    do { local (@ARGV, $/) = "$dir/result.json"; <> }
);
is($json->{verdict}, 'regressions',                                      'result.json: verdict');
is(scalar(grep { $_->{class} eq 'regression' } @{$json->{failures}}), 3, 'result.json: failures');

my $junit = "$dir/test-x/junit.xml";
ok(-s $junit, 'JUnit XML per job');
my $check =
    system('python3', '-c', 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])', $junit);
is($check, 0, 'the JUnit XML parses although the log holds control characters');
like(
    do { local (@ARGV, $/) = $junit; <> },
    qr/<failure type="fail" message="Failure: beta got 4, expected 3 \?\?\[0m"/,
    'JUnit failure carries the test message'
);

my $mail = do { local (@ARGV, $/) = "$dir/mail.txt"; <> };
my ($head, $body) = split /\n\n/, $mail, 2;
like(
    $head,
    qr/^To: Ann Author <ann\@example\.org>,\n    Bob Builder <bob\@example\.org>$/m,
    'mail to the authors'
);
like($head, qr/^Subject: \[fr test\] $f3: 3 regressions - FAIL$/m, 'mail subject');
like($head, qr/^Date: \w{3}, \d\d \w{3} \d{4} [\d:]{8} \+0000$/m,  'RFC 822 date');
like($head, qr/^Message-ID: <osstest-flight-$f3\.\w+\@/m,          'message id');
like($body, qr/REGRESSION test-x xtf\/beta/,                       'mail body: the report');

my $html = do { local (@ARGV, $/) = "$dir/report.html"; <> };
like($html, qr{href="\.\./\.\./history/job-test-x\.html"},  'HTML links the job history');
like($html, qr{href="\.\./\.\./history/host-vhostA\.html"}, 'HTML links the host history');
ok(-s "$ENV{OSSTEST_RESULTS}/history/job-test-x.html", 'job history page written');
like(
    $html,
    qr{href="\.\./\.\./coverage/flight-$f3/flight\.html"},
    'HTML links the coverage dashboard\'s page of the flight (which links back)'
);
like(do { local (@ARGV, $/) = "$ENV{OSSTEST_RESULTS}/history/host-vhostA.html"; <> },
    qr{flights/$f2/report\.html}, 'host history links back to flight reports');
done_testing;
