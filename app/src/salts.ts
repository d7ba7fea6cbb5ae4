/**
 * The page's salt store (../../sdk/salts.ts): the next salt of each (chain, venue, maker) in `localStorage`, so
 * the orders one wallet signs across visits count their salts up and share fill-record words on chain. A
 * browser that refuses storage falls back to the page's memory (orders then start at a random salt: more gas,
 * nothing else).
 */
import { memorySaltStore, type SaltStore } from "../../sdk/salts.js";

const PREFIX = "ringfence.salt.";
const fallback = memorySaltStore();

export const pageSalts: SaltStore = {
  read: (key) => {
    try {
      return localStorage.getItem(PREFIX + key) ?? fallback.read(key);
    } catch {
      return fallback.read(key);
    }
  },
  write: (key, value) => {
    fallback.write(key, value);
    try {
      localStorage.setItem(PREFIX + key, value);
    } catch {
      // storage full or refused: the memory copy serves this page
    }
  },
};
