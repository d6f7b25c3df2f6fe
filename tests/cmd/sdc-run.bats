#!/usr/bin/env bats
# sdc-run: project.yaml validation, running actions, up to date,
# failures, the Level-4 gate, interruption and the example study.

load helpers

setup() {
	p=$BATS_TEST_TMPDIR/p
	cp -r "$data/sdc-run/basic" "$p"
	mkdir -p "$BATS_TEST_TMPDIR/tmp"
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
}

# run sdc-run in the project copy; output in $out, status in $rc.
sr() {
	rc=0
	out=$(cd "$p" && sdc-run "$@" 2>&1) || rc=$?
}

bad() {	# bad NAME PATTERN: the fixture fails to load with PATTERN
	fails 2 "^sdc-run: $data/sdc-run/invalid/$1.yaml:[0-9]+:[0-9]+: .*$2" \
	    sdc-run -p "$data/sdc-run/invalid/$1.yaml" run_all
}

@test "--help and --version" {
	run sdc-run --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: sdc-run "* ]]
	run sdc-run --version
	[ "$output" = "sdc-run 0.1.0" ]
}

@test "usage errors" {
	usage_fails 'unrecognized option' sdc-run --bogus run_all
	usage_fails 'name the actions' sdc-run -p "$p/project.yaml"
	usage_fails '-c' sdc-run -c 0 -p "$p/project.yaml" run_all
	usage_fails "no action called 'nope'" sdc-run -p "$p/project.yaml" nope
}

@test "a missing project file" {
	fails 2 '^sdc-run: .*nothere.yaml' sdc-run -p "$p/nothere.yaml" run_all
}

@test "validation: YAML, shape, version, expectations" {
	bad yaml-syntax 'YAML: did not find expected'
	bad not-mapping 'must be a mapping'
	bad empty 'project file is empty'
	bad duplicate-key "duplicate key 'a' \\(first at line 3\\)"
	bad unknown-top-key "unexpected key 'actionz' in project"
	bad no-version 'must have a `version` attribute'
	bad version-text '`version` must be a number between 1 and 5'
	bad version-new 'version 6 is newer than sdc-run understands'
	bad v3-no-expectations 'must include `expectations`'
	bad v3-bad-population 'population size must be a whole number'
}

@test "validation: actions, run and needs" {
	bad unknown-action-key "unexpected key 'output' in action a"
	bad no-run "action a must contain a configuration for 'run'"
	bad no-outputs "action a must contain a configuration for 'outputs'"
	bad empty-run 'run must have a value, a has an empty run key'
	bad no-tag 'python must have a version specified'
	bad latest-v5 'python:latest is not allowed in version 5'
	bad unclosed-quote 'unclosed quote'
	bad duplicate-run "action b has the same 'run' command as action a"
	bad unknown-need "action a needs unknown action 'nothere'"
	bad needs-spaces '`needs` actions should be separated with commas'
	bad needs-string 'needs of action c must be a list'
	bad run-all 'run_all is a reserved action name'
	bad cycle 'dependency cycle: a -> c -> b -> a'
	bad ehrql-moderate 'must be labelled `highly_sensitive`'
	bad ehrql-output-mismatch '--output in run command and outputs must match'
}

@test "validation: outputs" {
	bad minimally 'minimally_sensitive is not supported'
	bad unknown-level "unexpected key 'secret' in outputs"
	bad no-outputs-listed 'must specify at least one output'
	bad pattern-question 'only the \* wildcard'
	bad pattern-doublestar 'only the \* wildcard'
	bad pattern-absolute 'is an absolute path'
	bad pattern-dotdot 'not in standard form'
	bad pattern-backslash 'back slashes'
	bad pattern-metadata 'metadata directory'
	bad pattern-no-extension 'must have a file type extension'
	bad pattern-star-extension 'must have a file type extension'
	bad moderate-type '.feather is not an allowed file type'
	bad duplicate-output 'output path out/a.csv is not unique'
	bad overlap-levels 'moderately_sensitive output output/table.csv overlaps highly_sensitive output output/\*.csv'
}

