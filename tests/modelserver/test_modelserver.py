"""Self-test of the loopback model server: both wire protocols, streaming and not, every
fault, recording, script replacement, lifetime. Standard library only.

Run: python3 -m unittest -v test_modelserver   (from tests/modelserver)
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "modelserver.py")
ANTH = {"anthropic-version": "2023-06-01", "content-type": "application/json"}
JSONH = {"content-type": "application/json"}


def start_server(extra=(), scenario=None):
    tmp = tempfile.mkdtemp(prefix="msrv-test-")
    pf = os.path.join(tmp, "port")
    args = [sys.executable, SERVER, "--port-file", pf, "--stdin-lifeline"] + list(extra)
    if scenario is not None:
        sp = os.path.join(tmp, "scenario.json")
        with open(sp, "w") as f:
            json.dump(scenario, f)
        args += ["--scenario", sp]
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    line = p.stdout.readline().decode()
    assert line.startswith("PORT "), line
    port = int(line.split()[1])
    with open(pf) as f:
        assert int(f.read()) == port
    return p, port


def parse_sse(raw):
    """Parse an SSE byte stream into [(event or None, data string)] (WHATWG rules)."""
    text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    out, event, data = [], None, []
    for line in text.split("\n"):
        if line == "":
            if data or event:
                out.append((event, "\n".join(data)))
            event, data = None, []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "event":
            event = value
        elif field == "data":
            data.append(value)
    return out


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc, cls.port = start_server()

    @classmethod
    def tearDownClass(cls):
        cls.proc.stdin.close()
        cls.proc.wait(timeout=10)
        cls.proc.stdout.close()

    def setUp(self):
        self.script({"rules": []})
        self.post("/_reset", b"")

    def conn(self, timeout=10):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, conn=None):
        c = conn or self.conn()
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        c.request(method, path, body=data, headers=headers or {})
        r = c.getresponse()
        raw = r.read()
        if conn is None:
            c.close()
        return r, raw

    def post(self, path, body, headers=None):
        return self.request("POST", path, body, headers)

    def script(self, sc):
        r, raw = self.post("/_script", sc)
        self.assertEqual(r.status, 200, raw)

    def requests(self):
        r, raw = self.request("GET", "/_requests")
        self.assertEqual(r.status, 200)
        return json.loads(raw)

    def openai(self, messages, stream=False, headers=None, **kw):
        body = {"model": kw.pop("model", "test-model"), "messages": messages, "stream": stream}
        body.update(kw)
        h = dict(JSONH)
        h.update(headers or {})
        return self.post("/v1/chat/completions", body, h)

    def anthropic(self, messages, stream=False, headers=None, **kw):
        body = {"model": kw.pop("model", "claude-test"), "max_tokens": 100,
                "messages": messages, "stream": stream}
        body.update(kw)
        h = dict(ANTH)
        h.update(headers or {})
        return self.post("/v1/messages", body, h)

    def raw_exchange(self, body_obj, path="/v1/chat/completions", headers=None, timeout=10):
        """Send one request over a plain socket; return everything read until EOF/reset."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        data = json.dumps(body_obj).encode()
        hdr = "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" \
              "Content-Length: %d\r\n" % (path, len(data))
        for k, v in (headers or {}).items():
            hdr += "%s: %s\r\n" % (k, v)
        s.sendall(hdr.encode() + b"\r\n" + data)
        got = b""
        err = None
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                got += b
        except (ConnectionResetError, socket.timeout) as e:
            err = e
        s.close()
        return got, err


USER_HI = [{"role": "user", "content": "hi there"}]


