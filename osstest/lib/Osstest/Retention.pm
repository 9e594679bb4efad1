package Osstest::Retention;

# Disk space (as OSSTest's cr-ensure-disk-space): flight logs under
# results/flights/N/ and build artefacts in the raisin store are kept within
# a budget by deleting the oldest first, never what recent flights and
# baselines reference: the newest KEEP flights of each branch, the newest
# finished real flight of each branch (a baseline), unfinished flights, the
# flights whose logs those flights' reused jobs show (Osstest::Reuse), and
# every artefact a runvar (path_*) of those flights names.

use v5.36;
use strict;
use warnings;
use File::Find    qw(find);
use File::Path    qw(remove_tree);
use Osstest::Util qw(results_dir top_dir);

# "500M", "2G", "1.5T", "1048576" -> bytes; dies naming a bad size.
sub parse_size ($text) {
    my ($n, $unit) = ($text // '') =~ /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$/i
        or die "osstest: bad disk budget '" . ($text // '') . "' (e.g. 500M, 4G)\n";
    my %mult = ('' => 1, K => 2**10, M => 2**20, G => 2**30, T => 2**40);
    return int($n * $mult{uc $unit});
}

sub du ($path) {
    my $n = 0;
    find({wanted => sub { $n += -s $_ if -f $_ && !-l $_ }, no_chdir => 1}, $path) if -e $path;
    return $n;
}

sub store_dir () { return $ENV{RAISIN_ARTEFACTS} // top_dir() . '/results/artefacts' }

# Flights whose logs and artefacts are kept whatever the budget.
sub kept_flights ($db, $keep) {
    my $rows = $db->dbh->selectcol_arrayref(
        q{SELECT flight FROM (
              SELECT flight, finished, blessing,
                     row_number() OVER (PARTITION BY branch ORDER BY flight DESC) AS nth,
                     row_number() OVER (PARTITION BY branch, (blessing = 'real'
                                                              AND finished IS NOT NULL)
                                        ORDER BY flight DESC) AS nth_real
              FROM flights) f
          WHERE nth <= ? OR finished IS NULL
             OR (blessing = 'real' AND finished IS NOT NULL AND nth_real = 1)}, undef, $keep
    );
    my %kept = map { $_ => 1 } @$rows;

    # A kept flight's reused jobs show steps whose logs are in the flight
    # that ran them: that flight's logs are kept too.
    my $ran_in = $db->dbh->selectcol_arrayref(
        q{SELECT DISTINCT substring(s.log FROM '^flights/([0-9]+)/')::int
          FROM steps s JOIN jobs j USING (job_id)
          WHERE j.flight = ANY(?) AND s.log LIKE 'flights/%'}, undef, [keys %kept]
    );
    $kept{$_} = 1 for grep { defined } @$ran_in;
    return \%kept;
}

# Plan and (unless DRY) do the deletions. Returns {before, after, budget,
# deleted => [[path, bytes, why]], kept_over => bytes that could not go}.
sub ensure ($db, %a) {
    my $budget  = $a{budget};
    my $keep    = $a{keep} // 10;
    my $kept    = kept_flights($db, $keep);
    my $results = results_dir();
    my $store   = store_dir();

    # Artefacts by store entry: kept when a kept flight names them (runvars
    # path_*); their age is the newest flight naming them (none: oldest).
    my (%needed, %newest);
    my $paths = $db->dbh->selectall_arrayref(
        q{SELECT j.flight, r.value FROM runvars r JOIN jobs j USING (job_id)
          WHERE r.name LIKE 'path\_%'}
    );
    for my $p (@$paths) {
        my ($rel) = $p->[1] =~ m{^\Q$store\E/([^/]+/[^/]+)} or next;
        $needed{$rel} = 1       if $kept->{$p->[0]};
        $newest{$rel} = $p->[0] if ($newest{$rel} // 0) < $p->[0];
    }

    my @cands;    # [path, bytes, flight, mtime, what]
    if (opendir my $dh, "$results/flights") {
        for my $f (grep { /^\d+$/ } readdir $dh) {
            next if $kept->{$f};
            my $dir = "$results/flights/$f";
            push @cands, [$dir, du($dir), $f, (stat $dir)[9], "logs of flight $f"];
        }
    }
    for my $entry (glob("$store/*/*")) {
        next unless -d $entry;
        my ($rel) = $entry =~ m{^\Q$store\E/(.+)$};
        next if $needed{$rel};
        push @cands, [$entry, du($entry), $newest{$rel} // 0, (stat $entry)[9], "artefact $rel"];
    }
    my $total = du("$results/flights") + du($store);
    my %r     = (before => $total, budget => $budget, deleted => []);

    # Oldest first: by the newest flight that uses it, then by time.
    for my $c (sort { $a->[2] <=> $b->[2] || $a->[3] <=> $b->[3] } @cands) {
        last if $total <= $budget;
        remove_tree($c->[0]) unless $a{dry_run};
        $total -= $c->[1];
        push @{$r{deleted}}, [$c->[0], $c->[1], $c->[4]];
    }
    $r{after} = $total;
    return \%r;
}

sub mib ($n) { return sprintf '%.1f MiB', $n / 2**20 }

sub text ($r) {
    my $out = '';
    $out .= sprintf "deleted %s (%s)\n", $_->[2], mib($_->[1]) for @{$r->{deleted}};
    $out .=
        sprintf "disk: %s before, %s after, budget %s%s\n", mib($r->{before}),
        mib($r->{after}), mib($r->{budget}),
        $r->{after} > $r->{budget}
        ? ' (over: the rest is referenced by recent flights and baselines)'
        : '';
    return $out;
}

1;
