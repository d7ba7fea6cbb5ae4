/**
 * Ringfence's command line as Hardhat 3 tasks: `npx hardhat session <action>`, `market <action>`,
 * `keeper`, `data <action>`, `local <action>`. Options are plain strings checked by the actions (so a bad
 * value gets a message naming the fix); every command takes `--account <index|address>` for the signer and
 * `--json` for machine-readable output. Actions are lazy modules under tasks/actions/.
 */
import { emptyTask, task } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";

const account = {
  name: "account",
  description: "Signer: index into the network's accounts (0 = first) or one of their addresses",
  defaultValue: "0",
} as const;
const factory = {
  name: "factory",
  description: "SessionFactory address (default: Sessions#SessionFactory in the Ignition deployment)",
  defaultValue: "",
} as const;
const session = { name: "session", description: "Session address (see `session list`)", defaultValue: "" } as const;
const json = { name: "json", description: "Print machine-readable JSON instead of tables" } as const;
/** `--safe`: a Safe (threshold 1) that makes the order; the selected account is its owner and signs for it. */
const safeOption = (role: "maker" | "trader") =>
  ({
    name: "safe",
    description: `A Safe (threshold 1, CompatibilityFallbackHandler) as the order's ${role}; the selected account is its owner and signs the Safe message (docs/signed-orders.md)`,
    defaultValue: "",
  }) as const;
/**
 * Hardhat reads any word that starts with "-" as an option (error HHE509), so a negative value is typed in quotes
 * after a space; the actions trim it (docs/cli.md, "Negative numbers").
 */
const NEGATIVE = ' (negative: in quotes after a space, " -20")';

