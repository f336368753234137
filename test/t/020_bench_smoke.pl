# 020_bench_smoke.pl -- the benchmark still runs: bench/run_bench.pl --smoke starts its two
# clusters and a hot standby of each, and runs pg_autouser_bench (AUTOUSER_BENCH_BIN, which
# test/run_all.sh builds with make bench-build) with few rounds.  Asserts only functional
# results -- exit 0, samples for every variant, on the primaries and on the standbys, no failed
# storm login -- never a timing (SPEC 9 targets are benchmarks, docs/benchmarks.md).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Utils;
use Test::More;

my $driver = "$FindBin::RealBin/../../bench/run_bench.pl";
my $dir = PostgreSQL::Test::Utils::tempdir();
my ($out, $err);
my $ok = IPC::Run::run(
	[ $^X, $driver, '--smoke', '--out', "$dir/smoke.md", '--json', "$dir/smoke.json" ],
	'<', \undef, '>', \$out, '2>', \$err,
	IPC::Run::timeout(600));
ok($ok, 'run_bench.pl --smoke exits 0') or diag("stdout:\n$out\nstderr:\n$err");
ok(-s "$dir/smoke.md", 'it writes the markdown tables');
ok(-s "$dir/smoke.json", 'and the JSON results') or BAIL_OUT('no results to check');

my $r = decode_json(PostgreSQL::Test::Utils::slurp_file("$dir/smoke.json"));
is_deeply($r->{failures}, [], 'no functional failures');

my %latency = map { $_->{key} => $_ } @{ $r->{latency} };
for my $key (qw(baseline fast_no_rule fast_active first_login reactivation admin_first admin_react))
{
	cmp_ok($latency{$key} ? $latency{$key}{n} : 0, '>', 0, "latency variant $key has samples");
}

my %standby = map { $_->{key} => $_ } @{ $r->{standby} };
for my $key (qw(standby_baseline standby_fast_no_rule standby_fast_active standby_first_login
	standby_reactivation))
{
	cmp_ok($standby{$key} ? $standby{$key}{n} : 0, '>', 0, "standby variant $key has samples");
}

for my $kind (qw(plain auto))
{
	my $s = $r->{storm}{$kind};
	cmp_ok($s->{logins}, '>', 0, "$kind storm ran");
	is($s->{failures}, 0, "$kind storm: no failed login") or diag(join("\n", @{ $s->{errors} }));
	is($s->{latency}{n}, $s->{logins}, "$kind storm: every login has a sample");
}

cmp_ok($r->{cleanup}{observed}{n}, '>', 0, 'cleanup latency observed by polling');
cmp_ok($r->{cleanup}{events}{n}, '>', 0, 'cleanup latency reported by the events');

is(scalar @{ $r->{scale} }, 2, 'both scale configurations ran');
for my $phase (@{ $r->{scale} })
{
	for my $v (@{ $phase->{variants} })
	{
		cmp_ok($v->{n}, '>', 0, "scale $phase->{key}: $v->{key} has samples");
	}
}
cmp_ok($r->{scale}[1]{roles}, '>', $r->{scale}[0]{roles}, 'the large configuration has more managed roles');
cmp_ok($r->{scale}[1]{rules}, '>', $r->{scale}[0]{rules}, 'and more rules');

done_testing();
