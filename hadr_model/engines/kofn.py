"""k-out-of-n probabilities.

For n independent elements with availabilities ``a_1 … a_n`` the number up ``X`` has the
Poisson-binomial law with probability generating function ``Π (1 − a_i + a_i z)``; the block is
up when ``X ≥ k``. Identical elements reduce to the binomial tail
``P(X ≥ k) = Σ_{j=k}^{n} C(n, j) a^j (1 − a)^{n−j}`` (``scipy.stats.binom.sf(k − 1, n, a)``).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["at_least_k", "at_least_k_identical"]


def at_least_k_identical(k: np.ndarray | int, n: np.ndarray | int, availability: float) -> np.ndarray:
    """``P(at least k of n identical independent elements are up)``, vectorised over k and n.

    Examples
    --------
    >>> float(at_least_k_identical(2, 3, 0.9))   # 3 a^2 (1 - a) + a^3
    0.972
    """
    k = np.asarray(k)
    n = np.asarray(n)
    probability = stats.binom.sf(k - 1, n, availability)
    # binom.sf is nan for n = 0; no element up out of none meets k ≤ 0 only.
    return np.where(n > 0, probability, (k <= 0).astype(float))


def at_least_k(k: int, availabilities: np.ndarray) -> float:
    """``P(at least k of the elements are up)`` for different availabilities.

    Builds the Poisson-binomial distribution by repeated convolution with ``[1 − a, a]``.

    Examples
    --------
    >>> round(at_least_k(2, np.array([0.9, 0.8, 0.7])), 6)
    0.902
    """
    availabilities = np.asarray(availabilities, dtype=float)
    n = availabilities.size
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if np.all(availabilities == availabilities[0]):
        return float(at_least_k_identical(k, n, float(availabilities[0])))
    counts = np.zeros(n + 1)
    counts[0] = 1.0
    for i, a in enumerate(availabilities, start=1):
        counts[1 : i + 1] = counts[1 : i + 1] * (1.0 - a) + counts[0:i] * a
        counts[0] *= 1.0 - a
    return float(counts[k:].sum())


def fewer_than_k(k: int, unavailabilities: np.ndarray) -> float:
    """``P(fewer than k elements up)`` from the elements' unavailabilities ``q_i``.

    The lower tail of the Poisson-binomial law, summed from small positive terms, so a k-of-n
    block that almost never fails keeps every digit of its unavailability (``1 − at_least_k``
    would lose them).

    Examples
    --------
    >>> fewer_than_k(1, np.array([1e-6, 1e-6]))   # both down
    1e-12
    """
    q = np.asarray(unavailabilities, dtype=float)
    n = q.size
    if k <= 0:
        return 0.0
    if k > n:
        return 1.0
    # counts[j] = P(exactly j of the elements seen so far are up), for j < k only.
    counts = np.zeros(k)
    counts[0] = 1.0
    for q_i in q:
        counts[1:] = counts[1:] * q_i + counts[:-1] * (1.0 - q_i)
        counts[0] *= q_i
    return float(counts.sum())
