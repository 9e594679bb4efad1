package OsstestLab;

# Helpers of the lab tests: the tiny test kernel, background processes
# started by the test and stopped by PID, waiting for a line in a file.

use v5.36;
use strict;
use warnings;
use POSIX       qw(:sys_wait_h);
use Time::HiRes qw(time sleep);
use Exporter    qw(import);
use OsstestTest qw(data_dir);

our @EXPORT =
    qw(tiny_kernel spawn_bg stop_bg wait_match slurp put_file free_port start_nginx start_bmc
    start_libvirtd);

# Assemble and link the tiny multiboot kernel into DIR/NAME (silent: it never
# prints the ready line). Returns its path.
sub tiny_kernel ($dir, $name = 'kernel', $silent = 0) {
    my $sym = $silent ? '--defsym=SILENT=1' : '';
    system("as --32 $sym -o $dir/$name.o " . data_dir() . '/tiny-kernel.S') == 0
        or die "cannot assemble the test kernel\n";
    system("ld -m elf_i386 -Ttext=0x100000 -e _start -o $dir/$name $dir/$name.o") == 0
        or die "cannot link the test kernel\n";
    return "$dir/$name";
}

my %BG;

# Start CMD in the background (its own process group), output to LOG.
sub spawn_bg ($log, @cmd) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        setpgrp(0, 0);
        open STDIN,  '<',  '/dev/null';
        open STDOUT, '>>', $log or POSIX::_exit(126);
        open STDERR, '>&', \*STDOUT;
        exec {$cmd[0]} @cmd or POSIX::_exit(127);
    }
    $BG{$pid} = 1;
    return $pid;
}

# Stop PID (SIGNAL, then SIGKILL after WAIT s); returns its wait status.
sub stop_bg ($pid, $signal = 'TERM', $wait = 15) {
    return undef unless delete $BG{$pid};
    kill $signal, $pid;
    my $deadline = time + $wait;
    while (time < $deadline) {
        return $? if waitpid($pid, WNOHANG) == $pid;
        sleep 0.05;
    }
    kill 'KILL', $pid;
    waitpid $pid, 0;
    return $?;
}

# Wait up to TIMEOUT s for FILE to match RE; returns the match or undef.
sub wait_match ($file, $re, $timeout) {
    my $deadline = time + $timeout;
    while (time < $deadline) {
        my $t = slurp($file);
        return $1 // $& if defined $t && $t =~ $re;
        sleep 0.1;
    }
    return undef;
}

sub slurp ($file) {
    open my $fh, '<', $file or return undef;
    local $/;
    return <$fh>;
}

sub put_file ($file, $text) {
    open my $fh, '>', $file or die "cannot write $file: $!\n";
    print $fh $text;
    close $fh or die "cannot write $file: $!\n";
    return $file;
}

# A TCP port on 127.0.0.1 that nothing listens on just now.
sub free_port () {
    require IO::Socket::INET;
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)
        or die "no free port: $!\n";
    return $s->sockport;
}

