"""Notebooks. A notebook is graded from what it defines, never by running it top to bottom: the
cells that train for an hour, plot, download data or call the shell are what a grader must not
run. The filter works on the syntax tree of each code cell and keeps, in order:
  - imports (but not of plotting or notebook-display modules, and not __future__ imports);
  - def, async def and class statements (their bodies run only when a probe calls them;
    decorators, default values and class bodies do run, within the check's time limit);
  - assignments whose value is a constant expression: literals and containers of them,
    arithmetic, comparisons, names the filter has kept, lambdas, comprehensions over constant
    iterables, and calls of side-effect-free functions (numpy and math outside file I/O, the
    standard library's random, safe builtins such as range, zip, len) or of methods of values
    kept so far -- so `weights = [np.random.normal(size=(a, b)) for a, b in zip(s, s[1:])]`
    stays and `X = np.load("mnist.npz")` or `model = train()` go;
  - calls of that kind as statements (np.random.seed(0), weights.append(np.zeros(3)));
  - for loops over a constant iterable, and if statements with a constant test, whose every
    statement is one of the above (the loop that fills `weights` layer by layer).
Everything else is skipped and reported: while loops, other loops and calls (training,
plotting, printing), with/try blocks, and `!shell`, `%magic` and `%%cell magic` lines.
A name assigned only by skipped code is remembered, so a NameError can say where it was.

Part of the worker (driver.py imports it before any student code can shadow its name); like
the driver, it runs on the student's side of the line and decides no verdict.
"""
import ast
import fnmatch
import importlib.util
import json
import linecache
import os
import re
import sys
import types


DISPLAY_MODULES = {"matplotlib", "seaborn", "plotly", "IPython", "ipywidgets", "google", "bokeh", "pylab"}
# Modules whose functions compute without side effects, with the exceptions that read or write
# files or fetch data.
PURE_MODULES = {
    "numpy": {"load", "loadtxt", "genfromtxt", "fromfile", "fromregex", "save", "savez",
              "savez_compressed", "savetxt", "memmap", "DataSource", "lib", "ctypeslib", "testing"},
    "math": set(), "cmath": set(), "random": set(), "itertools": set(), "functools": set(),
    "operator": set(), "string": set(), "collections": set(), "fractions": set(), "decimal": set(),
}
SAFE_BUILTINS = {"abs", "all", "any", "bool", "complex", "dict", "divmod", "enumerate", "float",
                 "frozenset", "int", "len", "list", "map", "max", "min", "pow", "range",
                 "reversed", "round", "set", "slice", "sorted", "str", "sum", "tuple", "zip",
                 "filter", "isinstance", "type", "object", "Exception", "ValueError"}

_notebook = {"skipped_names": {}}


