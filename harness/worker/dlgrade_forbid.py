"""The library policy: modules and functions a pack forbids (`forbid:` in assignment.yaml), found
where the student's code uses them while a check runs, and by a scan of the hand-in's files.

What counts, and why:
- Only code from the submission's files is judged (and code it runs through exec or eval, which
  acts for the frame that called it). numpy inside the driver, the probes and the libraries'
  own code never trip the policy, whatever they import or call.
- A use during a check fails that check: a call of a forbidden function, anything taken from a
  forbidden module (torch.tensor, sg.correlate2d) or an import of one, from the student's code
  running for the check. It raises Forbidden into that code (a BaseException, so `except
  Exception` does not hide it), and the driver reports it with the place, whatever the code
  then does.
- A use while a module is being imported (`import torch` at the top of a file, a forbidden
  function bound to a name there) fails nothing: it is reported as a note. What was bound there
  still fails the check that calls it.

How: a finder first on sys.meta_path and an audit hook on `import` (whoever imports, by
statement, __import__, importlib or exec), then the guard: each forbidden module, its submodules
and each parent of a forbidden function gets a module class whose attribute lookup hands the
student's code a recording wrapper instead of a forbidden function, so aliases (`import
scipy.signal as s`, `from scipy import signal as sg`) and names bound before the check started
are caught where they are called. Lookups by anyone else cost one frame test; modules nobody
forbids are untouched.

This runs in the student's process: code that sets out to dismantle it can (the static scan
still lists what it imports). It can only turn a pass into a failure, never the reverse.
"""
import ast
import json
import os
import sys
import types

_ModuleType = types.ModuleType
_module_getattribute = types.ModuleType.__getattribute__
_getframe = sys._getframe
_IMPORTLIB = os.path.dirname(os.path.abspath(__import__("importlib").__file__)) + os.sep

_POLICY = None


class Forbidden(BaseException):
    """Raised into the student's code at a use the assignment does not allow."""


def _guarded_getattribute(module, name):
    value = _module_getattribute(module, name)
    if name[:2] == "__" or _POLICY is None:
        return value
    frame = _acting(_getframe(1))
    if frame is None or not _POLICY.is_student(frame.f_code):
        return value
    return _POLICY.taken(module, name, value, frame)


class _Guarded(_ModuleType):
    __getattribute__ = _guarded_getattribute
    _dlgrade_guarded = True


def _acting(frame):
    """The frame a lookup or import acts for: code with no file of its own (exec'd strings,
    importlib's frozen frames) and importlib's package act for whoever called them."""
    while frame is not None:
        name = frame.f_code.co_filename
        if name[:1] != "<" and not name.startswith(_IMPORTLIB):
            return frame
        frame = frame.f_back
    return None


