import t from "tap";
import { absolutePathProblem, booleanOf, hostProblem, isTrue, listProblem, programProblem, shown, splitList, userNameProblem } from "../../../lib/ocf/checks.ts";

t.test("shown quotes plain values as typed and escapes the rest, cut to a readable length", async (t) => {
  t.equal(shown("vm1"), "'vm1'");
  t.equal(shown("a\nb"), '"a\\nb"');
  t.equal(shown("it's"), '"it\'s"');
  t.equal(shown("\u0000"), '"\\u0000"');
  t.equal(shown("x".repeat(100)), `'${"x".repeat(60)}'... (100 characters)`);
});

t.test("absolute paths", async (t) => {
  for (const ok of ["/etc/xen/vm1.cfg", "/", "/srv/my vms/vm1.cfg"]) t.equal(absolutePathProblem(ok), undefined, ok);
  const cases: readonly (readonly [string, RegExp])[] = [
    ["vm1.cfg", /^'vm1\.cfg' is not an absolute path$/],
    ["-vm1.cfg", /not an absolute path/],
    [" /etc/xen/vm1.cfg", /not an absolute path/],
    ["/etc/xen/vm1.cfg ", /ends with a space/],
    ["/etc/xen/vm1\u0000.cfg", /control character/],
    ["/etc/xen/vm1\n.cfg", /control character/],
    [`/${"x".repeat(5000)}`, /longer than a path may be/],
  ];
  for (const [value, reason] of cases) t.match(absolutePathProblem(value), reason, JSON.stringify(value.slice(0, 30)));
});

t.test("programs (ssh_path): an absolute path or a bare name on PATH, never an option", async (t) => {
  for (const ok of ["ssh", "/usr/bin/ssh", "ssh.real", "x86_64-ssh+2"]) t.equal(programProblem(ok), undefined, ok);
  const cases: readonly (readonly [string, RegExp])[] = [
    ["-oProxyCommand=touch /tmp/x", /^'-oProxyCommand=touch \/tmp\/x' is neither an absolute path nor a program name/],
    ["--help", /neither an absolute path nor a program name/],
    ["bin/ssh", /neither/],
    ["./ssh", /neither/],
    [" ssh", /neither/],
    ["ssh ", /neither/],
    ['"ssh"', /neither/],
    ["ssh\n", /neither/],
    ["ssh\u0000", /neither/],
    ["", /neither/],
    ["/usr/bin/ssh ", /ends with a space/],
    ["/usr/bin/\u0000ssh", /control character/],
    [`/${"x".repeat(1 << 20)}`, /longer than a path may be/],
    ["x".repeat(300), /neither/],
  ];
  for (const [value, reason] of cases) t.match(programProblem(value), reason, JSON.stringify(value.slice(0, 30)));
});

t.test("lists: commas, spaces or both; an empty item is a mistake", async (t) => {
  t.same(splitList("a b,c , d\te"), ["a", "b", "c", "d", "e"]);
  t.same(splitList("  "), []);
  t.same(splitList(" a "), ["a"]);
  t.equal(splitList("a,,b"), undefined);
  t.equal(splitList("a,"), undefined);
  t.equal(splitList(",a"), undefined);
  const word = (w: string) => (w === "bad" ? `'${w}' is bad` : undefined);
  t.equal(listProblem("a b", word), undefined);
  t.equal(listProblem("", word, "dom0"), "no dom0 given");
  t.equal(listProblem("a bad", word), "'bad' is bad");
  t.equal(listProblem("a b a", word), "'a' is listed twice");
  t.match(listProblem("a,,b", word), /has an empty item/);
});

t.test("user names: useradd's default rule", async (t) => {
  for (const ok of ["root", "ha_admin", "svc-xen", "a.b", "_x"]) t.equal(userNameProblem(ok), undefined, ok);
  for (const bad of ["", "-oProxyCommand=x", "root@evil", "Root", "r oot", "root\n", "x".repeat(33), "1root"]) t.match(userNameProblem(bad), /is not a user name/, JSON.stringify(bad));
});

t.test("hosts: names and addresses that no tool reads as an option", async (t) => {
  for (const ok of ["node1", "node1.example.com", "10.0.0.2", "fe80::1", "node_1", "a"]) t.equal(hostProblem(ok), undefined, ok);
  for (const bad of ["", "-oProxyCommand=x", "node1.", ".node1", "node 1", "node1;reboot", "::1", "node1\n", "x".repeat(300)]) t.match(hostProblem(bad), /is not a host name or address/, JSON.stringify(bad));
});

t.test("Pacemaker's truth set, exactly (crm_str_to_boolean)", async (t) => {
  for (const word of ["1", "true", "TRUE", "yes", "Yes", "on", "y", "Y"]) t.equal(booleanOf(word), true, word);
  for (const word of ["0", "false", "no", "off", "n", "N"]) t.equal(booleanOf(word), false, word);
  for (const word of ["", " true", "true ", "2", "ja", "enabled"]) t.equal(booleanOf(word), undefined, JSON.stringify(word));
  t.equal(isTrue(undefined), false);
  t.equal(isTrue("y"), true);
  t.equal(isTrue("maybe"), false);
});
