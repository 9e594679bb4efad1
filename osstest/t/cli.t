#!/usr/bin/perl
# The osstest command: every sub-command has --help; no arguments prints the
# overview; unknown sub-commands and bad options are refused with a clear
# message and exit status 2.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use OsstestTest;

test_db();
for my $cmd (qw(make-flight run-flight report gate history hosts flights show cancel)) {
    my ($rc, $out) = osstest($cmd, '--help');
    is($rc, 0, "$cmd --help exits 0");
    like($out, qr/^usage: osstest \Q$cmd\E/, "$cmd --help shows its usage");
}
my ($rc, $out) = osstest();
like($out, qr/usage: osstest COMMAND/, 'no arguments: overview');
for my $cmd (
    qw(make-flight run-flight report bisect gate history hosts flights show cancel retention schedule)
    )
{
    like($out, qr/^  \Q$cmd\E +\S[^\n]*$/m, "overview: one line for $cmd");
}
($rc, $out) = osstest('--help');
is(scalar(() = $out =~ /^  [a-z-]+ +\S/mg), 12, '--help: one line per command');

# flights, show, cancel on a flight made here.
my $repo = make_repo();
($rc, my $f) =
    osstest('make-flight', 'cli', '--template', data_dir() . '/selftest.tmpl', '--repo', $repo);
chomp $f;
($rc, $out) = osstest('flights');
like($out, qr/^\s*$f  cli +queued/m, 'flights lists the new flight');
($rc, $out) = osstest('show', $f);
like($out, qr/^job test-a \(test\): queued, host -/m, 'show lists its jobs');
like($out, qr/runvars: .*hostflags=virt,one/,         'show lists runvars');
($rc, $out) = osstest('cancel', $f);
like($out, qr/flight $f cancelled \(3 job\(s\) aborted\)/, 'cancel aborts the queued jobs');
($rc, $out) = osstest('run-flight', $f);
($rc, $out) = osstest('show',       $f);
like($out, qr/blessing cancelled/, 'the flight stays cancelled');
unlike($out, qr/: (pass|queued),/, 'no job ran after cancel');
($rc, $out) = osstest('show', 'x');
like($out, qr/FLIGHT must be a number, not 'x'/, 'show of a bad flight number refused');
($rc, $out) = osstest('fly');
is($rc, 2, 'unknown sub-command: exit 2');
like($out, qr/unknown sub-command 'fly'/, '... named');
($rc, $out) = osstest('report', '--frobnicate', 1);
is($rc, 2, 'bad option: exit 2');
like($out, qr/bad options for report/, '... named');
($rc, $out) = osstest('hosts', 'dance');
like($out, qr/unknown hosts sub-command 'dance'/, 'unknown hosts sub-command');
($rc, $out) = osstest('report', 12345);
like($out, qr/no flight 12345/, 'report of an unknown flight');
($rc, $out) =
    osstest('gate', 'b', '--repo', '/nonexistent', '--template', data_dir() . '/selftest.tmpl');
like($out, qr/--repo \/nonexistent: no such directory/, 'gate of a missing repository');
done_testing;
