"""Economic impact indicator tracker: collectors -> store -> detectors -> store -> reports.

Public API (usable from Python without the CLI):

    from indicators import Store, get_collector, run_detection, alerts, write_report
    store = Store("datasets/track.db")
    get_collector("csv").collect(store, ["prices.csv"])
    run_detection(store)
    alerts(store).head()
    write_report(store, "reports")

The names are imported on first use (PEP 562 `__getattr__`), so `import indicators` and the
command line start at once: statsmodels and plotly load only where detection or a report runs.
"""
from __future__ import annotations

import importlib
import sys
import types

# public name -> the module that defines it
_EXPORTS = {
    "alerts": ".alerts", "current_alerts": ".alerts",
    "COLLECTORS": ".collectors", "get_collector": ".collectors",
    "DETECTORS": ".detect", "get_detector": ".detect", "run_detection": ".detect",
    "ConfigError": ".errors", "InputError": ".errors", "StoreError": ".errors", "StrictModeError": ".errors",
    "TrackError": ".errors",
    "demo_config": ".jobs", "load_config": ".jobs", "run_job": ".jobs",
    "write_report": ".report",
    "Store": ".store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """`indicators.alerts` is the public function, as it was when this file imported it eagerly;
    the import system must not rebind the name to the submodule when that loads later."""

    def __setattr__(self, name, value):
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
