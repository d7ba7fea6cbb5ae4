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

export const sessionTasks: TaskDefinition[] = [
  emptyTask("session", "Session pools: create, subscribe, sign and fill orders, settle, claim").build(),
  task(["session", "list"], "List every session the factory created")
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/session/list.js"))
    .build(),
  task(["session", "show"], "Show a session: status, windows, legs, prices, and an account's allocation")
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
  task(["session", "order"], "Sign an order (the selected account is the maker) and write it to a file")
    .addOption(session)
    .addOption({ name: "legs", description: "Leg indices, comma-separated (e.g. 2,3)", defaultValue: "" })
    .addOption({
      name: "amounts",
      description: "Maker's change per leg in human units, + receives, - gives (e.g. 4,-1)",
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

export const dataTasks: TaskDefinition[] = [
  emptyTask("data", "The data set: index events into SQL, export CSVs").build(),
  task(["data", "index"], "Index the deployment's events into SQLite (default) or PostgreSQL")
    .addOption({ name: "db", description: "SQLite file", defaultValue: "out/ringfence.db" })
    .addOption({
      name: "pg",
      description: "PostgreSQL URL (default: the RINGFENCE_PG_URL environment variable, if set)",
      defaultValue: "",
    })
    .addOption({ name: "fromBlock", description: "First block to read", defaultValue: "0" })
    .addOption({
      name: "confirmations",
      description: "Blocks a log must be under before it is read",
      defaultValue: "0",
    })
    .addOption(factory)
    .addOption(account)
    .addFlag(json)
    .setAction(() => import("./actions/data/index.js"))
    .build(),
  task(["data", "export"], "Export order flow and position trajectories as CSV (pseudonymised)")
    .addOption({ name: "db", description: "SQLite file", defaultValue: "out/ringfence.db" })
    .addOption({ name: "pg", description: "PostgreSQL URL (default: RINGFENCE_PG_URL, if set)", defaultValue: "" })
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
];

export const ringfenceTasks: TaskDefinition[] = [...sessionTasks, ...keeperTasks, ...dataTasks, ...localTasks];
