"""A CSV label with three classes, all kept: ``load_csv(classes=(a, b, c))`` gives a
softmax dataset (a -> 0, b -> 1, c -> 2), and the Columns dialog offers a third class."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gd_visualizer.core import datasets as datasets_module
from gd_visualizer.core.datasets import DatasetError, inspect_csv, load_csv, make_dataset
from gd_visualizer.resources import resource_path

SPECIES = ("setosa", "versicolor", "virginica")
PETALS = ("petal_length_cm", "petal_width_cm")
WAIT = 15_000


def write(tmp_path, text: str, name: str = "data.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture
def iris_csv(tmp_path):
    """The iris file (the one ``iris3`` is made from), copied."""
    return write(tmp_path, resource_path("iris.csv").read_text(encoding="utf-8"), "iris.csv")


def both_paths(fn, *args, head=48, block=40, max_classes=1000, **kwargs):
    """``fn`` with tiny blocks, once through numpy's block path and once row by row."""
    results = []
    for fast in (True, False):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(datasets_module, "_MAX_CLASSES", max_classes)
            mp.setattr(datasets_module, "_HEAD_BYTES", head)
            mp.setattr(datasets_module, "_HEAD_MAX_CHARS", head)
            mp.setattr(datasets_module, "_BLOCK_BYTES", block)
            mp.setattr(datasets_module, "_FAST", fast)
            results.append(fn(*args, **kwargs))
    return results


def same(a, b) -> None:
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.Y, b.Y)
    assert a.class_names == b.class_names and a.feature_names == b.feature_names


# -- loading ---------------------------------------------------------------------------


def test_iris_with_its_three_species_is_iris3(iris_csv):
    ds = load_csv(iris_csv, features=PETALS, label="species", classes=SPECIES)
    ref = make_dataset("iris3")
    np.testing.assert_array_equal(ds.X, ref.X)
    np.testing.assert_array_equal(ds.Y, ref.Y)
    assert ds.X.dtype == ds.Y.dtype == np.float64 and ds.X.flags.c_contiguous
    assert ds.Y.shape == (1, 150)
    assert ds.class_names == SPECIES and ds.n_classes == 3
    assert ds.feature_names == PETALS and ds.class_counts() == [50, 50, 50]
    assert ds.name == "iris" and ds.source == str(iris_csv)


def test_iris_three_classes_the_same_by_blocks_and_row_by_row(iris_csv):
    fast, exact = both_paths(load_csv, iris_csv, features=PETALS, classes=SPECIES)
    same(fast, exact)
    same(fast, make_dataset("iris3"))


@pytest.mark.parametrize("order", list(itertools.permutations(SPECIES)))
def test_the_order_given_decides_the_numbers(iris_csv, order):
    ds = load_csv(iris_csv, features=PETALS, classes=order)
    ref = make_dataset("iris3")
    assert ds.class_names == order
    expected = [order.index(SPECIES[int(k)]) for k in ref.Y[0]]
    np.testing.assert_array_equal(ds.Y[0], expected)
    np.testing.assert_array_equal(ds.X, ref.X)


def test_two_classes_of_iris_still_load_as_before(iris_csv):
    ds = load_csv(iris_csv, features=PETALS, classes=("versicolor", "virginica"))
    ref = make_dataset("iris")
    same(ds, ref)
    assert set(np.unique(ds.Y)) == {0.0, 1.0}


def test_other_classes_rows_are_left_out_even_with_bad_values(tmp_path):
    text = "a,b,y\n1,2,p\n3,4,q\nx,,s\n5,6,r\n7,8,s\n9,10,q\n11,12,p\n"
    p = write(tmp_path, text)
    for ds in (
        load_csv(p, classes=("r", "p", "q")),
        *both_paths(load_csv, p, classes=("r", "p", "q")),
    ):
        np.testing.assert_array_equal(ds.X, [[1, 3, 5, 9, 11], [2, 4, 6, 10, 12]])
        np.testing.assert_array_equal(ds.Y, [[1, 2, 0, 2, 1]])
        assert ds.class_names == ("r", "p", "q")


def test_classes_match_any_spelling_and_keep_the_files_names(tmp_path):
    p = write(tmp_path, "a,b,y\n1,2,1\n3,4,0\n5,6,2.0\n7,8,1.0\n9,10,3\n")
    ds = load_csv(p, classes=("2", "01", "0.0"))
    assert ds.class_names == ("2.0", "1", "0") and ds.m == 4
    np.testing.assert_array_equal(ds.Y, [[1.0, 2.0, 0.0, 1.0]])
    p2 = write(tmp_path, "a;b;y\n1,5;2;yes\n3;4,25;no\n5;6;maybe\n7;8;YES\n", "dc.csv")
    ds2 = load_csv(p2, classes=("no", "Y", "maybe"))
    assert ds2.class_names == ("no", "yes", "maybe")
    np.testing.assert_array_equal(ds2.X, [[1.5, 3.0, 5.0, 7.0], [2.0, 4.25, 6.0, 8.0]])
    np.testing.assert_array_equal(ds2.Y, [[1.0, 0.0, 2.0, 1.0]])
    assert ds2.notes == ("decimal commas read as decimal points",)


