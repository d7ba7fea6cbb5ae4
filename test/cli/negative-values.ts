/**
 * Negative numbers on the command line. Hardhat's parser takes any word that starts with "-" for an option, so
 * `--amounts -5,3` or `--min -20` never reach a task; the documented form (docs/cli.md) puts the value in
 * quotes after a space, `--amounts " -5,3"`, which the parser passes through as a value and the commands trim.
 * These tests run argv through the same parser functions as `npx hardhat` (Hardhat's CLI module), then the task
 * with the arguments that come out, and once through the real `hardhat` binary in a child process.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { expect } from "chai";
import type { Task } from "hardhat/types/tasks";

import { parseAmount, parseList, readJsonFile } from "../../sdk/cli/args.js";
import { marketsAt } from "../../sdk/markets/abi.js";
import type { OrderFile } from "../../sdk/sessions/client.js";
import { WAD, createPhysical } from "../sessions/fixtures.js";
import { capture, deployShared, hre, sharedConnection, tempDir } from "./helpers.js";

const hardhatDir = path.dirname(createRequire(import.meta.url).resolve("hardhat/package.json"));

/** The functions of Hardhat's CLI parser that `npx hardhat` runs, in order (hardhat 3.18, pinned). */
interface CliParser {
  parseRawArguments(raw: string[]): string[];
  parseBuiltinGlobalOptions(args: string[], used: boolean[]): Promise<unknown>;
  parseGlobalOptions(definitions: Map<string, unknown>, args: string[], used: boolean[]): Promise<unknown>;
  parseTask(args: string[], used: boolean[], tasks: Map<string, Task>): Task | string[];
  parseTaskArguments(args: string[], used: boolean[], task: Task): Record<string, unknown>;
}
const parser = (await import(
  pathToFileURL(path.join(hardhatDir, "dist/src/internal/cli/parser.js")).href
)) as CliParser;

/** What `npx hardhat <argv>` would hand to the task: the task and its parsed arguments, or Hardhat's error. */
async function parseCli(argv: string[]): Promise<{ task: Task; args: Record<string, unknown> }> {
  const args = parser.parseRawArguments(argv);
  const used = new Array<boolean>(args.length).fill(false);
  await parser.parseBuiltinGlobalOptions(args, used);
  await parser.parseGlobalOptions(new Map(), args, used);
  const task = parser.parseTask(args, used, hre.tasks.rootTasks);
  if (Array.isArray(task)) throw new Error(`no task ${task.join(" ")}`);
  return { task, args: parser.parseTaskArguments(args, used, task) };
}

/** Runs a command line in-process, as the binary would after parsing; output captured. */
async function runCli(argv: string[]) {
  const { task, args } = await parseCli(argv);
  return capture(() => task.run(args));
}

describe("CLI: negative numbers", function () {
  it("hardhatRefusesAValueThatStartsWithMinus_beforeAnyTaskRuns", async function () {
    for (const argv of [
      ["session", "order", "--amounts", "-5,3"],
      ["session", "order", "--amounts=-5,3"], // the "=" form is split into two words first
      ["market", "create-root", "--min", "-20"],
      ["market", "report", "--outcome", "-1.5"],
    ]) {
      let message = "";
      try {
        await parseCli(argv);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, argv.join(" ")).to.match(
        /^HHE509: Invalid option "-[0-9.,]+". Options cannot be grouped together/,
      );
    }
  });

  it("quotedWithLeadingSpace_passesHardhatsParserUnchanged", async function () {
    const { args } = await parseCli(["session", "order", "--legs", "0,1", "--amounts", " -5,3"]);
    expect(args.amounts).to.equal(" -5,3");
    const eq = await parseCli(["market", "create-root", "--min= -20", "--max", "80"]);
    expect([eq.args.min, eq.args.max]).to.deep.equal([" -20", "80"]);
  });

  it("parsersTrimTheLeadingSpace", function () {
    expect(parseList(" -5,3", "--amounts")).to.deep.equal(["-5", "3"]);
    expect(parseAmount(" -20", 0, "--min")).to.equal(-20n);
    expect(parseAmount(" -1.5", 6, "--amounts")).to.equal(-1_500_000n);
  });

  it("sessionOrder_withNegativeFirstAmount_signsIt", async function () {
    const b = await deployShared(2); // leg decimals 18, 6
    const session = await (await createPhysical(b)).getAddress();
    const out = path.join(tempDir(), "order.json");
    const r = await runCli([
      "session",
      "order",
      "--session",
      session,
      "--legs",
      "0,1",
      "--amounts",
      " -5,3",
      "--out",
      out,
      "--account",
      "3",
      "--factory",
      await b.factory.getAddress(),
    ]);
    expect(r.exitCode, r.err).to.equal(0);
    const file = readJsonFile(out, "order") as OrderFile;
    expect(file.order.maker).to.equal(b.alice.address);
    expect(file.order.amounts).to.deep.equal([(-5n * WAD).toString(), (3n * 10n ** 6n).toString()]);
  });

  it("marketCreateRootAndPostBounds_withNegativeBounds", async function () {
    const conn = await sharedConnection();
    const admin = await conn.ethers.deployContract("BoundedMarketsAdmin");
    const markets = await (await conn.ethers.deployContract("BoundedMarkets", [await admin.getAddress()])).getAddress();
    const usdc = await conn.ethers.deployContract("MockERC20", ["USD Coin", "USDC", 6]);
    const created = await runCli([
      "market",
      "create-root",
      "--collateral",
      await usdc.getAddress(),
      "--min",
      " -20",
      "--max",
      "80",
      "--markets",
      markets,
      "--json",
    ]);
    expect(created.exitCode, created.err).to.equal(0);
    const rootId = String((JSON.parse(created.out) as { rootId: string }).rootId);
    const core = marketsAt(markets, conn.ethers.provider);
    expect(await core.market(BigInt(rootId), 1)).to.deep.equal([-20n, 80n]);
    const posted = await runCli([
      "market",
      "post-bounds",
      "--root",
      rootId,
      "--branch",
      "1",
      "--min=  -7",
      "--markets",
      markets,
    ]);
    expect(posted.exitCode, posted.err).to.equal(0);
    const root = await core.root(BigInt(rootId));
    expect([root.lo, root.hi]).to.deep.equal([-7n, 80n]);
  });

  it("realBinary_refusesBareNegative_andAcceptsTheQuotedForm", function () {
    this.timeout(60_000);
    const cli = path.join(hardhatDir, "dist/src/cli.js");
    const run = (amounts: string) =>
      spawnSync(
        process.execPath,
        [cli, "session", "order", "--session", "0x" + "00".repeat(19) + "01", "--legs", "0,1", "--amounts", amounts],
        { encoding: "utf8" },
      );
    const bare = run("-5,3");
    expect(bare.status).to.not.equal(0);
    expect(bare.stdout + bare.stderr).to.match(/HHE509/);
    const quoted = run(" -5,3");
    expect(quoted.status).to.equal(1);
    // The task ran: the message is the command's own, about the (empty) session address, not Hardhat's.
    expect(quoted.stderr).to.match(/^error: unknown session 0x0{39}1: no contract there on this network/m);
  });
});
