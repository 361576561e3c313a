# Helpers for the DKMS package and its tests: Debian 12's own 6.12 kernel
# (image, headers) fetched into a throwaway root under build/, and the mlx5
# sources of a revision of the series staged as the package's source tree.
# Sourced after scripts/lib.sh; not run.
# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the scripts that source this

PKG_DIR=$TOP/packaging
# The package supports exactly one kernel: Debian's build of the pinned
# linux-source (mlx5's internal interfaces change between stable releases).
DEB_KPKG_VERSION=$(pinned_version)              # 6.12.117-1~deb12u1
DEB_UPSTREAM=${DEB_KPKG_VERSION%%-*}            # 6.12.117
DEB_KABI=$DEB_UPSTREAM+deb12                    # ABI name of bookworm's 6.12
DEB_KVER=$DEB_KABI-amd64                        # uname -r
DK_DIR=$BUILD/debian-kernel
DK_DEBS=$DK_DIR/debs
DK_ROOT=$DK_DIR/root
DK_HEADERS=$DK_ROOT/usr/src/linux-headers-$DEB_KVER
DK_HEADER_PKGS=("linux-headers-$DEB_KVER" "linux-headers-$DEB_KABI-common" "linux-kbuild-$DEB_KABI")
DK_IMAGE_PKG=linux-image-$DEB_KVER

MLX5_PKG_NAME=mlx5-esw
MLX5_DEB_NAME=$MLX5_PKG_NAME-dkms
# What the package carries from the tree: both drivers, the headers the
# series may change, and what the sources include from elsewhere in it.
MLX5_SRC_PATHS=(drivers/net/ethernet/mellanox/mlx5/core
		drivers/infiniband/hw/mlx5
		include/linux/mlx5
		drivers/net/ethernet/mellanox/mlxfw/mlxfw.h)

# The cached .deb of package $1 at the pinned version, or nothing.
dk_cached_deb() {
	local f
	for f in "$DK_DEBS/$1_${DEB_KPKG_VERSION}_"*.deb; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 0
}

# Is version $2 of package $1 served by the configured archives?
dk_served() {
	apt-cache madison "$1" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep -qxF "$2"
}

