"""Prints, as JSON, what this interpreter offers: its version and the versions of the modules
named on the command line (null when a module does not import, with the reason), and the files
whose change could change that answer (the grader remembers the answer while they are unchanged)."""
import importlib
import json
import os
import platform
import sys

mods = {}
problems = {}
files = [sys.executable, os.path.realpath(sys.executable)]
for name in sys.argv[1:]:
    try:
        m = importlib.import_module(name)
        mods[name] = str(getattr(m, "__version__", "0"))
        where = getattr(m, "__file__", None)
        if where:
            files += [where, os.path.dirname(where)]
    except Exception as e:  # noqa: BLE001
        mods[name] = None
        problems[name] = "%s: %s" % (type(e).__name__, e)
# A folder's time changes when a package is installed into it or removed from it.
files += [p for p in sys.path if p and os.path.isdir(p)]
files.append(os.path.join(sys.prefix, "pyvenv.cfg"))
print(json.dumps({"executable": sys.executable, "python": platform.python_version(),
                  "platform": platform.platform(), "modules": mods, "problems": problems,
                  "files": files}))
