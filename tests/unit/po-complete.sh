#!/bin/sh
# The Vietnamese catalogue is complete: every message dossierctl's sources mark for
# translation (po/POTFILES.in) has a translation in po/vi.po, none fuzzy, and
# msgfmt -c (formats, plural forms, header) accepts it.
set -u
src=${top_srcdir:?}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dossierd-po.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for t in xgettext msgcmp msgfmt; do
	command -v $t >/dev/null || { echo "po-complete: $t missing (Debian package gettext)"; exit 1; }
done
files=$(grep -v '^#' "$src/po/POTFILES.in" | sed "s|^|$src/|")
# shellcheck disable=SC2086
xgettext --keyword=_ --keyword=N_ --keyword=P_:1,2 --from-code=UTF-8 \
    --package-name=dossierd -o "$tmp/dossierd.pot" $files 2>"$tmp/xg.err" ||
    { cat "$tmp/xg.err"; exit 1; }
n=$(grep -c '^msgid ' "$tmp/dossierd.pot")
[ "$n" -gt 100 ] || { echo "po-complete: only $n messages marked: POTFILES.in out of date?"; exit 1; }
msgcmp "$src/po/vi.po" "$tmp/dossierd.pot" || { echo "po-complete: messages without a vi translation (above)"; exit 1; }
stats=$(msgfmt -c --statistics -o /dev/null "$src/po/vi.po" 2>&1) || { echo "$stats"; exit 1; }
case "$stats" in
*fuzzy*|*untranslated*) echo "po-complete: $stats"; exit 1 ;;
esac
echo "po-complete: $((n - 1)) messages, vi: $stats"
