/**
 * The lab's OCF agent for the guest cluster's service, `ocf:xhl-lab:guest-service`
 * (scenario 3, lib/lab/guest-cluster.ts; the lab only, never a real node):
 * starts guest-cluster-service.ts detached and returns once it answers, as
 * resource-agents' apache agent returns once its status URL answers.
 *
 * ocf:heartbeat:anything, used before, started the daemon through two
 * `su -` login shells and returned when its pid existed, before the daemon
 * listened: about 0.4 s of start, then 0.2 s of a daemon not yet answering,
 * in every failover the bench timed. A Node agent cost nearly as much: the
 * controller's first meta-data call and the start each began a Node process
 * (0.18 s and 0.38 s at load 2, doc/cluster-lab.md §6). So the agent is a
 * bash script, like the lab's xl wrapper: bash's /dev/tcp asks the daemon,
 * $EPOCHREALTIME keeps the op's time.
 *
 *   start    spawn the daemon unless ours runs; wait (within the op's timeout) until it does
 *   stop     SIGTERM, then SIGKILL halfway through the op's time, the daemon the pid file names; wait until it is gone
 *   monitor  0 when it answers, 7 when no daemon of ours runs, 1 when it runs but does not answer
 *
 * Parameters: port (the service's TCP port), state (the daemon's pid file).
 */
import { quoteForShell } from "../exec/ssh.ts";

/** The agent's text, for the daemon `service` run by the Node at `node`. */
export function guestServiceAgent(node: string, service: string): string {
  return `#!/bin/bash
# ocf:xhl-lab:guest-service: the xen-ha cluster lab's agent for the guest cluster's service
# (written by lib/lab/node-files.ts from lib/lab/guest-service-agent.ts, which says what it does)
port=\${OCF_RESKEY_port:-}
state=\${OCF_RESKEY_state:-}
now_ms() { local t=\${EPOCHREALTIME/./}; echo \$(( t / 1000 )); }
end_ms=\$(( \$(now_ms) + \${OCF_RESKEY_CRM_meta_timeout:-20000} - 1000 ))

# the daemon answers "NAME up" on this guest
answers() {
  local line rc
  { exec 3<>"/dev/tcp/127.0.0.1/\$port"; } 2>/dev/null || return 1
  IFS= read -r -t 0.25 line <&3
  rc=\$?
  exec 3<&-
  [ \$rc -eq 0 ] && [[ "\$line" == *" up" ]]
}

# the pid in the state file, when that process is our daemon (not a reused pid)
ours() {
  local pid
  [ -r "\$state" ] && read -r pid < "\$state" && [[ "\$pid" =~ ^[0-9]+\$ ]] && grep -qa guest-cluster-service "/proc/\$pid/cmdline" 2>/dev/null && echo "\$pid"
}

monitor() {
  ours > /dev/null || return 7
  answers && return 0
  return 1
}

start() {
  local pid
  if ! pid=\$(ours); then
    setsid ${quoteForShell(node)} ${quoteForShell(service)} "\$port" < /dev/null > /dev/null 2>&1 &
    pid=\$!
    echo "\$pid" > "\$state"
  fi
  while [ "\$(now_ms)" -lt "\$end_ms" ]; do
    answers && return 0
    kill -0 "\$pid" 2> /dev/null || return 1
    sleep 0.01
  done
  return 1
}

stop() {
  local pid kill_ms
  pid=\$(ours) || { rm -f "\$state"; return 0; }
  kill -TERM "\$pid" 2> /dev/null
  kill_ms=\$(( (\$(now_ms) + end_ms) / 2 ))
  while ours > /dev/null; do
    [ "\$(now_ms)" -ge "\$end_ms" ] && return 1
    [ "\$(now_ms)" -ge "\$kill_ms" ] && kill -KILL "\$pid" 2> /dev/null
    sleep 0.01
  done
  rm -f "\$state"
  return 0
}

case "\$1" in
  meta-data)
    cat << 'EOF'
<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="guest-service" version="1.0">
<version>1.0</version>
<longdesc lang="en">Test-only agent of the xen-ha cluster lab: the guest cluster's HTTP-like service.</longdesc>
<shortdesc lang="en">xen-ha lab guest service</shortdesc>
<parameters>
<parameter name="port" unique="1" required="1"><longdesc lang="en">TCP port</longdesc><shortdesc lang="en">port</shortdesc><content type="integer"/></parameter>
<parameter name="state" unique="1" required="1"><longdesc lang="en">pid file</longdesc><shortdesc lang="en">pid file</shortdesc><content type="string"/></parameter>
</parameters>
<actions>
<action name="start" timeout="20s"/>
<action name="stop" timeout="20s"/>
<action name="monitor" timeout="20s" interval="10s"/>
<action name="meta-data" timeout="5s"/>
</actions>
</resource-agent>
EOF
    exit 0 ;;
esac
[[ "\$port" =~ ^[0-9]+\$ ]] && [ "\$port" -gt 0 ] && [ "\$port" -le 65535 ] && [[ "\$state" == /* ]] || exit 6
case "\$1" in
  start) start ;;
  stop) stop ;;
  monitor) monitor ;;
  validate-all) exit 0 ;;
  *) exit 3 ;;
esac
`;
}
