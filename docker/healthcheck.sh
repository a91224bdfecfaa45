#!/bin/sh
# The image's HEALTHCHECK: PING the server on the port it was started with (a --port argument,
# else the config file's port line), authenticating when it was given --requirepass.
arg() {
  tr '\0' '\n' </proc/1/cmdline | awk -v name="$1" 'prev == name { value = $0 } { prev = $0 }
    END { if (value != "") print value }'
}
config=$(tr '\0' '\n' </proc/1/cmdline | awk 'NR == 2')
port=$(arg --port)
[ -n "$port" ] || port=$(awk '$1 == "port" { p = $2 } END { print p }' "$config" 2>/dev/null)
password=$(arg --requirepass)
[ -n "$password" ] && export REDISCLI_AUTH="$password"
redis-cli -p "${port:-6379}" ping | grep -q PONG
