"""destination-dynamics-nav in `deployment_type: nav_web_services` (classic NAV 2015–2018, issue 13).

Page web services cannot post, so this mode stages each approved invoice as a balanced document in a general
journal batch and leaves posting to an accountant. It reuses the API mode's pure parts (records, validation,
mapping to a `PostingDocument`, document numbers, vendor field rules, audit events) and talks to NAV only through
`bc_client.nav.NavPageClient`.
"""
