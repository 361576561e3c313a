/*
 * esw.pml - Promela model of the mlx5 E-Switch representor lifecycle
 * protocol, as implemented by patches/0001-0007 (line numbers: the
 * `series` branch of build/linux, f5e2eb4f3ded).
 *
 * This file holds the state and the behaviour; the scenario files
 * (teardown.pml, reps.pml, register.pml, vport.pml) #include it, set the
 * initial state, start the processes and name the properties. The big
 * process types are compiled only for the scenarios that define
 * NEED_MODE_SET, NEED_TEARDOWN, NEED_DRV_USER (pan compile time).
 *
 * Kernel file abbreviations used below:
 *   esw.c  drivers/net/ethernet/mellanox/mlx5/core/eswitch.c
 *   off.c  drivers/net/ethernet/mellanox/mlx5/core/eswitch_offloads.c
 *   dev.c  drivers/net/ethernet/mellanox/mlx5/core/dev.c
 *   ib.c   drivers/infiniband/hw/mlx5/ib_rep.c
 *
 * Switches (-D) that restore a broken behaviour (each must make spin fail):
 *   BASE_LOCK_FIRST   handler takes the devlink lock, then checks the
 *                     generation; cleanup does not cancel (the base kernel)
 *   NO_GENCHECK       no generation check at all (patches 2-3 reverted)
 *   NO_RECHECK        no re-check of the generation under the lock
 *   BUMP_EARLY        generation bumped before the notifiers are gone (v1)
 *   V3_SLEEP_ON_QUEUE handler sleeps (60 ms waits) on the ordered queue
 *                     until it gets the lock (upstream v2 work queue)
 *   V1_BUSY_TRYLOCK   handler loops devl_trylock() + cond_resched() (v1)
 *   BASE_STORE_ONLY   registration only stores the ops (the base kernel)
 *   V1_SPIN           guard waiters busy-spin on the cmpxchg (v1)
 *   NO_GUARD          mlx5_esw_reps_block()/unblock() do nothing
 *   NO_CANCEL         unregistration leaves the queued load queued
 *   NO_HANDOFF        the mode change keeps the REP_ETH guard across the
 *                     driver rescan
 *   NO_IB_NEEDS_ETH   esw_offloads_load_rep_guarded() loads an IB rep
 *                     whatever the state of its vport's ETH rep (patch 6
 *                     before the fix of the model's finding, README.md;
 *                     tests/reverts/ib-load-without-eth.diff)
 */

/* Property tags: spin prints them in the text of a violated assertion. */
hidden byte Prop1 = 1;	/* no deadlock / no guard re-entry */
hidden byte Prop2 = 1;	/* guarded sections never overlap */
hidden byte Prop3 = 1;	/* nothing of a registration outlives its unregistration */
hidden byte Prop5 = 1;	/* no stale work runs, nothing runs on a freed E-Switch */
hidden byte PropR = 1;	/* rep state consistency (IB needs ETH and the uplink) */

#define ME	(_pid + 1)	/* "current": the task, 0 means nobody */

/* enum mlx5_rep_type */
#define ETH	0
#define IB	1
/* vports: the uplink and one VF (a host VF of an ECPF) */
#define UP	0
#define VF	1
#define NV	2
#define RS(t, v)	rs[(t) * NV + (v)]
/* rep_data[].state: REP_UNREGISTERED, REP_REGISTERED, REP_BUSY, REP_LOADED */
#define R_UNREG		0
#define R_REG		1
#define R_BUSY		2
#define R_LOADED	3
/* esw->mode */
#define LEGACY		0
#define OFFLOADS	1
/* the function of an E-Switch work item (struct mlx5_esw_work) */
#define K_FUNCS		1	/* esw_functions_changed_work() */
#define K_LOAD		2	/* esw_offloads_load_registered_reps(), + rep type */
/* work structs on the ordered esw->work_queue */
#define WK_DISPATCH	1	/* esw->dispatch.dwork, esw_wq_handler() */
#define WK_VPORT	2	/* vport->vport_change_handler */

/* ------------------------------------------------------------------ */
/* State                                                               */

byte dl;			/* devlink->lock: owner or 0 */
bit  dl_registered = 1;		/* cleared by devl_unregister() at teardown */

byte g[2];			/* offloads.reps_guard[t]: owner (BLOCKED) or 0 */
byte sec[2];			/* ghost: who is inside the section of guard t */

byte rs[4];			/* rep_data[t].state of vport v: RS(t, v) */
byte ops[2];			/* rep_ops[t]: 0 is NULL, else the ghost id of
				 * the registration that published it */
byte reg_seq[2];		/* ghost: registrations made so far */
byte dead_upto[2];		/* ghost: id of the last registration whose
				 * unregistration returned */

bit  mode;			/* esw->mode */
bit  fdb;			/* MLX5_ESW_FDB_CREATED */
bit  vf_on;			/* the VF vport is enabled */
bit  num_vfs;			/* esw->esw_funcs.num_vfs */
bit  fw_vfs;			/* host VF count in firmware (the query result) */
bit  nb_vport;			/* esw->nb (NIC_VPORT_CHANGE) registered */
bit  nb_funcs;			/* esw->esw_funcs.nb registered */
byte nb_epoch;			/* ghost: epoch in which esw_funcs.nb was registered */

