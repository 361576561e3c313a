/*
 * vport.pml - property 6: vport change events are never held up behind a
 * dispatcher waiting for the devlink lock.
 *
 * Switchdev; a function change event queues an item for esw_wq_handler()
 * on the ordered esw->work_queue; a vport change event queues
 * esw_vport_change_handler() on the same queue; a devlink lock holder
 * (any long devlink operation, seconds on hardware) holds the lock until
 * the vport event has been handled. If the dispatcher waits for the lock
 * on the queue, the vport work behind it never runs while the lock is
 * held: the holder waits forever (a livelock hidden by the timeouts).
 *
 *  P6: [] (vport_q -> <> vport_done), weak fairness (pan -a -f).
 *      V3_SLEEP_ON_QUEUE and V1_BUSY_TRYLOCK break it.
 *  NP: the dispatcher never busy-waits for the lock (pan -l).
 *      V1_BUSY_TRYLOCK breaks it (V3's 60 ms sleeps are timed waits).
 */
#include "esw.pml"

ltl p6 { [] (vport_q -> <> vport_done) }

init {
	atomic {
		init_switchdev(1, 1, 1, 0);
		run worker();
		run dwork_timer();
#if !defined(NPCHECK)
		run stutter();		/* not in the non-progress run */
#endif
		run fw_event(1, 0);
		run vport_event();
		run dl_holder()
	}
}
