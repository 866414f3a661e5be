#!/usr/bin/env python3
"""How well OPP-115's annotators agree with each other: the human ceiling
for iotcheck's segment-level accuracy, on the same label mapping.

Reads OPP-115 from ../shared/data/policy-clauses/opp115 (research-use
licence: read from there, never copied into this repository). Per policy,
three annotators labelled every segment; the files in
consolidation/threshold-0.75-overlap-similarity/ keep one row per data
practice with its annotator id (column 3), segment id (column 5), category
(column 6) and attributes (column 7). This script

1. rebuilds each annotator's labels per segment and maps them to iotcheck's
   practices with the very functions opp115.py uses (`labels` for the
   issue's mapping, `refined` for the three-bucket one, "left out" included);
2. checks how segments_labels_t075.tsv (the consolidated labels opp115.py
   scores against) relates to the annotators;
3. scores each annotator as a classifier (a) against the consolidated labels
   it contributed to (biased upwards) and (b) against the other two
   annotators of the same policy (their union, as the consolidated labels
   are a union; and both of them), pooled over policies, with the spread
   over the five policy groups opp115.py uses; plus pairwise Cohen's kappa
   and F1 between annotators;
4. scores `iotcheck docs classify` against exactly the same references on
   the same segments, so the two numbers can be compared.

One limit of the data: a practice that 2-3 annotators marked alike was
merged by OPP-115's consolidation into one row whose id starts with "C"
and which names ONE annotator. Who else marked it is not recorded here
(the raw annotations/ folder of OPP-115 is not in shared/data). So every
number is given twice: each C row credited to the fewest annotators it can
stand for (the named one and one other, preferably one already named on
that category in that segment: a lower bound of agreement) and to all three
annotators of the policy (an upper bound). Given OPP-115's
raw annotations/ folder for these policies (same CSV format, no C rows),
`--annotations DIR` gives the exact numbers and the two bounds coincide.

Usage:
  scripts/accuracy/opp115_agreement.py [--iotcheck target/release/iotcheck]
                                       [--data DIR] [--annotations DIR]
                                       [--mapping refined|issue|both]
"""
import argparse
import collections
import csv
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import opp115  # noqa: E402  (the mapping functions, shared on purpose)

