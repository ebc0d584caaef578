#!/bin/sh
# GET / lands here: busybox httpd runs /cgi-bin/index.cgi for a directory
# without an index.html, so the page can name the container that served it.
host="$(hostname)"
# Header lines end in CRLF: strict HTTP clients (Node's fetch) reject bare LF.
printf 'Content-Type: text/html; charset=utf-8\r\n\r\n'
cat <<PAGE
<!doctype html>
<html>
<head><title>commando example: web</title></head>
<body>
<h1>Hello from ${host}</h1>
<p>One replica of the <code>web</code> deployment, run by Commando.</p>
<p><a href="/about.html">About this example</a></p>
</body>
</html>
PAGE