/* dispatcher: esw->generation, esw->dispatch.{lock,pending,closed} */
byte gen;			/* esw->generation */
byte epoch;			/* ghost: bumped when a disable or cleanup begins */
bit  closed;			/* esw->dispatch.closed */
#define MAXIT	3
byte it_k[MAXIT];		/* pending items: function (+ data) */
byte it_g[MAXIT];		/* ew->generation */
byte it_e[MAXIT];		/* ghost: epoch of what queued it */
byte it_r[MAXIT];		/* ghost: registration id of a load item */
byte nit;

/* the ordered (single threaded) esw->work_queue */
chan wq = [2] of { byte };
bit  dw_pending;		/* WORK_STRUCT_PENDING of dispatch.dwork */
bit  dw_timer;			/* its timer is armed (delayed retry) */
bit  vp_pending;		/* WORK_STRUCT_PENDING of the vport change work */
byte running;			/* work item the worker runs now, 0 if idle */
bit  wq_dead;			/* destroy_workqueue() done */
bit  freed;			/* kfree(esw) done */

/* auxiliary devices eth-rep (ETH) and rdma-rep (IB) and their drivers */
bit  present[2];		/* device added (device_add() .. device_del()) */
bit  bound[2];			/* driver bound (probe() .. remove()) */
bit  drv_loaded[2];		/* driver registered on the bus */
byte adev_lock[2];		/* device_lock(&adev->dev): owner or 0 */

/* ghosts of property 6 */
bit  vport_q;			/* a vport change event was queued */
bit  vport_done;		/* ... and its work ran */

/* Every process declares these; the inlines below use them. */
#define LOCALS \
	bit err; bit gerr; bit rerr; bit uerr; bit ferr; bit perr; bit ok; \
	bit uheld; byte cb; byte k; byte ig; byte ie; byte ir; byte fresh; \
	byte i; byte vv; byte tt

/* ------------------------------------------------------------------ */
/* Locks                                                               */

/* devl_lock() (a mutex: sleeps) */
inline devl_lock()
{
	atomic { dl == 0 -> dl = ME }
}

inline devl_unlock()
{
	assert(dl == ME);
	dl = 0
}

/* devl_trylock() */
inline devl_trylock(res)
{
	atomic {
		if
		:: dl == 0 -> dl = ME; res = 1
		:: else -> res = 0
		fi
	}
}

/* device_lock(&adev->dev) (a mutex) */
inline adev_lock_(t)
{
	atomic { adev_lock[t] == 0 -> adev_lock[t] = ME }
}

inline adev_unlock_(t)
{
	adev_lock[t] = 0
}

/*
 * mlx5_esw_reps_block() / __mlx5_esw_reps_block() (off.c:2578): the state
 * moves UNBLOCKED->BLOCKED by cmpxchg inside wait_var_event(), so a waiter
 * sleeps (a blocked Promela statement, enabled again by the unblock). The
 * owner is recorded; re-entry warns and returns -EDEADLK (e = 1), which
 * the model treats as a bug (P1: a mutex would hang there).
 */
inline reps_block(t, e)
{
#if defined(NO_GUARD)
	atomic { e = 0; assert(Prop2 && sec[t] == 0); sec[t] = ME }
#elif defined(V1_SPIN)
	/* v1: no owner, cmpxchg in a cond_resched() loop */
	do
	:: atomic {
		g[t] == 0 -> g[t] = ME; e = 0;
		assert(Prop2 && sec[t] == 0); sec[t] = ME
	   };
		break
	:: g[t] != 0 -> skip		/* spin */
	od
#else
	if
	:: g[t] == ME ->
		assert(Prop1 && g[t] != ME);	/* WARN_ONCE "taken twice" */
		e = 1
	:: else ->
		atomic {
			g[t] == 0 -> g[t] = ME; e = 0;
			/* ghost: enter the guarded section (P2) */
			assert(Prop2 && sec[t] == 0); sec[t] = ME
		}
	fi
#endif
}

/* mlx5_esw_reps_unblock() (off.c:2644): release, wake_up_var() */
inline reps_unblock(t)
{
	atomic {
		sec[t] = 0;
#if !defined(NO_GUARD)
		assert(g[t] == ME);
		g[t] = 0
#endif
	}
}

/* ------------------------------------------------------------------ */
/* Dispatcher: mlx5_esw_add_work(), mlx5_esw_cancel_work(),            */
/* mlx5_esw_work_invalidate(), queue_delayed_work()                    */

/* queue_delayed_work(esw->work_queue, &dwork, 0): no-op while PENDING */
inline queue_dwork_now()
{
	if
	:: !dw_pending ->
		assert(Prop5 && !wq_dead);		/* queueing on a destroyed wq */
		dw_pending = 1;
		wq ! WK_DISPATCH
	:: else -> skip
	fi
}

