package Osstest::Executive;

# Running flights: workers with heartbeats, claiming runnable jobs and
# allocating hosts with row locks (FOR UPDATE SKIP LOCKED), running each job's
# steps in a child process, and recovering the jobs and hosts of dead workers.

use v5.36;
use strict;
use warnings;
use POSIX         qw(:sys_wait_h);
use Sys::Hostname qw(hostname);
use Time::HiRes   qw(time sleep);
use IO::Handle;
use File::Path qw(make_path);
use Osstest::DB;
use Osstest::Flight;
use Osstest::Template;
use Osstest::Host;
use Osstest::Errors;
use Osstest::Owned qw(owner_token kill_owned);
use Osstest::Util  qw(top_dir results_dir);

# Set in a job's process when run-flight tells it to stop.
our $JOB_STOP = 0;

# Steps print progress (off for quiet executives: gate, bisection).
our $PROGRESS = 1;

# The last non-empty line of FILE (its final 4 KiB read), '' if none.
sub last_line ($file) {
    open my $fh, '<', $file or return '';
    my $size = -s $fh;
    seek $fh, $size > 4096 ? $size - 4096 : 0, 0;
    my @lines = grep { /\S/ } split /\n/, do { local $/; <$fh> }
        // '';
    my $l = $lines[-1] // '';
    $l =~ s/[\x00-\x1f\x7f]//g;
    return substr $l, 0, 160;
}

sub heartbeat_expiry () { return $ENV{OSSTEST_HEARTBEAT_EXPIRY} // 60 }

sub new ($class, $db, %opt) {
    my $self = bless {
        db       => $db,
        max_jobs => $opt{max_jobs} // ncpus(),
        children => {},
        quiet    => $opt{quiet}
    }, $class;
    ($self->{worker}) = $db->dbh->selectrow_array(
        'INSERT INTO workers (hostname, pid) VALUES (?, ?) RETURNING worker',
        undef, hostname(), $$);
    $self->{last_beat} = time;
    return $self;
}

sub ncpus () {
    open my $fh, '<', '/proc/cpuinfo' or return 1;
    my $n = grep { /^processor\s*:/ } <$fh>;
    return $n || 1;
}

sub say_ ($self, $msg) { print "$msg\n" unless $self->{quiet}; return }

sub heartbeat ($self) {
    my $interval = heartbeat_expiry() / 4;
    $interval = 1 if $interval < 1;
    return if time - $self->{last_beat} < $interval;
    $self->{db}
        ->dbh->do('UPDATE workers SET heartbeat = now() WHERE worker = ?', undef, $self->{worker});
    $self->{last_beat} = time;
    return;
}

# Give back the jobs and hosts of WORKER: its unfinished jobs are queued
# again (finished steps are kept, running ones marked aborted) and its
# allocations disappear with its row.
sub release_worker ($db, $worker) {
    $db->txn(
        sub ($dbh) {
            my $row = $dbh->selectrow_arrayref(
                'SELECT worker FROM workers WHERE worker = ? FOR UPDATE SKIP LOCKED',
                undef, $worker)
                or return;
            $dbh->do(
                q{UPDATE steps SET status = 'aborted', finished = now()
              WHERE status = 'running' AND job_id IN
                (SELECT job_id FROM jobs WHERE worker = ? AND status IN ('preparing', 'running'))},
                undef, $worker
            );
            $dbh->do(
                q{UPDATE jobs SET status = 'queued', worker = NULL
              WHERE worker = ? AND status IN ('preparing', 'running')}, undef, $worker
            );
            $dbh->do('DELETE FROM workers WHERE worker = ?', undef, $worker);
        }
    );
    return;
}

# Release every worker whose heartbeat expired, or which ran on this machine
# under a process that no longer exists.
sub sweep_dead_workers ($db, $me = 0) {
    my $rows = $db->dbh->selectall_arrayref(
        q{SELECT worker, hostname, pid, heartbeat < now() - make_interval(secs => ?)
          FROM workers WHERE worker <> ?}, undef, heartbeat_expiry(), $me
    );
    my $here = hostname();
    my @dead;
    for my $r (@$rows) {
        my ($w, $host, $pid, $expired) = @$r;
        next unless $expired || ($host eq $here && !kill(0, $pid) && $!{ESRCH});
        push @dead, $w;
        next unless $host eq $here;

        # What the dead worker's steps started on this machine goes with it.
        my $jobs = $db->dbh->selectcol_arrayref(
            q{SELECT job_id FROM jobs WHERE worker = ? AND status IN ('preparing', 'running')},
            undef, $w);
        kill_owned(owner_token($db->dsn, $_)) for @$jobs;
    }
    release_worker($db, $_) for @dead;
    return scalar @dead;
}

# Mark queued jobs blocked when a job they need ended without passing.
sub block_jobs ($db, $flight) {
    my $n = 0;
    while (1) {
        my $c = $db->dbh->do(
            q{UPDATE jobs j SET status = 'blocked', finished = now()
              WHERE j.flight = ? AND j.status = 'queued' AND EXISTS (
                SELECT 1 FROM job_deps d JOIN jobs n ON n.job_id = d.needs
                WHERE d.job_id = j.job_id
                  AND n.status IN ('fail', 'broken', 'blocked', 'aborted'))}, undef, $flight
        );
        last if $c == 0;
        $n += $c;
    }
    return $n;
}

# Allocate a free host with all FLAGS to JOB_ID for WORKER, inside a
# transaction. Returns the host name, '' if none is free now, undef if no
# usable host has those flags at all.
sub allocate_host ($dbh, $job_id, $worker, @flags) {

    # A host wired to another controller (property controller) is not ours.
    my ($host) = $dbh->selectrow_array(
        q{SELECT h.host FROM hosts h
          WHERE NOT h.broken
            AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.host = h.host)
            AND NOT EXISTS (SELECT 1 FROM host_props p WHERE p.host = h.host
                            AND p.name = 'controller' AND p.value <> ?)
            AND (SELECT count(*) FROM host_flags f
                 WHERE f.host = h.host AND f.flag = ANY (?)) = ?
          ORDER BY h.host LIMIT 1 FOR UPDATE OF h SKIP LOCKED}, undef,
        Osstest::Host::controller_name(), \@flags, scalar @flags
    );
    if (defined $host) {
        $dbh->do('INSERT INTO allocations (host, job_id, worker) VALUES (?, ?, ?)',
            undef, $host, $job_id, $worker);
        return $host;
    }
    my ($exists) = $dbh->selectrow_array(
        q{SELECT count(*) FROM hosts h WHERE NOT h.broken
          AND (SELECT count(*) FROM host_flags f
               WHERE f.host = h.host AND f.flag = ANY (?)) = ?}, undef, \@flags, scalar @flags
    );
    return $exists ? '' : undef;
}

