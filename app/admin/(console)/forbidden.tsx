import Link from "next/link";
import { Icon } from "@/components/admin/icons";

/** Rendered (with status 403) when a signed-in staff member's role is too low for a screen. */
export default function Forbidden() {
  return (
    <div className="adm-page adm-denied" data-testid="admin-forbidden">
      <span className="adm-denied__icon">
        <Icon name="lock" />
      </span>
      <p className="adm-eyebrow">403 · Admins only</p>
      <h1 className="adm-title">You don&rsquo;t have access to this screen</h1>
      <p className="adm-lead">It needs the admin role. Ask an admin if you need something changed here.</p>
      <Link href="/admin" className="adm-button adm-button--primary">
        Back to the overview
      </Link>
    </div>
  );
}
