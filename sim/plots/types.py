"""What a figure set and a report's tables are, for every folder kind's drawing code."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Figures = Generator[tuple[str, "Figure"], None, None]   # (file stem, drawn figure), one at a time
Tables = list[tuple[str, pd.DataFrame]]    # (title, table) for the report
