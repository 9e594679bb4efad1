package Osstest::Host::Health;

# Host health: `osstest hosts check HOST` power-cycles the host through its
# power method, boots the current baseline hypervisor, waits for its ready
# line and records the result; every job that ran on a host is recorded
# too. A host that fails OSSTEST_QUARANTINE_AFTER (default 3) checks or jobs
# in a row is quarantined: marked broken with the reason. A job counts
# against its host when it ended broken (an infrastructure fault); a job
# that failed (the code under test) counts neither way. A pass, or
# `osstest hosts free`, starts the count again. `osstest hosts history`
# shows the events.

use v5.36;
use strict;
use warnings;
use Time::HiRes qw(time);
use File::Path  qw(make_path);
use Osstest::Host;
use Osstest::Util qw(results_dir);

sub quarantine_after () {
    my $n = $ENV{OSSTEST_QUARANTINE_AFTER} // 3;
    die "osstest: OSSTEST_QUARANTINE_AFTER must be a positive number, not '$n'\n"
        unless $n =~ /^[1-9]\d*$/;
    return $n;
}

# Record an event of HOST (kind check|job|quarantine|free, status, job_id,
# detail, seconds) and quarantine the host when it failed too often in a row.
# Returns the quarantine reason when this event quarantined it.
sub record ($db, $host, %e) {
    $db->dbh->do(
        q{INSERT INTO host_events (host, kind, status, job_id, detail, seconds, controller)
          VALUES (?, ?, ?, ?, ?, ?, ?)}, undef, $host, $e{kind}, $e{status}, $e{job_id},
        $e{detail} // '', $e{seconds}, Osstest::Host::controller_name()
    );
    return undef unless counts_against($e{kind}, $e{status});
    my $events = $db->dbh->selectall_arrayref(
        q{SELECT kind, status, detail FROM host_events WHERE host = ?
          ORDER BY id DESC LIMIT 1000}, {Slice => {}}, $host
    );
    my @failed;
    for my $ev (@$events) {
        last if $ev->{kind} =~ /^(free|quarantine)$/ || $ev->{status} eq 'pass';
        push @failed, $ev if counts_against($ev->{kind}, $ev->{status});
    }
    my $n = quarantine_after();
    return undef if @failed < $n;
    my ($broken) =
        $db->dbh->selectrow_array('SELECT broken FROM hosts WHERE host = ?', undef, $host);
    return undef if $broken;
    my $why = sprintf 'quarantined: %d failures in a row, last: %s %s%s', scalar @failed,
        $failed[0]{kind}, $failed[0]{status},
        length $failed[0]{detail} ? " ($failed[0]{detail})" : '';
    Osstest::Host::mark_broken($db, $host, $why);
    $db->dbh->do(
        q{INSERT INTO host_events (host, kind, status, detail, controller)
          VALUES (?, 'quarantine', 'quarantined', ?, ?)}, undef, $host, $why,
        Osstest::Host::controller_name()
    );
    return $why;
}

sub counts_against ($kind, $status) {
    return 1 if $kind eq 'check' && $status =~ /^(fail|broken)$/;
    return 1 if $kind eq 'job'   && $status eq 'broken';
    return 0;
}

# A job that ran on HOST ended with STATUS.
sub record_job ($db, $host, $job_id, $status) {
    my ($flight, $job) =
        $db->dbh->selectrow_array('SELECT flight, job FROM jobs WHERE job_id = ?', undef, $job_id);
    return record(
        $db, $host,
        kind   => 'job',
        status => $status,
        job_id => $job_id,
        detail => "flight $flight job $job"
    );
}

# The hypervisor image of the newest passing build of a real flight.
sub baseline_xen ($db) {
    my $dirs = $db->dbh->selectcol_arrayref(
        q{SELECT r.value FROM runvars r JOIN jobs j ON j.job_id = r.job_id
            JOIN flights f ON f.flight = j.flight
          WHERE r.name IN ('path_xen', 'xen_image') AND j.status = 'pass'
            AND f.blessing = 'real'
          ORDER BY f.flight DESC, j.job_id DESC LIMIT 20}
    );

    # Built on another controller: its published copy, by checksum.
    my $keys = $db->dbh->selectcol_arrayref(
        q{SELECT r.value FROM runvars r JOIN jobs j ON j.job_id = r.job_id
            JOIN flights f ON f.flight = j.flight
          WHERE r.name = 'artefact_path_xen' AND j.status = 'pass' AND f.blessing = 'real'
          ORDER BY f.flight DESC, j.job_id DESC LIMIT 1}
    );
    require Osstest::Artefacts;
    my @fetched = grep { defined } map {
        eval { Osstest::Artefacts::fetch($_) }
    } @$keys;
    for my $d (@$dirs, @fetched) {
        for my $c ($d, "$d/files/boot/xen", "$d/boot/xen", "$d/xen", "$d/xen/xen") {
            return $c if -f $c;
        }
    }
    die "osstest: no baseline hypervisor: no passing build of a real flight has one here "
        . "(give --xen FILE)\n";
}

