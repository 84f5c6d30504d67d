// One rule for every text and number that can reach Postgres or a log line (issue 12, defect 1).
//
// Postgres `text` cannot hold NUL, its UTF-8 encoder refuses lone surrogates, and `integer` is
// 32-bit; a log line with a newline in a field forges a second line. Each of these once
// stopped the ledger or could forge a log, so they are refused here, at the edge, with a 400
// and a sentence — never discovered later by the persister. Client-safe: pure zod, no node:*.
import { z } from "zod";

/** Postgres `integer` bounds: every count, delta and version column is one. */
export const PG_INT_MIN = -2_147_483_648;
export const PG_INT_MAX = 2_147_483_647;

// A UTF-16 surrogate that is not part of a pair (what `"\uD800"` in JSON produces).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// C0 controls (NUL included) and DEL, and the C1 block; tab, newline and carriage return are
// judged separately (a browser sends a textarea's line breaks as CR LF).
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LINE_BREAK = /[\n\r\u2028\u2029]/;
// Bidirectional embeddings, overrides and isolates: "\u202Egpj.exe" shows as "exe.jpg" in the
// back office and in logs. Text in a right-to-left script needs none of them.
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;

export type TextProblem = "nul" | "lone_surrogate" | "control" | "bidi_control" | "line_break" | "too_long";

/** Why `value` cannot be stored as text, or null when it can. `max` counts code points. */
export function textProblem(value: string, opts: { max: number; multiline?: boolean }): TextProblem | null {
  if (value.includes("\u0000")) return "nul";
  if (LONE_SURROGATE.test(value)) return "lone_surrogate";
  if (CONTROL.test(value)) return "control";
  if (BIDI_CONTROL.test(value)) return "bidi_control";
  if (!opts.multiline && (LINE_BREAK.test(value) || value.includes("\t"))) return "line_break";
  // Cheap bound first: a string longer than 2 × max UTF-16 units has more than max code points.
  if (value.length > opts.max && (value.length > opts.max * 2 || [...value].length > opts.max)) return "too_long";
  return null;
}

const PROBLEM_MESSAGE: Record<TextProblem, string> = {
  nul: "must not contain NUL characters",
  lone_surrogate: "must be valid Unicode (it contains a lone surrogate)",
  control: "must not contain control characters",
  bidi_control: "must not contain text-direction override characters",
  line_break: "must be a single line",
  too_long: "is too long",
};

/**
 * A storable text field: valid Unicode, no NUL or control characters, single-line unless
 * `multiline`, at most `max` characters, trimmed by default. Use this for every string a
 * route, Server Action, webhook or socket handler may pass to Postgres or a log.
 */
export function storableText(opts: { max: number; min?: number; multiline?: boolean; trim?: boolean }) {
  const base = opts.trim === false ? z.string() : z.string().trim();
  return (
    base
      .superRefine((s, ctx) => {
        const problem = textProblem(s, opts);
        if (problem) {
          ctx.addIssue({
            code: "custom",
            message: problem === "too_long" ? `must be at most ${opts.max} characters` : PROBLEM_MESSAGE[problem],
          });
        }
      })
      .refine((s) => s.length >= (opts.min ?? 0), opts.min === 1 ? "must not be empty" : `must be at least ${opts.min} characters`)
      // The refinements are invisible to JSON Schema: state the bounds for the OpenAPI document.
      .meta({ maxLength: opts.max, ...(opts.min ? { minLength: opts.min } : {}) })
  );
}

/** A whole number that fits a Postgres `integer` (and the given bounds, if tighter). */
export function pgInt(opts: { min?: number; max?: number } = {}) {
  return z
    .number()
    .int()
    .min(Math.max(opts.min ?? PG_INT_MIN, PG_INT_MIN))
    .max(Math.min(opts.max ?? PG_INT_MAX, PG_INT_MAX));
}

/** Whether a number fits a Postgres `integer`. */
export function isPgInt(n: number): boolean {
  return Number.isInteger(n) && n >= PG_INT_MIN && n <= PG_INT_MAX;
}

/**
 * The same rule for code that is handed a string without a schema (a domain function called
 * from several edges): throws a message naming the field. Callers turn it into a 400.
 */
export function assertStorableText(field: string, value: string, opts: { max: number; multiline?: boolean }): void {
  const problem = textProblem(value, opts);
  if (problem) {
    throw new TypeError(`${field} ${problem === "too_long" ? `must be at most ${opts.max} characters` : PROBLEM_MESSAGE[problem]}`);
  }
}

/**
 * A value made safe for one field of a log line: line breaks and control characters escaped,
 * lone surrogates replaced, long values cut. Never throws.
 */
export function logField(value: unknown, max = 500): string {
  const s = typeof value === "string" ? value : String(value);
  const cut = s.length > max ? `${s.slice(0, max)}…(${s.length - max} more)` : s;
  return cut
    .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}