# Claim one runnable job of FLIGHT: queued, every job it needs passed, and a
# host with its flags free. Returns (job row, host) or ().
sub claim_job ($self, $flight) {
    my $db = $self->{db};
    return $db->txn(
        sub ($dbh) {
            my $cands = $dbh->selectall_arrayref(
                q{SELECT j.job_id, j.job FROM jobs j
              WHERE j.flight = ? AND j.status = 'queued'
                AND NOT EXISTS (SELECT 1 FROM job_deps d JOIN jobs n ON n.job_id = d.needs
                                WHERE d.job_id = j.job_id AND n.status <> 'pass')
              ORDER BY j.job_id FOR UPDATE OF j SKIP LOCKED}, {Slice => {}}, $flight
            );
            for my $c (@$cands) {
                my ($flags) = $dbh->selectrow_array(
                    q{SELECT value FROM runvars WHERE job_id = ? AND name = 'hostflags'},
                    undef, $c->{job_id});
                my $host  = '';
                my @flags = grep { length } split /,/, $flags // '';
                if (@flags) {
                    $host = allocate_host($dbh, $c->{job_id}, $self->{worker}, @flags);
                    if (!defined $host) {
                        $dbh->do(
                            q{UPDATE jobs SET status = 'broken', finished = now() WHERE job_id = ?},
                            undef, $c->{job_id}
                        );
                        $dbh->do(
                            q{INSERT INTO runvars (job_id, name, value, synth)
                          VALUES (?, 'broken_why', ?, true) ON CONFLICT DO NOTHING},
                            undef, $c->{job_id}, "no usable host has flags @flags"
                        );
                        next;
                    }
                    next if $host eq '';
                }
                $dbh->do(
                    q{UPDATE jobs SET status = 'preparing', worker = ?,
                  started = coalesce(started, now()) WHERE job_id = ?}, undef,
                    $self->{worker}, $c->{job_id}
                );
                return ($c, $host);
            }
            return ();
        }
    );
}

