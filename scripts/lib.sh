# Shared helpers for the series scripts; sourced, not run.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Debian's tools first: checkpatch's spdxcheck.py needs Debian's python3-ply
# and python3-git, which a python3 earlier in PATH (pyenv) does not see.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
BUILD=${BUILD:-$TOP/build}
# Two targets, each a series on its own tree (KTREE and KOUT from the
# environment override the target's):
#   6.12  Debian 12's linux-source-6.12: patches/, build/linux (default);
#   7.3   mainline 7.3 from Debian's linux-source-7.3 (trixie-backports):
#         mainline/patches/, build/linux-7.3. The package is of another
#         Debian release: fetched with a private apt configuration under
#         build/apt-trixie and never installed (fetch_source).
# Scripts take the target from TARGET: "TARGET=7.3 scripts/export";
# scripts/setup and scripts/test do both (--target to choose).
TARGET=${TARGET:-6.12}
# shellcheck disable=SC2034 # used by the scripts that source this file
case $TARGET in
6.12)
	KTREE=${KTREE:-$BUILD/linux}
	PATCHES=$TOP/patches
	PIN_FILE=$TOP/linux-source.version
	SRC_PKG=linux-source-6.12
	SRC_TAR=/usr/src/linux-source-6.12.tar.xz
	# The series is for Debian's 6.12 kernel (the DKMS package's source), not
	# for net-next, where upstream merged its own version of this work.
	SUBJECT_PREFIX="PATCH debian-6.12"
	COVER_LETTER=$TOP/cover-letter.txt
	;;
7.3)
	KTREE=${KTREE:-$BUILD/linux-7.3}
	PATCHES=$TOP/mainline/patches
	PIN_FILE=$TOP/mainline/linux-source.version
	SRC_PKG=linux-source-7.3
	APT_DIR=$BUILD/apt-trixie
	APT_SOURCE='deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie-backports main'
	# Extracted from the .deb, with its version in $SRC_TAR.version.
	SRC_TAR=$APT_DIR/src/linux-source-7.3.tar.xz
	# Tests that fail on net-next as it is: an RFC until the fixes land.
	SUBJECT_PREFIX="RFC PATCH net-next"
	COVER_LETTER=$TOP/mainline/cover-letter.txt
	;;
*)
	printf 'error: unknown TARGET %s (6.12 or 7.3)\n' "$TARGET" >&2
	exit 1
	;;
esac
KOUT=${KOUT:-$KTREE/.kunit}
# The tarball's top directory.
SRC_TOPDIR=$SRC_PKG
SERIES_BRANCH=series
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
      pahole rsync dpkg-dev mmdebstrap)

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

# The packages of DEPS that are not installed, one a line.
missing_deps() {
	local p
	for p in "${DEPS[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || printf '%s\n' "$p"
	done
}

# Install the pinned linux-source and the tools. If the pinned version is
# no longer served, say so and fall back to the candidate. For 7.3, the
# tools only, and the source is fetched (fetch_source).
install_packages() {
	local pin missing=() have
	if [ "$TARGET" = 7.3 ]; then
		install_deps
		fetch_source
		return
	fi
	pin=$(pinned_version)
	mapfile -t missing < <(missing_deps)
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
			if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
				die "$SRC_PKG is not served by the configured archives"
			fi
			printf 'WARNING: pinned %s=%s is no longer served; using the candidate %s.\n' \
				"$SRC_PKG" "$pin" "$cand" >&2
			printf 'WARNING: the series was written against %s; update %s once it applies.\n' \
				"$pin" "$PIN_FILE" >&2
			apt-get install -y -qq "$SRC_PKG=$cand" >/dev/null ||
				die "apt-get install $SRC_PKG=$cand failed"
		fi
	fi
}

