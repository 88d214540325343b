"""The stored Student t quantiles are scipy's, bit for bit (hadr_model.engines._student)."""

import numpy as np
import pytest
from scipy.special import stdtrit

from hadr_model.engines import _student


def test_every_stored_value_is_stdtrit_to_the_last_bit():
    dof = np.arange(1, _student.TABLE_DOF + 1, dtype=float)
    stored = _student._table()
    assert stored.shape == dof.shape
    # Bit for bit with the scipy that made the table; a later scipy may move a last bit only.
    np.testing.assert_allclose(stored, stdtrit(dof, 0.975), rtol=4e-16, atol=0)


@pytest.mark.parametrize("dof", [1, 2, 3, 99, 100, 409, _student.TABLE_DOF, _student.TABLE_DOF + 1, 10**5])
def test_t975_is_stdtrit_in_and_beyond_the_table(dof):
    value = _student.t975(dof)
    assert isinstance(value, float)
    assert value == pytest.approx(float(stdtrit(dof, 0.975)), rel=4e-16, abs=0)


def test_closed_forms():
    # t_{p,1} = tan(pi (p - 1/2)); t_{p,2} = (2p - 1) sqrt(2 / (4p (1 - p)))
    assert _student.t975(1) == pytest.approx(np.tan(np.pi * 0.475), rel=1e-14)
    assert _student.t975(2) == pytest.approx(0.95 * np.sqrt(2 / (4 * 0.975 * 0.025)), rel=1e-14)
    assert _student.t975(_student.TABLE_DOF) == pytest.approx(1.959963984540054, rel=1e-3)


def test_encoding_round_trips_any_float64_bits():
    bits = np.random.default_rng(1).integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, 1001, dtype=np.int64)
    values = bits.view(np.float64).copy()       # every exponent, NaN payloads, subnormals
    values[:3] = [np.inf, -0.0, 5e-324]
    back = _student.decode(_student.encode(values))
    assert np.array_equal(back.view(np.int64), values.view(np.int64))


def test_table_source_reproduces_the_stored_table():
    namespace: dict = {}
    exec(_student.table_source(), namespace)
    assert tuple(namespace["_TABLE"]) == tuple(_student._TABLE)