sub active_jobs ($db, $flight) {
    my ($n) = $db->dbh->selectrow_array(
        q{SELECT count(*) FROM jobs
          WHERE flight = ? AND status IN ('queued', 'preparing', 'running')}, undef, $flight
    );
    return $n;
}

# Run FLIGHT to the end (or until interrupted). Returns the flight row.
sub run_flight ($self, $flight) {
    my $db = $self->{db};
    Osstest::Flight::get($db, $flight);
    $db->dbh->do(
        q{UPDATE flights SET started = coalesce(started, now()), blessing = 'running'
          WHERE flight = ? AND finished IS NULL}, undef, $flight
    );
    my $stop = 0;
    local $SIG{INT}  = sub { $stop = 'INT' };
    local $SIG{TERM} = sub { $stop = 'TERM' };
    local $SIG{HUP}  = sub { $stop = 'HUP' };
    my $ok = eval { $self->run_loop($flight, \$stop); 1 };
    if (!$ok) {
        my $err = $@;

        # The database (or this loop) failed: stop the jobs; whatever they
        # left unfinished is resumed by the next run-flight.
        $self->stop_children;
        die $err;
    }
    return $stop if ref $stop;
    if ($stop) {
        $self->interrupt;
        die "osstest: run-flight $flight interrupted (SIG$stop); run it again to resume\n";
    }
    $db->dbh->do(
        q{UPDATE flights SET blessing = intended, finished = now()
          WHERE flight = ? AND finished IS NULL}, undef, $flight
    );
    return Osstest::Flight::get($db, $flight);
}

sub run_loop ($self, $flight, $stop) {
    my $db = $self->{db};
    while (1) {
        $self->heartbeat;
        $self->reap($flight);
        last if $$stop;
        my ($blessing) = $db->dbh->selectrow_array('SELECT blessing FROM flights WHERE flight = ?',
            undef, $flight);
        if ($blessing eq 'cancelled') {
            $self->interrupt;
            $self->say_("flight $flight: cancelled");
            $$stop = Osstest::Flight::get($db, $flight);
            return;
        }
        sweep_dead_workers($db, $self->{worker});
        block_jobs($db, $flight);
        while (keys %{$self->{children}} < $self->{max_jobs}) {
            my ($job, $host) = $self->claim_job($flight) or last;
            $self->start_job($flight, $job, $host);
        }
        last if !%{$self->{children}} && active_jobs($db, $flight) == 0;
        sleep 0.25;
    }
    return;
}

sub stop_children ($self) {
    for my $pid (keys %{$self->{children}}) {
        kill 'TERM', -$pid;
    }
    for my $pid (keys %{$self->{children}}) {
        waitpid $pid, 0;
        kill_owned(owner_token($self->{db}->dsn, $self->{children}{$pid}{job}{job_id}));
    }
    $self->{children} = {};
    return;
}

sub interrupt ($self) {
    $self->stop_children;
    release_worker($self->{db}, $self->{worker});
    $self->{worker} = 0;
    return;
}

sub finish ($self) {
    release_worker($self->{db}, $self->{worker}) if $self->{worker};
    $self->{worker} = 0;
    return;
}

sub start_job ($self, $flight, $job, $host) {
    my $db = $self->{db};
    $self->say_("flight $flight: job $job->{job} started" . ($host ? " on host $host" : ''));
    local $PROGRESS = !$self->{quiet};
    my $pid = fork // die "osstest: fork: $!\n";
    if ($pid == 0) {
        setpgrp(0, 0);
        $SIG{$_} = 'DEFAULT' for qw(INT HUP);

        # Stopped by run-flight: the running step is stopped with everything it started.
        $SIG{TERM} = sub { $JOB_STOP = 1 };
        my $rc = eval {
            my $cdb = Osstest::DB->connect(
                dsn        => $db->dsn,
                user       => $db->{user},
                password   => $db->{password},
                no_migrate => 1
            );
            my $status = run_job($cdb, $job->{job_id}, $host, getppid());
            $cdb->disconnect;
            0;
        } // do {

            # A lost database is told once, by run-flight itself.
            print STDERR Osstest::Errors::mask_secrets($@)
                unless Osstest::Errors::is_db_lost($@);
            1;
        };
        POSIX::_exit($rc);
    }
    $self->{children}{$pid} = {job => $job, host => $host};
    return;
}