# The tools only (the 7.3 target installs no source package).
install_deps() {
	local missing=()
	mapfile -t missing < <(missing_deps)
	[ ${#missing[@]} -gt 0 ] || return 0
	[ "$(id -u)" = 0 ] || die "packages missing (${missing[*]}): run as root"
	msg "installing packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
}

# apt-get and apt-cache on the private configuration of $APT_DIR: its own
# sources.list, lists and cache, the machine's dpkg status (read only).
# Nothing is added to the machine's apt sources, nothing is installed.
private_apt() {
	local tool=$1
	shift
	local opts=(-o "Dir::Etc::SourceList=$APT_DIR/sources.list"
		    -o Dir::Etc::SourceParts=/dev/null
		    -o "Dir::State::Lists=$APT_DIR/lists"
		    -o "Dir::Cache=$APT_DIR/cache"
		    -o Dir::State::status=/var/lib/dpkg/status
		    -o APT::Architecture=amd64)
	# apt's _apt sandbox user may not reach $APT_DIR; root downloads.
	[ "$(id -u)" != 0 ] || opts+=(-o APT::Sandbox::User=root)
	"$tool" "${opts[@]}" "$@"
}

# The .deb of $SRC_PKG version $1 as apt-get download names it.
source_deb() { printf '%s/debs/%s_%s_all.deb\n' "$APT_DIR" "$SRC_PKG" "${1//:/%3a}"; }

# Fetch the pinned $SRC_PKG with the private apt configuration (the .deb is
# kept in $APT_DIR/debs and not downloaded again) and extract its tarball
# to $SRC_TAR, with its mtime (make_base_tree dates the base commit with
# it) and its version in $SRC_TAR.version. If the pinned version is no
# longer served, say so and fall back to the candidate.
fetch_source() {
	local pin ver deb cand tmp
	pin=$(pinned_version)
	ver=$pin
	deb=$(source_deb "$pin")
	if [ -f "$SRC_TAR" ] && [ "$(cat "$SRC_TAR.version" 2>/dev/null)" = "$pin" ]; then
		return 0
	fi
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" \
		"$APT_DIR/debs" "$APT_DIR/src"
	if [ ! -f "$deb" ]; then
		[ -r /usr/share/keyrings/debian-archive-keyring.gpg ] ||
			die "/usr/share/keyrings/debian-archive-keyring.gpg missing: install debian-archive-keyring"
		[ "$(cat "$APT_DIR/sources.list" 2>/dev/null)" = "$APT_SOURCE" ] ||
			printf '%s\n' "$APT_SOURCE" >"$APT_DIR/sources.list"
		msg "fetching $SRC_PKG=$pin with a private apt configuration ($APT_DIR)"
		private_apt apt-get update -qq >/dev/null ||
			die "apt-get update of $APT_DIR/sources.list failed"
		if ! private_apt apt-cache madison "$SRC_PKG" | awk -F'|' '{gsub(/ /,"",$2); print $2}' |
		     grep -qxF "$pin"; then
			cand=$(private_apt apt-cache policy "$SRC_PKG" | awk '/Candidate:/ {print $2}')
			if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
				die "$SRC_PKG is not served by $APT_SOURCE"
			fi
			printf 'WARNING: pinned %s=%s is no longer served; using the candidate %s.\n' \
				"$SRC_PKG" "$pin" "$cand" >&2
			printf 'WARNING: the series was written against %s; update %s once it applies.\n' \
				"$pin" "$PIN_FILE" >&2
			ver=$cand
			deb=$(source_deb "$ver")
		fi
		if [ ! -f "$deb" ]; then
			(cd "$APT_DIR/debs" && private_apt apt-get download -qq "$SRC_PKG=$ver" >/dev/null) ||
				die "apt-get download $SRC_PKG=$ver failed"
		fi
		if [ -f "$SRC_TAR" ] && [ "$(cat "$SRC_TAR.version" 2>/dev/null)" = "$ver" ]; then
			return 0
		fi
	fi
	if [ "$(dpkg-deb -f "$deb" Package)" != "$SRC_PKG" ] ||
	   [ "$(dpkg-deb -f "$deb" Version)" != "$ver" ]; then
		die "$deb is not $SRC_PKG $ver"
	fi
	msg "extracting ${SRC_TAR##*/} from ${deb##*/}"
	rm -f "$SRC_TAR.version"
	tmp=$(mktemp -d "$APT_DIR/src/extract.XXXXXX")
	# tar keeps the member's mtime, the date of the base commit.
	if ! dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "./usr/src/$SRC_PKG.tar.xz"; then
		rm -rf "$tmp"
		die "cannot extract usr/src/$SRC_PKG.tar.xz from $deb"
	fi
	mv -f "$tmp/usr/src/$SRC_PKG.tar.xz" "$SRC_TAR"
	rm -rf "$tmp"
	printf '%s\n' "$ver" >"$SRC_TAR.version"
}

# The version of $SRC_PKG that $SRC_TAR comes from: the installed package
# (6.12) or the fetched one (7.3).
source_version() {
	if [ "$TARGET" = 7.3 ]; then
		cat "$SRC_TAR.version"
	else
		dpkg-query -W -f='${Version}' "$SRC_PKG"
	fi
}

# Unpack the source into $KTREE as a git repository whose first commit,
# tagged $BASE_TAG, is the pristine tree.
make_base_tree() {
	local ver tmp
	ver=$(source_version 2>/dev/null) || ver=""
	[ -n "$ver" ] || die "no $SRC_PKG source found ($SRC_TAR): run install_packages first"
	if [ -d "$KTREE/.git" ] && git -C "$KTREE" rev-parse -q --verify "refs/tags/$BASE_TAG" >/dev/null &&
	   [ "$(git -C "$KTREE" config series.debversion)" = "$ver" ]; then
		return 0
	fi
	# A tree of another version of the package is moved aside, never
	# deleted (it may hold unexported work); anything else is refused.
	if [ -e "$KTREE" ]; then
		local old
		old=$(git -C "$KTREE" config series.debversion 2>/dev/null) || old=""
		if [ -z "$old" ] ||
		   ! git -C "$KTREE" log -1 --format=%s "$BASE_TAG" 2>/dev/null | grep -qF "(Debian $SRC_PKG "; then
			die "$KTREE is not a tree of $SRC_PKG made by this script; move it away (check KTREE and TARGET)"
		fi
		msg "moving the tree of $SRC_PKG $old aside to $KTREE.old-$old"
		rm -rf "$KTREE.old-$old"
		mv "$KTREE" "$KTREE.old-$old" || die "cannot move $KTREE aside"
	fi
	msg "unpacking $SRC_PKG $ver into $KTREE"
	mkdir -p "$BUILD"
	# Unpackings an interrupted run left behind.
	rm -rf "$BUILD"/unpack.*
	tmp=$(mktemp -d "$BUILD/unpack.XXXXXX")
	tar -C "$tmp" -xJf "$SRC_TAR" || die "cannot unpack $SRC_TAR"
	mv "$tmp/$SRC_TOPDIR" "$KTREE" || die "no $SRC_TOPDIR in $SRC_TAR"
	rmdir "$tmp"
	git_id
	git -C "$KTREE" init -q -b "$SERIES_BRANCH" || die "git init $KTREE failed"
	git -C "$KTREE" config core.abbrev 12
	# Debian's top-level .gitignore ignores everything ("/*"): add the
	# pristine tree by force, then drop that block from the work tree
	# copy only (skip-worktree), so that new files show up as usual.
	git -C "$KTREE" add -A -f || die "git add in $KTREE failed"
	# A fixed date keeps the base commit, and so the series' commit ids,
	# the same on every machine.
	GIT_AUTHOR_DATE="@$(stat -c %Y "$SRC_TAR") +0000" \
	GIT_COMMITTER_DATE="@$(stat -c %Y "$SRC_TAR") +0000" \
	git -C "$KTREE" commit -q -m "Linux $(make -s -C "$KTREE" kernelversion) (Debian $SRC_PKG $ver)" ||
		die "the base commit in $KTREE failed"
	git -C "$KTREE" tag "$BASE_TAG" || die "cannot tag $KTREE's base"
	sed -i '/^# Debian packaging/,$d' "$KTREE/.gitignore"
	git -C "$KTREE" update-index --skip-worktree .gitignore
	# Last: the mark of a complete tree.
	git -C "$KTREE" config series.debversion "$ver"
}

# The patches of $PATCHES in order, cover letter excluded, one a line.
series_files() {
	local p
	for p in "$PATCHES"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ -f "$p" ] || continue
		case ${p##*/} in 0000-*) continue ;; esac
		printf '%s\n' "$p"
	done
}

# Reset $SERIES_BRANCH to the base and apply patches/ with git am.
apply_series() {
	local p
	git_id
	[ -z "$(git -C "$KTREE" status --porcelain -uno)" ] ||
		die "$KTREE has uncommitted changes; commit or discard them first"
	# The branch's old tip stays reachable: commits not yet exported.
	if git -C "$KTREE" rev-parse -q --verify "refs/heads/$SERIES_BRANCH" >/dev/null; then
		git -C "$KTREE" branch -f "$SERIES_BRANCH-prev" "$SERIES_BRANCH"
		msg "the previous $SERIES_BRANCH is kept as $SERIES_BRANCH-prev"
	fi
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

# kunit/bin/qemu-system-x86_64 keeps QEMU on TCG (7.3's kunit.py asks for
# KVM first).
kunit_py() {
	(cd "$KTREE" && PATH="$TOP/kunit/bin:$PATH" python3 tools/testing/kunit/kunit.py "$@" \
		--arch=x86_64 --build_dir="$KOUT" \
		--kunitconfig="${KUNITCONFIG:-$TOP/kunit/mlx5.config}" \
		--qemu_config="$TOP/kunit/qemu_x86_64_smp.py" --jobs="$JOBS" \
		--make_options="CC=$KCC")
}

# Check out the base in a detached HEAD and apply patches/ one by one,
# calling "$1 PATCHFILE" after each (a failure to apply is reported as such).
series_commits() { git -C "$KTREE" rev-list --reverse "$BASE_TAG..$SERIES_BRANCH"; }