export const sessionTasks: TaskDefinition[] = [
  emptyTask("session", "Session pools: create, subscribe, sign and fill orders, settle, claim").build(),
  task(["session", "list"], "List every session the factory created")
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/session/list.js"))
    .build(),
  task(
    ["session", "show"],
    "Show a session: status, windows, legs, prices, an account's allocation (margin: its configuration and the account's margin)",
  )
    .addOption(session)
    .addOption({
      name: "account",
      description: "Account to show: an address, or an index into the network's accounts",
      defaultValue: "0",
    })
    .addOption(factory)
    .addFlag(json)
    .setAction(() => import("./actions/session/show.js"))
    .build(),
  task(["session", "create"], "Create a session from a JSON config in human units")
    .addOption({
      name: "file",
      description: "Path of the session config (JSON in human units, see docs/cli.md)",
      defaultValue: "",
    })
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/session/create.js"))
    .build(),
  task(["session", "subscribe"], "Subscribe shares before t1 (approves exactly what is needed first)")
    .addOption(session)
    .addOption({ name: "shares", description: "Whole number of shares", defaultValue: "" })
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/session/subscribe.js"))
    .build(),
  task(
    ["session", "order"],
    "Sign an order (the selected account is the maker, or signs for the --safe maker) and write it to a file",
  )
    .addOption(session)
    .addOption({ name: "legs", description: "Leg indices, comma-separated (e.g. 2,3)", defaultValue: "" })
    .addOption({
      name: "amounts",
      description: `Maker's change per leg in human units, + receives, - gives (e.g. 4,-1; a list that starts with a negative number in quotes after a space: " -1,4")`,
      defaultValue: "",
    })
    .addOption({ name: "taker", description: "Private taker address (default: anyone)", defaultValue: "" })
    .addOption({ name: "expiryHours", description: "Hours until the order expires", defaultValue: "24" })
    .addOption({ name: "nonce", description: "Nonce epoch (default: your current nonce floor)", defaultValue: "" })
    .addOption({
      name: "maxFeeBps",
      description: "Highest maker fee accepted, bps (default: the higher of the session's maker and taker fees)",
      defaultValue: "",
    })
    .addOption({ name: "out", description: "Where to write the signed order (JSON)", defaultValue: "order.json" })
    .addOption(safeOption("maker"))
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/session/order.js"))
    .build(),
  task(["session", "fill"], "Fill a signed order as the selected account (taker)")
    .addOption({ name: "order", description: "Order file written by `session order`", defaultValue: "" })
    .addOption({ name: "fraction", description: "Fraction of the order to fill, in (0, 1]", defaultValue: "1" })
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/session/fill.js"))
    .build(),
  task(["session", "match"], "Cross two pairwise orders (anyone may call)")
    .addOption({ name: "a", description: "First order file (executes at its rate)", defaultValue: "" })
    .addOption({ name: "b", description: "Second order file", defaultValue: "" })
    .addOption({ name: "fraction", description: "Fraction of order a to execute, in (0, 1]", defaultValue: "1" })
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/session/match.js"))
    .build(),
  task(["session", "cancel"], "Cancel one of your orders")
    .addOption({ name: "order", description: "Order file", defaultValue: "" })
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/session/cancel.js"))
    .build(),
  task(["session", "cancel-all"], "Raise your nonce floor: every order with a lower nonce dies")
    .addOption(session)
    .addOption({ name: "nonce", description: "New nonce floor (above the current one)", defaultValue: "" })
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/session/cancel-all.js"))
    .build(),
  task(["session", "settle"], "Settle a session after t2 through checkUpkeep/performUpkeep")
    .addOption(session)
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/session/settle.js"))
    .build(),
  task(["session", "claim"], "Claim your settlement once")
    .addOption(session)
    .addOption({ name: "to", description: "Pay to this address (default: the selected account)", defaultValue: "" })
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/session/claim.js"))
    .build(),
  task(["session", "margin"], "Margin session: an account's margin report (quote units) and dividends due")
    .addOption(session)
    .addOption({
      name: "account",
      description: "Account to report on: an address, or an index into the network's accounts",
      defaultValue: "0",
    })
    .addOption(factory)
    .addFlag(json)
    .setAction(() => import("./actions/session/margin.js"))
    .build(),
  task(["session", "liquidate"], "Margin session: liquidate an account below maintenance (simulated first)")
    .addOption(session)
    .addOption({ name: "target", description: "Address of the account to liquidate", defaultValue: "" })
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/session/liquidate.js"))
    .build(),
  task(["session", "action"], "Margin session: schedule, execute, cancel or list corporate actions (organiser)")
    .addOption(session)
    .addOption({ name: "do", description: "schedule, execute, cancel or list", defaultValue: "list" })
    .addOption({ name: "kind", description: "schedule: split, dividend or cash-in-lieu", defaultValue: "" })
    .addOption({ name: "leg", description: "schedule: the leg index (never the cash leg)", defaultValue: "" })
    .addOption({ name: "ratio", description: "split: new:old tokens, e.g. 2:1 or 1:10", defaultValue: "" })
    .addOption({
      name: "amount",
      description: "dividend: cash-leg tokens paid, human units (e.g. 150.5)",
      defaultValue: "",
    })
    .addOption({ name: "id", description: "execute, cancel: the action's index (see --do list)", defaultValue: "" })
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/session/action.js"))
    .build(),
  task(["session", "dividends"], "Margin session: claim your accrued dividends")
    .addOption(session)
    .addOption({ name: "to", description: "Pay to this address (default: the selected account)", defaultValue: "" })
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/session/dividends.js"))
    .build(),
  task(
    ["session", "fixing"],
    "Margin session: fallback fixing after the deadline (propose, dispute, finalize, withdraw-bond)",
  )
    .addOption(session)
    .addOption({
      name: "do",
      description: "propose (organiser), dispute (participant), finalize, or withdraw-bond (fee recipient)",
      defaultValue: "",
    })
    .addOption({
      name: "prices",
      description: "propose: one price per leg, quote per whole token in human units (e.g. 1,120,40)",
      defaultValue: "",
    })
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/session/fixing.js"))
    .build(),
];

const markets = {
  name: "markets",
  description: "BoundedMarkets address (default: Markets#BoundedMarkets in the Ignition deployment)",
  defaultValue: "",
} as const;
const root = { name: "root", description: "Root id (see `market show`)", defaultValue: "" } as const;
const branch = { name: "branch", description: "Market on the root: 1 = the root market", defaultValue: "1" } as const;
const orderOptions = [
  { name: "side", description: "bid (buy) or offer (sell)", defaultValue: "" },
  { name: "price", description: "Limit price in (0, 1) on the 0.01 grid, e.g. 0.45", defaultValue: "" },
  { name: "quantity", description: "Whole number of contracts", defaultValue: "" },
  { name: "type", description: "gtc (good till cancel), ioc (immediate or cancel) or post-only", defaultValue: "gtc" },
  { name: "expiryHours", description: "Hours until the order can no longer be submitted", defaultValue: "24" },
] as const;