class TestOpenAI(Base):
    def test_plain_text_nonstream(self):
        self.script({"rules": [{"match": {"last_user": "hi"}, "reply": {
            "text": "Hello, world!", "usage": {"input": 12, "output": 4, "cache_read": 3},
            "cost": 0.0025}}]})
        r, raw = self.openai(USER_HI)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("content-type"), "application/json")
        self.assertTrue(r.getheader("x-request-id"))
        o = json.loads(raw)
        self.assertEqual(o["object"], "chat.completion")
        self.assertEqual(o["choices"][0]["message"], {"role": "assistant", "content": "Hello, world!"})
        self.assertEqual(o["choices"][0]["finish_reason"], "stop")
        self.assertEqual(o["usage"]["prompt_tokens"], 15)
        self.assertEqual(o["usage"]["prompt_tokens_details"]["cached_tokens"], 3)
        self.assertEqual(o["usage"]["completion_tokens"], 4)
        self.assertEqual(o["usage"]["total_tokens"], 19)
        self.assertEqual(o["usage"]["cost"], 0.0025)

    def test_text_template(self):
        self.script([{"reply": {"text_template": "echo {last_user} via {model}/{protocol} #{seq} t{turn}"}}])
        r, raw = self.openai(USER_HI, model="gpt-x")
        self.assertEqual(json.loads(raw)["choices"][0]["message"]["content"],
                         "echo hi there via gpt-x/openai #1 t0")

    def test_path_without_v1(self):
        self.script([{"reply": {"text": "ok"}}])
        r, raw = self.post("/chat/completions", {"model": "x", "messages": USER_HI}, JSONH)
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(raw)["choices"][0]["message"]["content"], "ok")

    def test_stream_text_with_usage(self):
        text = "The quick brown fox jumps over the lazy dog, twice."
        self.script([{"reply": {"text": text, "usage": {"input": 5, "output": 11}}}])
        r, raw = self.openai(USER_HI, stream=True, stream_options={"include_usage": True})
        self.assertEqual(r.status, 200)
        self.assertTrue(r.getheader("content-type").startswith("text/event-stream"))
        self.assertEqual(r.getheader("transfer-encoding"), "chunked")
        evs = parse_sse(raw)
        self.assertTrue(all(e is None for e, _ in evs))
        self.assertEqual(evs[-1][1], "[DONE]")
        chunks = [json.loads(d) for _, d in evs[:-1]]
        self.assertEqual(chunks[0]["choices"][0]["delta"]["role"], "assistant")
        self.assertEqual(len({c["id"] for c in chunks}), 1)
        self.assertTrue(all(c["object"] == "chat.completion.chunk" for c in chunks))
        content = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
        self.assertEqual(content, text)
        pieces = [c for c in chunks if c["choices"] and c["choices"][0]["delta"].get("content")]
        self.assertGreater(len(pieces), 5)
        fin = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
        self.assertEqual(len(fin), 1)
        self.assertEqual(fin[0]["choices"][0]["finish_reason"], "stop")
        last = chunks[-1]
        self.assertEqual(last["choices"], [])
        self.assertEqual(last["usage"]["completion_tokens"], 11)
        self.assertTrue(all(c["usage"] is None for c in chunks[:-1]))

    def test_stream_without_usage_has_no_usage_chunk(self):
        self.script([{"reply": {"text": "a b"}}])
        r, raw = self.openai(USER_HI, stream=True)
        chunks = [json.loads(d) for _, d in parse_sse(raw)[:-1]]
        self.assertTrue(all(c["choices"] for c in chunks))
        self.assertTrue(all("usage" not in c for c in chunks))

    def test_tool_calls_stream_fragments(self):
        args = {"path": "out/hello.txt", "content": "Hello from the agent\n"}
        self.script([{"match": {"has_tools": True}, "reply": {"tool_calls": [
            {"name": "write_file", "arguments": args}, {"name": "list_dir", "arguments": {}}]}}])
        tools = [{"type": "function", "function": {"name": "write_file", "parameters": {}}}]
        r, raw = self.openai(USER_HI, stream=True, tools=tools)
        chunks = [json.loads(d) for _, d in parse_sse(raw)[:-1]]
        calls = {}
        frags = {}
        for c in chunks:
            for tc in c["choices"][0]["delta"].get("tool_calls") or []:
                i = tc["index"]
                if "id" in tc:
                    self.assertNotIn(i, calls)
                    calls[i] = {"id": tc["id"], "name": tc["function"]["name"], "args": ""}
                calls[i]["args"] += tc["function"].get("arguments", "")
                frags[i] = frags.get(i, 0) + 1
        self.assertEqual(json.loads(calls[0]["args"]), args)
        self.assertEqual(json.loads(calls[1]["args"]), {})
        self.assertEqual(calls[0]["name"], "write_file")
        self.assertGreater(frags[0], 3)
        self.assertNotEqual(calls[0]["id"], calls[1]["id"])
        self.assertEqual(chunks[-1]["choices"][0]["finish_reason"], "tool_calls")

    def test_tool_calls_nonstream(self):
        self.script([{"reply": {"text": "writing", "tool_calls": [
            {"id": "call_x", "name": "write_file", "arguments": {"path": "a"}}]}}])
        r, raw = self.openai(USER_HI)
        m = json.loads(raw)["choices"][0]
        self.assertEqual(m["finish_reason"], "tool_calls")
        self.assertEqual(m["message"]["content"], "writing")
        tc = m["message"]["tool_calls"][0]
        self.assertEqual(tc["id"], "call_x")
        self.assertEqual(tc["type"], "function")
        self.assertEqual(json.loads(tc["function"]["arguments"]), {"path": "a"})

    def test_raw_string_arguments_kept_verbatim(self):
        self.script([{"reply": {"tool_calls": [{"name": "f", "arguments": "<think>x</think>{\"a\":"}]}}])
        r, raw = self.openai(USER_HI)
        tc = json.loads(raw)["choices"][0]["message"]["tool_calls"][0]
        self.assertEqual(tc["function"]["arguments"], "<think>x</think>{\"a\":")

    def test_reasoning_and_stop_reasons(self):
        self.script([{"reply": {"text": "cut", "reasoning": "let me think", "stop_reason": "max_tokens"}}])
        r, raw = self.openai(USER_HI)
        c = json.loads(raw)["choices"][0]
        self.assertEqual(c["finish_reason"], "length")
        self.assertEqual(c["message"]["reasoning_content"], "let me think")

    def test_quirks(self):
        self.script([{"reply": {"text": "one two three four five six", "quirks": {
            "crlf": True, "comments": True, "usage_choices_null": True, "split_writes": True}}}])
        r, raw = self.openai(USER_HI, stream=True, stream_options={"include_usage": True})
        self.assertIn(b"\r\n\r\n", raw)
        self.assertIn(b": OPENROUTER PROCESSING", raw)
        evs = parse_sse(raw)
        chunks = [json.loads(d) for _, d in evs[:-1]]
        self.assertIsNone(chunks[-1]["choices"])
        self.assertEqual("".join(c["choices"][0]["delta"].get("content") or "" for c in chunks
                                 if c["choices"]), "one two three four five six")

    def test_keep_alive(self):
        self.script([{"reply": {"text": "ok"}}])
        c = self.conn()
        for stream in (False, True, False):
            r, raw = self.request("POST", "/v1/chat/completions",
                                  {"model": "m", "messages": USER_HI, "stream": stream}, JSONH, conn=c)
            self.assertEqual(r.status, 200)
        c.close()
        self.assertEqual(len(self.requests()), 3)

    def test_concurrent_streams(self):
        import threading
        self.script([{"reply": {"text": "parallel answer number one two three", "ttft_ms": 300,
                                "chunk_ms": 10}}])
        results = [None] * 32

        def worker(i):
            r, raw = self.openai([{"role": "user", "content": "q%d" % i}], stream=True)
            evs = parse_sse(raw)
            results[i] = (r.status, evs[-1][1])

        t0 = time.monotonic()
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        dt = time.monotonic() - t0
        self.assertEqual(results, [(200, "[DONE]")] * 32)
        self.assertLess(dt, 0.3 * 32 / 2)  # overlapped, not serialised (that takes >= 9.6 s)
        self.assertEqual(len(self.requests()), 32)

    def test_big_stream_and_usage_always(self):
        self.script([{"reply": {"text": "lorem ipsum dolor sit amet ", "text_repeat": 4000,
                                "quirks": {"usage_always": True}}}])
        t0 = time.monotonic()
        r, raw = self.openai(USER_HI, stream=True)
        dt = time.monotonic() - t0
        chunks = [json.loads(d) for _, d in parse_sse(raw)[:-1]]
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
        self.assertEqual(text, "lorem ipsum dolor sit amet " * 4000)
        self.assertEqual(chunks[-1]["choices"], [])
        self.assertGreater(chunks[-1]["usage"]["completion_tokens"], 20000)
        self.assertLess(dt, 10)

    def test_models(self):
        self.script({"models": ["alpha", "beta"], "rules": []})
        r, raw = self.request("GET", "/v1/models")
        o = json.loads(raw)
        self.assertEqual(o["object"], "list")
        self.assertEqual([m["id"] for m in o["data"]], ["alpha", "beta"])
        r, raw = self.request("GET", "/v1/models", headers=ANTH)
        o = json.loads(raw)
        self.assertEqual(o["data"][0]["type"], "model")
        self.assertFalse(o["has_more"])


