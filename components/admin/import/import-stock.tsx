"use client";

// The Import screen's work: read a CSV in the browser, check every row and show what it would
// do against today's counts (nothing changes yet), then apply it in parts with progress. Each
// part is one bulk sync keyed by this import and the part's number, so "Resume" after a lost
// answer re-sends the same part and nothing is applied twice.
import { useRef, useState } from "react";
import { applyImportPart, lookUpImportSkus } from "@/app/admin/actions/import-stock";
import {
  importParts,
  parseImportCsv,
  previewImport,
  type CurrentLevel,
  type ImportPreview,
  type ParsedImport,
} from "@/lib/shared/import-csv";
import { Icon } from "../icons";

/** Rows of each table shown on the screen; the figures above them count every row. */
const SHOWN = 200;
const LOOKUP_PART = 2_000;

/** A v4 UUID from getRandomValues (crypto.randomUUID needs a secure context; the back office may run on plain http). */
function newImportId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const n = (x: number) => x.toLocaleString("en-US");
const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;

type Stage =
  | { kind: "choose"; error?: string }
  | { kind: "checking"; file: string }
  | { kind: "preview"; file: string; parsed: ParsedImport; preview: ImportPreview }
  | { kind: "applying"; file: string; parsed: ParsedImport; preview: ImportPreview; run: Run }
  | { kind: "done"; file: string; parsed: ParsedImport; preview: ImportPreview; run: Run };

interface Run {
  importId: string;
  parts: ReturnType<typeof importParts>;
  /** Parts finished so far (the next one to send). */
  next: number;
  applied: number;
  unchanged: number;
  /** Rows the store refused while applying (a shopper's hold since the preview, say), by file row index. */
  refused: { index: number; message: string }[];
  /** Set when a part could not be sent or was refused as a whole: "Resume" sends it again. */
  error: string | null;
}

export function ImportStock() {
  const [stage, setStage] = useState<Stage>({ kind: "choose" });
  const fileInput = useRef<HTMLInputElement>(null);

  async function check(file: File) {
    setStage({ kind: "checking", file: file.name });
    const parsed = parseImportCsv(await file.text());
    if (parsed.fileError) return setStage({ kind: "choose", error: `${file.name}: ${parsed.fileError}` });
    const skus = [
      ...new Set(
        parsed.rows.map((r) => (typeof r.sku === "string" ? r.sku.trim().toUpperCase() : "")).filter((s) => /^[A-Z0-9._-]{1,64}$/.test(s)),
      ),
    ];
    const levels = new Map<string, CurrentLevel>();
    for (let i = 0; i < skus.length; i += LOOKUP_PART) {
      const answer = await lookUpImportSkus(skus.slice(i, i + LOOKUP_PART));
      if (!answer.ok) return setStage({ kind: "choose", error: answer.ok === false ? answer.error.message : "Try again." });
      for (const level of answer.levels) levels.set(level.sku, level);
    }
    setStage({ kind: "preview", file: file.name, parsed, preview: previewImport(parsed, levels) });
  }

  async function apply(from: Extract<Stage, { kind: "preview" | "applying" }>) {
    const run: Run =
      from.kind === "applying"
        ? { ...from.run, error: null }
        : { importId: newImportId(), parts: importParts(from.preview.send), next: 0, applied: 0, unchanged: 0, refused: [], error: null };
    const base = { file: from.file, parsed: from.parsed, preview: from.preview };
    setStage({ kind: "applying", ...base, run });
    let current = run;
    while (current.next < current.parts.length) {
      const part = current.parts[current.next]!;
      let answer: Awaited<ReturnType<typeof applyImportPart>>;
      try {
        answer = await applyImportPart({ importId: current.importId, part: current.next, rows: part.rows });
      } catch {
        answer = { ok: false, error: { code: "unexpected", message: "The connection to the store was lost." } };
      }
      if (!answer.ok) {
        const message = answer.ok === false ? answer.error.message : "Try again.";
        return setStage({ kind: "applying", ...base, run: { ...current, error: message } });
      }
      current = {
        ...current,
        next: current.next + 1,
        applied: current.applied + answer.applied,
        unchanged: current.unchanged + answer.unchanged,
        refused: [...current.refused, ...answer.problems.map((p) => ({ index: part.indexes[p.index]!, message: p.message ?? "Refused." }))],
      };
      setStage({ kind: "applying", ...base, run: current });
    }
    setStage({ kind: "done", ...base, run: current });
  }

  const reset = () => {
    if (fileInput.current) fileInput.current.value = "";
    setStage({ kind: "choose" });
  };

  return (
    <div className="adm-import" data-testid="import">
      <section className="adm-box" aria-labelledby="import-file-title">
        <div className="adm-box__head">
          <h2 id="import-file-title" className="adm-box__title">
            1. Choose a file
          </h2>
          <p className="adm-muted">Nothing changes until you confirm on the next step.</p>
        </div>
        <div className="adm-import__choose">
          <label htmlFor="import-file" className="adm-label">
            CSV file
          </label>
          <input
            ref={fileInput}
            id="import-file"
            type="file"
            accept=".csv,text/csv"
            className="adm-input adm-import__file"
            data-testid="import-file"
            disabled={stage.kind === "checking" || stage.kind === "applying"}
            aria-describedby="import-file-hint"
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              if (file) void check(file);
            }}
          />
          <p id="import-file-hint" className="adm-hint">
            UTF-8, comma-separated, with a header line. Up to 50,000 rows.
          </p>
        </div>
        <div aria-live="polite" role="status" className="adm-action-status" data-testid="import-status">
          {stage.kind === "choose" && stage.error ? (
            <p className="adm-alert adm-alert--error">
              <Icon name="alert" />
              <span>{stage.error}</span>
            </p>
          ) : stage.kind === "checking" ? (
            <p className="adm-alert adm-alert--info">
              <span className="adm-spinner" aria-hidden="true" />
              <span>Checking {stage.file}…</span>
            </p>
          ) : null}
        </div>
      </section>

      {stage.kind === "preview" || stage.kind === "applying" || stage.kind === "done" ? (
        <Preview stage={stage} onApply={apply} onReset={reset} />
      ) : null}
    </div>
  );
}

