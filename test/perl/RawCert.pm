# RawCert.pm -- certificates with any subject (ASN.1 string types, control
# characters, multi-valued RDNs, short validity), made by test/tools/mkcert.py
# and signed by AutouserTest's CA.
package RawCert;
use strict;
use warnings;
use FindBin;
use IPC::Run;
use JSON::PP;
use AutouserTest;

my $seq = 0;

# raw_cert([[ [name, value, type], ... ], ...], days) -> libpq cert params
sub raw_cert
{
	my ($rdns, $days) = @_;
	AutouserTest::make_ca() unless $AutouserTest::certdir;
	my $out = "$AutouserTest::certdir/rt" . (++$seq);
	my @cmd = ('python3', "$FindBin::RealBin/../tools/mkcert.py", $AutouserTest::certdir, $out,
		JSON::PP->new->ascii->encode($rdns), defined $days ? $days : 2);
	my ($o, $e);
	IPC::Run::run(\@cmd, '>', \$o, '2>', \$e) or die "mkcert failed: $e";
	return "sslcert=$out.crt sslkey=$out.key";
}

1;
