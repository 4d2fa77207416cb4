"""Running many cases: the catalogue and plugins, supervised workers and executors, results
files (schema, publishing, merging), the mutation battery and the studies."""
