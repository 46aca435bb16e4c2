#!/bin/sh -e
# Executed by testprogs/proc_script_exec.c; the "-e" interpreter argument must reach sh,
# so the "false" below ends the script with status 1 before the last line.
case $- in *e*) errexit=yes ;; *) errexit=no ;; esac
printf 'captured:%s errexit:%s\n' "${0##*/}" "$errexit"
false
echo "not reached"
