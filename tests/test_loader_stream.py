"""The streaming CSV loader: blocks parsed by numpy give exactly what the csv module gives
row by row (values, classes, messages and their line numbers), and big files load fast in
little memory."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gd_visualizer.core import datasets as datasets_module
from gd_visualizer.core.datasets import CsvInfo, Dataset, DatasetError, inspect_csv, load_csv


def outcome(fn, *args, **kwargs):
    """What a call gives, comparable with ==: the data, or the error message."""
    try:
        r = fn(*args, **kwargs)
    except DatasetError as exc:
        return ("error", type(exc).__name__, str(exc))
    if isinstance(r, Dataset):
        assert r.X.dtype == np.float64 and r.X.flags.c_contiguous and r.X.shape == (2, r.m)
        assert r.Y.shape == (1, r.m) and np.all(np.isfinite(r.X))
        return ("ok", r.X.tolist(), r.Y.tolist(), r.feature_names, r.class_names, r.notes)
    assert isinstance(r, CsvInfo)
    return ("ok", r)


def fast_and_exact(fn, *args, head=48, block=40, max_classes=1000, **kwargs):
    """``fn`` with tiny blocks, once with numpy's block path and once row by row."""
    results = []
    for fast in (True, False):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(datasets_module, "_MAX_CLASSES", max_classes)
            mp.setattr(datasets_module, "_HEAD_BYTES", head)
            mp.setattr(datasets_module, "_HEAD_MAX_CHARS", head)
            mp.setattr(datasets_module, "_BLOCK_BYTES", block)
            mp.setattr(datasets_module, "_FAST", fast)
            results.append(outcome(fn, *args, **kwargs))
    return results


def count_fast_blocks(monkeypatch):
    """Count the blocks numpy took (so a test knows the fast path really ran)."""
    taken = [0]
    original = datasets_module._Load.block

    def block(self, blk):
        ok = original(self, blk)
        taken[0] += ok
        return ok

    monkeypatch.setattr(datasets_module._Load, "block", block)
    return taken


# -- property: the two paths agree ------------------------------------------------------------

number = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: f"{x:.3f}"),
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
)
odd_number = st.sampled_from(
    ["1e155", "-1e300", "1e150", "1e308", "nan", "inf", "-1e309", "1_0", " 2 ", "", "  ", "x",
     '"3"', '"4.5"', '" 6"', '"7', "1,5", "0,25", "7.", ".5", "+1e-3", "١", '""', "a b"]
)  # fmt: skip
feature = st.one_of(number, number, number, odd_number)
plain_label = st.sampled_from(["0", "1", "0", "1", "1.0", "yes", "no", "a", "b"])
odd_label = st.sampled_from(["YES", "01", '"a"', '"1"', "", " 1 ", "true", "nan", "c", "1,0"])
label = st.one_of(plain_label, plain_label, plain_label, odd_label)
row = st.one_of(
    st.tuples(feature, feature, label),
    st.tuples(feature, feature, label),
    st.tuples(feature, feature, label),
    st.tuples(feature, feature, label).map(lambda r: (*r, "")),  # a trailing delimiter
    st.tuples(feature, label),  # too few fields
    st.just(()),  # a blank line
)
PAIRS = [("0", "1"), ("1", "0"), ("yes", "no"), ("b", "a"), ("-1", "1"), ("0", "1.0"),
         ('"a"', '"b"'), ("True", "false"), ("1", "2.5")]  # fmt: skip


@st.composite
def tables(draw):
    """Random tables: most rows well formed, a few odd ones anywhere."""
    delim = draw(st.sampled_from([",", ";", "\t"]))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    header = draw(st.sampled_from([("u", "v", "y"), ('"u"', '"v"', '"y"'), ("u", "v", "y", "")]))
    labels = draw(st.sampled_from(PAIRS))
    comma = delim != "," and draw(st.booleans())  # decimal commas
    if comma:
        labels = tuple(x.replace(".", ",") for x in labels)
    cell = number.map(lambda x: x.replace(".", ",")) if comma else number
    good = st.tuples(cell, cell, st.sampled_from(labels))
    rows = draw(st.lists(good, min_size=0, max_size=80))
    for name in labels:  # both classes somewhere
        rows.insert(draw(st.integers(0, len(rows))), (draw(cell), draw(cell), name))
    for _ in range(draw(st.integers(0, 3))):
        rows.insert(draw(st.integers(0, len(rows))), draw(row))
    if draw(st.booleans()):
        rows = [(*r, "") if r else r for r in rows]  # trailing delimiters everywhere
    text = end.join(delim.join(r) for r in [header, *rows])
    return text + draw(st.sampled_from(["", end, end + end]))


@st.composite
def wild_tables(draw):
    """Random tables with odd cells everywhere (mostly errors)."""
    delim = draw(st.sampled_from([",", ";", "\t"]))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    rows = draw(st.lists(row, min_size=1, max_size=40))
    return end.join(delim.join(r) for r in [("u", "v", "y"), *rows]) + end


