// The back office's stock import (/admin/import): a CSV read in the browser (papaparse), checked
// row by row with the same zod row as PUT /api/v1/admin/inventory (bulk-rows.ts), previewed
// against the current levels, and sent in parts that never split a SKU. Pure and client-safe:
// the screen runs it, and tests/unit/import-csv.test.ts pins it.
import Papa from "papaparse";
import { bulkRowProblem, type BulkRowInput } from "./bulk-rows";

/** Rows one file may have (the screen sends them in parts of at most BULK_MAX_ROWS). */
export const IMPORT_MAX_ROWS = 50_000;
/** A part's JSON stays well under the Server Action body limit (1 MB). */
const PART_MAX_BYTES = 512 * 1024;
const PART_MAX_ROWS = 2_000;
const PG_INT_MAX = 2_147_483_647;
/** Rows one SKU may have in a file: its rows travel in one part, which must stay small. */
export const IMPORT_MAX_ROWS_PER_SKU = 500;

/** The columns the import reads, by their normalised header; anything else is reported as ignored. */
const COLUMNS: Record<string, keyof BulkRowInput> = {
  sku: "sku",
  location: "location",
  onhand: "onHand",
  count: "onHand",
  delta: "delta",
  change: "delta",
  reason: "reason",
  note: "note",
};

const normalise = (header: string) =>
  header
    .replace(/^\uFEFF/, "")
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, "");

/** "12", "+5", "−3" (a typographic minus) and "1,200" are whole numbers; anything else stays text for the row check to refuse. */
function numberOf(text: string): number | string {
  const t = text.trim().replace(/^\u2212/, "-");
  if (/^[+-]?\d+$/.test(t)) return Number(t);
  if (/^[+-]?\d{1,3}(,\d{3})+$/.test(t)) return Number(t.replaceAll(",", ""));
  return t;
}

export interface ParsedImport {
  /** One object per data row, in the API's row shape (blank cells left out). */
  rows: Record<string, unknown>[];
  /** The file's line of each row (1 is the header), for messages a person can find in the file. */
  lines: number[];
  columns: { read: string[]; ignored: string[] };
  /** Problems with the file as a whole: nothing can be previewed. */
  fileError: string | null;
}

