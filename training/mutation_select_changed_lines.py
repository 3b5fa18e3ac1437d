"""Of a function's mutmut mutants, keep those whose changed line matches a pattern (session 14 mend:
only the lines the branch changed in cut_geotiff and Workspace._evaluate_large were checked).

Run from mutants/ (mutmut's copy), with the names listed one a line in ../../meta/MODULE.names
(rewritten in place: other functions' names are kept, this function's only when their removed line
matches REGEX):

    python training/mutation_select_changed_lines.py MODULE PATH_UNDER_CORE FUNCTION REGEX
    # e.g. geotiff sources/geotiff.py x_cut_geotiff 'own_crs|default_crs'
"""
import ast
import difflib
import re
import sys
from pathlib import Path


def funcs(path):
    src = Path(path).read_text()
    lines = src.splitlines()
    out = {}
    body = ast.parse(src).body
    for node in body + [n for c in body if isinstance(c, ast.ClassDef) for n in c.body]:  # methods: in their class
        if isinstance(node, ast.FunctionDef) and "__mutmut_" in node.name:
            out[node.name] = lines[node.lineno - 1:node.end_lineno]
    return out


mod, rel, fn, pattern = sys.argv[1:5]
pat = re.compile(pattern)
names = Path(f"../../meta/{mod}.names").read_text().split()
f = funcs(f"geolocator/core/{rel}")
orig = f[f"{fn}__mutmut_orig"]
keep = []
for name in names:
    base, n = name.split(".")[-1].rsplit("__mutmut_", 1)
    if base != fn:
        keep.append(name)
        continue
    mut = f[f"{fn}__mutmut_{n}"]
    gone = [l for l in difflib.unified_diff(orig[1:], mut[1:], lineterm="", n=0) if l.startswith("-") and not l.startswith("---")]
    if any(pat.search(l) for l in gone):
        keep.append(name)
Path(f"../../meta/{mod}.names").write_text("\n".join(keep) + "\n")
print(mod, len(names), "->", len(keep))
