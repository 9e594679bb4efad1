package Osstest::FlightReport;

# What a flight report says beyond the verdict, as OSSTest's flight reports:
# per tree the tested and baseline revisions, the shortlog between them and
# its authors; for each failure the flight it has failed since and the
# test's own message; "tested same since"; host and duration of each job and
# step, attempts labelled; subtests folded into counts with failures and
# skips (with their reasons) listed. Written as report.txt, report.html
# (Template Toolkit, templates/html/), result.json, JOB/junit.xml per job,
# mail.txt (an RFC 822 message to the authors of the range), and history
# pages of each job and host (results/history/).

use v5.36;
use strict;
use warnings;
use JSON::PP      ();
use POSIX         qw(strftime);
use Sys::Hostname qw(hostname);
use Digest::MD5   qw(md5_hex);
use File::Path    qw(make_path);
use Template;
use Osstest::Flight;
use Osstest::History;
use Osstest::Util qw(results_dir top_dir capture);

# The message a test gave: its last "Skip:", "Failure:", "Error:" line (an
# XTF convention), else its "Test result:" line; '' when there is no log.
sub test_message ($log) {
    return '' unless length($log // '');
    my $path = $log =~ m{^/} ? $log : results_dir() . "/$log";
    open my $fh, '<', $path or return '';
    my ($msg, $result) = ('', '');
    while (my $line = <$fh>) {
        $line =~ s/^\(d\d+\)\s+//;
        $line =~ s/\s+$//;
        $msg    = $line if $line =~ /^(Skip|Fail\w*|Error|Crash|Panic|Assertion)\b.*?:/i;
        $result = $line if $line =~ /^Test result:/;
    }
    return substr($msg || $result, 0, 300);
}

sub git_lines ($repo, @args) {
    my ($rc, $out) = capture('git', '-C', $repo, @args);
    return $rc == 0 ? grep { length } split /\n/, $out : ();
}

# Per tree: repository, tested and baseline revision, shortlog, authors.
sub trees ($db, $r) {
    my $f     = $r->{flight};
    my ($job) = @{$r->{jobs}} or return [];
    my $rv    = Osstest::Flight::runvars($db, $job->{job_id});
    my $brv   = {};
    if (defined $r->{baseline}) {
        my ($bj) = @{Osstest::Flight::jobs($db, $r->{baseline})};
        $brv = Osstest::Flight::runvars($db, $bj->{job_id}) if $bj;
    }
    my @out;
    for my $tree (sort map { /^revision_(\w+)$/ ? $1 : () } keys %$rv) {
        my $repo   = $rv->{"tree_$tree"} // '';
        my $tested = $rv->{"revision_$tree"};
        my $base   = $brv->{"revision_$tree"} // ($tested eq $f->{revision}
                && length $f->{baseline_revision} ? $f->{baseline_revision} : '');
        my %t = (tree => $tree, repo => $repo, tested => $tested, baseline => $base);
        if (length $base && -d $repo && $base ne $tested) {
            $t{shortlog} = [
                git_lines(
                    $repo, 'log', '--no-merges', '-n', 100, '--format=%h %an: %s',
                    "$base..$tested"
                )
            ];
            my %seen;
            $t{authors} = [grep { !$seen{lc $_}++ }
                    git_lines($repo, 'log', '--no-merges', '--format=%an <%ae>', "$base..$tested")];
        }
        push @out, \%t;
    }
    return \@out;
}

# Flight since which (job, testid) has failed on the branch without a pass
# in between, and the last flight it passed in (undef when none).
sub failing_since ($db, $f, $job, $testid) {
    my $rows = $testid eq '(job)'
        ? $db->dbh->selectall_arrayref(
        q{SELECT f.flight, j.status = 'pass' AS passed,
                 j.status IN ('fail', 'broken', 'blocked') AS failed
          FROM flights f JOIN jobs j ON j.flight = f.flight
          WHERE f.branch = ? AND f.blessing = 'real' AND f.flight < ? AND j.job = ?
          ORDER BY f.flight DESC LIMIT 500}, {Slice => {}}, $f->{branch}, $f->{flight}, $job
        )
        : $db->dbh->selectall_arrayref(
        q{SELECT f.flight, bool_or(s.status = 'pass') AS passed,
                 bool_or(s.status IN ('fail', 'broken')) AS failed
          FROM flights f JOIN jobs j ON j.flight = f.flight JOIN steps s ON s.job_id = j.job_id
          WHERE f.branch = ? AND f.blessing = 'real' AND f.flight < ? AND j.job = ?
            AND s.testid = ?
          GROUP BY f.flight ORDER BY f.flight DESC LIMIT 500}, {Slice => {}}, $f->{branch},
        $f->{flight}, $job, $testid
        );
    my $since = $f->{flight};
    for my $row (@$rows) {
        return ($since, $row->{flight}) if $row->{passed};
        $since = $row->{flight}         if $row->{failed};
    }
    return ($since, undef);
}

