"""What the voice says in each beat: a few sentences, each keyed to the animation step it goes with.

Like the summaries (:mod:`mathcore.beats.summaries`), a narration is written from the built beat
only: every number it says is one of the beat's shown values (or a number in its equations), as
the screen shows it (the one formatter, the honest ``=`` or ``≈``); its symbols are the beat's own
TeX as plain text (:func:`mathcore.plaintext.plain`); sizes and the squish's name come from the
model. So the voice says what the screen shows, for any lesson file::

    [(s.key, s.text) for s in model.beat("product_of_rates").narration]   # the default lesson:
    # [('factors', "The first weight's derivative is a product of rates, one per link,"),
    #  ('locals', 'each read off its own link:'),
    #  ('numbers', '∂C/∂w₁ = 2 · 0.5 · 3 · 1 = 3.')]

Each sentence has a ``key`` named after a step of the beat's scene (``scenes/part1.py`` ...), in
the order the scene animates them, so that a scene can mark where each sentence starts; its
``spoken`` form is :func:`mathcore.spoken.spoken` of its text.

Length: a beat's sentences together take at most :data:`WORDS_PER_SECOND` words per second of the
beat's silent length (:data:`SILENT_SECONDS`, measured), so that the voice does not stretch the
video much. Words are counted as they are said (:func:`speech_words`: ``0.066`` is "zero point
zero six six", five words). A writer may offer shorter versions after its first (long lists of
numbers of large networks at four places): the first within the budget is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mathcore.beats.common import Context
from mathcore.beats.reading import BeatReader, and_list, capitalised, vector
from mathcore.model import Beat, Sentence
from mathcore.plaintext import plain
from mathcore.spoken import spoken

WORDS_PER_SECOND = 2.8
# Each beat's length in the silent video: the default lesson rendered at low quality (the chapters
# of media/lesson/low/backpropagation-calculus.chapters.json, 2026-12-02), rounded down.
SILENT_SECONDS = {
    "title": 5.4, "chain_rule": 18.7, "nested_cost": 11.3, "forward_pass": 15.7, "product_of_rates": 13.5,
    "desire": 16.4, "backward_sweep": 12.8, "squish": 9.4, "vanishing": 11.2, "four_neurons": 15.4,
    "last_link": 15.3, "weighted_input": 15.6, "dependency_tree": 13.8, "number_lines": 15.5,
    "chain_rule_assembled": 14.6, "local_derivatives": 35.3, "fire_together": 12.3, "average": 16.5,
    "gradient_vector": 11.5, "bias_and_previous": 23.3, "one_layer_back": 15.9, "indices": 19.5, "sums": 13.8,
    "weight_index_form": 15.9, "sum_over_paths": 20.8, "recursion": 19.8, "vector_form": 35.7, "descent_step": 18.1,
}
_NUMBER = re.compile(r"[0-9]+(?:\.([0-9]+))?")


def budget(key: str) -> float:
    """The most words the beat ``key``'s narration may say."""
    return WORDS_PER_SECOND * SILENT_SECONDS[key]


def speech_words(said: str) -> int:
    """How many words ``said`` (a spoken form) takes to say: a number counts as its digits are read
    (``12`` one word, ``0.066`` five: "zero point zero six six")."""
    count = 0
    for token in said.split():
        m = _NUMBER.search(token)
        if m is None:
            count += 1
            continue
        whole = m.group(0).split(".")[0]
        count += (1 if len(whole) <= 2 else len(whole)) + (1 + len(m.group(1)) if m.group(1) else 0)
    return count


def narration(beat: Beat, c: Context) -> tuple[Sentence, ...]:
    """The narration of ``beat`` (built from ``c``): the first of its writer's versions within the budget."""
    versions = [tuple(Sentence(key, text, spoken(text)) for key, text in version)
                for version in WRITERS[beat.key](BeatReader(beat), c)]
    fits = (v for v in versions if sum(speech_words(s.spoken) for s in v) <= budget(beat.key))
    return next(fits, versions[-1])


Lines = list[tuple[str, str]]  # (key, text) per sentence
Writer = Callable[[BeatReader, Context], list[Lines]]


