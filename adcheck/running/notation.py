"""Statements in the notation a mathematician writes: sympy's MathML printer, corrected.

- Derivatives in Leibniz form: ∂²C/∂S² (the power on the variable, not on ∂), ∂V/∂t for an
  applied function V(S, t); the gradient ∇ₓ f and the Hessian ∇ₓ² f of a scalar with respect to
  a vector; the Jacobian ∂(Ax)/∂x of a vector.
- Names that carry notation as text (``dl/dW_l``, ``grad(grad f)``, ``Delta f``, ``|grad u|``)
  are typeset token by token: ``d·/d·`` as a fraction, ``grad`` as ∇, greek names as letters,
  ``_`` as a subscript, ``^`` as a superscript, words as upright text.
"""

from __future__ import annotations

import re
import unicodedata

PARTIAL, NABLA = "\u2202", "\u2207"
WORDS = {"grad": NABLA, "Delta": "\u0394", "yhat": "y\u0302", "in": "\u2208", "tr": "tr",
         "sup": "sup", "jacfwd": "J"}
GREEK = frozenset("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
                  "omicron pi rho sigma tau upsilon phi chi psi omega".split())
_TOKEN = re.compile(r"[A-Za-z]+(?:_(?:\{[^}]*\}|\([^)]*\)|[A-Za-z0-9]+))?(?:\^(?:\w+|\([^)]*\)))?"
                    r"|\d+(?:\.\d+)?|[()\[\]|+\-*/=<>,]|\s+")
_LEIBNIZ = re.compile(r"^d([A-Za-z][\w{}()-]*)/d([A-Za-z][\w{}()-]*)$")
_OPERATORS = {"-": "\u2212", "*": "\u2062"}


def printer_class():
    """sympy's presentation printer with Leibniz derivatives and typeset names."""
    from sympy.printing.mathml import MathMLPresentationPrinter

    class Printer(MathMLPresentationPrinter):
        def _el(self, tag, *children, text=None, **attrs):
            node = self.dom.createElement(tag)
            for k, v in attrs.items():
                node.setAttribute(k, v)
            if text is not None:
                node.appendChild(self.dom.createTextNode(text))
            for c in children:
                node.appendChild(c)
            return node

        def _print_Function(self, e):
            from sympy import Symbol
            from sympy.core.function import AppliedUndef

            if not isinstance(e, AppliedUndef):
                return super()._print_Function(e)
            # sympy lowercases the class name here (V(S, t) prints as v(S, t)).
            return self._el("mrow", self._print(Symbol(e.func.__name__)),
                            self._paren_comma_separated(*e.args))

        def _print_Symbol(self, sym, style="plain"):
            name = sym.name
            if _LEIBNIZ.match(name) or not re.fullmatch(r"[A-Za-z]+(_[A-Za-z0-9]+)?", name):
                return _typeset(self, name)
            return super()._print_Symbol(sym, style)

        _print_MatrixSymbol = _print_Symbol

        def _print_Derivative(self, e):
            return _derivative(self, e)

        def _print_Trace(self, e):
            return self._el("mrow", self._el("mi", text="tr"), _fenced(self, e.arg, always=True))

    return Printer


def _is_vector(x) -> bool:
    return getattr(x, "is_Matrix", False) and x.shape[1] == 1


def _is_scalar(expr) -> bool:
    return not getattr(expr, "is_Matrix", False) or tuple(expr.shape) == (1, 1)


