#!/bin/sh
# Executed by testprogs/proc_script_exec.c through its #! line; must stay executable (chmod +x).
echo "hello from script ${0##*/} with $# args: $1 $2"
echo "script pid $$ parent $PPID"
exit 17