class TestAnthropic(Base):
    def test_nonstream_text_and_tool(self):
        self.script([{"reply": {"text": "I'll write it.", "tool_calls": [
            {"name": "write_file", "arguments": {"path": "x.txt", "content": "y"}}],
            "usage": {"input": 20, "output": 9, "cache_read": 100, "cache_write": 7}}}])
        r, raw = self.anthropic(USER_HI)
        self.assertEqual(r.status, 200)
        self.assertTrue(r.getheader("request-id"))
        o = json.loads(raw)
        self.assertEqual(o["type"], "message")
        self.assertEqual(o["role"], "assistant")
        self.assertEqual(o["stop_reason"], "tool_use")
        self.assertEqual(o["content"][0], {"type": "text", "text": "I'll write it."})
        tu = o["content"][1]
        self.assertEqual(tu["type"], "tool_use")
        self.assertTrue(tu["id"].startswith("toolu_"))
        self.assertEqual(tu["input"], {"path": "x.txt", "content": "y"})
        self.assertEqual(o["usage"], {"input_tokens": 20, "output_tokens": 9,
                                      "cache_read_input_tokens": 100,
                                      "cache_creation_input_tokens": 7})

    def test_stream_events(self):
        text = "Sure thing, here is a fairly long answer with many tokens in it for pings."
        args = {"path": "notes/a.md", "content": "# Title\nbody"}
        self.script([{"reply": {"text": text, "tool_calls": [{"name": "write_file", "arguments": args}],
                                "usage": {"input": 30, "output": 25}}}])
        r, raw = self.anthropic(USER_HI, stream=True)
        self.assertEqual(r.status, 200)
        evs = parse_sse(raw)
        for name, data in evs:
            self.assertEqual(json.loads(data)["type"], name)
        names = [e for e, _ in evs]
        self.assertEqual(names[0], "message_start")
        self.assertEqual(names[-1], "message_stop")
        self.assertEqual(names[-2], "message_delta")
        self.assertIn("ping", names)
        start = json.loads(evs[0][1])["message"]
        self.assertEqual(start["content"], [])
        self.assertEqual(start["usage"]["input_tokens"], 30)
        blocks = {}
        for name, data in evs:
            d = json.loads(data)
            if name == "content_block_start":
                blocks[d["index"]] = {"start": d["content_block"], "acc": "", "stopped": False}
            elif name == "content_block_delta":
                dl = d["delta"]
                blocks[d["index"]]["acc"] += dl.get("text", dl.get("partial_json", ""))
            elif name == "content_block_stop":
                blocks[d["index"]]["stopped"] = True
        self.assertEqual(blocks[0]["start"]["type"], "text")
        self.assertEqual(blocks[0]["acc"], text)
        self.assertEqual(blocks[1]["start"]["type"], "tool_use")
        self.assertEqual(blocks[1]["start"]["input"], {})
        self.assertEqual(json.loads(blocks[1]["acc"]), args)
        self.assertTrue(all(b["stopped"] for b in blocks.values()))
        n_json = sum(1 for n, d in evs if n == "content_block_delta"
                     and json.loads(d)["delta"]["type"] == "input_json_delta")
        self.assertGreater(n_json, 2)
        md = json.loads(evs[-2][1])
        self.assertEqual(md["delta"]["stop_reason"], "tool_use")
        self.assertEqual(md["usage"]["output_tokens"], 25)

    def test_thinking_and_unknown_events(self):
        self.script([{"reply": {"text": "x", "reasoning": "hmm ok", "quirks": {"unknown_events": True}}}])
        r, raw = self.anthropic(USER_HI, stream=True)
        evs = parse_sse(raw)
        names = [e for e, _ in evs]
        self.assertIn("future_event", names)
        deltas = [json.loads(d)["delta"]["type"] for n, d in evs if n == "content_block_delta"]
        self.assertIn("thinking_delta", deltas)
        self.assertIn("signature_delta", deltas)

    def test_missing_version_header(self):
        self.script([{"reply": {"text": "x"}}])
        r, raw = self.post("/v1/messages", {"model": "m", "max_tokens": 5, "messages": USER_HI}, JSONH)
        self.assertEqual(r.status, 400)
        self.assertEqual(json.loads(raw)["error"]["type"], "invalid_request_error")

    def test_tool_result_matching(self):
        self.script([
            {"match": {"last_tool_result": "ERROR"}, "reply": {"text": "retrying"}},
            {"match": {"last_tool_result_regex": "^wrote \\d+ bytes$"}, "reply": {"text": "done"}}])
        msgs = [{"role": "user", "content": "write"},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "w", "input": {}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1",
                                              "content": "wrote 12 bytes"}]}]
        r, raw = self.anthropic(msgs)
        self.assertEqual(json.loads(raw)["content"][0]["text"], "done")
        msgs[2]["content"][0]["content"] = [{"type": "text", "text": "ERROR: disk full"}]
        r, raw = self.anthropic(msgs)
        self.assertEqual(json.loads(raw)["content"][0]["text"], "retrying")


