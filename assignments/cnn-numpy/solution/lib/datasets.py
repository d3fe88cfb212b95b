from __future__ import print_function

import numpy as np


def load_npz_dataset(path):
    """
    Load a classification data set stored as one .npz file.

    The file holds the arrays X_train, y_train, X_val, y_val and, optionally,
    X_test, y_test. The result is the dict train_net expects:
        {"data_train": (X, y), "data_val": (X, y), "data_test": (X, y)}
    Inputs are returned as float64 and labels as int64.
    """
    data = {}
    with np.load(path) as f:
        for split in ("train", "val", "test"):
            x_key, y_key = "X_" + split, "y_" + split
            if x_key not in f or y_key not in f:
                continue
            data["data_" + split] = (f[x_key].astype(np.float64), f[y_key].astype(np.int64))
    for split in ("data_train", "data_val"):
        if split not in data:
            raise ValueError("{} has no {} split".format(path, split[len("data_"):]))
    return data
