#!/usr/bin/perl
# Several workers on one flight: two run-flight processes started together
# share the jobs through row locks, so every job runs exactly once, both
# workers take some, and both finish when the flight is done.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use OsstestTest;

my $db   = test_db();
my $repo = make_repo();
my $tmpl = "$ENV{OSSTEST_RESULTS}/many.tmpl";
open my $fh, '>', $tmpl or die;
print $fh "tree main\njob build recipe=build\n    step checkout ts-checkout main\n";
print $fh "job j$_ recipe=test needs=build\n    step s ts-command ./step-marker j$_ 1\n" for 1 .. 6;
close $fh;
my ($rc, $f) = osstest('make-flight', 'w', '--template', $tmpl, '--repo', $repo);
chomp $f;
my @pids;

for my $w (1, 2) {
    my $pid = fork // die;
    if (!$pid) {
        open STDOUT, '>',  "$ENV{OSSTEST_RESULTS}/worker$w.log";
        open STDERR, '>&', \*STDOUT;
        exec "$FindBin::Bin/../bin/osstest", 'run-flight', $f, '--max-jobs', 2;
    }
    push @pids, $pid;
}
for my $pid (@pids) {
    waitpid $pid, 0;
    is($?, 0, "worker $pid finished, every job passed");
}
my @m = do {
    open my $m, '<', "$ENV{OSSTEST_RESULTS}/markers" or die;
    map { chomp; $_ } <$m>;
};
is_deeply([sort @m], [map { "j$_" } 1 .. 6], 'each job ran exactly once');
my @took = map {
    my $log = do { local (@ARGV, $/) = "$ENV{OSSTEST_RESULTS}/worker$_.log"; <> };
    scalar(() = $log =~ /job j\d started/g)
} 1, 2;
ok($took[0] > 0 && $took[1] > 0, "both workers ran jobs (@took)");
is($took[0] + $took[1], 6, 'no job started twice');
done_testing;