function Preview({
  stage,
  onApply,
  onReset,
}: {
  stage: Extract<Stage, { kind: "preview" | "applying" | "done" }>;
  onApply: (from: Extract<Stage, { kind: "preview" | "applying" }>) => void;
  onReset: () => void;
}) {
  const { preview, parsed } = stage;
  const problems = preview.rows.filter((r) => r.problem !== null);
  const changes = preview.rows.filter((r) => r.problem === null && r.before !== r.after && !preview.refusedSkus.includes(r.sku ?? ""));
  const sending = preview.send.rows.length;
  const figures = [
    { label: "Rows", value: n(preview.rows.length), note: `in ${stage.file}` },
    { label: "SKUs", value: n(preview.skus), note: "named in the file" },
    { label: "Changes", value: n(preview.changes), note: "rows that move a count" },
    {
      label: "Problems",
      value: n(problems.length),
      note: problems.length ? "rows to fix or leave out" : "every row is fine",
      warn: problems.length > 0,
    },
  ];
  return (
    <>
      <section className="adm-box" aria-labelledby="import-check-title" data-testid="import-preview">
        <div className="adm-box__head">
          <h2 id="import-check-title" className="adm-box__title">
            2. Check what will change
          </h2>
          <p className="adm-muted">
            Columns read: {parsed.columns.read.join(", ")}.
            {parsed.columns.ignored.length ? ` Ignored: ${parsed.columns.ignored.join(", ")}.` : ""} A row with a count (onHand) sets what
            is on the shelf; a row with a delta adds or removes units. Rows of one SKU apply in file order, all together or not at all.
          </p>
        </div>
        <div className="adm-stats adm-import__stats" data-testid="import-figures">
          {figures.map((f) => (
            <div key={f.label} className={`adm-stat${f.warn ? " adm-stat--low" : ""}`}>
              <p className="adm-stat__label">{f.label}</p>
              <p className="adm-stat__value">{f.value}</p>
              <p className="adm-stat__note">{f.note}</p>
            </div>
          ))}
        </div>

        {problems.length > 0 ? (
          <>
            <h3 className="adm-import__subtitle">Problems</h3>
            <p className="adm-muted adm-import__note">
              {preview.refusedSkus.length > 0
                ? `${plural(preview.refusedSkus.length, "SKU")} with a problem ${preview.refusedSkus.length === 1 ? "is" : "are"} left out entirely; fix the file and import it again to include ${preview.refusedSkus.length === 1 ? "it" : "them"}.`
                : "Rows without a SKU that could be read are left out."}
            </p>
            <RowTable rows={problems} testId="import-problems" kind="problems" />
          </>
        ) : null}

        <h3 className="adm-import__subtitle">Changes</h3>
        {changes.length > 0 ? (
          <RowTable rows={changes} testId="import-changes" kind="changes" />
        ) : (
          <p className="adm-muted" data-testid="import-no-changes">
            No row changes a count: every count already matches.
          </p>
        )}
      </section>

      <section className="adm-box" aria-labelledby="import-apply-title">
        <div className="adm-box__head">
          <h2 id="import-apply-title" className="adm-box__title">
            3. Apply
          </h2>
          <p className="adm-muted">
            Each change is recorded in the stock history with your name and reaches shoppers&rsquo; pages at once. Importing the same file
            again is a new import: its deltas move the counts again, its counts set the same values.
          </p>
        </div>
        <ApplyStep stage={stage} sending={sending} onApply={onApply} onReset={onReset} />
      </section>
    </>
  );
}

