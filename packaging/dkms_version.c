// SPDX-License-Identifier: GPL-2.0
/* Added by the mlx5-esw DKMS package: the version of the package's build. */
#include <linux/module.h>

MODULE_VERSION("@VERSION@");
