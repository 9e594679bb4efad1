package Osstest::Step;

# What a step script (osstest/ts/ts-*) sees: its flight, job, step number and
# job directory from the environment the executor gives it, the job's
# runvars and those of the jobs it needs, and a way to record subtests.

use v5.36;
use strict;
use warnings;
use JSON::PP ();
use Osstest::DB;
use Osstest::Flight;
use Osstest::Util qw(results_dir);

# Exit codes of step scripts, as the executor reads them.
use constant {PASS => 0, FAIL => 1, BROKEN => 2, SKIP => 3};

sub from_env ($class) {
    for my $v (qw(OSSTEST_DSN OSSTEST_JOB_ID OSSTEST_STEPNO OSSTEST_JOBDIR)) {
        die "osstest: $v is not set: step scripts run under 'osstest run-flight'\n"
            unless defined $ENV{$v};
    }
    my $db   = Osstest::DB->connect(dsn => $ENV{OSSTEST_DSN}, no_migrate => 1);
    my $self = bless {
        db     => $db,
        flight => $ENV{OSSTEST_FLIGHT},
        job    => $ENV{OSSTEST_JOB},
        job_id => $ENV{OSSTEST_JOB_ID},
        stepno => $ENV{OSSTEST_STEPNO},
        dir    => $ENV{OSSTEST_JOBDIR},
        host   => $ENV{OSSTEST_HOST},
    }, $class;
    $self->{rv} = Osstest::Flight::runvars($db, $self->{job_id});
    return $self;
}

sub db        ($self) { return $self->{db} }
sub dir       ($self) { return $self->{dir} }
sub host_name ($self) { return $self->{host} }

sub log ($self, $msg) {
    my @t = gmtime;
    printf "%02d:%02d:%02d %s\n", @t[2, 1, 0], $msg;
    return;
}

# A runvar of this job, or (searching the jobs it needs, nearest first) of a
# job it depends on. Dies when required and missing.
sub runvar ($self, $name, @default) {
    return $self->{rv}{$name} if defined $self->{rv}{$name};
    my $deps = $self->{db}->dbh->selectall_arrayref(
        q{WITH RECURSIVE up(job_id, depth) AS (
              SELECT needs, 1 FROM job_deps WHERE job_id = ?
              UNION SELECT d.needs, up.depth + 1 FROM job_deps d JOIN up ON d.job_id = up.job_id)
          SELECT r.value FROM up JOIN runvars r ON r.job_id = up.job_id AND r.name = ?
          ORDER BY up.depth, up.job_id LIMIT 1}, undef, $self->{job_id}, $name
    );
    return $deps->[0][0] if @$deps;
    return $default[0]   if @default;
    die "osstest: job $self->{job}: no runvar '$name' here or in the jobs it needs\n";
}

sub set_runvar ($self, $name, $value) {
    Osstest::Flight::set_runvar($self->{db}, $self->{job_id}, $name, $value, 1);
    $self->{rv}{$name} = $value;
    return;
}

# Record one subtest of this step: its own testid, status (pass, fail,
# broken, skip), log path, duration and the runner's word on it (detail: a
# skip's reason, a failure's message).
sub record_subtest ($self, %t) {
    my $db  = $self->{db};
    my $log = $t{log} // '';
    my $res = results_dir() . '/';
    $log =~ s/^\Q$res\E//;
    $db->txn(
        sub ($dbh) {
            $dbh->selectrow_array('SELECT 1 FROM jobs WHERE job_id = ? FOR UPDATE',
                undef, $self->{job_id});
            my ($n) = $dbh->selectrow_array(
                'SELECT coalesce(max(stepno), 0) + 1 FROM steps WHERE job_id = ?',
                undef, $self->{job_id});
            my ($a) = $dbh->selectrow_array(
                'SELECT coalesce(max(attempt), 0) + 1 FROM steps WHERE job_id = ? AND testid = ?',
                undef, $self->{job_id}, $t{testid});
            $dbh->do(
                q{INSERT INTO steps (job_id, stepno, testid, attempt, kind, parent, status,
                                 started, finished, log, detail)
              VALUES (?, ?, ?, ?, 'subtest', ?, ?,
                      now() - make_interval(secs => ?), now(), ?, ?)}, undef,
                $self->{job_id},  $n,   $t{testid}, $a, $self->{stepno}, $t{status},
                $t{seconds} // 0, $log, substr($t{detail} // '', 0, 2000)
            );
        }
    );
    return;
}