def test_a_shuffled_file_by_blocks_and_row_by_row(tmp_path):
    rng = np.random.default_rng(14)
    labels = ["u", "v", "w", "z", "1", "2.5"]
    rows = [
        f"{rng.normal():.4f},{rng.integers(-50, 50)},{labels[rng.integers(len(labels))]}"
        for _ in range(400)
    ]
    rows[123] = '"1.5","2",w'  # a quoted block goes row by row
    p = write(tmp_path, "a,b,y\n" + "\n".join(rows) + "\n")
    wanted = ("w", "2.5", "u")
    fast, exact = both_paths(load_csv, p, classes=wanted)
    same(fast, exact)
    whole = load_csv(p, classes=wanted)
    same(whole, fast)
    kept = [r for r in rows if r.rsplit(",", 1)[1] in wanted]
    assert whole.m == len(kept) and whole.class_names == wanted
    expected = [wanted.index(r.rsplit(",", 1)[1]) for r in kept]
    np.testing.assert_array_equal(whole.Y[0], expected)
    # beyond the remembered classes (here three), the chosen ones still count
    capped = both_paths(load_csv, p, classes=wanted, max_classes=3)
    same(capped[0], whole)
    same(capped[1], whole)


# -- refused ----------------------------------------------------------------------------


THREE = "a,b,kind\n1,2,x\n3,4,y\n5,6,z\n7,8,x\n"


@pytest.mark.parametrize(
    ("classes", "message"),
    [
        (("x", "y", "x"), r"choose two different classes \(or three\), got \['x', 'y', 'x'\]"),
        ((" x", "y", "x "), r"choose two different classes \(or three\)"),
        (
            ("x", "y", "z", "w"),
            r"choose two different classes \(or three\), got \['x', 'y', 'z', 'w'\]",
        ),
        (("x",), r"choose two different classes \(or three\), got \['x'\]"),
        ((), r"choose two different classes \(or three\), got \[\]"),
        (("x", "y", "w"), r"column 'kind' has no class 'w' \(classes: x, y, z\)"),
    ],
)
def test_bad_choices_of_three_name_the_file(tmp_path, classes, message):
    p = write(tmp_path, THREE, "kinds.csv")
    with pytest.raises(DatasetError, match=message) as info:
        load_csv(p, classes=classes)
    assert str(p) in str(info.value)


@pytest.mark.parametrize(
    ("triple", "pair", "why"),
    [
        (("1", "2", "1.0"), ("1", "1.0"), "both are the number 1"),
        (("0", "-0.0", "2"), ("0", "-0.0"), "both are the number 0"),
        (("2", "yes", "Y"), ("yes", "Y"), "both mean true"),
    ],
)
def test_two_names_for_one_class_among_three(tmp_path, triple, pair, why):
    p = write(tmp_path, "a,b,y\n1,2,1\n3,4,0\n5,6,2\n7,8,yes\n")
    with pytest.raises(
        DatasetError,
        match=rf"classes '{pair[0]}' and '{pair[1]}' are one label value \({why}\); "
        "choose three different classes",
    ) as info:
        load_csv(p, classes=triple)
    assert str(p) in str(info.value)


def test_three_classes_from_a_file_of_two(tmp_path):
    p = write(tmp_path, "a,b,y\n1,2,yes\n3,4,no\n", "two.csv")
    with pytest.raises(
        DatasetError,
        match=r"two.csv: column 'y' has only 2 classes \(no, yes\), so three \(yes, no, maybe\) "
        "cannot be kept; choose two different classes",
    ):
        load_csv(p, classes=("yes", "no", "maybe"))
    one = write(tmp_path, "a,b,y\n1,2,k\n3,4,k\n", "one.csv")
    with pytest.raises(DatasetError, match=r"one.csv: column 'y' has only 1 class \(k\)"):
        load_csv(one, classes=("k", "l", "m"))


def test_without_classes_three_or_more_still_ask(tmp_path, iris_csv):
    with pytest.raises(
        DatasetError,
        match=r"column 'species' has 3 classes \(setosa, versicolor, virginica\); "
        r"choose two of them, or all three$",
    ) as info:
        load_csv(iris_csv)
    assert str(iris_csv) in str(info.value)
    p = write(tmp_path, THREE + "9,10,w\n", "four.csv")
    with pytest.raises(
        DatasetError,
        match=r"four.csv: column 'kind' has 4 classes \(w, x, y, z\); "
        r"choose two of them, or three$",
    ):
        load_csv(p)


def test_inspect_lists_the_three_classes(iris_csv):
    info = inspect_csv(iris_csv)
    assert info.classes["species"] == SPECIES
    ds = load_csv(iris_csv, features=PETALS, classes=info.classes["species"])
    assert ds.n_classes == 3


# -- the Columns dialog ----------------------------------------------------------------


@pytest.fixture
def columns_dialog(qtbot):
    from gd_visualizer.qt.csv_dialog import CsvColumnsDialog
    from gd_visualizer.qt.data_source import CsvChoice

    def make(path, **choice):
        dialog = CsvColumnsDialog(inspect_csv(path), CsvChoice(str(path), **choice))
        qtbot.addWidget(dialog)
        return dialog

    return make


