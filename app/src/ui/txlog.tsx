/**
 * The transactions log: every wallet action (signature or transaction) as pending, then confirmed or failed
 * with its reason decoded, and the `track` wrapper pages use to run and log one.
 */
import { useCallback, useState } from "preact/hooks";

import { explain } from "./explain.js";

export interface TxEntry {
  id: number;
  label: string;
  state: "pending" | "confirmed" | "failed";
  detail: string;
}

let txSeq = 0;

export function TxLog({ txs }: { txs: TxEntry[] }) {
  if (txs.length === 0) return null;
  return (
    <section class="card" data-testid="txlog">
      <h3>Transactions and signatures</h3>
      <ul class="txs">
        {txs
          .slice()
          .reverse()
          .map((t) => (
            <li key={t.id} class={`tx ${t.state}`} data-testid={`tx-${t.state}`}>
              <span class="badge">{t.state}</span> <b>{t.label}</b> <span class="muted">{t.detail}</span>
            </li>
          ))}
      </ul>
    </section>
  );
}

/** Runs one wallet action and logs it; resolves to its result, or undefined when it failed (the log says why). */
export type Track = <T>(label: string, run: () => Promise<T>, done: (r: T) => string) => Promise<T | undefined>;

/** The log's entries and the `track` function that appends to them. */
export function useTxLog(): { txs: TxEntry[]; track: Track } {
  const [txs, setTxs] = useState<TxEntry[]>([]);
  const track: Track = useCallback(async <T,>(label: string, run: () => Promise<T>, done: (r: T) => string) => {
    const id = ++txSeq;
    setTxs((t) => [...t, { id, label, state: "pending", detail: "waiting for the wallet and the chain…" }]);
    try {
      const r = await run();
      setTxs((t) => t.map((x) => (x.id === id ? { ...x, state: "confirmed", detail: done(r) } : x)));
      return r;
    } catch (e) {
      setTxs((t) => t.map((x) => (x.id === id ? { ...x, state: "failed", detail: explain(e) } : x)));
      return undefined;
    }
  }, []);
  return { txs, track };
}
