"""API sources: kinds of `[[sources]]` in track.toml that pull from where the data lives and hand
what they pulled to a collector. One module per API on the shared plumbing of `base.ApiSource`
(sessions of HTTP calls with timeouts, retries, Retry-After, size caps, secrets from environment
variables, raw copies, state between runs); adding an API is one module plus one line here.
"""
from __future__ import annotations

from .acled import ACLEDSource
from .base import ApiSource, Pulled, SourceError, check_options
from .databridges import DataBridgesSource
from .hdx import HDXSource
from .kobo import KoboSource
from .odk import ODKSource

API_SOURCES: dict[str, type[ApiSource]] = {
    KoboSource.kind: KoboSource,
    ODKSource.kind: ODKSource,
    HDXSource.kind: HDXSource,
    DataBridgesSource.kind: DataBridgesSource,
    ACLEDSource.kind: ACLEDSource,
}

__all__ = ["API_SOURCES", "ApiSource", "Pulled", "SourceError", "check_options"]
