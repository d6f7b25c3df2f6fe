#!/usr/bin/env bats
# faults.bats - fault injection: a full disk, a closed standard output,
# read errors (a directory, a read that fails mid-stream), an unwritable
# -o directory, SIGPIPE from `| head`, SIGTERM while -o is being written.
# Every failure is exit 2 with one line on standard error and no output
# file or temporary file left; SIGPIPE is quiet; a signal leaves nothing.

load helpers

setup() {
	t=$BATS_TEST_TMPDIR
	printf 'a,n\nx,20\ny,50\nz,10\n' >"$t/table.csv"
	printf 'a\nx\ny\nx\n' >"$t/rows.csv"
}

# Every command with arguments that make it succeed on its input; each
# line: command words, then the input as the last word.
commands() {
	cat <<EOF
sdc-count -g a $t/rows.csv
sdc-suppress $t/table.csv
sdc-round -b 5 $t/table.csv
sdc-check $t/table.csv
sdc-extract --no-progress --tables $data/sdc-extract/tables $data/sdc-extract/def.py
EOF
}

# one_line CODE PATTERN: the last run (rc, $t/err) failed with CODE and
# one line on stderr matching PATTERN.
one_line() {
	[ "$rc" -eq "$1" ] || { echo "exit $rc, wanted $1" >&2; cat "$t/err" >&2; return 1; }
	[ "$(wc -l <"$t/err")" -eq 1 ] && grep -Eq -- "$2" "$t/err" ||
	    { echo "stderr not one line matching /$2/:" >&2; cat "$t/err" >&2; return 1; }
}

@test "a full disk on standard output is exit 2 with one line" {
	while read -r cmd; do
		rc=0
		sh -c "$cmd >/dev/full" 2>"$t/err" || rc=$?
		one_line 2 "^${cmd%% *}: .*(write error|No space left)" ||
		    { echo "in: $cmd" >&2; return 1; }
	done < <(commands)
}

@test "a full disk as -o is exit 2 and leaves /dev/full a device" {
	rc=0
	sdc-round -b 5 -o /dev/full "$t/table.csv" 2>"$t/err" || rc=$?
	one_line 2 '^sdc-round: /dev/full: write error'
	[ -c /dev/full ]
}

@test "a closed standard output is exit 2 with one line" {
	while read -r cmd; do
		rc=0
		sh -c "$cmd >&-" 2>"$t/err" || rc=$?
		one_line 2 "^${cmd%% *}: " || { echo "in: $cmd" >&2; return 1; }
	done < <(commands)
}

@test "a directory as input is a read error, exit 2" {
	mkdir "$t/dir"
	for cmd in "sdc-count -g a" "sdc-suppress" "sdc-round -b 5"; do
		rc=0
		$cmd -o "$t/out.csv" "$t/dir" >"$t/out" 2>"$t/err" || rc=$?
		one_line 2 "^${cmd%% *}: $t/dir: read error: Is a directory"
		[ ! -s "$t/out" ] && [ ! -e "$t/out.csv" ]
		[ -z "$(ls -A "$t" | grep '^\.out')" ]
	done
	rc=0
	sdc-extract --no-progress --tables "$t/dir" -o "$t/out.csv" \
	    "$t/dir" >"$t/out" 2>"$t/err" || rc=$?
	one_line 2 "^sdc-extract: $t/dir"
	mkdir "$t/p" "$t/p/project.yaml"
	rc=0
	sdc-run -p "$t/p/project.yaml" run_all >"$t/out" 2>"$t/err" || rc=$?
	one_line 2 "^sdc-run: $t/p/project.yaml"
}

# A read(2) that fails with EIO after $FAIL_READ_AFTER bytes of a file,
# through an LD_PRELOAD shim; not under ASan, whose runtime must come
# first.
@test "a read error mid-stream is exit 2, no output file" {
	[ -z "${SDC_UNDER_VALGRIND:-}" ] || skip "LD_PRELOAD shim under valgrind"
	if ldd "$(command -v sdc-count)" | grep -q asan; then
		skip "LD_PRELOAD shim and ASan do not mix"
	fi
	command -v cc >/dev/null || skip "no C compiler"
	cat >"$t/shim.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
static long long done;
ssize_t read(int fd, void *buf, size_t n)
{
	static ssize_t (*real)(int, void *, size_t);
	const char *e = getenv("FAIL_READ_AFTER");
	ssize_t r;
	if (real == NULL)
		real = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	if (fd < 3 || e == NULL)
		return real(fd, buf, n);
	if (done >= atoll(e)) {
		errno = EIO;
		return -1;
	}
	if (n > 4096)
		n = 4096;
	r = real(fd, buf, n);
	if (r > 0)
		done += r;
	return r;
}
EOF
	cc -shared -fPIC -o "$t/shim.so" "$t/shim.c" -ldl
	seq 1 20000 | awk '{ print "g" $1 % 100 "," $1 }' |
	    sed '1i a,n' >"$t/big.csv"
	gzip -c "$t/big.csv" >"$t/big.csv.gz"
	for in in big.csv big.csv.gz; do
		for cmd in "sdc-count -g a" "sdc-round -b 5"; do
			rc=0
			LD_PRELOAD=$t/shim.so FAIL_READ_AFTER=20000 \
			    $cmd -o "$t/out.csv" "$t/$in" >"$t/out" 2>"$t/err" || rc=$?
			one_line 2 "^${cmd%% *}: $t/$in: read error: Input/output error"
			[ ! -e "$t/out.csv" ] && [ ! -s "$t/out" ]
			[ -z "$(ls -A "$t" | grep '^\.out')" ]
		done
	done
}

