#!/usr/bin/env python3
"""The release server of tests/download: HTTPS (a certificate the test made
with its own CA) on 127.0.0.1, serving the files of --root.  What a path does
comes from --root/routes.json, read on every request, so a test can make one
path fail in a chosen way:
  {"/civicrm-5.75.0-backdrop.tar.gz": {"mode": "truncate"}}
modes: "truncate" (half the body, then the connection closes), "stall" (the
headers and a few bytes, then nothing), "redirect" with "location", "status"
with "status" and "body".  Files support "Range: bytes=N-" (resume).
Every request is appended to --log as "METHOD PATH RANGE".  The chosen port
is written to --port-file once the server listens."""
import argparse
import http.server
import json
import os
import ssl
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: the test reads --log
        pass

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        with open(self.server.log_file, "a") as log:
            log.write(f"GET {path} {self.headers.get('Range', '-')}\n")
        routes = {}
        routes_file = os.path.join(self.server.root, "routes.json")
        if os.path.exists(routes_file):
            with open(routes_file) as f:
                routes = json.load(f)
        route = routes.get(path, {})
        mode = route.get("mode")
        if mode == "status":
            return self.send_body(route["status"], route.get("body", "").encode())
        if mode == "redirect":
            self.send_response(302)
            self.send_header("Location", route["location"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        file = os.path.join(self.server.root, path.lstrip("/"))
        if path == "/" or not os.path.isfile(file):
            return self.send_body(404, b'{"rev":null,"message":"not found"}')
        with open(file, "rb") as f:
            body = f.read()
        if mode == "truncate":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "stall":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:16])
            self.wfile.flush()
            time.sleep(60)
            return
        start = 0
        range_header = self.headers.get("Range", "")
        if range_header.startswith("bytes=") and range_header.endswith("-"):
            start = int(range_header[6:-1])
            if start >= len(body):
                return self.send_body(416, b"")
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        self.wfile.write(body[start:])

    def send_body(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser()
    for name in ("--root", "--cert", "--key", "--port-file", "--log"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.root = args.root
    server.log_file = args.log
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