class Policy:
    def __init__(self, root, names):
        self.root = os.path.realpath(root) + os.sep
        self.names = frozenset(names)
        self.prefixes = tuple(n + "." for n in sorted(self.names))
        # parent module -> {attribute: forbidden name}: a forbidden function, or a forbidden module
        # as its parent's attribute (which the lookup leaves to that module's own guard).
        self.functions = {}
        for n in self.names:
            parent, _, attr = n.rpartition(".")
            if parent:
                self.functions.setdefault(parent, {})[attr] = n
        self.watch = frozenset(self.names | set(self.functions))
        # Forbidden functions whose defining module (scipy.special._logsumexp for
        # scipy.special.softmax) is not yet known: guarded there too once their parent loads.
        self.unresolved = {n for n in self.names if "." in n and self.forbidden(n.rpartition(".")[0]) is None}
        self.defining = set()
        self.pending = set()
        self.active = frozenset()
        self.note_all = False
        self.calls = []
        self.notes = []
        self._seen = set()
        self._wrappers = {}
        self._classes = {}
        self._student = {}

    # --- which code is the student's ------------------------------------------------------------

    def is_student(self, code):
        known = self._student.get(code)
        if known is None:
            known = self._student[code] = code.co_filename.startswith(self.root)
        return known

    def student_frame(self, frame):
        """The nearest frame of the submission's code, from `frame` outwards."""
        while frame is not None:
            if self.is_student(frame.f_code):
                return frame
            frame = frame.f_back
        return None

    @staticmethod
    def importing(frame):
        """Whether `frame` runs as part of an import (a module's body, or what it calls)."""
        frame = frame.f_back
        while frame is not None:
            if frame.f_code.co_filename.startswith("<frozen importlib"):
                return True
            frame = frame.f_back
        return False

    def forbidden(self, module_name):
        """The forbidden name a module falls under, or None."""
        if module_name in self.names:
            return module_name
        if module_name.startswith(self.prefixes):
            for p in self.prefixes:
                if module_name.startswith(p):
                    return p[:-1]
        return None

    # --- what happens at a use --------------------------------------------------------------------

    def place(self, frame):
        return "%s:%d" % (os.path.relpath(frame.f_code.co_filename, self.root).replace(os.sep, "/"), frame.f_lineno)

    def used(self, verb, what, rule, frame, site=None):
        """A use of `what` (falling under the forbidden `rule`) by the student's `frame` (None: by
        a probe calling what the student bound at `site`)."""
        during_import = frame is not None and self.importing(frame)
        where = self.place(frame) if frame is not None else site
        if rule in self.active and not during_import:
            caller = getattr(frame.f_code, "co_qualname", frame.f_code.co_name) if frame is not None else None
            key = (verb, what, where)
            if key not in self._seen:
                self._seen.add(key)
                self.calls.append({"verb": verb, "name": what, "caller": caller, "where": where})
            raise Forbidden("%s %s %s, which this assignment does not allow, at %s" % (caller or "the code", verb, what, where))
        if during_import or self.note_all:
            self.notes.append({"verb": {"called": "calls", "imported": "imports", "used": "uses"}[verb], "name": what, "where": where})

    def taken(self, module, name, value, frame):
        """The student's code looked up `name` in a guarded module."""
        if isinstance(value, _ModuleType):
            return value  # its own guard judges what is taken from it
        module_name = _module_getattribute(module, "__name__")
        rule = self.forbidden(module_name)
        what = module_name + "." + name
        if rule is None:
            rule = self.functions.get(module_name, {}).get(name)
            if rule is None:
                return value
        if callable(value) and not isinstance(value, type):
            return self.wrapper(value, what, rule, self.place(frame))
        # A class or a constant: taking it is the use.
        self.used("used", what, rule, frame)
        return value

    def wrapper(self, fn, what, rule, site):
        key = (id(fn), what)
        known = self._wrappers.get(key)
        if known is not None and known[0] is fn:
            return known[1]
        policy = self

        def guarded(*args, **kwargs):
            policy.used("called", what, rule, policy.student_frame(_getframe(1)), site)
            return fn(*args, **kwargs)

        for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
            try:
                setattr(guarded, attr, getattr(fn, attr))
            except Exception:  # noqa: BLE001 - a builtin without one
                pass
        guarded.__wrapped__ = fn
        self._wrappers[key] = (fn, guarded)
        return guarded

    def imported(self, name):
        rule = self.forbidden(name)
        if rule is None:
            return
        frame = _acting(_getframe(2))
        if frame is not None and self.is_student(frame.f_code):
            self.used("imported", name, rule, frame)

    # --- guarding modules as they load --------------------------------------------------------------

    def announce(self, name):
        if name in self.watch or name in self.defining or name.startswith(self.prefixes):
            self.pending.add(name)

    def resolve(self):
        modules = sys.modules
        for n in list(self.unresolved):
            parent, _, attr = n.rpartition(".")
            m = modules.get(parent)
            if m is None:
                continue
            try:
                fn = _module_getattribute(m, attr)
            except Exception:  # noqa: BLE001 - not defined yet (the parent is still loading)
                continue
            self.unresolved.discard(n)
            home = getattr(fn, "__module__", None)
            if isinstance(fn, _ModuleType) or type(home) is not str or home == parent:
                continue
            self.functions.setdefault(home, {})[getattr(fn, "__name__", attr)] = n
            self.defining.add(home)
            self.pending.add(home)

    def sweep(self):
        if self.unresolved:
            self.resolve()
        modules = sys.modules
        for name in list(self.pending):
            m = modules.get(name)
            if m is not None:
                self.pending.discard(name)
                self.guard(m)

    def guard(self, m):
        cls = type(m)
        if not isinstance(m, _ModuleType) or getattr(cls, "_dlgrade_guarded", False):
            return
        if cls is _ModuleType:
            new = _Guarded
        else:
            new = self._classes.get(cls)
            if new is None:
                new = self._classes[cls] = type(cls.__name__, (cls,), {"__getattribute__": _guarded_getattribute, "_dlgrade_guarded": True})
        try:
            m.__class__ = new
        except TypeError:
            pass

    # --- per request ------------------------------------------------------------------------------

    def begin(self, names, note_all=False):
        """A request starts: `names` are enforced; with note_all (a notebook executed top to
        bottom, which is all top level) every use is a note."""
        self.sweep()
        self.note_all = note_all
        self.active = frozenset(n for n in names if n in self.names)
        self._seen = set()

    def end(self):
        self.active = frozenset()
        self.note_all = False
        calls, notes = self.calls, self.notes
        self.calls, self.notes = [], []
        return calls[:16], notes[:32]


