#!/usr/bin/env python3
"""Sum a numeric CSV column per group and print summary JSON (part of the csv-report skill)."""
import argparse
import csv
import json
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("csv_path")
    ap.add_argument("--group", required=True, help="column to group by")
    ap.add_argument("--value", required=True, help="numeric column to sum")
    args = ap.parse_args()

    totals: dict[str, list] = {}
    skipped = []
    with open(args.csv_path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in (args.group, args.value) if c not in (reader.fieldnames or [])]
        if missing:
            print(f"summarize.py: no column {', '.join(missing)} in {args.csv_path}; "
                  f"columns are {', '.join(reader.fieldnames or [])}", file=sys.stderr)
            return 2
        for line_no, row in enumerate(reader, start=2):
            raw = (row.get(args.value) or "").replace(",", "").strip()
            try:
                value = float(raw)
            except ValueError:
                skipped.append({"line": line_no, "value": row.get(args.value)})
                continue
            entry = totals.setdefault(row[args.group], [0.0, 0])
            entry[0] += value
            entry[1] += 1

    groups = [{"name": k, "total": round(v[0], 6), "rows": v[1]} for k, v in totals.items()]
    groups.sort(key=lambda g: (-g["total"], g["name"]))
    summary = {
        "group_by": args.group,
        "value": args.value,
        "groups": groups,
        "grand_total": round(sum(g["total"] for g in groups), 6),
        "skipped": skipped,
    }
    json.dump(summary, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