@test "validation messages point at the node" {
	fails 2 'duplicate-key.yaml:8:3: ' sdc-run -p "$data/sdc-run/invalid/duplicate-key.yaml" run_all
	fails 2 'overlap-levels.yaml:12:12: ' sdc-run -p "$data/sdc-run/invalid/overlap-levels.yaml" run_all
}

@test "an action runs with what it needs, and nothing else" {
	sr round_counts
	[ "$rc" -eq 0 ]
	[[ "$out" == *"=> make_counts"* ]]
	[[ "$out" != *"=> describe"* && "$out" != *"=> leaky"* ]]
	[ -f "$p/output/counts.csv" ]
	cat >"$BATS_TEST_TMPDIR/want" <<'EOF'
region,n
East,25
North,40
South,120
Total,185
EOF
	diff -u "$BATS_TEST_TMPDIR/want" "$p/output/release/table.csv"
	# the log: the action's output and the trailer
	grep -q '^made output/counts.csv$' "$p/metadata/make_counts.log"
	grep -q '^exit status: 0$' "$p/metadata/make_counts.log"
	grep -Eq '^  output/counts.csv  highly_sensitive  sha256:[0-9a-f]{64}$' \
	    "$p/metadata/make_counts.log"
	# workspaces are gone
	[ -z "$(ls "$TMPDIR")" ]
}

@test "the manifest records outputs, levels, hashes and shapes" {
	sr round_counts
	[ "$rc" -eq 0 ]
	m=$p/metadata/manifest.json
	python3 -m json.tool "$m" >/dev/null
	sha=$(sha256sum "$p/output/counts.csv" | cut -c1-64)
	size=$(wc -c <"$p/output/counts.csv")
	grep -q "\"output/counts.csv\": {\"action\": \"make_counts\", \"privacy_level\": \"highly_sensitive\", \"size\": $size, \"sha256\": \"$sha\", \"rows\": 4, \"columns\": 2, \"out_of_date\": false}" "$m"
	grep -q '"output/release/table.csv": {"action": "round_counts", "privacy_level": "moderately_sensitive".*"out_of_date": false' "$m"
	# an output changed by hand: it and what depends on it are out of date
	echo "West,9" >>"$p/output/counts.csv"
	sr config_echo
	grep -q '"output/counts.csv".*"out_of_date": true' "$m"
	grep -q '"output/release/table.csv".*"out_of_date": true' "$m"
	grep -q '"output/args.txt".*"out_of_date": false' "$m"
}

@test "a workspace holds the code and the direct needs' outputs only" {
	sr sees_workspace
	[ "$rc" -eq 0 ]
	grep -qx 'table.csv' "$p/output/seen.txt"
	grep -qx 'make.sh' "$p/output/seen.txt"
	! grep -q 'counts.csv$' <(grep -v '^./data' "$p/output/seen.txt" | grep -x counts.csv)
	! grep -qx 'metadata' "$p/output/seen.txt"
	! grep -q 'output-l4' "$p/output/seen.txt"
}

@test "config is passed as --config JSON" {
	sr config_echo
	[ "$rc" -eq 0 ]
	printf '%s\n' --config '{"groups":["age_band","sex"],"threshold":7,"label":"a \"quoted\" name"}' |
	    diff -u - "$p/output/args.txt"
}

