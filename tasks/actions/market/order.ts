import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { CliError, isoTime, parseInteger, writeJsonFile } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { cliSaltStore } from "../../../sdk/cli/salts.js";
import { signOrder } from "../../../sdk/markets/client.js";
import { MARKET_ABIS, marketsAddress, parseBranch, parseHours } from "./common.js";

export interface OrderArgs {
  root: string;
  branch: string;
  side: string;
  price: string;
  quantity: string;
  type: string;
  expiryHours: string;
  nonce: string;
  out: string;
  /** A Safe maker/trader (the selected account is its owner); "" or absent: the account itself. */
  safe?: string;
  markets: string;
  account: string;
  json: boolean;
}

export default async function marketOrder(args: OrderArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARKET_ABIS, async () => {
    if (args.out.trim() === "") throw new CliError("--out is required: the file to write the signed order to");
    const input = {
      root: args.root,
      branch: parseBranch(args.branch),
      price: args.price,
      quantity: args.quantity,
      side: args.side,
      type: args.type,
      expiryHours: parseHours(args.expiryHours, "--expiry-hours"),
      nonce: args.nonce === "" ? undefined : parseInteger(args.nonce, "--nonce"),
      safe: args.safe ?? "",
      saltStore: cliSaltStore(hre.config.paths.cache),
    };
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const file = await signOrder(signer, await marketsAddress(conn, args.markets), input);
    writeJsonFile(args.out, file);
    const o = file.readable;
    return {
      json: { file: args.out, ...file },
      text: [
        `Signed order ${file.digest} by ${(args.safe ?? "") === "" ? file.order.trader : `the Safe ${file.order.trader} (owner ${signer.address})`}: ${o.side} ${o.contracts} @ ${o.price} (${o.type}) on root ${file.order.rootId} branch ${file.order.branchId}`,
        `nonce ${file.order.nonce}, expires ${isoTime(BigInt(file.order.expiry))}; anyone may submit it with "market place --order ${args.out}"`,
        `written to ${args.out}`,
      ].join("\n"),
    };
  });
}
