"""Forward and backward passes in NumPy, batched over training examples.

Indices follow the screen. Lists are indexed by layer, ``l = 0 .. L``: ``a[l]`` *is*
``a^{(l)}`` and ``w[l]`` *is* ``W^{(l)}``; entries that do not exist (``w[0]``, ``z[0]``) are
``None``. Arrays carry the training example first: ``a[l]`` has shape ``(examples, n_l)`` and
``a[l][i, j]`` is ``a^{(l)}_j`` for example ``i``. Per-example weight gradients have shape
``(examples, n_l, n_{l-1})``, the same ``(j, k)`` order as ``w^{(l)}_{jk}``.

Backpropagation, as the lesson derives it::

    dC_0/da^{(L)}_j   = cost'(a^{(L)}_j, y_j)                    (2(a - y) for the quadratic cost)
    delta^{(l)}_j     = dC_0/da^{(l)}_j * sigma'(z^{(l)}_j)
    dC_0/da^{(l-1)}_k = sum_j w^{(l)}_{jk} delta^{(l)}_j         (one term per path through j)
    dC_0/db^{(l)}_j   = delta^{(l)}_j
    dC_0/dw^{(l)}_{jk} = a^{(l-1)}_k delta^{(l)}_j
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from mathcore.functions import Activation, Cost
from mathcore.lessonfile import NetworkSpec

Layers = tuple  # a tuple indexed by layer, None where the layer has no such quantity


@dataclass(frozen=True)
class Network:
    """Parameters and functions of one network; ``w[l]``, ``b[l]`` for ``l = 1 .. L``."""

    w: Layers
    b: Layers
    activation: Activation
    cost: Cost

    @classmethod
    def from_spec(cls, spec: NetworkSpec, cost: Cost) -> Network:
        return cls((None, *spec.weights), (None, *spec.biases), spec.activation, cost)

    @property
    def depth(self) -> int:
        return len(self.w) - 1

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.w[1].shape[1],) + tuple(w.shape[0] for w in self.w[1:])

    def truncated(self, depth: int) -> Network:
        """The first ``depth`` layers of this network."""
        return replace(self, w=self.w[: depth + 1], b=self.b[: depth + 1])

    def with_parameter(self, kind: str, layer: int, index: tuple[int, ...], value: float) -> Network:
        """A copy with one weight (``kind="w"``, index ``(j, k)``) or bias (``"b"``, ``(j,)``) set."""
        arrays = list(getattr(self, kind))
        changed = np.array(arrays[layer], dtype=float)
        changed[index] = value
        arrays[layer] = changed
        return replace(self, **{kind: tuple(arrays)})

    def stepped(self, grad_w: Layers, grad_b: Layers, learning_rate: float) -> Network:
        """One gradient-descent step: ``w <- w - eta dC/dw``, ``b <- b - eta dC/db``."""
        w = (None,) + tuple(self.w[l] - learning_rate * grad_w[l] for l in range(1, self.depth + 1))
        b = (None,) + tuple(self.b[l] - learning_rate * grad_b[l] for l in range(1, self.depth + 1))
        return replace(self, w=w, b=b)


@dataclass(frozen=True)
class Forward:
    """Every intermediate of the forward pass."""

    a: Layers  # a[l]: (examples, n_l), l = 0 .. L
    z: Layers  # z[l]: (examples, n_l), l = 1 .. L; z[0] is None
    y: np.ndarray  # (examples, n_L)
    cost: np.ndarray  # C_i per example: (examples,)

    @property
    def mean_cost(self) -> float:
        """``C``, the average of ``C_i`` over the examples."""
        return float(np.mean(self.cost))


def forward(net: Network, inputs: np.ndarray, targets: np.ndarray) -> Forward:
    """Run the examples (rows of ``inputs``) through ``net``."""
    a: list[np.ndarray | None] = [np.asarray(inputs, dtype=float)]
    z: list[np.ndarray | None] = [None]
    for l in range(1, net.depth + 1):
        # W^T of the last two axes: a leading axis of weights and biases runs networks side by side.
        z.append(a[l - 1] @ np.swapaxes(net.w[l], -1, -2) + net.b[l])
        a.append(net.activation.forward(z[l]))
    y = np.asarray(targets, dtype=float)
    return Forward(tuple(a), tuple(z), y, net.cost.forward(a[-1], y))


@dataclass(frozen=True)
class Backward:
    """Every factor and result of the backward pass, per example."""

    dC_da: Layers  # dC_0/da^{(l)}_j: (examples, n_l), l = 0 .. L
    sigma_prime: Layers  # da^{(l)}_j/dz^{(l)}_j = sigma'(z^{(l)}_j), l = 1 .. L
    delta: Layers  # delta^{(l)}_j = dC_0/dz^{(l)}_j, l = 1 .. L
    paths: Layers  # paths[l][i, j, k] = w_jk sigma'(z_j) dC_0/da_j: term of dC_0/da^{(l-1)}_k through j
    grad_w: Layers  # dC_i/dw^{(l)}_{jk}: (examples, n_l, n_{l-1})
    grad_b: Layers  # dC_i/db^{(l)}_j: (examples, n_l)

    @property
    def mean_grad_w(self) -> Layers:
        """``dC/dw^{(l)}``: per-example gradients averaged over the examples."""
        return (None,) + tuple(g.mean(axis=0) for g in self.grad_w[1:])

    @property
    def mean_grad_b(self) -> Layers:
        return (None,) + tuple(g.mean(axis=0) for g in self.grad_b[1:])


def backward(net: Network, fwd: Forward) -> Backward:
    """Backpropagate the cost of each example through ``net``."""
    L = net.depth
    dC_da: list[np.ndarray | None] = [None] * (L + 1)
    sigma_prime: list[np.ndarray | None] = [None] * (L + 1)
    delta: list[np.ndarray | None] = [None] * (L + 1)
    paths: list[np.ndarray | None] = [None] * (L + 1)
    grad_w: list[np.ndarray | None] = [None] * (L + 1)
    grad_b: list[np.ndarray | None] = [None] * (L + 1)

    dC_da[L] = net.cost.derivative(fwd.a[L], fwd.y)
    for l in range(L, 0, -1):
        sigma_prime[l] = net.activation.derivative(fwd.z[l])
        delta[l] = dC_da[l] * sigma_prime[l]
        paths[l] = net.w[l][None, :, :] * delta[l][:, :, None]
        dC_da[l - 1] = paths[l].sum(axis=1)
        grad_w[l] = delta[l][:, :, None] * fwd.a[l - 1][:, None, :]
        grad_b[l] = delta[l]
    return Backward(tuple(dC_da), tuple(sigma_prime), tuple(delta), tuple(paths), tuple(grad_w), tuple(grad_b))


def mean_cost(net: Network, inputs: np.ndarray, targets: np.ndarray) -> float:
    """``C`` for the given examples."""
    return forward(net, inputs, targets).mean_cost


def after_step(net: Network, grad_w: Layers, grad_b: Layers, learning_rate: float, inputs: np.ndarray,
               targets: np.ndarray) -> tuple[Network, float]:
    """The network after one gradient-descent step, and its ``C`` on the given examples."""
    stepped = net.stepped(grad_w, grad_b, learning_rate)
    return stepped, mean_cost(stepped, inputs, targets)


@dataclass(frozen=True)
class DescentLine:
    """``C`` after one gradient-descent step, as a function of the learning rate (beat 28).

    The step uses the mean gradient over the examples, as :meth:`Network.stepped`; a rate
    *lowers* the cost when ``C`` after the step is strictly below ``C`` before, as computed.
    """

    net: Network
    inputs: np.ndarray
    targets: np.ndarray
    grad_w: Layers
    grad_b: Layers
    cost_before: float

    # Rates tried when looking for the first rise: geometric from MOST * 1e-16 (a small gradient
    # lowers the cost visibly only from some rate on) and evenly spaced up to MOST.
    GEOMETRIC, EVEN = 800, 4000

    @classmethod
    def of(cls, net: Network, inputs: np.ndarray, targets: np.ndarray) -> DescentLine:
        fwd = forward(net, inputs, targets)
        bwd = backward(net, fwd)
        return cls(net, inputs, targets, bwd.mean_grad_w, bwd.mean_grad_b, fwd.mean_cost)

    @property
    def largest_gradient(self) -> float:
        """The largest ``|dC/dw|`` or ``|dC/db|`` over every weight and bias."""
        return max(float(np.max(np.abs(g))) for g in self.grad_w[1:] + self.grad_b[1:])

    def cost_after(self, learning_rate: float) -> float:
        """``C`` after one step at ``learning_rate``, exactly as the lesson computes it."""
        return after_step(self.net, self.grad_w, self.grad_b, learning_rate, self.inputs, self.targets)[1]

    def lowers(self, learning_rate: float) -> bool:
        return bool(self.cost_after(learning_rate) < self.cost_before)

    def costs_after(self, learning_rates: np.ndarray) -> np.ndarray:
        """``C`` after one step at each of ``learning_rates``, all in one pass (the rates index a
        leading axis of every weight and bias)."""
        rates = np.asarray(learning_rates, dtype=float).reshape(-1, 1, 1)
        with np.errstate(over="ignore", invalid="ignore"):
            stepped = self.net.stepped(self.grad_w, self.grad_b, rates)
            return forward(stepped, self.inputs, self.targets).cost.mean(axis=-1)

    def first_lowering(self, most: float, rate: float) -> tuple[float, float] | None:
        """The first stretch of rates that lower the cost: ``(lowest, highest)``.

        Rates from ``lowest`` to ``highest`` lower it at every point of a fine grid over ``(0,
        most]``, which includes ``rate``. ``lowest`` is the first grid rate that lowers it by more
        than rounding (below it, a step changes ``C`` by too little to show); ``highest`` is the
        last rate before the first one from there on that does not lower it (bisected), or
        ``most``. ``None`` when no rate of the grid lowers the cost by more than rounding. The
        cost need not be unimodal in the rate: nothing past the first rise is looked at.
        """
        rates = np.union1d(np.union1d(np.geomspace(most * 1e-16, most, self.GEOMETRIC),
                                      np.linspace(most / self.EVEN, most, self.EVEN)), [rate])
        costs = self.costs_after(rates)
        at_rate = int(np.searchsorted(rates, rate))
        costs[at_rate] = self.cost_after(rate)  # the one-pass sum may differ in the last place
        noise = 64 * np.spacing(abs(self.cost_before))
        clearly = np.flatnonzero(costs < self.cost_before - noise)
        if clearly.size == 0:
            return None
        first = int(clearly[0])
        rises = first + np.flatnonzero(~(costs[first:] < self.cost_before))
        if rises.size == 0:
            return float(rates[first]), float(most)
        hi = int(rises[0])
        while hi - 1 > first and not self.lowers(float(rates[hi - 1])):  # as the one-rate pass: lo lowers, hi not
            hi -= 1
        lo_rate, hi_rate = float(rates[hi - 1]), float(rates[hi])
        for _ in range(200):
            mid = (lo_rate + hi_rate) / 2
            if mid in (lo_rate, hi_rate):
                break
            if self.lowers(mid):
                lo_rate = mid
            else:
                hi_rate = mid
        return float(rates[first]), lo_rate


@dataclass(frozen=True)
class NudgeRow:
    """One row of a nudge table: nudge ``h``, the cost's change and the ratio ``Delta C / h``."""

    h: float
    cost_before: float
    cost_after: float

    @property
    def delta_cost(self) -> float:
        return self.cost_after - self.cost_before

    @property
    def ratio(self) -> float:
        return self.delta_cost / self.h