class NotebookFilter(object):
    """Decides, statement by statement, what of a notebook is safe to run at import."""

    def __init__(self):
        self.constants = set()   # names bound by kept assignments, loops and comprehensions
        self.defined = set()     # names bound by kept def/class statements and imports
        self.pure = {}           # alias -> dotted name, for names bound to pure modules/functions

    # -- expressions --

    def dotted(self, node):
        """'np.random.normal' for an attribute chain rooted at a name, else None."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(node.id)
        return ".".join(reversed(parts))

    def pure_callable(self, func):
        name = self.dotted(func)
        if name is None:
            return False
        root, _, rest = name.partition(".")
        if not rest and root in SAFE_BUILTINS and root not in self.constants | self.defined:
            return True
        if root in self.pure:
            full = (self.pure[root] + ("." + rest if rest else "")).split(".")
            denied = PURE_MODULES.get(full[0], None)
            return denied is not None and not (set(full[1:]) & denied)
        # A method of a value the filter kept (weights.append, sizes.copy): no user code runs.
        return root in self.constants and bool(rest)

    def constant(self, node, local=frozenset()):
        c = lambda n: self.constant(n, local)  # noqa: E731
        if node is None or isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name):
            return (node.id in local or node.id in self.constants or node.id in self.defined
                    or node.id in self.pure or node.id in SAFE_BUILTINS)
        if isinstance(node, ast.Attribute):
            return c(node.value)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return all(c(e) for e in node.elts)
        if isinstance(node, ast.Dict):
            return all(c(k) for k in node.keys if k is not None) and all(c(v) for v in node.values)
        if isinstance(node, ast.UnaryOp):
            return c(node.operand)
        if isinstance(node, ast.BinOp):
            return c(node.left) and c(node.right)
        if isinstance(node, ast.BoolOp):
            return all(c(v) for v in node.values)
        if isinstance(node, ast.Compare):
            return c(node.left) and all(c(v) for v in node.comparators)
        if isinstance(node, ast.IfExp):
            return c(node.test) and c(node.body) and c(node.orelse)
        if isinstance(node, ast.Subscript):
            return c(node.value) and c(node.slice)
        if isinstance(node, ast.Slice):
            return c(node.lower) and c(node.upper) and c(node.step)
        if isinstance(node, ast.Starred):
            return c(node.value)
        if isinstance(node, ast.JoinedStr):
            return all(c(v) for v in node.values)
        if isinstance(node, ast.FormattedValue):
            return c(node.value) and c(node.format_spec)
        if isinstance(node, ast.Lambda):
            # A function written as an expression: its body runs only when called.
            a = node.args
            return all(c(d) for d in a.defaults + [d for d in a.kw_defaults if d is not None])
        if isinstance(node, ast.Call):
            return (self.pure_callable(node.func) and all(c(a) for a in node.args)
                    and all(c(k.value) for k in node.keywords))
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            bound = set(local)
            for gen in node.generators:
                if gen.is_async or not self.constant(gen.iter, frozenset(bound)):
                    return False
                bound |= set(target_names(gen.target))
                if not all(self.constant(i, frozenset(bound)) for i in gen.ifs):
                    return False
            inner = frozenset(bound)
            if isinstance(node, ast.DictComp):
                return self.constant(node.key, inner) and self.constant(node.value, inner)
            return self.constant(node.elt, inner)
        return False

    def target_ok(self, target, local=frozenset()):
        if isinstance(target, ast.Name):
            return True
        if isinstance(target, (ast.Tuple, ast.List)):
            return all(self.target_ok(t, local) for t in target.elts)
        if isinstance(target, ast.Starred):
            return self.target_ok(target.value, local)
        if isinstance(target, (ast.Subscript, ast.Attribute)):
            root = target
            while isinstance(root, (ast.Subscript, ast.Attribute)):
                root = root.value
            return (isinstance(root, ast.Name) and (root.id in self.constants or root.id in local)
                    and self.constant(target, local))
        return False

    # -- statements --

    def why_not(self, node, local=frozenset()):
        """None when the statement is kept (and its names are recorded), else why it is not."""
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module == "__future__":
                return ""  # dropped silently: every Python 3 has these features
            roots = [module.split(".")[0]] if module else [a.name.split(".")[0] for a in node.names]
            if any(r in DISPLAY_MODULES for r in roots) or (node.level if isinstance(node, ast.ImportFrom) else 0):
                return "imports a plotting or notebook-display module" if not getattr(node, "level", 0) else "a relative import"
            for a in node.names:
                bound = (a.asname or a.name.split(".")[0]) if isinstance(node, ast.Import) else (a.asname or a.name)
                if a.name == "*":
                    continue
                full = (module + "." + a.name) if module else (a.name if a.asname else a.name.split(".")[0])
                if full.split(".")[0] in PURE_MODULES:
                    self.pure[bound] = full
                else:
                    self.defined.add(bound)
            return None
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.defined.add(node.name)
            return None
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if isinstance(node, ast.AugAssign) and not self.constant(node.target, local):
                return "updates a value the grader does not have"
            if node.value is not None and not self.constant(node.value, local):
                return "its value needs code to run (a call, or a name set by skipped code)"
            if not all(self.target_ok(t, local) for t in targets):
                return "assigns into a value the grader does not have"
            for t in targets:
                self.constants.update(target_names(t))
            return None
        if isinstance(node, ast.Expr):
            if isinstance(node.value, ast.Constant):
                return ""  # a docstring or a bare value: nothing to run
            if isinstance(node.value, ast.Call) and self.constant(node.value, local):
                return None
            return "a call at top level"
        if isinstance(node, ast.For):
            if node.orelse or isinstance(node, ast.AsyncFor) or not self.constant(node.iter, local):
                return "a loop at top level (training?)"
            inner = frozenset(set(local) | set(target_names(node.target)))
            if all(self.why_not(b, inner) is None for b in node.body):
                return None
            return "a loop at top level (training?)"
        if isinstance(node, ast.If):
            if self.constant(node.test, local) and all(self.why_not(b, local) is None for b in node.body + node.orelse):
                return None
            return "a conditional that runs code at top level"
        if isinstance(node, (ast.While, ast.AsyncFor)):
            return "a loop at top level (training?)"
        if isinstance(node, (ast.With, ast.AsyncWith)):
            return "a with block at top level"
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            return "a try block at top level"
        if isinstance(node, ast.Pass):
            return None
        return "%s at top level" % type(node).__name__.lower()


def target_names(node):
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [n for t in node.elts for n in target_names(t)]
    if isinstance(node, ast.Starred):
        return target_names(node.value)
    return []


def assigned_names(node):
    """Names a statement binds at top level, to explain a later NameError."""
    if isinstance(node, (ast.Assign,)):
        return [n for t in node.targets for n in target_names(t)]
    if isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For)):
        names = target_names(node.target)
        if isinstance(node, ast.For):
            names += [n for b in node.body for n in assigned_names(b)]
        return names
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    if isinstance(node, (ast.If, ast.While, ast.With, ast.Try)):
        body = list(node.body) + list(getattr(node, "orelse", [])) + list(getattr(node, "finalbody", []))
        for h in getattr(node, "handlers", []):
            body += h.body
        return [n for b in body for n in assigned_names(b)]
    return []


# `!cmd`, `%magic`, `files = !ls`; and IPython's help lines, `np.sum?` and `??np.sum`.
_SHELL = re.compile(r"^(\s*)(?:[A-Za-z_][\w, ]*=\s*)?([!%])")
_HELP = re.compile(r"^(\s*)(\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")


def cell_source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def extract_notebook(text, where):
    """(cells to run as [(number, source, kept nodes)], skipped as [{cell, line, text, why}],
    names bound only by skipped code). `number` counts every cell from 1, markdown too, which is
    the position a student sees."""
    try:
        nb = json.loads(text)
    except ValueError as e:
        raise ValueError("%s is not a notebook (not JSON: %s)" % (where, e))
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("%s is not a notebook of format 4 (it has no list of cells)" % where)
    flt = NotebookFilter()
    kept_cells, skipped, skipped_names = [], [], {}

    def skip(number, line, text, why, names=()):
        record = {"cell": number, "line": line, "text": text.strip()[:80], "why": why}
        skipped.append(record)
        for n in names:
            if n not in flt.constants and n not in flt.defined and n not in flt.pure:
                skipped_names.setdefault(n, record)

    for number, cell in enumerate(nb["cells"], 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell_source(cell)
        lines = source.split("\n")
        first = next((l for l in lines if l.strip()), "")
        if not first:
            continue
        if first.lstrip().startswith("%%"):
            skip(number, 1, first, "a cell magic (%s)" % first.split()[0])
            continue
        clean = []
        for i, line in enumerate(lines, 1):
            m = _SHELL.match(line) or _HELP.match(line)
            if m:
                # Keep the line count (tracebacks quote the notebook's own line numbers) and a
                # statement in its place, so the block around it still parses.
                what = {"!": "a shell command", "%": "an IPython magic"}.get(m.group(2), "an IPython help line")
                skip(number, i, line, what)
                clean.append(m.group(1) + "pass")
            else:
                clean.append(line)
        code = "\n".join(clean)
        try:
            tree = ast.parse(code)
        except SyntaxError as e:
            # What the cell would have defined, read off its lines, so a NameError can point here.
            names = re.findall(r"^(?:def|class)\s+(\w+)|^(\w+)\s*=[^=]", code, re.M)
            skip(number, e.lineno or 1, (lines[(e.lineno or 1) - 1] if e.lineno and e.lineno <= len(lines) else first),
                 "does not parse: %s (line %s)" % (e.msg, e.lineno), [a or b for a, b in names])
            continue
        kept = []
        for node in tree.body:
            why = flt.why_not(node)
            if why is None:
                kept.append(node)
            elif why:
                skip(number, node.lineno, clean[node.lineno - 1], why, assigned_names(node))
        if kept:
            kept_cells.append((number, code, kept))
    skipped.sort(key=lambda r: (r["cell"], r["line"]))
    for n in list(skipped_names):
        if n in flt.constants or n in flt.defined or n in flt.pure:
            del skipped_names[n]
    return kept_cells, skipped, skipped_names


class NotebookLoader:  # a meta path finder and loader; not importlib.abc's, whose import costs every worker
    """Makes `import <module>` run the kept parts of the notebook, cell by cell, as one module.
    Each cell compiles under the name '<notebook>#cell<N>', so a traceback points at the cell
    and the line a student sees."""

    def __init__(self, name, path, cells, problem=None):
        self.name, self.path, self.cells, self.problem = name, path, cells, problem

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=self.path)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        if self.problem:
            raise ImportError(self.problem)
        module.__file__ = self.path
        for number, code, nodes in self.cells:
            filename = "%s#cell%d" % (self.path, number)
            linecache.cache[filename] = (len(code), None, [l + "\n" for l in code.split("\n")], filename)
            for node in nodes:
                unit = compile(ast.Module(body=[node], type_ignores=[]), filename, "exec")
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    exec(unit, module.__dict__)
                    continue
                try:
                    exec(unit, module.__dict__)
                except ModuleNotFoundError as e:
                    # Notebooks import what only their skipped cells use (a data loader, a
                    # progress bar): a module the grader's Python lacks fails only the code
                    # that uses it, with a NameError that says why.
                    record = {"cell": number, "line": node.lineno, "why": "its import failed (%s)" % e}
                    for name in assigned_names(node):
                        _notebook["skipped_names"].setdefault(name, record)


def find_notebook(root, patterns):
    """The notebook the patterns pick (the first pattern matching exactly one), or why none."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        found += [os.path.relpath(os.path.join(dirpath, f), root) for f in filenames if f.endswith(".ipynb")]
    for pattern in patterns:
        hits = sorted(f for f in found if fnmatch.fnmatch(f, pattern))
        if len(hits) == 1:
            return hits[0], None
        if len(hits) > 1:
            return None, "several notebooks match %s: %s (hand in one)" % (pattern, ", ".join(hits))
    return None, "no notebook matching %s in the submission" % " or ".join(patterns)


