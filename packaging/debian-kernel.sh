# Helpers for the DKMS package and its tests: Debian 12's own 6.12 kernel
# (image, headers) fetched into a throwaway root under build/, and the mlx5
# sources of a revision of the series staged as the package's source tree.
# Sourced after scripts/lib.sh; not run.
# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the scripts that source this

PKG_DIR=$TOP/packaging
# The host-side checks (scripts/build-debian-config, check-test-hooks)
# build against Debian 12's amd64 kernel built from the pinned linux-source.
# The kernels the package supports are packaging/supported-kernels.
DEB_KPKG_VERSION=$(pinned_version)              # 6.12.118-1~deb12u1
DEB_UPSTREAM=${DEB_KPKG_VERSION%%-*}            # 6.12.118
DEB_KABI=$DEB_UPSTREAM+deb12                    # ABI name of bookworm's 6.12
DEB_KVER=$DEB_KABI-amd64                        # uname -r
DK_DIR=$BUILD/debian-kernel
DK_DEBS=$DK_DIR/debs
DK_ROOT=$DK_DIR/root
DK_HEADERS=$DK_ROOT/usr/src/linux-headers-$DEB_KVER
DK_HEADER_PKGS=("linux-headers-$DEB_KVER" "linux-headers-$DEB_KABI-common" "linux-kbuild-$DEB_KABI")

SUPPORTED_FILE=$PKG_DIR/supported-kernels

# The supported kernels' lines (uname -r, release, linux-image version,
# tested), comments and blank lines dropped; with $1, only those of that
# release.
supported_lines() {
	awk -v r="${1:-}" '!/^#/ && NF == 4 && (r == "" || $2 == r)' "$SUPPORTED_FILE"
}

# The supported kernels (uname -r), one a line, in the file's order.
supported_kernels() { supported_lines "$@" | awk '{print $1}'; }

# Check the list: four fields a line, a known release and test, an amd64
# or rt-amd64 ABI of that release (+deb12: bookworm, +deb13: trixie), no
# kernel twice, amd64 before rt-amd64 within a release (the order of the
# Depends alternatives), load for the first kernel of a release and build
# for the others, versions of the ABI's upstream release, and the
# host-side checks' kernel ($DEB_KVER) listed.
check_supported_file() {
	local bad
	[ -f "$SUPPORTED_FILE" ] || die "no $SUPPORTED_FILE"
	bad=$(awk '!/^#/ && NF && (NF != 4 || ($2 != "bookworm" && $2 != "trixie") ||
		($4 != "load" && $4 != "build") ||
		$1 !~ /^[0-9]+\.[0-9]+\.[0-9]+\+deb1[23](\.[0-9]+)?-(amd64|rt-amd64)$/) {print FILENAME ":" NR ": " $0}' \
		"$SUPPORTED_FILE")
	[ -z "$bad" ] || die "malformed lines (uname -r, bookworm|trixie, version, load|build; amd64 or rt-amd64): $bad"
	[ -n "$(supported_kernels "")" ] || die "$SUPPORTED_FILE lists no kernel"
	[ -z "$(supported_kernels "" | sort | uniq -d)" ] || die "$SUPPORTED_FILE lists a kernel twice"
	bad=$(supported_lines "" | awk '
		($2 == "bookworm" && $1 !~ /\+deb12[-.]/) || ($2 == "trixie" && $1 !~ /\+deb13[-.]/) {
			print $1 " is not a " $2 " kernel" }
		$1 ~ /-rt-amd64$/ { rt[$2] = 1 }
		$1 !~ /-rt-amd64$/ && rt[$2] { print $1 " (amd64) comes after an rt-amd64 kernel of " $2 }')
	[ -z "$bad" ] || die "$SUPPORTED_FILE: $bad"
	# The first kernel of a release is booted (load), the others built
	# (build); a version is its ABI's upstream release, ~deb12u on
	# bookworm.
	bad=$(supported_lines "" | awk '
		{ want = seen[$2]++ ? "build" : "load"
		  if ($4 != want) print $1 " is marked " $4 ", expected " want " (" (want == "load" ? "the first" : "not the first") " of " $2 ")"
		  up = $1; sub(/\+.*/, "", up)
		  if (index($3, up "-") != 1) print $1 ": version " $3 " is not of " up
		  if ($2 == "bookworm" && $3 !~ /~deb12u[0-9]+$/) print $1 ": " $3 " is not a bookworm version" }')
	[ -z "$bad" ] || die "$SUPPORTED_FILE: $bad"
	supported_kernels "" | grep -qxF "$DEB_KVER" ||
		die "$SUPPORTED_FILE does not list $DEB_KVER, the kernel of the pinned linux-source that the host-side checks build against"
}

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
			die "$p $DEB_KPKG_VERSION is no longer served by the configured archives (apt-cache madison $p: $(apt-cache madison "$p" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); printf "%s ", $2}')). The host-side checks build against Debian's $DEB_KVER, the build of the pinned linux-source ($PIN_FILE); move the pin to a kernel the archive serves (README: when Debian publishes the next 6.12 kernel), or put the .deb files into $DK_DEBS."
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

# Debian's headers (amd64, common, kbuild) of $DEB_KVER, the kernel the
# host-side checks build against, unpacked.
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

# BUILD_EXCLUSIVE_KERNEL of the supported kernels: ^(k1|k2|...)$, dots and
# plus signs escaped.
supported_kernels_re() {
	supported_kernels "" | sed 's/[.+]/\\&/g' | paste -sd'|' | sed 's/.*/^(&)$/'
}

# The package's dkms.conf for version $1: packaging/dkms.conf.in for the
# supported kernels (BUILD_EXCLUSIVE_KERNEL is their regex).
mlx5_dkms_conf() {
	local re list
	re=$(supported_kernels_re | sed 's/[\\&|]/\\&/g')
	list=$(supported_kernels "" | paste -sd' ')
	sed -e "s|@NAME@|$MLX5_PKG_NAME|g" -e "s|@DEB@|$MLX5_DEB_NAME|g" \
	    -e "s|@VERSION@|$1|g" -e "s|@KVERS@|$list|g" -e "s|@KVER_RE@|$re|g" \
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