@test "up to date by content; --explain; -f" {
	sr round_counts
	sr round_counts
	[ "$rc" -eq 0 ]
	[[ "$out" == *"Skipped: up to date"* ]]
	[[ "$out" != *"Running"* ]]
	sr --explain round_counts
	[[ "$out" == *"make_counts: will not run: up to date"* ]]
	[[ "$out" == *"round_counts: will not run: up to date"* ]]
	# -f runs everything selected
	sr --explain -f round_counts
	[[ "$out" == *"make_counts: will run: forced (-f)"* ]]
	# code changes (the code is every file a workspace gets)
	echo "# edited" >>"$p/analysis/make.sh"
	sr --explain round_counts
	[[ "$out" == *"make_counts: will run: its code or codelists changed"* ]]
	[[ "$out" == *"round_counts: will run: its code or codelists changed"* ]]
	sr round_counts
	# a rerun that gives the same output leaves the dependent up to date
	rm "$p/output/counts.csv"
	sr --explain round_counts
	[[ "$out" == *"make_counts: will run: output output/counts.csv is missing"* ]]
	[[ "$out" == *"round_counts: will not run: up to date"*"will run again if the new outputs of make_counts differ"* ]]
	sr round_counts
	[[ "$out" == *"=> make_counts"*"Completed successfully"* ]]
	[[ "$out" == *"=> round_counts"*"Skipped: up to date"* ]]
	# an output edited by hand reruns its action and, with new
	# content, the dependents
	echo "West,9" >>"$p/output/counts.csv"
	sr --explain round_counts
	[[ "$out" == *"make_counts: will run: output output/counts.csv was changed"* ]]
	rm "$p/output/release/table.csv"
	sr --explain round_counts
	[[ "$out" == *"round_counts: will run: output output/release/table.csv is missing"* ]]
	sr round_counts
	[ "$rc" -eq 0 ]
	[ -f "$p/output/release/table.csv" ]
}

@test "a failing action: exit status, log tail, dependents not run" {
	sr after_broken
	[ "$rc" -eq 1 ]
	[[ "$out" == *"=> broken"*"Failed: exited with status 3"* ]]
	[[ "$out" == *"log file: metadata/broken.log"* ]]
	[[ "$out" == *"last lines of the log:"*"about to fail"*"boom"* ]]
	[[ "$out" == *"=> after_broken"*"Failed: not run: it needs broken, which failed"* ]]
	grep -qx boom "$p/metadata/broken.log"
	grep -qx 'exit status: 3' "$p/metadata/broken.log"
	grep -q '"broken": {"status": "failed", "exit_code": 3' "$p/metadata/manifest.json"
	# failed actions rerun
	sr --explain broken
	[[ "$out" == *"broken: will run: it failed last time"* ]]
}

@test "a pattern that matches nothing fails, with a did-you-mean list" {
	sr misnamed
	[ "$rc" -eq 1 ]
	[[ "$out" == *"Failed: no file matches output pattern output/wanted*.csv (did you mean: output/other.csv, output/other2.csv?)"* ]]
	# undeclared files are discarded
	[ ! -e "$p/output/other.csv" ]
}

@test "outputs an action no longer produces are removed" {
	cat >"$p/project.yaml" <<'EOF'
version: '4.0'
actions:
  tables:
    run: sh analysis/tables.sh
    outputs:
      moderately_sensitive:
        t: output/t_*.txt
EOF
	printf 'echo a > output/t_a.txt\necho b > output/t_b.txt\n' >"$p/analysis/tables.sh"
	sr tables
	[ "$rc" -eq 0 ]
	[ -f "$p/output/t_b.txt" ] && [ -f "$p/output-l4/output/t_b.txt" ]
	printf 'echo a > output/t_a.txt\n' >"$p/analysis/tables.sh"
	sr tables
	[ "$rc" -eq 0 ]
	[ -f "$p/output/t_a.txt" ]
	[ ! -e "$p/output/t_b.txt" ] && [ ! -e "$p/output-l4/output/t_b.txt" ]
	! grep -q t_b "$p/metadata/manifest.json"
}

