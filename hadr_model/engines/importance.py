"""Importance measures of a basic element, from three evaluations of the structure.

With ``h`` the system availability, ``h(1_i)`` / ``h(0_i)`` the availability with element ``i``
forced up / down, ``p_i`` its availability, ``q_i = 1 − p_i`` and ``Q = 1 − h``:

=================== ==================================================================
Birnbaum            ``I_B = h(1_i) − h(0_i) = ∂h/∂p_i``
criticality         ``I_CR = I_B · q_i / Q`` — share of the system unavailability removed if
                    ``i`` never failed; equal to the risk-reduction form of Fussell–Vesely
                    ``(Q − Q(q_i = 0)) / Q``
Fussell–Vesely      the diagnostic (state) definition used here:
                    ``FV = P(i down | system down) = q_i · (1 − h(0_i)) / Q``; it counts every
                    system failure in which ``i`` is down, even when ``i`` is not the cause (the
                    cut-set definition would sum minimal cut sets containing ``i``)
RAW                 risk achievement worth ``(1 − h(0_i)) / Q``
RRW                 risk reduction worth ``Q / (1 − h(1_i))`` (infinite when a perfect ``i``
                    makes the system perfect)
=================== ==================================================================

The system failure frequency follows from Birnbaum importance (DESIGN.md §2):
``ω = Σ_i I_B(i) / (MTTF_i + MTTR_i)`` and the mean outage duration is ``Q / ω``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["ElementImportance", "importance_measures"]


@dataclass(frozen=True)
class ElementImportance:
    """Importance of one basic element (for a group of identical instances: of each one)."""

    element: str
    kind: str
    count: int
    availability: float
    birnbaum: float
    criticality: float
    fussell_vesely: float
    risk_achievement_worth: float
    risk_reduction_worth: float

    def as_dict(self) -> dict[str, float | int | str]:
        return asdict(self)


def importance_measures(q: np.ndarray, q_system: float, q_up: np.ndarray, q_down: np.ndarray, *,
                        birnbaum: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Vectorised measures from unavailabilities.

    Parameters
    ----------
    q : array
        Element unavailabilities ``q_i = 1 − p_i``.
    q_system : float
        System unavailability ``Q``.
    q_up, q_down : array
        System unavailability with each element forced up / down (``1 − h(1_i)``, ``1 − h(0_i)``).
    birnbaum : array, optional
        ``∂Q/∂q_i`` when the engine has it without cancellation; default ``q_down − q_up``.

    Examples
    --------
    Two elements in series, ``h = p_1 p_2``:

    >>> m = importance_measures(np.array([.1, .2]), 1 - .72, np.array([.2, .1]), np.array([1., 1.]))
    >>> [round(float(x), 6) for x in m["birnbaum"]]
    [0.8, 0.9]
    """
    q = np.asarray(q, dtype=float)
    # ``q_down − q_up`` loses the digits of a tiny importance: an engine that has the partial
    # derivatives (the block and BDD engines) passes them instead.
    birnbaum = q_down - q_up if birnbaum is None else np.asarray(birnbaum, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        criticality = np.where(q_system > 0, birnbaum * q / q_system, 0.0)
        fussell_vesely = np.where(q_system > 0, q * q_down / q_system, 0.0)
        raw = np.where(q_system > 0, q_down / q_system, np.inf)
        rrw = np.where(q_up > 0, q_system / q_up, np.inf)
    return {
        "birnbaum": birnbaum,
        "criticality": criticality,
        "fussell_vesely": fussell_vesely,
        "risk_achievement_worth": raw,
        "risk_reduction_worth": rrw,
    }
