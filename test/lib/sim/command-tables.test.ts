import t from "tap";
import { XL_COMMANDS } from "../../../lib/sim/xl/main.ts";
import { XM_COMMANDS } from "../../../lib/sim/xm/main.ts";

// xl and xm look a command up by the name in their table and load its module
// only then: each entry must load the command of that very name.
for (const [tool, table] of [["xl", XL_COMMANDS], ["xm", XM_COMMANDS]] as const) {
  t.test(`${tool}: every table name loads the command of that name, once`, async (t) => {
    const names = table.map(([name]) => name);
    t.same(new Set(names).size, names.length, "no name twice");
    for (const [name, load] of table) t.equal((await load()).name, name);
  });
}
