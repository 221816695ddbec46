import t from "tap";
import { configInteger, parseXlConfig } from "../../../lib/toolstack/xl-config.ts";
import { domainSettings, memoryNeedMiB, restartsItself } from "../../../lib/toolstack/domain-settings.ts";

const read = (text: string) => {
  const parsed = parseXlConfig(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.settings;
};

t.test("the xl.cfg subset: strings, numbers, lists over lines, ';', comments, later keys win", async (t) => {
  const settings = read(`# a PV guest
name = "vm1"   # trailing comment
memory = 1024; maxmem = 0x800
vcpus=2
kernel = '/boot/vmlinuz'
extra = "root=/dev/xvda1 console=\\"hvc0\\""
disk = [ 'format=raw, vdev=xvda, access=rw, target=/dev/vg0/vm1',
         'phy:/dev/vg0/swap,xvdb,w',
       ]
vif = []
name = "vm1-final"
on_reboot = "restart"
`);
  t.equal(settings.get("name"), "vm1-final", "a later setting overrides an earlier one");
  t.equal(configInteger(settings, "memory"), 1024);
  t.equal(configInteger(settings, "maxmem"), 2048, "0x hex, as strtol base 0");
  t.equal(configInteger(settings, "vcpus"), 2);
  t.equal(settings.get("extra"), 'root=/dev/xvda1 console="hvc0"', "backslash escapes in double quotes");
  t.same(settings.get("disk"), ["format=raw, vdev=xvda, access=rw, target=/dev/vg0/vm1", "phy:/dev/vg0/swap,xvdb,w"]);
  t.same(settings.get("vif"), []);
});

t.test("numbers: octal with a leading 0, quoted numbers read like bare ones", async (t) => {
  const settings = read('memory = "512"\nvcpus = 010\n');
  t.equal(configInteger(settings, "memory"), 512);
  t.equal(configInteger(settings, "vcpus"), 8);
});

t.test("+= appends to a list", async (t) => {
  t.same(read("disk = [ 'a' ]\ndisk += [ 'b' ]\n").get("disk"), ["a", "b"]);
});

const errors: Record<string, { text: string; problem: RegExp }> = {
  "an unquoted word (the reason xl needs name=\"...\")": { text: "name = xenf\n", problem: /line 1: .*near `xenf': unquoted words/ },
  "an unquoted name with a dash": { text: "name = xen-f\n", problem: /line 1: config parsing error near `-'/ },
  "a missing '='": { text: 'memory 512\n', problem: /line 1: .*expected '='/ },
  "two values on a line": { text: 'memory = 512 1024\n', problem: /line 1: .*expected a newline or ';'/ },
  "an unterminated list": { text: "disk = [ 'a',\n", problem: /line 2: .*near `end of file'/ },
  "a nested list": { text: "disk = [ [ 'a' ] ]\n", problem: /line 1: .*expected a string or number/ },
  "a stray character": { text: 'name = "vm1"\n@\n', problem: /line 2: config parsing error near `@'/ },
  "Python syntax (xm configs may use it)": { text: "acpi = True\n", problem: /unquoted words/ },
};
for (const [name, c] of Object.entries(errors)) {
  t.test(`syntax error: ${name}`, async (t) => {
    const parsed = parseXlConfig(c.text);
    t.equal(parsed.ok, false);
    if (!parsed.ok) t.match(parsed.problem, c.problem);
  });
}

t.test("domain settings and xl's defaults", async (t) => {
  const pv = domainSettings(read('name = "vm1"\nmemory = 1024\n'), "xl");
  t.same(pv, { name: "vm1", memoryMiB: 1024, maxMemoryMiB: 1024, vcpus: undefined, type: "pv", onPoweroff: "destroy", onReboot: "restart", onCrash: "destroy" });
  t.equal(memoryNeedMiB(pv), 1026, "1024 + 1 MiB, rounded up to 2 MiB");
  t.equal(restartsItself(pv), true, "on_reboot restarts by default");

  const hvm = domainSettings(read('builder = "hvm"\nmemory = 2048\nmaxmem = 4096\non_reboot = "destroy"\n'), "xl");
  t.match(hvm, { name: undefined, type: "hvm", memoryMiB: 2048, maxMemoryMiB: 4096 });
  t.equal(memoryNeedMiB(hvm), 2050);
  t.equal(restartsItself(hvm), false);

  t.match(domainSettings(read('type = "pvh"\n'), "xl"), { type: "pvh", memoryMiB: 32 }, "libxl's default memory");
  t.match(domainSettings(read('on_reboot = "destroy"\n'), "xm"), { onCrash: "restart" }, "xend restarts crashed guests by default");
  t.equal(restartsItself({ onReboot: "destroy", onCrash: "coredump-restart" }), true);
});
