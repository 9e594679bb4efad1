#!/usr/bin/perl
# Progress during long steps: run-flight prints the step's latest log line
# every ~10 s. Bad input refused by name: history of a testid no flight has,
# a runner result with a 200,000-character test name.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use OsstestTest;
use Osstest::Step;

my $db   = test_db();
my $repo = make_repo();
open my $fh, '>', "$repo/say-slowly" or die;
print $fh "#!/bin/bash\nfor i in 1 2 3; do echo \"phase \$i of 3\"; sleep 6; done\n";
close $fh;
chmod 0755, "$repo/say-slowly";
git($repo, 'add', 'say-slowly');
git($repo, 'commit', '-q', '-m', 'slow step');
my ($rc, $f) =
    osstest('make-flight', 'prog', '--template', data_dir() . '/progress.tmpl', '--repo', $repo);
chomp $f;
my $out;
($rc, $out) = osstest('run-flight', $f);
is($rc, 0, 'the flight passes') or diag $out;
like($out, qr/^flight $f job build slow \(1\d+s\): phase \d of 3$/m, 'progress of the long step');

($rc, $out) = osstest('history', 'build', 'no-such-test');
isnt($rc, 0, 'history of a testid no flight has is refused');
like($out, qr/no flight's job 'build' has a step or subtest 'no-such-test'/, '... by name');

my $json = "$ENV{OSSTEST_RESULTS}/long.json";
open $fh, '>', $json or die;
print $fh '{"tests": [{"name": "' . ('x' x 200000) . '", "result": "SUCCESS"}]}';
close $fh;
eval { Osstest::Step::read_results_json($json) };
like($@, qr/tests\[0\] has a name of 200000 characters \(at most 200\)/,
    'a huge test name refused');
done_testing;
