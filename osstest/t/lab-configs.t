#!/usr/bin/perl
# lab-configs/: every host file (hosts/ and the examples of each kind) and
# the schedule parse; the examples cover qemu-local, qemu-netboot, ipmi and
# libvirt.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use Osstest::Host;
use Osstest::Schedule;
use Osstest::Util qw(top_dir);

my $lab = top_dir() . '/lab-configs';
local $ENV{OSSTEST_LAB_CONFIGS} = $lab;
my %kinds;
for my $f (grep { -f && !/\.md$/ } glob("$lab/hosts/* $lab/examples/hosts/*")) {
    my $cfg = eval { Osstest::Host::parse_config($f) };
    ok($cfg, "$f parses") or diag $@;
    $kinds{$cfg->{kind}}++ if $cfg && $f =~ m{/examples/};
}
is_deeply(
    [sort keys %kinds],
    [qw(ipmi libvirt qemu-local qemu-netboot)],
    'an example host file of each kind'
);
my @e = eval { Osstest::Schedule::parse("$lab/schedule") };
ok(@e >= 1, 'lab-configs/schedule parses') or diag $@;
done_testing;
