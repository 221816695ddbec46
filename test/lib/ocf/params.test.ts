import t from "tap";
import { decodeParams, decodeValues, param } from "../../../lib/ocf/params.ts";

const params = {
  config: param.string({ required: true, shortdesc: "config", check: (v: string) => (v.startsWith("/") ? undefined : "not absolute") }),
  acpi: param.boolean({ default: false, shortdesc: "acpi" }),
  timeout: param.integer({ max: 100 })({ shortdesc: "timeout" }),
  mode: param.select(["auto", "xl", "xm"])({ default: "auto", shortdesc: "mode" }),
};

const cases: readonly { name: string; env: Record<string, string>; problems?: readonly string[]; values?: object }[] = [
  {
    name: "defaults apply when optional parameters are unset",
    env: { OCF_RESKEY_config: "/etc/xen/vm1.cfg" },
    values: { config: "/etc/xen/vm1.cfg", acpi: false, timeout: undefined, mode: "auto" },
  },
  {
    name: "an empty value counts as unset, as in shell agents",
    env: { OCF_RESKEY_config: "/c", OCF_RESKEY_acpi: "", OCF_RESKEY_mode: "" },
    values: { config: "/c", acpi: false, timeout: undefined, mode: "auto" },
  },
  {
    name: "booleans accept the ocf_is_true spellings",
    env: { OCF_RESKEY_config: "/c", OCF_RESKEY_acpi: "YES", OCF_RESKEY_timeout: "42", OCF_RESKEY_mode: "xm" },
    values: { config: "/c", acpi: true, timeout: 42, mode: "xm" },
  },
  {
    name: "every problem is reported at once, each naming its parameter",
    env: { OCF_RESKEY_acpi: "maybe", OCF_RESKEY_timeout: "4x", OCF_RESKEY_mode: "xen" },
    problems: [
      "config: required parameter is not set",
      "acpi: 'maybe' is not a boolean (use true or false)",
      "timeout: '4x' is not a whole number",
      "mode: 'xen' is not one of auto, xl, xm",
    ],
  },
  {
    name: "range and extra checks are applied",
    env: { OCF_RESKEY_config: "relative.cfg", OCF_RESKEY_timeout: "101" },
    problems: ["config: not absolute", "timeout: '101' is out of range (0 to 100)"],
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const result = decodeParams(params, c.env);
    if (c.problems) {
      t.equal(result.ok, false);
      if (!result.ok) t.same(result.problems, c.problems);
    } else {
      t.equal(result.ok, true);
      if (result.ok) t.same(result.values, c.values);
    }
  });
}

t.test("aliases are accepted on input (fence agents' port for plug)", async (t) => {
  const p = { plug: param.string({ required: true, shortdesc: "plug", aliases: ["port"] }) };
  const result = decodeValues(p, (name) => ({ port: "vm7" })[name]);
  t.same(result, { ok: true, values: { plug: "vm7" } });
});