class _Finder:
    """First on sys.meta_path: told of every module about to be loaded, however it is imported."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        p = _POLICY
        if p is not None and _isinstance_str(name):
            p.announce(name)
            p.imported(name)
        return None


def _isinstance_str(v):
    return type(v) is str


def _hook(event, args):
    p = _POLICY
    if p is None:
        return
    if event == "import":
        if _Finder not in sys.meta_path:
            sys.meta_path.insert(0, _Finder)  # taken out by the student's code: back in front
        name = args[0]
        if type(name) is str:
            p.announce(name)
        if p.pending or p.unresolved:
            p.sweep()
    elif event == "exec" and (p.pending or p.unresolved):
        p.sweep()


def install(root, names):
    """Guards from now on (before any of the student's code runs)."""
    global _POLICY
    _POLICY = Policy(root, names)
    for name, m in list(sys.modules.items()):
        if name in _POLICY.watch or name.startswith(_POLICY.prefixes):
            _POLICY.guard(m)
    sys.meta_path.insert(0, _Finder)
    sys.addaudithook(_hook)
    return _POLICY


# ---------------------------------------------------------------------------------------------
# The static scan: what the hand-in's files import, read with ast (nothing of it runs).

SKIP_DIRS = {".git", "__pycache__", "node_modules", "site-packages", ".venv", "venv", "env", ".ipynb_checkpoints"}
MAX_FILES = 400
MAX_BYTES = 1 << 20


def scan(root, names):
    """[{file, line, verb, name}] for every forbidden import or use the hand-in's .py and .ipynb
    files spell out (an alias resolved; a name built at run time is the runtime guard's)."""
    policy = Policy(root, names)
    found = []
    files = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for f in sorted(filenames):
            if not (f.endswith(".py") or f.endswith(".ipynb")):
                continue
            files += 1
            if files > MAX_FILES:
                return found
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            try:
                if os.path.getsize(path) > MAX_BYTES:
                    continue
                with open(path, encoding="utf-8", errors="replace") as fh:
                    text = fh.read()
            except OSError:
                continue
            for label, source in _sources(rel, text):
                for line, verb, name in _scan_source(source, policy):
                    found.append({"file": label, "line": line, "verb": verb, "name": name})
    return found


def _sources(rel, text):
    if not rel.endswith(".ipynb"):
        return [(rel, text)]
    try:
        cells = json.loads(text).get("cells", [])
    except (ValueError, AttributeError):
        return []
    out = []
    # Cells count from 1, markdown too, and are named as the notebook's compiled cells are
    # ("<file>#cell<N>", dlgrade_notebook.py), so the scan and the runtime guard name one place alike.
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        # Shell and magic lines are not Python: blank them, keeping the line numbers.
        src = "\n".join("" if l.lstrip().startswith(("!", "%")) else l for l in src.split("\n"))
        out.append(("%s#cell%d" % (rel, number), src))
    return out


def _scan_source(source, policy):
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    hits = []
    aliases = {}  # local name -> the module or attribute it stands for

    def judge(line, verb, full):
        rule = policy.forbidden(full)
        if rule is None:
            parent, _, attr = full.rpartition(".")
            rule = policy.functions.get(parent, {}).get(attr)
        if rule is not None:
            hits.append((line, verb, full))
        return rule is not None

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                judge(node.lineno, "imports", a.name)
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                full = node.module + "." + a.name
                # Worded as the runtime guard words it: the module when the whole module is forbidden.
                judge(node.lineno, "imports", node.module if policy.forbidden(node.module) else full)
                aliases[a.asname or a.name] = full
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            f = node.func
            fname = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            if fname in ("__import__", "import_module"):
                judge(node.lineno, "imports", node.args[0].value)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Store):
            chain = []
            cur = node
            while isinstance(cur, ast.Attribute):
                chain.append(cur.attr)
                cur = cur.value
            if isinstance(cur, ast.Name) and cur.id in aliases:
                full = ".".join([aliases[cur.id]] + chain[::-1])
                parent, _, attr = full.rpartition(".")
                if policy.functions.get(parent, {}).get(attr) is not None and policy.forbidden(parent) is None:
                    hits.append((node.lineno, "uses", full))
    return sorted(set(hits))
