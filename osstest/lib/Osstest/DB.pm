package Osstest::DB;

# The database: a configured PostgreSQL server (a dbi:Pg DSN), or else a
# private cluster under results/ that is created, started for the command and
# stopped after it (the last command using it stops it). Schema migrations
# from osstest/schema/ are applied on every connection, under an advisory lock.

use v5.36;
use strict;
use warnings;
use DBI;
use Fcntl         qw(:flock);
use File::Path    qw(make_path);
use Osstest::Util qw(top_dir results_dir die_usage);
use Osstest::Errors;

my $MIGRATION_LOCK = 0x05575e57;

# Connect. Options: dsn, user, password, embedded_dir, dbname.
sub connect ($class, %opt) {
    my $self = bless {%opt, pid => $$}, $class;
    my $dsn  = $opt{dsn} // $ENV{OSSTEST_DSN} // config_dsn();
    if (defined $dsn && length $dsn) {
        die "osstest: database DSN '"
            . Osstest::Errors::mask_secrets($dsn)
            . "' is not a dbi:Pg DSN\n"
            unless $dsn =~ /^dbi:Pg:/;
        $self->{dsn} = $dsn;
        $self->{user}     //= $ENV{OSSTEST_DB_USER}     // '';
        $self->{password} //= $ENV{OSSTEST_DB_PASSWORD} // '';
    }
    else {
        my $dir = $opt{embedded_dir} // (results_dir() . '/osstest/db');
        $self->{embedded} = Osstest::DB::Embedded->start($dir);
        $self->{dsn}      = $self->{embedded}->dsn($opt{dbname} // 'osstest');
        $self->{user}     = 'osstest';
        $self->{password} = '';
        $self->{embedded}->ensure_database($opt{dbname} // 'osstest');
    }
    $self->{dbh} =
        DBI->connect($self->{dsn}, $self->{user}, $self->{password},
        {RaiseError => 1, PrintError => 0, PrintWarn => 0, AutoCommit => 1, pg_enable_utf8 => 1})
        or die 'osstest: cannot connect to '
        . Osstest::Errors::mask_secrets($self->{dsn}) . ': '
        . Osstest::Errors::mask_secrets($DBI::errstr) . "\n";
    $self->{dbh}->do('SET client_min_messages = warning');
    $self->migrate unless $opt{no_migrate};
    return $self;
}

# The DSN from the file named by OSSTEST_CONFIG (lines "dsn = dbi:Pg:...").
sub config_dsn () {
    my $file = $ENV{OSSTEST_CONFIG} // return undef;
    open my $fh, '<', $file or die "osstest: cannot read config $file: $!\n";
    my $dsn;
    while (my $line = <$fh>) {
        next if $line =~ /^\s*(#|$)/;
        if ($line =~ /^\s*dsn\s*=\s*(\S+)\s*$/) {
            $dsn = $1;
        }
        elsif ($line !~ /^\s*\w+\s*=/) {
            die "osstest: $file:$.: expected 'name = value'\n";
        }
    }
    return $dsn;
}

sub dbh ($self) { return $self->{dbh} }
sub dsn ($self) { return $self->{dsn} }

# Environment a child process needs to reach the same database without
# starting or stopping anything itself.
sub child_env ($self) {
    return (OSSTEST_DSN => $self->{dsn}, OSSTEST_DB_USER => $self->{user});
}

sub schema_dir () { return top_dir() . '/osstest/schema' }

# Apply every migration in schema/ not yet applied, in name order.
sub migrate ($self, $dir = schema_dir()) {
    my $dbh = $self->{dbh};
    $dbh->do('SELECT pg_advisory_lock(?)', undef, $MIGRATION_LOCK);
    my $ok = eval {
        $dbh->do(
            'CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY, name text NOT NULL,
                applied timestamptz NOT NULL DEFAULT now())'
        );
        my %done = map { $_->[0] => 1 }
            @{$dbh->selectall_arrayref('SELECT version FROM schema_migrations')};
        opendir my $dh, $dir or die "osstest: cannot read $dir: $!\n";
        my @files = sort grep { /\.sql$/ } readdir $dh;
        for my $file (@files) {
            my ($version) = $file =~ /^(\d+)-[\w.-]+\.sql$/
                or die "osstest: $dir/$file: migration names must be NNNN-name.sql\n";
            next if $done{$version + 0};
            open my $fh, '<', "$dir/$file" or die "osstest: cannot read $dir/$file: $!\n";
            my $sql = do { local $/; <$fh> };
            $dbh->begin_work;
            eval {
                $dbh->do($sql);
                $dbh->do('INSERT INTO schema_migrations (version, name) VALUES (?, ?)',
                    undef, $version, $file);
                $dbh->commit;
                1;
            } or do {
                my $err = $@;
                $dbh->rollback;
                die "osstest: migration $dir/$file failed: $err";
            };
        }
        1;
    };
    my $err = $@;
    $dbh->do('SELECT pg_advisory_unlock(?)', undef, $MIGRATION_LOCK);
    die $err unless $ok;
    return;
}

# Run CODE in a transaction; retried on serialization failure or deadlock.
sub txn ($self, $code) {
    my $dbh = $self->{dbh};
    for my $try (1 .. 5) {
        $dbh->begin_work;
        my @r;
        my $ok = eval { @r = $code->($dbh); $dbh->commit; 1 };
        return wantarray ? @r : $r[0] if $ok;
        my $err   = $@;
        my $state = $dbh->state // '';
        eval { $dbh->rollback };
        die $err unless $state eq '40001' || $state eq '40P01';
    }
    die "osstest: transaction kept failing\n";
}

sub disconnect ($self) {
    return if $self->{pid} != $$;
    if (my $dbh = delete $self->{dbh})      { $dbh->disconnect }
    if (my $emb = delete $self->{embedded}) { $emb->release }
    return;
}

sub DESTROY ($self) {
    local ($@, $!, $?);
    return if ${^GLOBAL_PHASE} eq 'DESTRUCT' && !$self->{embedded};
    $self->disconnect;
}

package Osstest::DB::Embedded;

# A private PostgreSQL cluster: DIR/data, a unix socket in DIR/sock only, the
# server log in DIR/postgres.log. When running as root, the cluster belongs
# to a dedicated system user (PostgreSQL refuses to run as root).

use v5.36;
use strict;
use warnings;
use Fcntl      qw(:flock);
use File::Path qw(make_path);
use POSIX      ();

our $RUN_USER = 'osstest-pg';

sub pg_bin ($name) {
    for my $dir (split(/:/, $ENV{PATH} // ''), glob('/usr/lib/postgresql/*/bin')) {
        return "$dir/$name" if -x "$dir/$name";
    }
    die "osstest: PostgreSQL program '$name' not found (install postgresql)\n";
}

sub run_user () {
    return undef if $> != 0;
    return $RUN_USER;
}

sub ensure_user ($user) {
    return if defined getpwnam($user);
    system('useradd', '--system', '--no-create-home', '--home-dir', '/nonexistent',
        '--shell', '/usr/sbin/nologin', $user) == 0
        or defined getpwnam($user)
        or die "osstest: cannot create system user $user for PostgreSQL\n";
}

# Run a command as the cluster's user; returns the exit status.
sub run_as ($self, @cmd) {
    my $pid = fork // die "osstest: fork: $!\n";
    if ($pid == 0) {
        open STDIN,  '<',  '/dev/null';
        open STDOUT, '>>', "$self->{dir}/ctl.log";
        open STDERR, '>&', \*STDOUT;
        if (my $user = $self->{user}) {
            my ($uid, $gid) = (getpwnam $user)[2, 3];
            POSIX::setgid($gid) or POSIX::_exit(126);
            $) = "$gid $gid";
            POSIX::setuid($uid) or POSIX::_exit(126);
            $ENV{HOME} = $self->{dir};
        }
        chdir $self->{dir};
        exec {$cmd[0]} @cmd or POSIX::_exit(127);
    }
    waitpid $pid, 0;
    return $? >> 8;
}

sub start ($class, $dir) {
    make_path($dir);
    my $self = bless {dir => $dir, data => "$dir/data", sock => "$dir/sock", pid => $$}, $class;
    $self->{user} = run_user();
    open my $lock, '>>', "$dir/start.lock" or die "osstest: cannot open $dir/start.lock: $!\n";
    flock $lock, LOCK_EX or die "osstest: flock: $!\n";
    if (my $user = $self->{user}) {
        ensure_user($user);
        my ($uid, $gid) = (getpwnam $user)[2, 3];
        make_path($self->{sock});
        chown $uid, $gid, $dir, $self->{sock}, "$dir/start.lock";
        chown $uid, $gid, "$dir/ctl.log" if -e "$dir/ctl.log";
        chown $uid, $gid, $self->{data}  if -d $self->{data};
    }
    else {
        make_path($self->{sock});
    }
    chmod 0700, $self->{sock};
    if (!-f "$self->{data}/PG_VERSION") {
        $self->run_as(pg_bin('initdb'), '-D', $self->{data}, '-A', 'trust', '-U', 'osstest',
            '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync') == 0
            or die "osstest: initdb failed, see $dir/ctl.log\n";
    }
    if ($self->run_as(pg_bin('pg_ctl'), '-D', $self->{data}, 'status') != 0) {
        $self->run_as(
            pg_bin('pg_ctl'), '-D', $self->{data}, '-w', '-t', '60', '-l', "$dir/postgres.log",
            '-o', "-c listen_addresses= -k $self->{sock} -c fsync=off -c max_connections=200",
            'start'
        ) == 0 or die "osstest: PostgreSQL did not start, see $dir/postgres.log\n";
    }
    open my $users, '>>', "$dir/users.lock" or die "osstest: cannot open $dir/users.lock: $!\n";
    flock $users, LOCK_SH or die "osstest: flock: $!\n";
    $self->{users} = $users;
    close $lock;
    return $self;
}

sub dsn ($self, $dbname) { return "dbi:Pg:dbname=$dbname;host=$self->{sock}" }

sub ensure_database ($self, $dbname) {
    my $dbh = DBI->connect($self->dsn('postgres'),
        'osstest', '', {RaiseError => 1, PrintError => 0, AutoCommit => 1});
    my ($have) =
        $dbh->selectrow_array('SELECT 1 FROM pg_database WHERE datname = ?', undef, $dbname);
    unless ($have) {
        eval { $dbh->do('CREATE DATABASE ' . $dbh->quote_identifier($dbname)); 1 }
            or $@ =~ /already exists/
            or die $@;
    }
    $dbh->disconnect;
    return;
}

# Drop this command's use of the cluster; stop it if nobody else uses it.
sub release ($self) {
    return if $self->{pid} != $$;
    my $users = delete $self->{users} or return;
    my $dir   = $self->{dir};
    open my $lock, '>>', "$dir/start.lock" or die "osstest: cannot open $dir/start.lock: $!\n";
    flock $lock,  LOCK_EX;
    flock $users, LOCK_UN;
    if (flock $users, LOCK_EX | LOCK_NB) {
        $self->run_as(pg_bin('pg_ctl'), '-D', $self->{data}, '-w', '-m', 'fast', 'stop');
    }
    close $users;
    close $lock;
    return;
}

sub DESTROY ($self) {
    local ($@, $!, $?);
    $self->release if $self->{users};
}

1;
