/*
 * register.pml - property 4: a registration made in switchdev mode ends
 * with the reps loaded, unless superseded.
 *
 * Switchdev, the eth-rep driver (mlx5e) bound, its reps loaded on the
 * uplink; the rdma-rep device present, mlx5_ib not loaded. Concurrently:
 * `modprobe mlx5_ib` (registration under the device lock; patch 7 queues
 * the load on the E-Switch work queue), a host VF appearing (function
 * change work loading the VF's reps), and optionally (-DETH_REBIND) a
 * sysfs unbind + bind of the eth-rep device, (-DMODE_TOGGLE) a mode change
 * to legacy and back.
 *
 * "Loaded unless superseded": whenever the E-Switch is in switchdev mode
 * with the FDB created and a type registered, the reps of that type are
 * LOADED: ETH, the uplink's and the VF's if its vport is enabled; IB, those
 * of the vports whose ETH rep is LOADED (what the E-Switch loads itself). A later mode change or unregistration supersedes
 * the registration; the formula then holds trivially or again through
 * the reconfiguration's own loads. Eventually always (<>[]), checked with
 * weak fairness (pan -a -f): the dispatcher's retries must not be starved.
 * BASE_STORE_ONLY breaks it.
 */
#if defined(MODE_TOGGLE)
#define NEED_MODE_SET
#endif
#define NEED_DRV_USER
#include "esw.pml"

#define sw_on	(mode == OFFLOADS && fdb)
#define eth_ok	(!(sw_on && ops[ETH] != 0) || \
		 (RS(ETH, UP) == R_LOADED && (!vf_on || RS(ETH, VF) == R_LOADED)))
#define ib_ok	(!(sw_on && ops[IB] != 0) || \
		 ((RS(ETH, UP) != R_LOADED || RS(IB, UP) == R_LOADED) && \
		  (RS(ETH, VF) != R_LOADED || RS(IB, VF) == R_LOADED)))

ltl p4 { <> [] (eth_ok && ib_ok) }

init {
	atomic {
		init_switchdev(1, 0, 0, 0);
		run worker();
		run dwork_timer();
#if !defined(NPCHECK)
		run stutter();		/* not in the non-progress run */
#endif
		run drv_user(IB, DRV_LOAD);
		run fw_event(1, 1);
#if defined(ETH_REBIND)
		run drv_user(ETH, DRV_RELOAD);
#endif
#if defined(MODE_TOGGLE)
		run mode_set(LEGACY, 1);
#endif
	}
}
