#!/usr/bin/env python3
"""Segment-level accuracy of `iotcheck docs classify` on OPP-115.

Reads OPP-115 from ../shared/data/policy-clauses/opp115 (research-use
licence: it is read from there, never copied into this repository), maps
each segment's consolidated labels (threshold 0.75) to iotcheck's eight
practices, runs every segment through `iotcheck docs classify`, and prints
precision, recall and F1 per practice as a Markdown table.

The rules are not trained, so no cross-validation is needed to measure
them; `--folds K` still reports the spread across K disjoint groups of
policies (grouped by policy, never splitting one policy's segments), which
shows how much the numbers depend on which policies are measured.

Usage:
  scripts/accuracy/opp115.py [--iotcheck target/release/iotcheck] [--folds 5]
                             [--errors PRACTICE] [--data DIR]
"""
import argparse
import csv
import json
import os
import subprocess
import sys

PRACTICES = [
    "marketing", "opt-out", "data-deletion", "account-deletion", "retention",
    "change-notification", "third-party-sharing", "privacy-contact",
]

MARKETING = {"Marketing", "Advertising"}


def labels(categories, attrs):
    """The practices a segment's OPP-115 labels say it states, mapped as the
    issue maps them (one bucket: labelled or not)."""
    cats = set(c for c in categories.split(";") if c)
    out = set()

    def vals(key):
        return set(attrs.get(key, []))

    # marketing: any practice whose Purpose is Marketing or Advertising.
    for cat in ("First Party Collection/Use", "Third Party Sharing/Collection", "User Choice/Control"):
        if cat in cats and vals(f"{cat}/Purpose") & MARKETING:
            out.add("marketing")
    # opt-out: a user choice about marketing or advertising use.
    if "User Choice/Control" in cats and vals("User Choice/Control/Purpose") & MARKETING:
        out.add("opt-out")
    access = vals("User Access, Edit and Deletion/Access Type")
    if "User Access, Edit and Deletion" in cats:
        if access & {"Delete account (full)", "Delete account (partial)"}:
            out.add("account-deletion")
            out.add("data-deletion")
    # retention: how long data is kept, as OPP-115's Retention Period
    # attribute records it (a stated period, "limited" such as "as long as
    # necessary", or indefinitely).
    if "Data Retention" in cats and vals("Data Retention/Retention Period") & {"Stated Period", "Limited", "Indefinitely"}:
        out.add("retention")
    if "Policy Change" in cats:
        out.add("change-notification")
    if "Third Party Sharing/Collection" in cats:
        out.add("third-party-sharing")
    if "Other" in cats and "Privacy contact information" in vals("Other/Other Type"):
        out.add("privacy-contact")
    return out


CHOICE_EXT = {"Opt-out link", "Opt-out via contacting company", "First-party privacy controls",
              "Third-party privacy controls", "Browser/device privacy controls"}


def refined(key, categories, attrs, account_hand):
    """Three buckets per practice (positive, ignore, negative), following a
    hand review of samples of this half (docs/ACCURACY.md): segments whose
    labels are ambiguous for a practice are left out of its score rather
    than counted either way. Only labels decide the buckets, never the text,
    so the buckets cannot favour iotcheck's wording."""
    cats = set(c for c in categories.split(";") if c)
    pos, ign = set(), set()

    def vals(key):
        return set(attrs.get(key, []))

    for cat in ("First Party Collection/Use", "Third Party Sharing/Collection", "User Choice/Control"):
        if cat in cats and vals(f"{cat}/Purpose") & MARKETING:
            pos.add("marketing")
    if "User Choice/Control" in cats and vals("User Choice/Control/Purpose") & MARKETING:
        pos.add("opt-out")
    else:
        # Opt-outs annotated as a choice inside another practice.
        for cat in ("First Party Collection/Use", "Third Party Sharing/Collection"):
            if cat in cats and vals(f"{cat}/Purpose") & MARKETING and vals(f"{cat}/Choice Type") & CHOICE_EXT:
                ign.add("opt-out")
    if "User Access, Edit and Deletion" in cats:
        access = vals("User Access, Edit and Deletion/Access Type")
        if access & {"Delete account (full)", "Delete account (partial)"}:
            pos.add("data-deletion")
        elif access & {"Edit information", "Other"}:
            ign.add("data-deletion")
    bucket = account_hand.get(key)
    if bucket == "positive":
        pos.add("account-deletion")
    elif bucket == "ignore":
        ign.add("account-deletion")
    if "Data Retention" in cats:
        if vals("Data Retention/Retention Period") & {"Stated Period", "Limited", "Indefinitely", "Other"}:
            pos.add("retention")
        else:
            ign.add("retention")
    if "Policy Change" in cats:
        if vals("Policy Change/Notification Type"):
            pos.add("change-notification")
        else:
            ign.add("change-notification")
    if "Third Party Sharing/Collection" in cats:
        if "Receive/Shared with" in vals("Third Party Sharing/Collection/Action Third Party"):
            pos.add("third-party-sharing")
        else:
            ign.add("third-party-sharing")
    if "Other" in cats and "Privacy contact information" in vals("Other/Other Type"):
        pos.add("privacy-contact")
    return pos, ign - pos


