#!/usr/bin/env python3
"""Side-by-side ratios of Relais (relais-load fhir) and a peer (GNU Health workload.py).

usage: compare.py RELAIS.json PEER.json [RELAIS.json PEER.json ...]
Prints, per data-set size and operation, both p50/p95 and throughputs, and the peer/Relais ratios.
"""
import json
import sys

# Relais operation -> peer operation
PAIRS = [
    ("create_patient", "create_person"),
    ("create_observation", "create_evaluation"),
    ("name_search", "name_prefix_search"),
    ("identifier_search", "identifier_search"),
    ("read_record", "read_record"),
]


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def ops_per_second(op):
    # Both tools report count and percentiles; throughput per operation kind is count / window
    # when given, else derived from the mean latency and the number of clients.
    for key in ("throughput_per_s", "throughput_rps"):
        if key in op:
            return op[key]
    return None


def main(argv):
    if len(argv) < 2 or len(argv) % 2:
        print(__doc__)
        return 2
    worst = None
    rows = []
    for relais_path, peer_path in zip(argv[0::2], argv[1::2]):
        relais, peer = load(relais_path), load(peer_path)
        size = peer.get("persons") or relais.get("profile")
        for r_name, p_name in PAIRS:
            r = relais["operations"].get(r_name)
            p = peer["operations"].get(p_name)
            if not r or not p or not r.get("p50_ms") or not p.get("p50_ms"):
                rows.append((size, r_name, None, None, None, None, None))
                continue
            ratio50 = p["p50_ms"] / r["p50_ms"]
            ratio95 = p["p95_ms"] / r["p95_ms"]
            worst = ratio50 if worst is None else min(worst, ratio50)
            rows.append((size, r_name, r["p50_ms"], r["p95_ms"], p["p50_ms"], p["p95_ms"], (ratio50, ratio95)))
    print("| persons | operation | Relais p50 ms | Relais p95 ms | GNU Health p50 ms | GNU Health p95 ms | ratio p50 | ratio p95 |")
    print("|---|---|---|---|---|---|---|---|")
    for size, name, r50, r95, p50, p95, ratio in rows:
        if ratio is None:
            print(f"| {size} | {name} | – | – | – | – | – | – |")
        else:
            print(f"| {size} | {name} | {r50:.2f} | {r95:.2f} | {p50:.1f} | {p95:.1f} | {ratio[0]:.0f}× | {ratio[1]:.0f}× |")
    if worst is not None:
        print(f"\nsmallest p50 ratio: {worst:.0f}× (target: ≥ 50×)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
