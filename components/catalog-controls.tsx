"use client";

// The catalog's search, "in stock only" and sort: a plain GET form (it works before the page's
// JavaScript runs, and every result has its own address); once it runs, changing the sort or the
// checkbox submits at once.
import styles from "./catalog-controls.module.css";

const SORTS = [
  ["featured", "Featured"],
  ["price-asc", "Price, low to high"],
  ["price-desc", "Price, high to low"],
  ["newest", "Newest"],
] as const;

export function CatalogControls({ q, sort, inStock, category }: { q: string; sort: string; inStock: boolean; category: string | null }) {
  const submit = (el: HTMLElement) => el.closest("form")?.requestSubmit();
  return (
    <form action="/" method="get" role="search" className={styles.controls} data-testid="catalog-search">
      {category ? <input type="hidden" name="category" value={category} /> : null}
      <div className={styles.search}>
        <label htmlFor="catalog-q" className="visually-hidden">
          Search products
        </label>
        <input
          id="catalog-q"
          type="search"
          name="q"
          defaultValue={q}
          maxLength={100}
          placeholder="Search products"
          className={styles.input}
          data-testid="catalog-q"
        />
        <button type="submit" className="button button--secondary">
          Search
        </button>
      </div>
      <label className={styles.check}>
        <input
          type="checkbox"
          name="stock"
          value="1"
          defaultChecked={inStock}
          onChange={(e) => submit(e.currentTarget)}
          data-testid="catalog-in-stock"
        />
        In stock only
      </label>
      <label className={styles.sort}>
        <span>Sort</span>
        <select
          name="sort"
          defaultValue={sort}
          onChange={(e) => submit(e.currentTarget)}
          className={styles.select}
          data-testid="catalog-sort"
        >
          {SORTS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
    </form>
  );
}
