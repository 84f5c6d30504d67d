// The table of hostile strings (issue 12, "Hostile text everywhere"): every field that
// stores text must refuse each of these with a 400 (a single-line field also the line break).
export const HOSTILE: [string, string][] = [
  ["NUL", "a\u0000b"],
  ["lone surrogate", "name\uD800"],
  ["1 MB", "x".repeat(1024 * 1024)],
  ["right-to-left override", "\u202Ename"],
  ["line break", "line\nbreak"],
];
