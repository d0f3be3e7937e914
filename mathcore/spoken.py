"""The lesson's plain text as a speech synthesizer should read it: ASCII words, numbers it reads well.

The narration (:mod:`mathcore.beats.narration`) writes each sentence once, in the written form the
captions show (plain Unicode, :func:`mathcore.plaintext.plain`); :func:`spoken` turns that into the
words the voice says. Numbers stay digits, with their sign and any power of ten in words; symbols
are said as a lecturer says them::

    spoken("∂C₀/∂w⁽ᴸ⁾ = -0.066")         # 'dee C zero by dee w L equals minus 0.066'
    spoken("1.10 × 10⁻⁶")                # '1.10 times ten to the minus six'
    spoken("σ′(z⁽ᴸ⁾) ≈ 0.245")           # 'sigma prime of z L is about 0.245'
    spoken("C₀ = Σⱼ (a⁽ᴸ⁾ⱼ - yⱼ)²")        # 'C zero equals the sum over j of a L j minus y j, squared'

Superscripts in parentheses are layers (``a⁽ᴸ⁻¹⁾`` is "a L minus one"), other subscripts are indices
said one by one (``w⁽ᴸ⁾₁₀`` is "w L one zero"). The symbols the lesson's plain text uses are in
the tables below; any other character (in an author's title) is said by what it is, or not at all
(:func:`_ascii`), so the voice only ever gets ASCII.
"""

from __future__ import annotations

import re
import unicodedata

from mathcore.plaintext import SUBSCRIPT, SUPERSCRIPT

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
         "nineteen")
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")

FROM_SUPERSCRIPT = {v: k for k, v in SUPERSCRIPT.items()}
FROM_SUBSCRIPT = {v: k for k, v in SUBSCRIPT.items()}
SIGNS = {"-": "minus", "+": "plus", "=": "equals", "(": "", ")": ""}

# A number as the formatter writes it, in plain text: -0.066, +0.03, 4.12 × 10⁻³.
NUMBER = re.compile(r"(?<![\w.])([-+]?)([0-9]+(?:\.[0-9]+)?)(?: × 10([⁻]?)([⁰¹²³⁴⁵⁶⁷⁸⁹]+))?(?![\w])")
SYMBOLS = {
    "·": " times ", "≈": " is about ", "=": " equals ", "≤": " is at most ", "→": " to ", "×": " by ",
    "⊙": " times, entry by entry, ", "σ": " sigma ", "η": " eta ", "δ": " delta ", "Δ": " delta ", "∂": " dee ",
    "∇": " grad ", "′": " prime ", "½": " one half ", "¼": " one quarter ", "Π": " the product of ",
    "/": " over ", "“": '"', "”": '"', "‘": "'", "’": "'", "—": ", ", "–": ", ", "…": "...", "−": " minus ",
}


def words(n: int) -> str:
    """A whole number from 0 to 999 in words: ``25`` -> ``'twenty five'``."""
    if not 0 <= n <= 999:
        raise ValueError(f"no words for {n}")
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return TEENS[n - 10]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + DIGITS[n % 10])
    rest = n % 100
    return f"{DIGITS[n // 100]} hundred" + ("" if rest == 0 else " " + words(rest))


def number(sign: str, digits: str, exponent_sign: str = "", exponent: str = "") -> str:
    """One number said: ``('-', '4.12', '⁻', '³')`` -> ``'minus 4.12 times ten to the minus three'``."""
    said = f"{SIGNS[sign]} {digits}" if sign else digits
    if exponent:
        power = int("".join(FROM_SUPERSCRIPT[ch] for ch in exponent))
        said += f" times ten to the {'minus ' if exponent_sign else ''}{words(power)}"
    return said


def spoken(text: str) -> str:
    """``text`` (the lesson's plain text) as ASCII words for a speech synthesizer."""
    text = NUMBER.sub(lambda m: " " + number(*m.groups(default="")) + " ", text)
    text = re.sub(r"Σ(\S*)\s*\(([^()]*)\)(²?)", _sum, text)  # Σⱼ (a - y)²: the sum over j of ...
    text = re.sub(r"Σ(\S*)", lambda m: " the sum over " + _subscript(m.group(1)) + " of ", text)
    text = re.sub(r"(?<![A-Za-z])d([a-z])/d([a-z])(?![A-Za-z])", r" dee \1 by dee \2 ", text)  # df/dx
    text = re.sub(r"/(?=[∂Δ])", " by ", text)  # ∂C₀/∂w, ΔC₀/Δw
    text = re.sub(r"(?<=\s)\(([^()]*)\)", r", \1,", text)  # an aside in parentheses, or (a - y)²
    text = re.sub(r"\bsin\(", " sine of (", text)
    text = re.sub(r"(σ′?|′)\s*\(", r"\1 of (", text)  # σ(z), σ′(z), f′(g): a function of ...
    text = re.sub(r"⁽([^⁾]*)⁾", lambda m: " " + _layer(m.group(1)) + " ", text)
    text = re.sub(r"²", " squared ", text)
    text = re.sub(r"ᵀ", " transposed ", text)
    text = re.sub(f"[{''.join(FROM_SUBSCRIPT)}]+", lambda m: " " + _subscript(m.group(0)) + " ", text)
    text = re.sub(r"(?<=\s)([-+])(?=\s)", lambda m: SIGNS[m.group(1)], text)  # a - y
    for symbol, said in SYMBOLS.items():
        text = text.replace(symbol, said)
    text = text.replace("(", " ").replace(")", " ")
    text = "".join(_ascii(ch) for ch in text)
    text = re.sub(r"\s+([,.;:?!])", r"\1", text)
    text = re.sub(r"([,;:])(?=[,;:.])", "", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def _sum(m: re.Match[str]) -> str:
    squared = ", squared" if m.group(3) else ""
    return f" the sum over {_subscript(m.group(1))} of {m.group(2)}{squared} "


def _layer(script: str) -> str:
    """A layer superscript's content, ``ᴸ⁻¹``, said: ``'L minus one'``."""
    out = []
    for ch in script:
        plain = FROM_SUPERSCRIPT.get(ch, ch)
        out.append(SIGNS.get(plain) or (DIGITS[int(plain)] if plain.isdigit() else plain))
    return " ".join(out)


def _subscript(script: str) -> str:
    """Subscript characters said one by one: ``ⱼₖ`` -> ``'j k'``, ``₁₀`` -> ``'one zero'``."""
    out = []
    for ch in script:
        plain = FROM_SUBSCRIPT.get(ch, ch)
        out.append(SIGNS.get(plain) or (DIGITS[int(plain)] if plain.isdigit() else plain))
    return " ".join(out)


def _ascii(ch: str) -> str:
    """A character the tables above do not know (an author's title): a letter without its accent,
    a Greek letter or a maths symbol by its Unicode name (``α`` "alpha", ``∫`` "integral"); anything
    else (an emoji, a letter with no ASCII form) is left unsaid."""
    if ch.isascii():
        return ch
    folded = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    if folded and unicodedata.category(ch).startswith("L"):
        return folded
    name = unicodedata.name(ch, "")
    if name.startswith("GREEK") and " LETTER " in name:
        return " " + name.split(" LETTER ")[1].split()[-1].lower() + " "
    if unicodedata.category(ch) == "Sm" and name:
        return " " + name.lower() + " "
    return " "