/*
 * mlx5_esw_add_work() (esw.c:2048): under dispatch.lock, refuse when
 * closed, stamp the generation, append, queue the handler.
 * kind: K_FUNCS or K_LOAD + type; ep: ghost epoch of the producer;
 * rid: ghost registration id (load items); e: -ENODEV.
 */
inline add_work(kind, ep, rid, e)
{
	d_step {
		if
		:: closed -> e = 1
		:: else ->
			assert(nit < MAXIT);
			it_k[nit] = kind;
			it_g[nit] = gen;
			it_e[nit] = ep;
			it_r[nit] = rid;
			nit++;
			queue_dwork_now();
			e = 0
		fi
	}
}

/* mlx5_esw_work_invalidate() (esw.c:1077): devlink lock held */
inline invalidate()
{
	assert(dl == ME);
	gen++
}

/* esw_work_drop_stale() (esw.c:1955): returns the fresh count in fresh */
inline drop_stale()
{
	d_step {
		i = 0;
		fresh = 0;
		do
		:: i < nit ->
			if
			:: it_g[i] == gen ->
				it_k[fresh] = it_k[i]; it_g[fresh] = it_g[i];
				it_e[fresh] = it_e[i]; it_r[fresh] = it_r[i];
				fresh++
			:: else -> skip
			fi;
			i++
		:: else -> break
		od;
		i = fresh;
		do
		:: i < nit -> it_k[i] = 0; it_g[i] = 0; it_e[i] = 0; it_r[i] = 0; i++
		:: else -> break
		od;
		nit = fresh;
		i = 0
	}
}

/* mlx5_esw_cancel_work(esw, esw_offloads_load_registered_reps, t) (esw.c:2092) */
inline cancel_load_work(t)
{
	d_step {
		i = 0;
		k = 0;
		do
		:: i < nit ->
			if
			:: it_k[i] != K_LOAD + t ->
				it_k[k] = it_k[i]; it_g[k] = it_g[i];
				it_e[k] = it_e[i]; it_r[k] = it_r[i];
				k++
			:: else -> skip
			fi;
			i++
		:: else -> break
		od;
		i = k;
		do
		:: i < nit -> it_k[i] = 0; it_g[i] = 0; it_e[i] = 0; it_r[i] = 0; i++
		:: else -> break
		od;
		nit = k;
		i = 0;
		k = 0
	}
}

/* esw_work_dequeue() (esw.c:1940): the head of the list into k, ig, ie, ir */
inline dequeue_head()
{
	k = it_k[0]; ig = it_g[0]; ie = it_e[0]; ir = it_r[0];
	i = 1;
	do
	:: i < nit ->
		it_k[i - 1] = it_k[i]; it_g[i - 1] = it_g[i];
		it_e[i - 1] = it_e[i]; it_r[i - 1] = it_r[i];
		i++
	:: else -> break
	od;
	nit--;
	it_k[nit] = 0; it_g[nit] = 0; it_e[nit] = 0; it_r[nit] = 0;
	i = 0
}

/* ------------------------------------------------------------------ */
/* Representors: load/unload helpers (patch 6)                         */

/*
 * The callbacks: ops->load() (mlx5e_vport_rep_load(), mlx5_ib_vport_rep_load())
 * and ops->unload(). The ops are read when the callback starts
 * (esw_rep_ops_blocked()); it runs between the start and the end step.
 */
inline rep_cb_start(t)
{
	cb = ops[t];
	assert(Prop2 && sec[t] == ME);		/* runs inside its guard */
	assert(Prop3 && cb != 0)		/* the ops are published */
}

inline rep_cb_end(t)
{
	assert(Prop3 && cb > dead_upto[t]);	/* not unregistered meanwhile */
	cb = 0
}

/* __esw_offloads_load_rep() (off.c:2685): REGISTERED -> BUSY -> LOADED */
inline load_rep(t, v)
{
	if
	:: atomic { RS(t, v) == R_REG -> RS(t, v) = R_BUSY; rep_cb_start(t) };
		atomic {
			rep_cb_end(t);
			if
			:: RS(t, v) == R_BUSY -> RS(t, v) = R_LOADED
			:: else -> skip
			fi
		}
	:: else -> skip
	fi
}

/* __esw_offloads_unload_rep() for REP_IB (off.c:2706) */
inline unload_rep_ib(v)
{
	if
	:: atomic { RS(IB, v) == R_LOADED -> RS(IB, v) = R_BUSY; rep_cb_start(IB) };
		atomic {
			rep_cb_end(IB);
			if
			:: RS(IB, v) == R_BUSY -> RS(IB, v) = R_REG
			:: else -> skip
			fi
		}
	:: else -> skip
	fi
}

/* esw_offloads_unload_rep_guarded(esw, rep, REP_IB) (off.c:2763) */
inline unload_rep_guarded_ib(v)
{
	reps_block(IB, gerr);
	unload_rep_ib(v);
	if
	:: gerr == 0 -> reps_unblock(IB)
	:: else -> skip
	fi
}

/*
 * __esw_offloads_unload_rep() (off.c:2706), either type: LOADED -> BUSY;
 * an ETH rep unloads the IB rep of its vport (guarded) before its own.
 */
