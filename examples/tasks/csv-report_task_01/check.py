"""Checker for csv-report_task_01: prints one JSON line of checkpoints."""
import json
import os

cps = []


def cp(name, ok, reason=""):
    cps.append({"name": name, "score": 1.0 if ok else 0.0, "reason": reason})


expected = {"north": 2250.5, "east": 506.0, "south": 380.0}
try:
    with open("summary.json", encoding="utf-8") as f:
        s = json.load(f)
    got = {g["name"]: float(g["total"]) for g in s.get("groups", [])}
    cp("summary-groups", got == expected, f"groups {got}, expected {expected}")
    cp("summary-total", abs(float(s.get("grand_total", 0)) - 3136.5) < 1e-6,
       f"grand_total {s.get('grand_total')}, expected 3136.5")
    cp("summary-skipped", len(s.get("skipped", [])) == 1, "one row (n/a) must be skipped")
except (OSError, ValueError, KeyError, TypeError) as e:
    cp("summary-json", False, f"summary.json unreadable: {e}")

try:
    with open("report.md", encoding="utf-8") as f:
        r = f.read()
    cp("report-total", "3,136.50" in r, "report.md must show the grand total 3,136.50")
    cp("report-order", r.find("north") < r.find("east") < r.find("south") and r.find("north") >= 0,
       "groups must be sorted by total, largest first")
except OSError as e:
    cp("report-md", False, f"report.md missing: {e}")

with open("sales.csv", encoding="utf-8") as f:
    cp("input-untouched", f.read().count("\n") == 9, "the input CSV must not be modified")
print(json.dumps({"checkpoints": cps}))