# The hypervisor image built by the job this one needs: runvar xen_image,
# else files/boot/xen (raisin's layout), boot/xen, xen or xen/xen inside the
# xen artefact (runvar path_xen).
sub xen_image ($self) {
    my $img = $self->runvar('xen_image', undef);
    return $img if defined $img;
    my $dir = $self->runvar('path_xen');
    for my $c ("$dir/files/boot/xen", "$dir/boot/xen", "$dir/xen", "$dir/xen/xen") {
        return $c if -f $c;
    }
    die "osstest: no hypervisor image in $dir\n";
}

# The xenstore service domain image the test runner boots with the tests
# that need xenstore: runvar xenstore_image, else lib/xen/boot/xsdom in the
# xen-tools artefact (runvar path_xen_tools; raisin's layout files/...).
# Returns (image, why) with image '' and the reason when there is none.
sub xenstore_image ($self) {
    my $img = $self->runvar('xenstore_image', undef);
    if (defined $img) {
        return -f $img ? ($img, '') : ('', "runvar xenstore_image names no file ($img)");
    }
    my $dir = $self->runvar('path_xen_tools', undef);
    return ('', 'no xen-tools artefact (runvar path_xen_tools) in the jobs this one needs')
        unless defined $dir;
    for my $c ("$dir/files/lib/xen/boot/xsdom", "$dir/lib/xen/boot/xsdom") {
        return ($c, '') if -f $c;
    }
    return ('', "the xen-tools artefact $dir has no lib/xen/boot/xsdom");
}

my %RESULT = (
    SUCCESS => 'pass',
    SKIP    => 'skip',
    ERROR   => 'fail',
    FAILURE => 'fail',
    CRASH   => 'fail',
);