class TestAuth(Base):
    def test_require_key(self):
        key = "sk-test-SECRET-123456"
        self.script({"require_key": key, "rules": [{"reply": {"text": "ok"}}]})
        r, raw = self.openai(USER_HI)
        self.assertEqual(r.status, 401)
        err = json.loads(raw)["error"]
        self.assertEqual(err["code"], "invalid_api_key")
        r, raw = self.openai(USER_HI, headers={"Authorization": "Bearer wrong"})
        self.assertEqual(r.status, 401)
        r, raw = self.openai(USER_HI, headers={"Authorization": "Bearer " + key})
        self.assertEqual(r.status, 200)
        r, raw = self.anthropic(USER_HI, headers={"x-api-key": "nope"})
        self.assertEqual(r.status, 401)
        o = json.loads(raw)
        self.assertEqual(o["type"], "error")
        self.assertEqual(o["error"]["type"], "authentication_error")
        r, raw = self.anthropic(USER_HI, headers={"x-api-key": key})
        self.assertEqual(r.status, 200)
        r, raw = self.request("GET", "/_requests")
        self.assertNotIn(key.encode(), raw)
        recs = json.loads(raw)
        self.assertEqual([x["auth"] for x in recs], ["missing", "wrong", "present", "wrong", "present"])
        self.assertEqual(recs[2]["headers"]["authorization"], "[REDACTED]")
        self.assertEqual(recs[4]["headers"]["x-api-key"], "[REDACTED]")


