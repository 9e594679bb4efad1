package Osstest::Util;

# Small helpers shared by the osstest modules: where the tree and results
# live, time stamps, and running commands.

use v5.36;
use strict;
use warnings;
use POSIX          ();
use Cwd            qw(abs_path);
use File::Basename qw(dirname);
use Exporter       qw(import);

our @EXPORT_OK = qw(top_dir results_dir die_usage now_stamp capture glob_to_re);

my $TOP = abs_path(dirname(__FILE__) . '/../../..');

sub top_dir () { return $TOP }

# Where runs put their output: OSSTEST_RESULTS, else results/ of the tree.
sub results_dir () {
    my $dir = $ENV{OSSTEST_RESULTS} // "$TOP/results";
    return abs_path($dir) // $dir;
}

sub die_usage ($msg) { die "osstest: $msg (see --help)\n" }

sub now_stamp () {
    my @t = gmtime;
    return sprintf '%04d-%02d-%02d %02d:%02d:%02d', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0];
}

# Run a command (no shell); returns (exit status, stdout).
sub capture (@cmd) {
    my $pid = open my $fh, '-|' // die "osstest: fork: $!\n";
    if ($pid == 0) {
        open STDERR, '>', '/dev/null';
        exec {$cmd[0]} @cmd or POSIX::_exit(127);
    }
    my $out = do { local $/; <$fh> }
        // '';
    close $fh;
    return ($? >> 8, $out);
}

# A glob (* ? only) as an anchored regular expression.
sub glob_to_re ($glob) {
    my $re = join '', map { $_ eq '*' ? '.*' : $_ eq '?' ? '.' : quotemeta $_ } split /([*?])/,
        $glob;
    return qr/^$re$/;
}

1;