def install_notebook(root, module, patterns):
    report = {"module": module, "file": None, "skipped": [], "kept_cells": []}
    rel, problem = find_notebook(root, patterns)
    if rel is None:
        if os.path.exists(os.path.join(root, module + ".py")):
            return report  # a plain module: imported as usual
        report["error"] = problem
        sys.meta_path.insert(0, NotebookLoader(module, None, [], problem + " (nor a %s.py)" % module))
        return report
    path = os.path.join(root, rel)
    report["file"] = rel
    try:
        with open(path, encoding="utf-8") as f:
            cells, skipped, names = extract_notebook(f.read(), rel)
    except (OSError, ValueError) as e:
        report["error"] = str(e)
        sys.meta_path.insert(0, NotebookLoader(module, path, [], str(e)))
        return report
    report["skipped"] = skipped
    report["kept_cells"] = [number for number, _, _ in cells]
    _notebook.update(skipped_names=names, file=rel, module=module)
    sys.meta_path.insert(0, NotebookLoader(module, path, cells))
    return report


def skipped_name_hint(e):
    """Why a name the notebook seems to define is missing: the cell that sets it was skipped."""
    if isinstance(e, NameError):
        m = re.search(r"name '([^']+)' is not defined", str(e))
    else:  # only `module 'mnist_mlp' has no attribute 'x'`, for the notebook's own module
        m = re.search(r"^module '%s' has no attribute '([^']+)'" % re.escape(_notebook.get("module") or "\0"), str(e))
    record = _notebook["skipped_names"].get(m.group(1)) if m else None
    if not record:
        return ""
    name, where = m.group(1), _notebook.get("file")
    if record["why"].startswith("its import failed"):
        return " (in %s, `%s` comes from cell %d, line %d: %s)" % (where, name, record["cell"], record["line"], record["why"])
    if record["why"].startswith("does not parse"):
        return " (in %s, `%s` is defined in cell %d, which the grader skipped because it %s)" % (
            where, name, record["cell"], record["why"])
    return (" (in %s, `%s` is only set by cell %d, line %d, which the grader skipped: %s; graded code may"
            " rely only on imports, functions, classes and constant assignments)"
            % (_notebook.get("file"), name, record["cell"], record["line"], record["why"]))


