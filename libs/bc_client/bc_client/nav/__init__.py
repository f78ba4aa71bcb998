"""Classic Dynamics NAV 2015-2018: OData V4 page web services (issue 13). See `NavPageClient`."""

from bc_client.nav.client import NavPageClient
from bc_client.nav.diagnose import diagnose_nav
from bc_client.nav.keys import company_segment, key_literal, key_segment

__all__ = ["NavPageClient", "diagnose_nav", "company_segment", "key_literal", "key_segment"]
