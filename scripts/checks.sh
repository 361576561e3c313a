# Checks shared by scripts/test (the 6.12 series) and scripts/test-mainline
# (the 7.3 series); sourced after lib.sh, not run. The caller sets LOGS (the
# log directory), checks (1: per-patch checks, 0: apply only), patches
# (series_files) and, once the tree is checked out, orig (what finish
# checks out again).
# shellcheck shell=bash

pass=0 fail=0
# Wall time of each stage, printed at the end (the README's CI figures).
stage_start=$(date +%s)
stage_log=""
stage() {
	local now
	now=$(date +%s)
	stage_log+=$(printf '%6d s  %s' $((now - stage_start)) "$1")$'\n'
	stage_start=$now
}
ok() { pass=$((pass + 1)); printf 'ok      %s\n' "$*"; }
bad() { fail=$((fail + 1)); printf 'FAILED  %s\n' "$*"; }
finish() {
	[ -n "${orig:-}" ] && git -C "$KTREE" checkout -q "$orig" 2>/dev/null
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ] && exit 0
	exit 1
}

# kernel-doc -Wall warnings of one file, without line numbers.
# The lines of list $1 that list $2 does not have (both sorted, a line an
# item): the warnings a patch adds.
added_lines() {
	comm -23 <(printf '%s\n' "$1") <(printf '%s\n' "$2") | sed '/^$/d'
}

# 6.12's kernel-doc writes "FILE:LINE: warning:", 7.3's "Warning: FILE:LINE ".
kdoc_warnings() {
	"$KTREE/scripts/kernel-doc" -Wall -none "$1" 2>&1 | grep -i warning |
		sed -E 's/:[0-9]+(:| )/:\1/' | sort -u
}

# Warnings of sparse and W=1 for one object, as "file: message" lines.
object_warnings() {
	local obj=$1
	kmake W=1 C=2 "$obj" 2>&1 | grep -E '(warning|error):' |
		sed -E 's/:[0-9]+:[0-9]+:/:/' | sort -u
}

# Apply patch $1 on HEAD with git am and, with checks=1, check it: the code
# it can affect builds, checkpatch --strict is clean, sparse (C=2), W=1 and
# kernel-doc -Wall add no warning in the files it touches, the
# documentation and shell selftests it touches are clean. With $2 = 1, its
# C files also build under Debian's configuration (6.12 only). A patch that
# does not apply or build ends the run (finish).
check_patch() {
	local p=$1 debian_config=${2:-0} name f dirs reports new w wb d kd out src
	name=$(basename "$p")
	if ! git -C "$KTREE" am -q --committer-date-is-author-date "$p" >"$LOGS/$name.am" 2>&1; then
		git -C "$KTREE" am --abort >/dev/null 2>&1
		cat "$LOGS/$name.am"
		bad "$name: does not apply"
		finish
	fi
	ok "$name: applies"
	[ "${checks:-1}" = 1 ] || return 0

	# Build what the patch can affect: the mlx5 drivers and the
	# directory of every C file it touches (a header change rebuilds
	# their users there). The whole kernel, linked, is built once, for
	# the KUnit run, with the last patch applied.
	kunit_config
	dirs=(drivers/net/ethernet/mellanox/mlx5/core/ drivers/infiniband/hw/mlx5/)
	for f in $(git -C "$KTREE" diff --name-only --diff-filter=AM HEAD~1 HEAD -- '*.c'); do
		dirs+=("$(dirname "$f")/")
	done
	mapfile -t dirs < <(printf '%s\n' "${dirs[@]}" | sort -u)
	if kmake "${dirs[@]}" >"$LOGS/$name.build" 2>&1; then
		ok "$name: builds"
	else
		grep -E 'error|Error' "$LOGS/$name.build" | head -20
		bad "$name: does not build"
		finish
	fi

	# Debian's own configuration (MLX5_SF=n, modules, no KUnit), against
	# Debian's headers: the objects of the C files the patch touches. The
	# DKMS build builds everything once, on the whole series.
	if [ "$debian_config" = 1 ]; then
		if "$TOP/scripts/build-debian-config" --touched HEAD >"$LOGS/$name.debian" 2>&1; then
			ok "$name: builds under Debian's config (MLX5_SF=n)"
		else
			tail -20 "$LOGS/$name.debian"
			bad "$name: does not build under Debian's config (MLX5_SF=n)"
		fi
	fi

	# UNKNOWN_COMMIT_ID: the base is a tarball without upstream history,
	# so checkpatch cannot look up the ids of Fixes: tags here.
	(cd "$KTREE" && ./scripts/checkpatch.pl --strict --terse --no-summary \
	    --ignore FILE_PATH_CHANGES,UNKNOWN_COMMIT_ID "$p") >"$LOGS/$name.checkpatch" 2>&1
	reports=$(cat "$LOGS/$name.checkpatch")
	if [ -z "$reports" ]; then
		ok "$name: checkpatch --strict"
	else
		printf '%s\n' "$reports"
		bad "$name: checkpatch --strict"
	fi

	# C files the patch touches that this configuration builds.
	new=""
	for f in $(git -C "$KTREE" diff --name-only --diff-filter=AM HEAD~1 HEAD -- '*.c'); do
		[ -f "$KOUT/${f%.c}.o" ] || continue
		w=$(object_warnings "${f%.c}.o")
		# Clean now: nothing can be new, the parent need not be built.
		[ -n "$w" ] || continue
		git -C "$KTREE" checkout -q HEAD~1 -- "$f" 2>/dev/null &&
			wb=$(object_warnings "${f%.c}.o") || wb=""
		git -C "$KTREE" checkout -q HEAD -- "$f"
		d=$(added_lines "$w" "$wb")
		[ -n "$d" ] && new+="$d"$'\n'
	done
	if [ -z "$new" ]; then
		ok "$name: sparse and W=1 add no warning"
	else
		printf '%s' "$new"
		bad "$name: sparse or W=1 warnings"
	fi

	# kernel-doc -Wall adds no warning to a touched C file or header.
	kd=$(git -C "$KTREE" diff --name-only --diff-filter=AM HEAD~1 HEAD -- '*.c' '*.h')
	if [ -n "$kd" ]; then
		new=""
		for f in $kd; do
			w=$(kdoc_warnings "$KTREE/$f")
			wb=""
			if git -C "$KTREE" cat-file -e "HEAD~1:$f" 2>/dev/null; then
				git -C "$KTREE" show "HEAD~1:$f" >"$LOGS/kdoc.parent"
				wb=$(kdoc_warnings "$LOGS/kdoc.parent" | sed "s|$LOGS/kdoc.parent|$KTREE/$f|")
			fi
			d=$(added_lines "$w" "$wb")
			[ -n "$d" ] && new+="$d"$'\n'
		done
		if [ -z "$new" ]; then
			ok "$name: kernel-doc -Wall adds no warning"
		else
			printf '%s' "$new"
			bad "$name: kernel-doc warnings"
		fi
	fi

	# Documentation it touches: no docutils warning.
	for f in $(git -C "$KTREE" diff --name-only --diff-filter=AM HEAD~1 HEAD -- '*.rst'); do
		if out=$("$TOP/scripts/rst-check" --report=2 --halt=5 --exit-status=2 \
			 "$KTREE/$f" /dev/null 2>&1) && [ -z "$out" ]; then
			ok "$name: $f has no docutils warning"
		else
			printf '%s\n' "$out"
			bad "$name: $f: docutils warnings"
		fi
	done

	# Shell selftests it touches: shellcheck clean, and a clean skip
	# (exit 4, kselftest's ksft_skip) on this machine, which has no mlx5
	# device.
	for f in $(git -C "$KTREE" diff --name-only --diff-filter=AM HEAD~1 HEAD -- 'tools/testing/selftests/*.sh'); do
		if (cd "$KTREE/$(dirname "$f")" && shellcheck -x "$(basename "$f")") >"$LOGS/$name.shellcheck" 2>&1; then
			ok "$name: $f is shellcheck clean"
		else
			cat "$LOGS/$name.shellcheck"
			bad "$name: $f: shellcheck"
		fi
		(cd "$KTREE/$(dirname "$f")" && timeout 120 "./$(basename "$f")") >"$LOGS/$name.selftest" 2>&1
		src=$?
		if [ $src = 4 ]; then
			ok "$name: $f skips without hardware ($(grep -m1 SKIP "$LOGS/$name.selftest"))"
		else
			cat "$LOGS/$name.selftest"
			bad "$name: $f exited $src without hardware, expected 4 (skip)"
		fi
	done
}

