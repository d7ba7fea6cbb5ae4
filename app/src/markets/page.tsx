/**
 * One root's page: the root (X's range, the possible range, status, schedule, source), its tree of markets with
 * bounds and best prices, the selected market's on-chain book with depth, order entry (place and take) with the
 * collateral the order locks shown before the wallet signs, my collateral (deposit, withdraw), my positions and
 * resting orders with the payoff chart across X, and redemption once the root is final. Everything is read from
 * the chain through the SDK, again on every new block.
 */
import { useCallback, useEffect, useState } from "preact/hooks";
import { Contract, type JsonRpcProvider, type Signer } from "ethers";

import { isoTime } from "../../../sdk/input.js";
import {
  accountView,
  ERC20_ABI,
  loadRoot,
  marketParents,
  readBook,
  traderOnRoot,
  type AccountView,
  type MarketBook,
  type RootInfo,
  type TraderOnRoot,
} from "../../../sdk/markets/index.js";
import { explain } from "../ui/explain.js";
import { fmt, short } from "../ui/format.js";
import type { Track } from "../ui/txlog.js";
import { MarketBookView } from "./book.js";
import { Collateral } from "./collateral.js";
import { OrderEntry, type Prefill } from "./orderEntry.js";
import { Positions } from "./positions.js";
import { outcome, unitOf } from "./units.js";

export interface RootData {
  info: RootInfo;
  parents: Map<number, number>;
  book: MarketBook;
  me?: TraderOnRoot;
  /** The account over all its roots in this collateral: cash, worst cases, what a withdrawal may take. */
  acct?: AccountView;
  /** The wallet's collateral balance and its allowance to the markets contract. */
  wallet?: { balance: bigint; allowance: bigint };
  block: number;
}

async function loadRootData(
  rpc: JsonRpcProvider,
  markets: string,
  rootId: bigint,
  branchId: number,
  account?: string,
): Promise<RootData> {
  const block = await rpc.getBlockNumber();
  const info = await loadRoot(rpc, markets, rootId);
  const branch = info.branches.some((b) => b.branchId === branchId) ? branchId : 1;
  const token = new Contract(info.collateral.address, ERC20_ABI, rpc);
  const [parents, book, me, acct, wallet] = await Promise.all([
    marketParents(rpc, info),
    readBook(rpc, info, branch),
    account === undefined ? undefined : traderOnRoot(rpc, info, account),
    account === undefined ? undefined : accountView(rpc, markets, account, info.collateral.address),
    account === undefined
      ? undefined
      : Promise.all([token.balanceOf(account), token.allowance(account, markets)]).then(([b, a]) => ({
          balance: BigInt(b),
          allowance: BigInt(a),
        })),
  ]);
  return { info, parents, book, me, acct, wallet, block };
}

