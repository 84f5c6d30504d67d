// The back office's screens, in menu order. `ready: false` ones are listed (so the shape of
// the back office is visible) but not linked until they are built.
import type { StaffRole } from "@/lib/auth/roles";

export type SectionIcon = "overview" | "stock" | "import" | "activity" | "alerts" | "sales" | "channels" | "reconcile" | "users";

export interface AdminSection {
  href: string;
  label: string;
  icon: SectionIcon;
  group: "Workspace" | "Inventory" | "Selling" | "Settings";
  /** One line on the overview card. */
  summary: string;
  minimumRole: StaffRole;
  ready: boolean;
}

export const ADMIN_SECTIONS: AdminSection[] = [
  {
    href: "/admin",
    label: "Overview",
    icon: "overview",
    group: "Workspace",
    minimumRole: "merchandiser",
    ready: true,
    summary: "Where things stand, and what the back office can do.",
  },
  {
    href: "/admin/stock",
    label: "Stock",
    icon: "stock",
    group: "Inventory",
    minimumRole: "merchandiser",
    ready: true,
    summary: "On hand, held and safety stock for every SKU, with adjustments that reach shoppers at once.",
  },
  {
    href: "/admin/import",
    label: "Import",
    icon: "import",
    group: "Inventory",
    minimumRole: "merchandiser",
    ready: true,
    summary: "Counts or deliveries for many SKUs from a spreadsheet, previewed row by row before they apply.",
  },
  {
    href: "/admin/activity",
    label: "Activity",
    icon: "activity",
    group: "Inventory",
    minimumRole: "merchandiser",
    ready: true,
    summary: "Every stock event as it happens — holds, sales, adjustments — straight from the ledger.",
  },
  {
    href: "/admin/alerts",
    label: "Alerts",
    icon: "alerts",
    group: "Inventory",
    minimumRole: "merchandiser",
    ready: true,
    summary: "Low-stock and sold-out SKUs, raised live and acknowledged by name.",
  },
  {
    href: "/admin/sales",
    label: "Flash sales",
    icon: "sales",
    group: "Selling",
    minimumRole: "merchandiser",
    ready: true,
    summary: "Schedule drops, watch the queue move, pause or close a sale.",
  },
  {
    href: "/admin/channels",
    label: "Channels",
    icon: "channels",
    group: "Selling",
    minimumRole: "merchandiser",
    ready: true,
    summary: "Marketplace webhooks and the stock changes they send.",
  },
  {
    href: "/admin/reconciliation",
    label: "Reconciliation",
    icon: "reconcile",
    group: "Selling",
    minimumRole: "merchandiser",
    ready: true,
    summary: "Compare the live counts with the ledger and repair any drift.",
  },
  {
    href: "/admin/users",
    label: "Users",
    icon: "users",
    group: "Settings",
    minimumRole: "admin",
    ready: true,
    summary: "Staff accounts, roles and API tokens.",
  },
];
