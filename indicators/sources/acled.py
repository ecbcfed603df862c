"""`kind = "acled"`: ACLED events for a country and a date range, into the events table.

    POST {token_url}   username=<$username_env>&password=<$password_env>&grant_type=password&client_id=acled
         -> {"access_token": ..., "expires_in": 86400, "refresh_token": ...}
    GET  {path}/{endpoint}?_format=json&country={country}&event_date={start}|{end}
         &event_date_where=BETWEEN&limit={limit}&page=N
         Authorization: Bearer <access token>
    -> {"status": 200, "success": true, "count": n, "data": [{"event_id_cnty": ..., "event_date": ...}, ...]}

Pages are read from 1 until one has fewer than `limit` events (or none). A 401 mid-paging renews
the token once. The events (ACLED's export columns) go to the events collector as one
`{"data": [...]}` file; ACLED revises its events, and a changed event is kept as a revision.
`end` defaults to today (UTC).
"""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode

from .base import REQUIRED, Pulled, SourceError, TokenSource


class ACLEDSource(TokenSource):
    kind = "acled"
    collector = "events"
    description = "ACLED API events for a country and date range (OAuth; then the events collector)"
    OPTIONS = {"country": (str, REQUIRED), "start": (str, REQUIRED), "end": (str, ""),
               "username_env": (str, REQUIRED), "password_env": (str, REQUIRED),
               "token_url": (str, "https://acleddata.com/oauth/token"), "endpoint": (str, "api/acled/read"),
               "limit": (int, 5000)}

    def new_token(self) -> str:
        form = {"username": self.secret("username_env"), "password": self.secret("password_env"),
                "grant_type": "password", "client_id": "acled"}
        self.secrets.append(urlencode({"p": form["password"]})[2:])  # as it would appear form-encoded
        document = self.get_json(self.options["token_url"], keep=False, authenticate=False,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"},
                                 data=urlencode(form).encode())
        return self.access_token(document)

    def pull(self) -> Pulled:
        end = self.options.get("end") or datetime.now(timezone.utc).strftime("%Y-%m-%d")
        events, page, limit = [], 1, self.options["limit"]
        while True:
            url = self.url(self.options["endpoint"], {
                "_format": "json", "country": self.options["country"],
                "event_date": f"{self.options['start']}|{end}", "event_date_where": "BETWEEN",
                "limit": limit, "page": page})
            document = self.get_json(url)
            if document.get("success") is False:
                raise SourceError(f"{url}: ACLED answered success=false ({str(document.get('error', ''))[:200]})")
            found = self.records(document, "data", url)
            events += found
            if len(found) < limit:
                break
            page += 1
        details = {"events": len(events), "start": self.options["start"], "end": end}
        if not events:
            return Pulled("unchanged", details=details)
        return self.published(f"acled-{self.options['country'].lower().replace(' ', '-')}.json", {"data": events},
                              len(events), details)
