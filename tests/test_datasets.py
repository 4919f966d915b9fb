"""Built-in datasets and the CSV loader: good files load, bad ones say where."""

import numpy as np
import pytest

from gd_visualizer.core import BUILTIN_DATASETS, Dataset, DatasetError, load_csv, make_dataset


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
        (["true", "False", "TRUE"], ("false", "true"), [1, 0, 1]),
        (["cat", "dog", "cat"], ("cat", "dog"), [0, 1, 0]),
        (["1.0", "0", "1"], ("0", "1"), [1, 0, 1]),
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
