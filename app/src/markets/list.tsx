/** The roots of the markets singleton: each root's number X, range, possible range, status and expiry. */
import { useEffect, useState } from "preact/hooks";
import type { JsonRpcProvider } from "ethers";

import { isoTime } from "../../../sdk/input.js";
import { loadRoot, openMarkets, type RootInfo } from "../../../sdk/markets/index.js";
import { explain } from "../ui/explain.js";
import { fmt } from "../ui/format.js";

/** Every root of `markets`, newest first (at most the 50 newest). */
async function listRoots(rpc: JsonRpcProvider, markets: string): Promise<RootInfo[]> {
  const m = await openMarkets(rpc, markets);
  const count = Number(await m.rootCount());
  const ids: bigint[] = [];
  for (let id = count; id >= 1 && ids.length < 50; id--) ids.push(BigInt(id));
  return Promise.all(ids.map((id) => loadRoot(rpc, markets, id)));
}

export function RootList({ rpc, markets }: { rpc: JsonRpcProvider; markets: string }) {
  const [rows, setRows] = useState<RootInfo[] | undefined>();
  const [err, setErr] = useState("");
  useEffect(() => {
    if (markets === "") return setErr("No markets contract configured (set RF_MARKETS or ?markets=0x…).");
    listRoots(rpc, markets).then(setRows, (e: unknown) => setErr(explain(e)));
  }, [rpc, markets]);
  return (
    <section class="card">
      <h2>Markets</h2>
      <p class="muted">
        Each root is one uncertain number X; its markets pay (clamp(X, min, max) − min) / (max − min) of one contract at
        settlement. The book is on chain: orders are placed by their traders' own transactions.
      </p>
      {err !== "" && <p class="error">{err}</p>}
      {rows === undefined && err === "" && <p class="muted">Loading roots…</p>}
      {rows !== undefined && rows.length === 0 && <p class="muted">No roots yet.</p>}
      {rows !== undefined && rows.length > 0 && (
        <table data-testid="roots">
          <thead>
            <tr>
              <th>Root</th>
              <th>Collateral</th>
              <th class="num">Range of X</th>
              <th class="num">Possible now</th>
              <th class="num">Markets</th>
              <th>Status</th>
              <th>Expiry</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const top = r.branches[0];
              return (
                <tr key={r.rootId.toString()}>
                  <td>
                    <a href={`#/markets/${r.rootId}`} data-testid="root-link">
                      Root {r.rootId.toString()}
                    </a>
                  </td>
                  <td>{r.collateral.symbol}</td>
                  <td class="num">
                    [{fmt(top.min, r.decimals)}, {fmt(top.max, r.decimals)}]
                  </td>
                  <td class="num">
                    [{fmt(r.lo, r.decimals)}, {fmt(r.hi, r.decimals)}]
                  </td>
                  <td class="num">{r.branches.length}</td>
                  <td>{r.phase}</td>
                  <td>{isoTime(r.expiry)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