def _end(text: str) -> str:
    """``text`` as a sentence: a full stop unless it ends with one already."""
    return text if text.endswith((".", "?", "!")) else text + "."


# -- Part 1 -----------------------------------------------------------------------------------
def _title(r: BeatReader, c: Context) -> list[Lines]:
    t = r.beat.texts
    return [[("title", _end(t["title"])), ("track", f"After “{t['after']}”, and before “{t['before']}”.")]]


def _chain_rule(r: BeatReader, c: Context) -> list[Lines]:
    return [[("lines", f"Take {r.eq('inner')} and {r.eq('outer')}."),
             ("nudge", f"Nudge x from {r.n('x')} by {r.n('h')}:"),
             ("moves", f"g moves by about {r.n('g_moves')}, really {r.n('g_moves_actually')}, and f by about "
                       f"{r.n('f_moves')}, really {r.n('f_moves_actually')}."),
             ("rule", f"The rates multiply: {r.label('df_dx')} = {r.label('df_dg')} · {r.label('dg_dx')}.")],
            [("lines", f"Take {r.eq('inner')} and {r.eq('outer')}."),
             ("nudge", f"Nudge x from {r.n('x')} by {r.n('h')}:"),
             ("moves", f"g moves by about {r.n('g_moves')}, and f by {r.n('f_moves')}."),
             ("rule", f"So {r.label('df_dx')} = {r.label('df_dg')} · {r.label('dg_dx')}.")],
            [("lines", f"Take {r.eq('inner')} and {r.eq('outer')}."),
             ("nudge", f"Nudge x by {r.n('h')}:"),
             ("moves", "g moves, and f with it."),
             ("rule", f"So {r.label('df_dx')} = {r.label('df_dg')} · {r.label('dg_dx')}.")]]


def _nested_cost(r: BeatReader, c: Context) -> list[Lines]:
    return [[("links", "Each link is one equation, down to the cost."),
             ("nested", f"Nested: {r.eq('nested')}.")],
            [("links", "Each link of the chain is one equation, down to the cost."),
             ("nested", "Nested, the cost is a function of every weight.")]]


def _forward_pass(r: BeatReader, c: Context) -> list[Lines]:
    layers = [key for key in r.beat.equations if key != "cost"]
    inputs = f"Start from the input {r.is_('a0')}, with the target {r.is_('y')}."
    cost = f"The cost: {r.part('cost', 'lhs')} = {r.tail('cost', 'numbers')}."
    return [[("inputs", inputs), ("layers", f"Each layer multiplies by its weight: {and_list([r.is_(k) for k in layers])}."),
             ("cost", cost)],
            [("inputs", inputs), ("layers", f"Each layer multiplies by its weight, up to {r.is_(layers[-1])}."),
             ("cost", cost)],
            [("inputs", f"Start from the input {r.is_('a0')}."),
             ("layers", f"Each layer multiplies by its weight, up to {r.is_(layers[-1])}."),
             ("cost", f"The cost: {r.is_('C')}.")]]


def _product_of_rates(r: BeatReader, c: Context) -> list[Lines]:
    eq = r.beat.equations["numbers"]
    return [[("factors", "The first weight's derivative is a product of rates, one per link,"),
             ("locals", "each read off its own link:"),
             ("numbers", f"{r.label('dC_dw1')} = {r.tail('numbers', eq.factors[0].key)}.")],
            [("factors", "The first weight's derivative is a product of rates, one per link."),
             ("locals", "Each is read off its own link."),
             ("numbers", f"Here {r.is_('dC_dw1')}.")]]


def _desire(r: BeatReader, c: Context) -> list[Lines]:
    desire = f"The first factor, {r.is_('desire')}, is the output's desire: how much, and which way, the cost wants it to move."
    check = f"A nudge of {r.n('nudge')} changes the cost by {r.n('delta_cost')}, as predicted: {r.n('predicted')}."
    return [[("desire", desire),
             ("carry", "Each weight factor carries it one link back; the last factor is the input feeding the weight."),
             ("check", check)],
            [("desire", f"The first factor, {r.is_('desire')}, is the output's desire,"),
             ("carry", "carried back by each weight factor."),
             ("check", check)]]