# ---------------------------------------------------------------------------------------------
# Execution mode (a pack's `notebook: { execute: true }`): the notebook runs top to bottom in the
# sandbox, within its time budget, as a homework whose answers are computed at top level (a
# solver loop that leaves its result in a global) must be. A cell that fails is reported and the
# rest go on. Values of a shape the pack names are recorded after each cell, so that a global
# reassigned per data set (`solution`) can still be read for each.

_executed = {"cells": [], "history": [], "path": None, "rel": None, "module": None, "shape": None}


def prepare_execution(root, module, patterns, shape):
    """Find the notebook and read its cells; nothing of it runs until execute_notebook."""
    report = {"module": module, "file": None, "skipped": [], "kept_cells": [], "execute": True}
    rel, problem = find_notebook(root, patterns)
    if rel is None:
        report["error"] = problem
        return report
    path = os.path.join(root, rel)
    try:
        with open(path, encoding="utf-8") as f:
            nb = json.loads(f.read())
        cells = nb["cells"]
        if not isinstance(cells, list):
            raise ValueError("it has no list of cells")
    except (OSError, ValueError, KeyError, TypeError) as e:
        report["error"] = "%s is not a notebook the grader can read (%s)" % (rel, e)
        return report
    runnable = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        lines = cell_source(cell).split("\n")
        first = next((l for l in lines if l.strip()), "")
        if not first:
            continue
        if first.lstrip().startswith("%%"):
            report["skipped"].append({"cell": number, "line": 1, "text": first.strip()[:80], "why": "a cell magic (%s)" % first.split()[0]})
            continue
        clean = []
        for i, line in enumerate(lines, 1):
            m = _SHELL.match(line) or _HELP.match(line)
            if m:
                what = {"!": "a shell command", "%": "an IPython magic"}.get(m.group(2), "an IPython help line")
                report["skipped"].append({"cell": number, "line": i, "text": line.strip()[:80], "why": what})
                clean.append(m.group(1) + "pass")
            else:
                clean.append(line)
        runnable.append((number, "\n".join(clean)))
    report["file"] = rel
    report["kept_cells"] = [n for n, _ in runnable]
    _executed.update(cells=runnable, path=path, rel=rel, module=module, shape=tuple(shape) if shape else None)
    return report


