"""Names that numpy removed, restored for packs whose course pinned an older numpy.

Student code written for numpy 1.19-1.23 uses `np.float`, `np.int` and friends (removed in 1.24);
code written for 1.x uses `np.NaN`, `np.product`, `np.float_` and friends (removed in 2.0). A
course that pinned such a numpy graded that code as correct, so a pack may ask for these names
back (`python.legacy_numpy_names: true`). Only missing names are added, each bound to what it
meant then; nothing that exists is changed."""


def install():
    import builtins

    import numpy as np

    aliases = {
        # removed in numpy 1.24 (deprecated since 1.20): they were the Python builtins
        "bool": builtins.bool, "int": builtins.int, "float": builtins.float, "complex": builtins.complex,
        "object": builtins.object, "str": builtins.str, "long": builtins.int, "unicode": builtins.str,
        # removed in numpy 2.0
        "NaN": np.nan, "NAN": np.nan, "Inf": np.inf, "Infinity": np.inf, "infty": np.inf,
        "PINF": np.inf, "NINF": -np.inf, "PZERO": 0.0, "NZERO": -0.0,
        "float_": np.float64, "complex_": np.complex128, "cfloat": np.complex128,
        "longfloat": np.longdouble, "singlecomplex": np.complex64, "clongfloat": np.clongdouble,
        "longcomplex": np.clongdouble, "string_": np.bytes_, "unicode_": np.str_,
        "product": np.prod, "cumproduct": np.cumprod, "alltrue": np.all, "sometrue": np.any,
        "round_": np.round,
    }
    added = []
    for name, value in aliases.items():
        if name not in np.__dict__:
            setattr(np, name, value)
            added.append(name)
    if "asfarray" not in np.__dict__:
        np.asfarray = lambda a, dtype=np.float64: np.asarray(a, dtype=dtype if np.dtype(dtype).kind == "f" else np.float64)
        added.append("asfarray")
    return added
