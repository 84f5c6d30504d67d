import Link from "next/link";
import type { ReactNode } from "react";
import { AdminNav } from "@/components/admin/admin-nav";
import { AlertToasts } from "@/components/admin/alerts/alert-toasts";
import { initials } from "@/components/admin/format";
import { BrandMark, Icon } from "@/components/admin/icons";
import { ADMIN_SECTIONS } from "@/components/admin/sections";
import { hasRole } from "@/lib/auth";
import { requireStaffPage } from "@/lib/auth/next";
import { logOut } from "../actions/log-out";

/** The signed-in back office: menu, who is signed in, log out. No session → the sign-in page. */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const staff = await requireStaffPage("merchandiser");
  const sections = ADMIN_SECTIONS.filter((s) => hasRole(staff.role, s.minimumRole));
  return (
    <div className="adm-shell">
      <aside className="adm-sidebar">
        <div className="adm-sidebar__top">
          <Link href="/admin" className="adm-brand" aria-label="Stockwire back office">
            <BrandMark />
            <span className="adm-brand__name">Stockwire</span>
            <span className="adm-brand__tag">Back office</span>
          </Link>
          <Link href="/" className="adm-sidebar__shop" title="Open the storefront">
            <Icon name="shop" />
            <span>Storefront</span>
          </Link>
        </div>
        <AdminNav sections={sections} />
        <div className="adm-account" data-testid="account">
          <span className="adm-avatar" aria-hidden="true">
            {initials(staff.name)}
          </span>
          <span className="adm-account__who" title={staff.email ?? undefined}>
            <span className="adm-account__name" data-testid="account-name">
              {staff.name}
            </span>
            <span className={`adm-role adm-role--${staff.role}`} data-testid="account-role">
              {staff.role}
            </span>
          </span>
          <form action={logOut}>
            <button type="submit" className="adm-icon-button" aria-label="Log out" title="Log out" data-testid="logout">
              <Icon name="logout" />
            </button>
          </form>
        </div>
      </aside>
      <div className="adm-main" id="admin-main">
        {children}
      </div>
      <AlertToasts />
    </div>
  );
}