/** `task` with the options every market command shares (--markets, --account, --json) and the given ones. */
function marketTask(
  action: string,
  description: string,
  options: ReadonlyArray<{ name: string; description: string; defaultValue: string }>,
  load: () => Promise<{ default: unknown }>,
  flags: ReadonlyArray<{ name: string; description: string }> = [],
): TaskDefinition {
  let t = task(["market", action], description);
  for (const o of options) t = t.addOption(o);
  for (const f of flags) t = t.addFlag(f);
  return t
    .addOption(markets)
    .addOption(account)
    .addFlag(json)
    .setAction(load as Parameters<typeof t.setAction>[0])
    .build();
}

export const marketTasks: TaskDefinition[] = [
  emptyTask("market", "Bounded-payoff markets: roots, sub-markets, collateral, orders, bounds, settlement").build(),
  marketTask(
    "create-root",
    "Create a root (one uncertain outcome) with its root market; the selected account becomes its owner",
    [
      { name: "collateral", description: "Collateral ERC-20 address", defaultValue: "" },
      { name: "min", description: `Root market minimum, outcome in human units${NEGATIVE}`, defaultValue: "" },
      { name: "max", description: `Root market maximum, outcome in human units${NEGATIVE}`, defaultValue: "" },
      { name: "decimals", description: "Outcome decimals (X is stored scaled by 10^decimals)", defaultValue: "0" },
      {
        name: "payout",
        description: "Collateral one contract pays at the top of its range (human units)",
        defaultValue: "1",
      },
      { name: "expiresIn", description: "Trading stops after this long: seconds or 90m, 12h, 7d", defaultValue: "7d" },
      { name: "voidAfter", description: "Void deadline this long after expiry", defaultValue: "7d" },
      { name: "source", description: "Settlement source: owner, callback or feed", defaultValue: "owner" },
      { name: "reporter", description: "Callback source: the reporter's address", defaultValue: "" },
      { name: "disputeWindow", description: "Callback source: dispute window after a report", defaultValue: "0" },
      {
        name: "feed",
        description: "Feed source: Chainlink aggregator address(es), comma-separated (median if several)",
        defaultValue: "",
      },
      { name: "heartbeat", description: "Feed source: largest age of a round", defaultValue: "1d" },
      {
        name: "maxDelay",
        description: "Feed source: latest the fixing round may come after expiry",
        defaultValue: "1h",
      },
    ],
    () => import("./actions/market/create-root.js"),
  ),
  marketTask(
    "create-sub",
    "Create a sub-market inside a parent market's bounds (anyone, while the root is open)",
    [
      root,
      { name: "parent", description: "Parent branch", defaultValue: "1" },
      { name: "min", description: `Minimum, human outcome units${NEGATIVE}`, defaultValue: "" },
      { name: "max", description: `Maximum, human outcome units${NEGATIVE}`, defaultValue: "" },
    ],
    () => import("./actions/market/create-sub.js"),
  ),
  marketTask(
    "deposit",
    "Deposit collateral (approves exactly the missing allowance first)",
    [
      { name: "amount", description: "Amount in human units", defaultValue: "" },
      { name: "token", description: "Collateral token (default: the collateral of --root)", defaultValue: "" },
      root,
    ],
    () => import("./actions/market/deposit.js"),
  ),
  marketTask(
    "withdraw",
    "Withdraw free cash (refused before any transaction if above it)",
    [
      { name: "amount", description: "Amount in human units", defaultValue: "" },
      { name: "token", description: "Collateral token (default: the collateral of --root)", defaultValue: "" },
      root,
      { name: "to", description: "Pay to this address (default: the selected account)", defaultValue: "" },
    ],
    () => import("./actions/market/withdraw.js"),
  ),
  marketTask(
    "order",
    "Sign an order (the selected account is the trader, or signs for the --safe trader) and write it to a file for a relayer",
    [
      root,
      branch,
      ...orderOptions,
      { name: "nonce", description: "Nonce epoch (default: your current nonce floor)", defaultValue: "" },
      { name: "out", description: "Where to write the signed order (JSON)", defaultValue: "market-order.json" },
      safeOption("trader"),
    ],
    () => import("./actions/market/order.js"),
  ),
  marketTask(
    "place",
    "Place an order: your own (--root --side --price --quantity) or a signed one (--order file)",
    [
      { name: "order", description: "Signed order file from `market order` (anyone may submit it)", defaultValue: "" },
      root,
      branch,
      ...orderOptions,
      { name: "maxLevels", description: "Most price levels to trade through", defaultValue: "8" },
    ],
    () => import("./actions/market/place.js"),
  ),
  marketTask(
    "cancel",
    "Cancel one of your orders: a resting one (--key) or a signed one not yet submitted (--order)",
    [
      { name: "key", description: "Order key of a resting order (see `market show`)", defaultValue: "" },
      { name: "order", description: "Signed order file", defaultValue: "" },
    ],
    () => import("./actions/market/cancel.js"),
  ),
  marketTask(
    "sync",
    "Recompute your worst case on a root now: credits your filled orders and releases what cancels freed",
    [root],
    () => import("./actions/market/sync.js"),
  ),
  marketTask(
    "cancel-market",
    "Cancel all your resting orders on a market of the root (--branch 0: every market)",
    [root, branch],
    () => import("./actions/market/cancel-market.js"),
  ),
  marketTask(
    "post-bounds",
    "Post narrower bounds on a market (the root's owner; its reporter may narrow without collapsing)",
    [
      root,
      branch,
      {
        name: "min",
        description: `New minimum, human outcome units (default: the market's)${NEGATIVE}`,
        defaultValue: "",
      },
      {
        name: "max",
        description: `New maximum, human outcome units (default: the market's)${NEGATIVE}`,
        defaultValue: "",
      },
    ],
    () => import("./actions/market/post-bounds.js"),
  ),
  marketTask(
    "report",
    "The reporter reports the outcome of a callback root (--override: the owner overrides a pending report)",
    [root, { name: "outcome", description: `Outcome X in human units${NEGATIVE}`, defaultValue: "" }],
    () => import("./actions/market/report.js"),
    [{ name: "override", description: "Owner: override the pending report within its dispute window" }],
  ),
  marketTask(
    "finalize",
    "Settle a callback root at its report after the dispute window (anyone)",
    [root],
    () => import("./actions/market/finalize.js"),
  ),
  marketTask(
    "settle",
    "Settle a feed root after expiry (or void a root past its deadline) via checkUpkeep/performUpkeep",
    [root],
    () => import("./actions/market/settle.js"),
  ),
  marketTask(
    "redeem",
    "Turn positions on a final root into cash (anyone may redeem for anyone)",
    [root, { name: "trader", description: "Trader to redeem for (default: the selected account)", defaultValue: "" }],
    () => import("./actions/market/redeem.js"),
  ),
  marketTask(
    "show",
    "Show a root, its markets with best bid/offer, and an account's cash, worst case, positions and orders",
    [root],
    () => import("./actions/market/show.js"),
  ),
  marketTask(
    "verify",
    "Replay a root's hash-chained log through the verifier (exit 1 on any problem)",
    [root],
    () => import("./actions/market/verify.js"),
  ),
];

