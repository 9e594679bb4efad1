package Osstest::Schedule;

# Scheduled flights. A schedule file (lab-configs/schedule) names entries:
#   NAME branch=B at=HH:MM[,HH:MM...] [template=FILE] [priority=N] [repo=DIR]
#        [ref=REF] [ref.TREE=REF ...] [days=mon,tue,...] [intended=real]
#        [baseline-ref=REF]
# (one entry per line, `#` comments, times in UTC). `osstest schedule`, run
# from cron, makes each entry's flight once per due time, unless the
# branch's revisions have not changed since its last flight (then the due
# time is recorded as skipped), then serves the queue: flights not yet
# started, highest priority first, oldest first within a priority.

use v5.36;
use strict;
use warnings;
use Time::Local   qw(timegm);
use POSIX         qw(strftime);
use Osstest::Util qw(top_dir);
use Osstest::Flight;
use Osstest::Template;

# Queue priorities: a gate's flights are served before the schedule's
# (whose entries default to NIGHTLY_PRIORITY); flights made by hand have 0.
use constant {GATE_PRIORITY => 100, NIGHTLY_PRIORITY => 10};

my %KEYS = map { $_ => 1 } qw(branch at template priority repo ref days intended baseline-ref);
my @DAYS = qw(sun mon tue wed thu fri sat);

sub default_file () {
    require Osstest::Host;
    return Osstest::Host::lab_dir() . '/schedule';
}