@test "an unwritable -o directory is exit 2, nothing created" {
	for cmd in "sdc-count -g a $t/rows.csv" "sdc-suppress $t/table.csv" \
	    "sdc-round -b 5 $t/table.csv"; do
		rc=0
		$cmd -o "$t/table.csv/out.csv" >"$t/out" 2>"$t/err" || rc=$?
		one_line 2 "^${cmd%% *}: $t/table.csv/out.csv: cannot create: Not a directory"
		rc=0
		$cmd -o "$t/no/such/dir/out.csv" >"$t/out" 2>"$t/err" || rc=$?
		one_line 2 "^${cmd%% *}: $t/no/such/dir/out.csv: cannot create: No such file"
		rc=0
		$cmd -o /proc/out.csv >"$t/out" 2>"$t/err" || rc=$?
		one_line 2 "^${cmd%% *}: /proc/out.csv: cannot create"
		[ ! -s "$t/out" ]
	done
	rc=0
	sdc-check --json "$t/table.csv/r.json" "$t/table.csv" >"$t/out" 2>"$t/err" || rc=$?
	one_line 2 '^sdc-check: .*r.json: cannot create'
}

@test "SIGPIPE from | head ends quietly" {
	seq -f 'g%.0f' 1 100000 | sed '1i a' >"$t/many.csv"
	for cmd in "sdc-count -g a $t/many.csv" \
	    "sdc-round -b 5 -c n $t/many-n.csv"; do
		[ -e "$t/many-n.csv" ] ||
		    sdc-count -g a "$t/many.csv" | sed 's/,1$/,10/' >"$t/many-n.csv"
		run bash -c "set -o pipefail; $cmd 2>$t/err | head -n 1"
		[ "$output" = "a,n" ]
		[ "$status" -eq 141 ]	# killed by SIGPIPE: quiet, not exit 2
		[ ! -s "$t/err" ]
	done
}

@test "SIGTERM while -o is being written leaves no file" {
	mkfifo "$t/fifo"
	mkdir "$t/o"
	seq -f 'g%.0f,20' 1 50000 | sed '1i a,n' >"$t/rows-n.csv"
	mkdir "$t/tables"
	cp "$data/sdc-extract/tables/"*.csv "$t/tables/"
	rm "$t/tables/patients.csv"
	mkfifo "$t/tables/patients.csv"
	# sdc-suppress opens its output only once the table is complete, so
	# it cannot be caught writing this way.
	for cmd in "sdc-count -g a" "sdc-round -b 5" "sdc-extract"; do
		# The writer keeps the FIFO open so the command waits mid-input.
		if [ "$cmd" = sdc-extract ]; then
			{ cat "$data/sdc-extract/tables/patients.csv"
			    exec sleep 30; } >"$t/tables/patients.csv" &
			writer=$!
			sdc-extract --no-progress --tables "$t/tables" \
			    -o "$t/o/out.csv" "$data/sdc-extract/def.py" 2>"$t/err" &
		else
			{ cat "$t/rows-n.csv"; exec sleep 30; } >"$t/fifo" &
			writer=$!
			$cmd -o "$t/o/out.csv" "$t/fifo" 2>"$t/err" &
		fi
		pid=$!
		seen=
		for _ in $(seq 1 200); do
			seen=$(ls -A "$t/o")
			[ -n "$seen" ] && break
			sleep 0.05
		done
		# the temporary file existed when the signal came
		[[ "$seen" == .out.csv.* ]] || { echo "no temp file: '$seen'" >&2; return 1; }
		kill -TERM "$pid"
		rc=0
		wait "$pid" || rc=$?
		kill "$writer" 2>/dev/null || true
		wait "$writer" 2>/dev/null || true
		[ "$rc" -eq 143 ]	# died of SIGTERM
		[ -z "$(ls -A "$t/o")" ] || { ls -A "$t/o" >&2; return 1; }
	done
}
