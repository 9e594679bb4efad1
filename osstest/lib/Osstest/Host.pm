package Osstest::Host;

# Hosts: rows in the database (flags, properties, broken or not), read from
# lab-configs/hosts/NAME files, and objects with power, console and boot
# methods chosen by the host's kind. Kinds live in Osstest::Host::<Kind>.

use v5.36;
use strict;
use warnings;
use Osstest::Util qw(top_dir);

our %KINDS = (
    'qemu-local'   => 'Osstest::Host::QemuLocal',
    'qemu-netboot' => 'Osstest::Host::QemuNetboot',
    'ipmi'         => 'Osstest::Host::IPMI',
    'libvirt'      => 'Osstest::Host::Libvirt',
);

# This controller's name (OSSTEST_CONTROLLER, default the machine's name).
sub controller_name () {
    require Sys::Hostname;
    return $ENV{OSSTEST_CONTROLLER} // Sys::Hostname::hostname();
}

sub lab_dir () { return $ENV{OSSTEST_LAB_CONFIGS} // top_dir() . '/lab-configs' }

# Parse a host file: "key = value" lines; returns {host, kind, flags => [],
# props => {}}. The host name is the file name unless a "name" line says.
sub parse_config ($file) {
    open my $fh, '<', $file or die "osstest: cannot read host config $file: $!\n";
    (my $name = $file) =~ s{.*/}{};
    my %cfg = (host => $name, flags => [], props => {});
    while (my $line = <$fh>) {
        chomp $line;
        next if $line =~ /^\s*(#|$)/;
        my ($k, $v) = $line =~ /^\s*([\w-]+)\s*=\s*(.*?)\s*$/
            or die "osstest: $file:$.: expected 'key = value', got '$line'\n";
        if ($k eq 'name') {
            $cfg{host} = $v;
        }
        elsif ($k eq 'kind') {
            $cfg{kind} = $v;
        }
        elsif ($k eq 'flags') {
            $cfg{flags} = [split /[\s,]+/, $v];
        }
        else {
            die "osstest: $file:$.: '$k' given twice\n" if exists $cfg{props}{$k};
            $cfg{props}{$k} = $v;
        }
    }
    die "osstest: $file: bad host name '$cfg{host}'\n" unless $cfg{host} =~ /^[\w.-]+$/;
    die "osstest: $file: no 'kind' line\n"             unless $cfg{kind};
    die "osstest: $file: unknown kind '$cfg{kind}' (known: @{[sort keys %KINDS]})\n"
        unless $KINDS{$cfg{kind}};
    my $class = $KINDS{$cfg{kind}};
    eval "require $class; 1" or die $@;    ## no critic (string eval of a fixed module name)
    my %props = %{$cfg{props}};

    # Any kind: the controller the host is wired to (its BMC, lab network);
    # only that controller allocates it. None: any controller.
    if (defined(my $c = delete $props{controller})) {
        die "osstest: $file: 'controller' must be a plain name\n" unless $c =~ /^[\w.-]+$/;
    }
    $class->check_props($file, \%props);
    return \%cfg;
}

# Add or update a host from its config file.
sub add ($db, $file) {
    my $cfg = parse_config($file);
    $db->txn(
        sub ($dbh) {
            $dbh->do(
                q{INSERT INTO hosts (host, kind, config) VALUES (?, ?, ?)
              ON CONFLICT (host) DO UPDATE SET kind = EXCLUDED.kind, config = EXCLUDED.config},
                undef, $cfg->{host}, $cfg->{kind}, $file
            );
            $dbh->do('DELETE FROM host_flags WHERE host = ?', undef, $cfg->{host});
            $dbh->do('DELETE FROM host_props WHERE host = ?', undef, $cfg->{host});
            $dbh->do('INSERT INTO host_flags (host, flag) VALUES (?, ?)', undef, $cfg->{host}, $_)
                for @{$cfg->{flags}};
            $dbh->do('INSERT INTO host_props (host, name, value) VALUES (?, ?, ?)',
                undef, $cfg->{host}, $_, $cfg->{props}{$_})
                for sort keys %{$cfg->{props}};
        }
    );
    return $cfg->{host};
}

sub list ($db) {
    return $db->dbh->selectall_arrayref(
        q{SELECT h.host, h.kind, h.broken, h.broken_why,
                 coalesce((SELECT string_agg(flag, ',' ORDER BY flag) FROM host_flags f
                           WHERE f.host = h.host), '') AS flags,
                 a.job_id, j.flight, j.job
          FROM hosts h LEFT JOIN allocations a ON a.host = h.host
               LEFT JOIN jobs j ON j.job_id = a.job_id
          ORDER BY h.host}, {Slice => {}}
    );
}

sub must_exist ($db, $host) {
    my ($ok) = $db->dbh->selectrow_array('SELECT 1 FROM hosts WHERE host = ?', undef, $host);
    die "osstest: no host '$host'\n" unless $ok;
    return;
}

sub set_flag ($db, $host, $flag, $on) {
    must_exist($db, $host);
    die "osstest: bad flag '$flag'\n" unless $flag =~ /^[\w.+-]+$/;
    if ($on) {
        $db->dbh->do('INSERT INTO host_flags (host, flag) VALUES (?, ?) ON CONFLICT DO NOTHING',
            undef, $host, $flag);
    }
    else {
        $db->dbh->do('DELETE FROM host_flags WHERE host = ? AND flag = ?', undef, $host, $flag);
    }
    return;
}

sub mark_broken ($db, $host, $why) {
    must_exist($db, $host);
    $db->dbh->do('UPDATE hosts SET broken = true, broken_why = ? WHERE host = ?',
        undef, $why, $host);
    return;
}

# Make a host usable again: not broken, and any allocation dropped.
sub free ($db, $host) {
    must_exist($db, $host);
    $db->txn(
        sub ($dbh) {
            $dbh->do(q{UPDATE hosts SET broken = false, broken_why = '' WHERE host = ?},
                undef, $host);
            $dbh->do('DELETE FROM allocations WHERE host = ?', undef, $host);
            $dbh->do(
                q{INSERT INTO host_events (host, kind, status, detail)
                  VALUES (?, 'free', 'freed', 'osstest hosts free')}, undef, $host
            );
        }
    );
    return;
}

# The object for HOST, of the class of its kind.
sub load ($db, $host) {
    my $row = $db->dbh->selectrow_hashref('SELECT * FROM hosts WHERE host = ?', undef, $host)
        or die "osstest: no host '$host'\n";
    my $props = $db->dbh->selectall_arrayref('SELECT name, value FROM host_props WHERE host = ?',
        undef, $host);
    my $flags =
        $db->dbh->selectcol_arrayref('SELECT flag FROM host_flags WHERE host = ?', undef, $host);
    my $class = $KINDS{$row->{kind}} or die "osstest: host $host has unknown kind $row->{kind}\n";
    eval "require $class; 1"         or die $@;    ## no critic (string eval of a fixed module name)
    return $class->new(
        host  => $host,
        props => {map { $_->[0] => $_->[1] } @$props},
        flags => $flags
    );
}

# The interface every kind implements (see Osstest::Host::QemuLocal):
#   check_props(file, props)  validate a host file's properties
#   power(on|off|status)      power the host
#   console()                 path of the file the serial console goes to
#   start(%plan)              power on booting a hypervisor: kernel, cmdline,
#                             modules ("path args" each), console (file)
#   running()                 false once the host has powered itself off
# boot(%plan) (start, then wait for wait_for on the console) is common.
sub new      ($class, %a)                     { return bless {%a}, $class }
sub name     ($self)                          { return $self->{host} }
sub prop     ($self, $name, $default = undef) { return $self->{props}{$name} // $default }
sub qemu_cpu ($self)                          { return $self->prop('qemu-cpu', 'max') }
sub smp      ($self)                          { return $self->prop('smp',      2) }
sub memory   ($self)                          { return $self->prop('memory',   1024) }
sub console  ($self)                          { return $self->{console} }

# iPXE's multiboot loader (src/arch/x86/image/multiboot.c) hands over at
# most 8 modules, and puts every command line (the kernel's and each
# module's: the file's URL, then a space and its arguments, then a NUL) in
# one 512-byte buffer: what does not fit is cut, and later modules get
# nothing. A network-booted host's boots are packed to fit (xtf-runner
# --max-modules, --loader-cmdline-bytes, --loader-url-bytes).
use constant {IPXE_MAX_MODULES => 8, IPXE_CMDLINE_BYTES => 512};

sub boots_ipxe ($self) {
    return $self->prop('boot', '') eq 'ipxe-http' && $self->prop('boot-method', 'ipxe') eq 'ipxe';
}

# Boot modules the host's boot path hands the hypervisor (0: no limit).
sub max_boot_modules ($self) { return $self->boots_ipxe ? IPXE_MAX_MODULES : 0 }

# Bytes the loader keeps for all command lines (0: no limit).
sub loader_cmdline_bytes ($self) { return $self->boots_ipxe ? IPXE_CMDLINE_BYTES : 0 }

# The URL the host fetches its boot files under (see publish_ipxe; the
# qemu-netboot kind has its own).
sub ipxe_url_prefix ($self) { return $self->prop('http-url', '') =~ s{/*$}{}r . "/$self->{host}/" }

# File names of a boot on the HTTP server: short, as each URL takes room in
# the loader's command lines.
sub ipxe_file_name ($i) { return defined $i ? "m$i" : 'kernel' }

# Length of the longest URL the loader puts before a command line.
sub loader_url_bytes ($self) {
    return length($self->ipxe_url_prefix) + length(ipxe_file_name(undef));
}

# Die unless the lines of an iPXE boot ([URL, arguments] each, the kernel
# first) fit the loader: a module count or command line bytes over its
# limits would reach the hypervisor cut.
sub ipxe_check_lines ($self, @lines) {
    my $bytes = 0;
    $bytes += length($_->[0]) + (length($_->[1] // '') ? 1 + length($_->[1]) : 0) + 1 for @lines;
    die sprintf("osstest: %s: this boot has %d modules; iPXE's multiboot loader hands over at "
            . "most %d\n",
        $self->{host}, @lines - 1, IPXE_MAX_MODULES)
        if @lines - 1 > IPXE_MAX_MODULES;
    die sprintf("osstest: %s: this boot's command lines take %d bytes with their URLs; iPXE's "
            . "multiboot loader keeps %d for all of them and would cut the rest (give the "
            . "modules' settings in a table module: xtf-runner --loader-cmdline-bytes)\n",
        $self->{host}, $bytes, IPXE_CMDLINE_BYTES)
        if $bytes > IPXE_CMDLINE_BYTES;
    return $bytes;
}

# Boot with PLAN and wait up to its timeout (default 120 s) for a console
# line matching wait_for. Returns 'ready', 'exited' (the host powered off
# first; for a QEMU host its exit status is in {exit}) or 'timeout'.
sub boot ($self, %plan) {
    $self->start(%plan);
    return $self->wait_console($plan{console}, $plan{wait_for}, $plan{timeout} // 120);
}

sub wait_console ($self, $console, $re, $timeout) {
    require Time::HiRes;
    my $deadline = Time::HiRes::time() + $timeout;
    my $pos      = 0;
    my $partial  = '';
    while (Time::HiRes::time() < $deadline) {
        if (open my $fh, '<', $console) {
            seek $fh, $pos, 0;
            local $/;
            my $text = $partial . (<$fh> // '');
            $pos = tell $fh;
            my @lines = split /(?<=\n)/, $text;
            $partial = (@lines && $lines[-1] !~ /\n$/) ? pop @lines : '';
            for my $line (@lines, $partial) {
                return 'ready' if $line =~ $re;
            }
        }
        return 'exited' unless $self->running;
        Time::HiRes::sleep(0.2);
    }
    return 'timeout';
}

# For hosts booted by iPXE from the lab's servers (ipmi, libvirt): publish
# the plan's kernel and modules as http-url/HOST/NAME, the URL the host
# fetches them from: into the local directory http-root/HOST, or when there
# is none by HTTP PUT to http-put-url/HOST/NAME (the artefact store's nginx,
# as this controller reaches it). The iPXE script goes to tftp-root/
# boot-script (default boot.ipxe). Returns the script.
sub publish_ipxe ($self, %plan) {
    require File::Path;
    require File::Copy;
    require File::Basename;
    my $url  = $self->prop('http-url') =~ s{/*$}{}r . "/$self->{host}";
    my $root = $self->prop('http-root');
    my $dir  = defined $root ? "$root/$self->{host}" : undef;
    File::Path::make_path($dir) if defined $dir;
    my $put = sub ($file, $name) {
        if (!defined $dir) {
            require Osstest::Artefacts;
            my $data = do { local (@ARGV, $/) = $file; <> }
                // die "osstest: cannot read $file: $!\n";
            Osstest::Artefacts::put(
                $self->prop('http-put-url') =~ s{/*$}{}r . "/$self->{host}/$name", $data);
            return "$url/$name";
        }
        unlink "$dir/$name";
        link($file, "$dir/$name")
            or File::Copy::copy($file, "$dir/$name")
            or die "osstest: cannot copy $file to $dir/$name: $!\n";
        return "$url/$name";
    };
    my @lines = ([$put->($plan{kernel}, ipxe_file_name(undef)), $plan{cmdline}]);
    my $i     = 0;
    for my $m (@{$plan{modules} // []}) {
        my ($path, $args) = split ' ', $m, 2;
        push @lines, [$put->($path, ipxe_file_name($i++)), $args];
    }
    $self->ipxe_check_lines(@lines);
    my $s = "#!ipxe\necho osstest: $self->{host} boots from $url\n";
    my $k = 'kernel';
    for my $l (@lines) {
        $s .= "$k $l->[0]" . (length($l->[1] // '') ? " $l->[1]" : '') . "\n";
        $k = 'module';
    }
    $s .= "boot\n";
    my $tftp = $self->prop('tftp-root');
    File::Path::make_path($tftp);
    my $script = "$tftp/" . $self->prop('boot-script', 'boot.ipxe');
    open my $fh, '>', "$script.new" or die "osstest: cannot write $script: $!\n";
    print $fh $s;
    close $fh or die "osstest: cannot write $script: $!\n";
    rename "$script.new", $script or die "osstest: cannot write $script: $!\n";
    return $s;
}

# Empty (or create) a console file in place: a reader that already has it
# open (xtf-runner) goes on reading the same file.
sub truncate_console ($file) {
    open my $fh, '>', $file or die "osstest: cannot write console file $file: $!\n";
    close $fh;
    return;
}

# Hold HOST's lock (a lock file under the results directory) so that one
# process at a time boots it on this controller; released when the returned
# handle is closed or the process ends. Dies after WAIT seconds.
sub lock ($self, $wait = 600) {
    require Fcntl;
    require Time::HiRes;
    require File::Path;
    require Osstest::Util;
    my $dir = Osstest::Util::results_dir() . '/hosts';
    File::Path::make_path($dir);
    open my $fh, '>>', "$dir/$self->{host}.lock" or die "osstest: $dir/$self->{host}.lock: $!\n";
    my $deadline = Time::HiRes::time() + $wait;

    until (flock $fh, Fcntl::LOCK_EX() | Fcntl::LOCK_NB()) {
        die "osstest: host $self->{host} is busy (lock held for ${wait}s)\n"
            if Time::HiRes::time() > $deadline;
        Time::HiRes::sleep(0.1);
    }
    return $fh;
}

1;
