import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { LoginForm } from "@/components/admin/login-form";
import { BrandMark, Icon } from "@/components/admin/icons";
import { safeNextPath } from "@/lib/auth";
import { currentStaff } from "@/lib/auth/next";

export const metadata: Metadata = { title: "Sign in" };

type Search = { next?: string | string[]; signedOut?: string | string[] };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Search> }) {
  const query = await searchParams;
  const next = safeNextPath(typeof query.next === "string" ? query.next : undefined);
  // Already signed in: straight on.
  if (await currentStaff()) redirect(next);
  const notice = query.signedOut ? "You are signed out." : null;
  return (
    <div className="adm-login">
      <div className="adm-login__panel">
        <Link href="/" className="adm-brand adm-brand--login" aria-label="Stockwire storefront">
          <BrandMark />
          <span className="adm-brand__name">Stockwire</span>
        </Link>
        <div className="adm-login__card">
          <p className="adm-eyebrow">
            <Icon name="lock" /> Back office
          </p>
          <h1 className="adm-login__title">Sign in</h1>
          <p className="adm-muted adm-login__lead">Stock, flash sales and channels, for the people who run the shop.</p>
          <LoginForm next={next} notice={notice} />
        </div>
        <p className="adm-login__foot">
          Shopping? You don&rsquo;t need an account — <Link href="/">back to the store</Link>.
        </p>
      </div>
    </div>
  );
}
