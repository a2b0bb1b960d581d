#!/usr/bin/env python3
"""Where a .wasm module's code bytes go, by crate: each function body's size from the code
section, named by the module's `name` section (demangled Rust paths), summed by the path's first
segment. Run it on a module that still has its names (before wasm-opt strips them):

    python3 bench/wasm_sizes.py target/front/wasm32-unknown-unknown/wasm-release/frontend.wasm
    python3 bench/wasm_sizes.py MODULE --top 40      # also the 40 largest functions
    python3 bench/wasm_sizes.py MODULE --against BASE # by crate beside another module (the floor)

Sizes are raw (uncompressed) bytes of function bodies; data, tables and imports are listed as
sections. It reads the binary format directly (no tools beyond Python).
"""
import argparse
import collections
import re
import sys


def leb(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def sections(data):
    if data[:4] != b"\0asm":
        sys.exit("not a wasm module")
    pos = 8
    while pos < len(data):
        sid = data[pos]
        size, body = leb(data, pos + 1)
        yield sid, data[body : body + size]
        pos = body + size


def custom_name(body):
    length, pos = leb(body, 0)
    return body[pos : pos + length].decode("utf-8", "replace"), body[pos + length :]


def imported_functions(body):
    count, pos = leb(body, 0)
    functions = 0
    for _ in range(count):
        for _ in range(2):  # module, field
            length, pos = leb(body, pos)
            pos += length
        kind = body[pos]
        pos += 1
        if kind == 0:  # function: type index
            _, pos = leb(body, pos)
            functions += 1
        elif kind == 1:  # table: reftype, limits
            pos += 1
            flags, pos = leb(body, pos)
            _, pos = leb(body, pos)
            if flags & 1:
                _, pos = leb(body, pos)
        elif kind == 2:  # memory: limits
            flags, pos = leb(body, pos)
            _, pos = leb(body, pos)
            if flags & 1:
                _, pos = leb(body, pos)
        elif kind == 3:  # global: valtype, mutability
            pos += 2
        else:  # tag
            pos += 1
            _, pos = leb(body, pos)
    return functions


def code_sizes(body):
    count, pos = leb(body, 0)
    sizes = []
    for _ in range(count):
        size, start = leb(body, pos)
        sizes.append(size + (start - pos))
        pos = start + size
    return sizes


def function_names(body):
    names = {}
    pos = 0
    while pos < len(body):
        sub = body[pos]
        size, start = leb(body, pos + 1)
        if sub == 1:
            count, p = leb(body, start)
            for _ in range(count):
                index, p = leb(body, p)
                length, p = leb(body, p)
                names[index] = body[p : p + length].decode("utf-8", "replace")
                p += length
        pos = start + size
    return names


def crate_of(name):
    """The crate a function's name belongs to: the first path segment of its (demangled or
    mangled) name. Names come as rustc's name section writes them: `_ZN4core3fmt5write17h..E`
    (legacy), `_RNvNtCs.._4core3fmt5write` (v0), or demangled with `..` for `::` and `$LT$`-style
    escapes (`_<serde_json..de..Deserializer<R> as serde_core..de..Deserializer>::deserialize_any`):
    for `<T as Trait>` the first qualified path decides."""
    if name.startswith("_ZN"):
        match = re.match(r"_ZN(\d+)", name)
        length = int(match.group(1))
        start = match.end()
        first = name[start : start + length]
        if "$" not in first:
            return first
        name = first  # an impl segment: `_$LT$serde_json..de..Deserializer$LT$R$GT$$u20$as...`
    if name.startswith("_R"):
        match = re.search(r"C(?:s[0-9A-Za-z]*_)?(\d+)", name)
        if match:
            length = int(match.group(1))
            return name[match.end() : match.end() + length]
    readable = re.sub(r"\$[A-Za-z0-9]+\$", " ", name).replace("::", "..")
    match = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\.\.", readable)
    if match:
        return match.group(1).lstrip("_") or "?"
    return "(unqualified: " + (re.match(r"[_<&$A-Za-z0-9]*", readable).group() or "?") + ")"


def read(path):
    """Section sizes, and (size, name) of every function body (names None without a name
    section)."""
    data = open(path, "rb").read()
    imports, sizes, names, by_section = 0, [], None, collections.Counter()
    for sid, body in sections(data):
        if sid == 0:
            name, rest = custom_name(body)
            by_section[f"custom:{name}"] += len(body)
            if name == "name":
                names = function_names(rest)
        else:
            by_section[{2: "import", 10: "code", 11: "data"}.get(sid, f"section {sid}")] += len(body)
            if sid == 2:
                imports = imported_functions(body)
            elif sid == 10:
                sizes = code_sizes(body)
    if names is None:
        sys.exit(f"{path}: no name section: run it on a module wasm-opt has not stripped")
    functions = [(size, names.get(imports + i, f"func{imports + i}")) for i, size in enumerate(sizes)]
    return len(data), by_section, functions


def by_crate(functions):
    crates = collections.Counter()
    for size, name in functions:
        crates[crate_of(name)] += size
    return crates


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module")
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument("--against", help="a second module: its code by crate beside this one's")
    args = parser.parse_args()
    size, sections_, functions = read(args.module)
    print(f"{args.module}: {size:,} bytes")
    for section, length in sections_.most_common():
        print(f"  {section:24} {length:>10,}")
    crates = by_crate(functions)
    total = sum(crates.values())
    if args.against:
        _, _, base_functions = read(args.against)
        base = by_crate(base_functions)
        base_total = sum(base.values())
        print(f"\ncode by crate: this module ({total:,} bytes) beside {args.against} ({base_total:,}):")
        print(f"  {'crate':32} {'this':>9} {'base':>9} {'diff':>9}")
        for crate in sorted(set(crates) | set(base), key=lambda c: -abs(crates[c] - base[c])):
            if abs(crates[crate] - base[crate]) * 200 < total:
                break
            print(f"  {crate:32} {crates[crate]:>9,} {base[crate]:>9,} {crates[crate] - base[crate]:>+9,}")
        print(f"  {'total':32} {total:>9,} {base_total:>9,} {total - base_total:>+9,}")
    else:
        print(f"\ncode by crate ({total:,} bytes of function bodies):")
        for crate, length in crates.most_common():
            if length * 200 < total:
                break
            print(f"  {crate:32} {length:>9,}  {100 * length / total:5.1f}%")
    if args.top:
        print(f"\nlargest {args.top} functions:")
        for length, name in sorted(functions, reverse=True)[: args.top]:
            print(f"  {length:>8,}  {name[:140]}")


if __name__ == "__main__":
    main()
