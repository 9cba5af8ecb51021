#!/usr/bin/env python3
"""Adds braces to single-statement if/for/while bodies that clang-format 14 splits over two lines.

clang-format 14 has no InsertBraces; the house style wants braces always. Run before clang-format.
"""
import re
import sys

HEAD = re.compile(r'^(\s*)(?:\} else )?(if|for|while|else if)\s*\(.*\)\s*$|^(\s*)(?:\} )?else\s*$')


def balanced(line):
    return line.count('(') == line.count(')')


def fix(lines):
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.rstrip('\n')
        m = HEAD.match(stripped)
        if m and balanced(stripped) and i + 1 < len(lines):
            indent = m.group(1) if m.group(1) is not None else m.group(3)
            body = lines[i + 1].rstrip('\n')
            if body.strip().endswith(';') and len(body) - len(body.lstrip()) > len(indent) \
                    and not body.strip().startswith(('if', 'for', 'while', '//')):
                out.append(stripped + ' {\n')
                out.append(body + '\n')
                out.append(indent + '}\n')
                i += 2
                continue
        out.append(line)
        i += 1
    return out


for path in sys.argv[1:]:
    with open(path) as f:
        lines = f.readlines()
    fixed = fix(lines)
    if fixed != lines:
        with open(path, 'w') as f:
            f.writelines(fixed)
