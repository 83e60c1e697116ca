#!/usr/bin/env python3
"""Loopback model server for skvm tests (standard library only).

Speaks the OpenAI-compatible Chat Completions wire (POST /v1/chat/completions) and the
Anthropic Messages wire (POST /v1/messages), streaming (SSE) and not, plays scripted
conversations chosen by matching the incoming request, models latency and injects faults.
The scenario format is documented in README.md next to this file.

Usage:
  python3 modelserver.py [--scenario FILE] [--port-file FILE] [--port N] [--stdin-lifeline]
                         [--verbose]
Prints "PORT <n>" as its first line on standard output.
Control endpoints: POST /_script, GET /_script, GET /_requests, POST /_reset, GET /_health,
POST /_shutdown.
"""

import argparse
import fnmatch
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET_HEADERS = {"authorization", "x-api-key", "api-key", "proxy-authorization", "cookie",
                  "x-goog-api-key"}
CREATED = 1700000000
STATUS_FAULTS = {
    "400": 400, "bad_request": 400,
    "401": 401, "unauthorized": 401,
    "403": 403, "forbidden": 403,
    "404": 404, "not_found": 404,
    "408": 408, "timeout": 408,
    "413": 413, "too_large": 413,
    "429": 429, "rate_limit": 429,
    "500": 500, "server_error": 500,
    "502": 502, "bad_gateway": 502,
    "503": 503, "unavailable": 503,
    "529": 529, "overloaded": 529,
}
OTHER_FAULTS = {"malformed_json", "wrong_content_type", "stream_cut", "slow_drip", "reset",
                "error_event", "no_final_event", "status"}
FAULT_NAMES = sorted(set(STATUS_FAULTS) | OTHER_FAULTS)

ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
    404: "not_found_error", 408: "timeout_error", 413: "request_too_large",
    429: "rate_limit_error", 500: "api_error", 502: "api_error", 503: "api_error",
    529: "overloaded_error",
}
OPENAI_ERROR_TYPES = {
    400: ("invalid_request_error", None), 401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"), 408: ("timeout", None),
    413: ("invalid_request_error", "request_too_large"),
    429: ("requests", "rate_limit_exceeded"), 500: ("server_error", None),
    502: ("server_error", None), 503: ("server_error", None), 529: ("server_error", "overloaded"),
}
DEFAULT_MESSAGES = {
    400: "Bad request (injected fault)", 401: "Incorrect API key provided",
    403: "Permission denied (injected fault)", 404: "Not found (injected fault)",
    408: "Request timeout (injected fault)", 413: "Request too large (injected fault)",
    429: "Rate limit reached (injected fault)", 500: "Internal server error (injected fault)",
    502: "Bad gateway (injected fault)", 503: "Service unavailable (injected fault)",
    529: "Overloaded",
}

STOP_TO_FINISH = {"end_turn": "stop", "tool_use": "tool_calls", "max_tokens": "length",
                  "stop_sequence": "stop", "refusal": "content_filter"}


class ScenarioError(Exception):
    pass


class Cut(Exception):
    """The connection was deliberately closed; stop writing."""


# ---------------------------------------------------------------- scenario handling

def load_scenario(data):
    """Validate and normalise a scenario (dict or list of rules). Raises ScenarioError."""
    if data is None:
        data = {}
    if isinstance(data, list):
        data = {"rules": data}
    if not isinstance(data, dict):
        raise ScenarioError("a scenario is a JSON object (or an array of rules)")
    known = {"rules", "program", "default", "require_key", "models", "strict_headers",
             "defaults", "seed", "name", "description", "comment"}
    for k in data:
        if k not in known and not k.startswith("_"):
            raise ScenarioError("unknown scenario key %r (known: %s)" % (k, ", ".join(sorted(known))))
    rules = list(data.get("rules") or [])
    if not isinstance(data.get("rules", []), list):
        raise ScenarioError("'rules' must be an array")
    if data.get("program") is not None:
        prog = data["program"]
        if isinstance(prog, list):
            prog = {"turns": prog}
        if not isinstance(prog, dict) or not isinstance(prog.get("turns"), list):
            raise ScenarioError("'program' must be an array of turns or {match, turns}")
        rules.append(dict(prog, name=prog.get("name", "program")))
    out = []
    for i, r in enumerate(rules):
        if not isinstance(r, dict):
            raise ScenarioError("rule %d is not an object" % i)
        check_rule(r, "rule %d" % i)
        out.append(r)
    default = data.get("default")
    if default is not None:
        if not isinstance(default, dict):
            raise ScenarioError("'default' must be a rule object")
        check_rule(default, "default")
    for k in ("require_key",):
        if data.get(k) is not None and not isinstance(data[k], str):
            raise ScenarioError("%s must be a string" % k)
    return {
        "rules": out,
        "default": default,
        "require_key": data.get("require_key"),
        "models": data.get("models") or ["test-model"],
        "strict_headers": bool(data.get("strict_headers", True)),
        "defaults": data.get("defaults") or {},
    }


RULE_KEYS = {"name", "match", "reply", "turns", "fault", "times", "after", "repeat_last",
             "comment", "description"}
MATCH_KEYS = {"model", "protocol", "stream", "last_user", "last_user_regex", "any_message",
              "any_message_regex", "system", "system_regex", "has_tools", "tool",
              "assistant_turns", "last_tool_result", "last_tool_result_regex", "header",
              "body", "path"}
REPLY_KEYS = {"text", "tool_calls", "stop_reason", "finish_reason", "usage", "cost", "reasoning",
              "ttft_ms", "tokens_per_sec", "chunk_ms", "text_repeat", "text_template", "args_chunk_chars", "headers", "quirks",
              "fault", "model", "comment"}