# Read a runner JSON file ({"tests": [{name, result, log, seconds}]}); returns
# a list of {name, status, log, seconds} or dies naming the problem.
sub read_results_json ($file) {
    open my $fh, '<', $file or die "osstest: cannot read results $file: $!\n";
    my $text = do { local $/; <$fh> };
    my $data = eval { JSON::PP->new->decode($text) } // die "osstest: $file: not valid JSON: $@";
    die "osstest: $file: no \"tests\" list\n"
        unless ref $data eq 'HASH' && ref $data->{tests} eq 'ARRAY';
    my @out;
    my $i = 0;
    for my $t (@{$data->{tests}}) {
        die "osstest: $file: tests[$i] has no name\n" unless ref $t eq 'HASH' && defined $t->{name};
        die "osstest: $file: tests[$i] has a name of "
            . length($t->{name})
            . " characters (at most 200)\n"
            if length $t->{name} > 200;
        die "osstest: $file: tests[$i] ($t->{name}) has bad name\n"
            unless $t->{name} =~ m{^[\w.+/~-]+$};
        my $status = $RESULT{$t->{result} // ''}
            // die "osstest: $file: tests[$i] ($t->{name}) has unknown result '"
            . ($t->{result} // '') . "'\n";
        my %one = (
            name    => $t->{name},
            status  => $status,
            log     => $t->{log}     // '',
            seconds => $t->{seconds} // 0,
        );
        my $detail = $t->{reason} // $t->{detail};
        $one{detail} = $detail if defined $detail;

        # A runner that retried a test itself lists every attempt.
        if (ref $t->{attempts} eq 'ARRAY' && @{$t->{attempts}}) {
            $one{attempts} = [
                map {
                    {
                        status => $RESULT{$_->{result} // ''}
                            // die("osstest: $file: $t->{name}: bad attempt result\n"),
                        log     => $_->{log}     // '',
                        seconds => $_->{seconds} // 0,
                    }
                } @{$t->{attempts}}
            ];
        }
        push @out, \%one;
        $i++;
    }
    return @out;
}

# The directory for attempt N (default: the current one) of a suite whose
# results go under BASE: every attempt keeps its own logs.
sub attempt_dir ($self, $base, $attempt = $self->{attempt} // 1) {
    return "$base/attempt-$attempt";
}

# The boots of a runner's plan file (plan.json): lists of instance names,
# in boot order. Empty when there is no plan.
sub plan_boots ($file) {
    open my $fh, '<', $file or return ();
    my $plan = eval {
        JSON::PP->new->decode(do { local $/; <$fh> });
    } or return ();
    my @boots;
    for my $b (@{$plan->{boots} // []}) {
        my %seen;    # a test with companions has several modules
        push @boots, [grep { !$seen{$_}++ } map { $_->{instance} } @{$b->{modules} // []}];
    }
    return @boots;
}

# Run a test suite that writes runner JSON and record each test as a subtest
# PREFIX/NAME. A failing test is run again (up to RETRIES times) in the same
# packing: the tests of the boot it failed in, in one boot (runner arguments
# RETRY_ARGS, e.g. --jobs 1), when PLAN->(attempt) names the runner's plan
# file; else alone. Each retry is another attempt of the same testid, with
# its own logs (attempt_dir); a pass on retry is a flake, which the report
# counts apart. Tests the runner already retried itself ("attempts" in its
# JSON) are recorded attempt by attempt and not run again here.
# RUN->(json_file, @selection) runs the suite and returns its exit status.
# Returns the step's exit code.
sub run_json_suite ($self, %a) {
    my $retries = $a{retries} // 0;
    my (%final, %retried_by_runner);
    my @groups = ([]);    # selections to run for this attempt
    for my $try (0 .. $retries) {
        $self->{attempt} = $try + 1;
        my @next;
        for my $sel (@groups) {
            my $json = "$self->{dir}/$a{name}-attempt-$self->{attempt}"
                . (@groups > 1 ? '-' . (1 + scalar @next) : '') . '.json';
            unlink $json;
            $self->log("running $a{name}" . ($try ? " (attempt $self->{attempt}: @$sel)" : ''));
            my $rc = $a{run}->($json, @$sel);
            $self->log("$a{name} exit status $rc");
            if (!-s $json) {
                $self->log("no results file $json");
                return BROKEN;
            }
            my @tests = eval { read_results_json($json) };
            if ($@)               { $self->log($@);             return BROKEN }
            if (!@tests && !$try) { $self->log('no tests ran'); return BROKEN }
            for my $t (@tests) {

                # In a same-packing retry, only the tests that failed count.
                next if $try && ($final{$t->{name}} // '') ne 'fail';
                for my $at (@{$t->{attempts} // [$t]}) {
                    $self->record_subtest(
                        testid  => "$a{prefix}$t->{name}",
                        status  => $at->{status},
                        log     => $at->{log},
                        seconds => $at->{seconds},
                        detail  => $at == $t || $at == $t->{attempts}[-1] ? $t->{detail} : undef,
                    );
                    $self->log("  $a{prefix}$t->{name}: $at->{status}"
                            . ($try || $t->{attempts} ? " (attempt $self->{attempt})" : ''));
                }
                $retried_by_runner{$t->{name}} = 1 if $t->{attempts};
                $final{$t->{name}}             = $t->{status};
            }
        }
        my @failed = sort grep { $final{$_} eq 'fail' && !$retried_by_runner{$_} } keys %final;
        last unless @failed && $try < $retries;
        my @boots   = $a{plan} ? plan_boots($a{plan}->($self->{attempt})) : ();
        my %pending = map { $_ => 1 } @failed;
        @groups = ();
        for my $b (@boots) {
            next unless grep { $pending{$_} } @$b;
            delete @pending{@$b};
            push @groups, [grep { defined $final{$_} } @$b];
        }
        push @groups, [$_] for sort keys %pending;
    }
    return (grep { $final{$_} eq 'fail' } keys %final) ? FAIL : PASS;
}

1;
