import t from "tap";
import { decodeValues } from "../../../lib/ocf/params.ts";
import { sshParamGroup } from "../../../lib/ocf/ssh-params.ts";
import { dom0Ssh } from "../../../agents/fence-xen/params.ts";
import { peerSsh } from "../../../agents/xen-domain/never-twice/lease-params.ts";
import { migrationSsh } from "../../../agents/xen-domain/migrate/params.ts";

const group = sshParamGroup({
  names: { user: "u", identity: "key", port: "p", hostKeyPolicy: "hk", loginTimeout: "lt" },
  where: "lab hosts",
  docs: { port: { shortdesc: "the agent's own words" } },
  defaults: { loginTimeoutS: 7 },
});

t.test("a member has the group's words unless the agent keeps its own", async (t) => {
  t.equal(group.params.u.shortdesc, "Login name on the lab hosts");
  t.equal(group.params.lt.shortdesc, "Seconds ssh may take to log in to the lab hosts");
  t.same([group.params.p.shortdesc, group.params.p.longdesc], ["the agent's own words", undefined], "replaced whole");
});

t.test("a group declares exactly the names it is given, in one fixed order", async (t) => {
  t.same(Object.keys(group.params), ["u", "key", "p", "hk", "lt"]);
  t.same(Object.keys(dom0Ssh.params), ["username", "identity_file", "ipport", "ssh_host_key_policy", "known_hosts_file", "ssh_path", "login_timeout", "shell_timeout"]);
  t.same(Object.keys(peerSsh.params), ["peer_ssh_user", "peer_identity_file", "peer_ssh_port", "peer_host_key_policy", "peer_login_timeout", "peer_shell_timeout"]);
  t.same(Object.keys(migrationSsh.params), ["migration_ssh_user", "migration_ssh_identity", "migration_ssh_port", "migration_ssh_host_key_policy", "migration_ssh_login_timeout"]);
});

t.test("every way to a dom0 has a host-key policy and a login timeout, with the same choices and range", async (t) => {
  for (const [label, params] of [["fence_xen", dom0Ssh.params], ["peers", peerSsh.params], ["migration", migrationSsh.params]] as const) {
    const declared = Object.values(params);
    t.ok(declared.some((p) => p.kind === "select" && p.choices?.join(" ") === "strict accept-new ignore"), `${label}: host-key policy`);
    const seconds = Object.entries(params).filter(([name, p]) => p.kind === "integer" && name.endsWith("login_timeout"));
    t.same(seconds.map(([, p]) => [p.default !== undefined, p.decode("601").ok]), [[true, false]], `${label}: a login timeout, 600 s at most`);
  }
});

t.test("decoded values become ssh settings; unset ones stay unset for ssh to choose", async (t) => {
  const unset = decodeValues(group.params, () => undefined);
  t.ok(unset.ok);
  if (!unset.ok) return;
  t.same(group.settingsOf(unset.values), {
    user: undefined, port: undefined, identityFile: undefined, hostKeyPolicy: undefined, knownHostsFile: undefined,
    loginTimeoutS: 7, sshPath: "ssh", extraOptions: [], commandTimeoutS: undefined,
  });
  const raw: Record<string, string> = { u: "fencer", key: "/etc/k", p: "2222", hk: "accept-new", lt: "3" };
  const set = decodeValues(group.params, (name) => raw[name]);
  t.ok(set.ok);
  if (!set.ok) return;
  t.match(group.settingsOf(set.values), { user: "fencer", identityFile: "/etc/k", port: 2222, hostKeyPolicy: "accept-new", loginTimeoutS: 3 });
});

t.test("hostile values are refused the same way in every group", async (t) => {
  const cases = [
    { member: "user", value: "root -oProxyCommand=x" },
    { member: "identity", value: "relative/key" },
    { member: "port", value: "0" },
    { member: "port", value: "65536" },
    { member: "hostKeyPolicy", value: "STRICT" },
    { member: "loginTimeout", value: "0" },
    { member: "loginTimeout", value: "-5" },
  ] as const;
  const names = {
    fence_xen: { user: "username", identity: "identity_file", port: "ipport", hostKeyPolicy: "ssh_host_key_policy", loginTimeout: "login_timeout" },
    peers: { user: "peer_ssh_user", identity: "peer_identity_file", port: "peer_ssh_port", hostKeyPolicy: "peer_host_key_policy", loginTimeout: "peer_login_timeout" },
    migration: { user: "migration_ssh_user", identity: "migration_ssh_identity", port: "migration_ssh_port", hostKeyPolicy: "migration_ssh_host_key_policy", loginTimeout: "migration_ssh_login_timeout" },
  };
  const groups = { fence_xen: dom0Ssh.params, peers: peerSsh.params, migration: migrationSsh.params };
  for (const [label, params] of Object.entries(groups)) {
    for (const c of cases) {
      const name = names[label as keyof typeof names][c.member];
      const decoded = decodeValues(params, (asked) => (asked === name ? c.value : undefined));
      t.notOk(decoded.ok, `${label}: ${name}=${c.value} refused`);
    }
  }
});

t.test("the migration's paths go into xl's sh -c line: only plain characters pass there", async (t) => {
  const withSpace = (params: typeof dom0Ssh.params | typeof migrationSsh.params, name: string) =>
    decodeValues(params, (asked) => (asked === name ? "/root/my key" : undefined)).ok;
  t.ok(withSpace(dom0Ssh.params, "identity_file"), "fence_xen runs ssh from an argv: a space is fine");
  t.notOk(withSpace(migrationSsh.params, "migration_ssh_identity"), "the migration refuses it");
});
