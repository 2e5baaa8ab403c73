#!/usr/bin/env bash
# Fork suite against a real fork: start a local `hardhat node` playing "production" (Safe bootstrapped, treasury
# created, funded and used), then run the @fork tests with FORK_URL pointing at it. The node is stopped whatever
# happens. Optional: FORK_NODE_PORT (default 8545), FORK_BLOCK_NUMBER (pins the fork).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${FORK_NODE_PORT:-8545}"
URL="http://127.0.0.1:${PORT}"
LOG="$(mktemp -t fork-node.XXXXXX.log)"
HARDHAT=./node_modules/.bin/hardhat

# The production node itself must not fork anything.
env -u FORK_URL -u FORK_BLOCK_NUMBER "$HARDHAT" node --hostname 127.0.0.1 --port "$PORT" >"$LOG" 2>&1 &
NODE_PID=$!
cleanup() {
  kill "$NODE_PID" 2>/dev/null || true
  wait "$NODE_PID" 2>/dev/null || true
  rm -f "$LOG"
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

echo "== production node on $URL"
env -u FORK_URL -u FORK_BLOCK_NUMBER LOCAL_NODE_URL="$URL" "$HARDHAT" run scripts/fork-production.ts --network localhost

# With FORK_URL set every suite runs, the @fork one included: the same tests must pass on a fork as in-process.
# FORK_SUITE_ONLY=1 limits the run to the @fork suite.
echo "== tests on a fork of $URL${FORK_BLOCK_NUMBER:+ at block $FORK_BLOCK_NUMBER}"
if [ "${FORK_SUITE_ONLY:-0}" = "1" ]; then
  FORK_URL="$URL" "$HARDHAT" test --grep @fork
else
  FORK_URL="$URL" "$HARDHAT" test
fi
