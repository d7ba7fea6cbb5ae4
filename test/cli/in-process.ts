/**
 * The CLI on the in-process chain: it starts empty in every process, so a deployment file that a node run left
 * for the same chain id (31337, `--network localhost`) must not be taken for it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";

import { deployedAddress, deploymentFile, inProcess } from "../../sdk/cli/run.js";
import sessionList from "../../tasks/actions/session/list.js";
import { capture, hre, sharedConnection } from "./helpers.js";

const STALE = "0x000000000000000000000000000000000000dEaD";

/** Runs `body` with a stale chain-31337 deployment file in place, restoring whatever was there before. */
async function withStaleDeployment(body: () => Promise<void>): Promise<void> {
  const file = deploymentFile(31337n);
  const before = existsSync(file) ? readFileSync(file) : undefined;
  const created = mkdirSync(path.dirname(file), { recursive: true }); // the first directory made, if any
  writeFileSync(file, JSON.stringify({ "Sessions#SessionFactory": STALE, "Markets#BoundedMarkets": STALE }));
  try {
    await body();
  } finally {
    if (before !== undefined) writeFileSync(file, before);
    else if (created !== undefined) rmSync(created, { recursive: true });
    else rmSync(file);
  }
}

describe("CLI on the in-process network", () => {
  it("ignoresADeploymentFileForItsChainId_andSaysWhatToPass", async () => {
    const conn = await sharedConnection();
    expect(inProcess(conn)).to.equal(true);
    await withStaleDeployment(async () => {
      await expect(deployedAddress(conn, "", "Sessions#SessionFactory", "--factory")).to.be.rejectedWith(
        /in-process network starts empty.*pass --factory, or use a node \(--network localhost\)/,
      );
      const r = await capture(() => sessionList({ factory: "", account: "0", json: false }, hre));
      expect(r.exitCode).to.equal(1);
      expect(r.err).to.match(/pass --factory/);
      expect(r.err).to.not.include(STALE);
    });
  });

  it("stillTakesAnExplicitAddress", async () => {
    const conn = await sharedConnection();
    expect(await deployedAddress(conn, STALE.toLowerCase(), "Sessions#SessionFactory", "--factory")).to.equal(STALE);
  });
});