def load_account_hand(here):
    """The hand labels for account-deletion: {"policy:segment": bucket}."""
    hand = {}
    with open(os.path.join(here, "opp115-account-deletion.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith(("#", "policy_id")) or not line.strip():
                continue
            pol, seg, bucket = line.split()
            hand[f"{pol}:{seg}"] = bucket
    return hand


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iotcheck", default=os.path.join(repo, "target", "release", "iotcheck"))
    ap.add_argument("--data", default=os.path.join(repo, "..", "shared", "data", "policy-clauses", "opp115"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--errors", metavar="PRACTICE", help="print false positives and negatives of one practice")
    ap.add_argument("--json", action="store_true", help="print the counts as JSON")
    ap.add_argument("--mapping", choices=["issue", "refined"], default="refined",
                    help="issue: labelled-or-not as the issue maps OPP-115; refined (default): three buckets "
                         "from a hand review, ambiguous segments left out")
    args = ap.parse_args()

    tsv = os.path.join(args.data, "segments_labels_t075.tsv")
    if not os.path.exists(tsv):
        sys.exit(f"OPP-115 is not at {tsv}: this measurement needs ../shared/data (see docs/ACCURACY.md)")
    if not os.access(args.iotcheck, os.X_OK):
        sys.exit(f"{args.iotcheck} is not built: cargo build --release -p iotcheck")

    account_hand = load_account_hand(here)

    csv.field_size_limit(1 << 30)
    rows = []
    with open(tsv, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            attrs = json.loads(r["attributes_json"]) if r["attributes_json"] else {}
            key = f'{r["policy_id"]}:{r["segment_id"]}'
            text = " ".join(r["text"].split())
            if args.mapping == "issue":
                gold, ignore = labels(r["categories"], attrs), set()
            else:
                gold, ignore = refined(key, r["categories"], attrs, account_hand)
            rows.append((key, r["policy_id"], text, gold, ignore))

    stdin = "".join(f"{k}\t{t}\n" for k, _, t, _, _ in rows)
    res = subprocess.run([args.iotcheck, "docs", "classify"], input=stdin.encode(), capture_output=True, check=True)
    predicted = {}
    for line in res.stdout.decode().splitlines():
        o = json.loads(line)
        predicted[o["id"]] = set(o["practices"])
    missing = [k for k, *_ in rows if k not in predicted]
    if missing:
        sys.exit(f"iotcheck gave no answer for {len(missing)} segments, e.g. {missing[:3]}")

    policies = sorted({p for _, p, _, _, _ in rows}, key=int)
    fold_of = {p: i % args.folds for i, p in enumerate(policies)}

    def prf(tp, fp, fn):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f

    table = {}
    for pr in PRACTICES:
        tp = fp = fn = 0
        per_fold = [[0, 0, 0] for _ in range(args.folds)]
        ignored = 0
        for k, pol, text, gold, ignore in rows:
            if pr in ignore:
                ignored += 1
                continue
            g, y = pr in gold, pr in predicted[k]
            c = per_fold[fold_of[pol]]
            if g and y:
                tp += 1; c[0] += 1
            elif y:
                fp += 1; c[1] += 1
                if args.errors == pr:
                    print(f"FP {k}: {text[:400]}\n", file=sys.stderr)
            elif g:
                fn += 1; c[2] += 1
                if args.errors == pr:
                    print(f"FN {k}: {text[:400]}\n", file=sys.stderr)
        fold_f1 = [prf(*c)[2] for c in per_fold if c[0] + c[2] > 0]
        table[pr] = dict(tp=tp, fp=fp, fn=fn, support=tp + fn, ignored=ignored, fold_f1=fold_f1)

    if args.json:
        print(json.dumps(table, indent=1))
        return
    print(f"OPP-115 (this half: {len(policies)} policies, {len(rows)} segments), labels at threshold 0.75, "
          f"mapping: {args.mapping}\n")
    print("| practice | support | left out | precision | recall | F1 | F1 range over folds |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for pr in PRACTICES:
        t = table[pr]
        p, r, f = prf(t["tp"], t["fp"], t["fn"])
        ff = t["fold_f1"]
        rng = f"{min(ff):.2f}–{max(ff):.2f}" if ff else "–"
        print(f"| {pr} | {t['support']} | {t['ignored']} | {p:.2f} | {r:.2f} | {f:.2f} | {rng} |")


if __name__ == "__main__":
    main()