inline unload_rep(t, v)
{
	if
	:: atomic { RS(t, v) == R_LOADED -> RS(t, v) = R_BUSY };
		if
		:: t == ETH -> unload_rep_guarded_ib(v)
		:: else -> skip
		fi;
		atomic { rep_cb_start(t) };
		atomic {
			rep_cb_end(t);
			if
			:: RS(t, v) == R_BUSY -> RS(t, v) = R_REG
			:: else -> skip
			fi
		}
	:: else -> skip
	fi
}

/*
 * esw_offloads_load_rep_guarded(esw, rep, REP_IB) (off.c:2729, the test
 * at :2751): an IB rep is loaded only if its vport's ETH rep is LOADED and,
 * for a VF, the uplink's IB rep is LOADED; else it is left REGISTERED to
 * the next load (the ETH registration's queued load, a reconfiguration).
 */
inline load_rep_guarded_ib(v)
{
	reps_block(IB, gerr);
	if
	:: gerr == 0 ->
		if
#if defined(NO_IB_NEEDS_ETH)
		/* patch 6 before the fix: the vport's ETH rep not looked at */
		:: v == UP || RS(IB, UP) == R_LOADED -> load_rep(IB, v)
#else
		:: RS(ETH, v) == R_LOADED &&
		   (v == UP || RS(IB, UP) == R_LOADED) -> load_rep(IB, v)
#endif
		:: else -> skip
		fi;
		reps_unblock(IB)
	:: else -> skip
	fi
}

/* mlx5_esw_offloads_rep_load() (off.c:2787): caller holds REP_ETH */
inline rep_load(v)
{
	assert(Prop2 && sec[ETH] == ME);	/* mlx5_esw_reps_assert_blocked() */
	load_rep(ETH, v);
	load_rep_guarded_ib(v)
}

/* mlx5_esw_offloads_rep_unload() (off.c:2819): ETH first */
inline rep_unload(v)
{
	assert(Prop2 && sec[ETH] == ME);
	unload_rep(ETH, v);
	unload_rep_guarded_ib(v)
}

/*
 * mlx5_eswitch_reload_ib_reps() (off.c:3581): under REP_IB, the uplink
 * first, then every vport whose ETH rep is LOADED.
 */
inline reload_ib_reps()
{
	if
	:: mode == OFFLOADS ->
		reps_block(IB, gerr);
		if
		:: gerr == 0 ->
			if
			:: RS(ETH, UP) == R_LOADED ->
				vv = UP;
				do
				:: load_rep(IB, vv);
					if
					:: vv == UP && RS(ETH, VF) == R_LOADED -> vv = VF
					:: else -> break
					fi
				od;
				vv = 0
			:: else -> skip
			fi;
			reps_unblock(IB)
		:: else -> skip
		fi
	:: else -> skip
	fi
}

/* ------------------------------------------------------------------ */
/* Registration (patches 6, 7)                                         */

/*
 * esw_register_vport_reps() (off.c:4509), called by mlx5e_rep_probe() and
 * mlx5r_rep_probe() (ib.c:257). e: the error returned (-ENODEV).
 */
inline register_reps(t, e)
{
	reps_block(t, e);
	if
	:: e == 0 ->
#if !defined(BASE_STORE_ONLY)
		/* queued before anything is published (off.c:4530) */
		if
		:: mode == OFFLOADS -> add_work(K_LOAD + t, epoch, reg_seq[t] + 1, e)
		:: else -> skip
		fi;
#endif
		if
		:: e == 0 ->
			d_step {
				reg_seq[t]++;
				ops[t] = reg_seq[t];	/* rcu_assign_pointer() */
				RS(t, UP) = R_REG;
				RS(t, VF) = R_REG
			}
		:: else -> skip
		fi;
		reps_unblock(t)
	:: else -> skip
	fi
}

/*
 * esw_unregister_vport_reps() (off.c:4549), called by mlx5e_rep_remove()
 * and mlx5r_rep_remove() (ib.c:268). Never takes the devlink lock.
 */
inline unregister_reps(t)
{
	reps_block(t, uerr);
	uheld = !uerr;
#if !defined(NO_CANCEL)
	cancel_load_work(t);
#endif
	/* __unload_reps_all_vport(): xarray order, the VF before the uplink */
	vv = VF;
	do
	:: unload_rep(t, vv);
		if
		:: vv == VF -> vv = UP
		:: else -> break
		fi
	od;
	vv = 0;
	d_step {
		RS(t, UP) = R_UNREG;
		RS(t, VF) = R_UNREG;
		cb = ops[t];
		ops[t] = 0			/* RCU_INIT_POINTER(..., NULL) */
	};
	if
	:: uheld -> reps_unblock(t)
	:: else -> skip
	fi;
	/* synchronize_rcu(); returns: */
	d_step {
		dead_upto[t] = cb;
		/* P3b: no load queued by this registration is left behind
		 * (-DNO_P3B: skip, to see what else NO_CANCEL breaks) */
		i = 0;
		do
#if !defined(NO_P3B)
		:: i < nit ->
			assert(Prop3 && !(it_k[i] == K_LOAD + t && it_r[i] <= cb));
			i++
#endif
		:: else -> break
		od;
		i = 0;
		cb = 0
	}
}

