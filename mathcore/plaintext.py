"""The lesson's TeX as plain text, for words that are read rather than typeset (beat summaries).

One convention everywhere: layer superscripts and neuron subscripts in Unicode (``a^{(L-1)}_{k}``
is ``a⁽ᴸ⁻¹⁾ₖ``, ``C_{0}`` is ``C₀``), derivatives as slashes (``∂C₀/∂w⁽ᴸ⁾``, ``df/dx``), Greek
letters and operators as their symbols (σ, ∂, Σ, ·, ≈, ×, ⊙, ᵀ), and scientific numbers as
``4.12 × 10⁻³``. Only the small set of TeX the lesson writes is known; anything else raises
:class:`ValueError` rather than leaving TeX behind::

    plain(r"\\frac{\\partial C_{0}}{\\partial w^{(L)}}")   # '∂C₀/∂w⁽ᴸ⁾'
    plain(r"2.5 \\cdot 0.318 + \\left(-0.5\\right)")        # '2.5 · 0.318 + (-0.5)'
"""

from __future__ import annotations

import re
from functools import lru_cache

SUPERSCRIPT = dict(zip("0123456789+-=()LlnijkTab", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᴸˡⁿⁱʲᵏᵀᵃᵇ"))
SUBSCRIPT = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
SYMBOLS = {
    "cdot": "·", "approx": "≈", "times": "×", "sigma": "σ", "Delta": "Δ", "delta": "δ", "eta": "η",
    "nabla": "∇", "odot": "⊙", "partial": "∂", "sum": "Σ", "prod": "Π", "sin": "sin", "cos": "cos",
    "le": "≤", "max": "max", "longrightarrow": "→", ",": " ", " ": " ",
}
FRACTIONS = {("1", "2"): "½", ("1", "4"): "¼"}
_MARKUP = re.compile(r"[\\{}^_']")
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}^_]|[^\\{}^_]")


@lru_cache(maxsize=4096)  # the same labels recur in many beats and every build
def plain(tex: str) -> str:
    """``tex`` (the lesson's TeX: a label, an equation, a shown number) as plain text."""
    if not _MARKUP.search(tex):  # a number, a letter: nothing to convert
        return re.sub(r" {2,}", " ", tex).strip()
    text, _ = _Reader(_TOKEN.findall(tex)).run(0, closing=False)
    text = re.sub(r"(Δ|∇\S*) (?=\S)", r"\1", text)  # Δw, ∇ₐC₀: an operator sticks to its operand
    text = text.replace(" / ", "/")  # ΔC₀/Δw⁽ᴸ⁾, as the derivatives are written
    return re.sub(r" {2,}", " ", text).strip()


class _Reader:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens

    def run(self, i: int, closing: bool) -> tuple[str, int]:
        """Plain text from token ``i`` to the end (or to the ``}`` closing a group)."""
        out = []
        while i < len(self.tokens):
            tok = self.tokens[i]
            if tok == "}":
                if closing:
                    return "".join(out), i + 1
                raise ValueError("unbalanced } in TeX")
            text, i = self.item(i)
            out.append(text)
        if closing:
            raise ValueError("unbalanced { in TeX")
        return "".join(out), i

    def argument(self, i: int) -> tuple[str, str, int]:
        """The group or single token at ``i``: its plain text, its raw TeX and the next index."""
        if i >= len(self.tokens):
            raise ValueError("TeX ends where an argument was expected")
        if self.tokens[i] == "{":
            text, end = self.run(i + 1, closing=True)
            return text, "".join(self.tokens[i + 1:end - 1]), end
        text, end = self.item(i)
        return text, self.tokens[i], end

    def big_operator(self, symbol: str, i: int) -> tuple[str, int]:
        """``\\sum_{j=0}^{n}`` as ``Σⱼ``: the summation letter as a subscript, the bounds dropped."""
        index = ""
        while i < len(self.tokens) and self.tokens[i] in "^_":
            mark = self.tokens[i]
            _, raw, i = self.argument(i + 1)
            if mark == "_":
                index = _script(raw.split("=")[0].strip(), SUBSCRIPT, "_")
        return symbol + index + " ", i

    def item(self, i: int) -> tuple[str, int]:
        tok = self.tokens[i]
        if tok == "{":
            return self.run(i + 1, closing=True)
        if tok in "^_":
            text, _, end = self.argument(i + 1)
            return _script(text, SUPERSCRIPT if tok == "^" else SUBSCRIPT, tok), end
        if tok == "'":
            return "′", i + 1
        if not tok.startswith("\\"):
            return tok, i + 1
        name = tok[1:]
        if name == "frac":
            top, top_tex, i = self.argument(i + 1)
            bottom, bottom_tex, i = self.argument(i)
            return _fraction(top, top_tex, bottom, bottom_tex), i
        if name in ("left", "right"):
            delimiter = self.tokens[i + 1] if i + 1 < len(self.tokens) else ""
            return ("" if delimiter == "." else delimiter), i + 2
        if name in ("text", "mathrm"):
            _, raw, end = self.argument(i + 1)
            return raw, end
        if name in ("sum", "prod"):  # Σⱼ: the index only, its range is the layer's neurons
            return self.big_operator(SYMBOLS[name], i + 1)
        if name in SYMBOLS:
            return SYMBOLS[name], i + 1
        raise ValueError(f"no plain text for the TeX command {tok}")


def _script(text: str, table: dict[str, str], mark: str) -> str:
    """A superscript or subscript in Unicode, or ``^(...)``/``_(...)`` if some character has none."""
    if text and all(ch in table for ch in text):
        return "".join(table[ch] for ch in text)
    return f"{mark}({text})" if len(text) > 1 else f"{mark}{text}"


def _fraction(top: str, top_tex: str, bottom: str, bottom_tex: str) -> str:
    if (top, bottom) in FRACTIONS:
        return FRACTIONS[top, bottom]
    if top_tex.lstrip().startswith(("\\partial", "d ")):  # a derivative: ∂C/∂w, df/dx
        return top.replace(" ", "") + "/" + bottom.replace(" ", "")
    wrap = lambda s: f"({s})" if re.search(r"[\s+\-·]", s) else s  # noqa: E731
    return f"{wrap(top)}/{wrap(bottom)}"
