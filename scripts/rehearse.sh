#!/usr/bin/env bash
# Rehearsal before an upgrade: every pending transaction of each Safe in REHEARSE_SAFES is rehearsed on a fork of
# FORK_URL (at FORK_BLOCK_NUMBER when set), each nonce on top of the previous, then the drills on DRILL_SAFE: a
# key-loss drill losing DRILL_LOST_OWNERS, and the signing ceremony when DRILL_SIGNERS names owners whose keys this
# machine holds (a local node's accounts; in a team's CI there are none, and the ceremony is practised by hand with
# the owners' own devices). Reports (markdown) go to REPORT_DIR. Exits 1 when any invariant breaks or any drill
# fails. Nothing is sent to the real chain.
#
# Used by .github/workflows/rehearse.yml (users' chains) and by scripts/test-fork.sh (our local production node).
#
#   FORK_URL=<rpc> REHEARSE_NETWORK=remote REHEARSE_SAFES="0x.. 0x.." DRILL_SAFE=0x.. DRILL_LOST_OWNERS=0x..,0x.. \
#     bash scripts/rehearse.sh
set -uo pipefail
cd "$(dirname "$0")/.."

: "${FORK_URL:?set FORK_URL to the JSON-RPC URL of the chain to fork}"
: "${REHEARSE_SAFES:?set REHEARSE_SAFES to the Safe addresses whose pending transactions to rehearse}"
NETWORK="${REHEARSE_NETWORK:-localhost}"
OUT="${REPORT_DIR:-rehearsal-reports}"
HARDHAT=./node_modules/.bin/hardhat
BLOCK=()
if [ -n "${FORK_BLOCK_NUMBER:-}" ]; then BLOCK=(--block "$FORK_BLOCK_NUMBER"); fi
mkdir -p "$OUT"

failed=()
run() {
  local name="$1"
  shift
  echo "== $name"
  if "$HARDHAT" "$@" --network "$NETWORK" "${BLOCK[@]}" --out "$OUT/$name.md"; then
    echo "   ok: $OUT/$name.md"
  else
    failed+=("$name")
  fi
}

for safe in $REHEARSE_SAFES; do
  run "rehearse-$safe" safe:rehearse --safe "$safe" --all-pending
done
if [ -n "${DRILL_SAFE:-}" ]; then
  if [ -n "${DRILL_SIGNERS:-}" ]; then
    run "drill-signing-$DRILL_SAFE" drill:signing --safe "$DRILL_SAFE" --signers "$DRILL_SIGNERS"
  fi
  if [ -n "${DRILL_LOST_OWNERS:-}" ]; then
    run "drill-keyloss-$DRILL_SAFE" drill:keyloss --safe "$DRILL_SAFE" --lost "$DRILL_LOST_OWNERS"
  fi
fi

if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED: ${failed[*]} (the reports in $OUT name each broken invariant or failed step)"
  exit 1
fi
echo "All rehearsals and drills passed; reports in $OUT"