# The first flight of the branch that tested this revision with no other
# revision tested since.
sub tested_same_since ($db, $f) {
    my ($n) = $db->dbh->selectrow_array(
        q{SELECT min(flight) FROM flights
          WHERE branch = ? AND revision = ? AND flight <= ? AND flight > coalesce(
            (SELECT max(flight) FROM flights
             WHERE branch = ? AND revision <> ? AND flight < ? AND blessing <> 'real-bisect'),
            0)}, undef, $f->{branch}, $f->{revision}, $f->{flight}, $f->{branch},
        $f->{revision}, $f->{flight}
    );
    return $n // $f->{flight};
}

sub secs_text ($s) {
    return '-' unless defined $s;
    return sprintf '%.0fs', $s if $s < 120;
    return sprintf '%dm%02ds', $s / 60, $s % 60;
}

# What the report says of a job reused from REUSED_FROM ("flight N job J"):
# its steps, attempts and logs are that flight's.
sub reused_note ($from) {
    return '' unless $from;
    my ($n) = $from =~ /^flight (\d+)/;
    return "reused from $from: same inputs"
        . (defined $n ? "; its steps, attempts and logs are from flight $n" : '');
}

# Jobs with host, duration, steps (attempts labelled), subtest counts,
# failing and skipped subtests with their messages.
sub job_details ($db, $r) {
    my @out;
    for my $j (@{$r->{jobs}}) {
        my $rv    = Osstest::Flight::runvars($db, $j->{job_id});
        my $steps = $db->dbh->selectall_arrayref(
            q{SELECT stepno, testid, attempt, kind, status, log, detail,
                     extract(epoch FROM finished - started) AS secs
              FROM steps WHERE job_id = ? ORDER BY stepno}, {Slice => {}}, $j->{job_id}
        );
        my ($secs) = $db->dbh->selectrow_array(
            'SELECT extract(epoch FROM finished - started) FROM jobs WHERE job_id = ?',
            undef, $j->{job_id});
        my (%count, @failed, @skipped, %last);
        $last{$_->{testid}} = $_ for grep { $_->{kind} eq 'subtest' } @$steps;
        for my $s (grep { $_->{kind} eq 'subtest' } @$steps) {
            $s->{label} = $s->{attempt} > 1 ? "attempt $s->{attempt}" : '';
            push @failed, {%$s, message => test_message($s->{log}) || $s->{detail}}
                if $s->{status} =~ /^(fail|broken)$/;
        }
        for my $s (values %last) {
            my $st = $s->{status};
            $st = 'flake' if $st eq 'pass' && $s->{attempt} > 1;
            $count{$st}++;
            push @skipped,
                {%$s, message => $s->{detail} || test_message($s->{log}) || 'no reason given'}
                if $st eq 'skip';
        }
        push @out, {
            job         => $j->{job},
            status      => $j->{status},
            host        => $rv->{host}        // '',
            reused      => $rv->{reused_from} // '',
            reused_note => reused_note($rv->{reused_from}),
            duration    => secs_text($secs),
            seconds     => $secs,
            steps       => [
                map {
                    {
                        %$_,
                            duration => secs_text($_->{secs}),
                            label    => $_->{attempt} > 1
                            ? "attempt $_->{attempt}"
                            : ''
                    }
                    }
                    grep { $_->{kind} eq 'step' } @$steps
            ],
            counts      => \%count,
            counts_text => join(', ', map { "$count{$_} $_" } sort keys %count),
            failed      =>
                [sort { $a->{testid} cmp $b->{testid} || $a->{attempt} <=> $b->{attempt} } @failed],
            skipped => [sort { $a->{testid} cmp $b->{testid} } @skipped],
            last    => \%last,
        };
    }
    return \@out;
}

