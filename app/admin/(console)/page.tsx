import type { Metadata } from "next";
import Link from "next/link";
import { Icon } from "@/components/admin/icons";
import { ADMIN_SECTIONS } from "@/components/admin/sections";
import { hasRole, STAFF_SESSION_IDLE_SECONDS } from "@/lib/auth";
import { requireStaffPage } from "@/lib/auth/next";
import { backOfficeSummary, type BackOfficeSummary } from "@/lib/backoffice";
import { appDeps } from "@/lib/context";

export const metadata: Metadata = { title: "Overview" };

async function loadSummary(): Promise<BackOfficeSummary | null> {
  try {
    return await backOfficeSummary(appDeps());
  } catch (err) {
    console.error("[admin] overview figures unavailable", err);
    return null;
  }
}

export default async function OverviewPage() {
  const staff = await requireStaffPage("merchandiser");
  const summary = await loadSummary();
  const isAdmin = hasRole(staff.role, "admin");
  const firstName = staff.name.split(/\s+/)[0] ?? staff.name;
  const screens = ADMIN_SECTIONS.filter((s) => s.href !== "/admin" && hasRole(staff.role, s.minimumRole));
  const figures: { label: string; value: number | null; note: string }[] = [
    { label: "Products", value: summary?.products ?? null, note: `${summary?.skus ?? "–"} SKUs on sale` },
    { label: "Open flash sales", value: summary?.openSales ?? null, note: "scheduled, live or paused" },
    { label: "Stock events, 24 h", value: summary?.eventsLastDay ?? null, note: "holds, sales and adjustments" },
    { label: "Staff with access", value: summary?.activeStaff ?? null, note: `${summary?.activeApiTokens ?? "–"} active API tokens` },
  ];

  return (
    <div className="adm-page" data-testid="admin-overview">
      <header className="adm-page__header">
        <div>
          <p className="adm-eyebrow">Overview</p>
          <h1 className="adm-title">Welcome back, {firstName}</h1>
          <p className="adm-lead">
            You are signed in as <strong>{staff.email}</strong> with the <strong>{staff.role}</strong> role. Your session stays open
            while you work and ends after {STAFF_SESSION_IDLE_SECONDS / 3600} hours without activity.
          </p>
        </div>
      </header>

      <section aria-label="At a glance" className="adm-stats">
        {figures.map((f) => (
          <div key={f.label} className="adm-stat">
            <p className="adm-stat__label">{f.label}</p>
            <p className="adm-stat__value">{f.value === null ? "–" : f.value.toLocaleString("en-US")}</p>
            <p className="adm-stat__note">{f.note}</p>
          </div>
        ))}
        {summary === null ? (
          <p className="adm-alert adm-alert--error adm-stats__error" role="status">
            <Icon name="alert" />
            <span>The figures are unavailable right now: the database did not answer.</span>
          </p>
        ) : null}
      </section>

      <section className="adm-section" aria-labelledby="screens-title">
        <div className="adm-section__head">
          <h2 id="screens-title" className="adm-section__title">
            Your back office
          </h2>
          <p className="adm-muted">Screens marked “Coming next” are being built; the admin API already covers stock and sales.</p>
        </div>
        <ul className="adm-cards">
          {screens.map((s) => (
            <li key={s.href} className={`adm-card${s.ready ? " adm-card--ready" : ""}`}>
              <span className="adm-card__icon">
                <Icon name={s.icon} />
              </span>
              <div className="adm-card__body">
                <div className="adm-card__head">
                  <h3 className="adm-card__title">
                    {s.ready ? (
                      <Link href={s.href} className="adm-card__link">
                        {s.label}
                      </Link>
                    ) : (
                      s.label
                    )}
                  </h3>
                  <span className={`adm-pill${s.ready ? " adm-pill--ok" : ""}`}>{s.ready ? "Open" : "Coming next"}</span>
                </div>
                <p className="adm-card__text">{s.summary}</p>
              </div>
            </li>
          ))}
        </ul>
      </section>

      <section className="adm-section adm-panel" aria-labelledby="api-title">
        <div className="adm-panel__icon">
          <Icon name="key" />
        </div>
        <div>
          <h2 id="api-title" className="adm-section__title">
            Scripts and channels
          </h2>
          <p className="adm-muted">
            The admin API (<code>/api/v1/admin/…</code>) accepts this browser session or <code>Authorization: Bearer &lt;token&gt;</code>.{" "}
            {isAdmin ? (
              <>
                Issue a token per script or channel under <Link href="/admin/users#tokens">Users → API tokens</Link>, with the least role it needs.
              </>
            ) : (
              <>Ask an admin for an API token with the merchandiser role.</>
            )}
          </p>
        </div>
      </section>
    </div>
  );
}