PRACTICES = opp115.PRACTICES
FOLDS = 5
# Values the consolidated TSV leaves out of attributes_json (checked below).
NO_VALUE = {"Unspecified", "not-selected", None}
C_MODES = ("two", "all")


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def kappa(n11, n10, n01, n00):
    n = n11 + n10 + n01 + n00
    if not n:
        return 0.0
    po = (n11 + n00) / n
    pe = ((n11 + n10) * (n11 + n01) + (n01 + n00) * (n10 + n00)) / (n * n)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def load_tsv(data):
    csv.field_size_limit(1 << 30)
    rows = []
    with open(os.path.join(data, "segments_labels_t075.tsv"), newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            attrs = json.loads(r["attributes_json"]) if r["attributes_json"] else {}
            rows.append(dict(policy=r["policy_id"], segment=r["segment_id"], categories=r["categories"],
                             attrs=attrs, text=" ".join(r["text"].split())))
    return rows


def load_annotations(d):
    """[(policy, segment, annotator, is_consolidated, category, {cat/attr: value})] and the
    annotators of each policy. The policy id is the file name's prefix (column 4 is another
    id, not the one segments_labels_t075.tsv uses)."""
    out, annotators = [], collections.defaultdict(set)
    for name in sorted(os.listdir(d)):
        if not name.endswith(".csv"):
            continue
        pol = name.split("_", 1)[0]
        with open(os.path.join(d, name), newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                if len(row) < 7:
                    continue
                cat = row[5]
                try:
                    raw = json.loads(row[6]) if row[6] else {}
                except json.JSONDecodeError:
                    raw = {}
                attrs = {f"{cat}/{k}": v.get("value") for k, v in raw.items() if isinstance(v, dict)}
                out.append((pol, row[4], row[2], row[0].startswith("C"), cat, attrs))
                annotators[pol].add(row[2])
    return out, {p: sorted(a) for p, a in annotators.items()}


def per_annotator(anns, annotators, c_mode):
    """{(policy, segment): {annotator: (categories string, attrs dict)}} shaped like a TSV row,
    so that opp115.labels/refined read it exactly as they read the consolidated labels."""
    cats = collections.defaultdict(lambda: collections.defaultdict(set))
    vals = collections.defaultdict(lambda: collections.defaultdict(lambda: collections.defaultdict(set)))
    named = collections.defaultdict(set)
    for pol, seg, ann, _, cat, _ in anns:
        named[(pol, seg, cat)].add(ann)
    for pol, seg, ann, is_c, cat, attrs in anns:
        who = [ann]
        if is_c and c_mode == "all":
            who = annotators[pol]
        elif is_c and c_mode == "two":
            # The fewest annotators a C row can stand for: the named one and one other,
            # preferably one already named on this category here (that adds the least).
            others = [o for o in annotators[pol] if o != ann]
            known = [o for o in others if o in named[(pol, seg, cat)]]
            who = [ann, (known or others)[0]]
        for a in who:
            cats[(pol, seg)][a].add(cat)
            for k, v in attrs.items():
                if v not in NO_VALUE:
                    vals[(pol, seg)][a][k].add(v)
    out = {}
    for key, by_ann in cats.items():
        out[key] = {a: (";".join(sorted(c)), {k: sorted(v) for k, v in vals[key][a].items()})
                    for a, c in by_ann.items()}
    return out


def map_labels(mapping, key, categories, attrs, account_hand):
    """(positive, left out) for one segment, by opp115.py's own functions."""
    if mapping == "issue":
        return opp115.labels(categories, attrs), set()
    return opp115.refined(key, categories, attrs, account_hand)


def relation_check(rows, anns, annotators):
    """How the consolidated labels relate to the annotators' rows."""
    union_cats = collections.defaultdict(set)
    union_vals = collections.defaultdict(lambda: collections.defaultdict(set))
    named = collections.defaultdict(lambda: collections.defaultdict(set))
    for pol, seg, ann, is_c, cat, attrs in anns:
        union_cats[(pol, seg)].add(cat)
        named[(pol, seg)][cat].add(ann)
        for k, v in attrs.items():
            if v not in NO_VALUE:
                union_vals[(pol, seg)][k].add(v)
    n = len(rows)
    same_union = same_attrs = same_two = same_two_c = 0
    for r in rows:
        key = (r["policy"], r["segment"])
        tsv_cats = set(c for c in r["categories"].split(";") if c)
        same_union += tsv_cats == union_cats.get(key, set())
        tsv_attrs = {k: set(v) for k, v in r["attrs"].items()}
        same_attrs += tsv_attrs == {k: v for k, v in union_vals.get(key, {}).items() if v}
        two = {c for c, a in named.get(key, {}).items() if len(a) >= 2}
        same_two += tsv_cats == two
    c_rows = sum(1 for a in anns if a[3])
    # Segment-categories whose only annotator named is the one on a C row: the hidden agreement.
    hidden = 0
    has_c = set((a[0], a[1], a[4]) for a in anns if a[3])
    for (pol, seg, cat) in has_c:
        if len(named[(pol, seg)][cat]) == 1:
            hidden += 1
    return dict(segments=n, same_union=same_union, same_attrs=same_attrs, same_two=same_two,
                rows=len(anns), c_rows=c_rows, c_cells=len(has_c), hidden=hidden,
                annotators=len({a[2] for a in anns}),
                per_policy=sorted({len(v) for v in annotators.values()}))


def run_iotcheck(binary, rows):
    stdin = "".join(f'{r["policy"]}:{r["segment"]}\t{r["text"]}\n' for r in rows)
    res = subprocess.run([binary, "docs", "classify"], input=stdin.encode(), capture_output=True, check=True)
    predicted = {}
    for line in res.stdout.decode().splitlines():
        o = json.loads(line)
        predicted[o["id"]] = set(o["practices"])
    missing = [f'{r["policy"]}:{r["segment"]}' for r in rows if f'{r["policy"]}:{r["segment"]}' not in predicted]
    if missing:
        sys.exit(f"iotcheck gave no answer for {len(missing)} segments, e.g. {missing[:3]}")
    return predicted


class Counts:
    """TP/FP/FN pooled, per policy group, and per annotator id."""

    def __init__(self):
        self.all = [0, 0, 0]
        self.fold = [[0, 0, 0] for _ in range(FOLDS)]
        self.by = collections.defaultdict(lambda: [0, 0, 0])

    def add(self, fold, who, pred, gold):
        i = 0 if (pred and gold) else 1 if pred else 2 if gold else None
        if i is None:
            return
        self.all[i] += 1
        self.fold[fold][i] += 1
        self.by[who][i] += 1

    def f1(self):
        return prf(*self.all)

    def fold_range(self):
        ff = [prf(*c)[2] for c in self.fold if c[0] + c[2] > 0]
        return (min(ff), max(ff)) if ff else None

    def by_range(self, min_support):
        ff = [prf(*c)[2] for c in self.by.values() if c[0] + c[2] >= min_support]
        return (min(ff), max(ff), len(ff)) if ff else None


def measure(mapping, rows, per_ann, annotators, predicted, account_hand):
    policies = sorted({r["policy"] for r in rows}, key=int)
    fold_of = {p: i % FOLDS for i, p in enumerate(policies)}
    # Labels per segment: consolidated, and each annotator's.
    cons, ann_lab = {}, {}
    for r in rows:
        key = f'{r["policy"]}:{r["segment"]}'
        cons[key] = map_labels(mapping, key, r["categories"], r["attrs"], account_hand)
        seg = per_ann.get((r["policy"], r["segment"]), {})
        for a in annotators[r["policy"]]:
            c, at = seg.get(a, ("", {}))
            ann_lab[(key, a)] = map_labels(mapping, key, c, at, account_hand)
    result = {}
    for pr in PRACTICES:
        biased, hum_u, iot_u, hum_b, iot_b, iot_c = (Counts() for _ in range(6))
        pair = [0, 0, 0, 0]
        union_check = [0, 0]
        support_u = support_b = 0
        for r in rows:
            pol = r["policy"]
            key = f"{pol}:{r['segment']}"
            fold = fold_of[pol]
            anns = annotators[pol]
            pos = {a: pr in ann_lab[(key, a)][0] for a in anns}
            ign = {a: pr in ann_lab[(key, a)][1] and not pos[a] for a in anns}
            y = pr in predicted[key]
            gpos, gign = pr in cons[key][0], pr in cons[key][1]
            if mapping == "issue":
                union_check[0] += 1
                union_check[1] += gpos == any(pos.values())
            if not gign:
                iot_c.add(fold, "iotcheck", y, gpos)
            for a in anns:
                if not gign:
                    biased.add(fold, a, pos[a], gpos)
                others = [o for o in anns if o != a]
                # Union of the other two, as the consolidated labels are a union of all three.
                upos = any(pos[o] for o in others)
                uign = not upos and any(ign[o] for o in others)
                if not uign:
                    hum_u.add(fold, a, pos[a], upos)
                    iot_u.add(fold, a, y, upos)
                    support_u += upos
                # Both other annotators.
                bpos = all(pos[o] for o in others)
                bign = not bpos and any(ign[o] for o in others)
                if not bign:
                    hum_b.add(fold, a, pos[a], bpos)
                    iot_b.add(fold, a, y, bpos)
                    support_b += bpos
            for i in range(len(anns)):
                for j in range(i + 1, len(anns)):
                    a, b = anns[i], anns[j]
                    if ign[a] or ign[b]:
                        continue
                    pair[0 if pos[a] and pos[b] else 1 if pos[a] else 2 if pos[b] else 3] += 1
        result[pr] = dict(biased=biased, hum_u=hum_u, iot_u=iot_u, hum_b=hum_b, iot_b=iot_b, iot_c=iot_c,
                          pair=pair, support_u=support_u, support_b=support_b, union_check=union_check)
    return result


def fmt_range(rg):
    return f"{rg[0]:.2f}–{rg[1]:.2f}" if rg else "–"


def print_tables(mapping, res, bound):
    """res, bound: the measure() results with C rows credited to two annotators / to all three."""
    hand = "account-deletion" if mapping == "refined" else None
    print(f"\n#### Mapping: {mapping}\n")
    print("Fair reference: the union of the other two annotators of the same policy (each annotator in "
          "turn; pooled over the 63 policies). iotcheck is scored against the same reference on the same "
          "segments. Lower bound (C rows credited to two annotators); in brackets, upper bound (to all three).\n")
    print("| practice | support | human P | human R | human F1 | human F1 range over groups "
          "| iotcheck P | iotcheck R | iotcheck F1 | iotcheck F1 range over groups |")
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|---|")
    for pr in PRACTICES:
        if pr == hand:
            print(f"| {pr} | – | hand list: one label per segment, no per-annotator labels | | | | | | | |")
            continue
        t, b = res[pr], bound[pr]
        hp, hr, hf = t["hum_u"].f1()
        ip, ir, iff = t["iot_u"].f1()
        print(f"| {pr} | {t['support_u']} | {hp:.2f} | {hr:.2f} | {hf:.2f} ({b['hum_u'].f1()[2]:.2f}) "
              f"| {fmt_range(t['hum_u'].fold_range())} | {ip:.2f} | {ir:.2f} | {iff:.2f} ({b['iot_u'].f1()[2]:.2f}) "
              f"| {fmt_range(t['iot_u'].fold_range())} |")
    print("\nOther references and agreement (F1; lower / upper bound):\n")
    print("| practice | human vs consolidated (biased) | iotcheck vs consolidated | human vs both others "
          "| iotcheck vs both others | pairwise F1 | pairwise kappa | human F1 range over annotators (lower bound) |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for pr in PRACTICES:
        if pr == hand:
            continue
        t, b = res[pr], bound[pr]
        n11, n10, n01, n00 = t["pair"]
        m11, m10, m01, m00 = b["pair"]
        pf = 2 * n11 / (2 * n11 + n10 + n01) if n11 + n10 + n01 else 0.0
        pfb = 2 * m11 / (2 * m11 + m10 + m01) if m11 + m10 + m01 else 0.0
        rg = t["hum_u"].by_range(10)
        rgs = f"{rg[0]:.2f}–{rg[1]:.2f} ({rg[2]} annotators)" if rg else "–"
        print(f"| {pr} | {t['biased'].f1()[2]:.2f} / {b['biased'].f1()[2]:.2f} | {t['iot_c'].f1()[2]:.2f} "
              f"| {t['hum_b'].f1()[2]:.2f} / {b['hum_b'].f1()[2]:.2f} "
              f"| {t['iot_b'].f1()[2]:.2f} / {b['iot_b'].f1()[2]:.2f} | {pf:.2f} / {pfb:.2f} "
              f"| {kappa(n11, n10, n01, n00):.2f} / {kappa(m11, m10, m01, m00):.2f} | {rgs} |")


def main():
    repo = os.path.dirname(os.path.dirname(HERE))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iotcheck", default=os.path.join(repo, "target", "release", "iotcheck"))
    ap.add_argument("--data", default=os.path.join(repo, "..", "shared", "data", "policy-clauses", "opp115"))
    ap.add_argument("--annotations", metavar="DIR",
                    help="per-annotator CSVs (default: DATA/consolidation/threshold-0.75-overlap-similarity)")
    ap.add_argument("--mapping", choices=["issue", "refined", "both"], default="both")
    ap.add_argument("--json", action="store_true", help="print the pooled counts as JSON")
    args = ap.parse_args()

    if not os.path.exists(os.path.join(args.data, "segments_labels_t075.tsv")):
        sys.exit(f"OPP-115 is not at {args.data}: this measurement needs ../shared/data (see docs/ACCURACY.md)")
    ann_dir = args.annotations or os.path.join(args.data, "consolidation", "threshold-0.75-overlap-similarity")
    if not os.path.isdir(ann_dir):
        sys.exit(f"{ann_dir} is missing")
    if not os.access(args.iotcheck, os.X_OK):
        sys.exit(f"{args.iotcheck} is not built: cargo build --release -p iotcheck")

    rows = load_tsv(args.data)
    anns, annotators = load_annotations(ann_dir)
    missing = sorted({r["policy"] for r in rows} - set(annotators), key=int)
    if missing:
        sys.exit(f"no annotations for policies {missing[:5]}")
    account_hand = opp115.load_account_hand(HERE)
    predicted = run_iotcheck(args.iotcheck, rows)
    per = {m: per_annotator(anns, annotators, m) for m in C_MODES}

    rc = relation_check(rows, anns, annotators)
    mappings = ["refined", "issue"] if args.mapping == "both" else [args.mapping]
    results = {m: {c: measure(m, rows, per[c], annotators, predicted, account_hand) for c in C_MODES}
               for m in mappings}
    if args.json:
        print(json.dumps({m: {c: {pr: dict(hum_u=v["hum_u"].all, iot_u=v["iot_u"].all, hum_b=v["hum_b"].all,
                                             iot_b=v["iot_b"].all, biased=v["biased"].all, pair=v["pair"])
                                  for pr, v in r.items()} for c, r in rc_.items()}
                          for m, rc_ in results.items()}, indent=1))
        return

    print(f"OPP-115, this half: {len(annotators)} policies, {rc['segments']} segments, "
          f"{rc['annotators']} annotators ({'/'.join(map(str, rc['per_policy']))} per policy), "
          f"{rc['rows']} annotation rows of which {rc['c_rows']} consolidated (C) rows.\n")
    print("**What the consolidated labels are.** segments_labels_t075.tsv's categories equal the union of "
          f"all annotators' rows in {rc['same_union']}/{rc['segments']} segments, and its attribute values "
          f"equal the union of the rows' values less Unspecified/not-selected in {rc['same_attrs']}/"
          f"{rc['segments']}; the categories at least two named annotators gave match in only "
          f"{rc['same_two']}/{rc['segments']}. So the consolidated labels are the UNION of the three "
          "annotators: one annotator's label suffices.")
    if "issue" in results:
        u = results["issue"]["two"]
        bad = sum(v["union_check"][0] - v["union_check"][1] for v in u.values())
        print(f"Mapped with the issue's mapping, the union of the per-annotator practices equals the "
              f"consolidated practices in all but {bad} of {sum(v['union_check'][0] for v in u.values())} "
              "segment-practice pairs.")
    print(f"\n{rc['c_cells']} segment-category pairs carry a C row; in {rc['hidden']} of them it is the only "
          "annotator named for that category, so who agreed is hidden: hence the two bounds (C row credited to its named annotator and one other / to all three).")
    for m in mappings:
        print_tables(m, results[m]["two"], results[m]["all"])


if __name__ == "__main__":
    main()
