"""Built-in datasets and the CSV loader: good files load, bad ones say where."""

import numpy as np
import pytest

from gd_visualizer.core import BUILTIN_DATASETS, Dataset, DatasetError, load_csv, make_dataset
from gd_visualizer.core.datasets import Standardization, inspect_csv


@pytest.mark.parametrize("name", list(BUILTIN_DATASETS))
def test_builtin_shapes_and_determinism(name):
    a = make_dataset(name, n_samples=150, seed=3)
    b = make_dataset(name, n_samples=150, seed=3)
    assert isinstance(a, Dataset)
    assert a.X.dtype == np.float64 and a.X.shape[0] == 2 and a.Y.shape == (1, a.m)
    assert set(np.unique(a.Y)) == {0.0, 1.0}
    assert len(a.feature_names) == 2 and len(a.class_names) == 2
    np.testing.assert_array_equal(a.X, b.X)
    if name != "iris":
        assert a.m == 150
        c = make_dataset(name, n_samples=150, seed=4)
        assert not np.array_equal(a.X, c.X)


def test_iris_is_the_real_data():
    ds = make_dataset("iris")
    assert ds.m == 100 and ds.Y.sum() == 50
    assert ds.class_names == ("versicolor", "virginica")
    assert ds.feature_names == ("petal_length_cm", "petal_width_cm")
    # first versicolor in the file: 7.0,3.2,4.7,1.4
    assert ds.X[:, 0].tolist() == [4.7, 1.4] and ds.Y[0, 0] == 0.0


def test_unknown_dataset():
    with pytest.raises(DatasetError, match="unknown dataset 'nope'"):
        make_dataset("nope")


