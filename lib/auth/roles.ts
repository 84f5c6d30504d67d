// The two staff roles. An admin can do everything a merchandiser can, and manage users and API tokens.
import { z } from "zod";

export const STAFF_ROLES = ["merchandiser", "admin"] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
export const staffRole = z.enum(STAFF_ROLES);

const RANK: Record<StaffRole, number> = { merchandiser: 1, admin: 2 };

/** Whether `role` includes everything `minimum` may do. */
export function hasRole(role: StaffRole, minimum: StaffRole): boolean {
  return RANK[role] >= RANK[minimum];
}

/** A role read from the database; anything unknown is treated as the least privileged role. */
export function toStaffRole(value: string): StaffRole {
  return value === "admin" ? "admin" : "merchandiser";
}
