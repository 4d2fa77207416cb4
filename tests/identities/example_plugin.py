"""A user's own identity, d(a^T X b)/dX = a b^T, added with the catalogue's own call."""
from adcheck.identities import define


def inputs(d):  # one definition: hypothesis draws it, and so does a seeded numpy Generator
    m, n = d.integer(1, 5), d.integer(1, 5)
    return d.reals((m, n)), d.reals((m,)), d.reals((n,))

define(id="user.bilinear", section="user", title="d(a^T X b)/dX = a b^T", kind="gradient",
       citation="The Matrix Cookbook (2012), eq. 70", arg_names=("X", "a", "b"), inputs=inputs,
       f=lambda xp, X, a, b: a @ (X @ b), closed_form=lambda xp, X, a, b: xp.outer(a, b))