def _record(namespace, number):
    """Arrays of the recorded shape that are new or changed since the last cell."""
    shape = _executed["shape"]
    if shape is None:
        return
    import numpy as np

    last = {}
    for _, name, value in _executed["history"]:
        last[name] = value
    for name, value in list(namespace.items()):
        if name.startswith("_") or isinstance(value, type(sys)):
            continue
        try:
            array = np.asarray(value, dtype=np.float64)
        except Exception:  # noqa: BLE001 - not numbers: not a recorded value
            continue
        if array.shape != shape or not np.all(np.isfinite(array)):
            continue
        if name in last and np.array_equal(last[name], array):
            continue
        _executed["history"].append((number, name, array.copy()))


def execute_notebook(progress, describe):
    """Run every code cell in order as the notebook's module; one entry per cell, failures with
    the student's error. `progress(cell, first line)` is called before each cell."""
    path, module = _executed["path"], _executed["module"]
    mod = types.ModuleType(module)
    mod.__file__ = path
    sys.modules[module] = mod
    results = []
    for number, code in _executed["cells"]:
        progress(number, next((l for l in code.split("\n") if l.strip()), "").strip()[:80])
        filename = "%s#cell%d" % (path, number)
        linecache.cache[filename] = (len(code), None, [l + "\n" for l in code.split("\n")], filename)
        try:
            exec(compile(code, filename, "exec"), mod.__dict__)
            results.append({"cell": number, "ok": True})
        except BaseException as e:  # noqa: BLE001 - a cell's failure is the student's, and the next cell runs
            if isinstance(e, KeyboardInterrupt):
                raise
            results.append({"cell": number, "ok": False, "error": describe(e)})
        _record(mod.__dict__, number)
    return {"cells": results}


def recorded():
    """What execution recorded: [(cell, name, array)], in the order the values appeared."""
    return list(_executed["history"])
