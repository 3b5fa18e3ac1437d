"""training/mutation_check_direct.py's load_tests: which test calls the in-process mutation checker makes.
A test pytest would skip, or one called with the wrong parameters, fails on the unmutated code and counts
a false kill for every mutant (training/results/mutation_audit.md)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load_tests():
    sys.path.insert(0, str(ROOT / "training"))
    try:
        spec = importlib.util.spec_from_file_location("mutation_check_direct_t", ROOT / "training" / "mutation_check_direct.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(ROOT / "training"))
    return mod.load_tests


def _calls(tmp_path, name, text):
    f = tmp_path / f"{name}.py"
    f.write_text(text)
    return [(n, kw) for n, _, kw in _load_tests()([str(f)])]


def test_a_module_level_skipif_true_leaves_every_test_of_the_module_out(tmp_path):
    # pytest skips both tests (the module's mark applies to each); a single mark and a list of marks
    one = "import pytest\npytestmark = pytest.mark.skipif(True, reason='x')\ndef test_a():\n    assert 0\n"
    many = "import pytest\npytestmark = [pytest.mark.skipif(True, reason='x')]\ndef test_b():\n    assert 0\n"
    assert _calls(tmp_path, "t_mod_one", one) == []
    assert _calls(tmp_path, "t_mod_many", many) == []


def test_a_skipif_false_module_mark_keeps_the_tests(tmp_path):
    text = "import pytest\npytestmark = pytest.mark.skipif(False, reason='x')\ndef test_c():\n    pass\n"
    assert _calls(tmp_path, "t_mod_false", text) == [("test_c", {})]


def test_function_skipif_and_dict_and_param_values(tmp_path):
    text = (
        "import pytest\n"
        "@pytest.mark.skipif(True, reason='x')\ndef test_skipped():\n    assert 0\n"
        "@pytest.mark.parametrize('d', [{'k': 1}, pytest.param({'k': 2})])\ndef test_dicts(d):\n    pass\n"
        "@pytest.mark.parametrize('a, b', [(1, 2), pytest.param(3, 4)])\ndef test_pairs(a, b):\n    pass\n"
    )
    # worked out from pytest's rules: the skipped test is absent, a dict is one value, pytest.param unpacks
    assert sorted(_calls(tmp_path, "t_fn", text), key=repr) == sorted(
        [("test_dicts", {"d": {"k": 1}}), ("test_dicts", {"d": {"k": 2}}),
         ("test_pairs", {"a": 1, "b": 2}), ("test_pairs", {"a": 3, "b": 4})], key=repr)
