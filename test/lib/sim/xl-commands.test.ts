import t from "tap";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setHostKnobs, writeSampleConfig } from "../../../lib/sim/index.ts";
import { matchGolden } from "../../support/golden.ts";
import { inProcess, simHost, untilState, xl } from "./support.ts";

/**
 * xl's answers on a host without guests: usage errors, unknown domains,
 * config refusals. Each row is one xl call and its exact stdout, stderr and
 * exit code (doc/xl-behaviour.md §0.1, §1.6, §2.2-2.3, §3.2, §5).
 */
const DOM0_ROW = /^Domain-0 {32} {5}0 {2}2048 {5}8 {5}r----- {2} +\d+\.\d$/;
const HEADER = "Name                                        ID   Mem VCPUs\\tState\\tTime\\(s\\)";

interface Row {
  readonly argv: readonly string[];
  readonly code: number;
  readonly stdout?: string | RegExp;
  readonly stderr?: string | RegExp;
}

const rows: Record<string, Row> = {
  "no subcommand: the full list on stdout, exit 1": { argv: [], code: 1, stdout: /^Usage xl \[-vfN\] <subcommand> \[args\]\n\nxl full list of subcommands:\n\n create /, stderr: "" },
  "unknown global option": { argv: ["-z", "list"], code: 1, stderr: "unknown global option\n" },
  "unknown subcommand": { argv: ["frobnicate"], code: 1, stderr: "command not implemented\n" },
  "help CMD: usage on stdout, exit 0": { argv: ["help", "destroy"], code: 0, stdout: /^Usage: xl \[-v\] destroy \[options\] <Domain>\n\n\nTerminate a domain immediately\.\n/ },
  "-h: usage, exit 0": { argv: ["list", "-h"], code: 0, stdout: /^Usage: xl \[-v\] list \[options\] \[Domain\]/ },
  "unknown option: exit 2": { argv: ["list", "-x"], code: 2, stderr: "option `x' not supported.\n", stdout: "" },
  "too few arguments: exit 2, usage on stdout": { argv: ["destroy"], code: 2, stderr: "'xl destroy' requires at least 1 argument.\n\n", stdout: /^Usage: xl \[-v\] destroy/ },
  "two arguments: exit 2, plural": { argv: ["mem-set", "vm1"], code: 2, stderr: "'xl mem-set' requires at least 2 arguments.\n\n" },
  "list with two domains: usage, exit 1": { argv: ["list", "a", "b"], code: 1, stdout: /^Usage: xl \[-v\] list/ },
  "list: header with TABs, Domain-0 first": { argv: ["list"], code: 0, stderr: "", stdout: new RegExp(`^${HEADER}\\n${DOM0_ROW.source.slice(1, -1)}\\n$`) },
  "list an unknown name": { argv: ["list", "nosuch"], code: 1, stderr: "nosuch is an invalid domain identifier (rc=-6)\n", stdout: "" },
  "list an unknown domid": { argv: ["list", "42"], code: 1, stderr: "Error: Domain '42' does not exist.\n", stdout: "" },
  "list Domain-0 by id": { argv: ["list", "0"], code: 0, stdout: /^Name.*\nDomain-0 / },
  "list -v: UUID, reason code, label": {
    argv: ["list", "-v"],
    code: 0,
    stdout: /^Name {40}ID {3}Mem VCPUs\tState\tTime\(s\) {3}UUID {28}Reason-Code\tSecurity Label\nDomain-0 .* 00000000-0000-0000-0000-000000000000 {8}- {16}-\n$/,
  },
  "list -Z: the label column only": { argv: ["list", "-Z"], code: 0, stdout: /^Name {40}ID {3}Mem VCPUs\tState\tTime\(s\) {3}Security Label\nDomain-0 .*r----- +\d+\.\d {16}-\n$/ },
  "list -l: Domain-0's stub config, yajl layout, ends ]\\n\\n": {
    argv: ["list", "-l"],
    code: 0,
    stdout: '[\n    {\n        "domid": 0,\n        "config": {\n            "c_info": {\n                "name": "Domain-0",\n                "uuid": "00000000-0000-0000-0000-000000000000"\n            },\n            "b_info": {\n                "max_memkb": 2097152,\n                "target_memkb": 2097152\n            }\n        }\n    }\n]\n\n',
  },
  "info FIELD prints the value only": { argv: ["info", "free_memory"], code: 0, stdout: "14336\n" },
  "info FIELD prints every key it prefixes": { argv: ["info", "xen_m"], code: 0, stdout: "4\n17\n" },
  "domid of an unknown name": { argv: ["domid", "nosuch"], code: 1, stderr: "Can't get domid of domain name 'nosuch', maybe this domain does not exist.\n" },
  "domid looks numbers up as names": { argv: ["domid", "0"], code: 1, stderr: "Can't get domid of domain name '0', maybe this domain does not exist.\n" },
  "domid Domain-0": { argv: ["domid", "Domain-0"], code: 0, stdout: "0\n" },
  "domname of a non-number": { argv: ["domname", "abc"], code: 1, stderr: "Invalid domain id.\n\n" },
  "domname of an unknown id": { argv: ["domname", "9"], code: 1, stderr: "Can't get domain name of domain id '9', maybe this domain does not exist.\n" },
  "domname 0": { argv: ["domname", "0"], code: 0, stdout: "Domain-0\n" },
  "destroy Domain-0 without -f": {
    argv: ["destroy", "0"],
    code: 1,
    stderr: "Not destroying domain 0; use -f to force.\nThis can only be done when using a disaggregated hardware domain and toolstack.\n\n",
  },
  "destroy an unknown domid: four lines, rc=-21": {
    argv: ["destroy", "9"],
    code: 1,
    stderr: /^libxl: error: [^:]+:\d+:libxl__destroy_domid: Domain 9:Non-existant domain\nlibxl: error: .*:domain_destroy_callback: Domain 9:Unable to destroy guest\nlibxl: error: .*:domain_destroy_cb: Domain 9:Destruction of domain failed\ndestroy failed \(rc=-21\)\n$/,
  },
  "destroy an unknown name": { argv: ["destroy", "nosuch"], code: 1, stderr: "nosuch is an invalid domain identifier (rc=-6)\n" },
  "pause an unknown domid: logged, exit 0": { argv: ["pause", "9"], code: 0, stderr: /libxl_domain_pause: Domain 9:Pausing domain: No such process\n$/ },
  "unpause an unknown domid: logged, exit 0": { argv: ["unpause", "9"], code: 0, stderr: /Domain 9:Unpausing domain: No such process\n$/ },
  "shutdown without a domain": { argv: ["shutdown"], code: 1, stderr: "You must specify -a or a domain id.\n\n" },
  "shutdown an unknown name": { argv: ["shutdown", "nosuch"], code: 1, stderr: "nosuch is an invalid domain identifier (rc=-6)\n" },
  "shutdown an unknown domid": { argv: ["shutdown", "9"], code: 1, stderr: /^Shutting down domain 9\n.*unable to get domain type for domid=9\nshutdown failed \(rc=-3\)\n$/ },
  "create without a config file: exit 6": { argv: ["create"], code: 6, stderr: "Config file not specified and none in save file\n" },
  "create a missing file: exit 3, before Parsing": { argv: ["create", "/nonexistent/vm.cfg"], code: 3, stderr: "Failed to read config file: /nonexistent/vm.cfg: No such file or directory\n" },
  "create with two files: usage, exit 2": { argv: ["create", "/dev/null", "other.cfg"], code: 2, stdout: /^Usage: xl \[-vfN\] create/ },
  "create from the command line only, name missing": { argv: ["create", "/dev/null", "memory=64"], code: 1, stderr: "Parsing config from /dev/null\nDomain name must be specified.\n" },
  "create with an unquoted name": {
    argv: ["create", "/dev/null", "name=xen-f"],
    code: 1,
    stderr: "Parsing config from /dev/null\n/dev/null:2: config parsing error near `xen': syntax error, unexpected IDENT, expecting STRING or NUMBER or '['\nFailed to parse config: Invalid argument\n",
  },
  "create with a bad type": { argv: ["create", "/dev/null", 'name="a"', 'type="xen"'], code: 1, stderr: /\nInvalid domain type xen\.\n$/ },
  "create with a bad on_crash": { argv: ["create", "-q", "/dev/null", 'name="a"', 'on_crash="explode"'], code: 1, stderr: 'Unknown on_crash action "explode" specified\n' },
  "trigger with an unknown event": { argv: ["trigger", "0", "boom"], code: 1, stderr: 'Invalid trigger "boom"\n' },
  "mem-set with a bad size": { argv: ["mem-set", "0", "12x"], code: 1, stderr: "invalid memory size: 12x\n" },
  "uptime: header and Domain-0": { argv: ["uptime"], code: 0, stdout: /^Name {32}ID Uptime\nDomain-0 {29}0 +\d+:\d\d:\d\d\n$/ },
  "vcpu-list 0": { argv: ["vcpu-list", "0"], code: 0, stdout: /^Name {32}ID {2}VCPU {3}CPU State {3}Time\(s\) Affinity \(Hard \/ Soft\)\nDomain-0 {29}0 {5}0 {5}0 {3}r-- +\d+\.\d {2}all \/ all\n/ },
};

