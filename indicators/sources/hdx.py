"""`kind = "hdx"`: a dataset on an HDX (CKAN) server; one of its resources, chosen by name
pattern, downloaded only when its `last_modified` changed, then collected (wfp by default).

    GET {path}/api/3/action/package_show?id={dataset}
    -> {"success": true, "result": {"resources": [{"name": "wfp_food_prices_mli.csv",
        "url": "https://.../download/wfp_food_prices_mli.csv", "last_modified": "2025-11-20T06:12:41.123456",
        "format": "CSV"}, ...]}}

The resource is the first whose `name` (or the file name of its `url`) matches `resource`
(shell pattern, case-insensitive). An unchanged `last_modified` means nothing is downloaded; a
changed one downloads the file with the fetch plumbing (conditional request, size cap, kept raw
copy). `token_env` (optional) sends an HDX API token for private datasets.
"""
from __future__ import annotations

import fnmatch
from pathlib import Path
from urllib.parse import urlparse

from ..fetch import fetch, remember
from .base import REQUIRED, ApiSource, Pulled, SourceError


class HDXSource(ApiSource):
    kind = "hdx"
    collector = "wfp"
    description = "an HDX (CKAN) dataset's resource by name pattern, when its last_modified changed (then wfp)"
    OPTIONS = {"dataset": (str, REQUIRED), "resource": (str, "*.csv"), "token_env": (str, "")}

    def auth_headers(self) -> dict:
        return {"Authorization": self.secret("token_env")} if self.options.get("token_env") else {}

    def pull(self) -> Pulled:
        url = self.url("api/3/action/package_show", {"id": self.options["dataset"]})
        document = self.get_json(url, keep=False)
        result = document.get("result")
        if document.get("success") is not True or not isinstance(result, dict):
            raise SourceError(f"{url}: package_show did not succeed ({str(document.get('error', ''))[:200]})")
        resources = [r for r in result.get("resources") or [] if isinstance(r, dict) and r.get("url")]
        pattern = self.options["resource"].lower()
        chosen = next((r for r in resources if any(fnmatch.fnmatch(name.lower(), pattern) for name in
                                                     (str(r.get("name") or ""), Path(urlparse(r["url"]).path).name))),
                      None)
        if chosen is None:
            names = ", ".join(str(r.get("name")) for r in resources) or "none"
            raise SourceError(f"{url}: no resource of {self.options['dataset']!r} matches {self.options['resource']!r} "
                              f"(resources: {names})")
        modified = str(chosen.get("last_modified") or chosen.get("metadata_modified") or "")
        details = {"resource": chosen.get("name"), "url": chosen["url"], "last_modified": modified}
        state = self.state()
        if modified and state.get("last_modified") == modified and state.get("url") == chosen["url"] \
                and state.get("fingerprint") == self.fingerprint:
            return Pulled("not_modified", details=details)
        download = fetch(self.store, chosen["url"], self.folder.parent, self.source.label, timeout=self.source.timeout,
                         retries=self.source.retries, keep=self.source.keep, fingerprint=self.fingerprint,
                         max_bytes=self.source.max_bytes, headers=self.auth_headers())
        details["download"] = download.as_dict()

        def commit():
            if download.status == "downloaded":  # a 304 or the same bytes: the validators stored stay
                remember(self.store, download, self.source.label, self.fingerprint)
            self.save_state({"last_modified": modified, "url": chosen["url"], "fingerprint": self.fingerprint})

        return Pulled(download.status, download.path, records=1 if download.path else 0, details=details,
                      commit=commit)
