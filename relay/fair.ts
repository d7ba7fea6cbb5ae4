/**
 * Fair scheduling of the costly part of accepting an order (EIP-712 hashing, signature recovery, the chain
 * reads): one queue per client address, served round-robin by a few workers, so a client with many orders
 * waiting delays another client's order by at most `concurrency` jobs, not by its whole backlog; and each
 * address may have at most `maxPerKey` orders waiting (the rest are refused at once, for the cost of a
 * counter), so a flood cannot take the event loop while the requests behind it are still being read.
 */
export class FairQueue {
  private queues = new Map<string, Array<() => Promise<void>>>();
  private order: string[] = [];
  private active = 0;
  private pending = 0;

  constructor(
    private readonly concurrency = 4,
    /** Most jobs waiting from one key; beyond it `run` refuses that key's job at once (`KeyBacklogFull`). */
    readonly maxPerKey = 16,
    /** Most jobs waiting in all queues together; beyond it `run` refuses at once (`QueueFull`). */
    readonly maxPending = 10_000,
  ) {}

  get waiting(): number {
    return this.pending;
  }

  /** Runs `fn` when `key`'s turn comes; rejects with a `QueueFull` error when too much is waiting. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    if (this.pending >= this.maxPending) return Promise.reject(new QueueFull(this.maxPending));
    if ((this.queues.get(key)?.length ?? 0) >= this.maxPerKey)
      return Promise.reject(new KeyBacklogFull(this.maxPerKey));
    return new Promise<T>((resolve, reject) => {
      let q = this.queues.get(key);
      if (q === undefined) {
        q = [];
        this.queues.set(key, q);
        this.order.push(key);
      }
      q.push(() => fn().then(resolve, reject));
      this.pending++;
      this.pump();
    });
  }

  private pump(): void {
    while (this.active < this.concurrency && this.order.length > 0) {
      const key = this.order.shift() as string;
      const q = this.queues.get(key) as Array<() => Promise<void>>;
      const job = q.shift() as () => Promise<void>;
      if (q.length > 0)
        this.order.push(key); // back of the line: the next key goes first
      else this.queues.delete(key);
      this.active++;
      this.pending--;
      // setImmediate: let new requests be read (and queued) between jobs
      setImmediate(() => {
        job().finally(() => {
          this.active--;
          this.pump();
        });
      });
    }
  }
}

export class QueueFull extends Error {
  constructor(readonly max: number) {
    super(`the relay has ${max} orders waiting to be checked: try again shortly`);
    this.name = "QueueFull";
  }
}

export class KeyBacklogFull extends Error {
  constructor(readonly max: number) {
    super(`${max} orders from this address are already waiting to be checked: slow down`);
    this.name = "KeyBacklogFull";
  }
}
