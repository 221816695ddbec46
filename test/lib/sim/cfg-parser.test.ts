import t from "tap";
import { parseCfg, type CfgValue } from "../../../lib/sim/xl/cfg-parser.ts";
import { domainConfigFrom } from "../../../lib/sim/xl/domain-config.ts";

const str = (value: string): CfgValue => ({ kind: "string", value });
const num = (value: number): CfgValue => ({ kind: "number", value });

t.test("the xl.cfg subset: strings, numbers, lists, separators, comments, overrides", async (t) => {
  const rows: [string, string, Record<string, CfgValue>][] = [
    ["double and single quotes", `name = "vm1"\nkernel='/boot/k'`, { name: str("vm1"), kernel: str("/boot/k") }],
    ["decimal, hex and octal numbers", "memory = 512\nmaxmem=0x400\nvcpus=010", { memory: num(512), maxmem: num(1024), vcpus: num(8) }],
    ["; separates settings on one line", 'name="a"; memory=64;', { name: str("a"), memory: num(64) }],
    ["# comments, blank lines", '# a comment\n\nname = "a" # trailing\n', { name: str("a") }],
    ["later keys override earlier ones", 'name="a"\nname="b"', { name: str("b") }],
    ["lists across lines, trailing comma", "disk = [ 'phy:/dev/a,xvda,w',\n  'phy:/dev/b,xvdb,r', ]", { disk: { kind: "list", items: [str("phy:/dev/a,xvda,w"), str("phy:/dev/b,xvdb,r")] } }],
    ["+= appends to a list", "vif=['a']\nvif+=['b']", { vif: { kind: "list", items: [str("a"), str("b")] } }],
    ["escapes in double quotes", String.raw`extra = "a\"b"`, { extra: str('a"b') }],
  ];
  for (const [title, text, expected] of rows) {
    const parsed = parseCfg(text);
    t.same("settings" in parsed ? Object.fromEntries(parsed.settings) : parsed, expected, title);
  }
});

t.test("syntax errors name the line and the token libxlu stopped at", async (t) => {
  const rows: [string, string, number, string][] = [
    ["an unquoted word as a value (the reason agents quote name=)", "memory=1\nname=xen-f", 2, "xen"],
    ["a value missing", "name=", 1, ""],
    ["no = after the key", "name 'a'", 1, "'a'"],
    ["an unterminated string", 'name="a', 1, '"a'],
  ];
  for (const [title, text, line, near] of rows) {
    const parsed = parseCfg(text);
    t.ok("error" in parsed, title);
    if ("error" in parsed) t.same([parsed.error.line, parsed.error.near], [line, near], title);
  }
});

t.test("xl_parse's refusals and defaults", async (t) => {
  const config = (text: string) => {
    const parsed = parseCfg(text);
    if ("error" in parsed) throw new Error("unexpected syntax error");
    return domainConfigFrom(parsed.settings);
  };
  t.same(config("memory=64"), { error: "Domain name must be specified." });
  t.same(config('name="a"\ntype="bogus"'), { error: "Invalid domain type bogus." });
  t.same(config('name="a"\ntype="pv"\nbuilder="hvm"'), { error: 'Contradicting "builder" and "type" options specified.' });
  t.same(config('name="a"\non_poweroff="explode"'), { error: 'Unknown on_poweroff action "explode" specified' });
  t.same(config('name="a"\nvcpus=4\nmaxvcpus=2'), { error: "xl: maxvcpus < vcpus" });
  const ok = config('name="a"\nbuilder="hvm"\nmemory=256\ndisk=["phy:/dev/vg/a,xvda,w"]\nvif=["mac=00:16:3e:00:00:01,bridge=br0"]');
  t.ok("config" in ok);
  if (!("config" in ok)) return;
  t.equal(ok.config.type, "hvm", "builder=hvm means type hvm");
  t.same([ok.config.memoryMiB, ok.config.maxMemoryMiB, ok.config.vcpus], [256, 256, 1], "maxmem defaults to memory, vcpus to 1");
  t.same([ok.config.onPoweroff, ok.config.onReboot, ok.config.onCrash], ["destroy", "restart", "destroy"], "xl's lifecycle defaults");
  t.same(ok.config.disks, [{ target: "/dev/vg/a", vdev: "xvda", backend: "phy", format: "raw", readwrite: true }]);
  t.same(ok.config.nics, [{ mac: "00:16:3e:00:00:01", bridge: "br0" }]);
  const xm = parseCfg('name="a"');
  if ("settings" in xm) t.equal((domainConfigFrom(xm.settings, "xm") as { config: { onCrash: string } }).config.onCrash, "restart", "xm restarts crashed guests by default");
});
