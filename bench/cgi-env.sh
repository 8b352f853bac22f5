#!/bin/sh
# Runs a command in a CGI environment like the one Apache gives a program,
# for start-up measurements: bench/cgi-env.sh hyperfine -N ...
exec env -i GATEWAY_INTERFACE=CGI/1.1 SERVER_SOFTWARE=Apache/2.4 \
	SERVER_PROTOCOL=HTTP/1.1 SERVER_NAME=example.com SERVER_ADDR=192.0.2.1 \
	SERVER_PORT=80 REQUEST_METHOD=GET REQUEST_SCHEME=http \
	REQUEST_URI='/chat/session?id=42&lang=en' QUERY_STRING='id=42&lang=en' \
	SCRIPT_NAME=/chat SCRIPT_FILENAME=/usr/lib/cgi-bin/cgi-redirect \
	PATH_INFO=/session DOCUMENT_ROOT=/var/www/html CONTEXT_DOCUMENT_ROOT=/usr/lib/cgi-bin/ \
	CONTEXT_PREFIX=/cgi-bin/ REMOTE_ADDR=198.51.100.7 REMOTE_PORT=53422 \
	HTTP_HOST=example.com HTTP_USER_AGENT='Mozilla/5.0 (X11; Linux x86_64)' \
	HTTP_ACCEPT='text/html,application/xhtml+xml,*/*;q=0.8' \
	HTTP_ACCEPT_LANGUAGE=en-US,en HTTP_ACCEPT_ENCODING='gzip, deflate, br' \
	HTTP_CONNECTION=keep-alive SERVER_ADMIN=webmaster@example.com \
	SERVER_SIGNATURE= PATH=/usr/local/bin:/usr/bin:/bin \
	AGENT_URL=http://127.0.0.1:8080 "$@"
