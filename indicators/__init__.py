"""Economic impact indicator tracker: collectors -> store -> detectors -> store -> reports.

Public API (usable from Python without the CLI):

    from indicators import Store, get_collector, run_detection, alerts, write_report
    store = Store("datasets/track.db")
    get_collector("csv").collect(store, ["prices.csv"])
    run_detection(store)
    alerts(store).head()
    write_report(store, "reports")
"""
from .alerts import alerts, current_alerts
from .collectors import COLLECTORS, get_collector
from .detect import DETECTORS, get_detector, run_detection
from .errors import ConfigError, InputError, StoreError, StrictModeError, TrackError
from .jobs import demo_config, load_config, run_job
from .report import write_report
from .store import Store

__all__ = ["COLLECTORS", "DETECTORS", "ConfigError", "InputError", "Store", "StoreError", "StrictModeError",
           "TrackError", "alerts", "current_alerts", "demo_config", "get_collector", "get_detector",
           "load_config", "run_detection", "run_job", "write_report"]