class TestRules(Base):
    def test_first_match_and_conditions(self):
        self.script({"rules": [
            {"name": "glob", "match": {"model": "gpt-*", "last_user_regex": "^sum (\\d+)"}, "reply": {"text": "A"}},
            {"name": "any", "match": {"any_message": "SECRET-PLAN"}, "reply": {"text": "B"}},
            {"name": "sys", "match": {"system": "pirate"}, "reply": {"text": "C"}},
            {"name": "tools", "match": {"tool": "bash"}, "reply": {"text": "D"}},
            {"name": "turns", "match": {"assistant_turns": [2, None]}, "reply": {"text": "E"}},
            {"name": "hdr", "match": {"header": {"x-test": "yes"}, "body": {"temperature": 0}},
             "reply": {"text": "F"}},
            {"name": "catch", "match": {"protocol": "openai", "stream": False}, "reply": {"text": "Z"}}]})

        def say(msgs, **kw):
            r, raw = self.openai(msgs, **kw)
            return json.loads(raw)["choices"][0]["message"]["content"]

        self.assertEqual(say([{"role": "user", "content": "sum 3"}], model="gpt-4o"), "A")
        self.assertEqual(say([{"role": "user", "content": "sum 3"}], model="claude"), "Z")
        self.assertEqual(say([{"role": "user", "content": "x SECRET-PLAN"}, {"role": "assistant", "content": "k"},
                              {"role": "user", "content": "sum 3"}], model="gpt-4"), "A")
        self.assertEqual(say([{"role": "user", "content": "x SECRET-PLAN"}, {"role": "assistant", "content": "k"},
                              {"role": "user", "content": "go"}]), "B")
        self.assertEqual(say([{"role": "system", "content": "talk like a pirate"}] + USER_HI), "C")
        self.assertEqual(say(USER_HI, tools=[{"type": "function", "function": {"name": "bash"}}]), "D")
        two = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
               {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"},
               {"role": "user", "content": "e"}]
        self.assertEqual(say(two), "E")
        self.assertEqual(say(USER_HI, headers={"X-Test": "yes"}, temperature=0), "F")
        self.assertEqual(say(USER_HI, headers={"X-Test": "yes"}, temperature=1), "Z")
        self.assertEqual([x["rule"] for x in self.requests()][:2], ["glob", "catch"])

    def test_no_match_is_loud(self):
        self.script([{"match": {"last_user": "never"}, "reply": {"text": "x"}}])
        r, raw = self.openai(USER_HI)
        self.assertEqual(r.status, 400)
        self.assertIn("no scripted reply", json.loads(raw)["error"]["message"])
        r, raw = self.anthropic(USER_HI, stream=True)
        self.assertEqual(r.status, 400)
        o = json.loads(raw)
        self.assertEqual(o["error"]["type"], "invalid_request_error")
        self.assertIn("no scripted reply", o["error"]["message"])

    def test_default_rule(self):
        self.script({"rules": [], "default": {"reply": {"text": "fallback"}}})
        r, raw = self.openai(USER_HI)
        self.assertEqual(json.loads(raw)["choices"][0]["message"]["content"], "fallback")

    def test_times_and_after(self):
        self.script([{"match": {"last_user": "hi"}, "after": 1, "times": 2, "reply": {"text": "second+third"}},
                     {"reply": {"text": "other"}}])
        got = []
        for _ in range(5):
            r, raw = self.openai(USER_HI)
            got.append(json.loads(raw)["choices"][0]["message"]["content"])
        self.assertEqual(got, ["other", "second+third", "second+third", "other", "other"])

    def test_program_mode(self):
        self.script({"program": [
            {"tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "hi"}}]},
            {"tool_calls": [{"name": "read_file", "arguments": {"path": "a.txt"}}]},
            {"text": "All done."}]})
        msgs = [{"role": "user", "content": "make a file"}]
        seen = []
        for turn in range(3):
            r, raw = self.openai(msgs)
            m = json.loads(raw)["choices"][0]["message"]
            seen.append(m.get("tool_calls", [{}])[0].get("function", {}).get("name") or m["content"])
            msgs.append(m)
            for tc in m.get("tool_calls") or []:
                msgs.append({"role": "tool", "tool_call_id": tc["id"], "content": "ok"})
        self.assertEqual(seen, ["write_file", "read_file", "All done."])
        r, raw = self.openai(msgs)
        self.assertEqual(r.status, 400)
        self.assertIn("program", json.loads(raw)["error"]["message"])
        self.assertEqual([x["rule"] for x in self.requests()][:3],
                         ["program turn 0", "program turn 1", "program turn 2"])

    def test_bad_scripts_rejected(self):
        for bad in (b"{not json", json.dumps({"rules": [{"reply": {"txt": "typo"}}]}).encode(),
                    json.dumps({"rules": [{"fault": "explode"}]}).encode(),
                    json.dumps({"rules": [{"match": {"last_user_regex": "("}, "reply": {}}]}).encode(),
                    json.dumps({"rulez": []}).encode()):
            r, raw = self.post("/_script", bad)
            self.assertEqual(r.status, 400, bad)
            self.assertIn("message", json.loads(raw)["error"])

    def test_recording_and_reset(self):
        self.script([{"name": "r", "reply": {"text": "ok"}}])
        self.openai(USER_HI, headers={"X-Custom": "v1"}, temperature=0.5)
        self.post("/v1/chat/completions", b"not json at all", JSONH)
        recs = self.requests()
        self.assertEqual(len(recs), 2)
        self.assertEqual(recs[0]["body"]["temperature"], 0.5)
        self.assertEqual(recs[0]["headers"]["x-custom"], "v1")
        self.assertEqual(recs[0]["rule"], "r")
        self.assertEqual(recs[0]["status"], 200)
        self.assertEqual(recs[1]["status"], 400)
        self.assertEqual(recs[1]["body_text"], "not json at all")
        r, raw = self.request("GET", "/_requests?since=%d" % recs[0]["seq"])
        self.assertEqual(len(json.loads(raw)), 1)
        self.post("/_reset", b"")
        self.assertEqual(self.requests(), [])

    def test_deterministic(self):
        self.script([{"reply": {"text": "same every time", "tool_calls": [{"name": "f", "arguments": {"a": 1}}]}}])
        outs = []
        for _ in range(2):
            self.post("/_reset", b"")
            r, raw = self.openai(USER_HI, stream=True)
            outs.append(raw)
        self.assertEqual(outs[0], outs[1])


class TestFaults(Base):
    def test_status_faults(self):
        cases = [("rate_limit", 429, "rate_limit_error"), ("500", 500, "api_error"),
                 ("unavailable", 503, "api_error"), ("overloaded", 529, "overloaded_error"),
                 ("unauthorized", 401, "authentication_error"), ("bad_request", 400, "invalid_request_error")]
        for name, status, atype in cases:
            self.script([{"fault": name}])
            r, raw = self.anthropic(USER_HI)
            self.assertEqual(r.status, status, name)
            o = json.loads(raw)
            self.assertEqual(o["type"], "error")
            self.assertEqual(o["error"]["type"], atype)
            r, raw = self.openai(USER_HI, stream=True)
            self.assertEqual(r.status, status, name)
            self.assertIn("message", json.loads(raw)["error"])

    def test_retry_after_headers_and_fail_times(self):
        self.script([{"fault": {"type": "rate_limit", "retry_after": 2, "retry_after_ms": 1500,
                                "fail_times": 2}, "reply": {"text": "finally"}}])
        for _ in range(2):
            r, raw = self.openai(USER_HI)
            self.assertEqual(r.status, 429)
            self.assertEqual(r.getheader("retry-after"), "2")
            self.assertEqual(r.getheader("retry-after-ms"), "1500")
            self.assertEqual(json.loads(raw)["error"]["code"], "rate_limit_exceeded")
        r, raw = self.openai(USER_HI)
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(raw)["choices"][0]["message"]["content"], "finally")
        self.assertEqual([x["fault"] for x in self.requests()], ["rate_limit", "rate_limit", None])

    def test_quota_429(self):
        self.script([{"fault": {"type": "429", "quota": True}}])
        r, raw = self.openai(USER_HI)
        self.assertEqual(json.loads(raw)["error"]["code"], "insufficient_quota")
        r, raw = self.anthropic(USER_HI)
        self.assertEqual(json.loads(raw)["error"]["details"]["error_code"], "enforced_spend_limit_reached")

    def test_header_fault(self):
        self.script([{"reply": {"text": "fine"}}])
        r, raw = self.openai(USER_HI, headers={"X-Fault": "503"})
        self.assertEqual(r.status, 503)
        h = {"X-Fault": "rate_limit; retry_after=1; fail_times=1"}
        r, raw = self.openai(USER_HI, headers=h)
        self.assertEqual(r.status, 429)
        self.assertEqual(r.getheader("retry-after"), "1")
        r, raw = self.openai(USER_HI, headers=h)
        self.assertEqual(r.status, 200)
        r, raw = self.openai(USER_HI, headers={"X-Fault": "no_such_fault"})
        self.assertEqual(r.status, 400)
        self.assertIn("unknown fault", json.loads(raw)["error"]["message"])

    def test_malformed_json(self):
        self.script([{"fault": "malformed_json", "reply": {"text": "abc def"}}])
        r, raw = self.openai(USER_HI)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("content-type"), "application/json")
        self.assertRaises(ValueError, json.loads, raw)
        r, raw = self.openai(USER_HI, stream=True)
        bad = 0
        for _, d in parse_sse(raw):
            if d != "[DONE]":
                try:
                    json.loads(d)
                except ValueError:
                    bad += 1
        self.assertEqual(bad, 1)

    def test_wrong_content_type(self):
        self.script([{"fault": "wrong_content_type", "reply": {"text": "x"}}])
        for stream in (False, True):
            r, raw = self.anthropic(USER_HI, stream=stream)
            self.assertEqual(r.status, 200)
            self.assertTrue(r.getheader("content-type").startswith("text/html"))
            self.assertIn(b"<html>", raw)

    def test_stream_cut(self):
        self.script([{"fault": {"type": "stream_cut", "after_chunks": 3},
                      "reply": {"text": "one two three four five six seven eight"}}])
        for path, body, hdrs, final in (
                ("/v1/chat/completions", {"model": "m", "messages": USER_HI, "stream": True}, {}, b"[DONE]"),
                ("/v1/messages", {"model": "m", "max_tokens": 9, "messages": USER_HI, "stream": True},
                 {"anthropic-version": "2023-06-01"}, b"message_stop")):
            got, err = self.raw_exchange(body, path, hdrs)
            self.assertIn(b"200 OK", got)
            self.assertNotIn(final, got)
            self.assertFalse(got.endswith(b"0\r\n\r\n"))
            c = self.conn()
            c.request("POST", path, body=json.dumps(body), headers=dict(JSONH, **hdrs))
            r = c.getresponse()
            self.assertRaises(http.client.IncompleteRead, r.read)
            c.close()
        self.assertEqual(self.requests()[0]["cut_after"], 3)

    def test_stream_cut_nonstream(self):
        self.script([{"fault": "stream_cut", "reply": {"text": "a reasonably long body"}}])
        c = self.conn()
        c.request("POST", "/v1/chat/completions", body=json.dumps({"model": "m", "messages": USER_HI}),
                  headers=JSONH)
        r = c.getresponse()
        self.assertRaises(http.client.IncompleteRead, r.read)
        c.close()

    def test_no_final_event(self):
        self.script([{"fault": "no_final_event", "reply": {"text": "all the text"}}])
        r, raw = self.openai(USER_HI, stream=True)
        self.assertEqual(r.status, 200)
        evs = parse_sse(raw)
        self.assertNotEqual(evs[-1][1], "[DONE]")
        self.assertEqual(json.loads(evs[-1][1])["choices"][0]["finish_reason"], "stop")
        r, raw = self.anthropic(USER_HI, stream=True)
        names = [e for e, _ in parse_sse(raw)]
        self.assertEqual(names[-1], "message_delta")

    def test_error_event_after_200(self):
        self.script([{"fault": {"type": "error_event", "after_chunks": 2},
                      "reply": {"text": "alpha beta gamma delta epsilon"}}])
        r, raw = self.anthropic(USER_HI, stream=True)
        self.assertEqual(r.status, 200)
        evs = parse_sse(raw)
        self.assertEqual(evs[-1][0], "error")
        self.assertEqual(json.loads(evs[-1][1])["error"]["type"], "overloaded_error")
        self.assertNotIn("message_stop", [e for e, _ in evs])
        r, raw = self.openai(USER_HI, stream=True)
        self.assertEqual(r.status, 200)
        evs = parse_sse(raw)
        self.assertIn("error", json.loads(evs[-1][1]))
        self.assertEqual(len(evs), 1 + 2 + 1)

    def test_reset(self):
        self.script([{"fault": "reset"}])
        got, err = self.raw_exchange({"model": "m", "messages": USER_HI})
        self.assertEqual(got, b"")
        self.assertIsInstance(err, ConnectionResetError)
        self.script([{"fault": {"type": "reset", "after_chunks": 2}, "reply": {"text": "a b c d e"}}])
        got, err = self.raw_exchange({"model": "m", "messages": USER_HI, "stream": True})
        self.assertIsInstance(err, ConnectionResetError)
        self.assertEqual(self.requests()[0]["status"], 0)

    def test_slow_drip(self):
        self.script([{"fault": {"type": "slow_drip", "pause_ms": 150}, "reply": {"text": "a b c d"}}])
        t0 = time.monotonic()
        r, raw = self.openai(USER_HI, stream=True)
        dt = time.monotonic() - t0
        self.assertEqual(parse_sse(raw)[-1][1], "[DONE]")
        self.assertGreaterEqual(dt, 0.15 * 5)

    def test_latency(self):
        self.script([{"reply": {"text": "one two three four five six seven eight nine ten",
                                "ttft_ms": 400, "tokens_per_sec": 50}}])
        c = self.conn()
        t0 = time.monotonic()
        c.request("POST", "/v1/chat/completions", body=json.dumps(
            {"model": "m", "messages": USER_HI, "stream": True}), headers=JSONH)
        r = c.getresponse()
        t_head = time.monotonic() - t0
        first = None
        buf = b""
        while True:
            b = r.read1(65536)
            if not b:
                break
            buf += b
            if first is None and b'"content": "one' in buf:
                first = time.monotonic() - t0
        total = time.monotonic() - t0
        c.close()
        self.assertLess(t_head, 0.3)  # headers come before the first token
        self.assertGreaterEqual(first, 0.39)
        self.assertGreaterEqual(total, 0.4 + 9 * 0.02 - 0.01)


