/**
 * Salts that share fill-record words. Both families keep a maker's fill records packed on chain: the records of
 * salts 4w .. 4w + 3 share one storage word (see OrderSigning.sol). A maker whose orders count their salts up
 * pays a fresh storage slot (22,100 gas) once every four orders and a rewrite (5,000) for the other three; a
 * random salt per order pays the fresh slot every time.
 *
 * {@link nextSalt} counts up per (venue, maker) from a random start aligned to a word, kept in a
 * {@link SaltStore}: the process's memory by default, a file for the CLI (`sdk/cli/salts.ts`), `localStorage`
 * in the web app. Losing the store only costs gas: the next start is random again, so it never lands on a
 * salt the maker already used (two orders of one maker with one salt would share one fill record).
 * Browser-safe: no Node imports.
 */

/** Where the next salt of each (venue, maker) is kept, as a decimal string. */
export interface SaltStore {
  read(key: string): string | undefined;
  write(key: string, value: string): void;
}

/** A store that lives as long as the process (or page). */
export function memorySaltStore(): SaltStore {
  const m = new Map<string, string>();
  return { read: (k) => m.get(k), write: (k, v) => void m.set(k, v) };
}

/** The default store of {@link nextSalt}: this process's memory. */
export const processSalts: SaltStore = memorySaltStore();

/** Salts of one word: the word is `salt >> 2n`, the lane `salt & 3n`. */
export const SALTS_PER_WORD = 4n;

/**
 * A random start: 62 random bits above two zero bits, so the first salt opens a word of its own. Eight bytes
 * keep the order's calldata small (a zero byte costs 4 gas, another 16) while two starts of one maker on one
 * venue (another device, a lost store) meet with odds of about 2^-62.
 */
export function randomSaltStart(): bigint {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return (v >> 2n) << 2n;
}

/** The key of a (venue, maker) pair in a {@link SaltStore}. */
export function saltKey(chainId: bigint, venue: string, maker: string): string {
  return `${chainId}:${venue.toLowerCase()}:${maker.toLowerCase()}`;
}

/** The salt for the maker's next order on `venue`, counted up from the last one the store saw. */
export function nextSalt(store: SaltStore, chainId: bigint, venue: string, maker: string): bigint {
  const key = saltKey(chainId, venue, maker);
  const kept = store.read(key);
  let salt: bigint;
  try {
    salt = kept === undefined ? randomSaltStart() : BigInt(kept);
  } catch {
    salt = randomSaltStart(); // an unreadable entry: start afresh
  }
  if (salt < 0n || salt >= 1n << 255n) salt = randomSaltStart();
  store.write(key, (salt + 1n).toString());
  return salt;
}
