"""One to three plain sentences per beat: what it shows, in the lesson's words, with its numbers.

For the educators' exports (a gallery page, speaker notes). A summary is written from the built
beat only: its numbers are the beat's shown values and the numbers in its equations, exactly as
the screen shows them (the one formatter, the honest ``=`` or ``≈`` of each line), and its
symbols are the beat's own TeX turned into plain text by :func:`mathcore.plaintext.plain`
(``∂C₀/∂w⁽ᴸ⁾``, ``a⁽ᴸ⁻¹⁾ₖ``, ``4.12 × 10⁻³``). Sizes, the squish's name and the learning rate come
from the lesson file through the model, so another lesson file gives its own summaries::

    model.beat("product_of_rates").summary   # the default lesson:
    # 'A product of rates, one per link, each read off its own link:
    #  ∂C/∂w₁ = ∂C/∂a₃ · ∂a₃/∂a₂ · ∂a₂/∂a₁ · ∂a₁/∂w₁ = 2 · 0.5 · 3 · 1 = 3.'

A writer may offer shorter versions after its first: the first within :data:`LIMIT` characters is
used (large networks at four places make long lists of numbers).
"""

from __future__ import annotations

from collections.abc import Callable

from mathcore.beats.common import Context
from mathcore.beats.reading import BeatReader, and_list, capitalised, vector
from mathcore.model import Beat
from mathcore.plaintext import plain

LIMIT = 350  # characters


def summary(beat: Beat, c: Context) -> str:
    """The summary of ``beat`` (built from ``c``): the first of its writer's versions within the limit."""
    versions = WRITERS[beat.key](BeatReader(beat), c)
    return next((v for v in versions if len(v) <= LIMIT), versions[-1])


Writer = Callable[[BeatReader, Context], list[str]]


# -- Part 1 -----------------------------------------------------------------------------------
def _title(r: BeatReader, c: Context) -> list[str]:
    t = r.beat.texts
    return [f"Title card: “{t['title']}”, the lesson that comes after “{t['after']}” and before “{t['before']}”.",
            f"Title card: “{t['title']}”."]


def _chain_rule(r: BeatReader, c: Context) -> list[str]:
    rule = f"{r.label('df_dx')} = ({r.label('df_dg')})({r.label('dg_dx')})"
    return [f"The chain rule in one line, {rule}, for {r.eq('inner')} and {r.eq('outer')}. "
            f"At {r.is_('x')}, a nudge {r.is_('h')} moves g by g′(x)h = {r.n('g_moves')} "
            f"(really {r.n('g_moves_actually')}) and f by f′(g)g′(x)h = {r.n('f_moves')} "
            f"(really {r.n('f_moves_actually')})."]


def _nested_cost(r: BeatReader, c: Context) -> list[str]:
    chain = " → ".join(plain(name) for name in r.beat.data["chain"])
    return [f"The cost is a nested function, one nesting per layer: {chain}, so {r.eq('nested')}.",
            f"The cost is a nested function, one nesting per layer: {chain}."]


def _forward_pass(r: BeatReader, c: Context) -> list[str]:
    layers = [key for key in r.beat.equations if key != "cost"]
    full = "; ".join(r.eq(key) for key in layers)
    short = "; ".join(r.lhs_tail(key, "w_value") for key in layers)
    cost = r.eq("cost")
    return [f"Forward pass of the worked chain, no squish and no biases: {full}; then the cost {cost}.",
            f"Forward pass of the worked chain, no squish and no biases: {short}; then the cost {cost}."]


def _product_of_rates(r: BeatReader, c: Context) -> list[str]:
    eq = r.beat.equations["numbers"]
    rates = " · ".join(r.label(f.key) for f in eq.factors)
    numbers = r.tail("numbers", eq.factors[0].key)
    return [f"A product of rates, one per link, each read off its own link: {r.label('dC_dw1')} = {rates} = {numbers}.",
            f"A product of rates, one per link: {r.label('dC_dw1')} = {numbers}."]


def _desire(r: BeatReader, c: Context) -> list[str]:
    first = (f"The first factor, {r.is_('desire')}, is the output's desire: how much, and which way, the cost "
             f"wants the output to move; each weight factor carries it one link back.")
    check = (f"A nudge {r.is_('nudge')} takes {r.label('cost_before')} from {r.n('cost_before')} to "
             f"{r.n('cost_after')} ({r.is_('delta_cost')}), as {r.is_('predicted')} predicts.")
    return [f"{first} {check}", f"The output's desire is {r.is_('desire')}. {check}"]


