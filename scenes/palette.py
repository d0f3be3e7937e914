"""Colours by role and type sizes, defined once for every scene.

Roles follow the lesson: cost red, weights blue when positive and red when negative (edge width
grows with ``|w|``), biases pink, weighted inputs ``z`` green, the desired output ``y`` yellow,
highlights yellow. Sizes are chosen to stay readable at 720p.
"""

from __future__ import annotations

from manim import BLUE_C, GREEN_C, GREY_B, MAROON_B, PINK, RED_C, TEAL_C, WHITE, YELLOW_C, ManimColor

COST: ManimColor = RED_C
WEIGHT_POSITIVE: ManimColor = BLUE_C
WEIGHT_NEGATIVE: ManimColor = RED_C
BIAS: ManimColor = PINK
BIAS_DARK: ManimColor = MAROON_B
Z: ManimColor = GREEN_C
TARGET: ManimColor = YELLOW_C
HIGHLIGHT: ManimColor = YELLOW_C
ACTIVATION: ManimColor = TEAL_C
TEXT: ManimColor = WHITE
MUTED: ManimColor = GREY_B

# Type sizes (manim font_size units; 48 is manim's default).
TITLE_SIZE = 56
EQUATION_SIZE = 40
SMALL_EQUATION_SIZE = 32
NUMBER_SIZE = 30
LABEL_SIZE = 28
CAPTION_SIZE = 30

# Space kept free at the frame's edges (scene units).
MARGIN = 0.3

# Smallest type size a text may be shrunk to and still read at 720p (digits about 11 pixels
# tall): layouts that would shrink text further wrap, stagger or page it instead (tests check it).
MIN_FONT_SIZE = 18


def weight_color(w: float) -> ManimColor:
    """Blue for a positive weight, red for a negative one."""
    return WEIGHT_POSITIVE if w >= 0 else WEIGHT_NEGATIVE


# Colours of the lesson's quantities, by the role the model gives each symbol.
ROLE_COLORS: dict[str, ManimColor] = {
    "cost": COST,
    "weight": WEIGHT_POSITIVE,
    "bias": BIAS,
    "weighted_input": Z,
    "target": TARGET,
}


def role_color(role: str | None) -> ManimColor | None:
    """The colour of a quantity by its role (weight blue, bias pink, ...), or ``None`` for none."""
    return ROLE_COLORS.get(role or "")