/* ------------------------------------------------------------------ */
/* Auxiliary bus: probe, remove, rescan (dev.c)                        */

/* really_probe() under device_lock: mlx5e_rep_probe() / mlx5r_rep_probe() */
inline probe(t)
{
	if
	:: present[t] && !bound[t] && drv_loaded[t] ->
		register_reps(t, perr);
		if
		:: perr == 0 -> bound[t] = 1
		:: else -> skip
		fi
	:: else -> skip
	fi
}

/* add_adev(): device_add() + bus_probe_device() */
inline device_add(t)
{
	present[t] = 1;
	if
	:: drv_loaded[t] -> adev_lock_(t); probe(t); adev_unlock_(t)
	:: else -> skip
	fi
}

/* del_adev(): device_del() -> device_release_driver() takes device_lock */
inline device_del(t)
{
	adev_lock_(t);
	if
	:: bound[t] -> unregister_reps(t); bound[t] = 0	/* ->remove() */
	:: else -> skip
	fi;
	present[t] = 0;
	adev_unlock_(t)
}

/*
 * mlx5_rescan_drivers() -> mlx5_rescan_drivers_locked() (dev.c:543):
 * delete_drivers() in reverse order, then add_drivers(). The rep devices
 * exist in switchdev mode only (is_eth_rep_supported(), dev.c:44).
 */
inline rescan()
{
	tt = IB;
	do
	:: if
		:: mode != OFFLOADS && present[tt] -> device_del(tt)
		:: else -> skip
		fi;
		if
		:: tt == IB -> tt = ETH
		:: else -> break
		fi
	od;
	do
	:: if
		:: mode == OFFLOADS && !present[tt] -> device_add(tt)
		:: else -> skip
		fi;
		if
		:: tt == ETH -> tt = IB
		:: else -> break
		fi
	od;
	tt = 0
}

/* mlx5_esw_rescan_drivers_unblocked() (esw.c:1632): hand the guard off */
inline rescan_unblocked()
{
#if !defined(NO_HANDOFF)
	reps_unblock(ETH);
#endif
	rescan();
#if !defined(NO_HANDOFF)
	reps_block(ETH, gerr)			/* WARN_ON_ONCE() */
#endif
}

/* ------------------------------------------------------------------ */
/* E-Switch reconfiguration                                            */

/*
 * mlx5_eswitch_disable_locked() (esw.c:1692): REP_ETH held; notifiers
 * unregistered (synchronously), then the generation bumped, then
 * esw_offloads_disable() unloads the VF reps and the uplink's.
 */
inline disable_locked()
{
	assert(Prop2 && sec[ETH] == ME);
	epoch++;				/* ghost: the old mode's life ends */
#if defined(BUMP_EARLY)
	invalidate();
#endif
	d_step { nb_vport = 0; nb_funcs = 0 }	/* mlx5_eq_notifier_unregister() x2 */
#if !defined(BUMP_EARLY)
	invalidate();
#endif
	if
	:: fdb ->
		fdb = 0;
		if
		:: mode == OFFLOADS ->
			/* mlx5_eswitch_disable_pf_vf_vports(), then the uplink */
			vv = (vf_on -> VF : UP);
			do
			:: rep_unload(vv);
				if
				:: vv == VF -> vv = UP
				:: else -> break
				fi
			od;
			vv = 0
		:: else -> skip
		fi;
		vf_on = 0
	:: else -> skip
	fi
}

/*
 * esw_offloads_enable() (off.c:3801) after the rescan: the uplink reps
 * first, then the VF's (mlx5_eswitch_enable_pf_vf_vports()); then the FDB
 * is created and the function change notifier registered
 * (mlx5_eswitch_event_handler_register()).
 */
inline offloads_enable()
{
	vv = UP;
	do
	:: rep_load(vv);
		if
		:: vv == UP && num_vfs -> vv = VF; vf_on = 1
		:: else -> break
		fi
	od;
	vv = 0;
	fdb = 1;
	d_step { nb_funcs = 1; nb_epoch = epoch }
}

/* ------------------------------------------------------------------ */
/* Work functions, run by esw_wq_handler() with the devlink lock held  */

/*
 * esw_functions_changed_work() -> esw_vfs_changed_event_handler()
 * (off.c:3703): query the host VF count, load or unload the VF under
 * REP_ETH.
 */
inline funcs_changed_work()
{
	assert(dl == ME);
	if
	:: fw_vfs == num_vfs -> skip
	:: else ->
		reps_block(ETH, ferr);
		if
		:: ferr == 0 ->
			if
			:: num_vfs -> rep_unload(VF); vf_on = 0	/* mlx5_eswitch_unload_vf_vports() */
			:: else ->
				vf_on = 1;		/* mlx5_eswitch_load_vf_vports() */
				if
				:: mode == OFFLOADS -> rep_load(VF)
				:: else -> skip
				fi
			fi;
			num_vfs = fw_vfs;
			reps_unblock(ETH)
		:: else -> skip
		fi
	fi
}

