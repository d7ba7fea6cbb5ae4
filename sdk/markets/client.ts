/**
 * The markets client's former single module, kept so existing imports keep working: it re-exports the public
 * API of ./index.ts. New code imports from ./index.ts or from the module of its concern.
 */
export * from "./index.js";
