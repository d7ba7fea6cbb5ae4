/**
 * The order relay's API as the app uses it (docs/relay.md): orders and books over HTTP through the `/relay`
 * proxy, book and order updates over the WebSocket `/relay/ws`.
 */
import type { OrderFile } from "../../sdk/sessions/orderFiles.js";

/** An order as the relay shows it. */
export interface RelayOrder {
  digest: string;
  chainId: string;
  session: string;
  status: string;
  reason: string;
  filledWad: string;
  pair: string | null;
  side: string | null;
  priceWad: string | null;
  order: OrderFile["order"];
  signature: string;
  createdAt: string;
}

export interface BookLevel {
  priceWad: string;
  size: string;
  orders: number;
}
export interface Book {
  pair: string;
  bids: BookLevel[];
  asks: BookLevel[];
}

/** A refusal or failure of the relay: its `{code, message, field}` body. */
export class RelayError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field: string | null,
    readonly status: number,
  ) {
    super(message);
    this.name = "RelayError";
  }
}

const BASE = "/relay";

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(BASE + path, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new RelayError(
      "bad_reply",
      `the relay answered ${res.status} with non-JSON: ${text.slice(0, 120)}`,
      null,
      res.status,
    );
  }
  if (!res.ok) {
    const e = body as { code?: string; message?: string; field?: string | null };
    throw new RelayError(e.code ?? "error", e.message ?? `HTTP ${res.status}`, e.field ?? null, res.status);
  }
  return body as T;
}

export const postOrder = (file: OrderFile) =>
  call<RelayOrder & { duplicate?: boolean }>(`/sessions/${file.session}/orders`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(file),
  });

/** Up to 100 orders of a session (optionally one maker's), oldest first. */
export async function listOrders(session: string, maker?: string): Promise<RelayOrder[]> {
  const q = new URLSearchParams({ limit: "100" });
  if (maker !== undefined) q.set("maker", maker);
  return (await call<{ orders: RelayOrder[] }>(`/sessions/${session}/orders?${q}`)).orders;
}

export async function readBooks(session: string): Promise<Book[]> {
  return (await call<{ books: Book[] }>(`/sessions/${session}/book?depth=20`)).books;
}

/** An order back as the SDK's order file (what `fillOrder` and `cancelOrder` take). */
export function toOrderFile(o: RelayOrder): OrderFile {
  return {
    type: "ringfence-session-order",
    chainId: o.chainId,
    session: o.session,
    digest: o.digest,
    signature: o.signature,
    order: o.order,
    readable: [],
  };
}

/**
 * Subscribes to a session's book and to an account's orders; calls `onChange` on every push. Reconnects after
 * a drop (every 2 s). Returns a function that closes it.
 */
export function watch(session: string, account: string | undefined, onChange: (why: string) => void): () => void {
  let ws: WebSocket | undefined;
  let closed = false;
  const open = () => {
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${BASE}/ws`;
    ws = new WebSocket(url);
    ws.onopen = () => {
      ws?.send(JSON.stringify({ op: "subscribe", channel: "book", session }));
      ws?.send(JSON.stringify({ op: "subscribe", channel: "trades", session }));
      if (account !== undefined) ws?.send(JSON.stringify({ op: "subscribe", channel: "orders", account }));
    };
    ws.onmessage = (m) => {
      const msg = JSON.parse(String(m.data)) as { type?: string };
      if (msg.type === "book" || msg.type === "order" || msg.type === "trade" || msg.type === "reorg")
        onChange(msg.type);
    };
    ws.onclose = () => {
      if (!closed) setTimeout(open, 2000);
    };
  };
  open();
  return () => {
    closed = true;
    ws?.close();
  };
}