# Download the pinned versions of the given packages into $DK_DEBS, unless
# they are there already. Never installs anything.
dk_fetch() {
	local p missing=() tmp
	for p in "$@"; do
		[ -n "$(dk_cached_deb "$p")" ] || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	if ! dk_served "${missing[0]}" "$DEB_KPKG_VERSION"; then
		msg "apt does not list ${missing[0]} $DEB_KPKG_VERSION: apt-get update"
		apt-get update -qq >/dev/null 2>&1 || msg "apt-get update failed"
	fi
	for p in "${missing[@]}"; do
		dk_served "$p" "$DEB_KPKG_VERSION" ||
			die "$p $DEB_KPKG_VERSION is no longer served by the configured archives (apt-cache madison $p: $(apt-cache madison "$p" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); printf "%s ", $2}')). The DKMS package supports exactly Debian's $DEB_KVER, the build of the pinned linux-source ($PIN_FILE); move the pin to a kernel the archive serves (and test the series on it), or put the .deb files into $DK_DEBS."
	done
	mkdir -p "$DK_DEBS"
	tmp=$(mktemp -d "$DK_DEBS/.download.XXXXXX")
	msg "downloading ${missing[*]} ($DEB_KPKG_VERSION) into $DK_DEBS"
	# root's apt downloads as _apt, which cannot write here: say who.
	if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root \
		"${missing[@]/%/=$DEB_KPKG_VERSION}" >/dev/null); then
		rm -rf "$tmp"
		die "apt-get download ${missing[*]} ($DEB_KPKG_VERSION) failed"
	fi
	mv "$tmp"/*.deb "$DK_DEBS"/
	rmdir "$tmp"
}

# Unpack the given (fetched) packages into $DK_ROOT, each once. The headers'
# Makefile includes the common headers by absolute path: point it into the
# root. Locked, as two scripts may share the root.
dk_unpack() {
	local p deb stamp
	mkdir -p "$DK_ROOT" "$DK_DIR/stamps"
	exec 9>"$DK_DIR/.lock"
	flock 9
	for p in "$@"; do
		deb=$(dk_cached_deb "$p")
		[ -n "$deb" ] || die "$p: no .deb in $DK_DEBS"
		stamp=$DK_DIR/stamps/$p
		[ "$(cat "$stamp" 2>/dev/null)" = "$(basename "$deb")" ] && continue
		msg "unpacking $(basename "$deb") into $DK_ROOT"
		dpkg-deb -x "$deb" "$DK_ROOT" || die "dpkg-deb -x $deb failed"
		basename "$deb" >"$stamp"
	done
	if [ -f "$DK_HEADERS/Makefile" ]; then
		sed -i "s#^include /usr/src/#include $DK_ROOT/usr/src/#" "$DK_HEADERS/Makefile"
	fi
	flock -u 9
	exec 9>&-
}

# Debian's headers (amd64, common, kbuild) of the supported kernel, unpacked.
dk_headers() {
	dk_fetch "${DK_HEADER_PKGS[@]}"
	dk_unpack "${DK_HEADER_PKGS[@]}"
	[ -f "$DK_HEADERS/.config" ] || die "no $DK_HEADERS/.config after unpacking the headers"
	command -v pahole >/dev/null ||
		die "pahole is missing (Debian's linux-kbuild needs it for the modules' BTF): apt-get install pahole"
	command -v "x86_64-linux-gnu-gcc-12" >/dev/null ||
		die "x86_64-linux-gnu-gcc-12 is missing (Debian's kernel is built with it): apt-get install gcc-12"
}

# The package version for a revision of the tree: the kernel it is for,
# the number of patches on the base and the commit.
mlx5_pkg_version() {
	local rev=$1 n id
	n=$(git -C "$KTREE" rev-list --count "$BASE_TAG..$rev") || die "$rev: not a revision of $KTREE"
	id=$(git -C "$KTREE" rev-parse --short=12 "$rev^{commit}")
	echo "$DEB_UPSTREAM+esw$n.g$id"
}

# Files that revision $1 changes on the base which the package does not
# carry (an external build would silently use the kernel's copy); the
# documentation and the selftests are not part of a build.
mlx5_uncarried_changes() {
	git -C "$KTREE" diff --name-only "$BASE_TAG" "$1" -- . \
		"${MLX5_SRC_PATHS[@]/#/:(exclude)}" ':(exclude)Documentation' \
		':(exclude)tools' ':(exclude)samples' ':(exclude)MAINTAINERS'
}

# Write the package's source tree for revision $1 into the new directory $2:
# the mlx5 sources of the tree, the top-level Kbuild that builds both
# modules in one pass, the per-directory Kbuild wrappers that add the
# version, and dkms.conf. $3 is the version the modules report.
mlx5_stage_sources() {
	local rev=$1 dest=$2 version=$3 extra d
	git -C "$KTREE" rev-parse -q --verify "$rev^{commit}" >/dev/null || die "$rev: not a revision of $KTREE"
	extra=$(mlx5_uncarried_changes "$rev")
	[ -z "$extra" ] || die "$rev changes files that an external build of mlx5 cannot carry (the kernel's copies would be used): ${extra//$'\n'/ }"
	mkdir -p "$dest"
	git -C "$KTREE" archive --format=tar "$rev" -- "${MLX5_SRC_PATHS[@]}" | tar -x -C "$dest" ||
		die "git archive $rev failed"
	cp "$PKG_DIR/Kbuild" "$dest/Kbuild"
	for d in drivers/net/ethernet/mellanox/mlx5/core:mlx5_core drivers/infiniband/hw/mlx5:mlx5_ib; do
		sed "s/@MODULE@/${d#*:}/" "$PKG_DIR/Kbuild.module" >"$dest/${d%%:*}/Kbuild"
		sed "s/@VERSION@/$version/" "$PKG_DIR/dkms_version.c" >"$dest/${d%%:*}/dkms_version.c"
	done
	mlx5_dkms_conf "$version" >"$dest/dkms.conf"
	git -C "$KTREE" log --format='%h %s' "$BASE_TAG..$rev" >"$dest/SERIES"
}

# The package's dkms.conf for version $1: packaging/dkms.conf.in for the
# supported kernel, $DEB_KVER (BUILD_EXCLUSIVE_KERNEL is its regex).
mlx5_dkms_conf() {
	sed -e "s/@NAME@/$MLX5_PKG_NAME/" -e "s/@VERSION@/$1/" \
	    -e "s/@KVER@/$DEB_KVER/" -e "s/@KVER_RE@/$(printf '%s' "$DEB_KVER" | sed 's/[.+]/\\\\&/g')/" \
		"$PKG_DIR/dkms.conf.in"
}

# The command dkms.conf runs (and the checks use): both modules, one pass.
# Further arguments are the goals instead of "modules" (single objects,
# relative to the source tree).
mlx5_kbuild() {
	local src=$1
	shift
	[ $# -gt 0 ] || set -- modules
	DEBIAN_KERNEL_USE_CCACHE=1 make -C "$DK_HEADERS" M="$src" -j"$JOBS" "$@"
}
