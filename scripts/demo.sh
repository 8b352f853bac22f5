#!/bin/sh
# Starts the demo: the sample agent and lighttpd with cgi-redirect and
# fcgi-relay in front of it, all on 127.0.0.1. Ctrl-C stops everything.
exec /usr/bin/python3 "$(dirname "$0")/demo.py" "$@"