SETTINGS = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(text=st.one_of(tables(), wild_tables()), head=st.integers(16, 80), block=st.integers(8, 80))
def test_numpy_blocks_agree_with_the_csv_module(tmp_path, text, head, block):
    p = tmp_path / "t.csv"
    p.write_bytes(text.encode("utf-8"))
    fast, exact = fast_and_exact(load_csv, p, head=head, block=block)
    assert fast == exact
    fast, exact = fast_and_exact(load_csv, p, classes=("0", "1"), head=head, block=block)
    assert fast == exact
    fast, exact = fast_and_exact(load_csv, p, head=head, block=block, max_classes=2)
    assert fast == exact
    fast, exact = fast_and_exact(inspect_csv, p, head=head, block=block)
    assert fast == exact


@SETTINGS
@given(text=tables())
def test_small_blocks_agree_with_one_block(tmp_path, text):
    """A well-formed file gives the same data whatever the block size."""
    p = tmp_path / "t.csv"
    p.write_bytes(text.encode("utf-8"))
    whole = outcome(load_csv, p)
    if whole[0] != "ok":
        return  # which error comes first may depend on how much the head saw
    small, _ = fast_and_exact(load_csv, p)
    assert small == whole


# -- deterministic: a big file with everything in it ------------------------------------------


def big_table(m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2, m)).round(4)
    y = (X[0] + X[1] > 0).astype(int)
    return X, y


def write_table(path, X, y, fmt="%.4f,%.4f,%d", header="u,v,label", end="\n"):
    lines = [header] + [fmt % (a, b, c) for a, b, c in zip(X[0], X[1], y, strict=True)]
    path.write_text(end.join(lines) + end, encoding="utf-8", newline="")
    return path


def test_a_clean_big_file_goes_through_numpy(tmp_path, monkeypatch):
    X, y = big_table(200_000)
    p = write_table(tmp_path / "big.csv", X, y)
    taken = count_fast_blocks(monkeypatch)
    ds = load_csv(p)
    assert taken[0] >= 2
    np.testing.assert_array_equal(ds.X, X)
    np.testing.assert_array_equal(ds.Y[0], y)
    assert ds.class_names == ("0", "1") and ds.feature_names == ("u", "v")


@pytest.mark.parametrize(
    ("fmt", "header", "end"),
    [
        ("%.4f;%.4f;%d", "u;v;label", "\n"),
        ("%.4f\t%.4f\t%d", "u\tv\tlabel", "\r\n"),
        ('"%.4f","%.4f","%d"', '"u","v","label"', "\n"),  # R and Excel quote everything
        ("%.4f,%.4f,%d,", "u,v,label,", "\r"),  # trailing delimiters, old Mac line ends
    ],
    ids=["semicolon", "tab-crlf", "quoted", "trailing-cr"],
)
def test_big_file_formats_stay_on_the_fast_path(tmp_path, monkeypatch, fmt, header, end):
    X, y = big_table(100_000)
    p = write_table(tmp_path / "f.csv", X, y, fmt=fmt, header=header, end=end)
    taken = count_fast_blocks(monkeypatch)
    ds = load_csv(p)
    assert taken[0] >= 1
    np.testing.assert_array_equal(ds.X, X)
    np.testing.assert_array_equal(ds.Y[0], y)


def test_decimal_commas_in_a_big_file(tmp_path):
    X, y = big_table(100_000)
    lines = ["u;v;label"] + [
        f"{a:.4f};{b:.4f};{c}".replace(".", ",") for a, b, c in zip(X[0], X[1], y, strict=True)
    ]
    p = tmp_path / "dc.csv"
    p.write_text("\n".join(lines) + "\n")
    ds = load_csv(p)
    np.testing.assert_array_equal(ds.X, X)
    assert ds.notes == ("decimal commas read as decimal points",)
    # a decimal point far down the file: the two marks are named with their lines
    lines[90_001] = "0.5;1,5;1"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetError, match=r"mixes decimal commas \(line 2: .*\) and decimal "
                       r"points \(line 90002: '0.5'\)"):  # fmt: skip
        load_csv(p)


