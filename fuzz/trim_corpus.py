#!/usr/bin/env python3
"""Shrinks corpus/TARGET to the N inputs (default 100) that cover the most edges.

`cargo fuzz cmin TARGET -- -use_counters=0` keeps every input that adds an edge,
which for these targets is still hundreds of files (the tail is long: each
serde/base64/header path is an edge of its own). The committed corpus should be
tens of files, so after cmin this keeps the N inputs a greedy set cover picks
first (most new edges, then smallest) and deletes the rest. `seed-*` files are
then rewritten by `cargo run --example make_corpus`.

    RUSTC_BOOTSTRAP=1 cargo fuzz build TARGET
    RUSTC_BOOTSTRAP=1 cargo fuzz cmin TARGET -- -use_counters=0
    python3 trim_corpus.py TARGET [N]

Prints the share of the corpus's edges the kept inputs cover.
"""
import os
import subprocess
import sys
import tempfile

target = sys.argv[1]
keep_n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
here = os.path.dirname(os.path.abspath(__file__))
binary = os.path.join(here, "target/x86_64-unknown-linux-gnu/release", target)
corpus = os.path.join(here, "corpus", target)

with tempfile.TemporaryDirectory() as scratch:
    # A merge into an empty directory writes, per input, the features it covers.
    control = os.path.join(scratch, "control")
    empty = os.path.join(scratch, "empty")
    os.mkdir(empty)
    subprocess.run(
        [binary, "-merge=1", "-use_counters=0", "-rss_limit_mb=2048",
         f"-merge_control_file={control}", empty, corpus],
        cwd=scratch, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )
    lines = open(control).read().split("\n")

count = int(lines[0])
files = lines[2:2 + count]
features = {}
for line in lines[2 + count:]:
    words = line.split()
    if words and words[0] == "FT":
        features[int(words[1])] = set(map(int, words[2:]))

everything = set().union(*features.values()) if features else set()
covered, chosen = set(), []
while covered != everything and len(chosen) < keep_n:
    best = max(features, key=lambda i: (len(features[i] - covered), -os.path.getsize(files[i])))
    covered |= features[best]
    chosen.append(best)

keep = {files[i] for i in chosen}
for name in os.listdir(corpus):
    path = os.path.join(corpus, name)
    if path not in keep:
        os.remove(path)
share = 100 * len(covered) / max(len(everything), 1)
print(f"{target}: kept {len(chosen)} of {len(files)} inputs, {share:.1f}% of {len(everything)} edges")
