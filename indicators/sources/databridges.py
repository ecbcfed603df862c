"""`kind = "databridges"`: WFP DataBridges market prices for a country, then the wfp collector.

    POST {token_url}   grant_type=client_credentials&scope={scope}
         Authorization: Basic base64(<$key_env>:<$secret_env>)   -> {"access_token": ..., "expires_in": 3600}
    GET  {path}/{endpoint}?countryCode={country}&page=N&format=json
         Authorization: Bearer <access token>
    -> {"items": [...], "page": N, "totalItems": T}

Pages are read from 1 until `totalItems` items arrived (an empty page before that is an error:
the data would be incomplete). A token that expires mid-paging (HTTP 401) is renewed once and
the page asked again. The pages are written as one `{"items": [...]}` file for the collector;
the same items as last time are not collected again.
"""
from __future__ import annotations

import base64
from urllib.parse import urlencode

from .base import REQUIRED, Pulled, SourceError, TokenSource


class DataBridgesSource(TokenSource):
    kind = "databridges"
    collector = "wfp"
    description = "WFP DataBridges MarketPrices/PriceMonthly (OAuth client credentials; then wfp)"
    OPTIONS = {"country": (str, REQUIRED), "key_env": (str, REQUIRED), "secret_env": (str, REQUIRED),
               "token_url": (str, "https://api.wfp.org/token"),
               "scope": (str, "vamdatabridges_marketprices-pricemonthly_get"),
               "endpoint": (str, "MarketPrices/PriceMonthly")}

    def new_token(self) -> str:
        pair = f"{self.secret('key_env')}:{self.secret('secret_env')}".encode()
        basic = base64.b64encode(pair).decode()
        self.secrets.append(basic)
        document = self.get_json(self.options["token_url"], keep=False, authenticate=False,
                                 headers={"Authorization": f"Basic {basic}",
                                          "Content-Type": "application/x-www-form-urlencoded"},
                                 data=urlencode({"grant_type": "client_credentials",
                                                 "scope": self.options["scope"]}).encode())
        return self.access_token(document)

    def pull(self) -> Pulled:
        items, page, total = [], 1, None
        while True:
            url = self.url(self.options["endpoint"], {"countryCode": self.options["country"], "page": page,
                                                      "format": "json"})
            document = self.get_json(url)
            found = self.records(document, "items", url)
            total = document.get("totalItems", total)
            items += found
            if total is not None and len(items) >= int(total):
                break
            if not found:
                if total is not None:
                    raise SourceError(f"{url}: page {page} is empty after {len(items)} of {total} items "
                                      "(the data would be incomplete)")
                break
            page += 1
        document = {"items": items, "totalItems": total if total is not None else len(items)}
        return self.published(f"databridges-{self.options['country']}.json", document, len(items),
                              {"items": len(items), "total_items": total})
