#!/bin/sh
# make lint: banned functions (STYLE 3.12) and include direction (STYLE 3.1).
set -u
rc=0
src=$(find fakes harness reports -name '*.[ch]')

banned='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|sscanf)[[:space:]]*\('
if grep -nE "$banned" $src | grep -v '^\S*:[0-9]*:\s*\*'; then
	echo "lint: banned function above" >&2
	rc=1
fi
if grep -n 'evbuffer_readln' $src; then
	echo "lint: evbuffer_readln hides bare LF; use the framer" >&2
	rc=1
fi
# fakes/base includes nothing else from the project.
if grep -nE '#include "(fakes|harness|reports)/' fakes/base/*.[ch]; then
	echo "lint: fakes/base must stay a leaf library" >&2
	rc=1
fi
# fakes/ never includes harness/ or reports/.
if grep -nE '#include "(harness|reports)/' $(find fakes -name '*.[ch]'); then
	echo "lint: fakes/ must not include harness/ or reports/" >&2
	rc=1
fi
# reports/ reads harness types but fakes never see reports.
[ $rc -eq 0 ] && echo "lint: ok"
exit $rc
