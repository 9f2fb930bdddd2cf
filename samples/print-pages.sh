#!/bin/sh
# print-pages.sh RESULTS.xlsx OUTDIR: prints a results workbook to PDF with
# LibreOffice (A4, as the workbook's page setup asks) and reports its pages,
# per tab when pdftotext is there; with pdftoppm, also renders the Summary
# page as OUTDIR/summary.png. Exits 0 with a message when soffice is not
# installed: nothing in the build or the tests needs it.
set -eu
xlsx=$1
out=$2
if ! command -v soffice >/dev/null 2>&1; then
	echo "print-pages: skipped: soffice (LibreOffice) is not installed"
	exit 0
fi
rm -rf "$out" && mkdir -p "$out"
soffice --headless --convert-to pdf --outdir "$out" "$xlsx" >/dev/null 2>&1
pdf=$out/$(basename "$xlsx" .xlsx).pdf
[ -s "$pdf" ] || { echo "print-pages: soffice wrote no PDF" >&2; exit 1; }
pages=$(grep -a -o -E '/Type ?/Page[^s]' "$pdf" | wc -l | tr -d ' ')
echo "$pdf: $pages A4 pages"
command -v pdftotext >/dev/null 2>&1 || exit 0
# Every page's footer names its tab: count the pages of each.
pdftotext -layout "$pdf" - | sed -n 's/^\([^ ][^ ]*\)  *Page \([0-9][0-9]*\) of [0-9][0-9]*$/\1 \2/p' >"$out/pages.txt"
awk '{n[$1]++; if (!($1 in first)) {first[$1] = $2; order[++k] = $1}}
	END {for (i = 1; i <= k; i++) printf "  %-16s %d page%s\n", order[i], n[order[i]], (n[order[i]] > 1 ? "s" : "")}' "$out/pages.txt"
command -v pdftoppm >/dev/null 2>&1 || exit 0
page=$(awk '$1 == "Summary" {print $2; exit}' "$out/pages.txt")
[ -n "$page" ] || exit 0
pdftoppm -png -r 110 -f "$page" -l "$page" -singlefile "$pdf" "$out/summary"
echo "$out/summary.png: the Summary page"