@pytest.mark.parametrize(
    ("line", "bad", "message"),
    [
        (76_543, "1.5,x,0", r"line 76543, column 'v': 'x' is not a number"),
        (76_543, "1.5,,0", r"line 76543, column 'v': the value is empty"),
        (76_543, "1e155,2,0", r"line 76543, column 'u': '1e155' is too large"),
        (76_543, "1.5,inf,0", r"line 76543, column 'v': 'inf' is not a finite number"),
        (76_543, "1.5,2,", r"line 76543, column 'label': the label is empty"),
        (76_543, "1.5,2,0,9", r"line 76543 has 4 fields but the header has 3"),
        (76_543, "1.5,2", r"line 76543 has 2 fields but the header has 3"),
        (76_543, "1.5,2,7", r"column 'label' has 3 classes \(0, 1, 7\); choose two of them"),
        (99_000, '1.5,2,"7\n\n"', r"has 3 classes \(0, 1, 7\)"),  # a quoted line break
    ],
)
def test_errors_far_down_name_their_line(tmp_path, line, bad, message):
    X, y = big_table(100_000)
    lines = ["u,v,label"] + [f"{a:.4f},{b:.4f},{c}" for a, b, c in zip(X[0], X[1], y, strict=True)]
    lines[line - 1] = bad
    p = tmp_path / "bad.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetError, match=message) as info:
        load_csv(p)
    assert str(p) in str(info.value)


def test_lines_after_a_quoted_line_break_keep_their_numbers(tmp_path):
    X, y = big_table(50_000)
    lines = ["u,v,label"] + [f"{a:.4f},{b:.4f},{c}" for a, b, c in zip(X[0], X[1], y, strict=True)]
    lines[20_000] = '1,2,"1\n"'  # the label "1\n" strips to "1"; the record has two lines
    lines[40_000] = "1,oops,1"
    p = tmp_path / "q.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetError, match=r"line 40002, column 'v': 'oops' is not a number"):
        load_csv(p)


def test_latin1_discovered_far_down(tmp_path):
    X, y = big_table(100_000)
    rows = [
        f"{a:.4f},{b:.4f},{'ja' if c else 'nein'}" for a, b, c in zip(X[0], X[1], y, strict=True)
    ]
    p = tmp_path / "l1.csv"
    p.write_bytes(("u,v,wahl\n" + "\n".join(rows) + "\n").encode() + b"0,0,nein\xe9\n")
    with pytest.raises(DatasetError, match=r"has 3 classes \(ja, nein, nein\xe9\)"):
        load_csv(p)
    assert inspect_csv(p).classes["wahl"] == ("ja", "nein", "nein\xe9")


def test_utf16_big_file(tmp_path):
    X, y = big_table(50_000)
    rows = [f"{a:.4f},{b:.4f},{'jä' if c else 'nö'}" for a, b, c in zip(X[0], X[1], y, strict=True)]
    p = tmp_path / "u16.csv"
    p.write_text("u,v,wahl\n" + "\n".join(rows) + "\n", encoding="utf-16")
    ds = load_csv(p)
    np.testing.assert_array_equal(ds.X, X)
    assert ds.class_names == ("jä", "nö")
    np.testing.assert_array_equal(ds.Y[0], 1 - y)  # "jä" < "nö": jä is class 0


def test_inspect_big_file(tmp_path):
    X, y = big_table(100_000)
    rows = [
        f"{a:.4f},{c},{b:.4f},{'yes' if c else 'no'}" for a, b, c in zip(X[0], X[1], y, strict=True)
    ]
    p = tmp_path / "i.csv"
    p.write_text("u,c,v,kind\n" + "\n".join(rows) + "\n")
    info = inspect_csv(p)
    assert info.columns == ("u", "c", "v", "kind")
    assert info.numeric == (True, True, True, False)
    assert info.classes == {"c": ("0", "1"), "kind": ("no", "yes")}


# -- speed and memory on 10⁶ rows -----------------------------------------------------------


@pytest.fixture(scope="module")
def million(tmp_path_factory):
    """10⁶ rows: two floats and a 0/1 label (about 22 MB)."""
    X, y = big_table(1_000_000)
    p = tmp_path_factory.mktemp("million") / "million.csv"
    with open(p, "w") as fh:
        fh.write("u,v,label\n")
        np.savetxt(fh, np.column_stack([X.T, y]), fmt=("%.6f", "%.6f", "%d"), delimiter=",")
    return p, X, y


def test_million_rows_memory_is_a_small_multiple_of_the_arrays(million):
    p, X, y = million
    tracemalloc.start()
    try:
        ds = load_csv(p)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(ds.X, X, atol=1e-6)
    np.testing.assert_array_equal(ds.Y[0], y)
    final = ds.X.nbytes + ds.Y.nbytes
    assert peak <= 3 * final, f"peak {peak / 2**20:.1f} MB for {final / 2**20:.1f} MB of arrays"


def test_million_rows_speed_compared_with_numpy_loadtxt(million):
    """Loose on purpose (shared machines): the benchmark reports the real figures."""
    p, _, _ = million
    t0 = time.perf_counter()
    np.loadtxt(p, delimiter=",", skiprows=1)
    reference = time.perf_counter() - t0
    t0 = time.perf_counter()
    load_csv(p)
    seconds = time.perf_counter() - t0
    assert seconds <= max(10 * reference, 3.0), f"{seconds:.2f} s vs loadtxt {reference:.2f} s"
