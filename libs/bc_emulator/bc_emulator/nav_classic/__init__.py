"""Classic Dynamics NAV 2018 mode (settings.bc_version == "nav2018"): OData V4 page web services.

A NAV 2015-2018 service tier has no api/v2.0. What it serves over HTTP is the pages an administrator published
on the Web Services page, at {server}:7048/{ServerInstance}/ODataV4/Company('{name}')/{ServiceName}, with
NavUserPassword (basic) or Windows (NTLM) authentication. This package serves that over the SAME store as the
API mode, so seeds, posting (admin post-batch) and dumps are shared. Modules:

  http.py      routing under {instance}/ODataV4, auth, faults, request log (the transport side)
  service.py   service document, $metadata, Company, page reads/writes (OData query options, keys, ETags)
  pages.py     the published pages as declarative field maps over the store
  journal.py   General Journal line validation (Gen. Journal Line OnValidate triggers)
  writes.py    Vendor Card and General Journal Batches writes, body reading
  auth.py      basic + connection-bound NTLM; ntlm.py the NTLMv2 acceptor
  posting.py   the accountant's posting step (admin POST /_emulator/nav/post-batch)
  errors.py    NAV's error shape and texts
"""