def check_rule(r, where):
    for k in r:
        if k not in RULE_KEYS and not k.startswith("_"):
            raise ScenarioError("%s: unknown key %r (known: %s)" % (where, k, ", ".join(sorted(RULE_KEYS))))
    m = r.get("match") or {}
    if not isinstance(m, dict):
        raise ScenarioError("%s: 'match' must be an object" % where)
    for k, v in m.items():
        if k not in MATCH_KEYS:
            raise ScenarioError("%s: unknown match key %r (known: %s)" % (where, k, ", ".join(sorted(MATCH_KEYS))))
        if k in ("header", "body") and not isinstance(v, dict):
            raise ScenarioError("%s: match.%s must be an object" % (where, k))
        if k == "assistant_turns" and not (isinstance(v, int) or (
                isinstance(v, list) and len(v) == 2 and isinstance(v[0], int)
                and (v[1] is None or isinstance(v[1], int)))):
            raise ScenarioError("%s: match.assistant_turns is an integer or [min, max]" % where)
        if k.endswith("_regex"):
            try:
                re.compile(v)
            except (re.error, TypeError) as e:
                raise ScenarioError("%s: bad regex in %s: %s" % (where, k, e))
    replies = []
    if "reply" in r:
        replies.append(r["reply"])
    if "turns" in r:
        if not isinstance(r["turns"], list) or not r["turns"]:
            raise ScenarioError("%s: 'turns' must be a non-empty array" % where)
        replies.extend(r["turns"])
    for j, rep in enumerate(replies):
        if not isinstance(rep, dict):
            raise ScenarioError("%s: reply %d must be an object" % (where, j))
        for k in rep:
            if k not in REPLY_KEYS and not k.startswith("_"):
                raise ScenarioError("%s: reply %d: unknown key %r (known: %s)" % (where, j, k, ", ".join(sorted(REPLY_KEYS))))
        for tc in rep.get("tool_calls") or []:
            if not isinstance(tc, dict) or not isinstance(tc.get("name"), str):
                raise ScenarioError("%s: each tool call needs a 'name'" % where)
        if rep.get("fault") is not None:
            normalize_fault(rep["fault"], where)
    if r.get("fault") is not None:
        normalize_fault(r["fault"], where)
    for k in ("times", "after"):
        if r.get(k) is not None and not isinstance(r[k], int):
            raise ScenarioError("%s: %s must be an integer" % (where, k))
    if "reply" not in r and "turns" not in r and r.get("fault") is None:
        raise ScenarioError("%s: needs 'reply', 'turns' or 'fault'" % where)


def normalize_fault(f, where="fault"):
    if isinstance(f, str):
        f = {"type": f}
    if not isinstance(f, dict) or not isinstance(f.get("type"), str):
        raise ScenarioError("%s: a fault is a name or an object with 'type'" % where)
    t = f["type"]
    if t not in STATUS_FAULTS and t not in OTHER_FAULTS:
        raise ScenarioError("%s: unknown fault %r (known: %s)" % (where, t, ", ".join(FAULT_NAMES)))
    if t == "status" and not isinstance(f.get("status"), int):
        raise ScenarioError("%s: fault 'status' needs an integer 'status'" % where)
    return f


def parse_fault_header(value):
    """'rate_limit; retry_after=2; fail_times=1' -> fault dict."""
    parts = [p.strip() for p in value.split(";") if p.strip()]
    if not parts:
        raise ScenarioError("empty X-Fault header")
    f = {"type": parts[0]}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        k = k.strip()
        v = v.strip()
        try:
            f[k] = json.loads(v)
        except ValueError:
            f[k] = v
    return normalize_fault(f, "X-Fault header")


# ---------------------------------------------------------------- request views

