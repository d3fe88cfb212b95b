"""A pytest suite as a course would write it: the non-training checks of mlp-numpy and cnn-numpy
on the published inputs, against expected outputs precomputed from dlgrade's reference (the .npz
fixtures), with the packs' bars. Run once per submission, in its own process:

    python -m pytest -q bench/baselines/pytest --submission DIR [--fixtures-dir DIR]
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # benchlib

import benchlib  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--submission", required=True, help="the submission folder (its root goes on sys.path)")
    parser.addoption("--fixtures-dir", default=benchlib.DEFAULT_FIXTURES, help="folder of <pack>/<check>/<case>.{inputs,expected}.npz")


def pytest_configure(config):
    root = os.path.realpath(config.getoption("--submission"))
    sys.path.insert(0, root)
    config.submission_root = root


@pytest.fixture(scope="session")
def submission(request):
    return request.config.submission_root


@pytest.fixture(scope="session")
def case(request):
    fixtures = request.config.getoption("--fixtures-dir")

    def load(pack, check, name):
        return benchlib.load_case(fixtures, pack, check, name)

    return load
