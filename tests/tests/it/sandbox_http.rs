//! The HTTP sandbox under the ways clients behave, through the real
//! binary on 127.0.0.1: a client that half-closes, one that gives up, a
//! signal while requests are in hand, a request too slow as a whole, more
//! requests than the sandbox takes at once, a client that never reads its
//! answers. Waits poll for what they wait for, with generous deadlines.

use crate::util::{expiry, Sh, START};

/// A Direct request, whole; its card's expiry from today (the sandbox
/// refuses one in the past: a fixed date fails the suite once it passes).
fn body() -> String {
    format!(
        "TYPE=00001&VERSION=00103&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION=1&MONTANT=1000&DEVISE=978&REFERENCE=R&PORTEUR=1111222233334444&DATEVAL={}&CVV=123",
        expiry()
    )
}

/// `wait_for FILE` polls until FILE exists (30 s at most), `log_count N`
/// until the log holds N request lines, `connection_count N` N lines of
/// connections hyper ended; `connection_notes` prints those lines' status
/// and note, by note.
const WAIT: &str = r#"
wait_for() { for _ in $(seq 600); do [ -e "$1" ] && return 0; sleep 0.05; done; echo "timed out waiting for $1" >&2; return 1; }
log_count() { for _ in $(seq 600); do [ "$(grep -c '"type":"http_request"' http.log)" -ge "$1" ] && return 0; sleep 0.05; done; echo "timed out waiting for $1 log lines" >&2; cat http.log >&2; return 1; }
connection_count() { for _ in $(seq 600); do [ "$(grep -c '"type":"http_connection"' http.log)" -ge "$1" ] && return 0; sleep 0.05; done; echo "timed out waiting for $1 connection lines" >&2; cat http.log >&2; return 1; }
connection_notes() { python3 -c 'import json
for r in sorted((json.loads(l) for l in open("http.log") if "http_connection" in l), key=lambda r: r["note"]):
    print(r.get("status"), r["note"])'; }
"#;

/// Python that asks the sandbox on port `sys.argv[1]` with raw bytes:
/// `ask(data)` sends them on a new connection and prints the answer's
/// status line, or `(closed)` when hyper closed it without one.
const ASK: &str = r#"import socket, sys
def ask(data):
    s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
    s.settimeout(30)
    s.sendall(data)
    answer = b""
    while True:
        got = s.recv(65536)
        if not got:
            break
        answer += got
    print(answer.decode('latin-1').split('\r\n')[0] or "(closed)")
"#;

/// A responder that says it started (in `started.PID`, PID its process
/// group's), waits for the file `go`, then answers.
const HELD: &str = r#"
cat > held.sh <<'EOF'
cat > /dev/null
echo $$ > "started.$$"
while [ ! -e go ]; do sleep 0.05; done
printf 'NUMTRANS=0000000001&NUMAPPEL=0000000002&NUMQUESTION=0000000001&SITE=1999888&RANG=32&AUTORISATION=XXXXXX&CODEREPONSE=00000&COMMENTAIRE=held&REFABONNE=&PORTEUR='
EOF
"#;

#[test]
fn a_client_that_half_closes_gets_its_answer() {
    let sh = Sh::new();
    let body = body();
    let script = format!(
        r#"{START}{WAIT}
python3 - "$port" <<'EOF'
import socket, sys
body = b"{body}"
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
s.sendall(b"POST /PPPS.php HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
s.shutdown(socket.SHUT_WR)
answer = b''
s.settimeout(30)
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    answer += chunk
print(answer.decode('latin-1').split('\r\n')[0])
print('CODEREPONSE=00000' in answer.decode('latin-1'))
EOF
log_count 1
"#
    );
    let out = sh.ok(&script);
    assert_eq!(out, "HTTP/1.1 200 OK\nTrue\n", "{out}");
    let log = std::fs::read_to_string(sh.path("http.log")).unwrap();
    assert!(log.contains("\"response_code\":\"00000\""), "{log}");
}

#[test]
fn a_client_that_gives_up_is_still_answered_and_logged() {
    let sh = Sh::new();
    let body = body();
    let script = format!(
        r#"{HELD}SANDBOX_OPTS='--timeout 30s --responder "sh held.sh"'
{START}{WAIT}
curl -sS --max-time 60 --data-binary '{body}' "$URL/PPPS.php" > /dev/null 2>&1 &
client=$!
for _ in $(seq 600); do ls started.* > /dev/null 2>&1 && break; sleep 0.05; done
kill $client; wait $client 2>/dev/null
grep -c http_request http.log || true
touch go
log_count 1
"#
    );
    let out = sh.ok(&script);
    assert_eq!(
        out.lines().next(),
        Some("0"),
        "nothing logged before: {out}"
    );
    let log = std::fs::read_to_string(sh.path("http.log")).unwrap();
    assert!(
        log.contains("\"status\":200") && log.contains("\"response_code\":\"00000\""),
        "{log}"
    );
}

#[test]
fn a_signal_stops_the_responders_and_logs_the_requests_in_hand() {
    let sh = Sh::new();
    let body = body();
    let script = format!(
        r#"{HELD}SANDBOX_OPTS='--timeout 30s --responder "sh held.sh"'
{START}{WAIT}
curl -sS --max-time 60 -o answer.txt -w '%{{http_code}}\n' --data-binary '{body}' "$URL/PPPS.php" > code.txt 2>&1 &
client=$!
for _ in $(seq 600); do ls started.* > /dev/null 2>&1 && break; sleep 0.05; done
group=$(cat started.*)
kill -TERM $sandbox
set +e
wait $sandbox; echo "status=$?"
wait $client
cat code.txt
# The responder's process group is gone with it.
for _ in $(seq 600); do pgrep -g "$group" > /dev/null || break; sleep 0.05; done
pgrep -g "$group" > /dev/null && echo "responder left running" || echo "responder gone"
grep -c '"type":"http_request"' http.log
"#
    );
    let out = sh.ok(&script);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "status=143", "{out}");
    assert_eq!(lines[1], "500", "the responder was stopped: {out}");
    assert_eq!(lines[2], "responder gone", "{out}");
    assert_eq!(lines[3], "1", "{out}");
    let log = std::fs::read_to_string(sh.path("http.log")).unwrap();
    assert!(log.contains("killed by signal 9"), "{log}");
    let err = std::fs::read_to_string(sh.path("http.err")).unwrap();
    assert!(err.contains("interrupted by SIGTERM"), "{err}");
}

#[test]
fn a_request_must_arrive_whole_within_the_timeout() {
    let sh = Sh::new();
    let body = body();
    // The headers' last bytes at 0.3 s, the body's at 2.2 s: each part
    // within --timeout 2s, the whole not. A loaded machine only makes each
    // part longer: the whole stays past the bound, and the headers, which
    // hyper's own timeout would cut without a 408, keep 1.7 s to spare
    // (they had 1.1 s, sent from 0 to 0.9 s).
    let script = format!(
        r#"SANDBOX_OPTS='--timeout 2s'
{START}{WAIT}
python3 - "$port" <<'EOF'
import socket, sys, time
body = b"{body}"
head = b"POST /PPPS.php HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
s.settimeout(30)
def dribble(data, seconds):
    step = len(data) // 4 + 1
    for i in range(0, len(data), step):
        try:
            s.sendall(data[i:i + step])
        except OSError:
            return
        time.sleep(seconds * step / len(data))
dribble(head, 0.4)
dribble(body, 2.4)
answer = b''
try:
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        answer += chunk
except OSError:
    pass
print(answer.decode('latin-1').split('\r\n')[0] or 'closed')
EOF
log_count 1
"#
    );
    let out = sh.ok(&script);
    assert_eq!(out.trim(), "HTTP/1.1 408 Request Timeout", "{out}");
    let log = std::fs::read_to_string(sh.path("http.log")).unwrap();
    assert!(log.contains("\"status\":408"), "{log}");
}

#[test]
fn beyond_max_pending_requests_are_answered_503_at_once() {
    let sh = Sh::new();
    let body = body();
    let script = format!(
        r#"{HELD}SANDBOX_OPTS='--timeout 30s --max-pending 2 --responder "sh held.sh"'
{START}{WAIT}
clients=
for i in 1 2; do
    curl -sS --max-time 60 -o /dev/null -w '%{{http_code}}\n' --data-binary '{body}' "$URL/PPPS.php" > held.$i &
    clients="$clients $!"
done
for _ in $(seq 600); do [ "$(ls started.* 2>/dev/null | wc -l)" -ge 2 ] && break; sleep 0.05; done
curl -sS -D headers.txt -o busy.txt -w '%{{http_code}}\n' --data-binary '{body}' "$URL/PPPS.php"
grep -i '^retry-after' headers.txt | tr -d '\r'
touch go
wait $clients
cat held.1 held.2
log_count 3
"#
    );
    let out = sh.ok(&script);
    assert_eq!(out, "503\nretry-after: 1\n200\n200\n", "{out}");
    let busy = std::fs::read_to_string(sh.path("busy.txt")).unwrap();
    assert!(busy.contains("--max-pending"), "{busy}");
}

#[test]
fn a_client_that_never_reads_loses_its_connection_and_others_are_served() {
    let sh = Sh::new();
    let script = format!(
        r#"SANDBOX_OPTS='--timeout 1s'
{START}{WAIT}
python3 - "$port" "$URL" <<'EOF'
import errno, socket, sys, time, urllib.request
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
s.setblocking(False)
request = b"GET /load.html HTTP/1.1\r\nHost: x\r\n\r\n"
# Pipeline requests and never read an answer, until nothing more goes.
sent, closed, checked = 0, False, False
deadline = time.time() + 60
while time.time() < deadline:
    try:
        s.send(request * 64)
        sent += 64
        continue
    except BlockingIOError:
        pass
    except OSError:
        closed = True
        break
    # Nothing more goes: meanwhile another client is served.
    if sent and not checked:
        with urllib.request.urlopen(sys.argv[2] + '/load.html', timeout=20) as r:
            print('other client', r.status)
        checked = True
    time.sleep(0.1)
print('closed' if closed else 'still open', sent > 0)
EOF
"#
    );
    let out = sh.ok(&script);
    assert_eq!(out, "other client 200\nclosed True\n", "{out}");
}

#[test]
fn a_responder_that_detaches_leaves_no_descriptor_past_the_deadline() {
    let sh = Sh::new();
    let body = body();
    // The responder leaves behind a process of another session holding
    // its stdout and stderr (out of its group: not the sandbox's to
    // kill), then answers. Past the deadline the sandbox's ends of those
    // pipes are closed: its descriptors are back to what they were.
    let script = format!(
        r#"cat > detach.sh <<'EOF'
cat > /dev/null
setsid sh -c 'echo $$ > "detached.$$"; exec sleep 60' &
printf 'NUMTRANS=0000000001&NUMAPPEL=0000000001&NUMQUESTION=0000000001&SITE=1999888&RANG=32&AUTORISATION=XXXXXX&CODEREPONSE=00000&COMMENTAIRE=ok&REFABONNE=&PORTEUR='
EOF
SANDBOX_OPTS='--timeout 1s --responder "sh detach.sh"'
{START}{WAIT}
pipes() {{ ls -l /proc/$sandbox/fd | grep -c pipe; }}
before=$(pipes)
for i in 1 2 3 4 5; do
    curl -sS --max-time 30 -o /dev/null --data-binary '{body}' "$URL/PPPS.php"
done
log_count 5
sleep 0.2
after=$(pipes)
for f in detached.*; do kill "$(cat "$f")" 2>/dev/null; done
echo "pipes $before -> $after"
"#
    );
    let out = sh.ok(&script);
    let (before, after) = out
        .trim()
        .strip_prefix("pipes ")
        .and_then(|s| s.split_once(" -> "))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(before, after, "{out}");
}

#[test]
fn a_request_that_waited_half_its_time_for_a_responder_is_answered_503() {
    let sh = Sh::new();
    let body = body();
    // The 16 runners held; a 17th request waits for one. It is answered
    // 503 once it has waited half of --timeout (6 s of 12 s), not given a
    // responder with no time left and stopped at its deadline (500, a
    // local fault it is not). The held ones are let go only once the
    // 17th has its answer, whatever the machine's load: they have used
    // about half of their own 12 s by then, and end at once.
    let script = format!(
        r#"cat > slow.sh <<'EOF'
cat > /dev/null
echo $$ > "started.$$"
if [ -e go ]; then sleep 3; else while [ ! -e go ]; do sleep 0.05; done; fi
printf 'NUMTRANS=0000000001&NUMAPPEL=0000000002&NUMQUESTION=0000000001&SITE=1999888&RANG=32&AUTORISATION=XXXXXX&CODEREPONSE=00000&COMMENTAIRE=held&REFABONNE=&PORTEUR='
EOF
SANDBOX_OPTS='--timeout 12s --responder "sh slow.sh"'
{START}{WAIT}
clients=
for i in $(seq 16); do
    curl -sS --max-time 60 -o /dev/null -w '%{{http_code}}\n' --data-binary '{body}' "$URL/PPPS.php" > held.$i &
    clients="$clients $!"
done
for _ in $(seq 600); do [ "$(ls started.* 2>/dev/null | wc -l)" -ge 16 ] && break; sleep 0.05; done
curl -sS --max-time 60 -D headers.txt -o late.txt -w '%{{http_code}}\n' --data-binary '{body}' "$URL/PPPS.php" > late.code &
late=$!
for _ in $(seq 1200); do [ -s late.code ] && break; sleep 0.05; done
touch go
wait $clients $late
cat late.code
grep -i '^retry-after' headers.txt | tr -d '\r'
cat held.* | sort | uniq -c | tr -s ' '
log_count 17
"#
    );
    let out = sh.ok(&script);
    assert_eq!(out, "503\nretry-after: 1\n 16 200\n", "{out}");
    let late = std::fs::read_to_string(sh.path("late.txt")).unwrap();
    assert!(late.contains("half of --timeout"), "{late}");
}

#[test]
fn a_declared_length_over_the_limit_is_answered_413_at_once() {
    let sh = Sh::new();
    // A Content-Length of 100 TB and no body: 413 at once, not 408 after
    // --timeout (the sandbox waited for bytes it would refuse anyway).
    let script = format!(
        r#"SANDBOX_OPTS='--timeout 20s'
{START}{WAIT}
python3 - "$port" <<'EOF'
import socket, sys, time
for path, extra in ((b"/PPPS.php", b""), (b"/rs-services/v2/checkout/cardOrder", b"Content-Type: application/json\r\n")):
    s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
    s.settimeout(30)
    t = time.time()
    s.sendall(b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n" + extra + b"Content-Length: 99999999999999\r\n\r\n")
    answer = s.recv(4096)
    print(answer.decode('latin-1').split('\r\n')[0], time.time() - t < 10)
EOF
log_count 2
"#
    );
    let out = sh.ok(&script);
    assert_eq!(
        out, "HTTP/1.1 413 Payload Too Large True\nHTTP/1.1 413 Payload Too Large True\n",
        "{out}"
    );
    let log = std::fs::read_to_string(sh.path("http.log")).unwrap();
    assert_eq!(log.matches("\"status\":413").count(), 2, "{log}");
}

#[test]
fn what_hyper_refuses_before_a_request_is_logged() {
    let sh = Sh::new();
    // hyper answers a request it cannot read itself (a bare status, no
    // body) or closes the connection: each is now a log line saying why,
    // where the log said nothing.
    let script = format!(
        r#"SANDBOX_OPTS='--timeout 20s'
{START}{WAIT}
python3 - "$port" <<'EOF'
{ASK}ask(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
ask(b"POST /PPPS.php HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300000 + b"\r\n\r\n")
ask(b"HELLO\r\n\r\n")
EOF
connection_count 3
connection_notes
"#
    );
    let out = sh.ok(&script);
    assert_eq!(
        out,
        "(closed)\nHTTP/1.1 431 Request Header Fields Too Large\nHTTP/1.1 400 Bad Request\n\
         None an HTTP/2 connection preface: the sandbox speaks HTTP/1.1 (curl --http1.1)\n\
         400 not an HTTP/1.1 request\n\
         431 the request's line and headers are past 65536 bytes, or hold more than 100 headers\n",
        "{out}"
    );
}

#[test]
fn hypers_431_for_many_headers_and_414_are_noted_for_what_they_are() {
    // A head of 2 KB with 200 headers is refused 431 by hyper like one
    // past its buffer: the note said "past 65536 bytes" of it. A URI past
    // hyper's bound is a 414, noted as the URI's length.
    let sh = Sh::new();
    let script = format!(
        r#"SANDBOX_OPTS='--timeout 20s'
{START}{WAIT}
python3 - "$port" <<'EOF'
{ASK}ask(b"GET /PPPS.php HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(200)) + b"\r\n")
ask(b"GET /" + b"a" * 65535 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
EOF
connection_count 2
connection_notes
"#
    );
    let out = sh.ok(&script);
    assert_eq!(
        out,
        "HTTP/1.1 431 Request Header Fields Too Large\nHTTP/1.1 414 URI Too Long\n\
         414 the request's URI is past 65534 bytes\n\
         431 the request's line and headers are past 65536 bytes, or hold more than 100 headers\n",
        "{out}"
    );
}

#[test]
fn a_second_request_head_not_whole_within_the_timeout_is_logged() {
    // A kept-alive client answered once, whose next request then comes
    // in part: hyper closes the connection at --timeout, and the log said
    // nothing (taken for an idle connection). An idle one is still not
    // logged.
    let sh = Sh::new();
    let script = format!(
        r#"SANDBOX_OPTS='--timeout 1s'
{START}{WAIT}
python3 - "$port" <<'EOF'
import socket, sys, time
def first():
    s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
    s.settimeout(30)
    s.sendall(b"GET /PPPS.php HTTP/1.1\r\nHost: x\r\n\r\n")
    print(s.recv(4096).decode('latin-1').split('\r\n')[0])
    return s
idle = first()
s = first()
time.sleep(0.2)
s.sendall(b"POST /PPPS.php HTTP/1.1\r\nHost: x\r\nContent-Le")
print(s.recv(4096) or "(closed)")
print(idle.recv(4096) or "(closed)")
EOF
connection_count 1
sleep 0.3
grep -o '"note":"[^"]*"' http.log | grep -v 'only POST'
"#
    );
    assert_eq!(
        sh.ok(&script),
        "HTTP/1.1 405 Method Not Allowed\nHTTP/1.1 405 Method Not Allowed\n(closed)\n(closed)\n\
         \"note\":\"no whole request line and headers within --timeout\"\n"
    );
}

#[test]
fn a_request_head_not_whole_within_the_timeout_is_logged() {
    let sh = Sh::new();
    let script = format!(
        r#"SANDBOX_OPTS='--timeout 1s'
{START}{WAIT}
python3 - "$port" <<'EOF'
{ASK}ask(b"POST /PPPS.php HT")
EOF
connection_count 1
grep -o '"note":"[^"]*"' http.log
"#
    );
    assert_eq!(
        sh.ok(&script),
        "(closed)\n\"note\":\"no whole request line and headers within --timeout\"\n"
    );
}
