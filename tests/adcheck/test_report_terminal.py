"""The end-of-run table for the terminal: identities x outcome counts."""

from __future__ import annotations

from report_sample import sample_results

from adcheck.report.terminal import summary_table


def test_one_line_per_identity_and_a_total():
    r = sample_results(0, samples=5, studies=False)
    lines = summary_table(r).splitlines()
    assert lines[0].split()[:3] == ["identity", "pass", "fail"]
    body = [ln for ln in lines[2:-2]]
    assert [ln.split()[0] for ln in body] == [i["id"] for i in r["identities"]]
    total = lines[-1].split()
    assert total[0] == "total" and sum(map(int, total[1:])) == len(r["records"])
    assert int(total[1]) == r["summary"]["counts"]["pass"]


def test_failure_shows_in_its_row():
    r = sample_results(0, samples=5, studies=False)
    row = next(ln for ln in summary_table(r).splitlines() if ln.startswith("user.softmax"))
    assert row.split()[2] == "1"  # the fail column


def test_loosest_pass_is_shown():
    r = sample_results(0, samples=5, studies=False)
    for rec in r["records"]:
        rec["verified_to"] = 1e-15
    r["records"][0]["verified_to"] = 3e-6
    first = summary_table(r).splitlines()[2]
    assert first.endswith("3e-6")


def test_empty_results():
    assert "no records" in summary_table({"records": []})