def write(tmp_path, text, name="d.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return p


@pytest.mark.parametrize(
    "text",
    [
        "a,b,y\n1,2,0\n3,4,1\n",
        "a;b;y\n1;2;0\n3;4;1\n",
        "a\tb\ty\n1\t2\t0\n3\t4\t1\n",
        "\ufeffa,b,y\r\n1,2,0\r\n3,4,1\r\n",
        '"a","b","y"\n"1","2","0"\n"3","4","1"\n',
        "a , b , y\n 1 , 2 , 0 \n3,4,1\n\n\n",
        "a,b,y,\n1,2,0,\n3,4,1,\n",
        "a;b;y\n1,0;2,0;0\n3,0;4,0;1\n",
    ],
    ids=["comma", "semicolon", "tab", "bom-crlf", "quoted", "spaces", "trailing", "dec-comma"],
)
def test_load_csv_formats(tmp_path, text):
    ds = load_csv(write(tmp_path, text))
    np.testing.assert_array_equal(ds.X, [[1.0, 3.0], [2.0, 4.0]])
    np.testing.assert_array_equal(ds.Y, [[0.0, 1.0]])
    assert ds.feature_names == ("a", "b")


def test_headerless_three_columns(tmp_path):
    ds = load_csv(write(tmp_path, "1,2,0\n3,4,1\n5,6,1\n"))
    assert ds.feature_names == ("x1", "x2") and ds.m == 3


@pytest.mark.parametrize(
    ("labels", "names", "y"),
    [
        (["-1", "1", "-1"], ("-1", "1"), [0, 1, 0]),
        (["true", "False", "TRUE"], ("False", "true"), [1, 0, 1]),  # first spellings
        (["yes", "no", "Yes"], ("no", "yes"), [1, 0, 1]),
        (["cat", "dog", "cat"], ("cat", "dog"), [0, 1, 0]),
        (["1.0", "0", "1"], ("0", "1.0"), [1, 0, 1]),  # 1.0 and 1: one class
    ],
)
def test_label_encodings(tmp_path, labels, names, y):
    rows = "".join(f"{i},{i * 2},{lab}\n" for i, lab in enumerate(labels))
    ds = load_csv(write(tmp_path, "p,q,label\n" + rows))
    assert ds.class_names == names
    np.testing.assert_array_equal(ds.Y[0], y)


def test_choose_columns_and_classes(tmp_path):
    text = "id,kind,u,v,w\n1,a,0.5,1,9\n2,b,1.5,2,8\n3,c,2.5,3,7\n4,a,3.5,4,6\n"
    p = write(tmp_path, text)
    ds = load_csv(p, features=("w", "u"), label="kind", classes=("c", "a"))
    assert ds.feature_names == ("w", "u") and ds.class_names == ("c", "a")
    np.testing.assert_array_equal(ds.X, [[9.0, 7.0, 6.0], [0.5, 2.5, 3.5]])
    np.testing.assert_array_equal(ds.Y, [[1.0, 0.0, 1.0]])
    # defaults: label = last column; features = first two numeric columns besides it
    text2 = "name,u,v,y\nx,1,2,0\nz,3,4,1\n"
    assert load_csv(write(tmp_path, text2, "e.csv")).feature_names == ("u", "v")


def test_latin1_file(tmp_path):
    p = write(tmp_path, "länge,breite,art\n1,2,é\n3,4,ü\n", encoding="latin-1")
    ds = load_csv(p)
    assert ds.feature_names == ("länge", "breite") and ds.class_names == ("é", "ü")


BAD = [
    ("", "the file is empty"),
    ("\n\n  \n", "the file is empty"),
    ("a,b,y\n", "header row but no data rows"),
    ("a,b,y\n1,2,0\n3,x,1\n5,6,1\n7,8,0\n", r"line 3, column 'b': 'x' is not a number"),
    ("a,b,y\n1,2,0\n3,,1\n5,6,1\n", r"line 3, column 'b': the value is empty"),
    ("a,b,y\n1,2,0\nnan,4,1\n5,6,1\n", r"line 3, column 'a': 'nan' is not a finite number"),
    ("a,b,y\n1,2,0\n3,inf,1\n", r"line 3, column 'b': 'inf' is not a finite number"),
    ("a,b,y\n1,2,0\n3,1e309,1\n", r"line 3, column 'b': '1e309' is not a finite number"),
    ("a,b,y\n1,2,0\n3,4,5,1\n", r"line 3 has 4 fields but the header has 3"),
    ("a,b,y\n1,2,0\n3,4\n", r"line 3 has 2 fields but the header has 3"),
    ("a,name,y\n1,u,0\n3,v,1\n", "needs two numeric feature columns"),
    ("a,b,y\n1,2,1\n3,4,1\n", "single class"),
    ("a,b,y\n1,2,p\n3,4,q\n5,6,r\n", r"has 3 classes \(p, q, r\); choose two"),
    ("a,b,y\n1,2,0\n3,4,\n", r"line 3, column 'y': the label is empty"),
    ("1,2,0,4\n3,4,1,5\n", "exactly 3 numeric columns"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_csv_messages(tmp_path, text, message):
    p = write(tmp_path, text)
    with pytest.raises(DatasetError, match=message) as info:
        load_csv(p)
    assert str(p) in str(info.value)  # the message names the file


def test_bad_column_and_class_names(tmp_path):
    p = write(tmp_path, "a,b,kind\n1,2,x\n3,4,y\n5,6,z\n")
    with pytest.raises(DatasetError, match=r"no column named 'c' for the features \(columns: a, b"):
        load_csv(p, features=("a", "c"))
    with pytest.raises(DatasetError, match="no column named 'lbl' for the label"):
        load_csv(p, label="lbl")
    with pytest.raises(DatasetError, match=r"has no class 'w' \(classes: x, y, z\)"):
        load_csv(p, classes=("x", "w"))
    with pytest.raises(DatasetError, match="column 'kind' is not numeric"):
        load_csv(p, features=("a", "kind"), label="b")


def test_missing_folder_and_binary_files(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        load_csv(tmp_path / "missing.csv")
    with pytest.raises(DatasetError, match="is a folder"):
        load_csv(tmp_path)
    png = write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "img.csv")
    with pytest.raises(DatasetError, match="not a text file"):
        load_csv(png)


def test_dataset_error_is_a_value_error():
    assert issubclass(DatasetError, ValueError)


# -- classes: spellings of one value are one class ---------------------------------------------


@pytest.mark.parametrize(
    ("pair", "why"),
    [
        (("1", "1.0"), "both are the number 1"),
        (("1", "01"), "both are the number 1"),
        (("0", "-0.0"), "both are the number 0"),
        (("2.5", "25e-1"), "both are the number 2.5"),
        (("yes", "YES"), "both mean true"),
        (("True", "yes"), "both mean true"),
        (("no", "F"), "both mean false"),
    ],
)
def test_two_names_for_one_class_are_refused(tmp_path, pair, why):
    p = write(tmp_path, "a,b,y\n1,2,1\n3,4,0\n5,6,2\n7,8,yes\n9,10,no\n")
    a, b = pair
    with pytest.raises(
        DatasetError, match=rf"classes '{a}' and '{b}' are one label value \({why}\); choose two"
    ) as info:
        load_csv(p, classes=pair)
    assert str(p) in str(info.value)


def test_same_class_name_twice_is_refused(tmp_path):
    p = write(tmp_path, "a,b,y\n1,2,1\n3,4,0\n")
    for pair in (("1", "1"), (" 1", "1 "), ("a",), ("a", "b", "c")):
        with pytest.raises(DatasetError, match="choose two different classes"):
            load_csv(p, classes=pair)


def test_classes_match_any_spelling_and_keep_the_files_names(tmp_path):
    p = write(tmp_path, "a,b,y\n1,2,1\n3,4,0\n5,6,2\n7,8,1.0\n")
    ds = load_csv(p, classes=("1.0", "2"))  # the file writes 1 first
    assert ds.class_names == ("1", "2") and ds.m == 3
    np.testing.assert_array_equal(ds.Y, [[0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(ds.X[0], [1.0, 5.0, 7.0])


def test_labels_written_two_ways_are_one_class(tmp_path):
    p = write(tmp_path, "a,b,y\n1,2,1\n3,4,1.0\n5,6,0\n7,8,0.0\n9,10,x\n11,12,x\n")
    with pytest.raises(DatasetError, match=r"has 3 classes \(0, 1, x\); choose two of them"):
        load_csv(p)
    info = inspect_csv(p)
    assert info.classes["y"] == ("0", "1", "x")
    ds = load_csv(p, classes=info.classes["y"][:2])
    assert ds.class_names == ("0", "1") and ds.m == 4
    np.testing.assert_array_equal(ds.Y, [[1.0, 1.0, 0.0, 0.0]])


def test_yes_no_labels_keep_their_names(tmp_path):
    p = write(tmp_path, "a,b,buys\n1,2,yes\n3,4,no\n5,6,YES\n")
    ds = load_csv(p)
    assert ds.class_names == ("no", "yes") == inspect_csv(p).classes["buys"]
    np.testing.assert_array_equal(ds.Y, [[1.0, 0.0, 1.0]])
    assert ds.describe().endswith("1 no / 2 yes")


# -- numbers that would overflow -----------------------------------------------------------------


@pytest.mark.parametrize("value", ["1e155", "-1e300", "1e308", "1.7976931348623157e308"])
def test_huge_values_are_refused_with_the_supported_range(tmp_path, value):
    p = write(tmp_path, f"a,b,y\n1,2,0\n3,{value},1\n")
    with pytest.raises(DatasetError) as info:
        load_csv(p)
    assert str(info.value) == (
        f"{p}: line 3, column 'b': '{value}' is too large; gd-visualizer supports values from "
        "-1e+150 to 1e+150 (rescale the column: other units)"
    )


def test_values_at_the_limit_standardize_and_train_without_overflow(tmp_path):
    from gd_visualizer.core import Trainer

    p = write(tmp_path, "a,b,y\n1e150,-1e150,0\n-1e150,1e150,1\n1e150,1e150,1\n0,0,0\n")
    ds = load_csv(p)
    std = ds.standardization()
    assert np.all(np.isfinite(std.mean)) and np.all(np.isfinite(std.std))
    Xs = std.apply(ds.X)
    assert np.all(np.isfinite(Xs)) and np.allclose(Xs.std(axis=1), 1.0)
    with np.errstate(over="raise", invalid="raise"):  # not even an intermediate overflow
        gram = ds.X @ ds.X.T  # XXᵀ: what a step size bound needs
        assert np.all(np.isfinite(gram)) and np.all(np.isfinite(np.linalg.eigvalsh(gram)))
    t = Trainer(Xs, ds.Y, learning_rate=0.1, num_iterations=20)
    t.run(20)
    assert np.isfinite(t.cost)


def test_standardization_scales_before_squaring():
    X = np.array([[1e300, -1e300, 3e300, 0.0], [1.0, 2.0, 3.0, 4.0]])
    std = Standardization.fit(X)
    reference = Standardization.fit(X / 1e300)
    np.testing.assert_allclose(std.std[0], 1e300 * reference.std[0], rtol=1e-12)
    np.testing.assert_allclose(std.mean[0], 1e300 * reference.mean[0], rtol=1e-12)
    np.testing.assert_allclose(std.std[1], np.std(X[1]))
    Xs = std.apply(X)
    assert np.all(np.isfinite(Xs)) and np.allclose(Xs.mean(axis=1), 0.0)


# -- make_dataset parameters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"noise": 1e7}, r"noise must be a finite number from 0 to 1e\+06, got 10000000.0"),
        ({"noise": float("inf")}, "noise must be a finite number from 0 to"),
        ({"noise": float("nan")}, "noise must be a finite number from 0 to"),
        ({"noise": -0.5}, "noise must be a finite number from 0 to"),
        ({"noise": "lots"}, "noise must be a number, got 'lots'"),
        ({"n_samples": 1}, "n_samples must be at least 2, got 1"),
        ({"n_samples": "many"}, "n_samples must be a whole number, got 'many'"),
        ({"n_samples": float("inf")}, "n_samples must be a whole number"),
        ({"seed": -1}, "seed must be a non-negative whole number"),
    ],
)
def test_make_dataset_refuses_bad_parameters(kwargs, message):
    with pytest.raises(DatasetError, match=message):
        make_dataset("blobs", **kwargs)


def test_make_dataset_noise_range_ends():
    for noise in (0.0, 5.0, 1e6):
        ds = make_dataset("moons", 50, noise=noise, seed=1)
        assert np.all(np.isfinite(ds.X))


# -- three classes (softmax regression), kept out of the window's list -----------------------------


def test_the_three_class_datasets_are_offered_beside_the_two_class_ones():
    from gd_visualizer.cli_args import dataset_arg
    from gd_visualizer.core import DATASETS, MULTICLASS_DATASETS

    assert set(MULTICLASS_DATASETS) == {"iris3", "blobs3"}
    assert not set(MULTICLASS_DATASETS) & set(BUILTIN_DATASETS)
    assert DATASETS == {**BUILTIN_DATASETS, **MULTICLASS_DATASETS}
    for name in MULTICLASS_DATASETS:
        assert dataset_arg(name) == name
        assert make_dataset(name).n_classes == 3


def test_iris3_is_all_150_flowers():
    ds = make_dataset("iris3")
    assert ds.m == 150 and ds.X.shape == (2, 150) and ds.Y.shape == (1, 150)
    assert ds.class_names == ("setosa", "versicolor", "virginica")
    assert ds.feature_names == ("petal_length_cm", "petal_width_cm")
    assert ds.Y.dtype == np.float64 and set(np.unique(ds.Y)) == {0.0, 1.0, 2.0}
    assert ds.class_counts() == [50, 50, 50] and ds.n_classes == 3
    # first setosa in the file: 5.1,3.5,1.4,0.2; first versicolor: 7.0,3.2,4.7,1.4
    assert ds.X[:, 0].tolist() == [1.4, 0.2] and ds.Y[0, 0] == 0.0
    assert ds.X[:, 50].tolist() == [4.7, 1.4] and ds.Y[0, 50] == 1.0
    # versicolor and virginica are exactly the two-class iris
    two = make_dataset("iris")
    np.testing.assert_array_equal(ds.X[:, 50:], two.X)
    np.testing.assert_array_equal(ds.Y[:, 50:] - 1.0, two.Y)
    assert ds.describe() == "iris3: 150 samples, 50 setosa / 50 versicolor / 50 virginica"


@pytest.mark.parametrize("n", [3, 4, 5, 150, 301])
def test_blobs3_respects_n_samples_and_balances_the_classes(n):
    ds = make_dataset("blobs3", n_samples=n, seed=1)
    assert ds.m == n and ds.X.shape == (2, n) and ds.Y.shape == (1, n)
    assert ds.X.dtype == np.float64 and ds.Y.dtype == np.float64
    assert set(np.unique(ds.Y)) == {0.0, 1.0, 2.0}
    counts = ds.class_counts()
    assert sum(counts) == n and max(counts) - min(counts) <= 1
    assert len(ds.class_names) == 3 and ds.feature_names == ("x1", "x2")


def test_blobs3_is_deterministic_for_a_seed():
    a = make_dataset("blobs3", 120, seed=3)
    b = make_dataset("blobs3", 120, seed=3)
    c = make_dataset("blobs3", 120, seed=4)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.Y, b.Y)
    assert not np.array_equal(a.X, c.X)


def within_class_spread(ds):
    """The standard deviation of the points around their class's mean."""
    offsets = [
        ds.X[:, ds.Y[0] == k] - ds.X[:, ds.Y[0] == k].mean(axis=1, keepdims=True) for k in range(3)
    ]
    return float(np.hstack(offsets).std())


def test_blobs3_noise_is_the_spread_around_each_centre():
    for noise in (0.2, 0.6, 1.5):
        ds = make_dataset("blobs3", 3000, noise=noise, seed=0)
        assert within_class_spread(ds) == pytest.approx(noise, rel=0.05)
    still = make_dataset("blobs3", 30, noise=0.0, seed=0)
    assert within_class_spread(still) < 1e-12  # every point on its centre


def test_blobs3_refuses_bad_parameters_as_the_two_class_datasets_do():
    with pytest.raises(DatasetError, match="n_samples must be at least 3, got 2"):
        make_dataset("blobs3", n_samples=2)
    with pytest.raises(DatasetError, match="noise must be a finite number from 0 to"):
        make_dataset("blobs3", noise=-1.0)
    with pytest.raises(DatasetError, match="seed must be a non-negative whole number"):
        make_dataset("blobs3", seed=-1)


def test_two_class_datasets_describe_as_before():
    assert make_dataset("iris").describe() == "iris: 100 samples, 50 versicolor / 50 virginica"
    ds = make_dataset("blobs", 7, seed=0)
    assert ds.n_classes == 2 and ds.class_counts() == [3, 4]
    assert ds.describe() == "blobs: 7 samples, 3 class 0 / 4 class 1"


def test_standardization_inverts_points_and_coefficients():
    import numpy as np

    from gd_visualizer.core import make_dataset

    ds = make_dataset("iris")
    st = ds.standardization()
    np.testing.assert_allclose(st.invert(st.apply(ds.X)), ds.X, rtol=1e-12)
    w, b = np.array([1.5, -0.7]), 0.3
    w_raw, b_raw = st.to_raw(w, b)
    w_back, b_back = st.from_raw(w_raw, b_raw)
    np.testing.assert_allclose(w_back.ravel(), w, rtol=1e-12)
    assert b_back == pytest.approx(b, abs=1e-12)
    # the same boundary: z on raw points equals z on their standardized twins
    np.testing.assert_allclose(w_raw.ravel() @ ds.X + b_raw, w @ st.apply(ds.X) + b, atol=1e-12)
