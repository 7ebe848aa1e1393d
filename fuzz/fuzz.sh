#!/bin/sh
# fuzz.sh FUZZTIME MINIMIZETIME PARALLEL PKG:TARGET... runs each native Go
# fuzz target for FUZZTIME (make fuzz calls it). It stops at the first
# target that fails with a reproducer written under PKG/testdata/fuzz/TARGET.
#
# With BPFSIM_KERNEL=NAME|PATH the kernel targets ask a QEMU guest booted
# from that kernel instead of the host's (internal/kerneltest): the test
# binaries are built static (CGO_ENABLED=0), since each fuzzing worker is
# the /init of its own guest, and a run where no guest can boot fails.
#
# A failure that wrote no reproducer and says only "context deadline
# exceeded" is Go's fuzzing coordinator racing its own -fuzztime deadline
# (golang/go#75804, fixed in Go 1.27, present in 1.26): it is reported as a
# flake and does not fail the run.
set -u
time=$1 minimize=$2 parallel=$3
shift 3
go=${GO:-go}
failed=0 flaked=0 passed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ -n "${BPFSIM_KERNEL:-}" ]; then
	export BPFSIM_KERNEL CGO_ENABLED=0
	echo "fuzz.sh: the kernel targets ask QEMU guests booted from $BPFSIM_KERNEL (one per fuzzing worker), not this host's kernel"
else
	unset BPFSIM_KERNEL
fi
for t in "$@"; do
	pkg=${t%%:*} name=${t#*:}
	dir=$pkg/testdata/fuzz/$name
	before=$(ls "$dir" 2>/dev/null | wc -l)
	echo "== $name in $pkg for $time"
	$go test "$pkg" -run '^$' -fuzz "^$name\$" -fuzztime "$time" \
		-fuzzminimizetime "$minimize" -parallel "$parallel" >"$log" 2>&1
	rc=$?
	cat "$log"
	after=$(ls "$dir" 2>/dev/null | wc -l)
	if [ -n "${BPFSIM_KERNEL:-}" ] && grep -q 'LIVE KERNEL TESTS WILL SKIP' "$log"; then
		echo "fuzz.sh: $name: no guest can boot from $BPFSIM_KERNEL (the reason is above)"
		failed=1
		break
	fi
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
	elif [ "$after" -eq "$before" ] && grep -q 'context deadline exceeded' "$log"; then
		echo "fuzz.sh: $name: no reproducer written; the fuzztime deadline race of golang/go#75804, not a failure"
		flaked=$((flaked + 1))
	else
		echo "fuzz.sh: $name failed; reproducers are in $dir (go run ./fuzz/cmd/corpusgen -crashers $dir)"
		failed=1
		break
	fi
done
echo "fuzz.sh: $passed passed, $flaked deadline flakes, $failed failed"
exit $failed
