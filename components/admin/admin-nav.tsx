"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { Icon } from "./icons";
import type { AdminSection } from "./sections";

/** The back office's menu; the current screen is marked, screens still to come are listed but not linked. */
export function AdminNav({ sections }: { sections: AdminSection[] }) {
  const pathname = usePathname();
  const groups = [...new Set(sections.map((s) => s.group))];
  return (
    <nav className="adm-nav" aria-label="Back office">
      {groups.map((group) => (
        <div key={group} className="adm-nav__group">
          <p className="adm-nav__heading">{group}</p>
          <ul className="adm-nav__list">
            {sections
              .filter((s) => s.group === group)
              .map((s) => {
                const current = s.href === "/admin" ? pathname === "/admin" : pathname === s.href || pathname.startsWith(`${s.href}/`);
                return (
                  <li key={s.href}>
                    {s.ready ? (
                      <Link
                        href={s.href}
                        className={`adm-nav__item${current ? " adm-nav__item--current" : ""}`}
                        aria-current={current ? "page" : undefined}
                        data-testid={`nav-${s.icon}`}
                      >
                        <Icon name={s.icon} />
                        <span>{s.label}</span>
                      </Link>
                    ) : (
                      <span className="adm-nav__item adm-nav__item--soon" aria-disabled="true" title="Coming next">
                        <Icon name={s.icon} />
                        <span>{s.label}</span>
                        <span className="adm-soon">Soon</span>
                      </span>
                    )}
                  </li>
                );
              })}
          </ul>
        </div>
      ))}
    </nav>
  );
}
