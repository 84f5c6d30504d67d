"use client";

import type { Variant } from "@/lib/shared/types";
import { formatPrice } from "./format";
import styles from "./variant-picker.module.css";

/** The product's variants as a radio group; sold-out ones stay selectable but read as such. */
export function VariantPicker({
  variants,
  selectedSku,
  availableOf,
  onSelect,
}: {
  variants: Variant[];
  selectedSku: string;
  availableOf: (sku: string) => number;
  onSelect: (sku: string) => void;
}) {
  if (variants.length <= 1) return null;
  const samePrice = variants.every((v) => v.priceCents === variants[0]?.priceCents);
  return (
    <fieldset className={styles.variants}>
      <legend className="field-label">Choose an option</legend>
      <div className={styles.list}>
        {variants.map((v) => {
          const soldOut = availableOf(v.sku) <= 0;
          return (
            <label
              key={v.sku}
              className={`${styles.variant}${v.sku === selectedSku ? ` ${styles.selected}` : ""}${soldOut ? ` ${styles.soldOut}` : ""}`}
              data-testid="variant-option"
              data-sku={v.sku}
            >
              <input
                type="radio"
                name="variant"
                value={v.sku}
                checked={v.sku === selectedSku}
                onChange={() => onSelect(v.sku)}
                className="visually-hidden"
              />
              <span className={styles.label}>{v.label}</span>
              {!samePrice && <span className={styles.price}>{formatPrice(v.priceCents)}</span>}
              {soldOut && <span className="visually-hidden"> (sold out)</span>}
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}
