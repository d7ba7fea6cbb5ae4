/** The relay's error body (docs/relay.md, "API"): `{code, message, field}`, `field` the JSON path at fault or null. */
import type { OrderIssue } from "../sdk/sessions/validate.js";

export const errorOf = (code: string, message: string, field: string | null = null): OrderIssue => ({
  code,
  message,
  field,
});
