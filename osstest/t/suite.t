#!/usr/bin/perl
# The suite runner counts skips apart: a file with "plan skip_all" is
# reported SKIP with its reason and counted skipped, a skipped assertion is
# not a pass, and the summary ends "N passed, N failed, N skipped".
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use OsstestTest;

test_db();
my $dir = "$ENV{OSSTEST_RESULTS}/suite";
my $pid = open my $fh, '-|' // die;
if ($pid == 0) {
    $ENV{OSSTEST_SUITE_DIR} = $dir;
    open STDERR, '>&', \*STDOUT;
    exec "$FindBin::Bin/run-suite", map { data_dir() . "/suite/$_" } qw(skips.t mixed.t) or die;
}
my $out = do { local $/; <$fh> }
    // '';
close $fh;
is($? >> 8, 0, 'the suite runner exits 0 (nothing failed)') or diag $out;
like($out, qr/^SKIP skips\.t \(needs something absent\)$/m, 'skip_all: SKIP with the reason');
like($out, qr/^PASS mixed\.t \(1 passed, 0 failed, 1 skipped\)$/m, 'skipped assertion apart');
like($out, qr/^1 passed, 0 failed, 2 skipped$/m,                   'summary counts skips apart');
done_testing;