class TestReadmeExamples(Base):
    def examples(self):
        with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
            text = f.read()
        text = text[text.index("## Examples"):]
        blocks = []
        while "```json\n" in text:
            text = text[text.index("```json\n") + 8:]
            blocks.append(json.loads(text[:text.index("```")]))
        return blocks

    def test_examples_load(self):
        ex = self.examples()
        self.assertEqual(len(ex), 4)
        for sc in ex:
            self.script(sc)

    def test_agent_example(self):
        self.script(self.examples()[1])
        tools = [{"type": "function", "function": {"name": "write_file", "parameters": {}}}]
        msgs = [{"role": "user", "content": "create hello.txt"}]
        r, raw = self.openai(msgs, tools=tools)
        m = json.loads(raw)["choices"][0]["message"]
        self.assertEqual(json.loads(m["tool_calls"][0]["function"]["arguments"])["path"], "hello.txt")
        msgs += [m, {"role": "tool", "tool_call_id": m["tool_calls"][0]["id"], "content": "wrote 14 bytes"}]
        r, raw = self.openai(msgs, tools=tools)
        self.assertIn("Done", json.loads(raw)["choices"][0]["message"]["content"])
        msgs[-1]["content"] = "error: permission denied"
        r, raw = self.openai(msgs, tools=tools)
        self.assertEqual(json.loads(raw)["choices"][0]["message"]["content"], "The write failed.")