sub reap ($self, $flight) {
    my $db = $self->{db};
    while ((my $pid = waitpid(-1, WNOHANG)) > 0) {
        my $c  = delete $self->{children}{$pid} or next;
        my $rc = $?;
        kill_owned(owner_token($db->dsn, $c->{job}{job_id})); # a job killed mid-step leaves nothing
        my $row = $db->dbh->selectrow_hashref('SELECT status FROM jobs WHERE job_id = ?',
            undef, $c->{job}{job_id});
        if ($row->{status} =~ /^(preparing|running)$/) {
            $db->txn(
                sub ($dbh) {
                    $dbh->do(
                        q{UPDATE steps SET status = 'broken', finished = now()
                           WHERE job_id = ? AND status = 'running'}, undef, $c->{job}{job_id}
                    );
                    $dbh->do(
                        q{UPDATE jobs SET status = 'broken', finished = now()
                           WHERE job_id = ?}, undef, $c->{job}{job_id}
                    );
                    $dbh->do('DELETE FROM allocations WHERE job_id = ?', undef, $c->{job}{job_id});
                }
            );
            $row->{status} = "broken (job runner exit status $rc)";
        }
        $self->say_("flight $flight: job $c->{job}{job} $row->{status}");
    }
    return;
}

sub job_dir ($flight, $job) {
    my $dir = results_dir() . "/flights/$flight/$job";
    make_path($dir);
    return $dir;
}