# The cover letter's own text (up to the shortlog that git writes) wraps
# at 75 columns, as checkpatch wants of a commit message; the diffstat and
# the "create mode" lines git adds after it are not ours to wrap.
check_cover_letter() {
	local long cl
	long=$(awk '/^Subject:/ {next} /^[^ ].* \([0-9]+\):$/ {exit} body && length > 75 {print FILENAME":"FNR": "$0} /^$/ {body=1}' \
		"$PATCHES/0000-cover-letter.patch")
	cl=$(cd "$KTREE" && ./scripts/checkpatch.pl --strict --terse --no-summary \
		--ignore FILE_PATH_CHANGES,UNKNOWN_COMMIT_ID "$PATCHES/0000-cover-letter.patch" 2>&1)
	[ -z "$cl" ] || long+="$cl"
	if [ -z "$long" ]; then
		ok "cover letter text wraps at 75 columns, checkpatch --strict is clean"
	else
		printf '%s\n' "$long"
		bad "cover letter has lines over 75 columns"
	fi
}

# The patches must round-trip: git format-patch of the applied commits
# gives the same files back. A hand edit that leaves a stale diffstat,
# index line or numbering shows up here; edit the commits and run
# scripts/export.
check_round_trip() {
	local fp same=1 p dir=${PATCHES#"$TOP"/}
	fp=$(mktemp -d)
	git -C "$KTREE" format-patch -q --zero-commit --compact-summary --subject-prefix="$SUBJECT_PREFIX" \
		--numbered -o "$fp" "$BASE_TAG..HEAD"
	for p in ${patches:-}; do
		diff -q "$p" "$fp/$(basename "$p")" >/dev/null 2>&1 || { same=0; echo "differs: $(basename "$p")"; }
	done
	[ "$(find "$fp" -mindepth 1 -maxdepth 1 | wc -l)" = "$(printf '%s\n' "${patches:-}" | wc -l)" ] || same=0
	rm -rf "$fp"
	if [ $same = 1 ]; then
		ok "$dir/ is what git format-patch writes (scripts/export)"
	else
		bad "$dir/ differs from git format-patch output: edit commits and run scripts/export"
	fi
}
