import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { CliError, isoTime, parseInteger, parseList, writeJsonFile } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { cliSaltStore } from "../../../sdk/cli/salts.js";
import { textTable } from "../../../sdk/report/html.js";
import { SESSION_ABIS, signOrder } from "../../../sdk/sessions/client.js";

export interface OrderArgs {
  session: string;
  legs: string;
  amounts: string;
  taker: string;
  expiryHours: string;
  nonce: string;
  maxFeeBps: string;
  out: string;
  /** A Safe maker/trader (the selected account is its owner); "" or absent: the account itself. */
  safe?: string;
  factory: string;
  account: string;
  json: boolean;
}

export default async function sessionOrder(args: OrderArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, SESSION_ABIS, async () => {
    const legs = parseList(args.legs, "--legs").map((s) => Number(parseInteger(s, "leg index")));
    const amounts = parseList(args.amounts, "--amounts");
    const hours = Number(args.expiryHours);
    if (!Number.isFinite(hours) || hours <= 0)
      throw new CliError(`--expiry-hours "${args.expiryHours}" must be a positive number of hours`);
    if (args.out.trim() === "") throw new CliError("--out is required: the file to write the signed order to");
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const file = await signOrder(signer, {
      session: args.session,
      legs,
      amounts,
      taker: args.taker,
      expiryHours: hours,
      nonce: args.nonce === "" ? undefined : parseInteger(args.nonce, "--nonce"),
      maxFeeBps: args.maxFeeBps === "" ? undefined : parseInteger(args.maxFeeBps, "--max-fee-bps"),
      factory: args.factory,
      safe: args.safe ?? "",
      saltStore: cliSaltStore(hre.config.paths.cache),
    });
    writeJsonFile(args.out, file);
    return {
      json: { file: args.out, ...file },
      text: [
        (args.safe ?? "") === ""
          ? `Signed order ${file.digest} by ${file.order.maker} in ${file.session}`
          : `Signed order ${file.digest} by the Safe ${file.order.maker} (owner ${signer.address}) in ${file.session}`,
        textTable(
          ["leg", "symbol", "maker change (+ receives, - gives)"],
          file.readable.map((r) => [r.leg, r.symbol, r.amount]),
        ),
        `taker ${file.order.taker === "0x0000000000000000000000000000000000000000" ? "anyone" : file.order.taker}, max fee ${file.order.maxFeeBps} bps, nonce ${file.order.nonce}, expires ${isoTime(BigInt(file.order.expiry))}`,
        `written to ${args.out}`,
      ].join("\n"),
    };
  });
}
