// Request bodies of the staff management API and forms (users, API tokens).
import { z } from "zod";
import { apiTokenName } from "./api-tokens";
import { staffRole } from "./roles";
import { staffEmail, staffName, staffPassword } from "./users";

export const userCreateBody = z.strictObject({ email: staffEmail, name: staffName, role: staffRole, password: staffPassword });
export const userUpdateBody = z.strictObject({ disabled: z.boolean() });
export const apiTokenCreateBody = z.strictObject({ name: apiTokenName, role: staffRole });
/** User and token ids as issued (u_… / tok_…). */
export const staffRecordId = z.string().regex(/^(?:u|tok)_[A-Za-z0-9_-]{8,40}$/, "not a valid id");
