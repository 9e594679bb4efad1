package Osstest::Flight;

# Making flights from templates, and reading flights, jobs, steps and runvars.

use v5.36;
use strict;
use warnings;
use Osstest::Template;
use Osstest::Util qw(capture);

our @BLESSINGS = qw(real real-bisect play adhoc);

# Resolve REV in the git repository REPO to a full commit id.
sub git_resolve ($repo, $rev) {
    my ($rc, $out) =
        capture('git', '-C', $repo, 'rev-parse', '--verify', '--quiet', "$rev^{commit}");
    die "osstest: '$rev' is not a commit in $repo\n" if $rc != 0;
    chomp $out;
    return $out;
}

# make(db, branch => B, template => FILE, repos => {tree => dir},
#      revs => {tree => rev}, intended => 'real', baseline_ref => 'master')
# Returns the new flight number.
sub make ($db, %a) {
    my $t        = Osstest::Template::load($a{template});
    my $intended = $a{intended} // 'real';
    die "osstest: unknown blessing '$intended' (one of @BLESSINGS)\n"
        unless grep { $_ eq $intended } @BLESSINGS;
    die "osstest: bad branch name '$a{branch}'\n" unless ($a{branch} // '') =~ /^[\w.+-]+$/;
    my (%repo, %rev);
    for my $tree (@{$t->{trees}}) {
        $repo{$tree} = $a{repos}{$tree} // die "osstest: no repository given for tree '$tree'\n";
        die "osstest: repository $repo{$tree} of tree '$tree' is not a directory\n"
            unless -d $repo{$tree};
        $rev{$tree} = git_resolve($repo{$tree}, $a{revs}{$tree} // 'HEAD');
    }
    for my $tree (keys %{$a{revs} // {}}) {
        die "osstest: --rev names tree '$tree', not in template $a{template}\n"
            unless exists $rev{$tree};
    }
    my $primary  = $t->{trees}[0];
    my $base_ref = $a{baseline_ref} // 'master';
    my $baseline = eval { git_resolve($repo{$primary}, $base_ref) };

    # A baseline named by the caller must exist; the default may be absent.
    die "osstest: --baseline-ref '$base_ref' names no commit in $repo{$primary}\n"
        if !defined $baseline && defined $a{baseline_ref};
    $baseline //= '';
    return $db->txn(
        sub ($dbh) {
            my ($flight) = $dbh->selectrow_array(
                'INSERT INTO flights (branch, intended, template, revision, baseline_revision)
             VALUES (?, ?, ?, ?, ?) RETURNING flight', undef,
                $a{branch}, $intended, $a{template}, $rev{$primary}, $baseline
            );
            my %id;
            for my $j (@{$t->{jobs}}) {
                ($id{$j->{name}}) = $dbh->selectrow_array(
                    'INSERT INTO jobs (flight, job, recipe) VALUES (?, ?, ?) RETURNING job_id',
                    undef, $flight, $j->{name}, $j->{recipe});
                my %rv = (
                    %{$j->{runvars}},
                    recipe_steps => Osstest::Template::steps_to_text(@{$j->{steps}}),
                    (map { ("tree_$_" => $repo{$_}, "revision_$_" => $rev{$_}) } @{$t->{trees}}),
                );
                for my $n (sort keys %rv) {
                    $dbh->do('INSERT INTO runvars (job_id, name, value) VALUES (?, ?, ?)',
                        undef, $id{$j->{name}}, $n, $rv{$n});
                }
            }
            for my $j (@{$t->{jobs}}) {
                for my $n (@{$j->{needs}}) {
                    $dbh->do('INSERT INTO job_deps (job_id, needs) VALUES (?, ?)',
                        undef, $id{$j->{name}}, $id{$n});
                }
            }
            $dbh->do(q{UPDATE flights SET blessing = 'queued' WHERE flight = ?}, undef, $flight);
            return $flight;
        }
    );
}

# make_from(db, SOURCE, jobs => [names], revs => {tree => rev},
#           intended => 'real-bisect')
# A new flight of the branch of flight SOURCE with copies of the named jobs
# and every job they need (their input runvars, their dependencies), the
# trees in REVS at those revisions. Returns the new flight number.
sub make_from ($db, $source, %a) {
    my $src    = get($db, $source);
    my $all    = jobs($db, $source);
    my %byid   = map { $_->{job_id} => $_ } @$all;
    my %byname = map { $_->{job}    => $_ } @$all;
    my $deps   = $db->dbh->selectall_arrayref(
        q{SELECT d.job_id, d.needs FROM job_deps d JOIN jobs j USING (job_id)
          WHERE j.flight = ?}, undef, $source
    );
    my %needs;
    push @{$needs{$_->[0]}}, $_->[1] for @$deps;
    my %want;
    my @todo = map { ($byname{$_} // die "osstest: flight $source has no job '$_'\n")->{job_id} }
        @{$a{jobs}};
    while (defined(my $id = shift @todo)) {
        next if $want{$id}++;
        push @todo, @{$needs{$id} // []};
    }
    my $intended = $a{intended} // 'real-bisect';
    die "osstest: unknown blessing '$intended' (one of @BLESSINGS)\n"
        unless grep { $_ eq $intended } @BLESSINGS;
    my %revs = %{$a{revs} // {}};
    return $db->txn(
        sub ($dbh) {
            my $primary = $src->{revision};
            my %copy;
            for my $id (sort { $a <=> $b } keys %want) {
                my $rv = $dbh->selectall_arrayref(
                    'SELECT name, value FROM runvars WHERE job_id = ? AND NOT synth',
                    undef, $id);
                for my $r (@$rv) {
                    next unless $r->[0] =~ /^revision_(\w+)$/ && exists $revs{$1};
                    $primary = $revs{$1} if $r->[1] eq $src->{revision};
                    $r->[1] = $revs{$1};
                }
                $copy{$id} = $rv;
            }
            my ($flight) = $dbh->selectrow_array(
                q{INSERT INTO flights (branch, intended, template, revision, baseline_revision)
                  VALUES (?, ?, ?, ?, '') RETURNING flight}, undef,
                $src->{branch}, $intended, $src->{template}, $primary
            );
            my %new;
            for my $id (sort { $a <=> $b } keys %want) {
                ($new{$id}) = $dbh->selectrow_array(
                    'INSERT INTO jobs (flight, job, recipe) VALUES (?, ?, ?) RETURNING job_id',
                    undef, $flight, $byid{$id}{job}, $byid{$id}{recipe});
                $dbh->do('INSERT INTO runvars (job_id, name, value) VALUES (?, ?, ?)',
                    undef, $new{$id}, @$_)
                    for @{$copy{$id}};
            }
            for my $id (sort { $a <=> $b } keys %want) {
                $dbh->do('INSERT INTO job_deps (job_id, needs) VALUES (?, ?)',
                    undef, $new{$id}, $new{$_})
                    for @{$needs{$id} // []};
            }
            $dbh->do(q{UPDATE flights SET blessing = 'queued' WHERE flight = ?}, undef, $flight);
            return $flight;
        }
    );
}

sub get ($db, $flight) {
    my $f = $db->dbh->selectrow_hashref('SELECT * FROM flights WHERE flight = ?', undef, $flight)
        or die "osstest: no flight $flight\n";
    return $f;
}

sub jobs ($db, $flight) {
    return $db->dbh->selectall_arrayref('SELECT * FROM jobs WHERE flight = ? ORDER BY job_id',
        {Slice => {}}, $flight);
}

sub job ($db, $flight, $name) {
    return $db->dbh->selectrow_hashref('SELECT * FROM jobs WHERE flight = ? AND job = ?',
        undef, $flight, $name);
}

sub runvars ($db, $job_id) {
    my $rows = $db->dbh->selectall_arrayref('SELECT name, value FROM runvars WHERE job_id = ?',
        undef, $job_id);
    return {map { $_->[0] => $_->[1] } @$rows};
}

sub set_runvar ($db, $job_id, $name, $value, $synth = 1) {
    $db->dbh->do(
        'INSERT INTO runvars (job_id, name, value, synth) VALUES (?, ?, ?, ?)
         ON CONFLICT (job_id, name) DO UPDATE SET value = EXCLUDED.value, synth = EXCLUDED.synth',
        undef, $job_id, $name, $value, $synth ? 1 : 0
    );
    return;
}

sub steps ($db, $job_id) {
    return $db->dbh->selectall_arrayref('SELECT * FROM steps WHERE job_id = ? ORDER BY stepno',
        {Slice => {}}, $job_id);
}

1;