export const keeperTasks: TaskDefinition[] = [
  task("keeper", "Settle every due session (and root) through the contracts' Automation interface")
    .addOption(factory)
    .addOption({
      name: "markets",
      description: "BoundedMarkets address (default: from the Ignition deployment, if any)",
      defaultValue: "",
    })
    .addFlag({ name: "loop", description: "Keep running, one pass every --interval seconds" })
    .addOption({ name: "interval", description: "Seconds between passes with --loop", defaultValue: "15" })
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/keeper.js"))
    .build(),
];

const dataDb = { name: "db" as const, description: "SQLite file", defaultValue: "out/ringfence.db" };
const dataPg = {
  name: "pg" as const,
  description: "PostgreSQL URL (default: the RINGFENCE_PG_URL environment variable, if set)",
  defaultValue: "",
};

export const dataTasks: TaskDefinition[] = [
  emptyTask("data", "The data set: index events into SQL, export CSVs and a report").build(),
  task(["data", "index"], "Index the deployment's events into SQLite (default) or PostgreSQL")
    .addOption(dataDb)
    .addOption(dataPg)
    .addOption({ name: "fromBlock", description: "First block to read", defaultValue: "0" })
    .addOption({
      name: "confirmations",
      description: "Blocks a log must be under before it is read (default: 0 on a local chain, 12 elsewhere)",
      defaultValue: "",
    })
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/data/index.js"))
    .build(),
  task(["data", "export"], "Export order flow and position trajectories as CSV (pseudonymised)")
    .addOption(dataDb)
    .addOption(dataPg)
    .addOption({ name: "out", description: "Output directory", defaultValue: "out/export" })
    .addOption({
      name: "key",
      description: "Pseudonymisation key (default: RINGFENCE_RELEASE_KEY); empty = addresses in clear",
      defaultValue: "",
    })
    .addOption({ name: "delay", description: "Hold back rows younger than this many seconds", defaultValue: "0" })
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/data/export.js"))
    .build(),
  task(["data", "report"], "Write an HTML report of the data set: trajectories, P&L, order flow, checks")
    .addOption(dataDb)
    .addOption(dataPg)
    .addOption({ name: "out", description: "Report file (HTML)", defaultValue: "out/data-report.html" })
    .addOption({
      name: "key",
      description: "Pseudonymisation key (default: RINGFENCE_RELEASE_KEY); empty = shortened addresses",
      defaultValue: "",
    })
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/data/report.js"))
    .build(),
];

