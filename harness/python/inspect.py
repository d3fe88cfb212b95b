"""Prints, as JSON, what this interpreter offers: its version and the versions of the modules
named on the command line (null when a module does not import, with the reason)."""
import importlib
import json
import platform
import sys

mods = {}
problems = {}
for name in sys.argv[1:]:
    try:
        m = importlib.import_module(name)
        mods[name] = str(getattr(m, "__version__", "0"))
    except Exception as e:  # noqa: BLE001
        mods[name] = None
        problems[name] = "%s: %s" % (type(e).__name__, e)
print(json.dumps({"executable": sys.executable, "python": platform.python_version(),
                  "platform": platform.platform(), "modules": mods, "problems": problems}))