# Run the steps of one job (in its own process). Steps that finished before
# (a resumed job) are kept and not run again. PARENT: the worker's pid; if it
# goes away, the running step is killed and the job left for recovery.
sub run_job ($db, $job_id, $host, $parent) {
    my $dbh = $db->dbh;
    my $job = $dbh->selectrow_hashref('SELECT * FROM jobs WHERE job_id = ?', undef, $job_id);

    # The same inputs as a job that already ran: its outcome, not another run.
    if (!@{Osstest::Flight::steps($db, $job_id)}) {
        require Osstest::Reuse;
        my $reused = Osstest::Reuse::try($db, $job_id);
        return $reused if defined $reused;
    }
    $dbh->do(q{UPDATE jobs SET status = 'running' WHERE job_id = ?}, undef, $job_id);
    my $rv = Osstest::Flight::runvars($db, $job_id);
    Osstest::Flight::set_runvar($db, $job_id, 'host', $host) if $host;

    # Every job records the controller it ran on, with a host or not.
    Osstest::Flight::set_runvar($db, $job_id, 'controller', Osstest::Host::controller_name());
    my $dir = job_dir($job->{flight}, $job->{job});
    my %done;
    for my $s (@{Osstest::Flight::steps($db, $job_id)}) {
        next if $s->{kind} ne 'step' || $s->{status} !~ /^(pass|fail|broken|skip)$/;
        $done{$s->{testid}} = $s->{status};
    }
    my ($fail, $broken) = (0, 0);
    for my $step (Osstest::Template::steps_from_text($rv->{recipe_steps} // '')) {
        my $status = $done{$step->{testid}};
        if (!defined $status) {
            next if ($fail || $broken) && !$step->{always};
            $status = run_step($db, $job, $step, $dir, $host, $parent);
        }
        $fail++   if $status eq 'fail';
        $broken++ if $status eq 'broken';
    }
    my $final = $broken ? 'broken' : $fail ? 'fail' : 'pass';
    $db->txn(
        sub ($dbh) {
            $dbh->do(q{UPDATE jobs SET status = ?, finished = now() WHERE job_id = ?},
                undef, $final, $job_id);
            $dbh->do('DELETE FROM allocations WHERE job_id = ?', undef, $job_id);
        }
    );
    if ($host) {    # the host's health record; may quarantine it
        require Osstest::Host::Health;
        Osstest::Host::Health::record_job($db, $host, $job_id, $final);
    }
    return $final;
}

sub safe_name ($testid) { (my $s = $testid) =~ s{[^\w.+-]}{_}g; return $s }

sub run_step ($db, $job, $step, $dir, $host, $parent) {
    my $dbh    = $db->dbh;
    my $job_id = $job->{job_id};
    my ($stepno, $attempt) = $db->txn(
        sub ($dbh) {
            $dbh->selectrow_array('SELECT 1 FROM jobs WHERE job_id = ? FOR UPDATE', undef, $job_id);
            my ($n) = $dbh->selectrow_array(
                'SELECT coalesce(max(stepno), 0) + 1 FROM steps WHERE job_id = ?',
                undef, $job_id);
            my ($a) = $dbh->selectrow_array(
                'SELECT coalesce(max(attempt), 0) + 1 FROM steps WHERE job_id = ? AND testid = ?',
                undef, $job_id, $step->{testid});
            my $log =
                "flights/$job->{flight}/$job->{job}/$n." . safe_name($step->{testid}) . '.log';
            $dbh->do(
                q{INSERT INTO steps (job_id, stepno, testid, attempt, script, log)
              VALUES (?, ?, ?, ?, ?, ?)}, undef, $job_id, $n, $step->{testid}, $a,
                $step->{script}, $log
            );
            return ($n, $a);
        }
    );
    my ($log) = $dbh->selectrow_array('SELECT log FROM steps WHERE job_id = ? AND stepno = ?',
        undef, $job_id, $stepno);
    my $rv  = Osstest::Flight::runvars($db, $job_id);
    my %env = (
        $db->child_env,
        OSSTEST_FLIGHT  => $job->{flight},
        OSSTEST_JOB     => $job->{job},
        OSSTEST_JOB_ID  => $job_id,
        OSSTEST_STEPNO  => $stepno,
        OSSTEST_TESTID  => $step->{testid},
        OSSTEST_JOBDIR  => $dir,
        OSSTEST_RESULTS => results_dir(),
        OSSTEST_TOP     => top_dir(),
        OSSTEST_HOST    => $host // '',
        OSSTEST_OWNER   => owner_token($db->dsn, $job_id, $stepno),
        PERL5LIB        => join(':', top_dir() . '/osstest/lib', $ENV{PERL5LIB} // ()),
        map { ("OSSTEST_RV_$_" => $rv->{$_}) } grep { /^\w+$/ && $_ ne 'recipe_steps' }
            keys %$rv,
    );
    my $script  = top_dir() . "/osstest/ts/$step->{script}";
    my @args    = split ' ', $step->{args} // '';
    my $timeout = $rv->{"timeout_$step->{testid}"} // $rv->{step_timeout} // 3600;
    my $pid     = fork // die "osstest: fork: $!\n";
    if ($pid == 0) {
        setpgrp(0, 0);
        @ENV{keys %env} = values %env;
        chdir $dir;
        open STDIN,  '<',  '/dev/null';
        open STDOUT, '>',  results_dir() . "/$log" or POSIX::_exit(2);
        open STDERR, '>&', \*STDOUT;
        exec {$script} $script, @args or POSIX::_exit(2);
    }
    my $start = time;
    my ($status, $why);
    my ($said,   $said_at) = ('', $start);
    while (1) {
        if ($PROGRESS && time - $said_at >= 10) {

            # Progress of a long step: the last line of its log, every 10 s.
            my $line = last_line(results_dir() . "/$log");
            printf "flight %d job %s %s (%ds): %s\n", $job->{flight}, $job->{job}, $step->{testid},
                time - $start, $line
                if length $line && $line ne $said;
            STDOUT->flush;
            ($said, $said_at) = ($line, time);
        }
        my $r = waitpid($pid, WNOHANG);
        if ($r == $pid) {
            my $rc = $? & 127 ? 128 + ($? & 127) : $? >> 8;
            $status = $rc == 0 ? 'pass' : $rc == 1 ? 'fail' : $rc == 3 ? 'skip' : 'broken';
            last;
        }
        if (getppid() != $parent || $JOB_STOP) {
            kill 'KILL', -$pid;
            waitpid $pid, 0;
            kill_owned(owner_token($db->dsn, $job_id, $stepno));
            POSIX::_exit(3);
        }
        if (time - $start > $timeout) {
            kill 'KILL', -$pid;
            waitpid $pid, 0;
            ($status, $why) = ('broken', "timed out after ${timeout}s");
            last;
        }
        sleep 0.1;
    }
    kill 'KILL', -$pid;    # anything the step left behind in its group
    my $left = kill_owned(owner_token($db->dsn, $job_id, $stepno));    # or in sessions of its own
    $why = ($why ? "$why; " : '') . "stopped $left process(es) it left running" if $left;
    if ($why) {
        open my $fh, '>>', results_dir() . "/$log";
        print $fh "osstest: step $why\n";
    }
    $dbh->do(q{UPDATE steps SET status = ?, finished = now() WHERE job_id = ? AND stepno = ?},
        undef, $status, $job_id, $stepno);
    return $status;
}

1;