@test "Level-4 gate: passes are copied, failures reported per file" {
	sr describe leaky
	[ "$rc" -eq 0 ]
	[[ "$out" == *"Level 4: output/release/table.csv passed; copied to output-l4/output/release/table.csv"* ]]
	[[ "$out" == *"Level 4: output/ids.csv FAILED: output/ids.csv:1:patient_id: patient-id:"* ]]
	[[ "$out" == *"Level 4: output/leak.csv FAILED: output/leak.csv:2:n: rounding:"* ]]
	cmp "$p/output/release/table.csv" "$p/output-l4/output/release/table.csv"
	[ -f "$p/output-l4/output/release/lines.txt" ]
	[ ! -e "$p/output-l4/output/leak.csv" ]
	[ ! -e "$p/output-l4/output/ids.csv" ]
	[ ! -e "$p/output-l4/output/counts.csv" ]
	[[ "$out" == *"Release candidates"*"output-l4/"* ]]
}

@test "Level-4 gate: --strict fails the action; --l4-dir" {
	sr --strict --l4-dir rel leaky
	[ "$rc" -eq 1 ]
	[[ "$out" == *"=> leaky"*"Failed: 2 moderately_sensitive files failed the Level-4 checks (--strict)"* ]]
	sr --l4-dir rel round_counts
	[ "$rc" -eq 0 ]
	[ -f "$p/rel/output/release/table.csv" ]
}

@test "independent actions run in parallel with -c 2, one at a time with -c 1" {
	sr -c 1 make_counts config_echo
	[ "$rc" -eq 0 ]
	first=$(printf '%s\n' "$out" | grep -E 'Running|Completed' | head -n 2 | tr '\n' ' ')
	[[ "$first" == *"Running"*"Completed"* ]]
	rm -rf "$p/metadata"
	sr -c 2 make_counts config_echo
	first=$(printf '%s\n' "$out" | grep -E 'Running|Completed' | head -n 2 | tr '\n' ' ')
	[[ "$first" == *"Running"*"Running"* ]]
}

@test "Ctrl-C stops the actions; the next run reruns them" {
	cd "$p"
	sdc-run slow >"$BATS_TEST_TMPDIR/o" 2>&1 &
	pid=$!
	for i in $(seq 100); do
		[ -e metadata/.slow.log.part ] && break
		sleep 0.1
	done
	sleep 0.3
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 1 ]
	grep -q 'Failed: interrupted' "$BATS_TEST_TMPDIR/o"
	grep -q 'sdc-run: interrupted' "$BATS_TEST_TMPDIR/o"
	grep -q '"slow": {"status": "failed"' metadata/manifest.json
	[ -z "$(ls "$TMPDIR")" ]
	[ ! -e output/slow.csv ]
	sr --explain slow
	[[ "$out" == *"slow: will run: it failed last time"* ]]
}

@test "a run killed outright leaves its actions marked interrupted" {
	cat >>"$p/project.yaml" <<'EOF'

  short:
    run: sh -c 'sleep 1; echo x > output/short.csv'
    outputs:
      highly_sensitive:
        short: output/short.csv
EOF
	cd "$p"
	sdc-run short >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 100); do
		[ -e metadata/.short.log.part ] && break
		sleep 0.1
	done
	kill -KILL "$pid"
	wait "$pid" || true
	sleep 1.5	# the orphaned action ends by itself
	sr --explain short
	[[ "$out" == *"short: will run: it was interrupted"* ]]
	sr short
	[ "$rc" -eq 0 ]
	grep -q '"short": {"status": "succeeded"' metadata/manifest.json
}

@test "images: other images and missing interpreters are clear errors" {
	cat >"$p/project.yaml" <<'EOF'
version: '4.0'
actions:
  reusable:
    run: minimal-action:v1.1.0 output/input.csv
    outputs:
      highly_sensitive:
        cohort: output/input.backup.csv
  stata:
    run: stata-mp:latest analysis/model.do
    outputs:
      moderately_sensitive:
        log: output/model.log
EOF
	sr reusable
	[ "$rc" -eq 1 ]
	[[ "$out" == *"Failed: image minimal-action cannot run here"* ]]
	if command -v stata-mp >/dev/null; then skip "stata-mp is installed"; fi
	sr stata
	[ "$rc" -eq 1 ]
	[[ "$out" == *"Failed: stata-mp not found: this action needs stata-mp on the PATH"* ]]
}

