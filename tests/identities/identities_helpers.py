"""The catalogue tests' shorthand: one engine on one prepared case of a record, judged."""

from __future__ import annotations

from adcheck.judging.pipeline import judge_case


def run_engine_case(rec, engine, ctx):
    """The verdict of ``engine`` on the prepared case ``ctx`` of ``rec`` (``judge_case`` with
    one engine): never raises."""
    return judge_case(rec, [engine], ctx.args, ctx=ctx).verdicts[engine.name]
