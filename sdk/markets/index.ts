/**
 * The bounded-markets client: every user action on the markets singleton as a plain function that takes an
 * ethers runner (signer or provider) and typed arguments and returns plain data. Split by concern: ./parse.ts
 * (names and input parsing), ./reads.ts (roots, accounts, verification), ./orderFiles.ts (signed orders as files),
 * ./transactions.ts (every write), ./errors.ts (custom errors and their explanations). Everything here is
 * browser-safe: no Node-only import anywhere in the graph (test/sdk/browser-imports.ts checks it).
 */
export * from "./errors.js";
export * from "./orderFiles.js";
export * from "./parse.js";
export * from "./reads.js";
export * from "./transactions.js";
export * from "./book.js";
export * from "./orderEffect.js";
