/** Shared set-up of the relay tests: a deployment on a fresh in-process chain, signed order bodies, HTTP over loopback. */
import http from "node:http";

import { network } from "hardhat";
import WebSocket from "ws";

import { orderToFile } from "../../sdk/sessions/client.js";
import { hashSessionOrder, sessionDomain, type SessionOrder } from "../../sdk/sessions/orders.js";
import { startRelay, type Relay, type RelayOptions } from "../../relay/index.js";
import {
  createCash,
  createPhysical,
  DAY,
  deployBase,
  makeOrder,
  sign,
  subscribeCash,
  subscribePhysical,
  type Base,
} from "../sessions/fixtures.js";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { CashSession, PhysicalSession } from "../../types/ethers-contracts/index.js";

export const WAD = 10n ** 18n;

export interface Env {
  /** The in-process chain's connection (its EIP-1193 `provider` serves test/relay/multiprocess.ts's JSON-RPC bridge). */
  conn: Awaited<ReturnType<typeof network.create>>;
  b: Base;
  physical: PhysicalSession;
  cash: CashSession;
  P: string;
  C: string;
}

/** Three legs; a physical session (alice and bob hold 10 shares) and a cash one (alice 10 shares); clock at t1. */
export async function deployEnv(): Promise<Env> {
  const conn = await network.create();
  const b = await deployBase(conn, 3);
  const physical = await createPhysical(b);
  const cash = await createCash(b);
  await subscribePhysical(b, physical, b.alice, 10n);
  await subscribePhysical(b, physical, b.bob, 10n);
  await subscribeCash(b, cash, b.alice, 10n);
  await subscribeCash(b, cash, b.bob, 10n);
  await b.networkHelpers.time.increaseTo(b.now + DAY);
  return {
    conn,
    b,
    physical,
    cash,
    P: (await physical.getAddress()).toLowerCase(),
    C: (await cash.getAddress()).toLowerCase(),
  };
}

/** A signed order file as `session order` writes it. */
export async function orderBody(
  b: Base,
  session: { getAddress(): Promise<string> },
  signer: HardhatEthersSigner,
  order: SessionOrder,
): Promise<Record<string, unknown>> {
  const addr = await session.getAddress();
  const sig = await sign(b, session, signer, order);
  const digest = hashSessionOrder(order, sessionDomain(addr, b.chainId));
  return orderToFile(b.chainId, addr, order, sig, digest, []) as unknown as Record<string, unknown>;
}

/** A physical order of alice: gives `give` of leg 0 (whole tokens, 18 decimals) for `get` of leg 1 (6 decimals). */
export async function aliceOrder(
  env: Env,
  over: Partial<SessionOrder> = {},
  give = 1n,
  get = 2n,
): Promise<SessionOrder> {
  return makeOrder(env.b, env.b.alice.address, [0, 1], [-give * 10n ** 18n, get * 10n ** 6n], over);
}

export async function relayOn(env: Env, over: Partial<RelayOptions> = {}): Promise<Relay> {
  return startRelay({
    provider: env.b.ethers.provider,
    sessions: [env.P, env.C],
    pollMs: 3_600_000, // tests drive the follower with sync() unless they say otherwise
    fromBlock: 0n,
    onError: () => undefined,
    ...over,
  });
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  ms: number;
  headers: http.IncomingHttpHeaders;
}

/** One HTTP request over loopback from `localAddress` (127.0.0.x: each is its own client IP). */
export function request(
  url: string,
  method: string,
  body?: string | object,
  opts: { localAddress?: string; contentType?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const t0 = performance.now();
  const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        localAddress: opts.localAddress,
        agent: false,
        headers: {
          ...(payload === undefined
            ? {}
            : { "content-type": opts.contentType ?? "application/json", "content-length": Buffer.byteLength(payload) }),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            parsed = { raw: text };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, ms: performance.now() - t0, headers: res.headers });
        });
      },
    );
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** A WebSocket client that keeps every message it received. */
export async function wsClient(relay: Relay): Promise<{ ws: WebSocket; msgs: Array<Record<string, unknown>> }> {
  const ws = new WebSocket(relay.url.replace("http", "ws") + "/ws");
  const msgs: Array<Record<string, unknown>> = [];
  ws.on("message", (d) => msgs.push(JSON.parse(String(d)) as Record<string, unknown>));
  await new Promise<void>((res, rej) => {
    ws.once("open", () => res());
    ws.once("error", rej);
  });
  return { ws, msgs };
}

/** Waits until `pred` holds (polling every 10 ms) or `ms` pass; returns the elapsed time or throws. */
export async function until(pred: () => boolean, ms: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (!pred()) {
    if (performance.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - t0;
}
