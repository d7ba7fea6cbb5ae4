import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseInteger, readJsonFile } from "../../../sdk/cli/args.js";
import { placeText } from "../../../sdk/cli/market-format.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { cliSaltStore } from "../../../sdk/cli/salts.js";
import { placeOrder } from "../../../sdk/markets/client.js";
import { MARKET_ABIS, marketsAddress, parseBranch, parseHours } from "./common.js";

export interface PlaceArgs {
  order: string;
  root: string;
  branch: string;
  side: string;
  price: string;
  quantity: string;
  type: string;
  expiryHours: string;
  maxLevels: string;
  markets: string;
  account: string;
  json: boolean;
}

export default async function marketPlace(args: PlaceArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARKET_ABIS, async () => {
    const maxLevels = parseInteger(args.maxLevels, "--max-levels", 1n);
    const source =
      args.order !== ""
        ? { file: readJsonFile(args.order, "--order") }
        : {
            input: {
              root: args.root,
              branch: parseBranch(args.branch),
              price: args.price,
              quantity: args.quantity,
              side: args.side,
              type: args.type,
              expiryHours: parseHours(args.expiryHours, "--expiry-hours"),
              saltStore: cliSaltStore(hre.config.paths.cache),
            },
          };
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await placeOrder(signer, await marketsAddress(conn, args.markets), source, maxLevels);
    return { json: r, text: placeText(r) };
  });
}
