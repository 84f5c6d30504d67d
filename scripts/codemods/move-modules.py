#!/usr/bin/env python3
"""Move TypeScript modules and rewrite every import of them (issue 13's lib/ restructure).

Usage: python3 scripts/codemods/move-modules.py MOVES.tsv
  MOVES.tsv: one "old/path.ts<TAB>new/path.ts" per line (repository-relative).
It `git mv`s each file, then rewrites relative and "@/..." specifiers in every tracked
.ts/.tsx/.mjs file (including `import()` and `typeof import()`), resolving each specifier from
the importing file's old location and writing it from its new one. Kept for the record and for
the next move; not part of the build.
"""
import os
import re
import subprocess
import sys

ROOT = subprocess.check_output(["git", "rev-parse", "--show-toplevel"], text=True).strip()
os.chdir(ROOT)

moves = {}
for line in open(sys.argv[1]):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    old, new = line.split("\t")
    moves[os.path.normpath(old)] = os.path.normpath(new)

files = [f for f in subprocess.check_output(["git", "ls-files"], text=True).split("\n") if re.search(r"\.(ts|tsx|mjs)$", f)]
files = [f for f in files if "lib/generated/" not in f]
reverse = {new: old for old, new in moves.items()}

EXTS = ["", ".ts", ".tsx", ".mjs", "/index.ts", "/index.tsx"]


def resolve(base_dir, spec):
    target = os.path.normpath(os.path.join(base_dir, spec))
    for ext in EXTS:
        cand = target + ext
        if cand in moves or os.path.isfile(cand):
            return cand, ext
    return None, None


def strip_ts(p):
    for ext in (".tsx", ".ts", ".mjs"):
        if p.endswith(ext):
            return p[: -len(ext)]
    return p


SPEC = re.compile(r"""((?:from|import|import\(|vi\.mock\(|require\()\s*)(["'])([^"']+)\2""")


def rewrite(path_now, path_before, text):
    before_dir = os.path.dirname(path_before)
    now_dir = os.path.dirname(path_now)

    def sub(m):
        spec = m.group(3)
        alias = spec.startswith("@/")
        if not (spec.startswith(".") or alias):
            return m.group(0)
        rel = spec[2:] if alias else spec
        target, ext = resolve("." if alias else before_dir, rel)
        if target is None:
            return m.group(0)
        new_target = moves.get(target, target)
        if new_target == target and path_now == path_before:
            return m.group(0)
        keep_ext = ext in (".mjs",) or spec.endswith((".ts", ".tsx", ".mjs", ".css", ".json"))
        out = new_target if keep_ext else strip_ts(new_target)
        if out.endswith("/index"):
            out = out[: -len("/index")]
        if alias:
            new_spec = "@/" + out
        else:
            new_spec = os.path.relpath(out, now_dir or ".")
            if not new_spec.startswith("."):
                new_spec = "./" + new_spec
        return f"{m.group(1)}{m.group(2)}{new_spec}{m.group(2)}"

    return SPEC.sub(sub, text)


for old, new in moves.items():
    os.makedirs(os.path.dirname(new), exist_ok=True)
    subprocess.check_call(["git", "mv", old, new])

for f in files:
    now = moves.get(f, f)
    if not os.path.isfile(now):
        continue
    text = open(now).read()
    out = rewrite(now, f, text)
    if out != text:
        open(now, "w").write(out)