/* esw_offloads_load_registered_reps() (off.c:4466), t a variable */
inline load_registered_reps(t)
{
	assert(dl == ME);
	if
	:: mode != OFFLOADS || !fdb -> skip
	:: t == IB -> reload_ib_reps()
	:: else ->
		reps_block(ETH, ferr);
		if
		:: ferr == 0 ->
			/* the uplink first, then every enabled vport */
			vv = UP;
			do
			:: rep_load(vv);
				if
				:: vv == UP && vf_on -> vv = VF
				:: else -> break
				fi
			od;
			vv = 0;
			reps_unblock(ETH)
		:: else -> skip
		fi
	fi
}

/* ew->func(esw, ew->data) */
inline run_func()
{
	/* P5: a work item runs only while the life it belongs to goes on */
	assert(Prop5 && ie == epoch && !freed);
	if
	:: k == K_FUNCS -> funcs_changed_work()
	:: else -> tt = k - K_LOAD; load_registered_reps(tt); tt = 0
	fi;
	k = 0; ig = 0; ie = 0; ir = 0
}

/* the dequeue loop of esw_wq_handler() (esw.c:2017), devlink lock held */
inline run_items()
{
	do
	:: d_step { nit > 0 -> dequeue_head() };
		if
#if defined(NO_GENCHECK) || defined(NO_RECHECK)
		:: true -> run_func()
#else
		:: ig == gen -> run_func()	/* the re-check under the lock */
		:: else -> k = 0; ig = 0; ie = 0; ir = 0
#endif
		fi
	:: else -> break
	od
}

/*
 * esw_wq_handler() (esw.c:1992): drop stale items, then devl_trylock();
 * busy: requeue itself as delayed work (10..160 ms backoff) and return.
 */
inline esw_wq_handler()
{
	assert(Prop5 && !freed);
#if defined(BASE_LOCK_FIRST)
	/* base: esw_functions_changed_event_handler() takes devl_lock() first */
	devl_lock();
	run_items();
	devl_unlock();
#else
#if defined(NO_GENCHECK)
	fresh = nit;
#else
	drop_stale();
#endif
	if
	:: fresh == 0 -> skip
	:: else ->
		fresh = 0;
#if defined(V3_SLEEP_ON_QUEUE) || defined(V1_BUSY_TRYLOCK)
		do
		:: devl_trylock(ok);
			if
			:: ok -> ok = 0; run_items(); devl_unlock(); break
			:: else -> skip
			fi;
#if defined(V3_SLEEP_ON_QUEUE)
			/* wait_event_timeout(..., 60 ms): woken by the timeout
			 * or by mlx5_eswitch_invalidate_wq(); a timed sleep */
progress_sleep:
			skip;
#else
			skip;			/* cond_resched(): a busy loop */
#endif
			drop_stale();
			if
			:: fresh == 0 -> break
			:: else -> fresh = 0
			fi
		od
#else
		devl_trylock(ok);
		if
		:: ok -> ok = 0; run_items(); devl_unlock()
		:: else ->
			/* queue_delayed_work(wq, &dwork, delay): false while a
			 * canceller holds PENDING */
			atomic {
				if
				:: !dw_pending -> dw_pending = 1; dw_timer = 1
				:: else -> skip
				fi
			}
		fi
#endif
	fi
#endif
}

/* esw_vport_change_handler() (esw.c:758): esw->state_lock only */
inline esw_vport_change_handler()
{
	assert(Prop5 && !freed);
	vport_done = 1
}

/* ------------------------------------------------------------------ */
/* Processes                                                           */

/* The worker of the ordered esw->work_queue (create_singlethread_workqueue()). */
proctype worker()
{
	LOCALS;
	byte w;
end_idle:
	do
	:: atomic {
		wq ? w ->
		running = w;
		if
		:: w == WK_DISPATCH -> dw_pending = 0	/* cleared before it runs */
		:: else -> vp_pending = 0
		fi
	   };
		if
		:: w == WK_DISPATCH -> esw_wq_handler()
		:: else -> esw_vport_change_handler()
		fi;
		atomic { running = 0; w = 0 }
	od
}

/*
 * The timer of dispatch.dwork: delayed_work_timer_fn() queues it. The
 * retry happens at least 10 ms later (time passes): a progress step, as
 * opposed to a busy loop, for the non-progress check.
 */
proctype dwork_timer()
{
end_idle:
	do
	:: atomic {
		dw_timer ->
		dw_timer = 0;
		assert(Prop5 && !wq_dead && !freed);	/* timer outliving the E-Switch */
		wq ! WK_DISPATCH
	   };
progress_retry:
		skip
	od
}

/*
 * Host VF count changes in firmware: ESW_FUNCTIONS_CHANGED event, handled
 * by mlx5_esw_funcs_changed_handler() (off.c:3750) in atomic context if
 * the notifier is registered: mlx5_esw_add_work(GFP_ATOMIC).
 */
