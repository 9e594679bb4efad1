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

our @EXPORT = qw(tiny_kernel spawn_bg stop_bg wait_match slurp put_file);

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

END {
    local $?;
    stop_bg($_, 'TERM', 5) for keys %BG;
}

1;
