"""Mutated results.json files and shard sets for the fuzz tests of ``report`` and ``merge``.

Each mutant is ``(kind, data or text)``. A kind in ``INVALID`` makes a file no run writes (a NaN,
a number past the float range, a control character, a junk study, a shard 3/2, ...): every reader
must refuse it with a usage error. ``"any"`` is a blind edit (a value replaced by junk, a key
deleted or added) that may or may not leave a valid file: a reader must refuse it or render it,
never raise anything else. All randomness comes from the ``random.Random`` passed in.
"""

from __future__ import annotations

import copy
import json

# Just past the reader's bounds (adcheck.running.validate.MAX_DEPTH, MAX_STRING).
MAX_DEPTH, MAX_STRING = 32, 100_000
JUNK = [None, True, -1, 0, 1e30, "", "x" * 50, [], {}, [1, "a"], {"k": None}]
CONTROL = ["\x00", "\x1b[31m", "\x07", "\x0b", "\x7f", "\x9b", "\ud800", "\udfff", "\uffff"]
OVERFLOW = "@@overflow@@"  # replaced in the text by a number past the float range
NAME_FIELDS = [("records", "identity"), ("records", "engine"), ("identities", "id")]
BAD_NAMES = ["", "a\nb", "tab\there", "x" * 201, 5, None, ["reverse"]]
# (path, junk): fields the schema types, each with a value of a type it is not.
TYPED = [
    (("schema",), "adcheck.results/0"), (("run", "seed"), -1), (("run", "examples"), 0),
    (("run", "engines"), "reverse"), (("run", "timeout"), 0), (("run", "fail_under"), 101),
    (("summary", "verdict"), "ok"), (("summary", "pass_rate"), 1.5),
    (("summary", "counts", "pass"), -1), (("summary", "counts", "fail"), 0.5),
    (("records", 0, "outcome"), "maybe"), (("records", 0, "examples"), "2"),
    (("records", 0, "worst", "ratio"), "big"), (("records", 0, "message"), 5),
    (("records", 0, "counts", "pass"), -1), (("records", 0, "samples"), [[1.0]]),
    (("records", 0, "cost", "flops"), -3), (("records", 0, "verified_to"), "1e-16"),
    (("identities", 0, "proof"), "general"), (("identities", 0, "wrt"), -1),
    (("timing", "wall_s"), -1.0), (("timing", "per_record_s"), []),
]
STUDY_JUNK = [
    (("studies",), []), (("studies", "notes"), "one note"), (("studies", "notes"), [1]),
    (("studies", "fd_sweep"), [1, 2]), (("studies", "fd_sweep", "h"), "h"),
    (("studies", "fd_sweep", "errors"), [1.0]), (("studies", "fd_sweep", "errors", "central"), 3),
    (("studies", "fd_sweep", "orders", "central"), "two"), (("studies", "taylor"), "x"),
    (("studies", "taylor", "series", "gradient term"), [1, "a"]),
    (("studies", "taylor", "slopes"), [2.0]), (("studies", "cost_scaling", "n"), {"n": 4}),
    (("studies", "cost_scaling", "series", "reverse"), [1]),
    (("studies", "bs_residual", "engines", "central"), 5),
    (("studies", "bs_residual", "engines", "central", 0), "row"),
    (("studies", "bs_residual", "params"), "K=100"),
    (("studies", "activations", "rows"), {"name": "tanh"}),
    (("studies", "activations", "rows", 0, "order2_ok"), "yes"),
    (("studies", "activations", "relu_demo", "nets", "tanh"), [0.1]),
    (("studies", "selftest", "kill_rate"), 7), (("studies", "selftest", "mutations"), "all"),
]
# Series cut short: as typed as before, drawn against a longer axis.
STUDY_SHORT = [("fd_sweep", "errors", "central"), ("taylor", "series", "gradient term"),
               ("cost_scaling", "f_flops"), ("bs_residual", "engines", "central", 0),
               ("activations", "relu_demo", "nets", "ReLU", "with"), ("fd_sweep", "h")]


def paths(obj, here=()):
    """Every path into ``obj`` (the first four items of each list)."""
    yield here
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from paths(v, (*here, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:4]):
            yield from paths(v, (*here, i))


def get(obj, path):
    for step in path:
        obj = obj[step]
    return obj


def put(obj, path, value):
    get(obj, path[:-1])[path[-1]] = value


def _leaf(data, rng, want):
    """A random path to a value for which ``want(value, path)`` holds."""
    return rng.choice([p for p in paths(data) if p and want(get(data, p), p)])


def _number(v, p):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _deep(rng):
    depth = rng.choice([MAX_DEPTH + 1, 100, 900])
    out = rng.choice([1.0, "x", None])
    for _ in range(depth):
        out = [out] if rng.random() < 0.5 else {"k": out}
    return out


def invalid(data, rng, kind):
    """``data`` edited so that no run could have written it, as ``kind`` says; data or text."""
    out = copy.deepcopy(data)
    if kind == "nan":
        put(out, _leaf(out, rng, _number), float("nan"))
    elif kind == "overflow":
        put(out, _leaf(out, rng, _number), OVERFLOW)
        return json.dumps(out).replace(json.dumps(OVERFLOW), rng.choice(["1e400", "-2e308"]))
    elif kind == "infinity":  # infinite errors are written, but only under worst and samples
        p = _leaf(out, rng, lambda v, p: _number(v, p) and "worst" not in p and "samples" not in p)
        put(out, p, rng.choice([float("inf"), float("-inf")]))
    elif kind == "big-int":
        put(out, _leaf(out, rng, _number), rng.choice([1, -1]) * 10 ** rng.randint(19, 400))
    elif kind == "long-string":
        put(out, _leaf(out, rng, lambda v, p: isinstance(v, str)),
            "x" * (MAX_STRING + 1 + rng.randrange(1000)))
    elif kind == "control":
        _control(out, rng)
    elif kind == "deep":
        put(out, _leaf(out, rng, lambda v, p: True), _deep(rng))
    elif kind == "bad-name":
        part, field = rng.choice(NAME_FIELDS)
        put(out, (part, rng.randrange(len(out[part])), field), rng.choice(BAD_NAMES))
    elif kind == "typed":
        path, junk = rng.choice(TYPED)
        put(out, path, copy.deepcopy(junk))
    elif kind == "study":
        _bad_study(out, rng)
    else:
        raise ValueError(kind)
    return out