class TestLifetime(unittest.TestCase):
    def test_sigterm(self):
        p, port = start_server()
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=10), 0)
        p.stdin.close()
        p.stdout.close()
        self.assertRaises(OSError, socket.create_connection, ("127.0.0.1", port), 1)

    def test_stdin_lifeline(self):
        p, port = start_server()
        p.stdin.close()
        self.assertEqual(p.wait(timeout=10), 0)
        p.stdout.close()

    def test_parent_death(self):
        tmp = tempfile.mkdtemp(prefix="msrv-test-")
        pf = os.path.join(tmp, "port")
        # An intermediate parent starts the server in the background and exits at once.
        code = ("import subprocess,sys; subprocess.Popen([sys.executable, %r, '--port-file', %r], "
                "stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL); "
                "import time,os\nwhile not os.path.exists(%r): time.sleep(0.05)" % (SERVER, pf, pf))
        subprocess.run([sys.executable, "-c", code], timeout=20, check=True)
        with open(pf) as f:
            port = int(f.read())
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            except OSError:
                break
            time.sleep(0.1)
        else:
            self.fail("server outlived its parent")

    def test_bad_scenario_file(self):
        tmp = tempfile.mkdtemp(prefix="msrv-test-")
        sp = os.path.join(tmp, "s.json")
        with open(sp, "w") as f:
            f.write("{\"rules\": [{\"reply\": {\"text\": 1, \"bogus\": 2}}]}")
        p = subprocess.run([sys.executable, SERVER, "--scenario", sp], capture_output=True, timeout=20)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"bogus", p.stderr)

    def test_scenario_file_loaded(self):
        p, port = start_server(scenario={"rules": [{"reply": {"text": "from file"}}]})
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("POST", "/v1/chat/completions", json.dumps({"model": "m", "messages": USER_HI}), JSONH)
        self.assertEqual(json.loads(c.getresponse().read())["choices"][0]["message"]["content"], "from file")
        c.close()
        p.stdin.close()
        self.assertEqual(p.wait(timeout=10), 0)
        p.stdout.close()


if __name__ == "__main__":
    unittest.main()
