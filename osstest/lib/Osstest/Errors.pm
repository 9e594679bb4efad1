package Osstest::Errors;

# Error messages a user can act on: passwords masked wherever a DSN or URL
# is quoted, and the loss of the database told in one line that says how
# to go on.

use v5.36;
use strict;
use warnings;
use Exporter qw(import);

our @EXPORT_OK = qw(mask_secrets is_db_lost db_lost_line);

# TEXT with the password of every DSN (password=...), URL (user:pw@host) and
# "password ..." phrase replaced by ***.
sub mask_secrets ($text) {
    $text //= '';
    $text =~ s/\b(password|passwd|pwd)(\s*=\s*)('[^']*'|[^;\s]+)/$1$2***/gi;
    $text =~ s{(\w+://[^/\s:@]+:)[^@\s/]+@}{$1***@}g;
    return $text;
}

# Does an error come from losing the database (server gone, connection
# refused or closed), as opposed to an error in a query?
my $LOST = join '|', 'server closed the connection', 'no connection to the server',
    'could not connect to server', 'connection to server .* failed', 'terminating connection',
    'Connection refused',          'connection not open', 'could not receive data from server',
    'SSL SYSCALL error',           'the database system is (?:shutting down|starting up)';

sub is_db_lost ($err) {
    return ($err // '') =~ /$LOST/;
}

# The one line run-flight ends with when the database went away.
sub db_lost_line ($flight, $err) {
    my ($why) = mask_secrets($err) =~ /((?:$LOST)[^\n.]*)/;
    $why //= 'connection lost';
    $why =~ s/\s+$//;
    return "osstest: flight $flight: lost the database ($why); "
        . "when it is back, run 'osstest run-flight $flight' again: it resumes where it stopped\n";
}

1;
