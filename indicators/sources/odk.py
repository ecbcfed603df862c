"""`kind = "odk"`: an ODK Central form's submissions through its OData feed, for the stations collector.

    GET {path}/v1/projects/{project}/forms/{form}.svc/Submissions?$top={page_size}&$count=true
        &$filter=__system/submissionDate ge <newest> or __system/updatedAt ge <newest>
    Authorization: Bearer <$token_env>   (or Basic <$username_env>:<$password_env>)
    -> {"@odata.count": N, "@odata.nextLink": "...$skip=250" (absent on the last page), "value": [...]}

Groups arrive nested ({"station_info": {"city": ...}}) and are flattened to Kobo-style paths
(`station_info/city`); `__id` becomes `_uuid` and `__system/submissionDate` `_submission_time`.
An edited submission keeps its `__id` (its `meta/deprecatedID` names the version it replaces):
it replaces that version, which is kept as a revision. Asking from the newest submission or
edit stored (`ge`) brings edits of old submissions too.
"""
from __future__ import annotations

import base64

from .base import REQUIRED, SourceError
from .submissions import SubmissionSource, flatten


class ODKSource(SubmissionSource):
    kind = "odk"
    description = "ODK Central OData form submissions (then the stations collector)"
    OPTIONS = {"project": (int, REQUIRED), "form": (str, REQUIRED), "token_env": (str, ""),
               "username_env": (str, ""), "password_env": (str, ""), "page_size": (int, 250)}

    def auth_headers(self) -> dict:
        if not hasattr(self, "_auth"):
            if self.options.get("token_env"):
                self._auth = f"Bearer {self.secret('token_env')}"
            elif self.options.get("username_env") and self.options.get("password_env"):
                pair = f"{self.secret('username_env')}:{self.secret('password_env')}".encode()
                self._auth = "Basic " + base64.b64encode(pair).decode()
                self.secrets.append(self._auth.split(" ", 1)[1])
            else:
                raise SourceError(f"source {self.source.label}: give token_env, or username_env and password_env")
        return {"Authorization": self._auth}

    def fetch_since(self, since: str) -> list[dict]:
        params = {"$top": self.options["page_size"], "$count": "true"}
        if since:
            params["$filter"] = f"__system/submissionDate ge {since} or __system/updatedAt ge {since}"
        path = f"v1/projects/{self.options['project']}/forms/{self.options['form']}.svc/Submissions"
        out = []
        for record in self.linked_pages(self.url(path, params), "value", "@odata.nextLink", "@odata.count"):
            flat = flatten(record)
            flat["_uuid"] = flat.get("__id", "")
            flat["_submission_time"] = flat.get("__system/submissionDate", "")
            flat["_cursor"] = max(str(flat.get("__system/updatedAt") or ""), str(flat["_submission_time"] or ""))
            out.append(flat)
        return out
