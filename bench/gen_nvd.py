#!/usr/bin/env python3
"""Synthetic NVD-shaped corpus for the vulnerability database benchmark.

Writes NVD API 2.0 response pages (2,000 records each, as the API pages
them) and a KEV catalog into OUT_DIR. Shape follows the real NVD: ~300,000
CVE records; products drawn with a Zipf-like skew over ~25,000
vendor:product pairs (the linux_kernel-style heavy hitters and a long
tail), the identity-table products of iotcheck among them; 1-8 cpeMatch
entries per record, a mix of versionEnd* ranges (about 60 %), start+end
ranges and exact versions (CPE version field, sometimes split into the
update field as old OpenSSL CPEs are); AND configurations with a
non-vulnerable platform; CVSS v3.1 primary and secondary, some v4.0; 1-3
description paragraphs; 3-12 references; CWE weaknesses. All ids are
fictional (CVE-YYYY-9NNNNN).  Deterministic for a given seed.

Usage: gen_nvd.py OUT_DIR [--records N] [--kev N] [--seed S] [--boms-only]
"""
import argparse
import json
import os
import random
import zlib

IDENTITY = [
    ("busybox", "busybox"), ("openssl", "openssl"), ("dropbear_ssh_project", "dropbear_ssh"),
    ("thekelleys", "dnsmasq"), ("lighttpd", "lighttpd"), ("haxx", "curl"), ("eclipse", "mosquitto"),
    ("miniupnp_project", "miniupnpd"), ("libupnp_project", "libupnp"), ("w1.fi", "hostapd"),
    ("w1.fi", "wpa_supplicant"), ("zlib", "zlib"), ("ntp", "ntp"), ("avahi", "avahi"),
    ("linux", "linux_kernel"), ("uclibc", "uclibc"), ("musl-libc", "musl"), ("gnu", "glibc"),
    ("openbsd", "openssh"), ("samba", "samba"), ("sqlite", "sqlite"), ("libexpat_project", "libexpat"),
    ("xmlsoft", "libxml2"), ("openvpn", "openvpn"), ("gnu", "bash"), ("denx", "u-boot"),
]

WORDS = ("buffer overflow heap stack use-after-free null pointer dereference integer crafted packet "
         "remote attacker denial of service arbitrary code execution authentication bypass memory "
         "corruption out-of-bounds read write via parsing function component request response").split()


def scheme(product):
    """Each product keeps one version scheme, as real products do."""
    return SCHEMES.get(product, zlib.crc32(product.encode()) % 5)


SCHEMES = {"linux_kernel": 3, "openssl": 1, "dropbear_ssh": 2, "ntp": 4}


def version(rng, product):
    shape = scheme(product)
    if shape == 0:
        return f"{rng.randint(0, 5)}.{rng.randint(0, 20)}.{rng.randint(0, 15)}"
    if shape == 1:
        return f"{rng.randint(0, 3)}.{rng.randint(0, 2)}.{rng.randint(0, 9)}{rng.choice('abcdefghijklmnopqrstuvwxyz')}"
    if shape == 2:
        return f"{rng.randint(2010, 2025)}.{rng.randint(1, 90)}"
    if shape == 3:
        return f"{rng.randint(2, 6)}.{rng.randint(0, 20)}.{rng.randint(0, 300)}"
    return f"{rng.randint(1, 4)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}p{rng.randint(1, 20)}"


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def cpe(part, vendor, product, ver="*", update="*"):
    return f"cpe:2.3:{part}:{vendor}:{product}:{ver}:{update}:*:*:*:*:*:*"


def cvss31(rng):
    score = round(rng.uniform(2.0, 10.0), 1)
    sev = "CRITICAL" if score >= 9 else "HIGH" if score >= 7 else "MEDIUM" if score >= 4 else "LOW"
    av = rng.choice("NALP")
    return {"version": "3.1", "vectorString": f"CVSS:3.1/AV:{av}/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "baseScore": score, "baseSeverity": sev, "attackVector": "NETWORK", "attackComplexity": "LOW",
            "privilegesRequired": "NONE", "userInteraction": "NONE", "scope": "UNCHANGED",
            "confidentialityImpact": "HIGH", "integrityImpact": "HIGH", "availabilityImpact": "HIGH"}