# Parse FILE; returns a list of entries {name, branch, at => [[h, m]],
# template, priority, repo, refs => {tree|'' => ref}, days => {0..6}, ...}.
# Dies naming the file, line and problem.
sub parse ($file) {
    open my $fh, '<', $file or die "osstest: cannot read schedule $file: $!\n";
    my (@entries, %seen);
    while (my $line = <$fh>) {
        chomp $line;
        $line =~ s/\s*#.*//;
        next unless $line =~ /\S/;
        my $where = "$file:$.";
        my ($name, @kv) = split ' ', $line;
        die "osstest: $where: bad entry name '$name'\n" unless $name =~ /^[\w.+-]+$/;
        die "osstest: $where: entry '$name' given twice\n" if $seen{$name}++;
        my %e = (name => $name, refs => {}, line => $.);

        for my $kv (@kv) {
            my ($k, $v) = $kv =~ /^([\w.-]+)=(\S+)$/
                or die "osstest: $where: expected key=value, got '$kv'\n";
            if ($k =~ /^ref\.(\w+)$/) { $e{refs}{$1} = $v; next }
            die "osstest: $where: unknown key '$k'\n" unless $KEYS{$k};
            die "osstest: $where: '$k' given twice\n" if exists $e{$k};
            $e{$k} = $v;
        }
        $e{refs}{''} = delete $e{ref} if exists $e{ref};
        die "osstest: $where: entry '$name' needs branch=\n"  unless defined $e{branch};
        die "osstest: $where: bad branch '$e{branch}'\n"      unless $e{branch} =~ /^[\w.+-]+$/;
        die "osstest: $where: entry '$name' needs at=HH:MM\n" unless defined $e{at};
        $e{times} = [];
        for my $t (split /,/, $e{at}) {
            my ($h, $m) = $t =~ /^(\d\d?):(\d\d)$/
                or die "osstest: $where: bad time '$t' (HH:MM, UTC)\n";
            die "osstest: $where: bad time '$t' (HH:MM, UTC)\n" if $h > 23 || $m > 59;
            push @{$e{times}}, [$h, $m];
        }
        $e{priority} //= NIGHTLY_PRIORITY;
        die "osstest: $where: priority must be a whole number, not '$e{priority}'\n"
            unless $e{priority} =~ /^-?\d+$/;
        my %days;
        for my $d (split /,/, $e{days} // join(',', @DAYS)) {
            my ($i) = grep { $DAYS[$_] eq lc $d } 0 .. 6;
            die "osstest: $where: bad day '$d' (sun, mon, ... sat)\n" unless defined $i;
            $days{$i} = 1;
        }
        $e{days}     = \%days;
        $e{template} = abs_in_top($e{template} // 'osstest/templates/xen.tmpl');
        $e{repo}     = abs_in_top($e{repo}     // '.');
        die "osstest: $where: no template $e{template}\n" unless -f $e{template};
        die "osstest: $where: no repository $e{repo}\n"   unless -d $e{repo};
        $e{intended} //= 'real';
        die "osstest: $where: unknown blessing '$e{intended}'\n"
            unless grep { $_ eq $e{intended} } @Osstest::Flight::BLESSINGS;
        push @entries, \%e;
    }
    return @entries;
}

sub abs_in_top ($p) { return $p =~ m{^/} ? $p : top_dir() . "/$p" =~ s{/\.$}{}r }

# The latest due time (epoch) of ENTRY at or before NOW, within a week.
sub last_due ($e, $now) {
    my @t     = gmtime $now;
    my $today = timegm(0, 0, 0, @t[3, 4, 5]);
    my $best;
    for my $back (0 .. 7) {
        my $day = $today - 86400 * $back;
        next unless $e->{days}{(gmtime $day)[6]};
        for my $hm (@{$e->{times}}) {
            my $due = $day + 3600 * $hm->[0] + 60 * $hm->[1];
            $best = $due if $due <= $now && (!defined $best || $due > $best);
        }
        last if defined $best;
    }
    return $best;
}

# "tree=rev ..." the entry's trees would be tested at now.
sub revisions ($e) {
    my $t = Osstest::Template::load($e->{template});
    my %rev;
    for my $tree (@{$t->{trees}}) {
        my $ref = $e->{refs}{$tree} // $e->{refs}{''} // 'HEAD';
        $rev{$tree} = Osstest::Flight::git_resolve($e->{repo}, $ref);
    }
    return \%rev;
}

sub rev_text ($rev) {
    return join ' ', map { "$_=$rev->{$_}" } sort keys %$rev;
}

# The revisions of the last flight of BRANCH (from its runvars), and its number.
sub last_flight_revisions ($db, $branch) {
    my ($f) = $db->dbh->selectrow_array(
        q{SELECT max(flight) FROM flights WHERE branch = ? AND intended = 'real'},
        undef, $branch);
    return (undef, '') unless $f;
    my $rows = $db->dbh->selectall_arrayref(
        q{SELECT DISTINCT r.name, r.value FROM runvars r JOIN jobs j ON j.job_id = r.job_id
          WHERE j.flight = ? AND r.name LIKE 'revision\_%' AND NOT r.synth}, undef, $f
    );
    return ($f, join ' ',
        map { ($_->[0] =~ s/^revision_//r) . "=$_->[1]" } sort { $a->[0] cmp $b->[0] } @$rows);
}

# Make the flights that are due at NOW. Returns a list of {entry, due,
# status (made|skipped|failed|done), flight, detail}.
sub make_due ($db, $entries, $now, $log) {
    my @out;
    for my $e (@$entries) {
        my $due = last_due($e, $now);
        next unless defined $due;
        my $due_text = strftime('%Y-%m-%d %H:%M', gmtime $due);
        my $rev      = eval { rev_text(revisions($e)) };
        if (!defined $rev) {
            my $err = $@ =~ s/\s+$//r;
            $log->("$e->{name}: due $due_text: cannot resolve revisions: $err");
            push @out, {entry => $e->{name}, due => $due, status => 'failed', detail => $err};
            next;
        }
        my ($last, $last_rev) = last_flight_revisions($db, $e->{branch});

        # Claim this due time; another scheduler may have it already.
        my ($id) = $db->dbh->selectrow_array(
            q{INSERT INTO schedule_runs (entry, branch, due, revisions, status)
              VALUES (?, ?, to_timestamp(?), ?, 'skipped')
              ON CONFLICT (entry, due) DO NOTHING RETURNING id}, undef, $e->{name},
            $e->{branch}, $due, $rev
        );
        next unless $id;    # done before
        if (defined $last && $last_rev eq $rev) {
            my $why = "revisions unchanged since flight $last";
            $db->dbh->do('UPDATE schedule_runs SET detail = ? WHERE id = ?', undef, $why, $id);
            $log->("$e->{name}: due $due_text: skipped, $why");
            push @out, {entry => $e->{name}, due => $due, status => 'skipped', detail => $why};
            next;
        }
        my %revs = map { split /=/, $_, 2 } split ' ', $rev;
        my $t    = Osstest::Template::load($e->{template});
        my $f    = eval {
            Osstest::Flight::make(
                $db,
                branch   => $e->{branch},
                template => $e->{template},
                repos    => {map { ($_ => $e->{repo}) } @{$t->{trees}}},
                revs     => \%revs,
                intended => $e->{intended},
                (defined $e->{'baseline-ref'} ? (baseline_ref => $e->{'baseline-ref'}) : ()),
            );
        };
        if (!$f) {
            my $err = $@ =~ s/\s+$//r;
            $db->dbh->do(q{UPDATE schedule_runs SET status = 'failed', detail = ? WHERE id = ?},
                undef, $err, $id);
            $log->("$e->{name}: due $due_text: flight not made: $err");
            push @out, {entry => $e->{name}, due => $due, status => 'failed', detail => $err};
            next;
        }
        $db->dbh->do('UPDATE flights SET priority = ? WHERE flight = ?', undef, $e->{priority}, $f);
        $db->dbh->do(q{UPDATE schedule_runs SET status = 'made', flight = ? WHERE id = ?},
            undef, $f, $id);
        $log->(
            "$e->{name}: due $due_text: made flight $f of $e->{branch} (priority $e->{priority})");
        push @out, {entry => $e->{name}, due => $due, status => 'made', flight => $f};
    }
    return @out;
}

# Claim the next queued flight: not started, highest priority, oldest. With
# UPTO (a queued flight), only a flight served no later than UPTO.
sub claim_next ($db, $upto = undef) {
    return $db->txn(
        sub ($dbh) {
            my ($f) = $dbh->selectrow_array(
                q{SELECT flight FROM flights q WHERE started IS NULL AND blessing = 'queued'
                    AND (?::integer IS NULL OR (q.priority, -q.flight) >=
                         (SELECT priority, -flight FROM flights WHERE flight = ?))
                  ORDER BY priority DESC, flight LIMIT 1 FOR UPDATE SKIP LOCKED}, undef, $upto,
                $upto
            );
            return undef unless $f;
            $dbh->do(q{UPDATE flights SET started = now(), blessing = 'running' WHERE flight = ?},
                undef, $f);
            return $f;
        }
    );
}

# Run flight F, claimed from the queue.
sub run_claimed ($db, $f, %o) {
    require Osstest::Executive;
    my $log = $o{log} // sub ($m) { print "$m\n" };
    my $row = Osstest::Flight::get($db, $f);
    $log->("queue: running flight $f ($row->{branch}, priority $row->{priority})");
    my $ex  = Osstest::Executive->new($db, max_jobs => $o{max_jobs}, quiet => $o{quiet});
    my $res = eval { $ex->run_flight($f) };
    my $err = $@;
    $ex->finish;
    die $err unless $res;
    my $jobs = Osstest::Flight::jobs($db, $f);
    my $bad  = grep { $_->{status} ne 'pass' } @$jobs;
    $log->("queue: flight $f finished: " . (@$jobs - $bad) . " of " . @$jobs . ' jobs passed');
    return $f;
}

# Run queued flights until none is left (or MAX flights). Returns the flights run.
sub serve_queue ($db, %o) {
    my @ran;
    while (!$o{max} || @ran < $o{max}) {
        my $f = claim_next($db) // last;
        push @ran, run_claimed($db, $f, %o);
    }
    return @ran;
}

# Queue FLIGHT at PRIORITY and serve the queue until FLIGHT has finished:
# the flights served before it (higher priority, or the same and older) run
# first, here or by another scheduler; none served after it is run here.
# Returns the flights run here, FLIGHT among them unless another scheduler
# took it (then this waits for its end, polling every POLL seconds).
sub run_through_queue ($db, $flight, $priority, %o) {
    my $log = $o{log} // sub ($m) { print "$m\n" };
    $db->dbh->do('UPDATE flights SET priority = ? WHERE flight = ?', undef, $priority, $flight);
    my ($ahead) = $db->dbh->selectrow_array(
        q{SELECT count(*) FROM flights q, flights f WHERE f.flight = ? AND q.flight <> f.flight
            AND q.started IS NULL AND q.blessing = 'queued'
            AND (q.priority, -q.flight) > (f.priority, -f.flight)}, undef, $flight
    );
    $log->("queue: flight $flight queued at priority $priority, $ahead queued ahead of it");
    my ($said, @ran) = (0);
    while (!Osstest::Flight::get($db, $flight)->{finished}) {
        if (defined(my $f = claim_next($db, $flight))) {
            push @ran, run_claimed($db, $f, %o);
            next;
        }
        $log->("queue: waiting for flight $flight, run by another scheduler") unless $said++;
        sleep($o{poll} // 2);
    }
    return @ran;
}

sub parse_now ($text) {
    return time unless defined $text;
    my @p = $text =~ /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)(?::(\d\d))?$/
        or die "osstest: --now wants 'YYYY-MM-DD HH:MM' (UTC), not '$text'\n";
    return timegm($p[5] // 0, $p[4], $p[3], $p[2], $p[1] - 1, $p[0]);
}

1;
