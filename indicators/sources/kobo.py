"""`kind = "kobo"`: a KoboToolbox form's submissions through API v2, for the stations collector.

    GET {path}/api/v2/assets/{asset}/data/?format=json&limit={page_size}
        &query={"_submission_time":{"$gte":"<newest stored>"}}
    Authorization: Token <$token_env>
    -> {"count": N, "next": "<url of the next page>" | null, "previous": ..., "results": [...]}

Every `next` link is followed to the end; the query asks only for submissions at or after the
newest one stored (`$gte`: one submitted in the same second as the last is not lost; the one
already stored is recognised and changes nothing). KoboToolbox serves at most 1,000 results
a page (default `page_size`). `lookback_days` asks again for that many days before the newest
submission stored, to see edits made later to recent submissions. Fewer submissions than the
answer's `count` is an error (the paging lost some), never a silent partial import.
"""
from __future__ import annotations

import json

from .base import REQUIRED
from .submissions import SubmissionSource, back, flatten


class KoboSource(SubmissionSource):
    kind = "kobo"
    description = "KoboToolbox API v2 form submissions (then the stations collector)"
    OPTIONS = {"asset": (str, REQUIRED), "token_env": (str, REQUIRED), "page_size": (int, 1000),
               "lookback_days": (int, 0)}

    def auth_headers(self) -> dict:
        if not hasattr(self, "_token"):
            self._token = self.secret("token_env")
        return {"Authorization": f"Token {self._token}"}

    def fetch_since(self, since: str) -> list[dict]:
        params = {"format": "json", "limit": self.options["page_size"]}
        if since:
            since = back(since, self.options["lookback_days"])
            params["query"] = json.dumps({"_submission_time": {"$gte": since}}, separators=(",", ":"))
        out = [flatten(record) for record in self.linked_pages(
            self.url(f"api/v2/assets/{self.options['asset']}/data/", params), "results", "next", "count")]
        for record in out:
            record["_cursor"] = record.get("_submission_time", "")
        return out
