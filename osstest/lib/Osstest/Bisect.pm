package Osstest::Bisect;

# Bisection of the regressions of a flight: one bisection per (commit range,
# failure signature), i.e. the (job, testid) pairs that failed together are
# its members and are bisected together. It finds the first bad commit
# between the flight's baseline revision and its tested revision by running
# the members' jobs (and the jobs they need, on the same host class) on
# midpoints of the commit range, each run a flight of blessing real-bisect;
# a commit fails when any member fails there. Outcomes already known for a
# commit (an earlier flight that ran the same jobs there) are reused. Members
# the culprit does not explain are bisected apart afterwards. The basis pass and the
# first fail are reproduced (the ends once at the start, the last good and
# first bad commits REPEAT times at the end), so a flaky test is not blamed.
# Every run is a row of bisection_tries: run again, a bisection replays what
# it already knows and resumes an interrupted flight instead of redoing it.
# Output: results/bisect/N/ with summary.txt, culprit.log (quoting each
# member's failing message), graph.dot, graph.svg (graphviz), index.html and
# mail.txt (to the culprit's author).

use v5.36;
use strict;
use warnings;
use File::Path    qw(make_path);
use File::Copy    qw(copy);
use POSIX         ();
use Sys::Hostname ();
use Osstest::Flight;
use Osstest::Executive;
use Osstest::Report;
use Osstest::FlightReport;
use Osstest::Util qw(capture results_dir);

# The regressions of FLIGHT as [job, testid] pairs (from the report analysis).
sub regressions ($db, $flight, %opt) {
    my $r = Osstest::Report::analyse($db, $flight, %opt);
    return [map { [$_->{job}, $_->{testid}] } grep { $_->{class} eq 'regression' } @{$r->{items}}];
}

