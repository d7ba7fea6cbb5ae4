/**
 * The CLI's salt store: the next salt of each (chain, venue, maker) in a small JSON file, so the orders one
 * maker signs from separate `order` commands count their salts up and share fill-record words on chain
 * (see ../salts.ts). Deleting the file only costs gas: the next order starts at a random salt again.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

import type { SaltStore } from "../salts.js";

export function fileSaltStore(path: string): SaltStore {
  const load = (): Record<string, string> => {
    try {
      const v: unknown = JSON.parse(readFileSync(path, "utf8"));
      return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, string>) : {};
    } catch {
      return {}; // missing or unreadable: start afresh
    }
  };
  return {
    read: (key) => {
      const v = load()[key];
      return typeof v === "string" ? v : undefined;
    },
    write: (key, value) => {
      const all = load();
      all[key] = value;
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(all, null, 2) + "\n");
      renameSync(tmp, path); // atomic: a crash never leaves half a file
    },
  };
}

/** The store the Hardhat tasks use: `ringfence-salts.json` in the project's cache folder. */
export function cliSaltStore(cacheDir: string): SaltStore {
  return fileSaltStore(join(cacheDir, "ringfence-salts.json"));
}