export const localTasks: TaskDefinition[] = [
  emptyTask("local", "Local chain helpers (chain 31337 only)").build(),
  task(["local", "advance"], "Move a local chain's clock (to a session's t1 or t2) and republish mock feed rounds")
    .addOption(session)
    .addOption({ name: "to", description: "t1, t2, or a number of seconds to add", defaultValue: "" })
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/local/advance.js"))
    .build(),
  task(["local", "price"], "Publish a new round on a mock feed (LocalMocks) with the given price")
    .addOption({ name: "feed", description: "Address of a mock feed (MockV3Aggregator)", defaultValue: "" })
    .addOption({
      name: "price",
      description: "New answer in human units (the feed's decimals), above 0",
      defaultValue: "",
    })
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/local/price.js"))
    .build(),
];

export const ringfenceTasks: TaskDefinition[] = [
  ...sessionTasks,
  ...marketTasks,
  ...keeperTasks,
  ...dataTasks,
  ...localTasks,
];

export const relayTasks: TaskDefinition[] = [
  task("relay", "Serve session orders and market books over HTTP and WebSocket (docs/relay.md) until Ctrl-C")
    .addOption({ name: "host", description: "Address to listen on", defaultValue: "127.0.0.1" })
    .addOption({ name: "port", description: "Port (0: any free one)", defaultValue: "8700" })
    .addOption({ name: "db", description: "SQLite file of the relay's store", defaultValue: "out/relay.db" })
    .addOption({
      name: "pg",
      description: "PostgreSQL URL (default: the RINGFENCE_PG_URL environment variable, if set)",
      defaultValue: "",
    })
    .addOption({
      name: "sessions",
      description: "Sessions to serve, comma-separated (default: every session of the factory)",
      defaultValue: "",
    })
    .addOption(factory)
    .addOption({
      name: "fromBlock",
      description: "First block to follow on a fresh store (default: the head)",
      defaultValue: "",
    })
    .addOption({
      name: "confirmations",
      description: "Depth of the event follower (default 0: order state is read from the contracts at the head)",
      defaultValue: "",
    })
    .addOption({
      name: "expiryMargin",
      description: "Refuse orders expiring within this many seconds",
      defaultValue: "30",
    })
    .addOption({ name: "pollMs", description: "Milliseconds between chain polls", defaultValue: "1000" })
    .addOption({
      name: "corsOrigin",
      description:
        "Origins whose pages may call the relay, comma-separated, or * for any (default: none, same-origin only)",
      defaultValue: "",
    })
    .addOption({
      name: "operatorAccount",
      description:
        "Matching operator: account (index or address) that proposes matchOrders for crossing orders; empty = off",
      defaultValue: "",
    })
    .addOption({
      name: "markets",
      description: "BoundedMarkets address (default: the chain's Ignition deployment, if any; none: no markets)",
      defaultValue: "",
    })
    .addOption({
      name: "roots",
      description: "Market roots to serve, comma-separated (default: every root, and roots created later)",
      defaultValue: "",
    })
    .addOption({
      name: "marketsFromBlock",
      description: "First block of the markets' history (default: the block the contract was created in)",
      defaultValue: "",
    })
    .addOption({
      name: "relayer",
      description:
        "Account that submits signed market orders and pays their gas: an account index, or the name of a Hardhat configuration variable holding a private key; empty = off (POST answers 501)",
      defaultValue: "",
    })
    .addFlag(json)
    .setAction(() => import("./actions/relay/index.js"))
    .build(),
];
ringfenceTasks.push(...relayTasks);
