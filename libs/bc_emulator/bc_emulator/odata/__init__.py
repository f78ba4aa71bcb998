"""OData protocol pieces: $filter, query options and paging tokens, ETags."""