function ApplyStep({
  stage,
  sending,
  onApply,
  onReset,
}: {
  stage: Extract<Stage, { kind: "preview" | "applying" | "done" }>;
  sending: number;
  onApply: (from: Extract<Stage, { kind: "preview" | "applying" }>) => void;
  onReset: () => void;
}) {
  if (stage.kind === "preview") {
    return (
      <div className="adm-import__actions">
        <button
          type="button"
          className="adm-button adm-button--primary"
          disabled={sending === 0}
          onClick={() => onApply(stage)}
          data-testid="import-apply"
        >
          <Icon name="check" />
          {sending === 0 ? "Nothing to apply" : `Apply ${plural(sending, "row")}`}
        </button>
        <button type="button" className="adm-button adm-button--secondary" onClick={onReset}>
          Choose another file
        </button>
      </div>
    );
  }
  const { run } = stage;
  const total = run.parts.reduce((s, p) => s + p.rows.length, 0);
  const done = run.parts.slice(0, run.next).reduce((s, p) => s + p.rows.length, 0);
  const fileRows = stage.preview.rows;
  return (
    <div data-testid="import-run">
      <label htmlFor="import-progress" className="adm-label">
        {stage.kind === "done" ? "Finished" : run.error ? "Stopped" : "Applying…"} {n(done)} of {plural(total, "row")}
      </label>
      <progress id="import-progress" className="adm-import__progress" max={total} value={done} data-testid="import-progress" />
      <div aria-live="polite" role="status" className="adm-action-status" data-testid="import-result">
        {run.error ? (
          <p className="adm-alert adm-alert--error">
            <Icon name="alert" />
            <span>
              {run.error} {n(done)} rows were applied before it stopped; &ldquo;Resume&rdquo; sends the rest (a part that did arrive is not
              applied twice).
            </span>
          </p>
        ) : stage.kind === "done" ? (
          <p className={`adm-alert ${run.refused.length ? "adm-alert--info" : "adm-alert--success"}`}>
            <Icon name={run.refused.length ? "alert" : "check"} />
            <span>
              Imported: {plural(run.applied, "row")} applied
              {run.unchanged ? `, ${plural(run.unchanged, "count")} already matched` : ""}
              {run.refused.length ? `, ${plural(run.refused.length, "row")} refused (below)` : ""}.
            </span>
          </p>
        ) : null}
      </div>
      {run.refused.length > 0 ? (
        <RowTable rows={run.refused.map((r) => ({ ...fileRows[r.index]!, problem: r.message }))} testId="import-refused" kind="problems" />
      ) : null}
      <div className="adm-import__actions">
        {run.error ? (
          <button
            type="button"
            className="adm-button adm-button--primary"
            onClick={() => onApply(stage as Extract<Stage, { kind: "applying" }>)}
            data-testid="import-resume"
          >
            Resume
          </button>
        ) : null}
        {stage.kind === "done" || run.error ? (
          <button type="button" className="adm-button adm-button--secondary" onClick={onReset} data-testid="import-again">
            Import another file
          </button>
        ) : null}
      </div>
    </div>
  );
}

function RowTable({ rows, testId, kind }: { rows: ImportPreview["rows"]; testId: string; kind: "problems" | "changes" }) {
  return (
    <div className="adm-table-wrap" tabIndex={0} role="region" aria-label={kind === "problems" ? "Problems by line" : "Changes by line"}>
      <table className="adm-table" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col" className="adm-num">
              Line
            </th>
            <th scope="col">SKU</th>
            {kind === "problems" ? <th scope="col">Problem</th> : null}
            <th scope="col">Product</th>
            <th scope="col" className="adm-num">
              On hand now
            </th>
            <th scope="col" className="adm-num">
              After
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, SHOWN).map((r) => (
            <tr key={r.index} data-testid={`${testId}-line-${r.line}`}>
              <td className="adm-num">{r.line}</td>
              <td>{r.sku ? <code className="adm-sku">{r.sku}</code> : <span className="adm-muted">none</span>}</td>
              {kind === "problems" ? <td className="adm-import__problem">{r.problem}</td> : null}
              <td>
                {r.product ? (
                  <>
                    {r.product} <span className="adm-muted">· {r.variant}</span>
                  </>
                ) : (
                  <span className="adm-muted">–</span>
                )}
              </td>
              <td className="adm-num">{r.before ?? "–"}</td>
              <td className="adm-num">{r.after ?? "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > SHOWN ? <p className="adm-muted adm-import__more">and {n(rows.length - SHOWN)} more rows</p> : null}
    </div>
  );
}
