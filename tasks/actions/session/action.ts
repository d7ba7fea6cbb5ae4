import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { CliError } from "../../../sdk/cli/args.js";
import {
  cancelAction,
  executeAction,
  listActions,
  scheduleAction,
  type ActionResult,
  type ActionRow,
} from "../../../sdk/cli/margin.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { textTable } from "../../../sdk/report/html.js";
import { MARGIN_ABIS } from "../../../sdk/sessions/margin.js";

export interface ActionArgs {
  session: string;
  do: string;
  kind: string;
  leg: string;
  ratio: string;
  amount: string;
  id: string;
  factory: string;
  account: string;
  json: boolean;
}

function table(rows: ActionRow[]): string {
  if (rows.length === 0) return "no corporate actions";
  return textTable(
    ["id", "kind", "leg", "parameters", "eta", "state"],
    rows.map((a) => [a.id, a.kind, `${a.leg} ${a.symbol}`, a.parameters, a.etaIso, a.state]),
  );
}

function done(verb: string, r: ActionResult): string {
  return [
    `${verb} corporate action ${r.action.id} of ${r.session}`,
    ...(r.approved > 0n ? [`approved ${r.approved} cash-leg token units to the session first`] : []),
    table([r.action]),
    `tx ${r.txHash} (gas ${r.gasUsed})`,
  ].join("\n");
}

export default async function sessionAction(args: ActionArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARGIN_ABIS, async () => {
    const conn = await connect(hre);
    const step = args.do.trim();
    if (step === "list") {
      const rows = await listActions(conn.ethers.provider, args.session, args.factory);
      return { json: rows, text: table(rows) };
    }
    const signer = await selectSigner(conn, args.account);
    if (step === "schedule") {
      const r = await scheduleAction(signer, args.session, args, args.factory);
      return { json: r, text: done("Scheduled", r) };
    }
    if (step === "execute") {
      const r = await executeAction(signer, args.session, args.id, args.factory);
      return { json: r, text: done("Executed", r) };
    }
    if (step === "cancel") {
      const r = await cancelAction(signer, args.session, args.id, args.factory);
      return { json: r, text: done("Cancelled", r) };
    }
    throw new CliError(`--do "${args.do}" must be one of: schedule, execute, cancel, list`);
  });
}