def _backward_sweep(r: BeatReader, c: Context) -> list[str]:
    grads = and_list([r.is_(key) for key in r.beat.values if key.startswith("dC_dw")])
    count = (f"one backward sweep takes {r.n('sweep_multiplications')} multiplications, each chain on its own "
             f"{r.n('naive_multiplications')}")
    return [f"Run it backward: {grads} share their output-side factors, so {count}.",
            f"Run it backward: the gradients share their output-side factors, so {count}."]


def _squish(r: BeatReader, c: Context) -> list[str]:
    return [f"The squish adds a factor per layer: with {r.eq('z1')} and {r.eq('a1')}, every link gains a factor "
            f"σ′(z), {r.eq('product')}.",
            "The squish adds a factor per layer: with a = σ(z), every link gains a factor σ′(z)."]


def _vanishing(r: BeatReader, c: Context) -> list[str]:
    grads, bounds = r.series("gradient_by_depth"), r.series("bound_by_depth")
    act = c.deep.spec.activation.name
    return [f"Vanishing gradients: with the {act} squish every layer multiplies the gradient by one more σ′(z), "
            f"at most {r.is_('max_slope')}. The first weight's gradient goes from {grads[0]} for one layer to "
            f"{grads[-1]} for {r.is_('depth')} layers, where the slopes alone multiply to at most {bounds[-1]}."]


# -- Part 2 -----------------------------------------------------------------------------------
def _four_neurons(r: BeatReader, c: Context) -> list[str]:
    last = f"a{c.sigmoid.depth}"
    act = c.sigmoid.spec.activation.name
    start = (f"{r.beat.title} with the {act} squish has {r.text('parameter_count')} parameters, a weight and a bias "
             f"for each layer")
    numbers = (f"Input {r.is_('a0')} gives the output {r.is_(last)} against {r.is_('y')}, "
               f"so the cost is {r.is_('C0')}.")
    return [f"{start}: {plain(r.text('signature'))}. {numbers}", f"{start}. {numbers}"]


def _last_link(r: BeatReader, c: Context) -> list[str]:
    return [f"Focus on the last link: {r.label('aL')} and {r.label('aL1')}, whose superscripts are layer indices, "
            f"not exponents, and the desired output {r.label('y')}: {r.eq('cost')}."]


def _weighted_input(r: BeatReader, c: Context) -> list[str]:
    return [f"The weighted input, the weighted sum plus the bias before the squish: {r.eq('z')}; then {r.eq('a')}."]


def _dependency_tree(r: BeatReader, c: Context) -> list[str]:
    rows = r.beat.data["tree"][:3]  # the cost, the last activation, the last weighted input
    links = "; ".join(f"{plain(node)} depends on {and_list([plain(i) for i in inputs])}" for node, inputs in rows)
    return [f"The dependency tree: {links}. {capitalised(r.text('grows'))}."]


def _number_lines(r: BeatReader, c: Context) -> list[str]:
    moves = ", ".join(f"{r.label(k)} from {r.n(k)} to {r.n(k + '_nudged')}" for k in ("z", "a", "C0"))
    return [f"Number lines for {r.label('w')}, {r.label('z')}, {r.label('a')} and {r.label('C0')}: nudge the weight "
            f"from {r.n('w')} by {r.is_('nudge')} and everything after it follows: {moves}."]


def _chain_assembled(r: BeatReader, c: Context) -> list[str]:
    eq = r.beat.equations["chain"]
    links = " · ".join(r.label(f.key) for f in eq.factors)
    values = and_list([r.n(f.key) for f in eq.factors])
    return [f"The chain rule, link by link: {r.part('chain', 'lhs')} = {links}, each link how much its end moves "
            f"per nudge of its start; here {values}."]


def _local_derivatives(r: BeatReader, c: Context) -> list[str]:
    eq = r.beat.equations["numbers"]
    keys = [f.key for f in r.beat.equations["product"].factors]
    locals_ = ", ".join(f"{r.part(k, 'formula')} = {r.n(k)}" for k in keys)
    product = f"{r.label('dC_dw')} = {r.tail('numbers', eq.factors[0].key)}"
    last_ratio = plain(r.beat.series["nudge_ratio"][-1].label)
    ratio = (f"As the nudge shrinks, the ratio approaches the derivative: {last_ratio} = "
             f"{r.series('nudge_ratio')[-1]} for a nudge of {r.series('nudge_h')[-1]}.")
    return [f"Three local derivatives, each from its own link's formula: {locals_}, so {product}. {ratio}",
            f"Three local derivatives, each from its own link's formula, multiply to {product}. {ratio}"]


def _fire_together(r: BeatReader, c: Context) -> list[str]:
    return [f"Neurons that fire together wire together: {r.eq('dz_dw')} = {r.n('a_prev')}, so a weight matters as "
            "much as the neuron feeding it is active."]


