"""Where things live on a NAV server's OData V4 endpoint.

- `{server_url}/{instance}/ODataV4/`: the service document, listing every published service (and `Company`).
- `{server_url}/{instance}/ODataV4/Company`: the companies the user can see.
- `{server_url}/{instance}/ODataV4/Company('<name>')/<Service>`: a published page, company-bound.
- `{server_url}/{instance}/ODataV4/$metadata`: EDMX.
(NAV 2018 "Use OData Web Services" docs: the OData V4 URL form `.../ODataV4/Company('CRONUS')/Customer`.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from bc_client.config import NavWebServicesDeployment
from bc_client.nav.keys import company_segment, key_segment

# Characters left readable in query strings; everything else (space, +, &, #, %) is percent-encoded.
_QUERY_SAFE = "'(),:$*/"


def query_string(params: Mapping[str, str]) -> str:
    return "&".join(f"{quote(key, safe='$')}={quote(value, safe=_QUERY_SAFE)}" for key, value in params.items())


class NavUrls:
    """URL building for one deployment and company."""

    def __init__(self, deployment: NavWebServicesDeployment, company: str) -> None:
        self.deployment = deployment
        self.company = company
        self.root = deployment.odata_v4_url

    @property
    def service_document(self) -> str:
        return self.root + "/"

    @property
    def companies(self) -> str:
        return self.root + "/Company"

    @property
    def metadata(self) -> str:
        return self.root + "/$metadata"

    @property
    def company_root(self) -> str:
        return f"{self.root}/{company_segment(self.company)}"

    def service(self, role: str) -> str:
        """The collection URL of a role's published service."""
        return f"{self.company_root}/{self.deployment.services.service(role)}"

    def entity(self, role: str, key: Mapping[str, Any] | str | int) -> str:
        return f"{self.company_root}/{key_segment(self.deployment.services.service(role), key)}"