# nginx on 127.0.0.1 serving DIR/root (autoindex; PUT and MKCOL allowed, as
# an artefact store that controllers publish to). Returns {pid, port, root,
# url, dir}. Stopped by stop_bg(pid).
sub start_nginx ($dir) {
    require File::Path;
    File::Path::make_path("$dir/root", "$dir/tmp");
    my $port = free_port();
    put_file("$dir/nginx.conf", <<"END");
daemon off;
master_process off;
user root root;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 64; }
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    client_max_body_size 0;
    types { text/plain txt log; }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$port;
        root $dir/root;
        autoindex on;
        dav_methods PUT MKCOL;
        create_full_put_path on;
    }
}
END
    my $pid      = spawn_bg("$dir/nginx.out", 'nginx', '-c', "$dir/nginx.conf", '-p', $dir);
    my $deadline = time + 10;
    while (time < $deadline) {
        require IO::Socket::INET;
        my $c = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port");
        return {
            pid  => $pid,
            port => $port,
            root => "$dir/root",
            url  => "http://127.0.0.1:$port",
            dir  => $dir
            }
            if $c;
        die "nginx did not start: "
            . (slurp("$dir/nginx.out") // '')
            . (slurp("$dir/error.log") // '')
            if waitpid($pid, WNOHANG) == $pid;
        sleep 0.05;
    }
    die "nginx not listening after 10 s\n";
}

# A simulated BMC: ipmi_sim on 127.0.0.1 whose power on starts a QEMU
# machine (TCG, NAME's hardware) with an IPMI KCS interface connected to it
# (ipmi-bmc-extern), its serial port relayed by serial-over-LAN, and an e1000
# NIC that boots iPXE from TFTP_ROOT/boot.ipxe (user-mode networking: the
# controller's loopback is 10.0.2.2). The password goes to DIR/bmc-password
# (mode 0600). Returns {pid, port, user, password_file}.
sub start_bmc (%a) {
    my $dir = $a{dir};
    own_dir($a{tftp_root}) if $a{tftp_root};
    require File::Path;
    File::Path::make_path("$dir/state");
    my ($lan, $vm, $sol) = (free_port(), free_port(), free_port());
    my $pw = "$dir/bmc-password";
    put_file($pw, $a{password} // 'lab-secret');
    chmod 0600, $pw;
    my $qemu = join ' ', 'qemu-system-x86_64 -accel tcg -cpu max',
        '-m', $a{memory} // 256, '-smp', $a{smp} // 1,
        '-display none -nodefaults -no-reboot',
        '-device isa-debug-exit,iobase=0xf4,iosize=0x04',
        "-netdev user,id=n0,tftp=$a{tftp_root},bootfile=boot.ipxe",
        '-device e1000,netdev=n0,mac=' . ($a{mac} // '52:54:00:73:01:01'), '-boot n',
        "-chardev socket,id=ipmi0,host=127.0.0.1,port=$vm,reconnect=10",
        '-device ipmi-bmc-extern,id=bmc0,chardev=ipmi0 -device isa-ipmi-kcs,bmc=bmc0',
        "-chardev socket,id=ser0,host=127.0.0.1,port=$sol,server=on,wait=on -serial chardev:ser0";
    put_file("$dir/lan.conf", <<"END");
name "$a{name}"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 $lan
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  serial 15 127.0.0.1 $vm codec VM
  startcmd "$qemu"
  sol "tcp:127.0.0.1:$sol" 115200 history=65536
  startnow false
  poweroff_wait 2
  kill_wait 2
  user 2 true "admin" "@{[$a{password} // 'lab-secret']}" admin 10 none md2 md5 straight
END
    put_file("$dir/bmc.emu", <<'END');
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
END
    my $pid = spawn_bg(
        "$dir/ipmi_sim.log", 'ipmi_sim', '-n',           '-c',
        "$dir/lan.conf",     '-f',       "$dir/bmc.emu", '-s',
        "$dir/state"
    );
    my $deadline = time + 10;

    while (time < $deadline) {
        my $out =
            `ipmitool -I lanplus -H 127.0.0.1 -p $lan -U admin -f $pw -C 3 chassis power status 2>&1`;
        return {pid => $pid, port => $lan, user => 'admin', password_file => $pw}
            if $out =~ /Chassis Power is/;
        die "ipmi_sim exited: " . (slurp("$dir/ipmi_sim.log") // '')
            if waitpid($pid, WNOHANG) == $pid;
        sleep 0.1;
    }
    die "ipmi_sim does not answer after 10 s\n";
}

# A libvirt session daemon of its own for the system user osstest-lab
# (created when missing), everything under DIR (home, run, config, cache;
# QEMU's stdio to files, no virtlogd), started in the foreground as that
# user. Returns {pid, user, dir, uri}.
sub start_libvirtd ($dir) {
    own_dir($dir);
    my $user = 'osstest-lab';
    if (!defined getpwnam($user)) {
        system('useradd', '--system', '--no-create-home', '--shell', '/usr/sbin/nologin', $user) ==
            0
            or die "cannot create user $user\n";
    }
    my (undef, undef, $uid, $gid) = getpwnam($user);
    require File::Path;
    File::Path::make_path(map { "$dir/$_" } qw(home run config/libvirt cache serial));
    put_file("$dir/config/libvirt/qemu.conf", "stdio_handler = \"file\"\n");
    system('chown', '-R', "$uid:$gid", $dir) == 0 or die "chown $dir failed\n";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        setpgrp(0, 0);
        @ENV{qw(HOME XDG_RUNTIME_DIR XDG_CONFIG_HOME XDG_CACHE_HOME)} =
            map { "$dir/$_" } qw(home run config cache);
        open STDIN,  '<',  '/dev/null';
        open STDOUT, '>>', "$dir/libvirtd.log" or POSIX::_exit(126);
        open STDERR, '>&', \*STDOUT;
        POSIX::setgid($gid) && POSIX::setuid($uid) or POSIX::_exit(126);
        exec 'libvirtd'                            or POSIX::_exit(127);
    }
    $BG{$pid} = 1;
    my $deadline = time + 20;
    while (time < $deadline) {
        return {pid => $pid, user => $user, dir => $dir, uri => 'qemu:///session'}
            if -S "$dir/run/libvirt/libvirt-sock";
        die "libvirtd exited: " . (slurp("$dir/libvirtd.log") // '')
            if waitpid($pid, WNOHANG) == $pid;
        sleep 0.1;
    }
    die "libvirtd: no socket after 20 s\n";
}

# Processes a daemon of ours starts for us (libvirt's QEMU, the one ipmi_sim's
# startcmd runs) are not our children: they are known by the private
# directory of this test on their command line, and stopped with the rest.
my @OWN_DIRS;

sub own_dir ($dir) { push @OWN_DIRS, $dir; return $dir }

sub stop_owned_strays () {
    return unless @OWN_DIRS;
    for my $signal (qw(TERM KILL)) {
        my @pids;
        for my $cmdfile (glob '/proc/[0-9]*/cmdline') {
            my ($pid) = $cmdfile =~ m{/proc/(\d+)/};
            next if $pid == $$;
            open my $fh, '<', $cmdfile or next;
            my $cmd = do { local $/; <$fh> }
                // '';
            push @pids, $pid if grep { index($cmd, $_) >= 0 } @OWN_DIRS;
        }
        last unless @pids;
        kill $signal, @pids;
        sleep 1 if $signal eq 'TERM';
    }
    return;
}

END {
    local $?;
    stop_bg($_, 'TERM', 5) for keys %BG;
    stop_owned_strays();
}

1;