def nudge_table(
    net: Network,
    inputs: np.ndarray,
    targets: np.ndarray,
    kind: str,
    layer: int,
    index: tuple[int, ...],
    nudges: Sequence[float],
) -> tuple[NudgeRow, ...]:
    """Move one parameter by each ``h`` in ``nudges`` and record how ``C`` responds."""
    value = float(getattr(net, kind)[layer][index])
    before = mean_cost(net, inputs, targets)
    return tuple(
        NudgeRow(h, before, mean_cost(net.with_parameter(kind, layer, index, value + h), inputs, targets))
        for h in nudges
    )


def first_weight_gradient_by_depth(chain: Network, inputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """``dC/dw^{(1)}`` of a chain cut after each depth ``1 .. L``, with the same target.

    This is the vanishing-gradient curve: each extra sigmoid layer multiplies the first
    weight's gradient by another ``w sigma'(z)`` factor, and ``sigma' <= 1/4``.
    """
    if any(n != 1 for n in chain.sizes):
        raise ValueError(f"expected a chain of single neurons, got layer sizes {chain.sizes}")
    grads = []
    for depth in range(1, chain.depth + 1):
        cut = chain.truncated(depth)
        grads.append(backward(cut, forward(cut, inputs, targets)).mean_grad_w[1][0, 0])
    return np.array(grads)
