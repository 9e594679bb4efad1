#!/usr/bin/perl
# Style of the osstest Perl: every module, command, step script and test is
# formatted as perltidy with the project's .perltidyrc formats it, and says
# "use v5.36", strict and warnings.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use Osstest::Util qw(top_dir);

my $top   = top_dir();
my @files = sort(glob("$top/osstest/lib/Osstest/*.pm"), glob("$top/osstest/lib/Osstest/*/*.pm"),
    glob("$top/osstest/t/lib/*.pm"), glob("$top/osstest/t/*.t"),
    "$top/osstest/bin/osstest",      "$top/osstest/t/run-suite",
    glob("$top/osstest/ts/ts-*"),    glob("$top/osstest/bench/*.pl"),
);
plan skip_all => 'perltidy not installed' unless grep { -x "$_/perltidy" } split /:/, $ENV{PATH};
for my $f (@files) {
    my $out = qx{perltidy --profile=$top/.perltidyrc -st -se $f 2>&1};
    my $src = do { local (@ARGV, $/) = $f; <> };
    (my $name = $f) =~ s{^\Q$top\E/}{};
    ok($? == 0 && $out eq $src, "$name is perltidy-clean");
    like($src, qr/^use v5\.36;\nuse strict;\nuse warnings;$/m, "$name: v5.36, strict, warnings");
}
done_testing;
