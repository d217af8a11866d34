#!/usr/bin/env python3
"""Prints the medians of the last criterion run as Markdown tables, with each
figure's ratio to its group's baseline(s) (see BASELINES).

Usage: python3 benches/report.py [TARGET_DIR]   (default: the workspace's target)
Reads TARGET_DIR/criterion/**/new/{benchmark,estimates}.json, which
`cargo bench -p organizr-auth-benches` writes.
"""

import json
import os
import sys
from collections import defaultdict

# group -> the functions every other figure of the group is divided by.
BASELINES = {
    "token/validate": [
        "jsonwebtoken_decode",
        "floor_hmac_b64_json_keyed_clone",
        "floor_hmac_b64_json_fresh_key",
    ],
    "token/refusals": ["valid"],
    "resolve": ["validate_only"],
    "process": ["validate_only"],
    "adapters/axum": ["plain"],
    "adapters/actix": ["plain"],
}
# Question 8 (`worst_case/*`) is printed by `worst_case_group`.


def fmt(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.1f} ns"


def load(root):
    groups = defaultdict(dict)
    for dirpath, _, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        median = est["median"]
        key = bench["function_id"]
        if bench.get("value_str"):
            key = (bench["function_id"], int(bench["value_str"]))
        groups[bench["group_id"]][key] = (
            median["point_estimate"],
            median["confidence_interval"]["lower_bound"],
            median["confidence_interval"]["upper_bound"],
        )
    return groups


def plain_group(name, rows):
    bases = [b for b in BASELINES.get(name, []) if b in rows]
    head = "| benchmark | median (95% CI) |" + "".join(f" ÷ {b} |" for b in bases)
    if name.startswith("adapters/"):
        head += " added |"
    print(f"\n### {name}\n")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for fn, (med, lo, hi) in rows.items():
        line = f"| {fn} | {fmt(med)} ({fmt(lo)}–{fmt(hi)}) |"
        for b in bases:
            line += f" {med / rows[b][0]:.2f} |"
        if name.startswith("adapters/"):
            line += f" {fmt(med - rows['plain'][0]) if 'plain' in rows else '-'} |"
        print(line)


def sized_group(name, rows):
    sizes = sorted({n for (_, n) in rows})
    print(f"\n### {name}\n")
    print("| entries | trusts | naive_ipnet_scan | trusts ÷ naive | trusts ÷ trusts(1 entry) |")
    print("|---|---|---|---|---|")
    first = rows.get(("trusts", sizes[0]), (float("nan"),))[0]
    for n in sizes:
        t = rows.get(("trusts", n))
        s = rows.get(("naive_ipnet_scan", n))
        print(
            f"| {n:,} | {fmt(t[0]) if t else '-'} | {fmt(s[0]) if s else '-'} | "
            f"{t[0] / s[0]:.3f} | {t[0] / first:.2f} |"
            if t and s
            else f"| {n:,} | {fmt(t[0]) if t else '-'} | {fmt(s[0]) if s else '-'} | - | - |"
        )


def worst_case_group(name, rows):
    """Question 8: each line against `benign` of the same size (and the
    forwarding walks' `padded_entries` against `long_chain`)."""
    print(f"\n### {name}\n")
    print("| line | size | median (95% CI) | ÷ benign | ÷ long_chain |")
    print("|---|---|---|---|---|")
    for size in sorted({n for (_, n) in rows}):
        benign = rows.get(("benign", size))
        chain = rows.get(("long_chain", size))
        for (fn, n), (med, lo, hi) in sorted(rows.items(), key=lambda kv: kv[0]):
            if n != size:
                continue
            b = f"{med / benign[0]:.2f}" if benign else "-"
            c = f"{med / chain[0]:.2f}" if chain else "-"
            print(f"| {fn} | {size:,} | {fmt(med)} ({fmt(lo)}–{fmt(hi)}) | {b} | {c} |")


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "target"
    )
    groups = load(os.path.join(target, "criterion"))
    if not groups:
        sys.exit(f"no criterion results under {target}/criterion")
    for name in sorted(groups):
        rows = groups[name]
        if name.startswith("worst_case/"):
            worst_case_group(name, rows)
        elif all(isinstance(k, tuple) for k in rows):
            sized_group(name, rows)
        else:
            plain_group(name, dict(sorted(rows.items(), key=lambda kv: kv[1][0])))


if __name__ == "__main__":
    main()
