import t from "tap";
import { param } from "../../../lib/ocf/params.ts";
import { parseFenceArgv, parseFenceStdin, readFenceInput } from "../../../lib/fence/fence-input.ts";
import { FENCE_PROTOCOL_LETTERS, fenceProtocolParams } from "../../../lib/fence/fence-params.ts";
import { stdinOf } from "../../support/capture-io.ts";

const params = {
  ...fenceProtocolParams,
  username: param.string({ default: "root", aliases: ["login"], shortdesc: "user" }),
  password: param.string({ private: true, shortdesc: "a secret" }),
};
const letters = { ...FENCE_PROTOCOL_LETTERS, username: "l", password: "p" };

const stdinCases: readonly { name: string; text: string; values: Record<string, string>; ignored?: string[] }[] = [
  {
    name: "what Pacemaker 2.1.5 sends for a fence",
    text: "nodename=node2\naction=reboot\nport=node2\n",
    values: { action: "reboot", plug: "node2" },
  },
  {
    name: "comments and blank lines are skipped, the last value wins",
    text: "# device\n\naction=status\n  plug=vm1  \naction=off\n",
    values: { action: "off", plug: "vm1" },
  },
  {
    name: "dashes and underscores are the same in a key; old names still work",
    text: "power-timeout=30\noption=list\nlogin=admin\ndebug=/tmp/f.log\n",
    values: { power_timeout: "30", action: "list", username: "admin", debug_file: "/tmp/f.log" },
  },
  {
    name: "one pair of surrounding double quotes is removed, as fencing.py does",
    text: 'plug="vm 1"\nseparator=""\n',
    values: { plug: "vm 1", separator: "" },
  },
  {
    name: "unknown keys are reported, not fatal; nodename and nodeid are expected and quiet",
    text: "nodeid=2\nnodename=n\nfrobnicate=1\nplug=vm1\n",
    values: { plug: "vm1" },
    ignored: ["frobnicate"],
  },
  {
    name: "values keep shell metacharacters verbatim (nothing here is ever run by a shell)",
    text: "plug=$(touch /tmp/x);`id`|a&b\n",
    values: { plug: "$(touch /tmp/x);`id`|a&b" },
  },
];

for (const c of stdinCases) {
  t.test(`stdin: ${c.name}`, async (t) => {
    const input = parseFenceStdin(c.text, params);
    t.same(Object.fromEntries(input.values), c.values);
    t.same(input.ignored, c.ignored ?? []);
    t.same(input.problems, []);
  });
}

const argvCases: readonly { name: string; argv: string[]; values?: Record<string, string>; problems?: string[] }[] = [
  { name: "short options with separate values", argv: ["-o", "off", "-n", "vm1"], values: { action: "off", plug: "vm1" } },
  { name: "short options with attached values", argv: ["-ostatus", "-nvm1"], values: { action: "status", plug: "vm1" } },
  { name: "long options with = or a separate value", argv: ["--action=list", "--plug", "vm1"], values: { action: "list", plug: "vm1" } },
  { name: "aliases as long options", argv: ["--port=vm2", "--login", "ops"], values: { plug: "vm2", username: "ops" } },
  { name: "booleans are bare flags", argv: ["-v", "--action", "monitor"], values: { verbose: "1", action: "monitor" } },
  { name: "an unknown option is a problem", argv: ["--frob", "-Z"], problems: ["unknown option --frob", "unknown option -Z"] },
  { name: "an option without its value is a problem", argv: ["-n"], problems: ["option -n needs a value"] },
];

for (const c of argvCases) {
  t.test(`argv: ${c.name}`, async (t) => {
    const input = parseFenceArgv(c.argv, params, letters);
    if (c.values) t.same(Object.fromEntries(input.values), c.values);
    t.same(input.problems, c.problems ?? []);
  });
}

t.test("options come from the command line when there is one, and then stdin is not read", async (t) => {
  let stdinRead = false;
  const input = await readFenceInput(["-o", "status"], async () => ((stdinRead = true), { ok: true, bytes: new Uint8Array() }), params, letters);
  t.equal(input.source, "argv");
  t.equal(input.values.get("action"), "status");
  t.equal(stdinRead, false);
  t.equal((await readFenceInput([], stdinOf("action=off\n"), params, letters)).values.get("action"), "off");
});

t.test("stdin is read within fencing's bounds: 1 MiB, and the 60 s of Pacemaker's default stonith-timeout", async (t) => {
  let asked: unknown;
  await readFenceInput([], async (limits) => ((asked = limits), { ok: true, bytes: new Uint8Array() }), params, letters);
  t.same(asked, { maxBytes: 1024 * 1024, timeoutMs: 60_000 });
  const late = await readFenceInput([], stdinOf({ ok: false, problem: "stdin did not end within 60 s" }), params, letters);
  t.same(late.problems, ["stdin did not end within 60 s"]);
});

t.test("stdin that is not UTF-8 is refused, not guessed at", async (t) => {
  const input = await readFenceInput([], async () => ({ ok: true, bytes: Uint8Array.of(0x70, 0x6c, 0x75, 0x67, 0x3d, 0xff, 0x0a) }), params, letters);
  t.same(input.problems, ["stdin is not valid UTF-8"]);
});

t.test("every value, from either source, has no control character and no surrounding white space", async (t) => {
  const fromStdin = await readFenceInput([], stdinOf("plug=vm1\u0000\nseparator= ;\naction=off\n"), params, letters);
  t.same(fromStdin.problems, ['plug: "vm1\\u0000" holds a control character', 'separator: " ;" has surrounding white space']);
  const fromArgv = await readFenceInput(["-n", "vm1 ", "-o", "off"], stdinOf(), params, letters);
  t.same(fromArgv.problems, ['plug: "vm1 " has surrounding white space']);
  const secret = await readFenceInput([], stdinOf("password= hunter2\n"), params, letters);
  t.same(secret.problems, ["password: the value has surrounding white space"], "a secret is never echoed");
});

t.test("a secret on the command line is refused (ps shows argv to every user); on stdin it is accepted", async (t) => {
  const fromArgv = await readFenceInput(["-p", "hunter2"], stdinOf(), params, letters);
  t.same(fromArgv.problems, ["password is a secret: pass it on stdin (password=...), never on the command line"]);
  t.notMatch(fromArgv.problems.join(" "), /hunter2/, "the refusal does not repeat the secret");
  const fromStdin = await readFenceInput([], stdinOf("password=hunter2\n"), params, letters);
  t.same(fromStdin.problems, []);
  t.equal(fromStdin.values.get("password"), "hunter2");
});
