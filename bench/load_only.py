"""Loading a store's observations whole vs only the variables a report needs (issue 18).

    python bench/load_only.py --store /tmp/h2/s100k.klaster --repeat 3

Times ``Store.load_observations(program=...)`` and the same with ``only=`` the variables
:func:`klaster.measurement.variables_needed` gives for the store benchmark's four indicators
(members, income per capita, paired income change, FGT P0 by cluster × sector), alternating the
two, best of ``--repeat``; then checks that the report's figures are equal.
"""

from __future__ import annotations

import argparse
import gc
import time

INDICATORS = ["members", "income_per_capita", "income_change_pct", "poverty_headcount"]
BY = [(), ("cluster", "sector")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from klaster.measurement import Measurement, variables_needed
    from klaster.observations import variable_catalogue
    from klaster.store import Store

    needed = variables_needed(INDICATORS, by=BY)
    with Store.open(args.store, readonly=True) as store:
        program = store.load_program()
        best = {"whole": float("inf"), "only": float("inf")}
        for _ in range(args.repeat):
            for name, only in (("whole", None), ("only", needed)):
                gc.collect()
                start = time.perf_counter()
                observations = store.load_observations(program=program, only=only)
                best[name] = min(best[name], time.perf_counter() - start)
                del observations
        total = len(variable_catalogue())
        print(f"variables: {len(needed)} of {total} in the catalogue: {sorted(needed)}")
        for name, seconds in best.items():
            print(f"{name:6} {seconds:8.2f} s")
        print(f"ratio  {best['whole'] / best['only']:8.2f}x")
        figures = []
        for only in (None, needed):
            observations = store.load_observations(program=program, only=only)
            engine = Measurement(program, observations, backend="polars")
            figures.append(engine.report(INDICATORS, by=BY).to_records())
            del observations, engine
        print("figures equal:", figures[0] == figures[1])


if __name__ == "__main__":
    main()