def _backward_sweep(r: BeatReader, c: Context) -> list[Lines]:
    running = r.beat.series["running_product"]
    last = f"{plain(running[-1].label)} = {plain(running[-1].tex)}"
    counts = (f"One sweep takes {r.n('sweep_multiplications')} multiplications, not "
              f"{r.n('naive_multiplications')}.")
    return [[("running", f"Backward, the running product gains a link at a time, down to {last}."),
             ("shared", "Every weight's chain shares the output-side factors."),
             ("counts", counts)],
            [("running", "Backward, the running product gains a link at a time."),
             ("shared", "Every weight's chain shares the output-side factors."),
             ("counts", counts)]]


def _squish(r: BeatReader, c: Context) -> list[Lines]:
    return [[("definitions", f"Add a squish, {r.eq('a1')}."),
             ("product", "Every link gains a factor,"),
             ("slopes", "the squish's slope, σ′(z).")]]


def _vanishing(r: BeatReader, c: Context) -> list[Lines]:
    grads, bounds = r.series("gradient_by_depth"), r.series("bound_by_depth")
    act = c.deep.spec.activation.name
    return [[("slope", f"The {act} squish has a slope of at most {r.n('max_slope')}."),
             ("bound", f"So {r.n('depth')} layers multiply to at most {bounds[-1]},"),
             ("gradients", f"and the first weight's gradient goes from {grads[0]} to {grads[-1]}.")],
            [("slope", f"The {act}'s slope is at most {r.n('max_slope')}."),
             ("bound", "Layer after layer,"),
             ("gradients", f"and the first weight's gradient ends at {grads[-1]}.")]]


# -- Part 2 -----------------------------------------------------------------------------------
def _four_neurons(r: BeatReader, c: Context) -> list[Lines]:
    last = f"a{c.sigmoid.depth}"
    act = c.sigmoid.spec.activation.name
    return [[("chain", f"{r.beat.title}, with the {act} squish."),
             ("forward", f"Its output: {r.is_(last)}."),
             ("parameters", f"{r.text('parameter_count')} parameters: a weight and a bias per layer."),
             ("composed", f"Against {r.is_('y')}, the cost is {r.is_('C0')}.")]]


def _last_link(r: BeatReader, c: Context) -> list[Lines]:
    return [[("focus", f"The last link: from {r.label('aL1')} to {r.label('aL')}."),
             ("superscripts", "Superscripts are layer indices, not exponents."),
             ("target", f"The target is {r.is_('y')}."),
             ("cost", f"Its cost: {r.part('cost', 'lhs')} = {r.tail('cost', 'numbers')}.")]]


def _weighted_input(r: BeatReader, c: Context) -> list[Lines]:
    symbols = f"{r.part('z', 'lhs')} = {r.part('z', 'w', 'a_prev')} + {r.part('z', 'b')}"
    return [[("z", f"The weighted input: {symbols}."),
             ("numbers", f"With {r.is_('w')}, it comes to {r.n('z')}."),
             ("squish", f"Squished, {r.is_('a')}.")]]


def _dependency_tree(r: BeatReader, c: Context) -> list[Lines]:
    rows = r.beat.data["tree"][:3]  # the cost, the last activation, the last weighted input
    links = "; ".join(f"{plain(node)} on {and_list([plain(i) for i in inputs])}" for node, inputs in rows)
    return [[("last_layer", f"What depends on what: {links}."),
             ("grows", f"{capitalised(r.text('grows'))}.")]]


def _number_lines(r: BeatReader, c: Context) -> list[Lines]:
    names = and_list([r.label(k) for k in ("w", "z", "a", "C0")])
    return [[("lines", f"A number line each for {names}."),
             ("nudge", f"Nudge the weight by {r.n('nudge')}, and the cost goes from {r.n('C0')} to "
                       f"{r.n('C0_nudged')}."),
             ("back_and_forth", "Back and forth, the others follow.")]]


