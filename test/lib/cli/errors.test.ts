import t, { type Test } from "tap";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xenHaCommands } from "../../../bin/xen-ha-commands.ts";
import { CliExit, errnoWords, fileError, type CliIo } from "../../../lib/cli/io.ts";
import { runCli, type Register } from "../../../lib/cli/program.ts";

/**
 * Every mistake an admin can make on the command line ends in one line on
 * stderr ("xen-ha: ...", no stack trace, no help dump) and a non-zero exit,
 * and writes nothing. Each row is a bad invocation nobody designed for.
 */
const IPMI = "ipmi_addresses=192.0.2.11,192.0.2.12";
const HEARTBEAT = new URL("../../cases/cib/", import.meta.url).pathname;

async function cli(argv: readonly string[], cwd: string, groups: readonly Register[] = xenHaCommands) {
  const out = { stdout: "", stderr: "" };
  const io: CliIo = { stdout: (text) => void (out.stdout += text), stderr: (text) => void (out.stderr += text), env: {}, cwd };
  return { code: await runCli(argv, io, groups), ...out };
}

function workdir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), "xen-ha-cli-errors-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const ONE_LINE = /^xen-ha: [^\n]+\n$/;

type Row = {
  readonly name: string;
  readonly argv: readonly string[];
  readonly code: number;
  readonly stderr: RegExp;
  readonly files?: Record<string, string>;
  /** A file the command must not have written. */
  readonly untouched?: string;
};

const render = (...values: string[]): string[] => ["cib", "render", "active-passive", "--set", IPMI, ...values.flatMap((v) => ["--set", v])];
const heartbeat = (name: string): string => join(HEARTBEAT, name, "heartbeat.xml");

