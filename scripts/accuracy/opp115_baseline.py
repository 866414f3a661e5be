#!/usr/bin/env python3
"""A trained baseline to set iotcheck's rules against, on OPP-115.

Logistic regression over word unigrams and bigrams (binary features, L2,
plain SGD: pure Python, no packages), one model per practice, measured by
5-fold cross-validation **grouped by policy** (no policy has segments in
both the training and the test folds). Labels are mapped exactly as
scripts/accuracy/opp115.py maps them.

This is a measurement only: nothing trained here ships. OPP-115 may be
used for research and teaching only, so a model trained on it cannot be
part of iotcheck; the point is to know how far the shipped rules are from
what a trained bag-of-words model reaches on the same labels.

Usage: scripts/accuracy/opp115_baseline.py [--data DIR] [--epochs 8]
"""
import argparse
import csv
import json
import math
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opp115 import PRACTICES, labels, load_account_hand, refined  # noqa: E402

TOKEN = re.compile(r"[a-z][a-z'-]+|\d+")


def features(text):
    words = TOKEN.findall(text.lower())
    f = set(words)
    f.update(f"{a} {b}" for a, b in zip(words, words[1:]))
    return f


def train(rows, y, epochs, l2=1e-4, rate=0.1, seed=1):
    w, b = {}, 0.0
    idx = list(range(len(rows)))
    rnd = random.Random(seed)
    pos = sum(y) or 1
    weight_pos = (len(y) - pos) / pos  # balance the classes
    for epoch in range(epochs):
        rnd.shuffle(idx)
        lr = rate / (1 + epoch)
        for i in idx:
            z = b + sum(w.get(t, 0.0) for t in rows[i])
            p = 1 / (1 + math.exp(-max(-30, min(30, z))))
            g = (p - y[i]) * (weight_pos if y[i] else 1.0)
            b -= lr * g
            for t in rows[i]:
                wt = w.get(t, 0.0)
                w[t] = wt - lr * (g + l2 * wt)
    return w, b


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(repo, "..", "shared", "data", "policy-clauses", "opp115"))
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--mapping", choices=["issue", "refined"], default="refined")
    args = ap.parse_args()
    tsv = os.path.join(args.data, "segments_labels_t075.tsv")
    if not os.path.exists(tsv):
        sys.exit(f"OPP-115 is not at {tsv}: this measurement needs ../shared/data")
    account_hand = load_account_hand(here)
    csv.field_size_limit(1 << 30)
    data = []
    with open(tsv, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            attrs = json.loads(r["attributes_json"]) if r["attributes_json"] else {}
            key = f'{r["policy_id"]}:{r["segment_id"]}'
            if args.mapping == "issue":
                gold, ignore = labels(r["categories"], attrs), set()
            else:
                gold, ignore = refined(key, r["categories"], attrs, account_hand)
            data.append((r["policy_id"], features(r["text"]), gold, ignore))
    policies = sorted({p for p, _, _, _ in data}, key=int)
    fold_of = {p: i % args.folds for i, p in enumerate(policies)}
    print(f"OPP-115: {len(policies)} policies, {len(data)} segments; LR uni+bigrams, {args.folds}-fold CV "
          f"grouped by policy; mapping: {args.mapping}\n")
    print("| practice | support | precision | recall | F1 |")
    print("|---|---:|---:|---:|---:|")
    for pr in PRACTICES:
        tp = fp = fn = 0
        for k in range(args.folds):
            tr = [d for d in data if fold_of[d[0]] != k and pr not in d[3]]
            te = [d for d in data if fold_of[d[0]] == k and pr not in d[3]]
            w, b = train([d[1] for d in tr], [int(pr in d[2]) for d in tr], args.epochs)
            for _, feats, gold, _ in te:
                z = b + sum(w.get(t, 0.0) for t in feats)
                yhat, g = z > 0, pr in gold
                tp += yhat and g
                fp += yhat and not g
                fn += g and not yhat
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"| {pr} | {tp + fn} | {p:.2f} | {r:.2f} | {f1:.2f} |", flush=True)


if __name__ == "__main__":
    main()
