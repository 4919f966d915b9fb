"""A corpus of malformed and awkward CSV files: each loads correctly or says what is wrong
and where; nothing else ever escapes the loader (property tests with random input)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gd_visualizer.core import DatasetError, load_csv
from gd_visualizer.core import datasets as datasets_module

OK = "ok"
FIXTURE = HealthCheck.function_scoped_fixture

# (name, content, expectation): expectation is OK (loads; 2 features, 0/1 labels) or the
# regular expression the DatasetError message must match (the file name is checked too)
CORPUS = [
    ("comma", "a,b,y\n1,2,0\n3,4,1\n", OK),
    ("semicolon-decimal-comma", "a;b;y\n1,5;2,25;0\n3,5;4,75;1\n", OK),
    ("tab-decimal-comma", "a\tb\ty\n1,5\t2\t0\n3,5\t4\t1\n", OK),
    ("mixed-decimal-marks", "a;b;y\n1,5;2.5;0\n3,5;4,5;1\n", "mixes decimal commas"),
    ("quoted", '"a","b","y"\n"1.5","2","0"\n"3","4","1"\n', OK),
    ("quoted-delimiter-in-name", '"len, cm",b,y\n1,2,0\n3,4,1\n', OK),
    ("trailing-empty-lines", "a,b,y\n1,2,0\n3,4,1\n\n\n\n", OK),
    ("trailing-delimiters", "a,b,y,\n1,2,0,\n3,4,1,,\n", OK),
    ("whitespace", "  a ,  b , y \n  1 ,\t2 , 0\n3 , 4 ,1  \n", OK),
    ("crlf-bom", "\ufeffa,b,y\r\n1,2,0\r\n3,4,1\r\n", OK),
    ("headerless", "1,2,0\n3,4,1\n5,6,0\n", OK),
    ("headerless-4-columns", "1,2,0,7\n3,4,1,8\n", "exactly 3 numeric columns"),
    ("duplicate-columns", "a,a,y\n1,2,0\n3,4,1\n", OK),
    ("minus-one-one", "a,b,y\n1,2,-1\n3,4,1\n", OK),
    ("true-false", "a,b,ok\n1,2,TRUE\n3,4,false\n", OK),
    ("two-names", "a,b,kind\n1,2,cat\n3,4,dog\n", OK),
    ("empty", "", "the file is empty"),
    ("blank-lines-only", "\n \n\t\n", "the file is empty"),
    ("header-only", "a,b,y\n", "header row but no data rows"),
    ("one-row", "a,b,y\n1,2,0\n", "single class"),
    ("one-class", "a,b,y\n1,2,1\n3,4,1\n5,6,1\n", "single class"),
    ("three-numeric-labels", "a,b,y\n1,2,0\n3,4,1\n5,6,2\n", r"3 classes \(0, 1, 2\)"),
    ("ragged-long", "a,b,y\n1,2,0\n3,4,1,9\n", "line 3 has 4 fields but the header has 3"),
    ("ragged-short", "a,b,y\n1,2,0\n3,4\n", "line 3 has 2 fields but the header has 3"),
    ("non-numeric-cell", "a,b,y\n1,2,0\n3,x,1\n5,6,0\n", "line 3, column 'b': 'x' is not a number"),
    ("empty-cell", "a,b,y\n1,2,0\n,4,1\n5,6,0\n", "line 3, column 'a': the value is empty"),
    ("nan-cell", "a,b,y\n1,2,0\nNaN,4,1\n", "line 3, column 'a': 'NaN' is not a finite number"),
    ("inf-cell", "a,b,y\n1,-inf,0\n3,4,1\n", "line 2, column 'b': '-inf' is not a finite number"),
    ("overflow-1e309", "a,b,y\n1,2,0\n1e309,4,1\n", "line 3, column 'a': '1e309' is not a finite"),
    ("empty-label", "a,b,y\n1,2,0\n3,4,\n", "line 3, column 'y': the label is empty"),
    ("one-numeric-column", "a,name,y\n1,p,0\n2,q,1\n", "needs two numeric feature columns"),
    ("unnamed-column", "a,,y\n1,2,0\n3,4,1\n", "column 2 has no name"),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a text file"),
    ("latin-1", "länge,breite,art\n1,2,é\n3,4,ü\n".encode("latin-1"), OK),
    ("utf-16", "a,b,y\n1,2,0\n3,4,1\n".encode("utf-16"), OK),
    ("random-control-bytes", bytes(range(1, 32)) * 40, "not a text file"),
    ("exponent-notation", "a,b,y\n1e-3,2E+2,0\n-3.5e1,.5,1\n", OK),
    ("label-in-middle", "a,y,b\n1,0,2\n3,1,4\n", OK),  # the last column is the label
    # values whose squares (or sums of squares) overflow float64 are refused, with the range
    (
        "value-1e155",
        "a,b,y\n1,2,0\n1e155,4,1\n",
        r"line 3, column 'a': '1e155' is too large; gd-visualizer supports values from "
        r"-1e\+150 to 1e\+150",
    ),
    ("value-1e300", "a,b,y\n1,2,0\n3,-1e300,1\n", r"line 3, column 'b': '-1e300' is too large"),
    ("value-1e308", "a,b,y\n1.7e308,2,0\n3,4,1\n", r"line 2, column 'a': '1.7e308' is too large"),
    ("value-1e150-ok", "a,b,y\n1e150,-1e150,0\n3,4,1\n", OK),
    ("value-inf-word", "a,b,y\n1,Infinity,0\n3,4,1\n", "'Infinity' is not a finite number"),
    ("value-nan-decimal-comma", "a;b;y\n1,5;nan;0\n3;4;1\n", "'nan' is not a finite number"),
    # the csv module's field limit (128 KiB), in the lines the delimiter is guessed from
    (
        "oversized-field",
        "a,b,y\n" + "1" * 200_000 + ",2,0\n3,4,1\n",
        r"line 2: a field is longer than 131,072 characters",
    ),
    (
        "oversized-quoted-field",
        'a,b,y\n1,2,"' + "x" * 140_000 + '"\n3,4,1\n',
        r"line 2: a field is longer than 131,072 characters",
    ),
    ("label-1-and-1.0", "a,b,y\n1,2,1\n3,4,1.0\n5,6,0\n", OK),  # one class
    ("labels-one-value", "a,b,y\n1,2,1\n3,4,1.0\n5,6,01\n", r"single class \(1\)"),
    ("yes-no", "a,b,buys\n1,2,no\n3,4,yes\n", OK),
    ("quoted-line-break", 'a,b,y\n1,2,"0\n"\n3,4,1\n', OK),
    # a NUL after the first 64 KiB (the binary check): Python < 3.13's csv refuses it
    (
        "nul-later",
        "a,b,y\n" + "1,2,0\n3,4,1\n" * 6000 + "3,4\x00,1\n",
        r"line 12002(: cannot be parsed as CSV|, column 'b': '4\\x00' is not a number)",
    ),
]


@pytest.mark.parametrize(("name", "content", "expect"), CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus(tmp_path, name, content, expect):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    if expect == OK:
        ds = load_csv(path)
        assert ds.X.shape == (2, ds.m) and ds.m >= 2
        assert np.all(np.isfinite(ds.X)) and set(np.unique(ds.Y)) == {0.0, 1.0}
    else:
        with pytest.raises(DatasetError, match=expect) as info:
            load_csv(path)
        assert str(path) in str(info.value)


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 30


def test_decimal_comma_values_and_label_in_middle_with_names(tmp_path):
    p = tmp_path / "dc.csv"
    p.write_text("a;b;y\n1,5;2,25;0\n3,5;4,75;1\n")
    ds = load_csv(p)
    np.testing.assert_array_equal(ds.X, [[1.5, 3.5], [2.25, 4.75]])
    assert ds.notes == ("decimal commas read as decimal points",)
    p2 = tmp_path / "mid.csv"
    p2.write_text("a,y,b,c\n1,0,2,5\n3,1,4,6\n")
    ds2 = load_csv(p2, label="y")
    assert ds2.feature_names == ("a", "b")


def test_three_numeric_labels_with_classes(tmp_path):
    p = tmp_path / "three.csv"
    p.write_text("a,b,y\n1,2,0\n3,4,1\n5,6,2\n7,8,2\n")
    ds = load_csv(p, classes=("2", "0"))
    assert ds.class_names == ("2", "0") and ds.m == 3
    np.testing.assert_array_equal(ds.Y, [[1.0, 0.0, 0.0]])


def test_size_limit_message(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets_module, "MAX_FILE_BYTES", 1000)
    p = tmp_path / "big.csv"
    p.write_text("a,b,y\n" + "1,2,0\n3,4,1\n" * 200)
    with pytest.raises(DatasetError, match="the largest file gd-visualizer loads is"):
        load_csv(p)


def test_oversized_field_far_down(tmp_path):
    """Beyond the first lines too (where blocks are parsed at once)."""
    p = tmp_path / "long.csv"
    p.write_text("a,b,y\n" + "1,2,0\n3,4,1\n" * 50_000 + "5," + "6" * 150_000 + ",1\n")
    with pytest.raises(DatasetError, match=r"line 100002: a field is longer than 131,072"):
        load_csv(p)


def test_class_names_are_written_as_in_the_file(tmp_path):
    p = tmp_path / "yn.csv"
    p.write_text("a,b,buys\n1,2,no\n3,4,yes\n5,6,Yes\n")
    ds = load_csv(p)
    assert ds.class_names == ("no", "yes")  # as the Columns dialog lists them
    np.testing.assert_array_equal(ds.Y, [[0.0, 1.0, 1.0]])
    p2 = tmp_path / "ones.csv"
    p2.write_text("a,b,y\n1,2,1.0\n3,4,0\n5,6,1\n")
    ds2 = load_csv(p2)
    assert ds2.class_names == ("0", "1.0") and ds2.Y.tolist() == [[1.0, 0.0, 1.0]]


def test_a_million_rows_load(tmp_path):
    rng = np.random.default_rng(0)
    m = 1_000_000
    X = rng.normal(size=(2, m)).round(3)
    y = (X[0] + X[1] > 0).astype(int)
    p = tmp_path / "million.csv"
    with open(p, "w") as fh:
        fh.write("u,v,label\n")
        np.savetxt(fh, np.column_stack([X.T, y]), fmt=("%.3f", "%.3f", "%d"), delimiter=",")
    ds = load_csv(p)
    assert ds.m == m
    np.testing.assert_allclose(ds.X, X)
    np.testing.assert_array_equal(ds.Y[0], y)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400))
def test_random_bytes_raise_only_dataset_error(tmp_path, data):
    p = tmp_path / "random.csv"
    p.write_bytes(data)
    try:
        ds = load_csv(p)
    except DatasetError:
        return
    assert ds.X.shape[0] == 2 and np.all(np.isfinite(ds.X))


cell = st.one_of(
    st.sampled_from(["", " ", "0", "1", "-1", "1.5", "1,5", "nan", "inf", "1e309", "true", "x"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet='ab,;\t"\n ', max_size=4),
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(cell, min_size=1, max_size=5), min_size=1, max_size=8),
    delim=st.sampled_from([",", ";", "\t"]),
)
def test_random_tables_raise_only_dataset_error(tmp_path, rows, delim):
    p = tmp_path / "table.csv"
    p.write_text("\n".join(delim.join(r) for r in rows), encoding="utf-8")
    try:
        ds = load_csv(p)
    except DatasetError as exc:
        assert str(p) in str(exc)
        return
    assert ds.X.shape == (2, ds.m) and np.all(np.isfinite(ds.X))
    assert set(np.unique(ds.Y)) <= {0.0, 1.0}