export function parseImportCsv(text: string): ParsedImport {
  const empty = (fileError: string): ParsedImport => ({ rows: [], lines: [], columns: { read: [], ignored: [] }, fileError });
  const parsed = Papa.parse<string[]>(text, { skipEmptyLines: "greedy" });
  const [header, ...data] = parsed.data;
  if (!header || header.length === 0) return empty("The file is empty.");
  const fields = header.map((h) => COLUMNS[normalise(h)] ?? null);
  const read = header.filter((_, i) => fields[i] !== null).map((h) => h.trim());
  const ignored = header.filter((_, i) => fields[i] === null && header[i]!.trim() !== "").map((h) => h.trim());
  if (!fields.includes("sku")) return empty("The first line must name the columns, one of them “sku”.");
  if (!fields.includes("onHand") && !fields.includes("delta"))
    return empty("Add an “onHand” column (the count on the shelf) or a “delta” column (a change, e.g. 12 or -3).");
  if (new Set(fields.filter(Boolean)).size !== fields.filter(Boolean).length) return empty("A column is named twice.");
  if (data.length === 0) return empty("The file has a header but no rows.");
  if (data.length > IMPORT_MAX_ROWS) return empty(`A file may have at most ${IMPORT_MAX_ROWS.toLocaleString("en")} rows; split it.`);

  // papaparse counts lines itself; a quoted cell may span lines, so track them from its cursor.
  const lines: number[] = [];
  let line = 2;
  const rows = data.map((cells) => {
    lines.push(line);
    line += 1 + cells.reduce((n, c) => n + (c.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
    const row: Record<string, unknown> = {};
    fields.forEach((field, i) => {
      const cell = cells[i]?.trim() ?? "";
      if (!field || cell === "") return;
      row[field] =
        field === "onHand" || field === "delta" ? numberOf(cell) : field === "location" || field === "reason" ? cell.toLowerCase() : cell;
    });
    if (cells.length > header.length && cells.slice(header.length).some((c) => c.trim() !== "")) row.__extra = true;
    return row;
  });
  return { rows, lines, columns: { read, ignored }, fileError: null };
}

/** What the store holds for a SKU now (from the lookup action). */
export interface CurrentLevel {
  sku: string;
  product: string;
  variant: string;
  onHand: number;
  reserved: number;
  safety: number;
}

export interface PreviewRow {
  index: number;
  line: number;
  sku: string | null;
  product?: string;
  variant?: string;
  /** On hand before and after this row (rows of a SKU apply in file order). */
  before?: number;
  after?: number;
  problem: string | null;
}

export interface ImportPreview {
  rows: PreviewRow[];
  skus: number;
  /** SKUs with a problem on any row: none of their rows is sent. */
  refusedSkus: string[];
  /** The valid rows to send, in file order, and their indexes in the file. */
  send: { rows: BulkRowInput[]; indexes: number[] };
  changes: number;
}

/** Check every row and play each SKU's rows against its current level, as the bulk sync will. */
export function previewImport(parsed: ParsedImport, levels: ReadonlyMap<string, CurrentLevel>): ImportPreview {
  const current = new Map<string, number>();
  const valid: (BulkRowInput | null)[] = [];
  const rows: PreviewRow[] = parsed.rows.map((raw, index) => {
    const line = parsed.lines[index] ?? index + 2;
    const { __extra, ...fields } = raw;
    const checked = bulkRowProblem(fields);
    const sku = checked.ok ? checked.row.sku : typeof fields.sku === "string" ? fields.sku.trim().toUpperCase() || null : null;
    valid.push(checked.ok && !__extra ? checked.row : null);
    if (__extra) return { index, line, sku, problem: "This line has more cells than the header has columns." };
    if (!checked.ok) return { index, line, sku, problem: checked.message };
    const level = levels.get(checked.row.sku);
    if (!level) return { index, line, sku, problem: `There is no SKU ${checked.row.sku} in the catalog.` };
    const before = current.get(level.sku) ?? level.onHand;
    const after = checked.row.onHand ?? before + checked.row.delta!;
    const floor = level.reserved + level.safety;
    const base = { index, line, sku, product: level.product, variant: level.variant, before, after };
    current.set(level.sku, after);
    if (after < floor)
      return {
        ...base,
        problem: `On hand would be ${after}, below the ${level.reserved} held for shoppers plus ${level.safety} safety stock.`,
      };
    if (after > PG_INT_MAX) return { ...base, problem: "On hand would be larger than the store can count." };
    return { ...base, problem: null };
  });

  const perSku = new Map<string, number>();
  for (const r of rows) if (r.sku !== null) perSku.set(r.sku, (perSku.get(r.sku) ?? 0) + 1);
  for (const r of rows)
    if (r.problem === null && r.sku !== null && perSku.get(r.sku)! > IMPORT_MAX_ROWS_PER_SKU)
      r.problem = `${r.sku} has ${perSku.get(r.sku)} rows; a file may have at most ${IMPORT_MAX_ROWS_PER_SKU} per SKU.`;
  const refused = new Set(rows.filter((r) => r.problem !== null && r.sku !== null).map((r) => r.sku!));
  const send: ImportPreview["send"] = { rows: [], indexes: [] };
  let changes = 0;
  rows.forEach((r, i) => {
    const row = valid[i];
    if (!row || r.problem !== null || refused.has(row.sku)) return;
    send.rows.push(row);
    send.indexes.push(i);
    if (r.before !== r.after) changes++;
  });
  const skus = new Set(rows.map((r) => r.sku).filter((s): s is string => s !== null)).size;
  return { rows, skus, refusedSkus: [...refused].sort(), send, changes };
}

/**
 * Split the rows to send into parts of at most PART_MAX_ROWS rows and PART_MAX_BYTES of JSON,
 * never splitting a SKU's rows (each part is one bulk sync; a SKU is atomic only within one).
 * A SKU has at most IMPORT_MAX_ROWS_PER_SKU rows, so its part stays within both limits.
 */
export function importParts(send: ImportPreview["send"]): { rows: BulkRowInput[]; indexes: number[] }[] {
  const bySku = new Map<string, number[]>();
  send.rows.forEach((row, i) => {
    const positions = bySku.get(row.sku);
    if (positions) positions.push(i);
    else bySku.set(row.sku, [i]);
  });
  const parts: { rows: BulkRowInput[]; indexes: number[] }[] = [];
  let part = { rows: [] as BulkRowInput[], indexes: [] as number[] };
  let bytes = 0;
  for (const positions of bySku.values()) {
    const size = positions.reduce((n, i) => n + JSON.stringify(send.rows[i]).length + 1, 0);
    if (part.rows.length > 0 && (part.rows.length + positions.length > PART_MAX_ROWS || bytes + size > PART_MAX_BYTES)) {
      parts.push(part);
      part = { rows: [], indexes: [] };
      bytes = 0;
    }
    for (const i of positions) {
      part.rows.push(send.rows[i]!);
      part.indexes.push(send.indexes[i]!);
    }
    bytes += size;
  }
  if (part.rows.length > 0) parts.push(part);
  return parts;
}
