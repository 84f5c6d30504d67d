// Checks answers against the OpenAPI document the store serves: the operation exists, the status
// is one it documents, the content type is the documented one, and a JSON body matches the
// documented schema (responses are strict objects, so an undocumented field fails too).
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

export interface RecordedAnswer {
  method: string;
  path: string;
  status: number;
  type: string;
  body: string | null;
}

interface DocOperation {
  responses?: Record<string, { content?: Record<string, unknown> }>;
}
export interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, DocOperation>>;
  components?: unknown;
}

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

export class Contract {
  private readonly ajv: Ajv2020;
  private readonly routes: { method: string; template: string; pattern: RegExp; op: DocOperation }[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly doc: OpenApiDoc) {
    // OpenAPI 3.1 schemas are JSON Schema 2020-12; `example` is an OpenAPI annotation.
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(this.ajv);
    this.ajv.addSchema(doc as object, "openapi");
    this.routes = Object.entries(doc.paths).flatMap(([template, item]) =>
      Object.entries(item)
        .filter(([method]) => ["get", "post", "put", "patch", "delete"].includes(method))
        .map(([method, op]) => ({
          method,
          template,
          op,
          pattern: new RegExp(`^${template.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+")}$`),
        })),
    );
  }

  /** The documented operation for a method and a concrete path, or undefined. */
  operationOf(method: string, path: string) {
    return this.routes.find((r) => r.method === method.toLowerCase() && r.pattern.test(path));
  }

  get operations(): string[] {
    return this.routes.map((r) => `${r.method} ${r.template}`);
  }

  /** Every way the answer breaks the document (empty when it conforms). */
  check(answer: RecordedAnswer): string[] {
    const where = `${answer.method.toUpperCase()} ${answer.path} → ${answer.status}`;
    const route = this.operationOf(answer.method, answer.path);
    if (!route) return [`${where}: no such operation in the document`];
    const documented = route.op.responses?.[String(answer.status)];
    if (!documented) return [`${where}: status ${answer.status} is not documented for ${route.method} ${route.template}`];
    const types = Object.keys(documented.content ?? {});
    if (types.length === 0) return [];
    const type = types.find((t) => answer.type.startsWith(t));
    if (!type) return [`${where}: content type "${answer.type}" is not one of ${types.join(", ")}`];
    if (type !== "application/json") return [];
    let body: unknown;
    try {
      body = JSON.parse(answer.body ?? "");
    } catch {
      return [`${where}: the body is not JSON`];
    }
    const ref = `openapi#/${pointer("paths", route.template, route.method, "responses", String(answer.status), "content", type, "schema")}`;
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(ref, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${where}: ${e.instancePath || "(body)"} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`);
  }

  /** The operation a recorded answer belongs to, as `method template`. */
  keyOf(answer: RecordedAnswer): string | undefined {
    const route = this.operationOf(answer.method, answer.path);
    return route && `${route.method} ${route.template}`;
  }
}
