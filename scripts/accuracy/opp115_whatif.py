#!/usr/bin/env python3
"""What a rule change would do on OPP-115, before rebuilding iotcheck.

Re-implements the matcher of crates/iotcheck-docs/src/privacy/rules.rs in
Python over data/practices.toml (same patterns, case-insensitive, terms
expanded the same way; sentences split by a regex approximating iotcheck's
UAX #29 splitter), checks that it agrees with `iotcheck docs classify` on
every segment for the practice (and says so when it does not), then applies
the extra `not` patterns or dropped rules given and prints before/after
precision, recall, F1 and the F1 of each of opp115.py's five policy groups.
A change worth keeping is then made in practices.toml and measured with
iotcheck itself (opp115.py); this script only screens.

Reads OPP-115 from ../shared/data/policy-clauses/opp115 (never copied).

Usage:
  scripts/accuracy/opp115_whatif.py PRACTICE [--not RULE=REGEX ...] [--drop RULE ...]
        [--mapping refined|issue] [--show] [--iotcheck PATH] [--data DIR]
  RULE may be * for every rule of the practice; REGEX may use {term} names.
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import opp115  # noqa: E402

RULES_TOML = os.path.join(REPO, "crates", "iotcheck-docs", "data", "practices.toml")
# A sentence ends at . ! or ? (with closing quotes or brackets) before a
# space and a capital, digit, quote or bracket: close to UAX #29 for policy
# prose; the agreement check below tells when it is not close enough.
SPLIT = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z0-9\"“(\[])")


def compile_rules(path):
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    terms = doc["terms"]

    def expand(p):
        return re.sub(r"\{([a-z_]+)\}",
                      lambda m: f"(?:{terms[m.group(1)]})" if m.group(1) in terms else m.group(0), p)

    def rx(p):
        return re.compile(expand(p), re.I)

    rules = {}
    for pr in doc["practice"]:
        rules[pr["name"]] = [dict(id=r["id"], scope=r.get("scope", "sentence"),
                                  all=[rx(p) for p in r["all"]], nots=[rx(p) for p in r.get("not", [])])
                             for r in pr["rule"]]
    return rules, rx


def sentences(text):
    return [s for s in SPLIT.split(text) if s.strip()]


def rule_matches(rule, sents, extra_not):
    nots = rule["nots"] + extra_not
    if rule["scope"] == "sentence":
        return any(all(p.search(s) for p in rule["all"]) and not any(n.search(s) for n in nots) for s in sents)
    first, rest = rule["all"][0], rule["all"][1:]
    if not all(any(p.search(s) for s in sents) for p in rest):
        return False
    return any(first.search(s) and not any(n.search(s) for n in nots) for s in sents)


def found(rules, text, extra=None, drop=()):
    extra = extra or {}
    sents = sentences(text)
    return any(rule_matches(r, sents, extra.get(r["id"], []) + extra.get("*", []))
               for r in rules if r["id"] not in drop)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("practice", choices=opp115.PRACTICES)
    ap.add_argument("--not", dest="nots", action="append", default=[], metavar="RULE=REGEX")
    ap.add_argument("--drop", action="append", default=[], metavar="RULE")
    ap.add_argument("--mapping", choices=["issue", "refined"], default="refined")
    ap.add_argument("--show", action="store_true", help="list the segment ids the change removes")
    ap.add_argument("--iotcheck", default=os.path.join(REPO, "target", "release", "iotcheck"))
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data", "policy-clauses", "opp115"))
    args = ap.parse_args()
    tsv = os.path.join(args.data, "segments_labels_t075.tsv")
    if not os.path.exists(tsv):
        sys.exit(f"OPP-115 is not at {tsv}: this measurement needs ../shared/data (see docs/ACCURACY.md)")
    if not os.access(args.iotcheck, os.X_OK):
        sys.exit(f"{args.iotcheck} is not built: cargo build --release -p iotcheck")

    all_rules, rx = compile_rules(RULES_TOML)
    rules = all_rules[args.practice]
    ids = {r["id"] for r in rules} | {"*"}
    extra = {}
    for spec in args.nots:
        rid, _, pat = spec.partition("=")
        if rid not in ids or not pat:
            sys.exit(f"--not {spec!r}: RULE must be one of {sorted(ids)}, then =REGEX")
        extra.setdefault(rid, []).append(rx(pat))
    for rid in args.drop:
        if rid not in ids - {"*"}:
            sys.exit(f"--drop {rid!r}: not a rule of {args.practice}")

    account_hand = opp115.load_account_hand(HERE)
    csv.field_size_limit(1 << 30)
    rows = []
    with open(tsv, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            attrs = json.loads(r["attributes_json"]) if r["attributes_json"] else {}
            key = f'{r["policy_id"]}:{r["segment_id"]}'
            if args.mapping == "issue":
                gold, ignore = opp115.labels(r["categories"], attrs), set()
            else:
                gold, ignore = opp115.refined(key, r["categories"], attrs, account_hand)
            rows.append((key, r["policy_id"], " ".join(r["text"].split()), args.practice in gold,
                         args.practice in ignore))
    stdin = "".join(f"{k}\t{t}\n" for k, _, t, _, _ in rows)
    res = subprocess.run([args.iotcheck, "docs", "classify"], input=stdin.encode(), capture_output=True, check=True)
    iot = {}
    for line in res.stdout.decode().splitlines():
        o = json.loads(line)
        iot[o["id"]] = args.practice in o["practices"]

    policies = sorted({p for _, p, _, _, _ in rows}, key=int)
    group = {p: i % 5 for i, p in enumerate(policies)}
    before = [[0, 0, 0] for _ in range(5)]
    after = [[0, 0, 0] for _ in range(5)]
    agree = 0
    removed = []
    for key, pol, text, g, ign in rows:
        y = found(rules, text)
        agree += y == iot.get(key)
        y2 = y and found(rules, text, extra, set(args.drop))
        if y and not y2:
            removed.append((key, "left out" if ign else "TP" if g else "FP"))
        if ign:
            continue
        for c, yy in ((before[group[pol]], y), (after[group[pol]], y2)):
            if yy and g:
                c[0] += 1
            elif yy:
                c[1] += 1
            elif g:
                c[2] += 1

    def prf(c):
        tp, fp, fn = c
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def total(cs):
        return [sum(c[i] for c in cs) for i in range(3)]

    print(f"re-implementation agrees with iotcheck on {agree}/{len(rows)} segments"
          + ("" if agree == len(rows) else " (NOT all: treat the numbers below as rough)"))
    b, a = prf(total(before)), prf(total(after))
    kinds = {k: sum(1 for _, x in removed if x == k) for k in ("TP", "FP", "left out")}
    print(f"{args.practice} ({args.mapping}): removes {kinds['FP']} false positives, {kinds['TP']} true positives, "
          f"{kinds['left out']} left out")
    print(f"precision {b[0]:.3f} -> {a[0]:.3f}, recall {b[1]:.3f} -> {a[1]:.3f}, F1 {b[2]:.3f} -> {a[2]:.3f}")
    fb = [prf(c)[2] for c in before]
    fa = [prf(c)[2] for c in after]
    up = sum(y > x + 1e-9 for x, y in zip(fb, fa))
    down = sum(y < x - 1e-9 for x, y in zip(fb, fa))
    print(f"F1 per policy group: {' '.join(f'{x:.2f}->{y:.2f}' for x, y in zip(fb, fa))} "
          f"({up} better, {down} worse)")
    if args.show:
        for key, kind in removed:
            print(f"  {kind}\t{key}")


if __name__ == "__main__":
    main()