# The bisection row of (FLIGHT, JOB, TESTID), made when missing.
sub open_bisection ($db, $flight, $job, $testid, %opt) {
    my $f = Osstest::Flight::get($db, $flight);
    my $j = Osstest::Flight::job($db, $flight, $job)
        or die "osstest: flight $flight has no job '$job'\n";
    die "osstest: flight $flight has no baseline revision to bisect from\n"
        unless length $f->{baseline_revision};
    my $rv     = Osstest::Flight::runvars($db, $j->{job_id});
    my ($tree) = grep { ($rv->{"revision_$_"} // '') eq $f->{revision} }
        sort map { /^tree_(\w+)$/ ? $1 : () } keys %$rv;
    die "osstest: job $job of flight $flight does not test revision $f->{revision}\n"
        unless defined $tree;
    my $repeat = $opt{repeat} // 2;
    die "osstest: --repeat must be at least 1\n" unless $repeat =~ /^\d+$/ && $repeat >= 1;
    $db->dbh->do(
        q{INSERT INTO bisections (branch, source_flight, job, testid, tree, repo, good, bad,
                                  repeat)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_flight, job, testid) DO NOTHING},
        undef, $f->{branch}, $flight, $job, $testid, $tree, $rv->{"tree_$tree"},
        $f->{baseline_revision}, $f->{revision}, $repeat
    );
    my $bis = $db->dbh->selectrow_hashref(
        'SELECT * FROM bisections WHERE source_flight = ? AND job = ? AND testid = ?',
        undef, $flight, $job, $testid);
    for my $m ([$job, $testid], @{$opt{members} // []}) {
        $db->dbh->do(
            q{INSERT INTO bisection_members (bisection, job, testid) VALUES (?, ?, ?)
              ON CONFLICT DO NOTHING}, undef, $bis->{bisection}, @$m
        );
    }
    return $bis;
}

# The (job, testid) pairs a bisection covers.
sub members ($db, $bis) {
    my $m = $db->dbh->selectall_arrayref(
        'SELECT job, testid FROM bisection_members WHERE bisection = ? ORDER BY job, testid',
        undef, $bis->{bisection});
    return @$m ? $m : [[$bis->{job}, $bis->{testid}]];
}

# Combined outcome of the members in FLIGHT: fail when any fails, pass when
# all pass, else skip.
sub group_outcome ($db, $flight, $members) {
    my @o = map { outcome($db, $flight, @$_) } @$members;
    return 'fail' if grep       { $_ eq 'fail' } @o;
    return 'pass' if @o == grep { $_ eq 'pass' } @o;
    return 'skip';
}

# The commits from good (index 0) to bad (last), first-parent line.
sub commit_line ($bis) {
    my ($rc, $out) = capture('git', '-C', $bis->{repo}, 'rev-list', '--first-parent',
        '--reverse', "$bis->{good}..$bis->{bad}");
    die "osstest: git rev-list $bis->{good}..$bis->{bad} failed in $bis->{repo}\n" if $rc != 0;
    my @revs = ($bis->{good}, split ' ', $out);
    die "osstest: bisection $bis->{bisection}: $bis->{bad} does not descend from $bis->{good}\n"
        if $revs[-1] ne $bis->{bad};
    return \@revs;
}

# Outcome of (JOB, TESTID) in FLIGHT: pass, fail, or skip (could not be
# tested there: a build failed, the host was broken, the step never ran).
sub outcome ($db, $flight, $job, $testid) {
    my $j = Osstest::Flight::job($db, $flight, $job) or return 'skip';
    if ($testid eq '(job)') {
        return $j->{status} =~ /^(pass|fail)$/ ? $j->{status} : 'skip';
    }
    my @st = map { $_->{status} }
        grep { $_->{testid} eq $testid } @{Osstest::Flight::steps($db, $j->{job_id})};
    return 'pass' if grep { $_ eq 'pass' } @st;
    return 'fail' if grep { $_ eq 'fail' } @st;
    return 'skip';
}

sub tries ($db, $bis) {
    return $db->dbh->selectall_arrayref(
        'SELECT * FROM bisection_tries WHERE bisection = ? ORDER BY seq',
        {Slice => {}},
        $bis->{bisection}
    );
}

sub new ($class, $db, $bis, %opt) {
    return bless {
        db   => $db,
        bis  => $bis,
        revs => commit_line($bis),
        log  => $opt{log} // sub ($m) { print "$m\n" },
        opt  => \%opt
    }, $class;
}

sub say_ ($self, $m) { $self->{log}->("bisect $self->{bis}{bisection}: $m"); return }

sub short ($rev) { return substr $rev, 0, 12 }

# Outcomes recorded so far at REV (finished tries only).
sub results ($self, $rev) {
    return [
        map      { $_->{outcome} }
            grep { $_->{revision} eq $rev && defined $_->{outcome} }
            @{tries($self->{db}, $self->{bis})}
    ];
}

# Run the job once more at REV (or finish the run that was interrupted).
sub try_once ($self, $rev) {
    my ($db, $bis) = @$self{qw(db bis)};
    my $members   = members($db, $bis);
    my ($pending) = grep { $_->{revision} eq $rev && !defined $_->{outcome} } @{tries($db, $bis)};
    my $flight    = $pending ? $pending->{flight} : undef;
    if ($flight) {
        $self->say_("resuming flight $flight at " . short($rev));
    }
    elsif (!$self->{opt}{fresh} && defined(my $known = $self->known_flight($rev, $members))) {

        # An earlier flight ran these jobs at this commit: its outcome counts.
        my $o = group_outcome($db, $known, $members);
        $db->dbh->do(
            q{INSERT INTO bisection_tries (bisection, seq, revision, flight, outcome)
              SELECT ?, coalesce(max(seq), 0) + 1, ?, ?, ? FROM bisection_tries
              WHERE bisection = ?}, undef, $bis->{bisection}, $rev, $known, $o, $bis->{bisection}
        );
        $self->say_(short($rev) . ": $o (known from flight $known)");
        $self->write_output;
        return $o;
    }
    else {
        my %seen;
        $flight = Osstest::Flight::make_from(
            $db, $bis->{source_flight},
            jobs     => [grep { !$seen{$_}++ } map { $_->[0] } @$members],
            revs     => {$bis->{tree} => $rev},
            intended => 'real-bisect'
        );
        $db->dbh->do(
            q{INSERT INTO bisection_tries (bisection, seq, revision, flight)
              SELECT ?, coalesce(max(seq), 0) + 1, ?, ? FROM bisection_tries
              WHERE bisection = ?}, undef, $bis->{bisection}, $rev, $flight, $bis->{bisection}
        );
        $self->say_("testing " . short($rev) . " in flight $flight");
    }
    my $ex  = Osstest::Executive->new($db, max_jobs => $self->{opt}{max_jobs}, quiet => 1);
    my $ok  = eval { $ex->run_flight($flight); 1 };
    my $err = $@;
    $ex->finish;
    die $err unless $ok;
    my $o = group_outcome($db, $flight, $members);
    $db->dbh->do('UPDATE bisection_tries SET outcome = ? WHERE bisection = ? AND flight = ?',
        undef, $o, $bis->{bisection}, $flight);
    $self->say_(short($rev) . ": $o (flight $flight)");
    $self->write_output;
    return $o;
}

# A finished flight of the branch, not yet used by this bisection, whose
# copies of every member's job tested REV of the tree and gave each member a
# pass or fail: its outcome is known without running anything.
sub known_flight ($self, $rev, $members) {
    my ($db, $bis) = @$self{qw(db bis)};
    my %jobs  = map { $_->[0] => 1 } @$members;
    my $used  = {map { $_->{flight} => 1 } @{tries($db, $bis)}};
    my $cands = $db->dbh->selectcol_arrayref(
        q{SELECT DISTINCT f.flight FROM flights f JOIN jobs j ON j.flight = f.flight
          JOIN runvars r ON r.job_id = j.job_id
          WHERE f.branch = ? AND f.blessing IN ('real', 'real-bisect') AND f.finished IS NOT NULL
            AND j.job = ANY (?) AND r.name = ? AND r.value = ? AND f.flight <> ?
          ORDER BY f.flight}, undef, $bis->{branch}, [sort keys %jobs], "revision_$bis->{tree}",
        $rev, $bis->{source_flight}
    );
    for my $f (@$cands) {
        next if $used->{$f};
        next if grep { outcome($db, $f, @$_) !~ /^(pass|fail)$/ } @$members;
        return $f;
    }
    return undef;
}

# At least K outcomes at REV; returns them all.
sub need ($self, $rev, $k) {
    my $r = $self->results($rev);
    while (@$r < $k) {
        $self->try_once($rev);
        $r = $self->results($rev);
    }
    return $r;
}

sub finish_with ($self, $status, $culprit, $summary) {
    $self->{db}->dbh->do(
        q{UPDATE bisections SET status = ?, culprit = ?, summary = ?, finished = now()
          WHERE bisection = ?}, undef, $status, $culprit, $summary, $self->{bis}{bisection}
    );
    $self->{bis} =
        $self->{db}->dbh->selectrow_hashref('SELECT * FROM bisections WHERE bisection = ?',
        undef, $self->{bis}{bisection});
    $self->say_("$status: $summary");
    $self->write_output;
    return $self->{bis};
}

# Run the bisection to its end. Deterministic: run again, it takes the same
# path through the outcomes it already has, so it resumes where it stopped.
sub run ($self) {
    my $bis = $self->{bis};
    return $bis if $bis->{status} ne 'running';
    my $revs = $self->{revs};
    my ($lo, $hi) = (0, $#$revs);
    $self->say_("$bis->{job} $bis->{testid}: $hi commits from "
            . short($bis->{good}) . ' to '
            . short($bis->{bad}));

    # 1. The basis: the tested revision fails here too (else the failure
    # was a heisenbug), and the baseline passes.
    my $t = $self->need($revs->[$hi], 1)->[0];
    return $self->finish_with('heisenbug', undef,
        "the tested revision $bis->{bad} passed when run again: not reproducible")
        if $t eq 'pass';
    return $self->finish_with('inconclusive', undef,
        "the tested revision $bis->{bad} could not be tested again")
        if $t eq 'skip';
    my $g = $self->need($revs->[$lo], 1)->[0];
    return $self->finish_with('basis-fails', undef,
        "the baseline revision $bis->{good} does not pass ($g) when run again")
        if $g ne 'pass';

    # 2. Binary search between the last known pass and the first known fail.
    my %skipped;
    while (1) {
        my $half  = ($lo + $hi) / 2;
        my @cands = sort { abs($a - $half) <=> abs($b - $half) || $a <=> $b }
            grep { !$skipped{$_} } $lo + 1 .. $hi - 1;
        last unless @cands;
        my $mid = $cands[0];
        my $o   = $self->need($revs->[$mid], 1)->[0];
        if    ($o eq 'pass') { $lo            = $mid }
        elsif ($o eq 'fail') { $hi            = $mid }
        else                 { $skipped{$mid} = 1 }
    }
    if ($hi - $lo > 1) {
        return $self->finish_with('inconclusive', undef,
                  'the first bad commit is one of '
                . join(' ', map { short($_) } @$revs[$lo + 1 .. $hi])
                . ' (the others could not be tested)');
    }

    # 3. Reproduce the last pass and the first fail REPEAT times each.
    my $p  = $self->need($revs->[$lo], $bis->{repeat});
    my $f  = $self->need($revs->[$hi], $bis->{repeat});
    my $np = grep { $_ ne 'pass' } @$p;
    my $nf = grep { $_ ne 'fail' } @$f;
    if ($np || $nf) {
        return $self->finish_with('heisenbug', undef,
                  'not reproducible: '
                . short($revs->[$lo])
                . ' gave '
                . join(',', @$p) . '; '
                . short($revs->[$hi])
                . ' gave '
                . join(',', @$f));
    }
    my ($rc, $subject) =
        capture('git', '-C', $bis->{repo}, 'log', '-1', '--format=%s', $revs->[$hi]);
    chomp $subject;

    # Members that do not pass before the culprit and fail with it have
    # another story: they are bisected apart.
    my %at = (lo => [], hi => []);
    for my $t (@{tries($self->{db}, $bis)}) {
        push @{$at{lo}}, $t->{flight} if $t->{revision} eq $revs->[$lo];
        push @{$at{hi}}, $t->{flight} if $t->{revision} eq $revs->[$hi];
    }
    $self->{unexplained} = [
        grep {
            my $m = $_;
            (grep { outcome($self->{db}, $_, @$m) ne 'pass' } @{$at{lo}})
                || (grep { outcome($self->{db}, $_, @$m) ne 'fail' } @{$at{hi}})
        } @{members($self->{db}, $bis)}
    ];
    return $self->finish_with('culprit', $revs->[$hi],
              "first bad commit $revs->[$hi] ($subject): passes @{[scalar @$p]}x before it, "
            . "fails @{[scalar @$f]}x with it");
}

sub out_dir ($self) {
    my $dir = results_dir() . "/bisect/$self->{bis}{bisection}";
    make_path($dir);
    return $dir;
}

# The log (relative to results/) of (job, testid) in FLIGHT (default: the
# first member).
sub step_log ($self, $flight, $job = $self->{bis}{job}, $testid = $self->{bis}{testid}) {
    my ($log) = $self->{db}->dbh->selectrow_array(
        q{SELECT s.log FROM steps s JOIN jobs j USING (job_id)
          WHERE j.flight = ? AND j.job = ? AND s.testid = ?
          ORDER BY s.attempt DESC LIMIT 1}, undef, $flight, $job, $testid
    );
    return $log;
}

sub h ($s) { return Osstest::Report::h($s) }

sub write_file ($path, $text) {
    open my $fh, '>', "$path.new" or die "osstest: cannot write $path: $!\n";
    print $fh $text;
    close $fh or die "osstest: cannot write $path: $!\n";
    rename "$path.new", $path or die "osstest: cannot rename $path.new: $!\n";
    return;
}

# summary.txt, culprit.log (git show of the culprit and the failing run's
# log), graph.dot, graph.svg and index.html: each commit of the range with
# the outcomes of its runs.
sub write_output ($self) {
    my ($db, $bis, $revs) = @$self{qw(db bis revs)};
    my $dir = $self->out_dir;
    my %runs;
    push @{$runs{$_->{revision}}}, $_ for @{tries($db, $bis)};
    my %subj;
    my ($rc, $out) = capture('git', '-C', $bis->{repo}, 'log', '--format=%H %s',
        "$bis->{bad}", '--not', "$bis->{good}^@");
    for (split /\n/, $out) { my ($h, $s) = split / /, $_, 2; $subj{$h} = $s // '' }
    my $culprit = $bis->{culprit} // '';
    my $state   = sub ($rev) {
        my @o = map { $_->{outcome} // 'running' } @{$runs{$rev} // []};
        return 'untested' unless @o;
        my %k = map { $_ => 1 } @o;
        return keys %k == 1 ? $o[0] : 'mixed';
    };

    my $members = members($db, $bis);
    my $sum =
          "bisection $bis->{bisection} of flight $bis->{source_flight}: "
        . join(', ', map { "$_->[0] $_->[1]" } @$members) . "\n"
        . "tree $bis->{tree} ($bis->{repo}), good $bis->{good}, bad $bis->{bad}\n"
        . "status: $bis->{status}\n"
        . ($bis->{summary} ? "result: $bis->{summary}\n" : '')
        . ($culprit        ? "culprit: $culprit\n"       : '')
        . "\ncommits tried:\n";
    for my $rev (@$revs) {
        next unless $runs{$rev};
        $sum .= sprintf "  %s %-8s %s (flights %s)\n", short($rev), $state->($rev),
            $subj{$rev} // '', join(',', map { $_->{flight} } @{$runs{$rev}});
    }
    write_file("$dir/summary.txt", $sum);

    if ($culprit) {
        my (undef, $show) =
            capture('git', '-C', $bis->{repo}, 'show', '--stat', '--patch', $culprit);
        my ($fail) = grep { ($_->{outcome} // '') eq 'fail' } @{$runs{$culprit}};
        my $quote  = '';
        my $logs   = '';
        for my $m (@$members) {
            my $log = $fail && $self->step_log($fail->{flight}, @$m) or next;
            my $msg = Osstest::FlightReport::test_message($log);
            $quote .= "  $m->[0] $m->[1]: " . ($msg || 'failed (no message)') . "\n";
            if (open my $fh, "<", ($log =~ m{^/} ? $log : results_dir() . "/$log")) {
                local $/;
                $logs .= "\n==== log of $m->[0] $m->[1] in flight $fail->{flight} ($log)\n"
                    . (<$fh> // '');
            }
        }
        $self->{quote} = $quote;
        write_file("$dir/culprit.log",
            ($quote ? "failing with this commit:\n$quote\n" : '') . $show . $logs);
        my (undef, $author) =
            capture('git', '-C', $bis->{repo}, 'log', '-1', '--format=%an <%ae>', $culprit);
        chomp $author;
        $author =~ s/[\x00-\x1f]+/ /g;
        my $host = Sys::Hostname::hostname();
        write_file(
            "$dir/mail.txt",
            join("\n",
                'From: ' . ($ENV{OSSTEST_MAIL_FROM} // "osstest <osstest\@$host>"),
                "To: $author",
                (defined $ENV{OSSTEST_MAIL_LIST} ? "Cc: $ENV{OSSTEST_MAIL_LIST}" : ()),
                "Subject: [$bis->{branch} bisection] "
                    . short($culprit) . ' '
                    . ($subj{$culprit} // ''),
                'Date: ' . POSIX::strftime('%a, %d %b %Y %H:%M:%S +0000', gmtime),
                "Message-ID: <osstest-bisection-$bis->{bisection}.$culprit\@$host>",
                'MIME-Version: 1.0',
                'Content-Type: text/plain; charset=utf-8',
                '',
                "Bisection $bis->{bisection} of flight $bis->{source_flight} (branch $bis->{branch})",
                "blames commit $culprit",
                '  ' . ($subj{$culprit} // ''),
                '',
                "for these failures:",
                $quote,
                $bis->{summary},
                '',
                "Graph: graph.svg; the commit and the failing logs: culprit.log.",
                '')
        );
    }

    my %colour = (
        pass     => '#8c8',
        fail     => '#e77',
        skip     => '#bbb',
        mixed    => '#fc6',
        running  => '#8bf',
        untested => '#fff'
    );
    my $dot =
        "digraph bisect$bis->{bisection} {\n  rankdir=TB;\n  node [shape=box style=filled];\n";
    my $svg = '';
    my $y   = 20;
    my $prev;
    for my $rev (@$revs) {
        my $st    = $state->($rev);
        my $label = short($rev) . " $st";
        $label .= ' CULPRIT' if $rev eq $culprit;
        my $sl = $label =~ s/"/'/gr;
        $dot .= sprintf qq{  "%s" [label="%s\\n%s" fillcolor="%s"%s];\n}, $rev, $sl,
            ($subj{$rev} // '') =~ s/["\\]/'/gr, $colour{$st},
            $rev eq $culprit ? ' penwidth=3' : '';
        $dot .= qq{  "$prev" -> "$rev";\n} if $prev;
        $svg .= sprintf qq{<line x1="20" y1="%d" x2="20" y2="%d" stroke="#666"/>\n}, $y - 24, $y
            if $prev;
        $svg .=
            sprintf qq{<circle cx="20" cy="%d" r="8" fill="%s" stroke="%s" stroke-width="%d"/>}
            . qq{<text x="36" y="%d" font-family="monospace" font-size="12">%s</text>\n},
            $y, $colour{$st}, $rev eq $culprit ? '#000' : '#666', $rev eq $culprit ? 3 : 1,
            $y + 4, h("$label " . ($subj{$rev} // ''));
        $prev = $rev;
        $y += 24;
    }
    $dot .= "}\n";
    write_file("$dir/graph.dot", $dot);

    # graphviz renders the graph; without it, a plain drawing.
    my ($drc) = capture('dot', '-Tsvg', "$dir/graph.dot", '-o', "$dir/graph.svg.new");
    if ($drc == 0 && -s "$dir/graph.svg.new") {
        rename "$dir/graph.svg.new", "$dir/graph.svg";
    }
    else {
        unlink "$dir/graph.svg.new";
        write_file("$dir/graph.svg",
            qq{<svg xmlns="http://www.w3.org/2000/svg" width="900" height="$y">\n$svg</svg>\n});
    }

    my @rows = map {
        my $rev = $_;
        {
            short   => short($rev),
            culprit => $rev eq $culprit,
            subject => $subj{$rev} // '',
            state   => $state->($rev),
            runs    => [
                map {
                    my $log = $self->step_log($_->{flight}) // '';
                    {
                        text => "flight $_->{flight}: " . ($_->{outcome} // 'running'),
                        href => !$log ? '' : $log =~ m{^/} ? "file://$log" : "../../$log"
                    }
                } @{$runs{$rev} // []}
            ],
        }
    } @$revs;
    require Osstest::FlightReport;
    write_file(
        "$dir/index.html",
        Osstest::FlightReport::render(
            'bisect.html.tt',
            {
                bis     => $bis,
                members => [map { "$_->[0] $_->[1]" } @$members],
                quote   => $self->{quote} // '',
                culprit => $culprit,
                colour  => \%colour,
                rows    => \@rows,
            }
        )
    );
    return $dir;
}

# Bisect the regressions of FLIGHT (or just JOB/TESTID when given): the
# regressions failing together form one bisection; members its culprit does
# not explain get one of their own. Returns the finished bisection rows.
sub bisect_flight ($db, $flight, %opt) {
    my $pairs =
        defined $opt{job}
        ? [[$opt{job}, $opt{testid} // '(job)']]
        : regressions($db, $flight, allow => $opt{allow} // []);
    my $log = $opt{log} // sub ($m) { print "$m\n" };
    $log->("flight $flight: no regressions to bisect") unless @$pairs;
    my @done;
    my @groups = @$pairs ? ([sort { "@$a" cmp "@$b" } @$pairs]) : ();
    while (my $g = shift @groups) {
        my ($first, @rest) = @$g;
        my $bis  = open_bisection($db, $flight, @$first, repeat => $opt{repeat}, members => \@rest);
        my $self = __PACKAGE__->new(
            $db, $bis,
            log      => $log,
            max_jobs => $opt{max_jobs},
            fresh    => $opt{fresh}
        );
        $bis = $self->run;
        $self->write_output;
        my @m = @{members($db, $bis)};
        $log->(
            sprintf 'bisection %d %s: %s%s (%s)',      $bis->{bisection},
            join(', ', map { "$_->[0] $_->[1]" } @m),  $bis->{status},
            $bis->{culprit} ? " $bis->{culprit}" : '', $self->out_dir
        );
        push @done, $bis;

        if (@{$self->{unexplained} // []} && @{$self->{unexplained}} < @m) {
            $log->(   "bisection $bis->{bisection}: "
                    . join(', ', map { "$_->[0] $_->[1]" } @{$self->{unexplained}})
                    . ' not explained by its culprit: bisected apart');
            push @groups, $self->{unexplained};
        }
    }
    return \@done;
}

1;
