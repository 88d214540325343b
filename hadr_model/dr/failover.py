"""Failover folded into availability: the expected outage of a region loss, ``E[min(D, R)]``.

The implementation (exact quadrature, its mathematics and limits) lives in the engines layer,
:mod:`hadr_model.engines.outage`, so that the engines can use it without importing this
package; it is re-exported here as part of the DR API.
"""

from __future__ import annotations

from ..engines.outage import expected_outage_h

__all__ = ["expected_outage_h"]
