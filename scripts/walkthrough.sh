#!/usr/bin/env bash
# The walkthroughs of docs/cli.md, run for real on a fresh local node, as a new user would type them:
# sessions, then a margin session, then bounded markets, then the data set. Every command is printed as
# "$ <command>" followed by what it printed (stdout and stderr) and, when it exits non-zero, "[exit N]".
# Expected failures are part of the walkthrough; a failure that does not happen, a success that fails, or a
# failure for another reason stops the run with exit code 1. Addresses, sessions, roots and order keys are
# read from earlier output, never written into this file.
#
#   bash scripts/walkthrough.sh            # writes out/walkthrough.txt (and the node's log beside it)
#
# Needs: bash, node and npx (as for every Hardhat command), setsid. Takes a few minutes: each `npx hardhat`
# start costs seconds. Removes the previous local Ignition deployment (deploy/deployments/chain-31337) so the
# addresses come out the same on every run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PORT="${PORT:-8545}"
OUT_DIR=out
TRANSCRIPT="$OUT_DIR/walkthrough.txt"
NODE_LOG="$OUT_DIR/walkthrough-node.log"
BUILD_LOG="$OUT_DIR/walkthrough-build.log"
DEPLOYMENT=deploy/deployments/chain-31337
# npm on some machines warns about its own user config on every npx start; that line is not the project's
NPM_NOISE='^npm warn Unknown user config'

