"""pytest plugin for adcheck (fixtures and the report option come with the judge)."""
