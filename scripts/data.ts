/**
 * The data set as a script: `npx hardhat run scripts/data.ts --network localhost` indexes the deployment
 * into out/ringfence.db (or PostgreSQL when RINGFENCE_PG_URL is set) and exports out/export/*.csv,
 * pseudonymised under RINGFENCE_RELEASE_KEY when it is set, holding back rows younger than
 * RINGFENCE_RELEASE_DELAY seconds. The same steps as tasks: `npx hardhat data index` then `data export`.
 */
import hre from "hardhat";

import dataExport from "../tasks/actions/data/export.js";
import dataIndex from "../tasks/actions/data/index.js";

const db = process.env.RINGFENCE_DB ?? "out/ringfence.db";
const indexed = await dataIndex(
  {
    db,
    pg: "",
    fromBlock: "0",
    confirmations: "0",
    factory: process.env.RINGFENCE_FACTORY ?? "",
    account: "0",
    json: false,
  },
  hre,
);
if (indexed !== undefined) {
  await dataExport(
    {
      db,
      pg: "",
      out: "out/export",
      key: "",
      delay: process.env.RINGFENCE_RELEASE_DELAY ?? "0",
      account: "0",
      json: false,
    },
    hre,
  );
}