proctype fw_event(byte n; bit toggle)
{
	LOCALS;
	do
	:: n > 0 ->
		atomic {
			if
			:: toggle -> fw_vfs = !fw_vfs
			:: else -> skip
			fi;
			if
			:: nb_funcs -> add_work(K_FUNCS, nb_epoch, 0, err)
			:: else -> skip
			fi;
			err = 0
		};
		n--
	:: else -> break
	od
}

/* NIC_VPORT_CHANGE event: eswitch_vport_event() (esw.c:999) queue_work() */
proctype vport_event()
{
	atomic {
		if
		:: nb_vport && !vp_pending ->
			assert(Prop5 && !wq_dead);
			vp_pending = 1;
			vport_q = 1;
			wq ! WK_VPORT
		:: else -> skip
		fi
	}
}

/*
 * devlink dev eswitch set ... mode legacy|switchdev:
 * devlink_nl_eswitch_set_doit() (devl_lock held) ->
 * mlx5_devlink_eswitch_mode_set() (off.c:4102) -> esw_devlink_mode_set()
 * (off.c:4018).
 */
inline mode_set_(tgt)
{
	devl_lock();
	if
	:: !dl_registered -> skip		/* devlink instance gone */
	:: mode == tgt -> skip
	:: else ->
		/* after mlx5_lag_disable_change() and up_write(mode_lock) */
		reps_block(ETH, err);
		disable_locked();
		/* esw_offloads_start() / esw_offloads_stop(): the mode, then
		 * mlx5_eswitch_enable_locked() (esw.c:1509): vport notifier,
		 * host VF count (mlx5_eswitch_update_num_of_vfs()) */
		mode = tgt;
		nb_vport = 1;
		num_vfs = fw_vfs;
		if
		:: tgt == LEGACY -> vf_on = num_vfs; fdb = 1	/* esw_legacy_enable() */
		:: else -> skip
		fi;
		/* switchdev: the rescan in mlx5_eswitch_enable_locked() before
		 * esw_offloads_enable(); legacy: the one after esw_offloads_stop() */
		rescan_unblocked();
		if
		:: tgt == OFFLOADS -> offloads_enable()
		:: else -> skip
		fi;
		reps_unblock(ETH)
	fi;
	devl_unlock()
}

#if defined(NEED_MODE_SET)
/* one mode change, or (toggle) to the other mode and back */
proctype mode_set(bit target; bit toggle)
{
	LOCALS;
	do
	:: mode_set_(target);
		if
		:: toggle -> toggle = 0; target = !target
		:: else -> break
		fi
	od
}

#endif /* NEED_MODE_SET */

#if defined(NEED_TEARDOWN)
/*
 * Device removal: mlx5_uninit_one() (main.c:1554) under devl_lock():
 * mlx5_eswitch_disable() (esw.c:1725), mlx5_unregister_device() (all
 * auxiliary devices deleted), mlx5_cleanup_once() -> mlx5_eswitch_cleanup()
 * (esw.c:2214), devl_unregister().
 */
proctype teardown()
{
	LOCALS;
	devl_lock();
	/* mlx5_eswitch_disable() */
	reps_block(ETH, err);
	disable_locked();
	mode = LEGACY;
	if :: err == 0 -> reps_unblock(ETH) :: else -> skip fi;
	/* mlx5_unregister_device(): every auxiliary device, reverse order */
	tt = IB;
	do
	:: if
		:: present[tt] -> device_del(tt)
		:: else -> skip
		fi;
		if
		:: tt == IB -> tt = ETH
		:: else -> break
		fi
	od;
	tt = 0;
	/* mlx5_eswitch_cleanup() */
#if !defined(BASE_LOCK_FIRST)
	closed = 1;
#endif
	epoch++;
	invalidate();
#if !defined(BASE_LOCK_FIRST)
	/* cancel_delayed_work_sync(&esw->dispatch.dwork): grab PENDING
	 * (disarm the timer or take it off the queue), wait for a running
	 * instance, release PENDING */
	atomic {
		dw_timer = 0;
		if
		:: wq ?? [eval(WK_DISPATCH)] -> wq ?? eval(WK_DISPATCH)
		:: else -> skip
		fi;
		dw_pending = 1
	};
	running != WK_DISPATCH;
	dw_pending = 0;
#endif
	/* destroy_workqueue(): drain_workqueue(), waits for queued work,
	 * not for an armed timer */
	atomic { len(wq) == 0 && running == 0 -> wq_dead = 1 };
	/* esw_work_free_pending(), kfree(esw) */
	d_step { nit = 0; it_k[0] = 0; it_g[0] = 0; it_e[0] = 0; it_r[0] = 0;
		 it_k[1] = 0; it_g[1] = 0; it_e[1] = 0; it_r[1] = 0;
		 it_k[2] = 0; it_g[2] = 0; it_e[2] = 0; it_r[2] = 0 };
	freed = 1;
	dl_registered = 0;			/* devl_unregister() */
	devl_unlock()
}

#endif /* NEED_TEARDOWN */