def _chain_assembled(r: BeatReader, c: Context) -> list[Lines]:
    eq = r.beat.equations["chain"]
    values = and_list([r.n(f.key) for f in eq.factors])
    return [[("links", f"Each link: how much its end moves per nudge of its start; here {values}."),
             ("chain", f"Multiplied, they give {r.part('chain', 'lhs')}.")]]


def _local_derivatives(r: BeatReader, c: Context) -> list[Lines]:
    eq = r.beat.equations["numbers"]
    keys = [f.key for f in r.beat.equations["product"].factors]
    locals_ = and_list([f"{r.part(k, 'formula')} = {r.n(k)}" for k in keys])
    ratio = r.beat.series["nudge_ratio"][-1]
    return [[("locals", f"From each link's formula: {locals_}."),
             ("product", f"Their product: {r.label('dC_dw')} = {r.tail('numbers', eq.factors[0].key)}."),
             ("ratios", f"Ever smaller nudges, down to {r.series('nudge_h')[-1]}:"),
             ("limit", f"the ratio closes in on it, {plain(ratio.tex)}.")]]


def _fire_together(r: BeatReader, c: Context) -> list[Lines]:
    return [[("slogan", _end(r.text("slogan"))),
             ("link", f"{r.eq('dz_dw')} = {r.n('a_prev')}:"),
             ("meaning", "a weight matters as much as its input is active.")]]


def _average(r: BeatReader, c: Context) -> list[Lines]:
    return [[("cost", f"With {r.is_('n')} examples, the cost is their average."),
             ("examples", "Each has its own input and target,"),
             ("costs", f"and cost; on average {r.is_('mean_cost')}."),
             ("gradients", f"The gradient too: {r.is_('mean')}.")]]


def _gradient_vector(r: BeatReader, c: Context) -> list[Lines]:
    first, last = r.entry("gradient", 0), r.entry("gradient", len(r.beat.series["gradient"]) - 1)
    every = f"{capitalised(r.text('every'))}."
    return [[("vector", f"The gradient vector ∇C lists every such derivative, from {first} to {last}."),
             ("every", every)],
            [("vector", "The gradient vector ∇C lists every such derivative."), ("every", every)]]


def _bias_and_previous(r: BeatReader, c: Context) -> list[Lines]:
    return [[("bias", f"For the bias, {r.eq('dz_db')},"),
             ("bias_chain", f"so {r.is_('dC_db')}."),
             ("previous", f"For the previous activation, {r.eq('dz_da_prev')} = {r.n('w')},"),
             ("previous_chain", f"so {r.is_('dC_da_prev')}.")]]


def _one_layer_back(r: BeatReader, c: Context) -> list[Lines]:
    return [[("longer", "One layer back, the chain is longer."),
             ("shared", f"Its output side, {r.n('dC_da_prev')}, is known already: computed once, reused."),
             ("result", f"So {r.is_('dC_dw')}.")]]


# -- Part 3 -----------------------------------------------------------------------------------
def _indices(r: BeatReader, c: Context) -> list[Lines]:
    act = c.wide.spec.activation.name
    sizes = and_list([str(n) for n in c.wide.sizes])
    return [[("network", f"Now several neurons per layer, {sizes}, with the {act} squish. "
                         "Superscripts count layers, subscripts neurons."),
             ("edge", f"{plain(r.text('w'))} is the weight to j, from k; here {r.n('w_jk')}."),
             ("matrix", f"They form the matrix {plain(r.text('W'))}, {plain(r.text('shape'))}:"),
             ("rows_columns", "row j into neuron j, column k out of neuron k.")]]


def _sums(r: BeatReader, c: Context) -> list[Lines]:
    z = r.beat.equations["z_numbers"]
    return [[("cost", f"The cost adds a term per output neuron, here {r.is_('C0')}."),
             ("z", f"Each weighted input sums over the layer before: {r.part('z_numbers', 'lhs')} = "
                   f"{plain(z.part('value'))}.")]]


def _weight_index_form(r: BeatReader, c: Context) -> list[Lines]:
    same = "The same three links, now with indices:"
    chain = f"{r.part('chain', 'lhs')} is the same product."
    return [[("same", same), ("chain", chain), ("numbers", f"Here: {r.tail('numbers', 'a_prev')}.")],
            [("same", same), ("chain", chain), ("numbers", f"For the highlighted edge, it is {r.n('dC_dw')}.")]]