def _control(out, rng):
    c = rng.choice(CONTROL)
    if rng.random() < 0.2:  # in a key
        p = _leaf(out, rng, lambda v, p: isinstance(v, dict) and v)
        d = get(out, p)
        k = rng.choice(list(d))
        d[k[:1] + c + k[1:]] = d.pop(k)
        return
    p = _leaf(out, rng, lambda v, p: isinstance(v, str))
    s = get(out, p)
    at = rng.randrange(len(s) + 1)
    put(out, p, s[:at] + c + s[at:])


def _bad_study(out, rng):
    if rng.random() < 0.7:
        path, junk = rng.choice(STUDY_JUNK)
        put(out, path, copy.deepcopy(junk))
    else:
        path = ("studies", *rng.choice(STUDY_SHORT))
        put(out, path, get(out, path)[:-1])


INVALID = ["nan", "overflow", "infinity", "big-int", "long-string", "control", "deep",
           "bad-name", "typed", "study"]


def blind(data, rng):
    """One blind edit: a value replaced by junk, a key deleted, or a key added."""
    out = copy.deepcopy(data)
    path = rng.choice([p for p in paths(out) if p])
    parent = get(out, path[:-1])
    last = path[-1]
    action = rng.random()
    if action < 0.7 or isinstance(parent, list):
        parent[last] = copy.deepcopy(rng.choice(JUNK))
    elif action < 0.85:
        del parent[last]
    else:
        parent[f"{last}-extra"] = copy.deepcopy(rng.choice(JUNK))
    return out


def mutant(data, rng):
    """``(kind, data or text)``: an invalid edit three times in four, else a blind one."""
    if rng.random() < 0.75:
        kind = rng.choice(INVALID)
        return kind, invalid(data, rng, kind)
    return "any", blind(data, rng)


def text(m) -> str:
    return m if isinstance(m, str) else json.dumps(m)


# ----------------------------------------------------------------------------- shard sets

def _set_shard(part, **fields):
    part["run"]["shard"].update(fields)


SHARD_EDITS = {
    "index-0": lambda a, b, rng: _set_shard(b, index=0),
    "index-3/2": lambda a, b, rng: _set_shard(b, index=3),
    "index-negative": lambda a, b, rng: _set_shard(b, index=-2),
    "count-differs": lambda a, b, rng: _set_shard(b, count=3),
    "count-1": lambda a, b, rng: (_set_shard(a, count=1), _set_shard(b, count=1)),
    "count-0": lambda a, b, rng: _set_shard(b, count=0, index=0),
    "same-index": lambda a, b, rng: _set_shard(b, index=1),
    "not-a-shard": lambda a, b, rng: b["run"].__setitem__("shard", None),
    "adcheck-code": lambda a, b, rng: b["run"]["code"].__setitem__("adcheck", "0" * 32),
    "plugin-code": lambda a, b, rng: b["run"]["code"].__setitem__("myplugin", "1" * 32),
    "no-code": lambda a, b, rng: b["run"].pop("code"),
    "numpy-version": lambda a, b, rng: b["run"]["versions"].__setitem__("numpy", "1.26.4"),
    "adcheck-version": lambda a, b, rng: b["run"]["versions"].__setitem__("adcheck", "0.0.9"),
    "seed": lambda a, b, rng: b["run"].__setitem__("seed", a["run"]["seed"] + 1),
    "examples": lambda a, b, rng: b["run"].__setitem__("examples", 7),
    "engines": lambda a, b, rng: b["run"]["engines"].reverse(),
    "selection": lambda a, b, rng: b["run"]["identities"].append("B9.made-up"),
    "stray-record": lambda a, b, rng: b["records"].append(copy.deepcopy(a["records"][0])),
    "overlap": lambda a, b, rng: b["run"]["shard"]["identities"].extend(
        a["run"]["shard"]["identities"]),
    "uncovered": lambda a, b, rng: (b["run"]["shard"].__setitem__("identities", []),
                                    b.__setitem__("records", [])),
}


def shard_set(shards, rng, n: int = 0):
    """``(kind, [data or text, ...])``: a set of shard files, refused unless kind is "any";
    the ``n``-th set of a sequence (the first sets take every edit of SHARD_EDITS once)."""
    a, b = (copy.deepcopy(s) for s in shards)
    if rng.random() < 0.1:  # a shard left out or given twice
        return rng.choice([("missing", [a]), ("twice", [a, a, b])])
    if n < len(SHARD_EDITS) or rng.random() < 0.4:
        kind = sorted(SHARD_EDITS)[n] if n < len(SHARD_EDITS) else rng.choice(sorted(SHARD_EDITS))
        SHARD_EDITS[kind](a, b, rng)
        parts = [a, b]
    elif rng.random() < 0.6:  # the first shard is the lead, the one with studies
        kind, bad = mutant(a, rng)
        parts = [bad, b]
    else:
        kind, parts = "any", [blind(a, rng), blind(b, rng)]
    rng.shuffle(parts)
    return kind, parts