def test_dialog_keeps_two_classes_unless_a_third_is_chosen(qtbot, columns_dialog, iris_csv):
    from PySide6.QtWidgets import QComboBox

    from gd_visualizer.qt.csv_dialog import TWO_CLASSES

    dialog = columns_dialog(iris_csv)
    third = dialog.findChild(QComboBox, "thirdClassCombo")
    assert third is dialog.c2 and third.isEnabled()
    assert [third.itemText(i) for i in range(third.count())] == [TWO_CLASSES, *SPECIES]
    assert third.currentIndex() == 0
    assert dialog.selection().classes == ("setosa", "versicolor")  # as before: two
    dialog.f1.setCurrentText(PETALS[0])
    dialog.f2.setCurrentText(PETALS[1])
    dialog.c0.setCurrentText("virginica")
    dialog.c1.setCurrentText("setosa")
    third.setCurrentText("versicolor")
    assert dialog.ok_button.isEnabled()
    choice = dialog.selection()
    assert choice.classes == ("virginica", "setosa", "versicolor")
    assert choice.features == PETALS and choice.label == "species"
    ds = load_csv(choice.path, features=choice.features, label=choice.label, classes=choice.classes)
    assert ds.class_names == ("virginica", "setosa", "versicolor") and ds.class_counts() == [50] * 3
    with qtbot.waitSignal(dialog.chosen, timeout=WAIT) as emitted:
        dialog.accept()
    assert emitted.args[0].classes == ("virginica", "setosa", "versicolor")


def test_dialog_refuses_a_third_class_chosen_twice(columns_dialog, iris_csv):
    dialog = columns_dialog(iris_csv)
    dialog.c2.setCurrentText("setosa")  # c0 is setosa
    assert not dialog.ok_button.isEnabled()
    assert "three different classes" in dialog.problem.text()
    dialog.c2.setCurrentText("virginica")
    assert dialog.ok_button.isEnabled() and not dialog.problem.isVisibleTo(dialog)
    dialog.c1.setCurrentText("virginica")
    assert not dialog.ok_button.isEnabled()
    dialog.c2.setCurrentIndex(0)  # back to two classes
    dialog.c1.setCurrentText("versicolor")
    assert dialog.ok_button.isEnabled()
    assert dialog.selection().classes == ("setosa", "versicolor")


def test_dialog_remembers_three_classes_and_has_no_third_for_two(
    tmp_path, columns_dialog, iris_csv
):
    dialog = columns_dialog(iris_csv, classes=("versicolor", "virginica", "setosa"))
    assert dialog.selection().classes == ("versicolor", "virginica", "setosa")
    dialog.label.setCurrentText("sepal_length_cm")  # more than 20 values: no classes listed
    assert not dialog.c2.isEnabled() and dialog.selection().classes is None
    p = write(tmp_path, "u,v,y\n1,2,0\n3,4,1\n", "binary.csv")
    two = columns_dialog(p)
    assert not two.c2.isEnabled() and two.selection().classes is None
    assert two.ok_button.isEnabled()


def test_window_trains_softmax_on_three_csv_classes(qtbot, monkeypatch, make_window, tmp_path):
    from PySide6.QtWidgets import QFileDialog

    from gd_visualizer.qt.csv_dialog import CsvColumnsDialog

    win = make_window()
    p = tmp_path / "three.csv"
    kinds = ["x", "y", "z"]
    p.write_text("u,v,kind\n" + "".join(f"{i},{i % 5},{kinds[i % 3]}\n" for i in range(30)))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(p), ""))
    win.open_csv()
    qtbot.waitUntil(lambda: win.findChild(CsvColumnsDialog) is not None, timeout=WAIT)
    dialog = win.findChild(CsvColumnsDialog)
    dialog.c0.setCurrentText("z")
    dialog.c1.setCurrentText("x")
    dialog.c2.setCurrentText("y")
    dialog.accept()
    qtbot.waitUntil(lambda: win.dataset.name == "three", timeout=WAIT)
    assert win.dataset.class_names == ("z", "x", "y") and win.dataset.m == 30
    assert win.dataset.class_counts() == [10, 10, 10]
    qtbot.waitUntil(lambda: win.controller.classes == 3, timeout=WAIT)  # softmax regression
    for _ in range(3):
        win.step()
    qtbot.waitUntil(lambda: len(win.history) >= 4, timeout=WAIT)
    assert np.all(np.isfinite(win.history.costs))
    # Columns… again: the dialog opens on the three classes the file was loaded with
    dialog.deleteLater()
    qtbot.waitUntil(lambda: win.findChild(CsvColumnsDialog) is None, timeout=WAIT)
    win.data_source.choose_columns()
    qtbot.waitUntil(lambda: win.findChild(CsvColumnsDialog) is not None, timeout=WAIT)
    again = win.findChild(CsvColumnsDialog)
    assert again.selection().classes == ("z", "x", "y")
    again.reject()
