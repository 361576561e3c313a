/*
 * reps.pml - properties 1, 2, 3 and the no-busy-wait check around the
 * representor guards.
 *
 * Switchdev, ETH and IB reps registered and loaded on the uplink and the
 * VF. Concurrently: a mode change to legacy and back to switchdev (devlink
 * lock held; its driver rescans delete and re-add the rep devices, whose
 * remove and probe unregister and register on the rescanning thread under
 * the device lock), `rmmod mlx5_ib` followed by `modprobe mlx5_ib` (device
 * lock, register/unregister, never the devlink lock), a sysfs unbind of
 * the eth-rep device, a host VF change (function change work), and the
 * work queue running the loads that registration queues.
 *
 *  P1: no invalid end state (deadlock) with the mode change holding the
 *      devlink lock, no guard re-entry.     NO_HANDOFF breaks it.
 *  P2: guarded sections (every reconfiguration, register, unregister, each
 *      load/unload callback) never overlap. NO_GUARD breaks it.
 *  P3: no load/unload callback of a registration runs once (or while) its
 *      unregistration returns(ed); no load queued by a registration is left
 *      queued when its unregistration returns. NO_CANCEL breaks the latter.
 *  R:  (-DREP_MONITOR) rep state consistency (rep_monitor in esw.pml) in
 *      every state. NO_IB_NEEDS_ETH breaks it with -DETH_UNBIND (the
 *      model's finding, fixed in patch 6; README.md, "Findings").
 *  NP: no busy waiting (non-progress cycle, -DNP, pan -l). V1_SPIN breaks it.
 */
#define NEED_MODE_SET
#define NEED_DRV_USER
#include "esw.pml"

init {
	atomic {
		init_switchdev(1, 1, 1, 1);
		run worker();
		run dwork_timer();
#if defined(REP_MONITOR)
		run rep_monitor();
#endif
		run mode_set(LEGACY, 1);
		run drv_user(IB, DRV_RELOAD);
#if defined(ETH_UNBIND)
		run drv_user(ETH, DRV_UNBIND);
#endif
#if defined(FW_EVENT)
		run fw_event(1, 1);
#endif
	}
}
