#!/usr/bin/env python3
"""Scores red-flag triage on labelled sets, as ../shared/eval/README.md says: a positive is
caught when the reply's notice is at its tier or a more urgent one; a negative with any flag
is a false alarm. Runs the release binary (`ask --json --explain -`), so both layers run as
in use.

Usage (from the repository root, after `cargo build --release`):
    python3 scripts/redflags.py score SET.jsonl [SET.jsonl ...]     # figures and every error
    python3 scripts/redflags.py counts SET.jsonl [SET.jsonl ...]    # figures only
    python3 scripts/redflags.py regress                             # figures of every set read so far
    python3 scripts/redflags.py thresholds TUNE.jsonl GUARD.jsonl ...
    python3 scripts/redflags.py first-sight SET.jsonl@COMMIT [SET.jsonl@COMMIT ...]

`thresholds` replays the semantic layer's decision for a grid of per-tier thresholds (the
evidence does not depend on them) and lists the best: most positives caught on TUNE, each
false alarm on any set costing three. Use `counts` on the report half
(tests/data/redflags_heldout_report.jsonl): it is measured once per method and never read
while tuning (tests/data/README.md).

`first-sight` runs each batch under the rules file committed at COMMIT (the method it was
measured with, before it was read; the rest of the corpus as now), then replays the emergency
tier's thresholds over all of them together: how each would have done on wordings nobody had
tuned on yet.
"""

import glob
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib

BOT = "target/release/sciatica-bot"
RULES = "corpus/red_flags.toml"
DATA = "tests/data"
RANK = {"urgent": 1, "emergency": 2}
GRID_SIMILARITY = [0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7]
GRID_MARGIN = [0.0, 0.03, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2]


def run(path, cwd=None):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    # One message a line: newlines inside a message would split it.
    lines = "".join(r["text"].replace("\n", " ") + "\n" for r in rows)
    out = subprocess.run([os.path.abspath(BOT), "ask", "--json", "--explain", "-"], input=lines,
                         capture_output=True, text=True, check=True, cwd=cwd)
    return list(zip(rows, (json.loads(line) for line in out.stdout.splitlines())))


def figures(results, got_tier, show=False, path=""):
    caught = positives = emergencies = at_tier = alarms = negatives = 0
    for row, response in results:
        got = got_tier(response)
        if row["red_flag"]:
            positives += 1
            ok = got >= RANK[row["tier"]]
            caught += ok
            if row["tier"] == "emergency":
                emergencies += 1
                at_tier += ok
            if not ok and show:
                flags = [(f["category"], f["tier"], f["layer"]) for f in response["red_flags"]]
                print(f"MISS {row['tier']} {row['category']}: {row['text']!r} -> {flags}")
        else:
            negatives += 1
            alarms += got > 0
            if got and show:
                flags = [(f["category"], f["layer"], f["matched"]) for f in response["red_flags"]]
                print(f"FALSE ALARM: {row['text']!r} -> {flags}")
    return caught, positives, at_tier, emergencies, alarms, negatives


def as_used(response):
    return max((RANK[f["tier"]] for f in response["red_flags"]), default=0)


def replayed(thresholds):
    def got(response):
        best = max((RANK[f["tier"]] for f in response["red_flags"] if f["layer"] == "rule"), default=0)
        for e in response["explain"]["triage"]["semantic"]:
            # A category whose close clauses an exception all read as harmless stays silent
            # whatever the thresholds (approximate: the clause shown was chosen at the shipped ones).
            if e["excepted"]:
                continue
            similarity, margin = thresholds[e["tier"]]
            if e["similarity"] >= similarity and e["margin"] >= margin:
                best = max(best, RANK[e["tier"]])
        return best
    return got


def conditional_openings():
    """How a notice worded as a condition ("If you notice this...") starts, per tier: the
    wording of a semantic hit or a negated mention, milder than the direct one."""
    with open(RULES, "rb") as f:
        tiers = tomllib.load(f)["tiers"]
    return tuple(t["if_notice"].split("{")[0] for t in tiers.values())


