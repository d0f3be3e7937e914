"""The lesson's example networks with every number their passes produce.

An :class:`Example` joins one network from the lesson file to its NumPy forward and backward
passes and to its symbolic twin (:class:`~mathcore.symbolic.SymbolicNetwork`), so that a value
can be looked up by the very symbol the screen shows: ``ex.value(ex.sym.a(L))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp

from mathcore import notation as nt
from mathcore.functions import Cost
from mathcore.lessonfile import NetworkSpec
from mathcore.numeric import Backward, Forward, Network, NudgeRow, after_step, backward, forward, nudge_table
from mathcore.symbolic import SymbolicNetwork


@dataclass(frozen=True)
class Example:
    """One example network, its passes over all training examples, and its symbols."""

    spec: NetworkSpec
    net: Network
    fwd: Forward
    bwd: Backward
    sym: SymbolicNetwork

    @classmethod
    def build(cls, spec: NetworkSpec, cost: Cost, sym: SymbolicNetwork) -> Example:
        net = Network.from_spec(spec, cost)
        fwd = forward(net, spec.inputs, spec.targets)
        return cls(spec, net, fwd, backward(net, fwd), sym)

    @property
    def depth(self) -> int:
        return self.net.depth

    @property
    def sizes(self) -> tuple[int, ...]:
        return self.net.sizes

    # -- values by symbol ------------------------------------------------------------------
    def base_values(self, i: int = 0) -> dict[sp.Symbol, float]:
        """Inputs, targets and parameters of training example ``i``, keyed by symbol."""
        s, values = self.sym, {}
        for k in range(self.sizes[0]):
            values[s.a(0, k)] = float(self.fwd.a[0][i, k])
        for j in range(self.sizes[-1]):
            values[s.y(j)] = float(self.fwd.y[i, j])
        for l in range(1, self.depth + 1):
            for j in range(self.sizes[l]):
                values[s.b(l, j)] = float(self.net.b[l][j])
                for k in range(self.sizes[l - 1]):
                    values[s.w(l, j, k)] = float(self.net.w[l][j, k])
        return values

    @cached_property
    def _table(self) -> dict[sp.Symbol, float]:
        """Every quantity of example 0 that has a symbol: activations, z, costs, derivatives."""
        s, f, b = self.sym, self.fwd, self.bwd
        table = dict(self.base_values(0))
        C0 = s.cost_symbol
        table[C0] = float(f.cost[0])
        for l in range(0, self.depth + 1):
            for j in range(self.sizes[l]):
                table[s.a(l, j)] = float(f.a[l][0, j])
                table[nt.partial(C0, s.a(l, j))] = float(b.dC_da[l][0, j])
                if l == 0:
                    continue
                z, a = s.z(l, j), s.a(l, j)
                table[z] = float(f.z[l][0, j])
                table[nt.partial(a, z)] = float(b.sigma_prime[l][0, j])
                table[nt.partial(C0, z)] = float(b.delta[l][0, j])
                table[s.delta(l, j)] = float(b.delta[l][0, j])
                table[nt.partial(C0, s.b(l, j))] = float(b.grad_b[l][0, j])
                table[nt.partial(z, s.b(l, j))] = 1.0
                for k in range(self.sizes[l - 1]):
                    table[nt.partial(C0, s.w(l, j, k))] = float(b.grad_w[l][0, j, k])
                    table[nt.partial(z, s.w(l, j, k))] = float(f.a[l - 1][0, k])
                    table[nt.partial(z, s.a(l - 1, k))] = float(self.net.w[l][j, k])
        return table

    def value(self, symbol: sp.Symbol) -> float:
        """The value of ``symbol`` (a quantity or a derivative symbol) for example 0."""
        try:
            return self._table[symbol]
        except KeyError:
            raise KeyError(f"no value for {symbol.name} in this example") from None

    # -- results beyond one pass ---------------------------------------------------------------
    def after_step(self, learning_rate: float) -> tuple[Network, float]:
        """The network after one gradient-descent step, and its average cost ``C``."""
        return after_step(self.net, self.bwd.mean_grad_w, self.bwd.mean_grad_b, learning_rate, self.spec.inputs,
                          self.spec.targets)

    def nudges(self, kind: str, layer: int, index: tuple[int, ...], hs: tuple[float, ...], example: int = 0) -> tuple[NudgeRow, ...]:
        """Nudge table for one parameter, on training example ``example`` alone."""
        x = self.spec.inputs[example : example + 1]
        y = self.spec.targets[example : example + 1]
        return nudge_table(self.net, x, y, kind, layer, index, hs)

    def mean_gradient(self, kind: str, layer: int, index: tuple[int, ...]) -> float:
        grads = self.bwd.mean_grad_w if kind == "w" else self.bwd.mean_grad_b
        return float(np.asarray(grads[layer])[index])
