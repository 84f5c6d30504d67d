import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./styles/01-shell.css";
import "./styles/02-page.css";
import "./styles/03-forms.css";
import "./styles/04-narrow.css";
import "./styles/05-sales-channels.css";
import "./styles/06-stock.css";
import "./styles/07-events.css";
import "./styles/08-alerts-overview.css";
import "./styles/09-import.css";

export const metadata: Metadata = {
  title: { default: "Back office", template: "%s · Stockwire back office" },
  robots: { index: false, follow: false },
};

/**
 * Every back-office page, the sign-in page included. The storefront's header and footer are
 * hidden around it by styles/01-shell.css; access is checked in (console)/layout.tsx and in each page.
 */
export default function AdminRootLayout({ children }: { children: ReactNode }) {
  return <div className="adm-root">{children}</div>;
}
