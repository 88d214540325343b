"""k-out-of-n probabilities, as unavailabilities (the probability of too few elements up).

For n independent elements with unavailabilities ``q_1 … q_n`` the number up ``X`` has the
Poisson-binomial law with probability generating function ``Π (q_i + (1 − q_i) z)``; a k-of-n
block is down when ``X < k``. Identical elements (availability ``a``) reduce to the binomial
lower tail ``P(X < k) = Σ_{j=0}^{k−1} C(n, j) a^j (1 − a)^{n−j}``. Both are summed from small
positive terms, so a block that almost never fails keeps every digit of its unavailability
(``1 − P(X ≥ k)`` would lose them).
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["fewer_than_k", "fewer_than_k_identical"]


def fewer_than_k_identical(k: int, n: np.ndarray | int, availability: np.ndarray | float) -> np.ndarray:
    """``P(Bin(n, a) < k)``: fewer than k of n identical elements up, vectorised over n.

    ``n ≤ 0`` counts as no element (down whenever ``k ≥ 1``); ``availability`` broadcasts
    against ``n`` (one value per sample, say).

    Examples
    --------
    >>> round(float(fewer_than_k_identical(2, 3, 0.9)), 12)   # 1 − (3 a² (1 − a) + a³)
    0.028
    """
    n = np.asarray(np.maximum(np.asarray(n), 0))
    if k <= 0:
        return np.zeros(n.shape)
    # scipy.special.bdtr is the binomial CDF ufunc (stats.binom.cdf costs ~50× more per call);
    # it is undefined outside 0 ≤ k − 1 < n, where the answer is 1.
    inside = k - 1 < n
    return np.where(inside, special.bdtr(k - 1, np.where(inside, n, k), availability), 1.0)


def fewer_than_k(k: int, unavailabilities: np.ndarray) -> float:
    """``P(fewer than k elements up)`` from the elements' unavailabilities ``q_i``.

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
