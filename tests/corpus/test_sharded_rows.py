"""Rows split over several arrays index exactly like the one array they stack into."""

from __future__ import annotations

import numpy as np
import pytest

from journeys.corpus.sharded_rows import ShardedRows

PARTS = [np.arange(n * 12, dtype=np.float32).reshape(n, 3, 4) + 1000 * i for i, n in enumerate((5, 1, 7, 3))]
KEYS = [
    3,
    -1,
    (5, 2),
    slice(None),
    slice(2, 13),
    slice(None, None, -3),
    (slice(0, 9), 1),
    (slice(4, 14), slice(1, 3), 0),
    np.array([15, 0, 6, 6, 13]),
    (np.array([2, 11]), 2),
    np.arange(16) % 2 == 0,
    slice(7, 7),
]


@pytest.mark.parametrize("key", KEYS, ids=[repr(key)[:40] for key in KEYS])
def test_indexing_matches_the_stacked_array(key):
    stacked = np.concatenate(PARTS)
    got = ShardedRows(PARTS)[key]
    expected = stacked[key]
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_shape_length_and_the_whole_array():
    rows = ShardedRows(PARTS)
    assert (rows.shape, len(rows), rows.ndim) == ((16, 3, 4), 16, 3)
    np.testing.assert_array_equal(np.asarray(rows), np.concatenate(PARTS))
