"""Oracle: what fence-agents' fencing.py reads from stdin.

Usage: fencing-stdin.py SPEC < input
SPEC is JSON: [{"name": ours, "key": fencing.py's option key, "longopt": ..., "boolean": bool}].
Options fencing.py already declares keep its own declaration (as in an agent's
device_opt); the others are added to all_opt the way an agent's
define_new_opts() adds its own. Prints JSON: {"values": {ours: value}, "warnings": [...]}.
"""
import json
import logging
import sys

sys.path.insert(0, "/usr/share/fence")
import fencing  # noqa: E402

spec = json.loads(sys.argv[1])
avail = []
ours_by_longopt = {}
for p in spec:
    key = p["key"]
    if key not in fencing.all_opt:
        fencing.all_opt[key] = {
            "getopt": "" if p["boolean"] else ":",
            "longopt": p["longopt"],
            "help": "",
            "required": "0",
            "order": 1,
        }
    avail.append(key)
    ours_by_longopt["--" + fencing.all_opt[key]["longopt"]] = p["name"]

warnings = []


class Collect(logging.Handler):
    def emit(self, record):
        warnings.append(record.getMessage().strip())


logging.getLogger().addHandler(Collect())
opt = fencing._parse_input_stdin(avail)
values = {ours_by_longopt[k]: v for k, v in opt.items() if k in ours_by_longopt}
print(json.dumps({"values": values, "warnings": warnings}))