def _sum_over_paths(r: BeatReader, c: Context) -> list[Lines]:
    total = f"{r.part('total', 'lhs')} = {r.tail('total', 'term0')}"
    return [[("paths", "A neuron of the layer before reaches the cost through every neuron of the last layer,"),
             ("terms", f"so its derivative is a sum over paths: {r.eq('terms')}."),
             ("each_path", "Each path adds its own term."),
             ("total", f"For k = {r.n('k')}: {total}.")],
            [("paths", "A neuron of the layer before reaches the cost through every neuron of the last layer,"),
             ("terms", "so its derivative is a sum over paths."),
             ("each_path", "Each path adds its own term."),
             ("total", f"For k = {r.n('k')}: {r.is_('sum')}.")]]


def _recursion(r: BeatReader, c: Context) -> list[Lines]:
    L = c.wide.depth
    sweep = capitalised(r.text("sweep"))
    gradient = f"{capitalised(r.text('weights'))}: the whole gradient."
    return [[("recursion", "The same sum holds for any layer."),
             ("base", f"It starts at the output, {vector(r.series(f'dC_da{L}'))}."),
             ("sweep", f"{sweep}, down to the input's {vector(r.series('dC_da0'))}."),
             ("gradient", gradient)],
            [("recursion", "The same sum holds for any layer."),
             ("base", f"It starts at the output, {vector(r.series(f'dC_da{L}'))}."),
             ("sweep", f"{sweep}."),
             ("gradient", gradient)],
            [("recursion", "The same sum holds for any layer."),
             ("base", f"It starts from the base case at the output, {r.eq('base')}."),
             ("sweep", f"{sweep}."),
             ("gradient", gradient)]]


def _vector_form(r: BeatReader, c: Context) -> list[Lines]:
    delta = f"Write {r.eq('delta')}, the error of neuron j in layer l."
    equations = ("Four equations follow: the last layer's errors, each layer's from the next, and from them "
                 "every bias's and weight's derivative.")
    numbers = f"In numbers, {plain(r.text('delta'))} = {vector(r.series('deltaL'))}, and so on back."
    check = f"Entry {r.n('k')} is {r.is_('check')}: {r.text('check_words')}."
    transpose = f"{capitalised(r.text('shapes_words'))}."
    return [[("delta", delta), ("equations", equations), ("transpose", transpose), ("numbers", numbers),
              ("check", check)],
            [("delta", delta), ("equations", equations), ("transpose", transpose),
             ("numbers", "In numbers, layer by layer."), ("check", check)]]


def _descent_step(r: BeatReader, c: Context) -> list[Lines]:
    return [[("rate", f"One step downhill, with learning rate {r.is_('eta')}:"),
             ("step", f"{capitalised(r.text('every_layer'))}, against their gradient."),
             ("cost", f"The cost falls from {r.n('cost_before')} to {r.n('cost_after')}, a change of "
                      f"{r.n('cost_change')}.")]]


WRITERS: dict[str, Writer] = {
    "title": _title, "chain_rule": _chain_rule, "nested_cost": _nested_cost, "forward_pass": _forward_pass,
    "product_of_rates": _product_of_rates, "desire": _desire, "backward_sweep": _backward_sweep, "squish": _squish,
    "vanishing": _vanishing,
    "four_neurons": _four_neurons, "last_link": _last_link, "weighted_input": _weighted_input,
    "dependency_tree": _dependency_tree, "number_lines": _number_lines, "chain_rule_assembled": _chain_assembled,
    "local_derivatives": _local_derivatives, "fire_together": _fire_together, "average": _average,
    "gradient_vector": _gradient_vector, "bias_and_previous": _bias_and_previous, "one_layer_back": _one_layer_back,
    "indices": _indices, "sums": _sums, "weight_index_form": _weight_index_form, "sum_over_paths": _sum_over_paths,
    "recursion": _recursion, "vector_form": _vector_form, "descent_step": _descent_step,
}
