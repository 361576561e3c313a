# Shared helpers for the series scripts; sourced, not run.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Debian's tools first: checkpatch's spdxcheck.py needs Debian's python3-ply
# and python3-git, which a python3 earlier in PATH (pyenv) does not see.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
BUILD=${BUILD:-$TOP/build}
KTREE=${KTREE:-$BUILD/linux}
KOUT=${KOUT:-$KTREE/.kunit}
PATCHES=$TOP/patches
PIN_FILE=$TOP/linux-source.version
SRC_PKG=linux-source-6.12
SRC_TAR=/usr/src/linux-source-6.12.tar.xz
SERIES_BRANCH=series
# The series is for Debian's 6.12 kernel (the DKMS package's source), not
# for net-next, where upstream merged its own version of this work.
SUBJECT_PREFIX="PATCH debian-6.12"
BASE_TAG=base
JOBS=${JOBS:-$(nproc)}
# ccache: a second build of the same tree, a fresh clone on the same
# machine included, compiles almost nothing. Paths under $BUILD are
# rewritten so that the cache hits from any clone.
KCC=${KCC:-ccache gcc}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$BUILD}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}

# Packages the set-up and the tests need, besides the pinned source.
DEPS=(build-essential bc bison flex libelf-dev libssl-dev python3 git
      xz-utils cpio kmod qemu-system-x86 sparse ccache perl python3-ply
      python3-git spin python3-docutils shellcheck dkms busybox-static
      pahole rsync dpkg-dev)

msg() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

git_id() {
	# The series is signed off with the identity of this repository.
	local n e
	n=$(git -C "$TOP" config user.name || true)
	e=$(git -C "$TOP" config user.email || true)
	if [ -z "$n" ] || [ -z "$e" ]; then
		# Only the committer of local commits (base, git am) is missing:
		# authors and sign-offs come from the patches. Exporting needs
		# the real identity.
		[ "${NEED_IDENTITY:-0}" = 1 ] && die "set git user.name and user.email in $TOP"
		n="mlx5 series tooling" e="tooling@localhost"
	fi
	export GIT_AUTHOR_NAME="$n" GIT_AUTHOR_EMAIL="$e"
	export GIT_COMMITTER_NAME="$n" GIT_COMMITTER_EMAIL="$e"
}

pinned_version() { tr -d ' \n' <"$PIN_FILE"; }

