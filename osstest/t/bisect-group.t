#!/usr/bin/perl
# One bisection per (commit range, failure signature): one bad commit that
# breaks two tests in two jobs (four subtests, and the two steps running
# them) is bisected once, and the culprit's mail goes to its author.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use OsstestTest;

my $db = test_db();
osstest('hosts', 'add');
my $repo = make_repo();
my $tmpl = data_dir() . '/selftest.tmpl';

sub commit ($msg, %files) {
    for my $f (sort keys %files) {
        open my $fh, '>', "$repo/$f" or die;
        print $fh $files{$f};
    }
    git($repo, 'add', '-A');
    git($repo, 'commit', '-q', '-m', $msg, '--author=Carol Coder <carol@example.org>');
    return git($repo, 'rev-parse', 'HEAD');
}
my $base = git($repo, 'rev-parse', 'HEAD');
my @c;
for my $i (1 .. 6) {
    my %f = ('noise.txt' => "change $i\n");
    %f = (%f, map { ("tests/$_.sh" => "#!/bin/bash\necho $_ broken\nexit 1\n") } qw(alpha beta))
        if $i == 4;
    push @c, commit($i == 4 ? 'change 4: break alpha and beta' : "change $i", %f);
}
my ($rc, $bf) = osstest(
    'make-flight',    'grp', '--template', $tmpl,
    '--repo',         $repo, '--rev',      "main=$base",
    '--baseline-ref', $base
);
chomp $bf;
osstest('run-flight', $bf);
($rc, my $cf) = osstest(
    'make-flight',    'grp', '--template', $tmpl,
    '--repo',         $repo, '--rev',      "main=$c[-1]",
    '--baseline-ref', $base
);
chomp $cf;
osstest('run-flight', $cf);
my $out;
my $t0 = time;
($rc, $out) = osstest('report', $cf, '--bisect');
my $secs = time - $t0;
my @regs = $out =~ /^  REGRESSION (\S+ \S+):/mg;
cmp_ok(scalar @regs, '>=', 4, 'at least four regressions (' . scalar(@regs) . ')') or diag $out;
my %jobs = map { (split / /)[0] => 1 } @regs;
is(scalar keys %jobs, 2, 'in two jobs');
my ($n) = $db->dbh->selectrow_array('SELECT count(*) FROM bisections WHERE source_flight = ?',
    undef, $cf);
is($n, 1, 'one bisection for them all') or diag $out;
my ($flights) = $db->dbh->selectrow_array(
    q{SELECT count(*) FROM flights WHERE blessing = 'real-bisect' AND flight > ?},
    undef, $cf);

# Six commits: about log2(6) midpoints, the last good and first bad run
# twice each; one bisection per failing test would run four times that.
cmp_ok($flights, '<=', 8, "the bisection ran $flights flights ($secs s)");
like($out, qr/^bisection \d+ .*: culprit $c[3] /m, 'it names the bad commit');
my ($b) = $db->dbh->selectrow_array('SELECT bisection FROM bisections WHERE source_flight = ?',
    undef, $cf);
my ($members) =
    $db->dbh->selectrow_array('SELECT count(*) FROM bisection_members WHERE bisection = ?',
    undef, $b);
is($members, scalar @regs, 'every regression is a member of it');
my $dir  = "$ENV{OSSTEST_RESULTS}/bisect/$b";
my $mail = do { local (@ARGV, $/) = "$dir/mail.txt"; <> }
    // '';
like($mail, qr/^To: Carol Coder <carol\@example\.org>$/m, 'mail to the culprit\'s author');
like($mail, qr/test-b t\/alpha: /, 'the mail lists the failures it explains');
done_testing;
