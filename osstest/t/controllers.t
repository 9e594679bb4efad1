#!/usr/bin/perl
# Two controllers on one PostgreSQL server: two osstest processes with
# separate result roots (as on two machines) and their own names run one
# flight. The build runs on controller ctl1 and is published to the artefact
# store (nginx, taking PUT); ctl1's results are then moved out of reach; the
# test job needs a host wired to ctl2, so ctl2 runs it: it fetches the
# build by checksum from the store into its own cache and passes. Logs are
# published to the store too. A corrupt artefact is refused.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use HTTP::Tiny;
use OsstestTest;
use OsstestLab;
use Osstest::Flight;
use Osstest::Util qw(top_dir);

my $db  = test_db();
my $dir = $ENV{OSSTEST_RESULTS};
my $web = start_nginx("$dir/store");
$ENV{OSSTEST_ARTEFACT_URL} = "$web->{url}/artefacts";
my $lab = "$dir/lab";
system('mkdir', '-p', "$lab/hosts") == 0 or die;
put_file("$lab/hosts/c2host", <<'END');
# A virtual host wired to controller ctl2.
kind = qemu-local
flags = virt ctl2
controller = ctl2
smp = 1
memory = 128
END
$ENV{OSSTEST_LAB_CONFIGS} = $lab;
my ($rc, $out) = osstest('hosts', 'add');
is($rc, 0, 'host added') or diag $out;
my $repo = make_repo();
my $tmpl = put_file("$dir/two.tmpl", <<'END');
tree main
job build recipe=build
    step checkout ts-checkout main
    step build ts-command make
    step publish ts-artefacts-publish workdir
    always logs-publish ts-logs-publish
job test recipe=test needs=build hostflags=ctl2
    step fetch ts-artefacts-fetch
    step tests ts-json-tests t ./run-tests
    always logs-publish ts-logs-publish
END
my $f;
($rc, $f) = osstest('make-flight', 'two', '--template', $tmpl, '--repo', $repo);
chomp $f;
my %j = map { $_->{job} => $_ } @{Osstest::Flight::jobs($db, $f)};

sub status ($job) {
    return (
        $db->dbh->selectrow_array(
            'SELECT status FROM jobs WHERE job_id = ?',
            undef, $j{$job}{job_id}
        )
    )[0];
}

my $bin = top_dir() . '/osstest/bin/osstest';
my $c1  = do {
    local $ENV{OSSTEST_RESULTS}    = "$dir/ctl1";
    local $ENV{OSSTEST_CONTROLLER} = 'ctl1';
    system('mkdir', '-p', "$dir/ctl1") == 0 or die;
    spawn_bg("$dir/ctl1.out", $bin, 'run-flight', $f);
};
my $deadline = time + 120;
sleep 0.2 while status('build') !~ /^(pass|fail|broken)$/ && time < $deadline;
is(status('build'), 'pass',   'controller ctl1 built');
is(status('test'),  'queued', 'ctl1 does not take the test job: its host is wired to ctl2');
rename "$dir/ctl1", "$dir/ctl1-gone" or die "rename: $!";    # another machine's disk
{
    local $ENV{OSSTEST_RESULTS}    = "$dir/ctl2";
    local $ENV{OSSTEST_CONTROLLER} = 'ctl2';
    system('mkdir', '-p', "$dir/ctl2") == 0 or die;
    ($rc, $out) = osstest('run-flight', $f);
}
is($rc,            0,      'controller ctl2 ran the rest of the flight') or diag $out;
is(status('test'), 'pass', 'the test job passed on ctl2');
$deadline = time + 30;
sleep 0.2 while kill(0, $c1) && time < $deadline && waitpid($c1, 1) == 0;
stop_bg($c1);
my %rv = map { $_ => Osstest::Flight::runvars($db, $j{$_}{job_id}) } qw(build test);
is($rv{build}{controller}, 'ctl1',   'build recorded controller ctl1');
is($rv{test}{controller},  'ctl2',   'test recorded controller ctl2');
is($rv{test}{host},        'c2host', 'test recorded its host');
like($rv{build}{artefact_workdir}, qr/^sha256:[0-9a-f]{64}$/,
    'the build was published by checksum');
my ($hex) = $rv{build}{artefact_workdir} =~ /([0-9a-f]{64})/;
is($rv{test}{workdir}, "$dir/ctl2/artefacts/sha256/$hex", "test used ctl2's fetched copy");
ok(-f "$dir/ctl2/artefacts/sha256/$hex/run-tests", 'the copy holds the build');
my $access = slurp("$web->{dir}/access.log") // '';
like($access, qr{"PUT /artefacts/sha256/$hex\.tar HTTP[^"]*" 20[14]}, 'nginx took the upload');
like($access, qr{"GET /artefacts/sha256/$hex\.tar HTTP[^"]*" 200},    'and served the fetch');
my $http = HTTP::Tiny->new;

for my $job (qw(build test)) {
    like(
        $rv{$job}{logs_url} // '',
        qr{^\Q$web->{url}\E/artefacts/logs/$f/$job/$},
        "$job: logs published"
    );
}
my $idx = $http->get($rv{test}{logs_url});
like($idx->{content} // '', qr/tests\.log/, 'the test job\'s logs are listed on the store');

# A corrupt artefact is refused.
{
    local $ENV{OSSTEST_RESULTS} = "$dir/ctl3";
    require Osstest::Artefacts;
    put_file("$web->{root}/artefacts/sha256/$hex.tar", 'not the build');
    eval { Osstest::Artefacts::fetch("sha256:$hex") };
    like($@, qr/artefact \S+ is corrupt: its SHA-256 is/, 'a corrupt artefact is refused');
    ok(!-e "$dir/ctl3/artefacts/sha256/$hex", '... and not unpacked');
}
stop_bg($web->{pid});
done_testing;