def text_of(content):
    """Text of an OpenAI or Anthropic message content (string or parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    out = []
    if isinstance(content, list):
        for p in content:
            if isinstance(p, str):
                out.append(p)
            elif isinstance(p, dict):
                if p.get("type") in ("text", "input_text") and isinstance(p.get("text"), str):
                    out.append(p["text"])
                elif p.get("type") == "tool_result":
                    out.append(text_of(p.get("content")))
    return "\n".join(out)


class RequestView:
    """Provider-neutral facts about a chat request, for matching."""

    def __init__(self, protocol, body, headers, path):
        self.protocol = protocol
        self.body = body if isinstance(body, dict) else {}
        self.headers = headers
        self.path = path
        b = self.body
        self.model = b.get("model") if isinstance(b.get("model"), str) else ""
        self.stream = bool(b.get("stream"))
        msgs = b.get("messages") if isinstance(b.get("messages"), list) else []
        self.messages = [m for m in msgs if isinstance(m, dict)]
        self.tools = [t for t in (b.get("tools") or []) if isinstance(t, dict)]
        names = []
        for t in self.tools:
            if isinstance(t.get("function"), dict):
                names.append(t["function"].get("name"))
            else:
                names.append(t.get("name"))
        self.tool_names = [n for n in names if isinstance(n, str)]
        sys_parts = []
        if protocol == "anthropic":
            sys_parts.append(text_of(b.get("system")))
        self.last_user = None
        self.last_tool_result = None
        self.all_text = []
        self.assistant_turns = 0
        for m in self.messages:
            role = m.get("role")
            content = m.get("content")
            if role in ("system", "developer"):
                sys_parts.append(text_of(content))
            elif role == "assistant":
                self.assistant_turns += 1
                self.all_text.append(text_of(content))
                for tc in m.get("tool_calls") or []:
                    if isinstance(tc, dict) and isinstance(tc.get("function"), dict):
                        self.all_text.append(str(tc["function"].get("arguments", "")))
            elif role == "tool":
                self.last_tool_result = text_of(content)
                self.all_text.append(self.last_tool_result)
            elif role == "user":
                plain = []
                if isinstance(content, list):
                    for p in content:
                        if isinstance(p, dict) and p.get("type") == "tool_result":
                            self.last_tool_result = text_of(p.get("content"))
                            self.all_text.append(self.last_tool_result)
                        else:
                            plain.append(p)
                    t = text_of(plain)
                    if plain:
                        self.last_user = t
                else:
                    t = text_of(content)
                    self.last_user = t
                if t:
                    self.all_text.append(t)
        self.system = "\n".join(s for s in sys_parts if s)
        if self.system:
            self.all_text.insert(0, self.system)

    def summary(self):
        lu = self.last_user or ""
        return lu if len(lu) <= 120 else lu[:117] + "..."


def get_path(obj, dotted):
    cur = obj
    for part in dotted.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return None, False
    return cur, True


def matches(match, view):
    if not match:
        return True
    for k, v in match.items():
        if k == "model":
            if not fnmatch.fnmatchcase(view.model, v):
                return False
        elif k == "protocol":
            if view.protocol != v:
                return False
        elif k == "path":
            if not fnmatch.fnmatchcase(view.path, v):
                return False
        elif k == "stream":
            if view.stream != bool(v):
                return False
        elif k == "last_user":
            if view.last_user is None or v not in view.last_user:
                return False
        elif k == "last_user_regex":
            if view.last_user is None or not re.search(v, view.last_user, re.S):
                return False
        elif k == "any_message":
            if not any(v in t for t in view.all_text):
                return False
        elif k == "any_message_regex":
            if not any(re.search(v, t, re.S) for t in view.all_text):
                return False
        elif k == "system":
            if v not in view.system:
                return False
        elif k == "system_regex":
            if not re.search(v, view.system, re.S):
                return False
        elif k == "has_tools":
            if bool(view.tools) != bool(v):
                return False
        elif k == "tool":
            if v not in view.tool_names:
                return False
        elif k == "assistant_turns":
            n = view.assistant_turns
            if isinstance(v, list) and len(v) == 2:
                if n < v[0] or (v[1] is not None and n > v[1]):
                    return False
            elif n != v:
                return False
        elif k == "last_tool_result":
            if view.last_tool_result is None or v not in view.last_tool_result:
                return False
        elif k == "last_tool_result_regex":
            if view.last_tool_result is None or not re.search(v, view.last_tool_result, re.S):
                return False
        elif k == "header":
            for hn, hv in v.items():
                got = view.headers.get(hn.lower())
                if got is None or str(hv) not in got:
                    return False
        elif k == "body":
            for path, want in v.items():
                got, ok = get_path(view.body, path)
                if not ok or got != want:
                    return False
    return True


# ---------------------------------------------------------------- reply shaping

def split_tokens(text):
    """Token-sized pieces (whitespace + up to 4 visible characters). ''.join() == text."""
    return re.findall(r"\s*\S{1,4}|\s+", text or "")


def split_fixed(s, n):
    n = max(1, int(n))
    return [s[i:i + n] for i in range(0, len(s), n)] or [""]


def estimate_tokens(s):
    return max(1, (len(s) + 3) // 4) if s else 0


class Reply:
    """A resolved reply with provider-neutral fields."""

    def __init__(self, spec, view, seq, defaults):
        spec = dict(defaults, **spec) if defaults else dict(spec)
        self.spec = spec
        text = spec.get("text") or ""
        if spec.get("text_template") is not None:
            text = str(spec["text_template"])
            for k, v in (("{last_user}", view.last_user or ""), ("{model}", view.model),
                         ("{seq}", str(seq)), ("{turn}", str(view.assistant_turns)),
                         ("{last_tool_result}", view.last_tool_result or ""),
                         ("{protocol}", view.protocol)):
                text = text.replace(k, v)
        self.text = text * max(1, int(spec.get("text_repeat", 1)))
        self.reasoning = spec.get("reasoning") or ""
        self.tool_calls = []
        for i, tc in enumerate(spec.get("tool_calls") or []):
            args = tc.get("arguments", {})
            raw = args if isinstance(args, str) else json.dumps(args, separators=(",", ":"))
            prefix = "toolu_" if view.protocol == "anthropic" else "call_"
            self.tool_calls.append({
                "id": tc.get("id") or "%s%04d_%d" % (prefix, seq, i),
                "name": tc["name"],
                "raw": raw,
                "args": args,
            })
        stop = spec.get("stop_reason")
        if not stop:
            stop = "tool_use" if self.tool_calls else "end_turn"
        self.stop_reason = stop
        self.finish_reason = spec.get("finish_reason") or STOP_TO_FINISH.get(stop, stop)
        u = spec.get("usage") or {}
        prompt_text = json.dumps(view.body.get("messages", ""))
        self.input = int(u.get("input", u.get("input_tokens", estimate_tokens(prompt_text))))
        out_default = (len(split_tokens(self.text)) + estimate_tokens(self.reasoning)
                       + sum(estimate_tokens(t["raw"]) + 2 for t in self.tool_calls))
        self.output = int(u.get("output", u.get("output_tokens", out_default)))
        self.cache_read = int(u.get("cache_read", 0))
        self.cache_write = int(u.get("cache_write", 0))
        self.reasoning_tokens = int(u.get("reasoning", estimate_tokens(self.reasoning)))
        self.cost = spec.get("cost")
        self.ttft = float(spec.get("ttft_ms", 0)) / 1000.0
        tps = float(spec.get("tokens_per_sec", 0) or 0)
        self.gap = (1.0 / tps) if tps > 0 else float(spec.get("chunk_ms", 0)) / 1000.0
        self.args_chunk = int(spec.get("args_chunk_chars", 8))
        self.headers = spec.get("headers") or {}
        self.quirks = spec.get("quirks") or {}
        self.model = spec.get("model") or view.model or "test-model"

    def openai_usage(self):
        u = {
            "prompt_tokens": self.input + self.cache_read + self.cache_write,
            "completion_tokens": self.output,
            "total_tokens": self.input + self.cache_read + self.cache_write + self.output,
            "prompt_tokens_details": {"cached_tokens": self.cache_read},
            "completion_tokens_details": {"reasoning_tokens": self.reasoning_tokens},
        }
        if self.cache_write:
            u["prompt_tokens_details"]["cache_write_tokens"] = self.cache_write
        if self.cost is not None:
            u["cost"] = self.cost
        return u

    def anthropic_usage(self, output=None):
        return {
            "input_tokens": self.input,
            "cache_creation_input_tokens": self.cache_write,
            "cache_read_input_tokens": self.cache_read,
            "output_tokens": self.output if output is None else output,
        }

    def anthropic_input(self, tc):
        if isinstance(tc["args"], str):
            try:
                return json.loads(tc["args"])
            except ValueError:
                return tc["args"]
        return tc["args"]


# ---------------------------------------------------------------- server state

class State:
    def __init__(self, scenario, verbose=False):
        self.lock = threading.Lock()
        self.verbose = verbose
        self.set_scenario(scenario)
        self.requests = []
        self.seq = 0
        self.start = time.monotonic()

    def set_scenario(self, scenario):
        with self.lock:
            self.scenario = scenario
            self.reset_counters()

    def reset_counters(self):
        self.seen = {}
        self.used = {}
        self.faulted = {}

    def next_seq(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def choose(self, view):
        """Returns (rule_label, reply_spec or None, fault or None, error message or None)."""
        with self.lock:
            sc = self.scenario
            for i, r in enumerate(sc["rules"]):
                if not matches(r.get("match"), view):
                    continue
                self.seen[i] = self.seen.get(i, 0) + 1
                if self.seen[i] <= int(r.get("after", 0)):
                    continue
                if r.get("times") is not None and self.used.get(i, 0) >= int(r["times"]):
                    continue
                self.used[i] = self.used.get(i, 0) + 1
                return self._resolve(i, r, view)
            if sc["default"] is not None:
                return self._resolve("default", sc["default"], view)
            return (None, None, None, "no scripted reply for this request (model %r, last user "
                    "message %r, %d assistant turns)" % (view.model, view.summary(),
                                                         view.assistant_turns))

    def _resolve(self, key, r, view):
        label = r.get("name", key if key == "default" else "rule %d" % key)
        spec = r.get("reply")
        fault_key = (key, None)
        fault = r.get("fault")
        if "turns" in r:
            k = view.assistant_turns
            turns = r["turns"]
            if k >= len(turns):
                if not r.get("repeat_last"):
                    return (label, None, None, "program %r has %d turns but the request has %d "
                            "assistant turns" % (label, len(turns), k))
                k = len(turns) - 1
            spec = turns[k]
            label = "%s turn %d" % (label, k)
            fault_key = (key, k)
        if spec is not None and spec.get("fault") is not None:
            fault = spec["fault"]
        if fault is not None:
            fault = normalize_fault(fault)
            if not self._fault_fires(fault_key, fault):
                fault = None
        if spec is None and fault is None:
            return (label, None, None, "rule %r has no reply once its fault is spent" % label)
        return (label, spec, fault, None)

    def _fault_fires(self, key, fault):
        n = fault.get("fail_times")
        if n is None:
            return True
        done = self.faulted.get(key, 0)
        if done >= int(n):
            return False
        self.faulted[key] = done + 1
        return True

    def header_fault_fires(self, value, fault):
        with self.lock:
            return self._fault_fires(("header", value), fault)

    def record(self, rec):
        with self.lock:
            self.requests.append(rec)

    def snapshot(self, since=0):
        with self.lock:
            return [r for r in self.requests if r["seq"] > since]

    def reset(self):
        with self.lock:
            self.requests = []
            self.seq = 0
            self.reset_counters()


# ---------------------------------------------------------------- HTTP handler

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "skvm-modelserver/1"

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):  # quiet unless --verbose; never logs headers
        if self.server.state.verbose:
            sys.stderr.write("modelserver: %s\n" % (fmt % args))

    # ---- low level output

    def _send_head(self, status, ctype, extra=None, length=None, chunked=False):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in (extra or {}).items():
            self.send_header(k, str(v))
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-cache")
        else:
            self.send_header("Content-Length", str(length or 0))
        self.end_headers()
        self.wfile.flush()

    def _send_body(self, status, obj, extra=None, ctype="application/json"):
        data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self._send_head(status, ctype, extra, length=len(data))
        self.wfile.write(data)
        self.wfile.flush()

    def _chunk(self, data):
        if isinstance(data, str):
            data = data.encode()
        if not data:
            return
        try:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        except OSError:
            raise Cut()

    def _end_chunks(self):
        try:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            raise Cut()

    def _hard_close(self, reset):
        """Close the connection now: FIN (cut) or RST (reset, SO_LINGER 0)."""
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            fd = self.connection.detach()
            if fd >= 0:
                os.close(fd)
        except OSError:
            pass
        raise Cut()

    # ---- request plumbing

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            parts = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    break
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while True:
                        t = self.rfile.readline(65537)
                        if not t or t in (b"\r\n", b"\n"):
                            break
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(parts)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _headers_dict(self):
        return {k.lower(): v for k, v in self.headers.items()}

    def _redacted(self, headers):
        out = {}
        for k, v in headers.items():
            out[k] = "[REDACTED]" if k in SECRET_HEADERS else v
        return out

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method):
        try:
            self._dispatch_inner(method)
        except Cut:
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # a bug here must fail the test loudly, not hang it
            self.close_connection = True
            sys.stderr.write("modelserver: internal error on %s %s: %r\n" % (method, self.path, e))
            try:
                self._send_body(500, {"error": {"message": "modelserver internal error: %r" % e,
                                                "type": "modelserver_error"}})
            except OSError:
                pass

    def _dispatch_inner(self, method):
        path, _, query = self.path.partition("?")
        body = self._read_body()
        st = self.server.state
        if path.startswith("/_"):
            return self._control(method, path, query, body)
        headers = self._headers_dict()
        proto = None
        if path in ("/v1/chat/completions", "/chat/completions"):
            proto = "openai"
        elif path in ("/v1/messages", "/messages"):
            proto = "anthropic"
        seq = st.next_seq()
        rec = {"seq": seq, "time": round(time.monotonic() - st.start, 6), "method": method,
               "path": path, "query": query, "protocol": proto,
               "headers": self._redacted(headers), "body": None, "status": None}
        if body:
            try:
                rec["body"] = json.loads(body)
            except ValueError:
                rec["body_text"] = body[:65536].decode("utf-8", "replace")
        st.record(rec)
        if method == "GET" and path in ("/v1/models", "/models"):
            rec["protocol"] = "anthropic" if "anthropic-version" in headers else "openai"
            if not self._auth_ok(rec, headers, rec["protocol"]):
                return
            return self._models(rec, headers)
        if proto is None or method != "POST":
            rec["status"] = 404
            return self._send_body(404, {"error": {"message": "unknown endpoint %s %s" % (method, path),
                                                   "type": "not_found_error"}})
        self._chat(proto, rec, headers, body, seq)

    def _auth_ok(self, rec, headers, proto):
        key = self.server.state.scenario["require_key"]
        auth = headers.get("authorization", "")
        given = None
        if auth.lower().startswith("bearer "):
            given = auth[7:].strip()
        if headers.get("x-api-key") is not None:
            given = headers["x-api-key"] if proto == "anthropic" or given is None else given
        if given is None:
            rec["auth"] = "missing"
        elif key is not None and given != key:
            rec["auth"] = "wrong"
        else:
            rec["auth"] = "present"
        if key is None or rec["auth"] == "present":
            return True
        msg = ("x-api-key header is required" if rec["auth"] == "missing" else "invalid x-api-key") \
            if proto == "anthropic" else \
            ("You didn't provide an API key." if rec["auth"] == "missing"
             else "Incorrect API key provided.")
        self._error(proto, rec, 401, {"message": msg})
        return False

    def _models(self, rec, headers):
        models = self.server.state.scenario["models"]
        rec["status"] = 200
        if rec["protocol"] == "anthropic":
            data = [{"type": "model", "id": m, "display_name": m,
                     "created_at": "2025-01-01T00:00:00Z"} for m in models]
            return self._send_body(200, {"data": data, "has_more": False,
                                         "first_id": models[0] if models else None,
                                         "last_id": models[-1] if models else None})
        data = [{"id": m, "object": "model", "created": CREATED, "owned_by": "modelserver"}
                for m in models]
        self._send_body(200, {"object": "list", "data": data})

    # ---- errors in provider shape

    def _error(self, proto, rec, status, fault, extra_headers=None):
        msg = fault.get("message") or DEFAULT_MESSAGES.get(status, "Error %d (injected fault)" % status)
        hdrs = {}
        if fault.get("retry_after") is not None:
            hdrs["retry-after"] = fault["retry_after"]
        if fault.get("retry_after_ms") is not None:
            hdrs["retry-after-ms"] = fault["retry_after_ms"]
        if fault.get("should_retry") is not None:
            hdrs["x-should-retry"] = "true" if fault["should_retry"] else "false"
        hdrs.update(fault.get("headers") or {})
        hdrs.update(extra_headers or {})
        rid = "req_%06d" % rec["seq"]
        if proto == "anthropic":
            hdrs["request-id"] = rid
            err = {"type": fault.get("error_type") or ANTHROPIC_ERROR_TYPES.get(status, "api_error"),
                   "message": msg}
            if fault.get("quota"):
                err["details"] = {"error_code": "enforced_spend_limit_reached"}
            body = {"type": "error", "error": err, "request_id": rid}
        else:
            hdrs["x-request-id"] = rid
            etype, code = OPENAI_ERROR_TYPES.get(status, ("server_error", None))
            if fault.get("quota"):
                etype, code = "insufficient_quota", "insufficient_quota"
                if "message" not in fault:
                    msg = "You exceeded your current quota, please check your plan and billing details."
            body = {"error": {"message": msg, "type": fault.get("error_type") or etype,
                              "param": None, "code": fault.get("code", code)}}
        rec["status"] = status
        self._send_body(status, body, hdrs)

    # ---- chat endpoints

    def _chat(self, proto, rec, headers, raw, seq):
        st = self.server.state
        sc = st.scenario
        if not self._auth_ok(rec, headers, proto):
            return
        body = rec["body"]
        if not isinstance(body, dict):
            return self._error(proto, rec, 400, {"message": "request body is not a JSON object"})
        if proto == "anthropic" and sc["strict_headers"] and "anthropic-version" not in headers:
            return self._error(proto, rec, 400, {"message": "anthropic-version: header is required"})
        if not isinstance(body.get("messages"), list):
            return self._error(proto, rec, 400, {"message": "messages: field required"})
        if proto == "anthropic" and sc["strict_headers"] and not isinstance(body.get("max_tokens"), int):
            return self._error(proto, rec, 400, {"message": "max_tokens: field required"})
        view = RequestView(proto, body, headers, rec["path"])
        rec["model"] = view.model
        rec["stream"] = view.stream
        xf = headers.get("x-fault")
        hfault = None
        if xf:
            try:
                hfault = parse_fault_header(xf)
            except ScenarioError as e:
                return self._error(proto, rec, 400, {"message": str(e)})
            if not st.header_fault_fires(xf, hfault):
                hfault = None
        label, spec, fault, problem = st.choose(view)
        rec["rule"] = label
        if hfault is not None:
            fault = hfault
        if fault is None and problem:
            rec["error"] = problem
            return self._error(proto, rec, 400, {"message": problem, "error_type":
                                                 "invalid_request_error"})
        reply = Reply(spec or {}, view, seq, sc["defaults"])
        rec["fault"] = fault["type"] if fault else None
        if fault is not None:
            t = fault["type"]
            status = STATUS_FAULTS.get(t) or (fault.get("status") if t == "status" else None)
            if status is not None:
                return self._error(proto, rec, status, fault)
            if t == "reset" and not fault.get("after_chunks"):
                rec["status"] = 0
                return self._hard_close(True)
        if view.stream:
            self._stream(proto, rec, reply, view, fault)
        else:
            self._whole(proto, rec, reply, view, fault)

    # ---- non-streaming

    def _whole(self, proto, rec, reply, view, fault):
        t = fault["type"] if fault else None
        time.sleep(reply.ttft + reply.gap * max(0, reply.output - 1))
        rid = "req_%06d" % rec["seq"]
        hdrs = dict(reply.headers)
        hdrs["request-id" if proto == "anthropic" else "x-request-id"] = rid
        rec["status"] = 200
        if t == "wrong_content_type":
            return self._send_body(200, HTML_PAGE, hdrs, ctype="text/html; charset=utf-8")
        if t == "malformed_json":
            return self._send_body(200, b'{"id": "broken", "choices": [{"message": {"content": "tru',
                                   hdrs)
        if t == "error_event":
            if proto == "anthropic":
                obj = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
            else:
                obj = {"error": {"message": "upstream provider error (injected)", "type": "server_error",
                                 "code": 502}}
            return self._send_body(200, obj, hdrs)
        if proto == "anthropic":
            content = []
            if reply.reasoning:
                content.append({"type": "thinking", "thinking": reply.reasoning,
                                "signature": "sig_%06d" % rec["seq"]})
            if reply.text:
                content.append({"type": "text", "text": reply.text})
            for tc in reply.tool_calls:
                content.append({"type": "tool_use", "id": tc["id"], "name": tc["name"],
                                "input": reply.anthropic_input(tc)})
            obj = {"id": "msg_%06d" % rec["seq"], "type": "message", "role": "assistant",
                   "model": reply.model, "content": content, "stop_reason": reply.stop_reason,
                   "stop_sequence": None, "usage": reply.anthropic_usage()}
        else:
            msg = {"role": "assistant", "content": reply.text if (reply.text or not reply.tool_calls) else None}
            if reply.reasoning:
                msg["reasoning_content"] = reply.reasoning
            if reply.tool_calls:
                msg["tool_calls"] = [{"id": tc["id"], "type": "function",
                                      "function": {"name": tc["name"], "arguments": tc["raw"]}}
                                     for tc in reply.tool_calls]
            obj = {"id": "chatcmpl-%06d" % rec["seq"], "object": "chat.completion",
                   "created": CREATED, "model": reply.model,
                   "choices": [{"index": 0, "message": msg, "logprobs": None,
                                "finish_reason": reply.finish_reason}],
                   "usage": reply.openai_usage()}
        data = json.dumps(obj).encode()
        if t in ("stream_cut", "no_final_event"):
            self._send_head(200, "application/json", hdrs, length=len(data))
            self.wfile.write(data[:len(data) // 2])
            return self._hard_close(False)
        if t == "reset":
            self._send_head(200, "application/json", hdrs, length=len(data))
            self.wfile.write(data[:len(data) // 2])
            return self._hard_close(True)
        if t == "slow_drip":
            time.sleep(float(fault.get("pause_ms", 1000)) / 1000.0)
        self._send_body(200, data, hdrs)

    # ---- streaming

    def _stream(self, proto, rec, reply, view, fault):
        events = self._anthropic_events(reply, rec) if proto == "anthropic" \
            else self._openai_events(reply, rec, view)
        t = fault["type"] if fault else None
        q = reply.quirks
        nl = "\r\n" if q.get("crlf") else "\n"
        hdrs = dict(reply.headers)
        hdrs["request-id" if proto == "anthropic" else "x-request-id"] = "req_%06d" % rec["seq"]
        rec["status"] = 200
        if t == "wrong_content_type":
            return self._send_body(200, HTML_PAGE, hdrs, ctype="text/html; charset=utf-8")
        self._send_head(200, "text/event-stream; charset=utf-8", hdrs, chunked=True)
        after = int(fault.get("after_chunks", 2)) if fault else 0
        if t == "error_event" and fault.get("after_chunks") is None:
            after = 1
        pause = float(fault.get("pause_ms", 1000)) / 1000.0 if t == "slow_drip" else 0.0
        # Without pacing, events are coalesced into writes of up to 16 KiB (fast benchmarks;
        # events then also straddle reads). With pacing, every event is its own write.
        batch = not (reply.gap or pause or q.get("split_writes"))
        pending = []
        size = [0]

        def emit(data):
            if not batch:
                return self._chunk(data)
            pending.append(data.encode() if isinstance(data, str) else data)
            size[0] += len(pending[-1])
            if size[0] >= 16384:
                flush()

        def flush():
            if pending:
                self._chunk(b"".join(pending))
                del pending[:]
                size[0] = 0

        def nap(seconds):
            if seconds > 0:
                flush()
                time.sleep(seconds)

        sent = 0
        first_content = True
        for kind, ev in events:
            if kind == "final" and t == "no_final_event":
                break
            if kind in ("content", "final") and t in ("stream_cut", "reset", "error_event") \
                    and sent >= after:
                if t == "error_event":
                    if proto == "anthropic":
                        emit(sse("error", {"type": "error", "error": {
                            "type": fault.get("error_type", "overloaded_error"),
                            "message": fault.get("message", "Overloaded")}}, nl))
                    else:
                        emit(sse(None, {"error": {
                            "message": fault.get("message", "upstream provider error (injected)"),
                            "type": fault.get("error_type", "server_error"), "code": 502}}, nl))
                    rec["cut_after"] = sent
                    flush()
                    return self._end_chunks()
                rec["cut_after"] = sent
                flush()
                return self._hard_close(t == "reset")
            if kind == "content":
                if first_content:
                    nap(reply.ttft)
                    first_content = False
                else:
                    nap(reply.gap)
                nap(pause)
                sent += 1
                if t == "malformed_json" and sent == 1:
                    emit("data: {\"choices\": [{\"delta\": {\"content\": \"oops" + nl + nl)
            if q.get("comments") and kind == "content" and sent % 3 == 1:
                emit(": OPENROUTER PROCESSING" + nl + nl)
            data = sse(ev[0], ev[1], nl) if ev[1] is not None else ev[0]
            if q.get("split_writes") and len(data) > 3:
                mid = len(data) // 2
                self._chunk(data[:mid])
                time.sleep(0.005)
                self._chunk(data[mid:])
            else:
                emit(data)
        flush()
        self._end_chunks()

    def _openai_events(self, reply, rec, view):
        base = {"id": "chatcmpl-%06d" % rec["seq"], "object": "chat.completion.chunk",
                "created": CREATED, "model": reply.model, "system_fingerprint": "fp_modelserver"}
        so = view.body.get("stream_options")
        q = reply.quirks
        usage = (isinstance(so, dict) and so.get("include_usage")) or q.get("usage_always")

        def chunk(delta, finish=None):
            c = dict(base)
            c["choices"] = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
            if usage:
                c["usage"] = None
            return ("content", (None, c))

        yield ("head", (None, dict(chunk({"role": "assistant", "content": ""})[1][1])))
        for piece in split_tokens(reply.reasoning):
            yield chunk({"reasoning_content": piece})
        # Text deltas are the hot path of benchmarks: fill a pre-serialised template.
        nl = "\r\n" if q.get("crlf") else "\n"
        pre, _, post = sse(None, chunk({"content": "\x00"})[1][1], nl).partition('"\\u0000"')
        for piece in split_tokens(reply.text):
            yield ("content", (pre + json.dumps(piece) + post, None))
        for i, tc in enumerate(reply.tool_calls):
            yield chunk({"tool_calls": [{"index": i, "id": tc["id"], "type": "function",
                                         "function": {"name": tc["name"], "arguments": ""}}]})
            for frag in split_fixed(tc["raw"], reply.args_chunk):
                yield chunk({"tool_calls": [{"index": i, "function": {"arguments": frag}}]})
        yield chunk({}, reply.finish_reason)
        if usage:
            c = dict(base)
            c["choices"] = None if q.get("usage_choices_null") else []
            c["usage"] = reply.openai_usage()
            yield ("content", (None, c))
        yield ("final", ("data: [DONE]" + ("\r\n\r\n" if q.get("crlf") else "\n\n"), None))

    def _anthropic_events(self, reply, rec):
        q = reply.quirks
        msg = {"id": "msg_%06d" % rec["seq"], "type": "message", "role": "assistant",
               "model": reply.model, "content": [], "stop_reason": None, "stop_sequence": None,
               "usage": reply.anthropic_usage(output=1)}
        yield ("head", ("message_start", {"type": "message_start", "message": msg}))
        yield ("head", ("ping", {"type": "ping"}))
        idx = 0
        if reply.reasoning:
            yield ("content", ("content_block_start", {"type": "content_block_start", "index": idx,
                                                       "content_block": {"type": "thinking", "thinking": ""}}))
            for piece in split_tokens(reply.reasoning):
                yield ("content", ("content_block_delta", {"type": "content_block_delta", "index": idx,
                                                           "delta": {"type": "thinking_delta", "thinking": piece}}))
            yield ("content", ("content_block_delta", {"type": "content_block_delta", "index": idx,
                                                       "delta": {"type": "signature_delta",
                                                                 "signature": "sig_%06d" % rec["seq"]}}))
            yield ("content", ("content_block_stop", {"type": "content_block_stop", "index": idx}))
            idx += 1
        if reply.text or not reply.tool_calls:
            yield ("content", ("content_block_start", {"type": "content_block_start", "index": idx,
                                                       "content_block": {"type": "text", "text": ""}}))
            nl = "\r\n" if q.get("crlf") else "\n"
            pre, _, post = sse("content_block_delta", {"type": "content_block_delta", "index": idx,
                                                       "delta": {"type": "text_delta", "text": "\x00"}},
                               nl).partition('"\\u0000"')
            for n, piece in enumerate(split_tokens(reply.text)):
                yield ("content", (pre + json.dumps(piece) + post, None))
                if n % 8 == 7:
                    yield ("content", ("ping", {"type": "ping"}))
            if q.get("unknown_events"):
                yield ("content", ("future_event", {"type": "future_event", "index": idx, "x": 1}))
            yield ("content", ("content_block_stop", {"type": "content_block_stop", "index": idx}))
            idx += 1
        for tc in reply.tool_calls:
            yield ("content", ("content_block_start", {"type": "content_block_start", "index": idx,
                                                       "content_block": {"type": "tool_use", "id": tc["id"],
                                                                         "name": tc["name"], "input": {}}}))
            for frag in split_fixed(tc["raw"], reply.args_chunk):
                yield ("content", ("content_block_delta", {"type": "content_block_delta", "index": idx,
                                                           "delta": {"type": "input_json_delta",
                                                                     "partial_json": frag}}))
            yield ("content", ("content_block_stop", {"type": "content_block_stop", "index": idx}))
            idx += 1
        yield ("content", ("message_delta", {"type": "message_delta",
                                             "delta": {"stop_reason": reply.stop_reason,
                                                       "stop_sequence": None},
                                             "usage": reply.anthropic_usage()}))
        yield ("final", ("message_stop", {"type": "message_stop"}))

    # ---- control endpoints

    def _control(self, method, path, query, body):
        st = self.server.state
        if path == "/_health":
            return self._send_body(200, {"ok": True, "requests": len(st.requests)})
        if path == "/_requests" and method == "GET":
            since = 0
            m = re.search(r"(?:^|&)since=(\d+)", query)
            if m:
                since = int(m.group(1))
            return self._send_body(200, st.snapshot(since))
        if path == "/_script" and method == "GET":
            return self._send_body(200, st.scenario)
        if path in ("/_script", "/_reset") and method == "POST":
            if path == "/_reset" and not body.strip():
                st.reset()
                return self._send_body(200, {"ok": True})
            try:
                sc = load_scenario(json.loads(body.decode("utf-8")))
            except ValueError as e:
                return self._send_body(400, {"error": {"message": "scenario is not valid JSON: %s" % e}})
            except ScenarioError as e:
                return self._send_body(400, {"error": {"message": "bad scenario: %s" % e}})
            st.set_scenario(sc)
            if path == "/_reset":
                st.reset()
            return self._send_body(200, {"ok": True, "rules": len(sc["rules"])})
        if path == "/_shutdown" and method == "POST":
            self._send_body(200, {"ok": True})
            threading.Thread(target=self.server.shutdown, daemon=True).start()
            return
        self._send_body(404, {"error": {"message": "unknown control endpoint %s %s" % (method, path)}})


def sse(event, obj, nl="\n"):
    data = json.dumps(obj)
    if event is None:
        return "data: %s%s%s" % (data, nl, nl)
    return "event: %s%sdata: %s%s%s" % (event, nl, data, nl, nl)


HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
             b"<body><h1>502 Bad Gateway</h1><p>The proxy received an invalid response.</p>"
             b"</body></html>\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main(argv=None):
    ap = argparse.ArgumentParser(description="skvm loopback model server")
    ap.add_argument("--scenario", help="scenario JSON file (see README.md)")
    ap.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    ap.add_argument("--port-file", help="write the port number to this file")
    ap.add_argument("--stdin-lifeline", action="store_true",
                    help="exit when standard input reaches end of file")
    ap.add_argument("--verbose", action="store_true", help="log requests to stderr")
    a = ap.parse_args(argv)

    scenario = {}
    if a.scenario:
        try:
            with open(a.scenario, encoding="utf-8") as f:
                scenario = json.load(f)
        except (OSError, ValueError) as e:
            sys.stderr.write("modelserver: cannot read scenario %s: %s\n" % (a.scenario, e))
            return 2
    try:
        sc = load_scenario(scenario)
    except ScenarioError as e:
        sys.stderr.write("modelserver: bad scenario %s: %s\n" % (a.scenario, e))
        return 2

    srv = Server(("127.0.0.1", a.port), Handler)
    srv.state = State(sc, a.verbose)
    stop = threading.Event()

    def shut(*_):
        if not stop.is_set():
            stop.set()
            threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shut)
    signal.signal(signal.SIGINT, shut)
    port = srv.server_address[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, a.port_file)
    try:
        sys.stdout.write("PORT %d\n" % port)
        sys.stdout.flush()
    except OSError:
        pass

    parent = os.getppid()

    def watch_parent():
        while not stop.wait(0.2):
            if os.getppid() != parent:
                shut()

    threading.Thread(target=watch_parent, daemon=True).start()
    if a.stdin_lifeline:
        def watch_stdin():
            try:
                while os.read(0, 4096):
                    pass
            except OSError:
                pass
            shut()
        threading.Thread(target=watch_stdin, daemon=True).start()
    try:
        srv.serve_forever(poll_interval=0.1)
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    rc = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        pass
    # Handler threads may be asleep mid-stream (latency, slow drip): leave without waiting
    # for them or for the daemon watcher threads.
    os._exit(rc)