export function RootPage(props: {
  rpc: JsonRpcProvider;
  markets: string;
  rootId: bigint;
  branchId: number;
  signer?: Signer;
  account?: string;
  track: Track;
}) {
  const { rpc, markets, rootId, branchId, signer, account, track } = props;
  const [data, setData] = useState<RootData | undefined>();
  const [err, setErr] = useState("");
  const [tick, setTick] = useState(0);
  const [prefill, setPrefill] = useState<Prefill | undefined>();
  const refresh = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    let stale = false;
    loadRootData(rpc, markets, rootId, branchId, account).then(
      (d) => !stale && (setData(d), setErr("")),
      (e: unknown) => !stale && setErr(explain(e)),
    );
    return () => {
      stale = true;
    };
  }, [rpc, markets, rootId, branchId, account, tick]);

  // the book lives on chain: read it again on every new block
  useEffect(() => {
    const onBlock = () => refresh();
    void rpc.on("block", onBlock);
    return () => void rpc.off("block", onBlock);
  }, [rpc, refresh]);

  if (err !== "") return <p class="banner error">{err}</p>;
  if (data === undefined) return <p class="muted">Loading root {rootId.toString()}…</p>;
  const { info } = data;
  const branch = info.branches.find((b) => b.branchId === data.book.branchId) ?? info.branches[0];
  const trading = info.status === "open" && info.now < info.expiry;
  const top = info.branches[0];
  const unit = unitOf(info);

  return (
    <div data-testid="root-page">
      <section class="card">
        <h2>
          Root {info.rootId.toString()}{" "}
          <span class={`pill ${trading ? "ok" : ""}`} data-testid="root-status">
            {info.phase}
          </span>
        </h2>
        <div class="grid4">
          <div>
            <div class="label">Range of X (root market)</div>
            <span data-testid="root-range">
              [{outcome(info, top.min)}, {outcome(info, top.max)}]
            </span>
          </div>
          <div>
            <div class="label">Possible now [lo, hi]</div>
            <b data-testid="root-possible">
              [{outcome(info, info.lo)}, {outcome(info, info.hi)}]
            </b>
            {info.status === "settled" && <span> · settled at X = {outcome(info, info.lo)}</span>}
          </div>
          <div>
            <div class="label">Collateral · one contract pays</div>
            {info.collateral.symbol} · {fmt(unit, info.collateral.decimals)} {info.collateral.symbol}
          </div>
          <div>
            <div class="label">Settlement source · owner</div>
            {info.source} · <code>{short(info.owner)}</code>
          </div>
          <div>
            <div class="label">Chain time · block</div>
            {isoTime(info.now)} · <span data-testid="block">{data.block}</span>
          </div>
          <div>
            <div class="label">Trading stops (expiry)</div>
            {isoTime(info.expiry)}
          </div>
          <div>
            <div class="label">Void deadline</div>
            {isoTime(info.voidDeadline)}
          </div>
          <div>
            <div class="label">Record head</div>
            <code>{short(info.head)}</code>
          </div>
        </div>
      </section>

      <div class="cols">
        <Tree data={data} selected={branch.branchId} />
        <MarketBookView
          info={info}
          book={data.book}
          ownKeys={new Set(data.me?.opens.map((o) => o.orderKey))}
          canTake={signer !== undefined && trading}
          onTake={(p) => setPrefill({ ...p, branchId: branch.branchId, nonce: Date.now() })}
        />
      </div>

      {signer !== undefined && account !== undefined && data.me !== undefined && trading && (
        <OrderEntry
          key={prefill?.nonce ?? 0}
          data={data}
          branchId={branch.branchId}
          prefill={prefill}
          signer={signer}
          markets={markets}
          track={track}
          refresh={refresh}
        />
      )}
      {signer !== undefined && account !== undefined && (
        <div class="cols">
          <Collateral data={data} signer={signer} markets={markets} track={track} refresh={refresh} />
          <Positions data={data} signer={signer} markets={markets} track={track} refresh={refresh} />
        </div>
      )}
      {signer === undefined && <p class="banner">Connect a wallet on the right network to trade.</p>}
    </div>
  );
}

/** The root's markets as a tree (children under their parent), each with bounds, best prices and my position. */
function Tree({ data, selected }: { data: RootData; selected: number }) {
  const { info, parents, me } = data;
  const children = (p: number) => info.branches.filter((b) => parents.get(b.branchId) === p);
  const node = (b: RootInfo["branches"][number], depth: number): preact.JSX.Element => {
    const pos = me?.positions.get(b.branchId) ?? 0n;
    return (
      <>
        <tr
          key={b.branchId}
          class={b.branchId === selected ? "selected" : ""}
          data-testid="market-node"
          data-branch={b.branchId}
        >
          <td style={{ paddingLeft: `${8 + depth * 18}px` }}>
            {depth > 0 && <span class="muted">└ </span>}
            <a href={`#/markets/${info.rootId}/${b.branchId}`} data-testid={`market-link-${b.branchId}`}>
              #{b.branchId}
            </a>
          </td>
          <td class="num" data-testid={`bounds-${b.branchId}`}>
            [{outcome(info, b.min)}, {outcome(info, b.max)}]
          </td>
          <td class="num">{b.bestBid === undefined ? "—" : (b.bestBid / 100).toFixed(2)}</td>
          <td class="num">{b.bestAsk === undefined ? "—" : (b.bestAsk / 100).toFixed(2)}</td>
          <td class={`num ${pos > 0n ? "up" : pos < 0n ? "down" : ""}`}>{pos === 0n ? "" : pos.toString()}</td>
        </tr>
        {children(b.branchId).map((c) => node(c, depth + 1))}
      </>
    );
  };
  return (
    <section class="card" data-testid="tree">
      <h3>Markets of this root</h3>
      <table>
        <thead>
          <tr>
            <th>Market</th>
            <th class="num">Bounds [min, max]</th>
            <th class="num">Bid</th>
            <th class="num">Ask</th>
            <th class="num">Mine</th>
          </tr>
        </thead>
        <tbody>{node(info.branches[0], 0)}</tbody>
      </table>
      <p class="muted">
        A market pays (clamp(X, min, max) − min) / (max − min) of a contract. The possible range only narrows as the
        owner posts bounds; at one number the root is settled.
      </p>
    </section>
  );
}
