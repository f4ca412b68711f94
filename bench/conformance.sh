#!/bin/sh
# Conformance with Pacemaker 2.1.5's scheduler suite (../shared/pacemaker-scheduler).
# Runs the shared harness against `placement whatif --cib {xml} --json`, re-scores the
# mismatches and, with --crm-simulate, times crm_simulate for comparison.
# Usage: bench/conformance.sh [--jobs 2] [--tag core] [--crm-simulate] [--json-report FILE]
set -eu
cd "$(dirname "$0")/.."
exec python3 bench/conformance.py "$@"
