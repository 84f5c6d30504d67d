// Where the checkout and the stack's data live.
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
/** Where `npm run up` keeps Redis, Postgres, generated secrets and the running stack's URLs. */
export const DEFAULT_DATA_DIR = process.env.STOCKWIRE_DATA_DIR ? path.resolve(process.env.STOCKWIRE_DATA_DIR) : path.join(ROOT, ".data");
