/*
 * teardown.pml - properties 1 and 5 around the E-Switch work queue.
 *
 * Switchdev on an ECPF, ETH and IB reps registered and loaded (uplink),
 * the host VF count changing in firmware (function change events), a vport
 * change event, a mode change to legacy, optionally (-DIB_USER) `rmmod
 * mlx5_ib` then `modprobe mlx5_ib`, and the device removal
 * (mlx5_uninit_one(): devlink lock held across mlx5_eswitch_disable() and
 * mlx5_eswitch_cleanup(), which cancels and destroys the work queue).
 *
 *  P1: no invalid end state: nothing hangs while teardown or the mode
 *      change holds the devlink lock (spin safety run, pan -A).
 *      BASE_LOCK_FIRST breaks it (the aed763abf0e9 / patch 3 deadlock).
 *  P5: no stale work runs its function: an item runs only in the epoch of
 *      what queued it (the notifier registration or the registration), and
 *      nothing runs or is queued on a freed E-Switch (assertions, pan -E).
 *      NO_GENCHECK, NO_RECHECK and BUMP_EARLY break it.
 */
#if !defined(NO_MODE_SET)
#define NEED_MODE_SET
#endif
#define NEED_TEARDOWN
#if defined(IB_USER)
#define NEED_DRV_USER
#endif
#include "esw.pml"

init {
	atomic {
		init_switchdev(1, 1, 1, 0);
		run worker();
		run dwork_timer();
		run fw_event(2, 1);
		run vport_event();
#if !defined(NO_MODE_SET)
		run mode_set(LEGACY, 0);
#endif
#if defined(IB_USER)
		run drv_user(IB, DRV_RELOAD);
#endif
		run teardown()
	}
}
