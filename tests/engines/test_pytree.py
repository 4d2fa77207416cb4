"""Containers of outputs: flatten, rebuild, map; structures compare by type and keys."""

from collections import namedtuple

import numpy as np
import pytest

from adcheck.engines.pytree import LEAF, flatten, is_container, tree_map, unflatten

Pair = namedtuple("Pair", ["first", "second"])


@pytest.mark.parametrize("tree", [
    (np.ones(2), np.zeros(3)),
    [np.ones(2), (1.0, {"b": np.eye(2), "a": 3.0})],
    {"z": np.ones(1), "y": Pair(np.ones(2), [4.0])},
    Pair(np.ones(2), np.ones(3)),
])
def test_flatten_then_unflatten_rebuilds_the_same_container(tree):
    leaves, treedef = flatten(tree)
    again = unflatten(treedef, leaves)
    assert type(again) is type(tree)
    assert flatten(again)[1] == treedef
    for a, b in zip(flatten(again)[0], leaves):
        assert a is b


def test_a_leaf_is_its_own_tree_and_dict_order_is_insertion_order():
    assert flatten(np.ones(2))[1] == LEAF and not is_container(np.ones(2))
    leaves, _ = flatten({"b": 1.0, "a": 2.0})
    assert leaves == [1.0, 2.0]


def test_namedtuples_keep_their_fields():
    out = unflatten(flatten(Pair(1.0, 2.0))[1], [3.0, 4.0])
    assert isinstance(out, Pair) and out.second == 4.0


def test_structures_differ_by_type_and_keys():
    assert flatten((1.0, 2.0))[1] != flatten([1.0, 2.0])[1]
    assert flatten({"a": 1.0})[1] != flatten({"b": 1.0})[1]
    assert flatten(Pair(1.0, 2.0))[1] != flatten((1.0, 2.0))[1]


def test_tree_map_checks_structures_and_leaf_counts():
    assert tree_map(lambda a, b: a + b, (1.0, [2.0]), (10.0, [20.0])) == (11.0, [22.0])
    with pytest.raises(ValueError, match="does not match"):
        tree_map(lambda a, b: a, (1.0, 2.0), [1.0, 2.0])
    with pytest.raises(ValueError, match="too many"):
        unflatten(flatten((1.0,))[1], [1.0, 2.0])
    with pytest.raises(ValueError, match="too few"):
        unflatten(flatten((1.0, 2.0))[1], [1.0])
