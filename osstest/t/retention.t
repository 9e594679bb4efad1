#!/usr/bin/perl
# Retention within a disk budget: the oldest flight logs and artefacts go
# first; the newest flights of each branch, the last real flight of each
# branch (a baseline), unfinished flights and every artefact those flights
# use stay, even over budget. A bad budget is refused by name.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use File::Path qw(make_path);
use OsstestTest;
use Osstest::Flight;

my $db    = test_db();
my $store = "$ENV{OSSTEST_RESULTS}/store";
$ENV{RAISIN_ARTEFACTS} = $store;

sub put ($file, $kib) {
    (my $dir = $file) =~ s{/[^/]+$}{};
    make_path($dir);
    open my $fh, '>', $file or die;
    print $fh 'x' x (1024 * $kib);
}

# Branch "a": an old baseline (real) then play flights; branch "b": one flight.
my %f;
$f{base} =
    synth_flight($db, branch => 'a', revision => 'r0', jobs => {build => {status => 'pass'}});
for my $i (1 .. 4) {
    $f{"p$i"} = synth_flight(
        $db,
        branch   => 'a',
        blessing => 'play',
        revision => "r$i",
        jobs     => {build => {status => 'pass'}}
    );
}
$f{b} = synth_flight($db, branch => 'b', revision => 'x', jobs => {build => {status => 'pass'}});
for my $k (keys %f) {
    put("$ENV{OSSTEST_RESULTS}/flights/$f{$k}/build/log", 100);
    put("$store/xen/entry-$k/files/boot/xen",             200);
    put("$store/xen/entry-$k/manifest",                   1);
    my $job = Osstest::Flight::job($db, $f{$k}, 'build');
    Osstest::Flight::set_runvar($db, $job->{job_id}, 'path_xen', "$store/xen/entry-$k");
}
put("$store/xtf/orphan/files/x", 300);    # named by no flight

my ($rc, $out) = osstest('retention', '--budget', '1.5M', '--keep', '2');
is($rc, 0, 'retention runs') or diag $out;
ok(!-e "$store/xtf/orphan",                             'an artefact no flight uses goes');
ok(!-e "$ENV{OSSTEST_RESULTS}/flights/$f{p1}",          'the oldest play flight\'s logs go');
ok(!-e "$store/xen/entry-p1",                           '... and its artefact');
ok(-e "$ENV{OSSTEST_RESULTS}/flights/$f{base}",         'the baseline flight\'s logs stay');
ok(-e "$store/xen/entry-base/files/boot/xen",           '... and its artefact');
ok(-e "$ENV{OSSTEST_RESULTS}/flights/$f{p4}",           'the newest flights stay');
ok(-e "$store/xen/entry-p3" && -e "$store/xen/entry-b", '... with their artefacts');
like($out, qr/disk: .* after, budget 1\.5 MiB/, 'sizes reported');

# Over budget with only what is kept: nothing more goes, and it says so.
($rc, $out) = osstest('retention', '--budget', '1K', '--keep', '2');
like($out, qr/over: the rest is referenced/, 'over budget: said why');
ok(-e "$store/xen/entry-base" && -e "$store/xen/entry-p4", 'referenced data never deleted');

($rc, $out) = osstest('retention', '--budget', 'lots');
isnt($rc, 0, 'a bad budget is refused');
like($out, qr/bad disk budget 'lots'/, '... by name');
done_testing;
