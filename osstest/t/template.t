#!/usr/bin/perl
# Osstest::Template: the templates in the tree parse; steps round-trip
# through their runvar text; every kind of bad input is reported with the
# file and line.
use v5.36;
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use Osstest::Template;

for my $f (glob("$FindBin::Bin/../templates/*.tmpl"), glob("$FindBin::Bin/data/*.tmpl")) {
    my $t = eval { Osstest::Template::load($f) };
    ok($t, "$f parses") or diag $@;
}
my $t = Osstest::Template::load("$FindBin::Bin/../templates/xen.tmpl");
is_deeply($t->{trees}, ['xen'], 'xen template tests tree xen');
my %jobs = map { $_->{name} => $_ } @{$t->{jobs}};
is_deeply($jobs{'test-xtf-x86_64-smp1'}{needs}, ['build-x86_64'], 'test job needs the build');
is($jobs{'test-xtf-x86_64-smp1'}{runvars}{hostflags}, 'x86_64,qemu,smp1',  'host flags runvar');
is($jobs{'build-x86_64'}{runvars}{components},        'xen xen-tools xtf', 'runvar line');
my @steps = @{$jobs{'test-xtf-x86_64-smp2'}{steps}};
is_deeply(
    [map { $_->{testid} } @steps],
    [qw(artefacts-fetch host-boot xtf-run logs-capture)],
    'steps in order'
);
ok($steps[3]{always}, 'log capture always runs');
ok((grep { ($_->{runvars}{hostflags} // '') =~ /\bnetboot\b/ } @{$t->{jobs}}),
    'a job runs on a network-booted host');
is_deeply([Osstest::Template::steps_from_text(Osstest::Template::steps_to_text(@steps))],
    \@steps, 'steps round-trip through text');

sub err (@lines) {
    eval {
        Osstest::Template::parse('x.tmpl', map { "$_\n" } @lines);
    };
    return $@;
}
my @ok = ('tree t', 'job a recipe=r', '    step s ts-command true');
is(err (@ok), '', 'minimal template');
like(
        err ('tree t', 'job a', '    step s ts-command'),
    qr/^osstest: x\.tmpl:2: job 'a' has no recipe=/,
    'missing recipe'
);
like(
        err (@ok, 'job b recipe=r needs=zz', '    step s ts-command'),
    qr/x\.tmpl:4: job 'b' needs unknown job 'zz'/,
    'unknown dependency'
);
like(err (@ok, '    step s ts-command'), qr/x\.tmpl:4: testid 's' used twice/, 'duplicate testid');
like(
        err ('tree t', 'job a recipe=r', '    step s ts-nonesuch'),
    qr/x\.tmpl:3: no step script osstest\/ts\/ts-nonesuch/,
    'missing step script'
);
like(
        err ('tree t', 'job a recipe=r', '    step s rm'),
    qr/x\.tmpl:3: .*must be named ts-/,
    'step script not ts-*'
);
like(err ('    step s ts-command'), qr/x\.tmpl:1: 'step' outside a job/, 'step outside a job');
like(
        err (
        'tree t',
        'job a recipe=r needs=b',
        '    step s ts-command',
        'job b recipe=r needs=a',
        '    step s ts-command'
        ),
    qr/dependency cycle/,
    'dependency cycle'
);
like(
        err ('tree t', 'job a recipe=r bogus', '    step s ts-command'),
    qr/x\.tmpl:2: expected KEY=VALUE/,
    'bad job attribute'
);
like(err (@ok, 'what is this'), qr/x\.tmpl:4: cannot parse 'what is this'/, 'unknown line');
like(err ('job a recipe=r', '    step s ts-command'), qr/no tree line/,     'no tree');
like(err ('tree t', 'job a recipe=r'), qr/x\.tmpl:2: job 'a' has no steps/, 'job without steps');
like(
        err (@ok, 'job a recipe=r', '    step s ts-command'),
    qr/x\.tmpl:4: job 'a' defined twice/,
    'duplicate job'
);
eval { Osstest::Template::load('/nonexistent.tmpl') };
like($@, qr/cannot read template \/nonexistent\.tmpl/, 'missing file');
done_testing;
