import t from "tap";
import { getopt } from "../../../lib/sim/xl/getopt.ts";
import { formatJson } from "../../../lib/sim/xl/json-layout.ts";
import { parseMemSizeKiB } from "../../../lib/sim/xl/mem.ts";
import { formatUptime } from "../../../lib/sim/xl/query.ts";

t.test("getopt as xl uses it: permuted argv, clusters, values, unknowns", async (t) => {
  const spec = { short: "awFf:", long: { all: "a", wait: "w" } };
  t.same(getopt(["vm1", "-ww"], spec), { flags: ["w", "w"], values: new Map(), positional: ["vm1"] }, "options after the domain, -ww counts twice");
  t.same(getopt(["--wait", "-fX", "--", "-a"], spec), { flags: ["w", "f"], values: new Map([["f", "X"]]), positional: ["-a"] });
  t.same(getopt(["-f", "X", "vm"], spec), { flags: ["f"], values: new Map([["f", "X"]]), positional: ["vm"] });
  t.same(getopt(["-z"], spec), { unknown: "z" });
  t.same(getopt(["--bogus"], spec), { unknown: "" });
  t.same(getopt(["-f"], spec), { missingValue: "f" });
});

t.test("JSON layouts: yajl (Xen <= 4.20) and json-c (Xen >= 4.21)", async (t) => {
  const value = { domid: 1, config: { c_info: { name: "a" }, list: [0, 1], empty: {} } };
  t.equal(
    formatJson(value, "yajl"),
    '{\n    "domid": 1,\n    "config": {\n        "c_info": {\n            "name": "a"\n        },\n        "list": [\n            0,\n            1\n        ],\n        "empty": {\n\n        }\n    }\n}',
  );
  t.equal(formatJson(value, "json-c"), '{\n  "domid":1,\n  "config":{\n    "c_info":{\n      "name":"a"\n    },\n    "list":[\n      0,\n      1\n    ],\n    "empty":{\n    }\n  }\n}');
  t.equal(formatJson([], "yajl"), "[\n\n]", "an empty list is [, blank line, ] (xl list -l prints [\\n\\n]\\n\\n)");
});

t.test("memory sizes: a bare number is MiB, suffixes b/k/m/g/t", async (t) => {
  const rows: [string, number | undefined][] = [["512", 524288], ["512m", 524288], ["1g", 1048576], ["2048k", 2048], ["1048576b", 1024], ["1t", 1073741824], ["12x", undefined], ["-5", undefined], ["", undefined]];
  for (const [text, kib] of rows) t.equal(parseMemSizeKiB(text), kib, JSON.stringify(text));
});

t.test("uptime strings as xl prints them", async (t) => {
  t.equal(formatUptime(59, false), " 0:00:59");
  t.equal(formatUptime(3 * 3600 + 61, false), " 3:01:01");
  t.equal(formatUptime(86_400 + 36_000, false), "1 day, 10:00:00");
  t.equal(formatUptime(3 * 86_400, true), "3 days,  0:00");
});
