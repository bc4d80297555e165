#!/usr/bin/env bash
# The concurrency and kill tests (`pytest -m concurrency`: racing writers and view workers,
# SIGKILLed imports and workers) run RUNS times in a row beside a CPU hog, one busy process
# per core, so that the scheduler interleaves them in ways a quiet machine never does.
# Stops at the first failure, shows its output and says how many runs passed before it.
#
#   tests/stress.sh [RUNS]          (or `make stress RUNS=200`; default 200)
#
# Environment: PYTHON (default python3), HOGS (busy processes; default: one per core),
# PYTEST_ARGS (more pytest arguments), RUN_TIMEOUT (seconds; a safety net so that a hung
# run fails instead of hanging the loop, never a wait any test relies on).
set -u
cd "$(dirname "$0")/.."

runs=${1:-${RUNS:-200}}
python=${PYTHON:-python3}
hogs=${HOGS:-$(nproc)}
run_timeout=${RUN_TIMEOUT:-3600}
log=$(mktemp -t legacyledger-stress.XXXXXX)

hog_pids=()
stop_hogs() {
    for pid in "${hog_pids[@]}"; do kill "$pid" 2>/dev/null; done
}
trap stop_hogs EXIT
trap 'exit 130' INT TERM
for _ in $(seq "$hogs"); do
    "$python" -c 'while True: pass' &
    hog_pids+=($!)
done

started=$SECONDS
echo "stress: $runs run(s) of pytest -m concurrency beside $hogs CPU hog(s)"
for run in $(seq "$runs"); do
    # shellcheck disable=SC2086  # PYTEST_ARGS is split into arguments on purpose
    if ! timeout --kill-after=30 "$run_timeout" "$python" -m pytest -q -x -p no:cacheprovider \
            -m concurrency ${PYTEST_ARGS:-} tests >"$log" 2>&1; then
        tail -n 80 "$log"
        echo "stress: run $run FAILED after $((run - 1)) passed in a row" \
             "($((SECONDS - started))s; whole output in $log)"
        exit 1
    fi
    echo "stress: run $run of $runs passed: $(tail -n 1 "$log" | tr -d '=') ($((SECONDS - started))s)"
done
rm -f "$log"
echo "stress: $runs of $runs runs passed in a row in $((SECONDS - started))s beside $hogs CPU hog(s)"
