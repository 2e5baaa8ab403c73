#!/usr/bin/env bash
# Fork suite against a real fork: start a local `hardhat node` playing "production" (Safe bootstrapped, treasuries
# created, funded and used) and an embedded transaction service beside it, where the production script leaves
# pending proposals; run the tests with FORK_URL pointing at the node; then rehearse every pending proposal and the
# drills as a team's CI would (scripts/rehearse.sh), including one bad proposal whose rehearsal must fail. The node
# and the service are stopped whatever happens. Optional: FORK_NODE_PORT (default 8545), FORK_SERVICE_PORT (default
# 8010), FORK_BLOCK_NUMBER (pins the fork), FORK_SUITE_ONLY=1 (the @fork tests only, no rehearsal).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${FORK_NODE_PORT:-8545}"
URL="http://127.0.0.1:${PORT}"
SERVICE_PORT="${FORK_SERVICE_PORT:-8010}"
WORK="$(mktemp -d -t fork-suite.XXXXXX)"
LOG="$WORK/node.log"
SERVICE_LOG="$WORK/service.log"
HARDHAT=./node_modules/.bin/hardhat
# The production proposals go to this service only; the tests start their own.
PRODUCTION_SERVICE="http://127.0.0.1:${SERVICE_PORT}/api"

# The production node itself must not fork anything.
env -u FORK_URL -u FORK_BLOCK_NUMBER "$HARDHAT" node --hostname 127.0.0.1 --port "$PORT" >"$LOG" 2>&1 &
NODE_PID=$!
SERVICE_PID=""
cleanup() {
  if [ -n "$SERVICE_PID" ]; then kill "$SERVICE_PID" 2>/dev/null || true; wait "$SERVICE_PID" 2>/dev/null || true; fi
  kill "$NODE_PID" 2>/dev/null || true
  wait "$NODE_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

rpc_ready() {
  node -e "fetch('$URL',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({jsonrpc:'2.0',id:1,method:'eth_chainId',params:[]})}).then(r=>r.ok?process.exit(0):process.exit(1),()=>process.exit(1))"
}
for _ in $(seq 1 120); do
  if rpc_ready; then break; fi
  if ! kill -0 "$NODE_PID" 2>/dev/null; then echo "hardhat node exited:"; cat "$LOG"; exit 1; fi
  sleep 0.5
done
rpc_ready || { echo "hardhat node did not answer on $URL"; cat "$LOG"; exit 1; }

echo "== production node on $URL, its transaction service on $PRODUCTION_SERVICE"
env -u FORK_URL -u FORK_BLOCK_NUMBER LOCAL_NODE_URL="$URL" "$HARDHAT" tx-service --network localhost \
  --port "$SERVICE_PORT" --db "$WORK/service.sqlite" --poll-ms 200 >"$SERVICE_LOG" 2>&1 &
SERVICE_PID=$!
for _ in $(seq 1 120); do
  if node -e "fetch('$PRODUCTION_SERVICE/v1/about').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then break; fi
  if ! kill -0 "$SERVICE_PID" 2>/dev/null; then echo "tx-service exited:"; cat "$SERVICE_LOG"; exit 1; fi
  sleep 0.5
done
env -u FORK_URL -u FORK_BLOCK_NUMBER LOCAL_NODE_URL="$URL" TX_SERVICE_URL="$PRODUCTION_SERVICE" \
  PRODUCTION_OUT="$WORK/production.json" HARDHAT_UPGRADES=1 "$HARDHAT" run scripts/fork-production.ts --network localhost

# With FORK_URL set every suite runs, the @fork one included: the same tests must pass on a fork as in-process.
# FORK_SUITE_ONLY=1 limits the run to the @fork suite.
echo "== tests on a fork of $URL${FORK_BLOCK_NUMBER:+ at block $FORK_BLOCK_NUMBER}"
if [ "${FORK_SUITE_ONLY:-0}" = "1" ]; then
  FORK_URL="$URL" "$HARDHAT" test --grep @fork
  exit 0
fi
FORK_URL="$URL" "$HARDHAT" test

# The rehearsal a team's CI runs (.github/workflows/rehearse.yml), on the production node's pending proposals.
field() { node -e "console.log(require('$WORK/production.json').$1)"; }
rehearse() {
  env LOCAL_NODE_URL="$URL" TX_SERVICE_URL="$PRODUCTION_SERVICE" FORK_URL="$URL" REPORT_DIR="$WORK/reports" "$@" \
    bash scripts/rehearse.sh
}
echo "== rehearsal of the pending proposals and the drills"
rehearse REHEARSE_SAFES="$(field good)" DRILL_SAFE="$(field drill)" DRILL_LOST_OWNERS="$(field lost)" \
  DRILL_SIGNERS="$(field signers)"
echo "== the deliberately bad proposal must fail its rehearsal, naming the invariant"
if rehearse REHEARSE_SAFES="$(field bad)" >"$WORK/bad.log" 2>&1; then
  cat "$WORK/bad.log"
  echo "The bad proposal passed its rehearsal: the invariants do not hold"
  exit 1
fi
cat "$WORK/bad.log"
grep -q "$(field badInvariant)" "$WORK/bad.log" || { echo "The failure does not name $(field badInvariant)"; exit 1; }
echo "== the bad proposal was refused by its rehearsal, as it must be"
