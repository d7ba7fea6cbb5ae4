/**
 * Command-line input: the parsing of ../input.ts (re-exported, so the CLI imports one module) plus the JSON
 * file reading and writing that only Node can do. Every function throws a {@link CliError} whose message names
 * the bad value and says what a good one looks like, so nothing malformed ever reaches a transaction.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

import { CliError, toJsonText } from "../input.js";

export {
  CliError,
  formatAmount,
  isoTime,
  parseAddress,
  parseAmount,
  parseFraction,
  parseInteger,
  parseList,
  parseTime,
  toJsonText,
} from "../input.js";

/** Reads and parses a JSON file, with a message naming the file on every failure. */
export function readJsonFile(path: string, what: string): unknown {
  if (path.trim() === "") throw new CliError(`${what} is required: pass the path of a JSON file`);
  if (!existsSync(path)) throw new CliError(`${what} file "${path}" does not exist`);
  try {
    return JSON.parse(readFileSync(path, "utf8")) as unknown;
  } catch (e) {
    throw new CliError(`${what} file "${path}" is not valid JSON: ${(e as Error).message}`);
  }
}

/** Writes `v` as JSON (bigints as decimal strings) with a final newline. */
export function writeJsonFile(path: string, v: unknown): void {
  writeFileSync(path, toJsonText(v) + "\n");
}
