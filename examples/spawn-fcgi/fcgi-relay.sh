#!/bin/sh
# Starts fcgi-relay under spawn-fcgi: spawn-fcgi opens the listen socket,
# starts the relay with that socket on fd 0 (as a web server's bin-path
# would), writes the relay's PID to a file and exits. Stop it with
#   kill "$(cat "$RELAY_PIDFILE")"
# (SIGTERM: requests in flight finish first).
#
# Settings, from the environment:
#   AGENT_URL  the agent's base URL (required; every other AGENT_*
#                    setting passes to the relay the same way)
#   RELAY_LISTEN     127.0.0.1:9000 (default) or /run/fcgi-relay/relay.sock
#   RELAY_PIDFILE    default /run/fcgi-relay.pid
#   RELAY_MAX_WORKERS  most requests served at once (503 past it),
#                    default derived from the descriptor limit
#   RELAY_USER       run the relay as this user (when started as root)
#   RELAY_SOCKET_GROUP  group of the Unix socket (mode 0660), e.g. www-data
#   FCGI_RELAY       the program, default /usr/local/sbin/fcgi-relay
#
# The one command line it runs, for a TCP port, is
#   spawn-fcgi -a 127.0.0.1 -p 9000 -F 1 -P /run/fcgi-relay.pid \
#       -- /usr/local/sbin/fcgi-relay
# with AGENT_URL exported. Name the address: spawn-fcgi binds
# 0.0.0.0 without -a, which would offer the relay to the whole network.
# The web server then connects to it: examples/lighttpd/
# fcgi-relay-external.conf, or examples/nginx/fcgi-relay.conf.
set -eu

: "${AGENT_URL:?set AGENT_URL to the agent base URL}"
export AGENT_URL
listen=${RELAY_LISTEN:-127.0.0.1:9000}
pidfile=${RELAY_PIDFILE:-/run/fcgi-relay.pid}
program=${FCGI_RELAY:-/usr/local/sbin/fcgi-relay}

case $listen in
/*)
	set -- -s "$listen" -M 0660
	[ -z "${RELAY_SOCKET_GROUP:-}" ] || set -- "$@" -G "$RELAY_SOCKET_GROUP"
	;;
*:*)
	set -- -a "${listen%:*}" -p "${listen##*:}"
	;;
*)
	echo "fcgi-relay.sh: RELAY_LISTEN must be HOST:PORT or /path" >&2
	exit 2
	;;
esac
[ -z "${RELAY_USER:-}" ] || set -- "$@" -u "$RELAY_USER"

# One process: the relay starts a worker for each request in flight
# itself, so more than one child (-F) only adds connections to the agent.
exec spawn-fcgi "$@" -F 1 -P "$pidfile" -- "$program" \
	${RELAY_MAX_WORKERS:+--max-workers "$RELAY_MAX_WORKERS"}
