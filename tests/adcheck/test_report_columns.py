"""The grid's columns: families under one header, short labels, the reference last."""

from __future__ import annotations

from adcheck.report.columns import MAX_LABEL, columns, family_of, short_label

MAKE_VERIFY = ["forward", "reverse", "forward-over-forward", "forward-over-reverse",
               "reverse-over-forward", "reverse-over-reverse", "central", "richardson",
               "complex-step", "symbolic", "exact", "forward-laplacian", "torch",
               "torch-fwd-over-rev", "jax", "jax-fwd-over-rev"]


def test_families_group_the_built_in_engines():
    groups, cols = columns(MAKE_VERIFY, {})
    titles = [g["title"] for g in groups]
    assert titles.count("adcheck AD") == 1 and titles.count("reference") == 1
    ad = next(g for g in groups if g["title"] == "adcheck AD")
    assert ad["span"] == 6 and not ad["single"]
    assert [c["engine"] for c in cols][-2:] == ["symbolic", "exact"]  # the yardstick last
    assert sum(g["span"] for g in groups) == len(cols) == len(MAKE_VERIFY)


def test_recorded_families_win_over_names():
    assert family_of("torch", {}) == "torch" and family_of("jax-fwd-over-rev", {}) == "jax"
    assert family_of("mine", {"mine": "adcheck-ad"}) == "adcheck-ad"
    assert family_of("mine", {}) == "mine"


def test_labels_are_short_and_unique_within_a_family():
    _, cols = columns(MAKE_VERIFY, {})
    assert all(len(c["label"]) <= MAX_LABEL for c in cols)
    seen = {}
    for c in cols:
        seen.setdefault(c["family"], []).append(c["label"])
    assert all(len(v) == len(set(v)) for v in seen.values())
    assert short_label("forward-over-reverse", "adcheck-ad") == "fwd/rev"
    assert short_label("torch-fwd-over-rev", "torch") == "fwd/rev"


def test_a_long_unknown_engine_is_cut_with_an_ellipsis():
    label = short_label("my-very-long-engine-name", "my-very-long-engine-name")
    assert len(label) == MAX_LABEL and label.endswith("\u2026")


def test_families_recorded_on_records_group_the_page():
    from report_sample import sample_results

    from adcheck.report.view import build

    r = sample_results(0, samples=3, studies=False)
    for rec in r["records"]:
        if rec["engine"] in ("central", "richardson"):
            rec["family"] = "finite-differences"
    fams = {g["family"]: g["span"] for g in build(r)["families"]}
    assert fams["finite-differences"] == 2
