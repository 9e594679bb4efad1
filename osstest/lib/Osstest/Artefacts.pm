package Osstest::Artefacts;

# The artefact store shared by several controllers: a web server (nginx in
# the lab) at OSSTEST_ARTEFACT_URL (or `artefact_url = URL` in the
# OSSTEST_CONFIG file) that takes HTTP PUT and serves GET. A build's
# directory is published as a tar file named by its SHA-256
# (URL/sha256/HEX.tar) and handed on as the runvar artefact_NAME =
# sha256:HEX; a job on any controller fetches it by that checksum, checks
# it, and unpacks it into its own cache (RESULTS/artefacts/sha256/HEX/).
# Logs are published under URL/logs/FLIGHT/JOB/ for the report.

use v5.36;
use strict;
use warnings;
use HTTP::Tiny;
use Digest::SHA   qw(sha256_hex);
use File::Path    qw(make_path remove_tree);
use File::Find    qw(find);
use File::Temp    qw(tempdir);
use Osstest::Util qw(results_dir capture);

sub store_url () {
    my $url = $ENV{OSSTEST_ARTEFACT_URL};
    if (!defined $url && defined(my $file = $ENV{OSSTEST_CONFIG})) {
        if (open my $fh, '<', $file) {
            while (<$fh>) { $url = $1 if /^\s*artefact_url\s*=\s*(\S+)\s*$/ }
        }
    }
    die "osstest: no artefact store: set OSSTEST_ARTEFACT_URL (or artefact_url in "
        . "OSSTEST_CONFIG)\n"
        unless defined $url;
    die "osstest: artefact store '$url' is not an http:// URL\n" unless $url =~ m{^https?://};
    return $url =~ s{/+$}{}r;
}

sub http () { return HTTP::Tiny->new(timeout => 60) }

sub put ($url, $data) {
    my $r = http()->request('PUT', $url, {content => $data});
    die "osstest: PUT $url: $r->{status} $r->{reason}\n" unless $r->{success};
    return $url;
}

# Publish DIR's contents; returns the key "sha256:HEX" (not uploaded again
# when the store has it).
sub publish_dir ($dir) {
    die "osstest: cannot publish $dir: not a directory\n" unless -d $dir;
    my $tmp = tempdir(CLEANUP => 1);
    my ($rc, $err) = capture(
        'tar',        '-C',         $dir,        '--sort=name',
        '--mtime=@0', '--owner=0',  '--group=0', '--numeric-owner',
        '-cf',        "$tmp/a.tar", '.'
    );
    die "osstest: tar of $dir failed (status $rc)\n" if $rc != 0;
    my $data = do { local (@ARGV, $/) = "$tmp/a.tar"; <> };
    my $hex  = sha256_hex($data);
    my $url  = store_url() . "/sha256/$hex.tar";
    put($url, $data) unless http()->request('HEAD', $url)->{success};
    return "sha256:$hex";
}

# The local directory holding artefact KEY, fetched and checked when needed.
sub fetch ($key) {
    my ($hex) = $key =~ /^sha256:([0-9a-f]{64})$/
        or die "osstest: bad artefact key '$key' (sha256:HEX)\n";
    my $dir = results_dir() . "/artefacts/sha256/$hex";
    return $dir if -e "$dir/.osstest-verified";
    my $url = store_url() . "/sha256/$hex.tar";
    my $r   = http()->get($url);
    die "osstest: GET $url: $r->{status} $r->{reason}\n" unless $r->{success};
    my $got = sha256_hex($r->{content});
    die "osstest: artefact $url is corrupt: its SHA-256 is $got\n" if $got ne $hex;
    my $parent = results_dir() . '/artefacts/sha256';
    make_path($parent);
    my $tmp = tempdir("$hex.XXXX", DIR => $parent);
    open my $fh, '>', "$tmp.tar" or die "osstest: cannot write $tmp.tar: $!\n";
    print $fh $r->{content};
    close $fh or die "osstest: cannot write $tmp.tar: $!\n";
    my ($rc) = capture('tar', '-C', $tmp, '-xf', "$tmp.tar");
    unlink "$tmp.tar";
    die "osstest: cannot unpack $url (tar status $rc)\n" if $rc != 0;
    open my $ok, '>', "$tmp/.osstest-verified" or die "osstest: $tmp: $!\n";
    close $ok;
    remove_tree($dir) if -e $dir;    # an unverified leftover
    rename $tmp, $dir or die "osstest: cannot move $tmp to $dir: $!\n";
    return $dir;
}

# Publish the log files under DIR (*.log, *.txt, *.json) as
# URL/logs/FLIGHT/JOB/...; returns that URL.
sub publish_logs ($dir, $flight, $job) {
    my $base = store_url() . "/logs/$flight/$job";
    my @files;
    find(sub { push @files, $File::Find::name if -f $_ && /\.(log|txt|json)$/ }, $dir);
    for my $f (sort @files) {
        (my $rel = $f) =~ s{^\Q$dir\E/}{};
        my $data = do { local (@ARGV, $/) = $f; <> }
            // '';
        put("$base/" . join('/', map { uri_escape($_) } split m{/}, $rel), $data);
    }
    return "$base/";
}

sub uri_escape ($s) { $s =~ s/([^\w.~-])/sprintf('%%%02X', ord $1)/ge; return $s }

1;
