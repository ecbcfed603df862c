"""How real monthly prices move, against the generator families: the check behind `prices_random_walk`.

    python benchmarks/real_prices.py                       # BFA cereal series vs every monthly price family
    python benchmarks/real_prices.py --families sahel_prices,prices_random_walk --count 60

Per series (BFA: every cereal series of the WFP Burkina Faso file with at least 72 months, as the
semi-synthetic part takes them; a family: its series of seed 1), then the quartiles over series:
- noise: the robust spread (`semi_synthetic.robust_noise`, 1.4826 x MAD) of the deseasonalised
  one-month log changes (`benchmark_families.deseasonalised_changes`);
- r1: the lag-1 autocorrelation of those changes (a random walk's are uncorrelated; noise about a
  stable level gives negative values);
- VR12: the variance ratio of 12-month changes (`benchmark_families.variance_ratio`, Lo and
  MacKinlay 1988): about 1 for a random walk, far below 1 for noise about a stable level;
- half-width: the state detector's normal range (expected +- 2 scales), in log points, the median
  over the months it scores;
- state scale / noise: how many month-to-month noises the state detector's scale is wide.
Events are in the families' series and real episodes in BFA's: both move these figures a little
(spikes make r1 negative).
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark_families import FAMILIES, deseasonalised_changes, generate_family, variance_ratio  # noqa: E402
from semi_synthetic import robust_noise  # noqa: E402
from shared_folder import required  # noqa: E402
from indicators.detect.base import to_regular  # noqa: E402
from indicators.detect.state import SeverityState  # noqa: E402

MIN_OBSERVED = 72


def describe(info, values: pd.Series) -> dict:
    regular = to_regular(values, "monthly")
    logs = pd.Series(np.log(regular.to_numpy(dtype="float64")))
    months = regular.index.month.to_numpy()
    adjusted = deseasonalised_changes(logs, months)
    noise = robust_noise(adjusted)
    frame = SeverityState().detect(values, info).frame
    scale = np.log(frame["upper"].astype(float) / frame["lower"].astype(float)) / 4
    return {"noise": noise, "r1": float(adjusted.autocorr(1)), "VR12": variance_ratio(logs, months),
            "half-width": float(np.nanmedian(2 * scale)), "state scale / noise": float(np.nanmedian(scale)) / noise}


def quartiles(rows: list[dict]) -> dict:
    frame = pd.DataFrame(rows)
    return {column: " / ".join(f"{v:.3f}" if column in ("noise", "half-width") else f"{v:.2f}"
                               for v in np.nanpercentile(frame[column], [25, 50, 75])) for column in frame}


def main(argv=None) -> int:
    from detection_benchmark import BFA, bfa_series

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    monthly = [name for name in FAMILIES if name.startswith("prices_") or name == "sahel_prices"]
    parser.add_argument("--families", default=",".join(monthly), help="comma-separated monthly price families")
    parser.add_argument("--count", type=int, default=100, help="series per family (seed 1)")
    parser.add_argument("--bfa", type=Path, default=None, help=f"WFP Burkina Faso file (default {BFA})")
    args = parser.parse_args(argv)
    bfa, given = args.bfa or BFA, args.bfa is not None
    table = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if required(bfa, given, "BFA row"):
            table[f"BFA ({bfa.name})"] = quartiles([describe(info, values) for info, values in bfa_series(bfa)
                                                    if values.notna().sum() >= MIN_OBSERVED])
        for name in args.families.split(","):
            cases = [c for c in generate_family(name, args.count, 1) if c.info.frequency == "monthly"]
            table[name] = quartiles([describe(c.info, c.values) for c in cases])
    print("quartiles over series (25% / median / 75%):")
    print(pd.DataFrame(table).T.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
