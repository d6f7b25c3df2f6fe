# helpers.bash - shared by the bats suites.
#
# golden NAME CMD...: run CMD, compare its stdout with
# tests/data/<suite>/NAME.out and require exit 0 and empty stderr.
# UPDATE_GOLDEN=1 rewrites the expected file instead; review the diff
# before committing it.

top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
data=$top/tests/data
PATH="${SDC_BIN:-$top/build/bin}:$PATH"

golden() {
	local name=$1 suite want
	shift
	suite=$(basename "$BATS_TEST_FILENAME" .bats)
	want=$data/$suite/$name.out
	local rc=0
	"$@" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$BATS_TEST_TMPDIR/err" ]; then
		echo "exit $rc, stderr:" >&2
		cat "$BATS_TEST_TMPDIR/err" >&2
		return 1
	fi
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$BATS_TEST_TMPDIR/out" "$want"
	fi
	diff -u "$want" "$BATS_TEST_TMPDIR/out"
}

# golden_exit CODE NAME CMD...: as golden, but CMD must exit CODE.
golden_exit() {
	local code=$1 name=$2 suite want rc=0
	shift 2
	suite=$(basename "$BATS_TEST_FILENAME" .bats)
	want=$data/$suite/$name.out
	"$@" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || rc=$?
	if [ "$rc" -ne "$code" ] || [ -s "$BATS_TEST_TMPDIR/err" ]; then
		echo "exit $rc, wanted $code; stderr:" >&2
		cat "$BATS_TEST_TMPDIR/err" >&2
		return 1
	fi
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$BATS_TEST_TMPDIR/out" "$want"
	fi
	diff -u "$want" "$BATS_TEST_TMPDIR/out"
}

# fails CODE PATTERN CMD...: CMD exits CODE, prints nothing on stdout
# and exactly one line on stderr, matching the extended regex PATTERN.
fails() {
	local code=$1 pattern=$2
	shift 2
	local rc=0
	"$@" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || rc=$?
	if [ "$rc" -ne "$code" ]; then
		echo "exit $rc, wanted $code; stderr:" >&2
		cat "$BATS_TEST_TMPDIR/err" >&2
		return 1
	fi
	if [ -s "$BATS_TEST_TMPDIR/out" ]; then
		echo "unexpected stdout:" >&2
		cat "$BATS_TEST_TMPDIR/out" >&2
		return 1
	fi
	if [ "$(wc -l <"$BATS_TEST_TMPDIR/err")" -ne 1 ] ||
	    ! grep -Eq -- "$pattern" "$BATS_TEST_TMPDIR/err"; then
		echo "stderr does not match /$pattern/ in one line:" >&2
		cat "$BATS_TEST_TMPDIR/err" >&2
		return 1
	fi
}

# usage_fails PATTERN CMD...: exit 2, message matching PATTERN, then the
# usage text, on stderr only.
usage_fails() {
	local pattern=$1
	shift
	local rc=0
	"$@" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || rc=$?
	[ "$rc" -eq 2 ] || { echo "exit $rc, wanted 2" >&2; return 1; }
	[ ! -s "$BATS_TEST_TMPDIR/out" ] || { echo "stdout not empty" >&2; return 1; }
	grep -Eq -- "$pattern" "$BATS_TEST_TMPDIR/err" ||
	    { echo "no /$pattern/ in:" >&2; cat "$BATS_TEST_TMPDIR/err" >&2; return 1; }
	grep -q '^usage: ' "$BATS_TEST_TMPDIR/err" ||
	    { echo "no usage on stderr" >&2; return 1; }
}