def record(rng, n, products, weights, year):
    cve_id = f"CVE-{year}-9{n:05d}"
    vendor, product = rng.choices(products, weights)[0]
    matches = []
    for _ in range(rng.choices([1, 2, 3, 4, 6, 8], [40, 25, 15, 10, 6, 4])[0]):
        kind = rng.random()
        # `version(rng, product)` below draws from this product's own scheme.
        m = {"vulnerable": True, "matchCriteriaId": "%08X-0000-0000-0000-%012X" % (rng.getrandbits(32), rng.getrandbits(48))}
        if kind < 0.45:
            m["criteria"] = cpe("a", vendor, product)
            m["versionEndExcluding"] = version(rng, product)
        elif kind < 0.6:
            m["criteria"] = cpe("a", vendor, product)
            lo = version(rng, product)
            m["versionStartIncluding"] = lo
            m["versionEndExcluding"] = lo + ".9" if rng.random() < 0.5 else version(rng, product)
        elif kind < 0.7:
            m["criteria"] = cpe("a", vendor, product)
            m["versionEndIncluding"] = version(rng, product)
        elif kind < 0.75:
            v = version(rng, product)
            m["criteria"] = cpe("a", vendor, product, v.rstrip("abcdefghijklmnopqrstuvwxyz") or v,
                                v[-1] if v[-1].isalpha() and not v.endswith("p") else "*")
        else:
            m["criteria"] = cpe("a", vendor, product, version(rng, product))
        matches.append(m)
    configs = [{"nodes": [{"operator": "OR", "negate": False, "cpeMatch": matches}]}]
    if rng.random() < 0.2:
        configs.append({"operator": "AND", "nodes": [
            {"operator": "OR", "negate": False, "cpeMatch": [{"vulnerable": True, "criteria": cpe("o", vendor, product + "_firmware", version(rng, product)), "matchCriteriaId": "X"}]},
            {"operator": "OR", "negate": False, "cpeMatch": [{"vulnerable": False, "criteria": cpe("h", vendor, product + "_device"), "matchCriteriaId": "Y"}]},
        ]})
    metrics = {"cvssMetricV31": [{"source": "nvd@nist.gov", "type": "Primary", "cvssData": cvss31(rng),
                                  "exploitabilityScore": 3.9, "impactScore": 5.9}]}
    if rng.random() < 0.3:
        metrics["cvssMetricV31"].append({"source": "cna@example.org", "type": "Secondary", "cvssData": cvss31(rng),
                                         "exploitabilityScore": 2.8, "impactScore": 3.6})
    if rng.random() < 0.1:
        metrics["cvssMetricV40"] = [{"source": "cna@example.org", "type": "Secondary", "cvssData": {
            "version": "4.0", "vectorString": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "baseScore": 9.3, "baseSeverity": "CRITICAL"}}]
    desc = " ".join(sentence(rng, rng.randint(12, 40)) for _ in range(rng.randint(1, 3)))
    return {"cve": {
        "id": cve_id, "sourceIdentifier": "cve@mitre.org",
        "published": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T12:00:00.000",
        "lastModified": f"{min(year + 1, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T12:00:00.000",
        "vulnStatus": rng.choice(["Analyzed", "Analyzed", "Modified", "Awaiting Analysis"]),
        "cveTags": [],
        "descriptions": [{"lang": "en", "value": desc}, {"lang": "es", "value": desc[:120]}],
        "metrics": metrics,
        "weaknesses": [{"source": "nvd@nist.gov", "type": "Primary", "description": [{"lang": "en", "value": f"CWE-{rng.randint(20, 1000)}"}]}],
        "configurations": configs,
        "references": [{"url": f"https://example.invalid/advisory/{cve_id}/{i}", "source": "cve@mitre.org",
                        "tags": ["Third Party Advisory"]} for i in range(rng.randint(3, 12))],
    }}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--records", type=int, default=300_000)
    ap.add_argument("--kev", type=int, default=1_500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--boms-only", action="store_true", help="only (re)write the two SBOMs")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    products = list(IDENTITY) + [(f"vendor{i}", f"product{i}") for i in range(25_000)]
    weights = [200.0] * len(IDENTITY) + [1000.0 / (i + 1) ** 0.9 for i in range(25_000)]
    # linux_kernel is the heaviest single product in the real NVD (a few per cent of all records).
    weights[IDENTITY.index(("linux", "linux_kernel"))] = 1400.0
    if a.boms_only:
        write_boms(a.out, products, weights, a.seed)
        return
    page, n, ids = 2000, 0, []
    while n < a.records:
        items = []
        for _ in range(min(page, a.records - n)):
            year = 1999 + n * 27 // a.records
            items.append(record(rng, n, products, weights, year))
            ids.append(items[-1]["cve"]["id"])
            n += 1
        doc = {"resultsPerPage": len(items), "startIndex": n - len(items), "totalResults": a.records,
               "format": "NVD_CVE", "version": "2.0", "timestamp": "2026-11-25T00:00:00.000", "vulnerabilities": items}
        with open(os.path.join(a.out, f"nvd-{n - len(items):07d}.json"), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
    kev = {"title": "synthetic KEV (fictional ids)", "catalogVersion": "2026.11.25", "dateReleased": "2026-11-25T00:00:00.000Z",
           "count": a.kev, "vulnerabilities": [
               {"cveID": c, "vendorProject": "v", "product": "p", "vulnerabilityName": "synthetic", "dateAdded": "2025-01-01",
                "shortDescription": "synthetic", "requiredAction": "patch", "dueDate": "2025-01-22",
                "knownRansomwareCampaignUse": rng.choice(["Known", "Unknown"]), "notes": "", "cwes": []}
               for c in rng.sample(ids, min(a.kev, len(ids)))]}
    with open(os.path.join(a.out, "known_exploited_vulnerabilities.json"), "w") as f:
        json.dump(kev, f, separators=(",", ":"))
    write_boms(a.out, products, weights, a.seed)


def write_boms(out, products, weights, seed):
    """Two SBOMs of 1,000 distinct components at random versions. `bom-1000`:
    every identity-table product, then products drawn by their CVE weight (a
    worst case: the SBOM holds the products with the most records, so
    matching reads about half of all ranges). `bom-1000-uniform`: every
    identity-table product, then products drawn uniformly (an SBOM is a list
    of distinct software, most of it rarely in NVD)."""
    for name, weighted in (("bom-1000.cdx.json", True), ("bom-1000-uniform.cdx.json", False)):
        rng = random.Random(seed * 7919 + int(weighted))
        chosen, seen = list(IDENTITY), set(IDENTITY)
        while len(chosen) < 1000:
            pv = rng.choices(products, weights)[0] if weighted else rng.choice(products)
            if pv not in seen:
                seen.add(pv)
                chosen.append(pv)
        comps = [{"type": "library", "name": product, "version": version(rng, product),
                  "cpe": cpe("a", vendor, product, "*")} for vendor, product in chosen]
        with open(os.path.join(out, name), "w") as f:
            json.dump({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": comps}, f)

if __name__ == "__main__":
    main()
