import type { Metadata } from "next";
import Link from "next/link";
import { Icon } from "@/components/admin/icons";
import { ADMIN_SECTIONS } from "@/components/admin/sections";
import { hasRole, STAFF_SESSION_IDLE_SECONDS } from "@/lib/auth";
import { requireStaffPage } from "@/lib/auth/next";
import {
  backOfficeSummary,
  propagationReports,
  todayFigures,
  type BackOfficeSummary,
  type PropagationReport,
  type TodayFigures,
} from "@/lib/backoffice";
import { appDeps } from "@/lib/core/deps";
import { logFor } from "@/lib/core/log";

const logger = logFor("admin");

export const metadata: Metadata = { title: "Overview" };

async function loadSummary(): Promise<BackOfficeSummary | null> {
  try {
    return await backOfficeSummary(appDeps());
  } catch (err) {
    logger.error("[admin] overview figures unavailable", err);
    return null;
  }
}

async function loadToday(): Promise<TodayFigures | null> {
  try {
    return await todayFigures(appDeps());
  } catch (err) {
    logger.error("[admin] today's figures unavailable", err);
    return null;
  }
}

async function loadPropagation(): Promise<PropagationReport[] | null> {
  try {
    return await propagationReports(appDeps());
  } catch (err) {
    logger.error("[admin] propagation figures unavailable", err);
    return null;
  }
}

const ms = (v: number | null) => (v === null ? "–" : v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`);

export default async function OverviewPage() {
  const staff = await requireStaffPage("merchandiser");
  const [summary, today, propagation] = await Promise.all([loadSummary(), loadToday(), loadPropagation()]);
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
            You are signed in as <strong>{staff.email}</strong> with the <strong>{staff.role}</strong> role. Your session stays open while
            you work and ends after {STAFF_SESSION_IDLE_SECONDS / 3600} hours without activity.
          </p>
        </div>
      </header>

      <section aria-label="Today" className="adm-stats adm-stats--today" data-testid="overview-today">
        {todayCards(today).map((f) => (
          <div key={f.label} className="adm-stat">
            <p className="adm-stat__label">{f.label}</p>
            <p className="adm-stat__value">
              {f.href && f.value !== null && f.value > 0 ? (
                <Link href={f.href}>{f.value.toLocaleString("en-US")}</Link>
              ) : f.value === null ? (
                "–"
              ) : (
                f.value.toLocaleString("en-US")
              )}
            </p>
            <p className="adm-stat__note">{f.note}</p>
          </div>
        ))}
        <div className="adm-stat" data-testid="overview-propagation">
          <p className="adm-stat__label">Live propagation</p>
          {propagation && propagation.length > 0 ? (
            <>
              <p className="adm-stat__value">
                {ms(propagation[0]!.p50Ms)} <span className="adm-stat__sub">p50</span>
              </p>
              <p className="adm-stat__note">
                p99 {ms(propagation[0]!.p99Ms)} · {propagation[0]!.samples.toLocaleString("en-US")}{" "}
                {propagation[0]!.samples === 1 ? "emit" : "emits"}, last {propagation[0]!.windowMs / 60_000} min
                {propagation.length > 1 ? ` · ${propagation.length} live-update servers, newest shown` : ""}
              </p>
            </>
          ) : (
            <>
              <p className="adm-stat__value">–</p>
              <p className="adm-stat__note">
                {propagation === null ? "The live stock service did not answer" : "No data yet: no live-update server has reported"}
              </p>
            </>
          )}
        </div>
        {today === null ? (
          <p className="adm-alert adm-alert--error adm-stats__error" role="status">
            <Icon name="alert" />
            <span>Today&rsquo;s figures are unavailable right now: the database or the live stock service did not answer.</span>
          </p>
        ) : null}
      </section>

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
          <p className="adm-muted">
            {screens.some((s) => !s.ready)
              ? "Screens marked “Coming next” are being built; the admin API already covers stock and sales."
              : "Every screen below is open; the admin API covers stock and sales as well."}
          </p>
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
                Issue a token per script or channel under <Link href="/admin/users#tokens">Users → API tokens</Link>, with the least role it
                needs.
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

function todayCards(t: TodayFigures | null): { label: string; value: number | null; note: string; href?: string }[] {
  return [
    { label: "Orders today", value: t?.ordersToday ?? null, note: "confirmed since midnight UTC" },
    { label: "Units sold today", value: t?.unitsSoldToday ?? null, note: "on those orders" },
    { label: "Holds open", value: t?.holdsOpen ?? null, note: "reservations waiting to check out or expire" },
    { label: "Low-stock SKUs", value: t?.lowStockSkus ?? null, note: `${t?.soldOutSkus ?? "–"} sold out`, href: "/admin/stock" },
    { label: "Open alerts", value: t?.openAlerts ?? null, note: "waiting to be acknowledged", href: "/admin/alerts" },
  ];
}
