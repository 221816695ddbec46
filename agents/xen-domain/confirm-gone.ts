import { genericError } from "../../lib/ocf/exit-code.ts";
import { POLL_MS, type XenContext } from "./deps.ts";

/**
 * After destroy, xl removes the name before the domain leaves the hypervisor
 * (xl-fidelity §3.2, §7.6). Name gone is enough once the old domid is gone
 * too, or dying: a dying "(null)" zombie no longer runs, it only holds memory
 * (warned about, since the next start on this host may lack that memory).
 * The same domid under another name is still a live domain.
 */
export async function confirmGone(ctx: XenContext, domid: number): Promise<void> {
  const toolstack = ctx.deps.toolstack();
  for (;;) {
    const found = await toolstack.lookupId(domid);
    if (!found.present) return;
    const { name, state } = found.domain;
    if (state.dying) {
      ctx.log.warn(`domain id ${domid} lingers as a zombie (${name ?? "(null)"}, state ${state.letters}); its memory is not free yet`);
      return;
    }
    if (name !== undefined) throw genericError(`domain id ${domid} still exists as '${name}', state ${state.letters}`);
    if (ctx.deadline.expired()) throw genericError(`domain id ${domid} lost its name but is neither gone nor dying (state ${state.letters})`);
    await ctx.deps.sleep(POLL_MS);
  }
}
