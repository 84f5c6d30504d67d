// Product artwork drawn from the product's hue: no images, nothing fetched.

import styles from "./product-art.module.css";

type Motif = "tee" | "hoodie" | "bag" | "mug" | "cap" | "candle" | "sneaker" | "throw" | "wallet" | "orb";

function motifFor(name: string, category: string): Motif {
  const n = `${name} ${category}`.toLowerCase();
  if (/hood|jacket|sweat|crew/.test(n)) return "hoodie";
  if (/tee|shirt|top|apparel/.test(n)) return "tee";
  if (/tote|bag|pack|pouch/.test(n)) return "bag";
  if (/mug|cup|bowl|kitchen/.test(n)) return "mug";
  if (/cap|hat|beanie/.test(n)) return "cap";
  if (/candle|lamp|light/.test(n)) return "candle";
  if (/sneaker|runner|shoe|boot|trail|court/.test(n)) return "sneaker";
  if (/throw|blanket|linen|towel/.test(n)) return "throw";
  if (/wallet|card holder|purse/.test(n)) return "wallet";
  return "orb";
}

const SHAPES: Record<Motif, string> = {
  tee: "M70 40 L95 30 Q100 42 120 42 Q140 42 145 30 L170 40 L190 72 L165 84 L160 74 L160 150 L80 150 L80 74 L75 84 L50 72 Z",
  hoodie: "M72 44 Q100 22 120 26 Q140 22 168 44 L192 108 L170 116 L162 92 L162 154 L78 154 L78 92 L70 116 L48 108 Z M104 34 Q120 60 136 34",
  bag: "M68 68 L172 68 L162 152 L78 152 Z M94 68 Q94 32 120 32 Q146 32 146 68",
  mug: "M74 52 L150 52 L146 148 Q146 154 140 154 L84 154 Q78 154 78 148 Z M150 74 Q178 74 176 100 Q174 124 148 124",
  cap: "M62 118 Q62 52 120 48 Q178 52 178 118 Z M120 118 L198 126 Q196 138 120 136 Z",
  candle: "M88 76 L152 76 L152 154 L88 154 Z M120 72 L120 58 M120 58 Q108 44 120 26 Q132 44 120 58",
  sneaker:
    "M38 132 Q38 104 58 100 L98 92 Q108 72 128 66 L150 62 Q162 92 192 104 Q208 110 208 126 L208 138 Q208 148 198 148 L48 148 Q38 148 38 138 Z M38 132 L208 132 M112 84 L126 96 M122 76 L136 90",
  throw:
    "M56 68 L184 68 Q196 68 196 80 L196 96 Q196 108 184 108 L56 108 Q44 108 44 96 L44 80 Q44 68 56 68 Z M60 114 L180 114 Q192 114 192 126 L192 140 Q192 152 180 152 L60 152 Q48 152 48 140 L48 126 Q48 114 60 114 Z",
  wallet:
    "M58 62 L182 62 Q196 62 196 76 L196 140 Q196 154 182 154 L58 154 Q44 154 44 140 L44 76 Q44 62 58 62 Z M152 92 L196 92 L196 124 L152 124 Q140 124 140 112 L140 104 Q140 92 152 92 Z",
  orb: "M120 40 A56 56 0 1 1 119.9 40 Z",
};

export function ProductArt({ hue, name, category, className }: { hue: number; name: string; category: string; className?: string }) {
  const motif = motifFor(name, category);
  const id = `art-${motif}-${hue}`;
  return (
    <svg
      className={className ? `${styles.art} ${className}` : styles.art}
      viewBox="0 0 240 180"
      role="img"
      aria-label={`${name} illustration`}
    >
      <defs>
        <linearGradient id={`${id}-bg`} x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor={`hsl(${hue} 70% 92%)`} />
          <stop offset="1" stopColor={`hsl(${(hue + 40) % 360} 65% 82%)`} />
        </linearGradient>
        <linearGradient id={`${id}-fg`} x1="0" y1="0" x2="0" y2="1">
          <stop offset="0" stopColor={`hsl(${hue} 55% 52%)`} />
          <stop offset="1" stopColor={`hsl(${hue} 60% 38%)`} />
        </linearGradient>
      </defs>
      <rect width="240" height="180" fill={`url(#${id}-bg)`} />
      <circle cx="196" cy="36" r="60" fill={`hsl(${(hue + 40) % 360} 70% 96%)`} opacity="0.55" />
      <circle cx="30" cy="170" r="48" fill={`hsl(${hue} 60% 70%)`} opacity="0.25" />
      <ellipse cx="120" cy="160" rx="62" ry="7" fill={`hsl(${hue} 40% 25%)`} opacity="0.12" />
      <path
        d={SHAPES[motif]}
        fill={`url(#${id}-fg)`}
        stroke={`hsl(${hue} 55% 28%)`}
        strokeWidth="2.5"
        strokeLinejoin="round"
        strokeLinecap="round"
        fillRule="evenodd"
      />
    </svg>
  );
}
