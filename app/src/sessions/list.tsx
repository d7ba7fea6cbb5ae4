/** The session list: every session of the factory with its kind, legs, phase, window and shares. */
import { useEffect, useState } from "preact/hooks";
import type { ContractRunner } from "ethers";

import { isoTime } from "../../../sdk/input.js";
import { listSessions, type SessionSummary } from "../sdk.js";
import { explain } from "../ui/explain.js";
import { short } from "../ui/format.js";

export function SessionList({ runner, factory }: { runner: ContractRunner; factory: string }) {
  const [rows, setRows] = useState<SessionSummary[] | undefined>();
  const [err, setErr] = useState("");
  useEffect(() => {
    if (factory === "") return setErr("No session factory configured (set RF_FACTORY or ?factory=0x…).");
    listSessions(runner, factory).then(setRows, (e: unknown) => setErr(explain(e)));
  }, [runner, factory]);
  return (
    <section class="card">
      <h2>Sessions</h2>
      {err !== "" && <p class="error">{err}</p>}
      {rows === undefined && err === "" && <p class="muted">Loading sessions…</p>}
      {rows !== undefined && (
        <table data-testid="sessions">
          <thead>
            <tr>
              <th>#</th>
              <th>Session</th>
              <th>Kind</th>
              <th>Legs</th>
              <th>Phase</th>
              <th>Trading window (t1 → t2)</th>
              <th class="num">Shares</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.address}>
                <td>{s.index}</td>
                <td>
                  <a href={`#/session/${s.address}`} data-testid="session-link">
                    {short(s.address)}
                  </a>
                </td>
                <td>{s.kind}</td>
                <td>{s.legs}</td>
                <td>{s.phase}</td>
                <td>
                  {isoTime(s.t1)} → {isoTime(s.t2)}
                </td>
                <td class="num">{s.totalShares.toString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