def _average(r: BeatReader, c: Context) -> list[str]:
    start = (f"Average over {r.is_('n')} training examples: {r.label('mean')} is the mean of the examples' "
             f"{r.part('average', 'term')}")
    end = f"{r.is_('mean')}; their costs average to {r.is_('mean_cost')}."
    return [f"{start}, here {and_list(r.series('gradients'))}, so {end}", f"{start}: {end}"]


def _gradient_vector(r: BeatReader, c: Context) -> list[str]:
    entries = r.beat.series["gradient"]
    first, last = plain(entries[0].label), plain(entries[-1].label)
    return [f"The gradient vector ∇C has one entry for every weight and bias, averaged over the examples, "
            f"from {first} to {last}: {vector(r.series('gradient'))}.",
            f"The gradient vector ∇C has one entry for every weight and bias, averaged over the examples, "
            f"from {first} to {last}."]


def _bias_and_previous(r: BeatReader, c: Context) -> list[str]:
    return [f"The bias: {r.eq('dz_db')}, so z moves by exactly the nudge and {r.is_('dC_db')}. The previous "
            f"activation: {r.eq('dz_da_prev')} = {r.n('w')}, so {r.is_('dC_da_prev')}."]


def _one_layer_back(r: BeatReader, c: Context) -> list[str]:
    return [f"Iterate backwards: one layer back the chain is longer, {r.is_('dC_dw')}, but its output side, "
            f"{r.is_('dC_da_prev')}, is shared with the last layer's derivatives: computed once, reused."]


# -- Part 3 -----------------------------------------------------------------------------------
def _indices(r: BeatReader, c: Context) -> list[str]:
    act = c.wide.spec.activation.name
    names = and_list([plain(r.text(k)) for k in ("a_prev", "a", "y")])
    return [f"Indices for many neurons, on a {r.text('sizes')} network with the {act} squish: {names}, and "
            f"{plain(r.text('w'))}, the weight to j, from k. {plain(r.text('W'))} is {plain(r.text('shape'))}; "
            f"the highlighted edge is {r.is_('w_jk')}."]


def _sums(r: BeatReader, c: Context) -> list[str]:
    cost = f"{r.eq('cost')}, here {r.tail('cost_numbers', 'numbers')}"
    z = f"{r.eq('z')}, for j = {r.n('j')}: {r.tail('z_numbers', 'w0')}"
    return [f"Sums over neurons: {cost}; and {z}.", f"Sums over neurons: {cost}; and {r.eq('z')}.",
            f"Sums over neurons: {r.eq('cost')} = {r.n('C0')}; and {r.eq('z')}."]


def _weight_index_form(r: BeatReader, c: Context) -> list[str]:
    return [f"The same three links as one neuron per layer, now with indices: {r.lhs_tail('chain', 'a_prev')}; "
            f"for the highlighted edge, {r.eq('numbers')}."]


def _sum_over_paths(r: BeatReader, c: Context) -> list[str]:
    start = (f"Sum over every path: a neuron of the layer before reaches the cost through every neuron of the last "
             f"layer, so {r.eq('terms')}.")
    return [f"{start} For k = {r.n('k')}, adding the paths: {r.eq('total')}.", f"{start} For k = {r.n('k')}: "
            f"{r.is_('sum')}."]


def _recursion(r: BeatReader, c: Context) -> list[str]:
    L = c.wide.depth
    base = f"the base case {r.eq('base')} at the output layer, {vector(r.series(f'dC_da{L}'))}"
    start = f"The recursion for any layer: {r.eq('recursion')}, from {base}"
    return [f"{start}; each layer's values come from the layer after it, down to the input's "
            f"{vector(r.series('dC_da0'))}.",
            f"{start}; each layer's values come from the layer after it.",
            f"The recursion for any layer: {r.eq('recursion')}, from the base case {r.eq('base')}."]


def _vector_form(r: BeatReader, c: Context) -> list[str]:
    start = f"Vector form, with {r.eq('delta')}: {r.eq('bp1')} and {r.eq('bp2')}"
    numbers = (f"The transpose carries the errors back a layer: {plain(r.text('delta'))} = "
               f"{vector(r.series('deltaL'))}, {plain(r.text('delta_prev'))} = {vector(r.series('delta_prev'))}.")
    weights = f"; then {r.eq('bp3')} and {r.eq('bp4')}."
    return [f"{start}{weights} {numbers}", f"{start}. {numbers}", f"{start}{weights}"]


def _descent_step(r: BeatReader, c: Context) -> list[str]:
    return [f"One step downhill with learning rate {r.is_('eta')}: every layer's weights and biases take the same "
            f"step against their gradient, and the cost falls from {r.is_('cost_before')} to {r.n('cost_after')} "
            f"({r.is_('cost_change')})."]


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