# Add to the analysis R everything the report shows.
sub enrich ($db, $r) {
    my $f = $r->{flight};
    $r->{trees}      = trees($db, $r);
    $r->{same_since} = tested_same_since($db, $f);
    $r->{details}    = job_details($db, $r);
    my %by_job = map { $_->{job} => $_ } @{$r->{details}};
    my %authors;
    $authors{$_}++ for map { @{$_->{authors} // []} } @{$r->{trees}};
    $r->{authors} = [sort keys %authors];

    for my $it (@{$r->{items}}) {
        @$it{qw(failing_since last_pass)} = failing_since($db, $f, $it->{job}, $it->{testid});
        my $s = $by_job{$it->{job}}{last}{$it->{testid}};
        $it->{message} = $s ? test_message($s->{log}) : '';
    }

    # Grid columns: recipe steps, merged in each job's order (a step first
    # seen in a later job goes before the next step it precedes there).
    my @cols;
    for my $d (@{$r->{details}}) {
        my %seen;
        my @ids = grep { !$seen{$_}++ } map { $_->{testid} } @{$d->{steps}};
        $d->{by_testid} = {map { $_->{testid} => $_ } @{$d->{steps}}};
        for my $i (0 .. $#ids) {
            next if grep { $_ eq $ids[$i] } @cols;
            my %after = map { $_ => 1 } @ids[$i + 1 .. $#ids];
            my ($at) = grep { $after{$cols[$_]} } 0 .. $#cols;
            splice @cols, $at // scalar @cols, 0, $ids[$i];
        }
    }
    $r->{cols} = \@cols;
    my $cov = "coverage/flight-$f->{flight}/flight.html";
    $r->{coverage} = "../../$cov" if -e results_dir() . "/$cov";

    # Regressions grouped by job, then test.
    my %g;
    push @{$g{$_->{job}}}, $_ for grep { $_->{class} eq 'regression' } @{$r->{items}};
    $r->{regressions_by_job} = [
        map {
            {job => $_, items => [sort { $a->{testid} cmp $b->{testid} } @{$g{$_}}]}
        } sort keys %g
    ];
    return $r;
}

sub details_text ($r) {
    my @o;
    push @o, 'trees:';
    for my $t (@{$r->{trees}}) {
        push @o, "  $t->{tree}: tested $t->{tested}",
            "  $t->{tree}: baseline " . ($t->{baseline} || 'none');
        push @o, '  shortlog (' . scalar(@{$t->{shortlog}}) . ' commits):',
            map { "    $_" } @{$t->{shortlog}}
            if $t->{shortlog};
        push @o, '  people who touched revisions under test:', map { "    $_" } @{$t->{authors}}
            if $t->{authors} && @{$t->{authors}};
    }
    push @o, "tested same since: flight $r->{same_since}", '';
    if (@{$r->{regressions_by_job}}) {
        push @o, 'regressions by job:';
        for my $g (@{$r->{regressions_by_job}}) {
            push @o, "  $g->{job}:";
            push @o, map {
                sprintf '    %s: %s, failing since flight %s%s%s', $_->{testid}, $_->{status},
                    $_->{failing_since},
                    defined $_->{last_pass} ? " (last pass: flight $_->{last_pass})" : '',
                    length $_->{message}
                    ? "\n      $_->{message}"
                    : ''
            } @{$g->{items}};
        }
        push @o, '';
    }
    push @o, 'jobs (host, duration; steps):';
    for my $d (@{$r->{details}}) {
        push @o, sprintf '  %-32s %-8s %-10s %s%s', $d->{job}, $d->{status}, $d->{host} || '-',
            $d->{duration}, $d->{reused} ? " ($d->{reused_note})" : '';
        push @o, map {
            sprintf '    %-28s %-8s %s%s', $_->{testid}, $_->{status}, $_->{duration},
                $_->{label}
                ? " ($_->{label})"
                : ''
        } @{$d->{steps}};
        push @o, "    subtests: $d->{counts_text}" if length $d->{counts_text};
        push @o, map {
            sprintf '      %s %s%s%s', $_->{status}, $_->{testid},
                $_->{label} ? " ($_->{label})" : '', length $_->{message}
                ? ": $_->{message}"
                : ''
        } @{$d->{failed}};
        push @o, map { "      skip $_->{testid}: $_->{message}" } @{$d->{skipped}};
    }
    return join("\n", @o) . "\n";
}

# JUnit XML of one job: a testcase per step and subtest (last attempt).
sub xml ($s) {
    $s //= '';
    $s =~ s/[^\x09\x0A\x0D\x20-\x{D7FF}\x{E000}-\x{FFFD}]/?/g;    # XML 1.0 characters only
    $s =~ s/&/&amp;/g;
    $s =~ s/</&lt;/g;
    $s =~ s/>/&gt;/g;
    $s =~ s/"/&quot;/g;
    return $s;
}

sub junit ($r, $d) {
    my @cases = sort { $a->{stepno} <=> $b->{stepno} } (@{$d->{steps}}, values %{$d->{last}});
    my %seen;
    @cases = grep { !$seen{$_->{testid}}++ } reverse @cases;
    @cases = reverse @cases;
    my $fail = grep { $_->{status} =~ /^(fail|broken)$/ } @cases;
    my $skip = grep { $_->{status} eq 'skip' } @cases;
    my $o    = qq{<?xml version="1.0" encoding="UTF-8"?>\n}
        . sprintf(
        qq{<testsuite name="%s" tests="%d" failures="%d" skipped="%d" time="%.3f">\n},
        xml("flight-$r->{flight}{flight}.$d->{job}"),
        scalar @cases,
        $fail, $skip, $d->{seconds} // 0
        );
    for my $c (@cases) {
        $o .= sprintf qq{  <testcase classname="%s" name="%s" time="%.3f">}, xml($d->{job}),
            xml($c->{testid}), $c->{secs} // 0;
        my $msg = test_message($c->{log});
        if ($c->{status} =~ /^(fail|broken)$/) {
            $o .= sprintf qq{<failure type="%s" message="%s"/>}, $c->{status},
                xml($msg || $c->{status});
        }
        elsif ($c->{status} eq 'skip') {
            $o .= sprintf qq{<skipped message="%s"/>}, xml($msg || 'no reason given');
        }
        $o .= sprintf qq{<system-out>%s</system-out>}, xml($c->{log}) if length($c->{log} // '');
        $o .= "</testcase>\n";
    }
    return $o . "</testsuite>\n";
}

sub result_json ($r) {
    my $f   = $r->{flight};
    my %out = (
        flight       => $f->{flight} + 0,
        branch       => $f->{branch},
        revision     => $f->{revision},
        baseline     => defined $r->{baseline} ? $r->{baseline} + 0 : undef,
        baseline_why => $r->{baseline_why},
        verdict      => $r->{verdict},
        push         => $r->{push} ? JSON::PP::true : JSON::PP::false,
        same_since   => $r->{same_since} + 0,
        trees        => [
            map {
                { %$_ }
            } @{$r->{trees}}
        ],
        jobs => [
            map {
                {
                    job      => $_->{job},
                    status   => $_->{status},
                    host     => $_->{host},
                    seconds  => defined $_->{seconds} ? $_->{seconds} + 0 : undef,
                    subtests => $_->{counts},
                    steps    => [
                        map {
                            {
                                testid  => $_->{testid},
                                status  => $_->{status},
                                attempt => $_->{attempt} + 0,
                                log     => $_->{log}
                            }
                        } @{$_->{steps}}
                    ],
                }
            } @{$r->{details}}
        ],
        failures => [
            map {
                {
                    job           => $_->{job},
                    testid        => $_->{testid},
                    status        => $_->{status},
                    class         => $_->{class},
                    why           => $_->{why},
                    message       => $_->{message},
                    failing_since => $_->{failing_since} + 0
                }
            } @{$r->{items}}
        ],
    );
    return JSON::PP->new->canonical->pretty->encode(\%out);
}

# One header line: no line breaks, no non-ASCII controls.
sub header ($s) { $s //= ''; $s =~ s/[\x00-\x1f\x7f]+/ /g; return $s }

sub mail ($r, $text) {
    my $f    = $r->{flight};
    my $host = hostname();
    my @to   = map { header($_) } @{$r->{authors}};
    my $list = $ENV{OSSTEST_MAIL_LIST};
    my $nreg = grep { $_->{class} eq 'regression' } @{$r->{items}};
    my $what = $r->{verdict} eq 'regressions' ? "regressions - FAIL" : $r->{verdict};
    $what = "$nreg $what" if $nreg;
    my @h = (
        'From: ' . header($ENV{OSSTEST_MAIL_FROM} // "osstest <osstest\@$host>"),
        'To: ' . (@to ? join(",\n    ", @to) : header($list // 'undisclosed-recipients:;')),
        (@to && defined $list ? 'Cc: ' . header($list) : ()),
        'Subject: ' . header("[$f->{branch} test] $f->{flight}: $what"),
        'Date: ' . strftime('%a, %d %b %Y %H:%M:%S +0000', gmtime),
        'Message-ID: <osstest-flight-'
            . $f->{flight} . '.'
            . substr(md5_hex("$host $f->{flight} $text"), 0, 12)
            . "\@$host>",
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
    );
    return join("\n", @h) . "\n\n" . "flight $f->{flight} $f->{branch} $r->{verdict}\n\n" . $text;
}

sub tt () {
    return Template->new(
        INCLUDE_PATH => top_dir() . '/osstest/templates/html',
        ENCODING     => 'utf8',
        FILTERS      => {},
    ) // die 'osstest: ' . Template->error . "\n";
}

sub render ($name, $vars) {
    my $out = '';
    tt()->process($name, $vars, \$out, {binmode => ':utf8'})
        or die "osstest: template $name: " . tt()->error . "\n";
    return $out;
}

sub put ($file, $text) {
    open my $fh, '>:utf8', "$file.new" or die "osstest: cannot write $file: $!\n";
    print $fh $text;
    close $fh or die "osstest: cannot write $file: $!\n";
    rename "$file.new", $file or die "osstest: cannot write $file: $!\n";
    return $file;
}

sub log_href ($log) { return $log =~ m{^/} ? "file://$log" : "../../$log" }

# History pages of the flight's jobs and hosts, under results/history/.
sub write_history ($db, $r) {
    my $dir = results_dir() . '/history';
    make_path($dir);
    my @files;
    for my $d (@{$r->{details}}) {
        my $rows = Osstest::History::query($db, $d->{job}, limit => 100);
        push @files,
            put("$dir/job-$d->{job}.html",
            render('history.html.tt', {title => "job $d->{job}", rows => $rows}));
        next unless length $d->{host};
        my $hrows = $db->dbh->selectall_arrayref(
            q{SELECT f.flight, f.branch, f.revision, j.job, j.status, j.started
              FROM runvars r JOIN jobs j USING (job_id) JOIN flights f ON f.flight = j.flight
              WHERE r.name = 'host' AND r.value = ? ORDER BY j.flight DESC, j.job LIMIT 100},
            {Slice => {}}, $d->{host}
        );
        push @files,
            put("$dir/host-$d->{host}.html",
            render('history.html.tt', {title => "host $d->{host}", rows => $hrows, host => 1}));
    }
    return @files;
}

# Write every report file of the analysed flight R into DIR; returns them.
sub write_all ($db, $r, $dir, $summary_text) {
    enrich($db, $r);
    my $text  = $summary_text . "\n" . details_text($r);
    my @files = (put("$dir/report.txt", $text));
    push @files,
        put("$dir/report.html",
        render('report.html.tt', {r => $r, f => $r->{flight}, log_href => \&log_href}));
    push @files, put("$dir/result.json", result_json($r));
    for my $d (@{$r->{details}}) {
        make_path("$dir/$d->{job}");
        push @files, put("$dir/$d->{job}/junit.xml", junit($r, $d));
    }
    push @files, put("$dir/mail.txt", mail($r, $text));
    push @files, write_history($db, $r);
    $r->{text} = $text;
    return @files;
}

1;
