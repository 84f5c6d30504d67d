import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./admin.css";

export const metadata: Metadata = {
  title: { default: "Back office", template: "%s · Stockwire back office" },
  robots: { index: false, follow: false },
};

/**
 * Every back-office page, the sign-in page included. The storefront's header and footer are
 * hidden around it by admin.css; access is checked in (console)/layout.tsx and in each page.
 */
export default function AdminRootLayout({ children }: { children: ReactNode }) {
  return <div className="adm-root">{children}</div>;
}
