"""Judging one engine's result against the reference: the error model, the comparison and its
diagnosis, consensus by families, and the one case pipeline every entry point goes through."""
