import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import breadcrumbStyles from "@/components/breadcrumbs.module.css";
import { LiveStockScope } from "@/components/realtime/live-stock";
import perksStyles from "@/components/perks.module.css";
import { ProductArt } from "@/components/product-art";
import styles from "@/components/product-page.module.css";
import { ProductPurchase } from "@/components/product-purchase";
import { getProduct } from "@/lib/catalog";
import { config } from "@/lib/core/config";
import { appDeps } from "@/lib/core/deps";
import { saleGatesOfSkus } from "@/lib/sales";

type Props = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug } = await params;
  const product = await getProduct(appDeps(), slug);
  return product ? { title: product.name, description: product.description || undefined } : { title: "Product not found" };
}

export default async function ProductPage({ params }: Props) {
  const { slug } = await params;
  const deps = appDeps();
  const product = await getProduct(deps, slug);
  if (!product) notFound();
  // Variants in an open flash sale are sold only through its line: link there instead.
  const sales = Object.fromEntries(
    await saleGatesOfSkus(
      deps,
      product.variants.map((v) => v.sku),
    ),
  );
  const minutes = Math.round(config().HOLD_TTL_SECONDS / 60);
  const initial = product.variants.map((v) => ({ sku: v.sku, available: v.available, version: v.version }));

  return (
    <div className="page product">
      <nav className={breadcrumbStyles.breadcrumbs} aria-label="Breadcrumb">
        <Link href="/">Shop</Link>
        <span aria-hidden="true">/</span>
        <Link href={`/?category=${encodeURIComponent(product.category)}`}>{product.category}</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{product.name}</span>
      </nav>
      <LiveStockScope initial={initial}>
        <div className={styles.layout}>
          <div className={styles.art}>
            <ProductArt hue={product.hue} name={product.name} category={product.category} />
          </div>
          <div className={styles.details}>
            <p className="eyebrow">{product.category}</p>
            <h1 className={styles.title}>{product.name}</h1>
            {product.description && <p className={styles.description}>{product.description}</p>}
            <ProductPurchase product={product} sales={sales} />
            <ul className={perksStyles.perks}>
              <li>
                <strong>Held for {minutes} minutes.</strong> Once in your cart, nobody else can buy it.
              </li>
              <li>
                <strong>Live counts.</strong> What you see is what&rsquo;s on the shelf, right now.
              </li>
              <li>
                <strong>Free shipping</strong> and 30-day returns.
              </li>
            </ul>
          </div>
        </div>
      </LiveStockScope>
    </div>
  );
}