t.test("xl on a host with no guests", async (t) => {
  const host = simHost(t);
  for (const [title, row] of Object.entries(rows)) {
    const result = await xl(host, ...row.argv);
    t.equal(result.code, row.code, `${title}: exit code`);
    for (const stream of ["stdout", "stderr"] as const) {
      const expected = row[stream];
      if (expected === undefined) continue;
      if (typeof expected === "string") t.equal(result[stream], expected, `${title}: ${stream}`);
      else t.match(result[stream], expected, `${title}: ${stream}`);
    }
  }
});

t.test("without a hypervisor every command fails the same way, exit 1", async (t) => {
  const host = simHost(t);
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  setHostKnobs(host.root, host.host, { hypervisor: false });
  for (const argv of [["list"], ["info"], ["create", cfg], ["destroy", "vm1"], ["shutdown", "1"], ["frobnicate"], ["help"]]) {
    const result = await xl(host, ...argv);
    t.same(
      [result.code, result.stdout, result.stderr],
      [
        1,
        "",
        "xencall: error: Could not obtain handle on privileged command interface: No such file or directory\n" +
          "libxl: error: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle: No such file or directory\n" +
          "cannot init xl context\n",
      ],
      argv.join(" "),
    );
  }
});

t.test("xl list -l of a guest: libxl's JSON, defaults left out (golden per persona)", async (t) => {
  for (const persona of ["xl-4.17", "xl-4.21"] as const) {
    const host = simHost(t, { persona });
    const cfg = writeSampleConfig({
      root: host.root,
      name: "vm1",
      memoryMiB: 256,
      vcpus: 2,
      extraLines: ['uuid = "5f3a1c2e-8d4b-4e2a-9c1f-0a1b2c3d4e5f"', "vif = [ 'mac=00:16:3e:00:00:01, bridge=xenbr0' ]"],
    });
    t.equal((await xl(host, "create", "-q", cfg)).code, 0);
    const listed = await xl(host, "list", "-l", "vm1");
    t.equal(listed.code, 0);
    matchGolden(t, `sim/xl-list-long-${persona}.json`, listed.stdout);
    t.ok(await untilState(host, "vm1", "-b----"));
  }
});

t.test("a config path is taken relative to the caller's directory", async (t) => {
  const host = simHost(t);
  writeFileSync(join(host.sharedDir, "rel.cfg"), 'name = "rel"\nmemory = 64\n');
  const result = await inProcess(host, "xl", ["create", "rel.cfg"], host.sharedDir);
  t.equal(result.code, 0);
  t.equal(result.stderr, "Parsing config from rel.cfg\n");
});