/*
 * Unbinding a rep driver from its device, under device_lock():
 *  - rmmod mlx5_ib: module exit -> auxiliary_driver_unregister() ->
 *    driver_unregister(): bus_remove_driver() first (no new probe), then
 *    driver_detach() -> mlx5r_rep_remove() (ib.c:268);
 *  - echo <adev> > .../unbind (sysfs): device_release_driver().
 * ->remove() calls mlx5_eswitch_unregister_vport_reps(). Never takes the
 * devlink lock.
 */
inline detach_drv(t, remove_driver)
{
	if
	:: remove_driver -> drv_loaded[t] = 0
	:: else -> skip
	fi;
	adev_lock_(t);
	if
	:: bound[t] -> unregister_reps(t); bound[t] = 0
	:: else -> skip
	fi;
	adev_unlock_(t)
}

/* modprobe mlx5_ib: auxiliary_driver_register() -> driver_attach():
 * device_lock(), mlx5r_rep_probe() (ib.c:257) ->
 * mlx5_eswitch_register_vport_reps() */
inline modprobe_drv(t)
{
	drv_loaded[t] = 1;
	if
	:: present[t] -> adev_lock_(t); probe(t); adev_unlock_(t)
	:: else -> skip
	fi
}

#if defined(NEED_DRV_USER)
/* A user of rep driver t. what: DRV_LOAD (modprobe), DRV_UNLOAD (rmmod),
 * DRV_RELOAD (rmmod, modprobe), DRV_LOAD_UNLOAD, DRV_UNBIND (sysfs) */
#define DRV_LOAD	1
#define DRV_UNLOAD	2
#define DRV_RELOAD	3
#define DRV_LOAD_UNLOAD	4
#define DRV_UNBIND	5
proctype drv_user(byte t; byte what)
{
	LOCALS;
	do
	:: what == DRV_LOAD || what == DRV_LOAD_UNLOAD ->
		modprobe_drv(t);
		what = (what == DRV_LOAD -> 0 : DRV_UNLOAD)
	:: what == DRV_UNLOAD || what == DRV_RELOAD || what == DRV_UNBIND ->
		detach_drv(t, what != DRV_UNBIND);
		what = (what == DRV_RELOAD -> DRV_LOAD : 0)
	:: what == 0 -> break
	od
}

#endif /* NEED_DRV_USER */

/*
 * Property 6 helper: a devlink lock holder (any long devlink operation)
 * that, holding the lock, waits for a vport change event to be handled:
 * the vport event must run without the lock being released.
 */
proctype dl_holder()
{
	devl_lock();
	vport_done;
	devl_unlock()
}

/*
 * Rep state consistency (patch 6: "the reps of the other types need the
 * ETH rep"; "a VF's IB load waits for the uplink's"): an IB rep is up
 * (LOADED or BUSY) only while the ETH rep of its vport is up, and a VF's
 * IB rep only while the uplink's IB rep is up (mlx5_ib builds the VF's
 * port on the uplink's IB device). Checked in every reachable state.
 */
#define UPST(t, v)	(RS(t, v) == R_LOADED || RS(t, v) == R_BUSY)
#define REP_INV	((!UPST(IB, UP) || UPST(ETH, UP)) && \
		 (!UPST(IB, VF) || UPST(ETH, VF)) && \
		 (!UPST(IB, VF) || UPST(IB, UP)))

proctype rep_monitor()
{
end_watch:
	atomic { !REP_INV -> assert(PropR && REP_INV) }
}

/*
 * For the LTL checks with weak fairness (pan -a -f): pan does not extend a
 * terminal state by stuttering when fairness is on, so a run that ends in
 * a bad state would be missed. This process makes every terminal state a
 * (fair: every other process is blocked or gone) cycle.
 */
proctype stutter()
{
end_idle:
	do
	:: timeout -> skip		/* nothing else can move */
	od
}

/* ------------------------------------------------------------------ */
/* Initial states                                                      */

/* switchdev: FDB created, notifiers registered, uplink (and VF) reps of
 * the registered types loaded, the rep devices present and bound. */
inline init_switchdev(eth_reg, ib_reg, ib_drv, vf)
{
	mode = OFFLOADS;
	fdb = 1;
	nb_vport = 1;
	nb_funcs = 1;
	fw_vfs = vf;
	num_vfs = vf;
	vf_on = vf;
	present[ETH] = 1;
	present[IB] = 1;
	drv_loaded[ETH] = 1;
	drv_loaded[IB] = ib_drv;
	if
	:: eth_reg ->
		bound[ETH] = 1; reg_seq[ETH] = 1; ops[ETH] = 1;
		RS(ETH, UP) = R_LOADED;
		RS(ETH, VF) = (vf -> R_LOADED : R_REG)
	:: else -> skip
	fi;
	if
	:: ib_reg ->
		bound[IB] = 1; reg_seq[IB] = 1; ops[IB] = 1;
		RS(IB, UP) = (eth_reg -> R_LOADED : R_REG);
		RS(IB, VF) = (eth_reg && vf -> R_LOADED : R_REG)
	:: else -> skip
	fi
}