const rows: readonly Row[] = [
  // files
  { name: "-o into a missing directory", argv: [...render(), "-o", "missing/out.xml"], code: CliExit.BadInput, stderr: /^xen-ha: cannot write missing\/out\.xml: no such file\n$/ },
  { name: "-o naming a directory", argv: [...render(), "-o", "."], code: CliExit.BadInput, stderr: /^xen-ha: cannot write \.: is a directory\n$/ },
  { name: "-o under a file", argv: [...render(), "-o", "plain.txt/out.xml"], code: CliExit.BadInput, stderr: /^xen-ha: cannot write plain\.txt\/out\.xml: a part of the path is not a directory\n$/, files: { "plain.txt": "x" } },
  // root may open it, the kernel still refuses the write (EIO); anyone else gets EACCES: one line either way
  { name: "-o onto a file the kernel will not let anyone write", argv: [...render(), "-o", "/proc/version"], code: CliExit.BadInput, stderr: /^xen-ha: cannot write \/proc\/version: (permission denied|input\/output error)\n$/ },
  { name: "check of a directory", argv: ["cib", "check", "."], code: CliExit.BadInput, stderr: /^xen-ha: cannot read \.: is a directory\n$/ },
  { name: "a values file that is a directory", argv: ["cib", "render", "active-passive", "--values", "."], code: CliExit.BadInput, stderr: /^xen-ha: cannot read \.: is a directory\n$/ },
  { name: "import of a directory", argv: ["cib", "import-heartbeat", "."], code: CliExit.BadInput, stderr: /^xen-ha: cannot read \.: is a directory\n$/ },
  // empty values
  { name: "--set nodes= (empty) is not the default", argv: render("nodes="), code: CliExit.Usage, stderr: /^xen-ha: --set: 'nodes=' gives nodes an empty value; leave nodes out to use its default\n$/ },
  { name: "--set domains=  (spaces only)", argv: render("domains=  "), code: CliExit.Usage, stderr: /^xen-ha: --set: 'domains=  ' gives domains an empty value/ },
  { name: "an empty value in a values file", argv: ["cib", "render", "active-passive", "--values", "v.txt"], code: CliExit.Usage, stderr: /^xen-ha: v\.txt:2: 'nodes=' gives nodes an empty value/, files: { "v.txt": `${IPMI}\nnodes=\n` } },
  { name: "an empty -o", argv: [...render(), "-o", ""], code: CliExit.Usage, stderr: /^xen-ha: --output: empty value; leave the option out to use its default\n$/ },
  { name: "an empty --failures is not 0", argv: ["cib", "plan", "ap.xml", "--failures", ""], code: CliExit.Usage, stderr: /^xen-ha: --failures: empty value/ },
  { name: "an empty install prefix is not the current directory", argv: ["install", "--prefix", ""], code: CliExit.Usage, stderr: /^xen-ha: --prefix: empty value/ },
  { name: "an empty --memory for a simulated host", argv: ["sim", "env", "--root", "sim", "--memory", ""], code: CliExit.Usage, stderr: /^xen-ha: --memory: empty value/ },
  { name: "an empty file argument", argv: ["cib", "check", ""], code: CliExit.Usage, stderr: /^xen-ha: check: an argument is empty\n$/ },
  { name: "an empty --move domain", argv: ["cib", "simulate", "ap.xml", "--move", "", "xen01"], code: CliExit.Usage, stderr: /^xen-ha: / },
  { name: "an empty host between commas in --fail", argv: ["cib", "simulate", "ap.xml", "--fail", "xen01,,xen02"], code: CliExit.Usage, stderr: /^xen-ha: --fail: 'xen01,,xen02' has an empty node name\n$/ },
  { name: "a trailing comma in --standby", argv: ["cib", "simulate", "ap.xml", "--standby", "xen01,"], code: CliExit.Usage, stderr: /^xen-ha: --standby: 'xen01,' has an empty node name\n$/ },
  { name: "an empty --timeout", argv: ["cib", "plan", "ap.xml", "--confirm", "--timeout", ""], code: CliExit.Usage, stderr: /^xen-ha: --timeout: empty value/ },
  // domain names
  { name: "Domain-0 as a domain", argv: render("domains=Domain-0"), code: CliExit.Usage, stderr: /^xen-ha: cannot render active-passive: domains: \W?Domain-0\W? is the control domain, never a guest\n$/ },
  { name: "domain-0 in another case", argv: render("domains=web,DOMAIN-0"), code: CliExit.Usage, stderr: /domain-0\W? is the control domain/i },
  { name: "a domain name with a leading dash", argv: render("domains=-rf"), code: CliExit.Usage, stderr: /^xen-ha: cannot render active-passive: domains: \W?-rf\W? begins with '-'/ },
  { name: "Domain-0 as a guest of guest-cluster", argv: ["cib", "render", "guest-cluster", "--set", "guest_domains=g1,Domain-0"], code: CliExit.Usage, stderr: /guest_domains: \W?Domain-0\W? is the control domain/ },
  { name: "a size in guest-cluster's guest list", argv: ["cib", "render", "guest-cluster", "--set", "guest_domains=g1:512,g2"], code: CliExit.Usage, stderr: /guest_domains: 'g1:512': ':' and ';' separate pcmk_host_map entries/ },
  { name: "simulate --move Domain-0", argv: ["cib", "simulate", "ap.xml", "--move", "Domain-0", "xen01"], code: CliExit.Usage, stderr: /^xen-ha: --move: \W?Domain-0\W? is the control domain, never a guest\n$/ },
  { name: "simulate --move of a dashed name", argv: ["cib", "simulate", "ap.xml", "--move=-web", "xen01"], code: CliExit.Usage, stderr: /^xen-ha: / },
  { name: "simulate --move of a dashed name after --", argv: ["cib", "simulate", "ap.xml", "--move", "--", "-web", "xen01"], code: CliExit.Usage, stderr: /^xen-ha: / },
  { name: "Domain-0 in n-plus-n's domains", argv: ["cib", "render", "n-plus-n", "--set", "nodes=xen01,xen02", "--set", IPMI, "--set", "domains=a:1024,domain-0:1024"], code: CliExit.Usage, stderr: /^xen-ha: cannot render n-plus-n: domains: \W?domain-0\W? is the control domain/ },
  { name: "a dashed name in data-pool's domains", argv: ["cib", "render", "data-pool", "--set", IPMI, "--set", "domains=-a"], code: CliExit.Usage, stderr: /^xen-ha: cannot render data-pool: domains: \W?-a\W? begins with '-'/ },
  { name: "Domain-0 in guest-nodes' domains", argv: ["cib", "render", "guest-nodes", "--set", IPMI, "--set", "domains=Domain-0"], code: CliExit.Usage, stderr: /domains: \W?Domain-0\W? is the control domain/ },
  { name: "Domain-0 in separate=", argv: ["cib", "render", "n-plus-n", "--set", "nodes=xen01,xen02", "--set", IPMI, "--set", "domains=a,b", "--set", "separate=a+Domain-0"], code: CliExit.Usage, stderr: /^xen-ha: cannot render n-plus-n: separate: 'Domain-0' in 'a\+Domain-0' is not one of the domains\n$/ },
  { name: "sim config Domain-0", argv: ["sim", "config", "Domain-0", "--root", "sim"], code: CliExit.Usage, stderr: /^xen-ha: not a usable domain name: \W?Domain-0\W? is the control domain, never a guest\n$/ },
  { name: "sim config of a dashed name after --", argv: ["sim", "config", "--root", "sim", "--", "-x"], code: CliExit.Usage, stderr: /^xen-ha: not a usable domain name: \W?-x\W? begins with '-'/ },
  { name: "sim guest Domain-0 --crash", argv: ["sim", "guest", "domain-0", "--crash", "--root", "sim"], code: CliExit.Usage, stderr: /^xen-ha: not a usable domain name: \W?domain-0\W? is the control domain/i },
  // sizes a template without capacity would drop
  { name: "memory in active-passive's domains", argv: render("domains=web:2048"), code: CliExit.Usage, stderr: /^xen-ha: cannot render active-passive: domains: 'web' is given memory or CPUs, which only the capacity templates \(n-plus-1, n-plus-m, n-plus-n\) use/ },
  { name: "a priority that is no number", argv: render("domains=web:::high"), code: CliExit.Usage, stderr: /^xen-ha: cannot render active-passive: domains: 'web:::high': priority 'high' is not a whole number\n$/ },
  { name: "memory in host-health's domains", argv: ["cib", "render", "host-health", "--set", "nodes=xen01,xen02", "--set", IPMI, "--set", "domains=web:1024"], code: CliExit.Usage, stderr: /domains: 'web' is given memory or CPUs/ },
  { name: "CPUs in data-pool's domains", argv: ["cib", "render", "data-pool", "--set", IPMI, "--set", "domains=web::4"], code: CliExit.Usage, stderr: /domains: 'web' is given memory or CPUs/ },
  { name: "CPUs in live-migration's domains", argv: ["cib", "render", "live-migration", "--set", IPMI, "--set", "domains=web::2"], code: CliExit.Usage, stderr: /domains: 'web' is given memory or CPUs/ },
  // usage
  { name: "an unknown option", argv: ["cib", "render", "--bogus"], code: CliExit.Usage, stderr: /^xen-ha: unknown option '--bogus' \(see --help\)\n$/ },
  { name: "an unknown command", argv: ["nosuch"], code: CliExit.Usage, stderr: /^xen-ha: unknown command 'nosuch' \(see --help\)\n$/ },
  { name: "a missing argument", argv: ["cib", "check"], code: CliExit.Usage, stderr: /^xen-ha: missing required argument 'file' \(see --help\)\n$/ },
  { name: "a bad --timeout", argv: ["cib", "check", "ap.xml", "--timeout", "soon"], code: CliExit.Usage, stderr: /^xen-ha: --timeout 'soon' is not a number of seconds\n$/ },
  // import: what cannot be carried over writes nothing
  { name: "import: a refused construct writes nothing", argv: ["cib", "import-heartbeat", heartbeat("304-heartbeat-domain-without-fence-first"), "--no-crm-verify", "-o", "out.xml"], code: CliExit.Problems, stderr: /not carried over: vm-fast: the start op's prereq=nothing[\s\S]*xen-ha: [^\n]*2 constructs could not be carried over; nothing written\n$/, untouched: "out.xml" },
  { name: "import: no fencing in the old cluster writes nothing", argv: ["cib", "import-heartbeat", "hb.xml", "--no-crm-verify", "-o", "out.xml"], code: CliExit.Problems, stderr: /fencing is disabled[\s\S]*xen-ha: hb\.xml: the converted CIB has \d+ errors? \(above\); nothing written\n$/, untouched: "out.xml", files: { "hb.xml": '<cib have_quorum="true"><configuration><crm_config/><nodes><node id="n1" uname="xen01" type="normal"/></nodes><resources/><constraints/></configuration></cib>' } },
  { name: "import: -o into a missing directory", argv: ["cib", "import-heartbeat", heartbeat("303-heartbeat-2.1-dashed-options"), "--no-crm-verify", "-o", "missing/out.xml"], code: CliExit.BadInput, stderr: /^(note: [^\n]*\n|[^\n]*0 errors[^\n]*\n)*xen-ha: cannot write missing\/out\.xml: no such file\n$/ },
];

t.test("bad invocations: one line, the right exit code, nothing written", async (t) => {
  for (const row of rows) {
    t.test(row.name, async (t) => {
      const dir = workdir(t);
      mkdirSync(join(dir, "sim"));
      t.equal((await cli([...render(), "-o", "ap.xml"], dir)).code, CliExit.Ok, "the fixture renders");
      for (const [file, text] of Object.entries(row.files ?? {})) writeFileSync(join(dir, file), text);
      const result = await cli(row.argv, dir);
      t.equal(result.code, row.code, `exit ${row.code}`, { stderr: result.stderr });
      t.match(result.stderr, row.stderr, "stderr");
      t.notMatch(result.stderr, /\n\s+at /, "no stack trace");
      const xenHaLines = result.stderr.split("\n").filter((line) => line.startsWith("xen-ha: "));
      if (row.code !== CliExit.Problems) t.ok(xenHaLines.length === 1 && ONE_LINE.test(`${xenHaLines[0] ?? ""}\n`), "exactly one error line");
      if (row.untouched) t.notOk(existsSync(join(dir, row.untouched)), `${row.untouched} was not written`);
      t.equal(result.stdout, "", "nothing on stdout");
    });
  }
});

t.test("a permission denied is named as such (when not running as root)", { skip: process.getuid?.() === 0 ? "root writes anywhere" : false }, async (t) => {
  const dir = workdir(t);
  mkdirSync(join(dir, "locked"));
  chmodSync(join(dir, "locked"), 0o500);
  const result = await cli([...render(), "-o", "locked/out.xml"], dir);
  t.equal(result.code, CliExit.BadInput);
  t.equal(result.stderr, "xen-ha: cannot write locked/out.xml: permission denied\n");
});

t.test("system errors are said in words, whatever their errno", async (t) => {
  const errno = (code: string) => Object.assign(new Error(`${code}: boom`), { code });
  t.equal(errnoWords(errno("EACCES")), "permission denied");
  t.equal(errnoWords(errno("EROFS")), "read-only file system");
  t.equal(errnoWords(errno("ENOSPC")), "no space left on the device");
  t.equal(errnoWords(errno("EIO")), "input/output error", "writing to a file the kernel refuses (e.g. under /proc)");
  t.equal(errnoWords(errno("EWHATEVER")), "EWHATEVER", "an unknown errno is still named");
  t.equal(fileError(errno("EACCES"), "write", "out.xml").message, "cannot write out.xml: permission denied");
  t.equal(fileError(errno("EACCES"), "write", "out.xml").exitCode, CliExit.BadInput);
});

t.test("an error no handler expected is still one line", async (t) => {
  const dir = workdir(t);
  const failing = (error: unknown): Register[] => [(program) => void program.command("boom").action(() => Promise.reject(error))];
  const bug = await cli(["boom"], dir, failing(new TypeError("cannot read properties of undefined\n(reading 'x')")));
  t.equal(bug.code, CliExit.Problems);
  t.match(bug.stderr, /^xen-ha: internal error: cannot read properties of undefined \(reading 'x'\) \(at [^\n]+\)\n$/);
  const system = await cli(["boom"], dir, failing(Object.assign(new Error("ENOSPC: no space left on device, mkdtemp '/tmp/xen-ha-cib-'"), { code: "ENOSPC", syscall: "mkdtemp", path: "/tmp/xen-ha-cib-" })));
  t.equal(system.code, CliExit.Problems);
  t.equal(system.stderr, "xen-ha: mkdtemp /tmp/xen-ha-cib-: no space left on the device\n");
});

t.test("what a template without capacity can honour, it honours: a priority in domains=", async (t) => {
  const dir = workdir(t);
  const result = await cli([...render("domains=web:::7,db"), "-o", "ap.xml"], dir);
  t.equal(result.code, CliExit.Ok, result.stderr);
  const xml = readFileSync(join(dir, "ap.xml"), "utf8");
  t.match(xml, /<primitive id="vm-web"[\s\S]*?name="priority" value="7"[\s\S]*?<\/primitive>/, "vm-web has priority 7");
  t.notMatch(/<primitive id="vm-db"[\s\S]*?<\/primitive>/.exec(xml)?.[0] ?? "", /name="priority"/, "vm-db has none");
});