die() {
  echo "walkthrough: $*" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------------- checks

command -v node >/dev/null || die "node is not on PATH (Hardhat runs through npx, which needs it)"
command -v npx >/dev/null || die "npx is not on PATH"
command -v setsid >/dev/null || die "setsid is not on PATH (util-linux): it lets the runner stop the node it starts"
[[ -d node_modules ]] || die "node_modules is missing: run npm install first"
if [[ "$PORT" != 8545 ]]; then
  die "PORT=$PORT: the localhost network of hardhat.config.ts is http://127.0.0.1:8545, so every '--network localhost' command would miss a node on another port; run with PORT unset (8545)"
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  die "port $PORT on 127.0.0.1 is already taken (another node?): stop whatever listens there, then run again"
fi

mkdir -p "$OUT_DIR"
: >"$TRANSCRIPT"
STEPS=0
FAILS=0
STARTED=$(date +%s)
LAST="$(mktemp)"
NODE_PID=""

cleanup() {
  local rc=$?
  if [[ -n "$NODE_PID" ]] && kill -0 "$NODE_PID" 2>/dev/null; then
    # the node runs in its own process group (setsid): stop npx and the node under it together
    kill -TERM -- "-$NODE_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$NODE_PID" 2>/dev/null || true
  fi
  rm -f "$LAST" "$LAST.a" "$LAST.b"
  if [[ $rc -ne 0 ]]; then echo "walkthrough: stopped (exit $rc); transcript so far in $TRANSCRIPT" >&2; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------------- helpers

# Writes to stdout and the transcript.
say() { printf '%s\n' "$*" | tee -a "$TRANSCRIPT"; }

# A command line as a person types it: words with spaces or shell characters in double quotes.
shown() {
  local out="" w
  for w in "$@"; do
    if [[ "$w" =~ [[:space:]\;\&\|\<\>\(\)\$\*\?\'\"] || -z "$w" ]]; then w="\"$w\""; fi
    out+="${out:+ }$w"
  done
  printf '%s' "$out"
}

# step ok|fail PATTERN -- command...: runs the command, prints "$ command", its output and "[exit N]"; a
# success must exit 0, a failure non-zero with PATTERN (extended regex) in its output. Output is left in $LAST.
step() {
  local want=$1 pattern=$2
  shift 3
  local rc=0
  STEPS=$((STEPS + 1))
  say ""
  say "\$ $(shown "$@")"
  "$@" >"$LAST" 2>&1 || rc=$?
  grep -Ev "$NPM_NOISE" "$LAST" >"$LAST.a" || true
  mv "$LAST.a" "$LAST"
  tee -a "$TRANSCRIPT" <"$LAST"
  if [[ $rc -ne 0 ]]; then say "[exit $rc]"; fi
  if [[ "$want" == ok && $rc -ne 0 ]]; then
    die "step $STEPS should have succeeded but exited $rc: $(shown "$@")"
  fi
  if [[ "$want" == fail ]]; then
    FAILS=$((FAILS + 1))
    if [[ $rc -eq 0 ]]; then die "step $STEPS should have failed (${pattern}) but succeeded: $(shown "$@")"; fi
    if ! grep -Eq -- "$pattern" "$LAST"; then
      die "step $STEPS failed, but not with the expected /${pattern}/: $(shown "$@")"
    fi
  fi
  return 0
}

# npx hardhat <args> --network localhost, expected to succeed / to fail with PATTERN.
hh() { step ok "" -- npx hardhat "$@" --network localhost; }
hh_fail() {
  local pattern=$1
  shift
  step fail "$pattern" -- npx hardhat "$@" --network localhost
}

# The first capture group of an extended regex in the last command's output (sed -E syntax); dies if absent.
grab() {
  local regex=$1 what=$2 v
  v=$(sed -nE "s/${regex}/\\1/p" "$LAST" | head -n 1)
  [[ -n "$v" ]] || die "could not read $what from the output of step $STEPS"
  printf '%s' "$v"
}

# A field of the last command's --json output, as a JavaScript expression on `j` (node, no jq needed).
json() {
  node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const v = eval(process.argv[2]); if (v === undefined || v === null) process.exit(1); console.log(String(v));' "$LAST" "$1" ||
    die "could not read $1 from the JSON output of step $STEPS"
}

# An account's address from the node's start-up listing ("Account #6:  0x976e... (10000 ETH)").
account() {
  local v
  v=$(sed -nE "s/^Account #$1: +(0x[0-9a-fA-F]{40}).*/\\1/p" "$NODE_LOG" | head -n 1)
  [[ -n "$v" ]] || die "account $1 is not in the node's listing ($NODE_LOG)"
  printf '%s' "$v"
}

section() {
  say ""
  say "# ---- $* ----"
}

ADDR='(0x[0-9a-fA-F]{40})'

# ---------------------------------------------------------------------------------------------------- node

section "local node"
STEPS=$((STEPS + 1))
say ""
say "\$ npx hardhat build > $BUILD_LOG"
npx hardhat build >"$BUILD_LOG" 2>&1 || die "npx hardhat build failed: see $BUILD_LOG"
say ""
say "\$ rm -rf $DEPLOYMENT"
rm -rf "$DEPLOYMENT"
say ""
say "\$ npx hardhat node --hostname 127.0.0.1 --port $PORT > $NODE_LOG &"
setsid npx hardhat node --hostname 127.0.0.1 --port "$PORT" >"$NODE_LOG" 2>&1 &
NODE_PID=$!
RPC="http://127.0.0.1:$PORT"
up=""
for _ in $(seq 1 120); do
  kill -0 "$NODE_PID" 2>/dev/null || die "the node exited while starting: see $NODE_LOG"
  if node -e 'fetch(process.argv[1], { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) }).then((r) => r.json()).then((j) => process.exit(j.result === "0x7a69" ? 0 : 1), () => process.exit(1));' "$RPC" 2>/dev/null; then
    up=1
    break
  fi
  sleep 1
done
[[ -n "$up" ]] || die "the node did not answer JSON-RPC (eth_chainId 31337) on $RPC within 120 s: see $NODE_LOG"
say "(answers JSON-RPC on $RPC, chain 31337)"

# ---------------------------------------------------------------------------------------------------- sessions

section "Local walkthrough: sessions"
hh ignition deploy deploy/modules/Sessions.ts
hh ignition deploy deploy/modules/LocalMocks.ts
USDC=$(grab "^LocalMocks#USDC - $ADDR\$" "LocalMocks#USDC")
AAPL_USD=$(grab "^LocalMocks#AAPL_USD - $ADDR\$" "LocalMocks#AAPL_USD")

hh run scripts/local-setup.ts
S=$(grab "^session +$ADDR\$" "the demo session")

hh session list
hh session subscribe --session "$S" --shares 10 --account 1
hh session subscribe --session "$S" --shares 5 --account 2
hh session subscribe --session "$S" --shares 5 --account 3
hh_fail "insufficient AAPL" session subscribe --session "$S" --shares 5000 --account 3
hh session order --session "$S" --legs 0,1 --amounts 2,-3.5 --expiry-hours 48 --out out/alice.json --account 1
hh_fail "trading in $S is open from t1" session fill --order out/alice.json --fraction 0.5 --account 2
hh local advance --session "$S" --to t1
hh session fill --order out/alice.json --fraction 0.5 --account 2
hh session fill --order out/alice.json --fraction 0.25 --account 3 --json
[[ "$(json j.filledAfterWad)" == 750000000000000000 ]] || die "after two fills alice's order should be 75% filled"
hh session order --session "$S" --legs 0,1 --amounts 1.234567890123456789,-1 --out out/x.json --account 1
hh_fail "has 19 decimals" session order --session "$S" --legs 0,1 --amounts 1.2345678901234567891,-1 --out out/x.json --account 1
hh session order --session "$S" --legs 0,1 --amounts 1,-2.5 --out out/carol.json --account 3
hh session cancel --order out/x.json --account 1
hh session cancel-all --session "$S" --nonce 1 --account 1
hh session show --session "$S" --account 1
hh session order --session "$S" --legs 1,0 --amounts 2,-1 --out out/bob.json --account 2
hh session match --a out/bob.json --b out/carol.json --fraction 1 --account 0
hh session order --session "$S" --legs 1,0 --amounts 20,-1 --out out/bob2.json --account 2
hh_fail "OrdersDoNotCross" session match --a out/bob2.json --b out/carol.json --fraction 0.5 --account 0
hh session fill --order out/carol.json --fraction 0.1 --account 1
hh_fail "NotFinal" session claim --session "$S" --account 1
hh local advance --session "$S" --to t2

# two keepers started together: exactly one settles the session, the other finds nothing to do or is skipped
STEPS=$((STEPS + 1))
say ""
say "\$ npx hardhat keeper --network localhost --account 0 & npx hardhat keeper --network localhost --account 4   # two keepers at once"
rc_a=0
rc_b=0
npx hardhat keeper --network localhost --account 0 >"$LAST.a" 2>&1 &
pid_a=$!
npx hardhat keeper --network localhost --account 4 >"$LAST.b" 2>&1 || rc_b=$?
wait "$pid_a" || rc_a=$?
cat "$LAST.a" "$LAST.b" | grep -Ev "$NPM_NOISE" | sort >"$LAST" || true
tee -a "$TRANSCRIPT" <"$LAST"
[[ $rc_a -eq 0 && $rc_b -eq 0 ]] || die "a keeper failed (exit $rc_a and $rc_b)"
performed=$(grep -c "performed .*$S" "$LAST" || true)
[[ "$performed" == 1 ]] || die "two keepers should settle $S exactly once; they reported $performed settlements"

hh_fail "AlreadyFinal" session settle --session "$S"
hh session claim --session "$S" --account 1
hh session claim --session "$S" --account 2 --to "$(account 6)"
hh_fail "AlreadyClaimed" session claim --session "$S" --account 2

# ---------------------------------------------------------------------------------------------------- margin

section "Margin walkthrough"
A1=$(account 1)
step ok "" -- cat out/local-margin-session.json
hh session create --file out/local-margin-session.json
M=$(grab "^Created session $ADDR .*" "the margin session")
hh session subscribe --session "$M" --shares 1 --account 1
hh session subscribe --session "$M" --shares 10 --account 2
hh session subscribe --session "$M" --shares 10 --account 3
hh local advance --session "$M" --to t1
hh session order --session "$M" --legs 0,1 --amounts 665,-3.5 --out out/short.json --account 1
hh session fill --order out/short.json --account 2
hh session margin --session "$M" --account 1
hh session order --session "$M" --legs 0,1 --amounts 190,-1 --out out/over-short.json --account 1
hh_fail "BelowInitialMargin" session fill --order out/over-short.json --account 2
hh_fail "NotLiquidatable" session liquidate --session "$M" --target "$A1" --account 3
hh local price --feed "$AAPL_USD" --price 240
hh session margin --session "$M" --account 1
hh session liquidate --session "$M" --target "$A1" --account 3
hh session margin --session "$M" --account 1
hh session action --session "$M" --do schedule --kind dividend --leg 2 --amount 42
hh_fail "ActionNotReady" session action --session "$M" --do execute --id 0
hh local advance --to 3601
hh session action --session "$M" --do execute --id 0
hh session action --session "$M" --do list
hh session margin --session "$M" --account 2
hh session dividends --session "$M" --account 2
hh_fail "NothingToClaim" session dividends --session "$M" --account 2
hh local advance --session "$M" --to t2
hh keeper --account 0
grep -q "performed .*$M" "$LAST" || die "the keeper should have settled the margin session $M"
hh session show --session "$M" --account 3
hh session claim --session "$M" --account 1
hh session claim --session "$M" --account 2
hh session claim --session "$M" --account 3
hh session dividends --session "$M" --account 3

# ---------------------------------------------------------------------------------------------------- markets

section "Markets walkthrough"
hh ignition deploy deploy/modules/Markets.ts
MARKETS=$(grab "^Markets#BoundedMarkets - $ADDR\$" "Markets#BoundedMarkets")
REPORTER=$(account 4)
hh market create-root --collateral "$USDC" --min 150 --max 250 --source feed --feed "$AAPL_USD" --expires-in 2d --void-after 7d --heartbeat 3d --max-delay 1d
R1=$(grab "^Created root ([0-9]+) .*" "the feed root")
hh market create-root --collateral "$USDC" --min 0 --max 100 --source callback --reporter "$REPORTER" --dispute-window 1h --expires-in 1d
R2=$(grab "^Created root ([0-9]+) .*" "the callback root")
hh market create-sub --root "$R1" --min 180 --max 200
B2=$(grab "^Created market ([0-9]+) on root .*" "the sub-market's branch")
hh_fail "OutsideParent" market create-sub --root "$R1" --parent "$B2" --min 170 --max 190
hh market deposit --root "$R1" --amount 100 --account 1
hh market deposit --root "$R1" --amount 100 --account 2
hh market order --root "$R1" --side bid --price 0.55 --quantity 10 --account 1 --out out/bid.json
hh market place --order out/bid.json --account 3
KEY=$(grab ".*resting [0-9]+ under order key ([0-9]+).*" "the bid's order key")
hh market place --root "$R1" --side offer --price 0.50 --quantity 4 --account 2
hh market place --root "$R1" --branch "$B2" --side offer --price 0.70 --quantity 5 --account 2
hh_fail "off the 0.01 grid" market place --root "$R1" --side offer --price 0.505 --quantity 1 --account 2
hh_fail "outside \(0, 1\)" market place --root "$R1" --side offer --price 1.5 --quantity 1 --account 2
hh_fail "unknown root 7" market place --root 7 --side offer --price 0.5 --quantity 1 --account 2
hh_fail "unknown branch 9" market place --root "$R1" --branch 9 --side offer --price 0.5 --quantity 1 --account 2
hh_fail "InsufficientCollateral" market place --root "$R1" --side bid --price 0.60 --quantity 1000 --account 2
hh market show --root "$R1" --account 1
hh market cancel --key "$KEY" --account 1
hh market cancel-market --root "$R1" --branch 0 --account 2
hh market post-bounds --root "$R1" --branch "$B2" --min 185
hh_fail "NotBoundsPoster" market post-bounds --root "$R1" --branch 1 --min 160 --account 1
hh_fail "cannot withdraw 99 USDC" market withdraw --root "$R1" --amount 99 --account 1
hh market withdraw --root "$R1" --amount 50 --account 1
hh_fail "TooEarly" market settle --root "$R1"
hh local advance --to 180000
hh local price --feed "$AAPL_USD" --price 193.12
hh market settle --root "$R1"
hh_fail "NotReporter" market report --root "$R2" --outcome 42 --account 5
hh market report --root "$R2" --outcome 42 --account 4
hh_fail "TooEarly" market finalize --root "$R2"
hh local advance --to 3601
hh market finalize --root "$R2"
hh market redeem --root "$R1" --account 1
hh market redeem --root "$R1" --account 2
hh_fail "cannot withdraw 100 USDC" market withdraw --root "$R1" --amount 100 --account 1
hh market verify --root "$R1"

# ---------------------------------------------------------------------------------------------------- data set

section "Data set"
step ok "" -- rm -rf out/ringfence.db out/export
hh data index --db out/ringfence.db
hh data export --db out/ringfence.db --out out/export --key local-demo-release-key-0123456789
step ok "" -- head -3 out/export/order_flow.csv
step ok "" -- head -5 out/export/positions.csv
hh data index --db out/ringfence.db
grep -q "^Indexed chain 31337" "$LAST" || die "re-running data index should resume from its cursor"
hh data report --db out/ringfence.db --out out/data-report.html
grep -Eq "^0x[0-9a-fA-F]{40} .* ([0-9]+)/\1 ok$" "$LAST" || die "the data report should pass every check"
if grep -q "FAILED" "$LAST"; then die "the data report found a check that failed"; fi
say "(open out/data-report.html in a browser: x_i(t) per leg, P&L per account, the order flow, the checks)"

ELAPSED=$(($(date +%s) - STARTED))
say ""
say "# walkthrough finished: $STEPS steps ($FAILS expected failures, each refused as expected) in ${ELAPSED} s"