# Check HOST: take it (as an allocation of a worker of our own, so no job
# gets it meanwhile), power-cycle it booting XEN (default: the baseline),
# wait up to TIMEOUT s for the ready line, record the result. Returns
# {status, seconds, detail, console, quarantined}.
sub check ($db, $name, %o) {
    my $host = Osstest::Host::load($db, $name);
    my $xen  = $o{xen} // baseline_xen($db);
    require Osstest::Executive;
    my $ex  = Osstest::Executive->new($db, quiet => 1);
    my $got = $db->txn(
        sub ($dbh) {
            my $row =
                $dbh->selectrow_arrayref('SELECT job_id FROM allocations WHERE host = ? FOR UPDATE',
                undef, $name);
            return 0 if $row;
            $dbh->do('INSERT INTO allocations (host, job_id, worker) VALUES (?, NULL, ?)',
                undef, $name, $ex->{worker});
            return 1;
        }
    );
    if (!$got) {
        $ex->finish;
        die "osstest: host $name is allocated: check it when it is free\n";
    }
    my $dir = results_dir() . "/hosts/$name";
    make_path($dir);
    my @t       = gmtime;
    my $console = sprintf '%s/check-%04d%02d%02d-%02d%02d%02d-%d.console.log', $dir,
        $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0], $$;
    my $t0 = time;
    my ($status, $detail);
    my $r = eval {
        my $lock = $host->lock(60);
        $host->power('off');
        my $res = $host->boot(
            kernel   => $xen,
            cmdline  => $o{cmdline} // 'console=com1 com1=115200,8n1 loglvl=all',
            console  => $console,
            wait_for => qr/^\(XEN\) (\[[\s\d.]+\] )?ready\b/,
            timeout  => $o{timeout} // 120,
        );
        $host->power('off');
        $res;
    };
    if (!defined $r) {
        ($status, $detail) = ('broken', $@ =~ s/\s+$//r);
        eval { $host->power('off') };
    }
    elsif ($r eq 'ready') {
        ($status, $detail) = ('pass', 'ready');
    }
    else {
        ($status, $detail) = ('fail', $r eq 'timeout' ? 'no ready line in time' : "host $r");
    }
    my $secs = time - $t0;
    $db->dbh->do('DELETE FROM allocations WHERE host = ? AND job_id IS NULL AND worker = ?',
        undef, $name, $ex->{worker});
    $ex->finish;
    my $q = record(
        $db, $name,
        kind    => 'check',
        status  => $status,
        detail  => $detail,
        seconds => $secs
    );
    return {
        status      => $status,
        seconds     => $secs,
        detail      => $detail,
        console     => $console,
        quarantined => $q
    };
}

sub history ($db, $host, $limit = 50) {
    Osstest::Host::must_exist($db, $host);
    return $db->dbh->selectall_arrayref(
        q{SELECT to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS at, e.kind,
                 e.status, e.detail, e.seconds, e.controller, j.flight, j.job
          FROM host_events e LEFT JOIN jobs j ON j.job_id = e.job_id
          WHERE e.host = ? ORDER BY e.id DESC LIMIT ?}, {Slice => {}}, $host,
        $limit || 1_000_000
    );
}

sub history_text ($rows) {
    my $s = '';
    for my $r (@$rows) {
        $s .= sprintf "%s  %-10s %-11s %-8s %s%s\n", $r->{at}, $r->{kind}, $r->{status},
            defined $r->{seconds} ? sprintf('%6.1fs', $r->{seconds}) : '', $r->{detail},
            length $r->{controller} ? "  [$r->{controller}]" : '';
    }
    return $s;
}

1;
