import { genericError } from "../../lib/ocf/exit-code.ts";
import { MIN_LOOK_MS, POLL_MS, type XenContext } from "./deps.ts";

/**
 * After destroy, xl removes the name before the domain leaves the hypervisor
 * (doc/xl-behaviour.md §3.2, §7.6). Name gone is enough once the old domid is gone
 * too, or dying: a dying "(null)" zombie no longer runs, it only holds memory
 * (warned about, since the next start on this host may lack that memory).
 * The same domid under another name is still a live domain. When no time is
 * left for the check, the name's absence is accepted with a warning: xl
 * removes a name only while destroying the domain.
 */
export async function confirmGone(ctx: XenContext, domid: number): Promise<void> {
  const toolstack = ctx.deps.toolstack();
  for (;;) {
    if (ctx.deadline.remainingMs() < MIN_LOOK_MS) {
      ctx.log.warn(`no time left to check domain id ${domid}; its name is gone, so it is being destroyed`);
      return;
    }
    const found = await toolstack.lookupId(domid);
    if (!found.present) return;
    const { name, state } = found.domain;
    if (state.dying) {
      ctx.log.warn(`domain id ${domid} lingers as a zombie (${name ?? "(null)"}, state ${state.letters}); its memory is not free yet`);
      return;
    }
    if (name !== undefined) throw genericError(`domain id ${domid} still exists as '${name}', state ${state.letters}`);
    await ctx.deps.sleep(POLL_MS);
  }
}
