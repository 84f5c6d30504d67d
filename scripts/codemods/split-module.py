#!/usr/bin/env python3
"""Split one TypeScript module into several files by line ranges (issue 13: no file over ~400 lines).

Usage: python3 scripts/codemods/split-module.py SPEC.json
  SPEC: {"source": "lib/x/big.ts", "imports_end": 16,
         "parts": [{"file": "lib/x/a.ts", "header": "// ...", "ranges": [[18, 120]]}, ...]}
  Lines 1..imports_end are the source's header comment and imports; each part gets its own header,
  the source's imports (unused ones pruned), and imports from its siblings for every top-level
  name it uses that a sibling declares (that declaration is exported if it was not). The source
  file is removed; callers are rewritten separately (move-modules.py with the barrel). Kept for
  the record; not part of the build.
"""
import json
import os
import re
import sys

spec = json.load(open(sys.argv[1]))
src = open(spec["source"]).read().split("\n")
head = src[: spec["imports_end"]]
import_lines = "\n".join(l for l in head if not l.startswith("//"))
# Parse the import statements of the header (possibly multi-line).
imports = re.findall(r"import\s+(type\s+)?(\{[^}]*\}|\*\s+as\s+\w+|\w+(?:\s*,\s*\{[^}]*\})?)\s+from\s+(\"[^\"]+\");", import_lines, re.S)
side_effect = re.findall(r"^import\s+(\"[^\"]+\");", import_lines, re.M)

DECL = re.compile(r"^(export\s+)?(?:declare\s+)?(async\s+)?(function|const|let|type|interface|class|enum)\s+([A-Za-z_$][\w$]*)")

parts = []
for p in spec["parts"]:
    body = []
    for a, b in p["ranges"]:
        body.extend(src[a - 1 : b])
    parts.append({**p, "body": body})

declared = {}  # name -> (part index, kind)
for i, p in enumerate(parts):
    for line in p["body"]:
        m = DECL.match(line)
        if m:
            declared[m.group(4)] = (i, m.group(3))


def uses(text, name):
    return re.search(r"(?<![\w$.])" + re.escape(name) + r"(?![\w$])", text) is not None


need_export = set()
for i, p in enumerate(parts):
    text = "\n".join(l for l in p["body"] if not DECL.match(l) or True)
    p["siblings"] = {}
    for name, (j, kind) in declared.items():
        if j == i:
            continue
        # Only a use outside the declaring line counts (the body never declares a sibling's name).
        if uses(text, name):
            p["siblings"].setdefault(j, []).append((name, kind in ("type", "interface")))
            need_export.add(name)

for p in parts:
    out = []
    for line in p["body"]:
        m = DECL.match(line)
        if m and m.group(4) in need_export and not m.group(1):
            line = "export " + line
        out.append(line)
    p["body"] = out


def specifiers(group):
    inner = group.strip()
    if inner.startswith("{"):
        return [s.strip() for s in inner[1:-1].split(",") if s.strip()]
    return None


for i, p in enumerate(parts):
    text = "\n".join(p["body"])
    lines = [p["header"].rstrip("\n")]
    for s in side_effect:
        lines.append(f"import {s};")
    for type_kw, group, source in imports:
        names = specifiers(group)
        if names is None:
            local = re.sub(r"\*\s+as\s+", "", group).split(",")[0].strip()
            if uses(text, local):
                lines.append(f"import {type_kw or ''}{group} from {source};")
            continue
        kept = []
        for n in names:
            local = n.split(" as ")[-1].replace("type ", "").strip()
            if uses(text, local):
                kept.append(n)
        if kept:
            lines.append(f"import {type_kw or ''}{{ {', '.join(kept)} }} from {source};")
    for j, names in sorted(p["siblings"].items()):
        rel = "./" + os.path.splitext(os.path.basename(parts[j]["file"]))[0]
        inner = ", ".join(("type " if is_type else "") + n for n, is_type in sorted(names))
        lines.append(f"import {{ {inner} }} from \"{rel}\";")
    body = "\n".join(p["body"]).strip("\n")
    open(p["file"], "w").write("\n".join(lines) + "\n\n" + body + "\n")

os.remove(spec["source"])
