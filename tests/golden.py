"""Golden results: the baseline's KPIs for seed 1, kept in results/reference/.

Regenerate after a deliberate change to the model or the baseline (and say why in the
commit):  .venv/bin/python -m tests.golden
then put docs/validation.md's baseline table in step:  .venv/bin/python -m tests.headline
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "results" / "reference" / "baseline_kpis.json"
SEED = 1


def baseline_records() -> list[dict]:
    from sim.io.bundle import kpi_records
    from sim.scenario.loading import load_scenario
    from sim.study.replications import run

    result = run(load_scenario(ROOT / "scenarios" / "baseline.toml"), seed=SEED,
                 keep_containers=False)
    return kpi_records(result)


def main() -> int:
    from sim.io.atomic import write_text_atomic
    from sim.io.bundle import dumps
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(GOLDEN, dumps(baseline_records()))
    print(f"wrote {GOLDEN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