def line(path, f, results):
    caught, positives, at_tier, emergencies, alarms, negatives = f
    semantic_only = sum(1 for row, r in results if row["red_flag"] and as_used(r) >= RANK[row["tier"]]
                        and all(flag["layer"] == "semantic" for flag in r["red_flags"]))
    openings = conditional_openings()
    conditional = sum(1 for row, r in results if not row["red_flag"] and r["notice"]
                      and r["notice"].startswith(openings))
    text = (f"{path}: recall {caught}/{positives} = {caught / max(positives, 1):.3f}; emergencies at tier "
            f"{at_tier}/{emergencies}; false alarms {alarms}/{negatives} = {alarms / max(negatives, 1):.3f} "
            f"({conditional} worded as a condition); caught by the semantic layer alone {semantic_only}")
    if any("denies" in row for row, _ in results):
        # The issue asks for the conditional notice on a symptom denied by name ("no bladder
        # problems"), so such a message's notice is told apart: by design when worded as a
        # condition, a false alarm of the rules when direct.
        denials = [r for row, r in results if row.get("denies")]
        others = [as_used(r) > 0 for row, r in results if not row["red_flag"] and not row.get("denies")]
        noticed = [r["notice"] for r in denials if r["notice"]]
        worded = sum(notice.startswith(openings) for notice in noticed)
        text += (f"; of them on messages that deny nothing by name {sum(others)}/{len(others)} = "
                 f"{sum(others) / max(len(others), 1):.3f}, on the {len(denials)} that deny a symptom by name "
                 f"{worded} worded as a condition and {len(noticed) - worded} direct")
    return text


def read_sets():
    """The red-flag sets that may be run while tuning: every one but those whose row in
    tests/data/README.md says it is held out ("never read" or "never run"), so that a
    regression run can never measure a fresh batch by accident."""
    held_out = set()
    for row in open(os.path.join(DATA, "README.md")):
        if row.startswith("| `redflags_") and "never r" in row.split("|")[3]:
            held_out.add(row.split("`")[1])
    return [p for p in sorted(glob.glob(os.path.join(DATA, "redflags_*.jsonl")))
            if os.path.basename(p) not in held_out]


def run_at(spec, workdir):
    """`run` of SET@COMMIT, in `workdir` (a copy of the configuration whose rules file is the
    one committed at COMMIT)."""
    path, commit = spec.rsplit("@", 1)
    rules = subprocess.run(["git", "show", f"{commit}:{RULES}"], capture_output=True, text=True, check=True).stdout
    shutil.copytree("corpus", os.path.join(workdir, "corpus"), dirs_exist_ok=True)
    with open(os.path.join(workdir, RULES), "w") as f:
        f.write(rules)
    return run(os.path.abspath(path), cwd=workdir)


def first_sight(specs):
    with tempfile.TemporaryDirectory() as workdir:
        shutil.copy("config.toml", workdir)
        # The models, and the vector cache, which the bot makes if it is not there yet.
        os.makedirs("data", exist_ok=True)
        for shared in ("models", "data"):
            os.symlink(os.path.abspath(shared), os.path.join(workdir, shared))
        results = [pair for spec in specs for pair in run_at(spec, workdir)]
    with open(RULES, "rb") as f:
        shipped = {tier: (t["semantic"]["similarity"], t["semantic"]["margin"])
                   for tier, t in tomllib.load(f)["tiers"].items()}
    print("emergency (similarity, margin): recall, emergencies at tier, false alarms, "
          "of them on messages that deny nothing by name; urgent as shipped", shipped["urgent"])
    for thresholds in itertools.product(GRID_SIMILARITY, GRID_MARGIN):
        got = replayed({**shipped, "emergency": thresholds})
        caught, positives, at_tier, emergencies, alarms, negatives = figures(results, got)
        others = [got(r) > 0 for row, r in results if not row["red_flag"] and not row.get("denies")]
        mark = "  (shipped)" if thresholds == shipped["emergency"] else ""
        print(f"{thresholds}: {caught}/{positives}, {at_tier}/{emergencies}, {alarms}/{negatives}, "
              f"{sum(others)}/{len(others)}{mark}")


def main(command, paths):
    if command == "regress":
        paths, command = read_sets(), "counts"
    if command in ("score", "counts"):
        for path in paths:
            results = run(path)
            print(line(path, figures(results, as_used, command == "score"), results))
    elif command == "first-sight":
        first_sight(paths)
    elif command == "thresholds":
        sets = [run(path) for path in paths]
        ranked = []
        for es, em, us, um in itertools.product(GRID_SIMILARITY, GRID_MARGIN, GRID_SIMILARITY, GRID_MARGIN):
            got = replayed({"emergency": (es, em), "urgent": (us, um)})
            all_figures = [figures(results, got) for results in sets]
            value = all_figures[0][0] - 3 * sum(f[4] for f in all_figures)
            ranked.append((value, (es, em, us, um), all_figures))
        ranked.sort(key=lambda r: -r[0])
        for value, thresholds, all_figures in ranked[:10]:
            print(value, "emergency (similarity, margin) =", thresholds[:2], "urgent =", thresholds[2:],
                  [f"{f[0]}/{f[1]} em {f[2]}/{f[3]} fa {f[4]}/{f[5]}" for f in all_figures])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    if len(sys.argv) < 3 and sys.argv[1:] != ["regress"]:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
