#!/bin/sh
# cachette-entrypoint [config-file] [--directive value ...]
# Directives given as arguments override the config file (the image's own, or one mounted and
# named as the first argument), as with the Redis image.
set -e
config=/etc/cachette/cachette.conf
case "${1:-}" in
  ""|--*) ;;
  *) config=$1; shift ;;
esac
exec /usr/local/bin/cachette-server "$config" "$@"
