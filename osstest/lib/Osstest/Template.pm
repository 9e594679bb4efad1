package Osstest::Template;

# Flight templates: which jobs a flight of a tree has, their recipes, the
# steps of each recipe and the runvars they start with. The format is line
# based (see templates/README.md); errors name the file and line.

use v5.36;
use strict;
use warnings;
use Osstest::Util qw(top_dir);

my $NAME   = qr/[A-Za-z0-9][A-Za-z0-9_.+-]*/;
my $TESTID = qr/[A-Za-z0-9][A-Za-z0-9_.\/+-]*/;

sub ts_dir () { return top_dir() . '/osstest/ts' }

# Parse FILE; returns {file, trees => [names], jobs => [{name, recipe, needs,
# runvars => {}, steps => [{testid, script, args, always}]}]}.
sub load ($file) {
    open my $fh, '<', $file or die "osstest: cannot read template $file: $!\n";
    my @lines = <$fh>;
    return parse($file, @lines);
}

sub parse ($file, @lines) {
    my $t = {file => $file, trees => [], jobs => []};
    my (%jobs, $job);
    my $lineno = 0;
    my $err    = sub ($msg) { die "osstest: $file:$lineno: $msg\n" };
    for my $line (@lines) {
        $lineno++;
        chomp $line;
        $line =~ s/\s+#.*$//;
        next if $line =~ /^\s*(#|$)/;
        if ($line =~ /^tree\s+(\S+)\s*$/) {
            my $tree = $1;
            $err->("bad tree name '$tree'") unless $tree =~ /^\w+$/;
            $err->("tree '$tree' given twice") if grep { $_ eq $tree } @{$t->{trees}};
            push @{$t->{trees}}, $tree;
        }
        elsif ($line =~ /^job\s+(\S+)\s*(.*)$/) {
            my ($name, $rest) = ($1, $2);
            $err->("bad job name '$name'") unless $name =~ /^$NAME$/;
            $err->("job '$name' defined twice") if $jobs{$name};
            $job = {name => $name, needs => [], runvars => {}, steps => [], line => $lineno};
            for my $kv (split ' ', $rest) {
                my ($k, $v) = $kv =~ /^(\w+)=(.*)$/
                    or $err->("expected KEY=VALUE after the job name, got '$kv'");
                if ($k eq 'recipe') {
                    $job->{recipe} = $v;
                }
                elsif ($k eq 'needs') {
                    $job->{needs} = [grep { length } split /,/, $v];
                }
                else {
                    $job->{runvars}{$k} = $v;
                }
            }
            $err->("job '$name' has no recipe=") unless $job->{recipe};
            $jobs{$name} = $job;
            push @{$t->{jobs}}, $job;
        }
        elsif ($line =~ /^\s+(step|always)\s+(\S+)\s+(\S+)\s*(.*)$/) {
            my ($kind, $testid, $script, $args) = ($1, $2, $3, $4);
            $err->("'$kind' outside a job")                    unless $job;
            $err->("bad testid '$testid'")                     unless $testid =~ /^$TESTID$/;
            $err->("step script '$script' must be named ts-*") unless $script =~ /^ts-[\w-]+$/;
            $err->("no step script osstest/ts/$script")        unless -x ts_dir() . "/$script";
            $err->("testid '$testid' used twice in job '$job->{name}'")
                if grep { $_->{testid} eq $testid } @{$job->{steps}};
            push @{$job->{steps}},
                {testid => $testid, script => $script, args => $args, always => $kind eq 'always'};
        }
        elsif ($line =~ /^\s+runvar\s+(\w+)\s*=\s*(.*?)\s*$/) {
            $err->("'runvar' outside a job") unless $job;
            $job->{runvars}{$1} = $2;
        }
        else {
            $err->("cannot parse '$line'");
        }
    }
    $lineno = scalar @lines;
    $err->('no tree line') unless @{$t->{trees}};
    $err->('no jobs')      unless @{$t->{jobs}};
    for my $j (@{$t->{jobs}}) {
        $lineno = $j->{line};
        $err->("job '$j->{name}' has no steps") unless @{$j->{steps}};
        for my $n (@{$j->{needs}}) {
            $err->("job '$j->{name}' needs unknown job '$n'") unless $jobs{$n};
        }
    }
    check_cycles($t, $err);
    return $t;
}

sub check_cycles ($t, $err) {
    my %needs = map { $_->{name} => $_->{needs} } @{$t->{jobs}};
    my %state;
    my $visit;
    $visit = sub ($n) {
        return                                      if ($state{$n} // '') eq 'done';
        $err->("dependency cycle through job '$n'") if ($state{$n} // '') eq 'active';
        $state{$n} = 'active';
        $visit->($_) for @{$needs{$n}};
        $state{$n} = 'done';
    };
    $visit->($_) for sort keys %needs;
    return;
}

# The steps of a job as stored in its recipe_steps runvar, and back.
sub steps_to_text (@steps) {
    return join '', map {
              ($_->{always} ? 'always' : 'step')
            . " $_->{testid} $_->{script}"
            . (length $_->{args} ? " $_->{args}" : '') . "\n"
    } @steps;
}

sub steps_from_text ($text) {
    my @steps;
    for my $line (split /\n/, $text) {
        my ($kind, $testid, $script, $args) = $line =~ /^(step|always) (\S+) (\S+) ?(.*)$/
            or die "osstest: bad recipe_steps line '$line'\n";
        push @steps,
            {testid => $testid, script => $script, args => $args, always => $kind eq 'always'};
    }
    return @steps;
}

1;
