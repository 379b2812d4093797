"""Print `make chaos`'s table from build/chaos/results.json (and hostile.json).

Exit 1 when any fault lost or duplicated a verification, or any input crashed.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

RESULTS = Path(__file__).parents[2] / "build" / "chaos"


def main() -> int:
    faults_file, hostile_file = RESULTS / "results.json", RESULTS / "hostile.json"
    faults = json.loads(faults_file.read_text()) if faults_file.exists() else {}
    hostile = json.loads(hostile_file.read_text()) if hostile_file.exists() else {}
    print(
        f"otv chaos — {platform.node()}, {platform.machine()}, Python {platform.python_version()}"
    )
    print("local cluster: 3 nats-server nodes (R3 streams), 2 replicas of each service\n")
    header = f"{'fault':<44} {'sent':>5} {'completed':>9} {'duplicated':>10} {'lost':>5} {'longest delay':>13}"
    print(header)
    print("-" * len(header))
    bad = False
    for result in faults.values():
        print(
            f"{result['fault']:<44} {result['sent']:>5} {result['completed']:>9} "
            f"{result['duplicated']:>10} {result['lost']:>5} {result['longest_delay_s']:>12.1f}s"
        )
        for note in result["notes"]:
            print(f"    {note}")
        bad |= bool(result["lost"] or result["duplicated"] or result["completed"] != result["sent"])
    if hostile:
        print()
        header = f"{'hostile input family':<60} {'inputs':>7} {'crashes':>8}"
        print(header)
        print("-" * len(header))
        for family, counts in hostile.items():
            print(f"{family:<60} {counts['inputs']:>7} {counts['crashes']:>8}")
            bad |= bool(counts["crashes"])
    print("\ngoal: 0 lost, 0 duplicated, 0 crashes —", "MISSED" if bad else "met")
    return 1 if bad or not faults else 0


if __name__ == "__main__":
    sys.exit(main())