# Install the pinned linux-source and the tools. If the pinned version is
# no longer served, say so and fall back to the candidate.
install_packages() {
	local pin missing=() p have
	pin=$(pinned_version)
	for p in "${DEPS[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	have=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null || true)
	if [ ${#missing[@]} -eq 0 ] && [ "$have" = "$pin" ] && [ -f "$SRC_TAR" ]; then
		return 0
	fi
	[ "$(id -u)" = 0 ] || die "packages missing (${missing[*]} $SRC_PKG=$pin): run as root"
	msg "installing packages: ${missing[*]} $SRC_PKG=$pin"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || die "apt-get update failed"
	if [ ${#missing[@]} -gt 0 ]; then
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
			die "apt-get install ${missing[*]} failed"
	fi
	if [ "$have" != "$pin" ]; then
		if apt-cache madison "$SRC_PKG" | awk -F'|' '{gsub(/ /,"",$2); print $2}' |
		   grep -qxF "$pin"; then
			apt-get install -y -qq --allow-downgrades "$SRC_PKG=$pin" >/dev/null ||
				die "apt-get install $SRC_PKG=$pin failed"
		else
			local cand
			cand=$(apt-cache policy "$SRC_PKG" | awk '/Candidate:/ {print $2}')
			[ -n "$cand" ] && [ "$cand" != "(none)" ] ||
				die "$SRC_PKG is not served by the configured archives"
			printf 'WARNING: pinned %s=%s is no longer served; using the candidate %s.\n' \
				"$SRC_PKG" "$pin" "$cand" >&2
			printf 'WARNING: the series was written against %s; update %s once it applies.\n' \
				"$pin" "$PIN_FILE" >&2
			apt-get install -y -qq "$SRC_PKG=$cand" >/dev/null ||
				die "apt-get install $SRC_PKG=$cand failed"
		fi
	fi
}

# Unpack the source into $KTREE as a git repository whose first commit,
# tagged $BASE_TAG, is the pristine tree.
make_base_tree() {
	local ver tmp
	ver=$(dpkg-query -W -f='${Version}' "$SRC_PKG")
	if [ -d "$KTREE/.git" ] && git -C "$KTREE" rev-parse -q --verify "refs/tags/$BASE_TAG" >/dev/null &&
	   [ "$(git -C "$KTREE" config series.debversion)" = "$ver" ]; then
		return 0
	fi
	msg "unpacking $SRC_PKG $ver into $KTREE"
	rm -rf "$KTREE"
	mkdir -p "$BUILD"
	tmp=$(mktemp -d "$BUILD/unpack.XXXXXX")
	tar -C "$tmp" -xJf "$SRC_TAR"
	mv "$tmp/linux-source-6.12" "$KTREE"
	rmdir "$tmp"
	git_id
	git -C "$KTREE" init -q -b "$SERIES_BRANCH"
	git -C "$KTREE" config series.debversion "$ver"
	git -C "$KTREE" config core.abbrev 12
	# Debian's top-level .gitignore ignores everything ("/*"): add the
	# pristine tree by force, then drop that block from the work tree
	# copy only (skip-worktree), so that new files show up as usual.
	git -C "$KTREE" add -A -f
	# A fixed date keeps the base commit, and so the series' commit ids,
	# the same on every machine.
	GIT_AUTHOR_DATE="@$(stat -c %Y "$SRC_TAR") +0000" \
	GIT_COMMITTER_DATE="@$(stat -c %Y "$SRC_TAR") +0000" \
	git -C "$KTREE" commit -q -m "Linux $(make -s -C "$KTREE" kernelversion) (Debian $SRC_PKG $ver)"
	git -C "$KTREE" tag "$BASE_TAG"
	sed -i '/^# Debian packaging/,$d' "$KTREE/.gitignore"
	git -C "$KTREE" update-index --skip-worktree .gitignore
}

series_files() { ls "$PATCHES"/[0-9][0-9][0-9][0-9]-*.patch 2>/dev/null | grep -v '/0000-' || true; }

# Reset $SERIES_BRANCH to the base and apply patches/ with git am.
apply_series() {
	local p
	git_id
	[ -z "$(git -C "$KTREE" status --porcelain -uno)" ] ||
		die "$KTREE has uncommitted changes; commit or discard them first"
	git -C "$KTREE" checkout -q -B "$SERIES_BRANCH" "$BASE_TAG"
	for p in $(series_files); do
		if ! git -C "$KTREE" am -q --committer-date-is-author-date "$p" >/dev/null 2>&1; then
			git -C "$KTREE" am --abort >/dev/null 2>&1 || true
			die "patch $(basename "$p") does not apply to $SRC_PKG $(git -C "$KTREE" config series.debversion)"
		fi
	done
	msg "applied $(series_files | wc -l) patches on $BASE_TAG"
}

# Write the kernel config of the KUnit kernel (the fragment plus the QEMU
# machine's own) and resolve it; unknown symbols (a patch that adds the
# test symbol not applied yet) simply drop out.
kunit_config() {
	mkdir -p "$KOUT"
	{ cat "${KUNITCONFIG:-$TOP/kunit/mlx5.config}"; printf 'CONFIG_SERIAL_8250=y\nCONFIG_SERIAL_8250_CONSOLE=y\n'; } >"$KOUT/.config"
	make -s -C "$KTREE" O="$KOUT" ARCH=x86_64 CC="$KCC" olddefconfig >/dev/null
}

kmake() { make -s -C "$KTREE" O="$KOUT" ARCH=x86_64 CC="$KCC" -j"$JOBS" "$@"; }

kunit_py() {
	(cd "$KTREE" && python3 tools/testing/kunit/kunit.py "$@" \
		--arch=x86_64 --build_dir="$KOUT" \
		--kunitconfig="${KUNITCONFIG:-$TOP/kunit/mlx5.config}" \
		--qemu_config="$TOP/kunit/qemu_x86_64_smp.py" --jobs="$JOBS" \
		--make_options="CC=$KCC")
}

# Check out the base in a detached HEAD and apply patches/ one by one,
# calling "$1 PATCHFILE" after each (a failure to apply is reported as such).
series_commits() { git -C "$KTREE" rev-list --reverse "$BASE_TAG..$SERIES_BRANCH"; }