@test "python actions run the local python3" {
	command -v python3 >/dev/null || skip "no python3"
	cat >"$p/project.yaml" <<'EOF'
version: '4.0'
actions:
  py:
    run: python:latest python analysis/hello.py output/hello.txt
    outputs:
      moderately_sensitive:
        hello: output/hello.txt
EOF
	printf 'import sys\nopen(sys.argv[1], "w").write("hello\\n")\n' >"$p/analysis/hello.py"
	sr py
	[ "$rc" -eq 0 ]
	[[ "$out" == *'$ python3 analysis/hello.py output/hello.txt'* ]]
	[ "$(cat "$p/output/hello.txt")" = hello ]
}

@test "write error on stdout" {
	run sh -c "cd '$p' && sdc-run --explain make_counts >/dev/full"
	[ "$status" -eq 2 ]
	[[ "$output" == *"write error"* ]]
}

study() {
	s=$BATS_TEST_TMPDIR/study
	cp -r "$top/examples/study" "$s"
	rm -rf "$s/output" "$s/output-l4" "$s/metadata"
}

@test "the example study (version 4, ehrql) runs end to end on dummy tables" {
	study
	rc=0
	out=$(cd "$s" && sdc-run run_all 2>&1) || rc=$?
	[ "$rc" -eq 0 ]
	cmp "$s/output/dataset.csv" "$s/expected.csv"
	[[ "$out" == *'$ sdc-extract --tables tables -o output/dataset.csv definition.py'* ]]
	for f in output/release/age_sex.csv output/check/age_sex.json output/summary.md; do
		cmp "$s/$f" "$s/output-l4/$f"
	done
	[ ! -e "$s/output-l4/output/dataset.csv" ]
	[ "$(ls "$s/metadata"/*.log | wc -l)" -eq 6 ]
	out=$(cd "$s" && sdc-run run_all 2>&1)
	[ "$(printf '%s\n' "$out" | grep -c 'Skipped: up to date')" -eq 6 ]
}

@test "ehrql --dummy-data-file copies a checked CSV" {
	study
	sed -i 's|--dummy-tables tables|--dummy-data-file expected.csv|' "$s/project.yaml"
	rc=0
	out=$(cd "$s" && sdc-run generate_dataset 2>&1) || rc=$?
	[ "$rc" -eq 0 ]
	cmp "$s/output/dataset.csv" "$s/expected.csv"
	printf 'a,"b\n' >"$s/expected.csv"
	rc=0
	out=$(cd "$s" && sdc-run generate_dataset 2>&1) || rc=$?
	[ "$rc" -eq 1 ]
	[[ "$out" == *"Failed: dummy data file expected.csv:"* ]]
}

@test "ehrql without dummy tables runs sdc-dummy" {
	command -v sdc-dummy >/dev/null || skip "sdc-dummy is not on the PATH"
	study
	sed -i 's| --dummy-tables tables||' "$s/project.yaml"
	rc=0
	out=$(cd "$s" && sdc-run generate_dataset 2>&1) || rc=$?
	[ "$rc" -eq 0 ]
	[[ "$out" == *'$ sdc-dummy definition.py -o output/dataset.csv'* ]]
	head -n 1 "$s/output/dataset.csv" | grep -q '^patient_id,age,age_band,sex'
}

@test "version 3 expectations feed sdc-dummy's population size" {
	study
	sed -i "s|^version: '4.0'|version: '3.0'\nexpectations:\n  population_size: 250|; s| --dummy-tables tables||" "$s/project.yaml"
	out=$(cd "$s" && sdc-run --explain generate_dataset 2>&1)
	[[ "$out" == *'$ sdc-dummy definition.py -o output/dataset.csv --population-size 250'* ]]
}