def _derivative(p, e):
    """Leibniz form; ∇ for the gradient and Hessian of a scalar in a vector variable."""
    pairs = [(v, int(n)) for v, n in e.variable_count]
    if len(pairs) == 1 and _is_vector(pairs[0][0]) and _is_scalar(e.expr):
        var, n = pairs[0]
        op = p._el("mo", text=NABLA)
        head = p._el("msub", op, p._print(var)) if n == 1 else \
            p._el("msubsup", op, p._print(var), p._print(n))
        return p._el("mrow", head, _fenced(p, e.expr))
    order = sum(n for _, n in pairs)
    den = p._el("mrow")
    for v, n in pairs:
        den.appendChild(p._el("mo", text=PARTIAL))
        den.appendChild(p._print(v) if n == 1 else p._el("msup", p._print(v), p._print(n)))
    d = p._el("mo", text=PARTIAL) if order == 1 else \
        p._el("msup", p._el("mo", text=PARTIAL), p._print(order))
    f = _function_name(p, e.expr)
    if f is not None:
        return p._el("mfrac", p._el("mrow", d, f), den)
    if not _is_scalar(e.expr) and order == 1:  # a Jacobian: ∂(Ax)/∂x
        return p._el("mfrac", p._el("mrow", d, _fenced(p, e.expr, always=True)), den)
    return p._el("mrow", p._el("mfrac", p._el("mrow", d), den), _fenced(p, e.expr))


def _function_name(p, expr):
    """The printed name of a symbol or applied function V(S, t) (as V); None otherwise."""
    from sympy import Symbol
    from sympy.core.function import AppliedUndef

    if isinstance(expr, AppliedUndef):
        return p._print(Symbol(expr.func.__name__))
    if isinstance(expr, Symbol):
        return p._print(expr)
    return None


def _fenced(p, expr, always: bool = False):
    """``expr`` in parentheses unless it is a single symbol."""
    inner = p._print(expr)
    if not always and (getattr(expr, "is_Symbol", False) or expr.__class__.__name__ ==
                       "MatrixSymbol"):
        return inner
    return p._el("mrow", p._el("mo", text="("), inner, p._el("mo", text=")"))


def _typeset(p, name: str):
    """A name that carries notation as text, typeset token by token."""
    m = _LEIBNIZ.match(name)
    if m:
        num, den = (_typeset(p, part) for part in m.groups())
        return p._el("mfrac", p._el("mrow", p._el("mo", text=PARTIAL), num),
                     p._el("mrow", p._el("mo", text=PARTIAL), den))
    row = p._el("mrow")
    words = [t for t in _TOKEN.findall(name)]
    sentence = sum(len(t) > 3 and t.isalpha() and t not in WORDS and t.lower() not in GREEK
                   for t in words) >= 2
    for tok in words:
        if tok.isspace():
            if sentence:
                row.appendChild(p._el("mspace", width="0.3em"))
            continue
        row.appendChild(_token(p, tok, sentence))
    return row


def _token(p, tok: str, sentence: bool):
    if tok[0].isdigit():
        return p._el("mn", text=tok)
    if not tok[0].isalpha():
        return p._el("mo", text=_OPERATORS.get(tok, tok))
    m = re.fullmatch(r"([A-Za-z]+)(?:_(\{[^}]*\}|\([^)]*\)|[A-Za-z0-9]+))?(?:\^(\w+|\([^)]*\)))?",
                     tok)
    base, sub, sup = m.groups()
    node = _word(p, base, sentence)
    if sub:
        sub_node = _word(p, sub.strip("{}"), False) if sub[0] != "(" else p._el("mi", text=sub)
        node = p._el("msub", node, sub_node)
    if sup:
        node = p._el("msup", node, p._el("mn" if sup.isdigit() else "mi", text=sup))
    return node


def _word(p, word: str, sentence: bool):
    if word in ("in", "sup"):
        return p._el("mo", text=WORDS[word])
    if word in WORDS:
        text = WORDS[word]
        return p._el("mo" if text in (NABLA, "\u0394") else "mi", text=text)
    if word.lower() in GREEK:
        case = "CAPITAL" if word[0].isupper() else "SMALL"
        return p._el("mi", text=unicodedata.lookup(f"GREEK {case} LETTER {word.upper()}"))
    if len(word) > 1 and not word.isalpha():
        return p._el("mi", text=word.replace("-", "\u2212"))
    if sentence and len(word) > 1:
        return p._el("mtext", text=word)
    return p._el("mi", text=word)
